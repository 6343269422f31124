"""Typing stubs of `media.sensor` as the k230-venc simulator has it
(boards/unix_sim/python/media/sensor.py): CanMV's 2025-2026 Sensor over the simulator's
VICAP stand-in. `from media.sensor import *` also gives everything of media.media."""

import sys as sys
from typing import Any, Final, Literal, NoReturn, TypedDict, overload, type_check_only

from _media import py_video_frame_info as py_video_frame_info
from media.media import *

CAM_OUT_WIDTH_MIN: Final = 64
CAM_OUT_HEIGHT_MIN: Final = 64
CAM_IN_SIZE_MAX: Final = 4096
CAM_FPS_MAX: Final = 120

PIXEL_FORMAT_RGB_565: Final = 2
PIXEL_FORMAT_RGB_888: Final = 3
PIXEL_FORMAT_RGB_888_PLANAR: Final = 46
PIXEL_FORMAT_YUV_SEMIPLANAR_420: Final = 31
PIXEL_FORMAT_GRAYSCALE: Final = 303

SENSOR_DEFAULT_FPS: Final = 60
SENSOR_TYPE: Final = 0

@type_check_only
class BindInfo(TypedDict):
    """What Sensor.bind_info returns."""

    src: tuple[int, int, int]
    """(CAMERA_MOD_ID, device, channel): MediaManager.link's src."""
    rect: tuple[int, int, int, int]
    pix_format: int

class _Image:
    """What Sensor.snapshot returns: the frame's geometry and addresses (CanMV's image.Image
    has more)."""

    def width(self) -> int: ...
    def height(self) -> int: ...
    def format(self) -> int: ...
    def phyaddr(self, plane: int = 0) -> int: ...
    def virtaddr(self, plane: int = 0) -> int: ...
    def poolid(self) -> int: ...
    def size(self) -> int: ...

class Sensor:
    RGB565: Final = 2
    RGB888: Final = 3
    RGBP888: Final = 46
    YUV420SP: Final = 31
    GRAYSCALE: Final = 303

    QQCIF: Final = 0
    QCIF: Final = 1
    CIF: Final = 2
    QSIF: Final = 3
    SIF: Final = 4
    QQVGA: Final = 5
    QVGA: Final = 6
    VGA: Final = 7
    HQQVGA: Final = 8
    HQVGA: Final = 9
    HVGA: Final = 10
    B64X64: Final = 11
    B128X64: Final = 12
    B128X128: Final = 13
    B160X160: Final = 14
    B320X320: Final = 15
    QQVGA2: Final = 16
    WVGA: Final = 17
    WVGA2: Final = 18
    SVGA: Final = 19
    XGA: Final = 20
    WXGA: Final = 21
    SXGA: Final = 22
    SXGAM: Final = 23
    UXGA: Final = 24
    HD: Final = 25
    FHD: Final = 26
    QHD: Final = 27
    QXGA: Final = 28
    WQXGA: Final = 29
    WQXGA2: Final = 30
    FRAME_SIZE_INVAILD: Final = 31

    DATABASE_PARSE_XML_JSON: Final = 0
    DATABASE_PARSE_BIN: Final = 1
    SNAPSHOT_FAILURE_LIMIT: Final = 3
    SNAPSHOT_FAILURE_WINDOW_MS: Final = 10000

    def __init__(
        self,
        *,
        id: int = 0,
        type: int | None = None,
        force: bool = False,
        width: int = 1920,
        height: int = 1080,
        fps: int = 60,
        database_parse_mode: int = 0,
    ) -> None:
        """Sensor on CSI device id (0..2) of width x height (64..4096) at fps (1..120)."""

    def reset(self) -> None: ...
    def set_framesize(
        self,
        framesize: int = 31,
        chn: int = 0,
        alignment: int = 0,
        crop: bool | tuple[int, int, int, int] | None = None,
        *,
        width: int = ...,
        height: int = ...,
        w: int = ...,
        h: int = ...,
    ) -> None:
        """Channel chn's output size: a frame size constant, or width= and height= (w=, h=);
        the width is rounded up to 16."""

    def set_pixformat(self, pix_format: int, chn: int = 0) -> None: ...
    def get_pixformat(self, chn: int = 0) -> int: ...
    def set_hmirror(self, enable: bool) -> None: ...
    def set_vflip(self, enable: bool) -> None: ...
    def get_hmirror(self) -> bool: ...
    def get_vflip(self) -> bool: ...
    def width(self, chn: int | None = 0) -> int: ...
    def height(self, chn: int | None = 0) -> int: ...
    def get_framesize(self, chn: int = 0) -> tuple[int, int]: ...
    def get_type(self) -> int: ...
    def bind_info(self, x: int = 0, y: int = 0, chn: int = 0) -> BindInfo: ...
    def run(self) -> None: ...
    def stop(self, is_del: bool = False) -> None: ...
    @classmethod
    def deinit(cls) -> None:
        """Stop every sensor."""

    @overload
    def snapshot(self, chn: int = 0, timeout: int = 1000, dump_frame: Literal[False] = False) -> _Image: ...
    @overload
    def snapshot(self, chn: int, timeout: int, dump_frame: Literal[True]) -> py_video_frame_info: ...
    @overload
    def snapshot(self, chn: int = 0, timeout: int = 1000, *, dump_frame: Literal[True]) -> py_video_frame_info: ...
    @overload
    def snapshot(self, chn: int = 0, timeout: int = 1000, dump_frame: bool = False) -> _Image | py_video_frame_info: ...
    # OpenMV names CanMV does not support: they print "not support <name> now..." and raise.
    def skip_frames(self, *args: Any, **kwargs: Any) -> NoReturn: ...
    def set_framerate(self, *args: Any, **kwargs: Any) -> NoReturn: ...
    def set_windowing(self, *args: Any, **kwargs: Any) -> NoReturn: ...
    def set_auto_gain(self, *args: Any, **kwargs: Any) -> NoReturn: ...
