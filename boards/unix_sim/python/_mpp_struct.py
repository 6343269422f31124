"""uctypes layouts of the MPP structs that the raw `_mpp` calls take, for the unix_sim build.

Written from the facts sheet, section 2.3 (LP64: riscv64 / x86_64), in the NATIVE layout, so
that uctypes.sizeof() of each equals sizeof() of the C struct in include/k230_mpp.h (the `_mpp`
binding rejects any other size, as CanMV's binding does):

    k_venc_pack        32 bytes  phys_addr u64 @0, len u32 @8, pts u64 @16, type u32 @24
    k_venc_stream      16 bytes  pack (address of a k_venc_pack array) u64 @0, pack_cnt u32 @8
    k_venc_chn_status  40 bytes  cur_packs u32 @0, release_pic_pts u64 @8, end_of_stream u32 @16,
                                 stream_info @20 (pic_bytes_num, pic_cnt, start_qp, mean_qp: u32)
    k_mpp_chn          12 bytes  mod_id u32 @0, dev_id s32 @4, chn_id s32 @8 (section 1, sys_bind)

(CanMV's own venc_def.py puts stream_info at 24; the C layout has it at 20.)

k_venc_pack(), k_venc_stream(), k_venc_chn_status(), k_mpp_chn() return a zeroed struct over a new bytearray,
as CanMV's mpp struct constructors do. The struct object holds the address of the bytearray's
data, which keeps that memory alive for as long as the struct is reachable.
"""
import uctypes

K_VENC_PACK_SIZE = 32

K_VENC_PACK = {
    "phys_addr": 0 | uctypes.UINT64,
    "len": 8 | uctypes.UINT32,
    "pts": 16 | uctypes.UINT64,
    "type": 24 | uctypes.UINT32,
}

K_VENC_STREAM = {
    "pack": 0 | uctypes.UINT64,
    "pack_cnt": 8 | uctypes.UINT32,
}

K_VENC_STREAM_INFO = {
    "pic_bytes_num": 0 | uctypes.UINT32,
    "pic_cnt": 4 | uctypes.UINT32,
    "start_qp": 8 | uctypes.UINT32,
    "mean_qp": 12 | uctypes.UINT32,
}

K_VENC_CHN_STATUS = {
    "cur_packs": 0 | uctypes.UINT32,
    "release_pic_pts": 8 | uctypes.UINT64,
    "end_of_stream": 16 | uctypes.UINT32,
    "stream_info": (20, K_VENC_STREAM_INFO),
}

K_MPP_CHN = {
    "mod_id": 0 | uctypes.UINT32,
    "dev_id": 4 | uctypes.INT32,
    "chn_id": 8 | uctypes.INT32,
}


def _new(layout):
    buf = bytearray(uctypes.sizeof(layout))
    return uctypes.struct(uctypes.addressof(buf), layout)


def k_venc_pack():
    return _new(K_VENC_PACK)


def k_venc_stream():
    return _new(K_VENC_STREAM)


def k_venc_chn_status():
    return _new(K_VENC_CHN_STATUS)


def k_mpp_chn(mod_id=0, dev_id=0, chn_id=0):
    c = _new(K_MPP_CHN)
    c.mod_id, c.dev_id, c.chn_id = mod_id, dev_id, chn_id
    return c
