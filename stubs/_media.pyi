"""Typing stubs of CanMV's `_media` frame types, as the simulator's `_media` implements them
(boards/unix_sim/modvideoframe.c): what `Sensor.snapshot(dump_frame=True)` returns."""

from typing import final

from _typeshed import ReadableBuffer

@final
class py_video_frame:
    """A k_video_frame (216 bytes, read-only buffer); made only by py_video_frame_info.v_frame."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def pixel_format(self) -> int: ...
    @property
    def phys_addr(self) -> list[int]:
        """Physical addresses of the 3 planes (0 where unused)."""

    @property
    def virt_addr(self) -> list[int]: ...
    @property
    def pts(self) -> int:
        """Microseconds."""

    def __buffer__(self, flags: int, /) -> memoryview: ...

@final
class py_video_frame_info:
    """A copy of a 224-byte k_video_frame_info (TypeError "expect size: 224, actual size: N"
    for another size); its read-only buffer is what Encoder.SendFrame takes."""

    def __init__(self, buf: ReadableBuffer, /) -> None: ...
    @property
    def mod_id(self) -> int: ...
    @property
    def pool_id(self) -> int: ...
    @property
    def v_frame(self) -> py_video_frame: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...
