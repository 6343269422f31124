"""Typing stubs of `mpp.mp4_format_struct`: the SDK's MP4 enums and uctypes struct factories
(layouts as CanMV's descriptors: config 136 bytes, track info 28, frame data 32, file info 16)."""

from typing import Any, Final

import uctypes
from mpp.common_struct import k_u32_ptr as k_u32_ptr, k_u64_ptr as k_u64_ptr

K_MP4_CONFIG_MUXER: Final = 1
K_MP4_CONFIG_DEMUXER: Final = 2
K_MP4_CONFIG_BUTT: Final = 3
K_MP4_STREAM_VIDEO: Final = 1
K_MP4_STREAM_AUDIO: Final = 2
K_MP4_STREAM_BUTT: Final = 3
K_MP4_CODEC_ID_H264: Final = 0
K_MP4_CODEC_ID_H265: Final = 1
K_MP4_CODEC_ID_G711A: Final = 2
K_MP4_CODEC_ID_G711U: Final = 3
K_MP4_CODEC_ID_BUTT: Final = 4

K_MP4_CONFIG_MUXER_S: dict[str, Any]
K_MP4_CONFIG_DEMUXER_S: dict[str, Any]
K_MP4_CONFIG_S: dict[str, Any]
K_MP4_VIDEO_INFO_S: dict[str, Any]
K_MP4_AUDIO_INFO_S: dict[str, Any]
K_MP4_TRACK_INFO_S: dict[str, Any]
K_MP4_FILE_INFO_S: dict[str, Any]
K_MP4_FRAME_DATA_S: dict[str, Any]

def k_mp4_config_muxer_s() -> uctypes.struct: ...
def k_mp4_config_demuxer_s() -> uctypes.struct: ...
def k_mp4_config_s() -> uctypes.struct: ...
def k_mp4_video_info_s() -> uctypes.struct: ...
def k_mp4_audio_info_s() -> uctypes.struct: ...
def k_mp4_track_info_s() -> uctypes.struct: ...
def k_mp4_file_info_s() -> uctypes.struct: ...
def k_mp4_frame_data_s() -> uctypes.struct: ...
