"""Typing stubs of `media.rtspserver` (the newest firmware's RtspServer helper; the
simulator's stand-in in boards/unix_sim/python/media/rtspserver.py): a sensor, an encoder and
`multimedia.rtsp_server` serving it."""

import multimedia as mm
from media.media import *
from media.sensor import *
from media.vencoder import *

class RtspServer:
    def __init__(self, session_name: str = "test", port: int = 8554, video_type: int = 1,
                 enable_audio: bool = False, width: int = 1280, height: int = 720,
                 bit_rate: int = 512, gop_len: int = 30) -> None:
        """video_type: multimedia.multi_media_type.media_h264 or media_h265 (the default);
        bit_rate in kbit/s, 100..20000."""
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def get_rtsp_url(self) -> str: ...
