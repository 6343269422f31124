"""mpp.mp4_format_struct: the constants and uctypes structs of the kd_mp4_* calls
(mpp.mp4_format), shaped as CanMV's (neighbours facts sheet 3.3).

The layouts are the C ones of sim/include/k230_mp4_format.h (LP64), except that, as in
CanMV's descriptors, `fmp4_flag` and `eof` are declared UINT32 at their offsets (the C fields are
bytes followed by padding: a write fills the padding too, harmless in little-endian) and
`data` is a UINT64 (an address: uctypes.addressof(buf), or a StreamData.data[i]). The uctypes
sizes are the C sizes: config 136, track info 28, frame data 32, file info 16.

    cfg = k_mp4_config_s()
    cfg.config_type = K_MP4_CONFIG_MUXER
    cfg.muxer_config.file_name[:] = bytes("/data/test.mp4", "utf-8")  # at most 127 bytes
    cfg.muxer_config.fmp4_flag = 0

Every factory returns a zeroed struct over a new bytearray (the struct keeps it alive).
A file name of 128 bytes or more does not fit: it overwrites the bytes after the array, and
kd_mp4_create refuses a name without its NUL (sim/src/policy.rs MP4_FILE_NAME_MAX).
"""
import uctypes

# The handle out-parameters. CanMV scripts get them through media.vencoder's star import (its
# media.vencoder re-exports mpp.venc, which has mpp.common_struct's); this build's
# media.vencoder is the native module alone, so this module re-exports them for the scripts
# that star-import it next to media.vencoder.
from mpp.common_struct import k_u64_ptr, k_u32_ptr

# k_mp4_config_type_e
K_MP4_CONFIG_MUXER = 1
K_MP4_CONFIG_DEMUXER = 2
K_MP4_CONFIG_BUTT = 3
# k_mp4_track_type_e
K_MP4_STREAM_VIDEO = 1
K_MP4_STREAM_AUDIO = 2
K_MP4_STREAM_BUTT = 3
# k_mp4_codec_id_e
K_MP4_CODEC_ID_H264 = 0
K_MP4_CODEC_ID_H265 = 1
K_MP4_CODEC_ID_G711A = 2
K_MP4_CODEC_ID_G711U = 3
K_MP4_CODEC_ID_BUTT = 4

K_MP4_CONFIG_MUXER_S = {
    "file_name": (0 | uctypes.ARRAY, 128 | uctypes.UINT8),
    "fmp4_flag": 128 | uctypes.UINT32,
}
K_MP4_CONFIG_DEMUXER_S = {
    "file_name": (0 | uctypes.ARRAY, 128 | uctypes.UINT8),
}
K_MP4_CONFIG_S = {
    "config_type": 0 | uctypes.UINT32,
    "muxer_config": (4, K_MP4_CONFIG_MUXER_S),
    "demuxer_config": (4, K_MP4_CONFIG_DEMUXER_S),
}
K_MP4_VIDEO_INFO_S = {
    "width": 0 | uctypes.UINT32,
    "height": 4 | uctypes.UINT32,
    "track_id": 8 | uctypes.UINT32,
    "codec_id": 12 | uctypes.UINT32,
}
K_MP4_AUDIO_INFO_S = {
    "channels": 0 | uctypes.UINT32,
    "sample_rate": 4 | uctypes.UINT32,
    "bit_per_sample": 8 | uctypes.UINT32,
    "track_id": 12 | uctypes.UINT32,
    "codec_id": 16 | uctypes.UINT32,
}
K_MP4_TRACK_INFO_S = {
    "track_type": 0 | uctypes.UINT32,
    "time_scale": 4 | uctypes.UINT32,
    "video_info": (8, K_MP4_VIDEO_INFO_S),
    "audio_info": (8, K_MP4_AUDIO_INFO_S),
}
K_MP4_FILE_INFO_S = {
    "duration": 0 | uctypes.UINT64,
    "track_num": 8 | uctypes.UINT32,
}
K_MP4_FRAME_DATA_S = {
    "codec_id": 0 | uctypes.UINT32,
    "time_stamp": 8 | uctypes.UINT64,
    "data": 16 | uctypes.UINT64,
    "data_length": 24 | uctypes.UINT32,
    "eof": 28 | uctypes.UINT32,
}

def _new(layout):
    buf = bytearray(uctypes.sizeof(layout, uctypes.NATIVE))
    return uctypes.struct(uctypes.addressof(buf), layout, uctypes.NATIVE)


def k_mp4_config_muxer_s():
    return _new(K_MP4_CONFIG_MUXER_S)


def k_mp4_config_demuxer_s():
    return _new(K_MP4_CONFIG_DEMUXER_S)


def k_mp4_config_s():
    return _new(K_MP4_CONFIG_S)


def k_mp4_video_info_s():
    return _new(K_MP4_VIDEO_INFO_S)


def k_mp4_audio_info_s():
    return _new(K_MP4_AUDIO_INFO_S)


def k_mp4_track_info_s():
    return _new(K_MP4_TRACK_INFO_S)


def k_mp4_file_info_s():
    return _new(K_MP4_FILE_INFO_S)


def k_mp4_frame_data_s():
    return _new(K_MP4_FRAME_DATA_S)
