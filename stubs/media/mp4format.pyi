"""Typing stubs of `media.mp4format` (CanMV's MP4 recorder; the simulator's stand-in in
boards/unix_sim/python/media/mp4format.py): `Mp4Container` records sensor channel 0 through
encoder channel 0, with a microphone track, into an MP4 file. It re-exports media.vencoder,
media.sensor, media.media and the MP4 calls and structs, as the firmware's module does."""

from typing import Final

from media.media import *
from media.sensor import *
from media.vencoder import *
from mpp.mp4_format import *
from mpp.mp4_format_struct import *

class MuxerCfgStr:
    file_name: str
    video_payload_type: int
    pic_width: int
    pic_height: int
    audio_payload_type: int
    video_start_timestamp: int
    fmp4_flag: int
    def __init__(self) -> None: ...

class Mp4CfgStr:
    type: int
    muxerCfg: MuxerCfgStr
    def __init__(self, type: int) -> None: ...
    def SetMuxerCfg(self, fileName: str, videoPayloadType: int, picWidth: int, picHeight: int,
                    audioPayloadType: int, fmp4Flag: int = 0) -> None:
        """Payload types are MP4_CODEC_ID_* values, not K_PT_*."""
    def SetDemuxerCfg(self, fileName: str) -> None: ...

class Mp4Container:
    MP4_CONFIG_TYPE_MUXER: Final = 1
    MP4_CONFIG_TYPE_DEMUXER: Final = 2
    MP4_STREAM_TYPE_VIDEO: Final = 1
    MP4_STREAM_TYPE_AUDIO: Final = 2
    MP4_CODEC_ID_H264: Final = 0
    MP4_CODEC_ID_H265: Final = 1
    MP4_CODEC_ID_G711A: Final = 2
    MP4_CODEC_ID_G711U: Final = 3
    def __init__(self, sensor_csi_id: int = -1) -> None: ...
    def Create(self, mp4Cfg: Mp4CfgStr) -> None: ...
    def Start(self) -> None: ...
    def Process(self) -> None:
        """One GetStream written to the file (and the microphone's audio due by then)."""
    def Stop(self) -> None: ...
    def Destroy(self) -> None: ...
