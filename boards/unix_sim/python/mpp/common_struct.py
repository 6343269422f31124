"""mpp.common_struct, the part MP4 scripts use: k_u64_ptr() and k_u32_ptr(), an 8-byte and a
4-byte uctypes struct with one field, `value`, that a C call writes a result into (kd_mp4_create
and kd_mp4_create_track write their handle into a k_u64_ptr; a k_u32_ptr there is a TypeError
"struct 0 expect size: 8, actual size: 4", as on CanMV). CanMV's media.vencoder re-exports
them (through mpp.venc); so does this build's.
"""
import uctypes

K_U64_PTR = {"value": 0 | uctypes.UINT64}
K_U32_PTR = {"value": 0 | uctypes.UINT32}


def _new(layout):
    # The struct holds the address of the bytearray's data, which keeps it alive.
    buf = bytearray(uctypes.sizeof(layout))
    return uctypes.struct(uctypes.addressof(buf), layout, uctypes.NATIVE)


def k_u64_ptr():
    return _new(K_U64_PTR)


def k_u32_ptr():
    return _new(K_U32_PTR)
