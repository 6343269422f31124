"""mpp.mp4_format: the K230 MPP's MP4 calls, bound one to one as CanMV binds them (its
umpp.mp4_format_api; neighbours facts sheet 3.4). On the simulator they are the native
_mpp.mp4_format_api (boards/unix_sim/modk230mp4.c) over sim/src/mp4/.

kd_mp4_create(handle_ptr, cfg), kd_mp4_destroy(handle), kd_mp4_create_track(handle, track_ptr,
info), kd_mp4_destroy_tracks(handle), kd_mp4_write_frame(handle, track, frame),
kd_mp4_get_file_info(handle, info), kd_mp4_get_track_by_index(handle, index, info),
kd_mp4_get_frame(handle, frame). Struct arguments are the uctypes structs of
mpp.mp4_format_struct (any buffer of exactly the C size, else TypeError "struct N expect size:
X, actual size: Y"); handle_ptr / track_ptr are k_u64_ptr() (mpp.common_struct), whose .value
the other calls take as an int. Every call returns the C result: 0, or -1 (the reason is on
stderr) or -2; nothing is raised for a failing call.
"""
from _mpp.mp4_format_api import *
