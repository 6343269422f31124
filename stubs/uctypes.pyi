"""Typing stubs of MicroPython's `uctypes` (what CanMV scripts use it for: reading the packs
of a StreamData with bytearray_at, and the k_video_frame_info struct). Constant values as on
64-bit ports (the K230's big core and the PC simulator); LONG and ULONG are 32-bit elsewhere."""

from typing import Any, Final

from _typeshed import ReadableBuffer

LITTLE_ENDIAN: Final = 0
BIG_ENDIAN: Final = 1
NATIVE: Final = 2

UINT8: Final = 0
INT8: Final = 134217728
UINT16: Final = 268435456
INT16: Final = 402653184
UINT32: Final = 536870912
INT32: Final = 671088640
UINT64: Final = 805306368
INT64: Final = 939524096
FLOAT32: Final = -268435456
FLOAT64: Final = -134217728
VOID: Final = 0
PTR: Final = 536870912
ARRAY: Final = -1073741824

BFUINT8: Final = -1073741824
BFINT8: Final = -939524096
BFUINT16: Final = -805306368
BFINT16: Final = -671088640
BFUINT32: Final = -536870912
BFINT32: Final = -402653184
BF_POS: Final = 17
BF_LEN: Final = 22

SHORT: Final = 402653184
USHORT: Final = 268435456
INT: Final = 671088640
UINT: Final = 536870912
LONG: Final = 939524096
ULONG: Final = 805306368
LONGLONG: Final = 939524096
ULONGLONG: Final = 805306368

class struct:
    """A C structure at address `addr` described by `descriptor` (a dict of field name to
    offset | type, or (offset, sub-descriptor)). Fields read and write as attributes."""

    def __init__(self, addr: int, descriptor: dict[str, Any], layout_type: int = 2, /) -> None: ...
    def __getattr__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: Any) -> None: ...
    def __getitem__(self, index: int) -> Any: ...
    def __setitem__(self, index: int, value: Any) -> None: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...

def sizeof(struct: struct | dict[str, Any], layout_type: int = 2, /) -> int: ...
def addressof(obj: ReadableBuffer, /) -> int: ...
def bytes_at(addr: int, size: int, /) -> bytes: ...
def bytearray_at(addr: int, size: int, /) -> bytearray: ...
