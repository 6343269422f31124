"""The simulator build's `_mpp` module: raw kd_mpi_* calls bound one to one as CanMV's mpp
binding does (struct arguments of exactly sizeof() bytes, ints in, the k_s32 out), used by the
reference loop of `make bench-binding`."""

import pytest

from conftest import SENSOR_320X240, SNAP_FRAME_320X240, checked, run_mpy, start_channel

SYNTHETIC = {"K230_SIM_BACKEND": "synthetic"}


def test_struct_sizes_and_argument_checks(mpy, tmp_path):
    source = r"""
import uctypes, _mpp_struct
from _mpp.venc_api import *
from _mpp.sys_api import *

print("sizes", uctypes.sizeof(_mpp_struct.K_VENC_PACK), uctypes.sizeof(_mpp_struct.K_VENC_STREAM),
      uctypes.sizeof(_mpp_struct.K_VENC_CHN_STATUS))
for call, args in ((kd_mpi_venc_query_status, (0, bytearray(36))),
                   (kd_mpi_venc_get_stream, (0, _mpp_struct.k_venc_pack(), 0)),
                   (kd_mpi_venc_release_stream, (0, bytearray(17))),
                   (kd_mpi_venc_send_frame, (0, _mpp_struct.k_venc_stream(), 0))):
    try:
        call(*args)
        print("no error")
    except TypeError as e:
        print("TypeError", e)
try:
    kd_mpi_venc_query_status(0, 5)
except TypeError:
    print("not a buffer: TypeError")
# A channel that does not exist: the K230 code comes back as the signed k_s32.
print("unexist", hex(kd_mpi_venc_query_status(0, _mpp_struct.k_venc_chn_status()) & 0xffffffff))
print("bad chn", hex(kd_mpi_venc_query_status(-1, _mpp_struct.k_venc_chn_status()) & 0xffffffff))
print("mmap nothing", kd_mpi_sys_mmap(0, 16))
"""
    out = checked(run_mpy(source, tmp_path, env=SYNTHETIC))
    assert "sizes 32 16 40\n" in out
    assert "TypeError expect size: 40, actual size: 36\n" in out
    assert "TypeError expect size: 16, actual size: 32\n" in out
    assert "TypeError expect size: 16, actual size: 17\n" in out
    assert "TypeError expect size: 224, actual size: 16\n" in out
    assert "no error" not in out
    assert "not a buffer: TypeError\n" in out
    assert "unexist 0xa0098005\n" in out
    assert "bad chn 0xa0098002\n" in out
    assert "mmap nothing 0\n" in out


@pytest.mark.usefixtures("header_with_idr")  # one picture a GetStream
def test_raw_round_trip_of_one_idr_frame(mpy, tmp_path):
    source = SENSOR_320X240 + SNAP_FRAME_320X240 + r"""
import uctypes, _k230sim, _mpp_struct
from _mpp.venc_api import *
from _mpp.sys_api import *
""" + start_channel(0, 2) + r"""
f = snap_frame()
print("send", kd_mpi_venc_send_frame(0, f, 1000))
status = _mpp_struct.k_venc_chn_status()
print("query", kd_mpi_venc_query_status(0, status), status.cur_packs, status.stream_info.pic_cnt)
packs = bytearray(status.cur_packs * _mpp_struct.K_VENC_PACK_SIZE)
stream = _mpp_struct.k_venc_stream()
stream.pack = uctypes.addressof(packs)
stream.pack_cnt = status.cur_packs
print("get", kd_mpi_venc_get_stream(0, stream, 1000), stream.pack_cnt)
virt = []
for i in range(stream.pack_cnt):
    p = uctypes.struct(stream.pack + i * _mpp_struct.K_VENC_PACK_SIZE, _mpp_struct.K_VENC_PACK)
    v = kd_mpi_sys_mmap(p.phys_addr, p.len)
    virt.append((v, p.len))
    print("pack", p.type, p.len > 0, v != 0, uctypes.bytearray_at(v, 4) == b"\x00\x00\x00\x01")
print("held", _k230sim.stats()["venc_streams_held"], _k230sim.stats()["mappings"])
for v, n in virt:
    print("munmap", kd_mpi_sys_munmap(v, n))
print("release", kd_mpi_venc_release_stream(0, stream))
print("held", _k230sim.stats()["venc_streams_held"], _k230sim.stats()["mappings"])
print("empty", hex(kd_mpi_venc_get_stream(0, stream, 0) & 0xffffffff))
sensor.stop()
enc.Stop(0)
enc.Destroy(0)
MediaManager.deinit()
"""
    out = checked(run_mpy(source, tmp_path, env=SYNTHETIC))
    assert "send 0\n" in out
    assert "query 0 2 1\n" in out
    assert "get 0 2\n" in out
    assert out.count("pack 3 True True True\n") == 1  # HEADER
    assert out.count("pack 2 True True True\n") == 1  # I
    assert "held 1 2\n" in out
    assert out.count("munmap 0\n") == 2
    assert "release 0\n" in out
    assert "held 0 0\n" in out
    assert "empty 0xa009800e\n" in out
