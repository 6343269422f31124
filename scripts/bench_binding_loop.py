# MicroPython program run by scripts/bench_binding.py (under callgrind) on the simulator
# MicroPython build: one steady-state SendFrame / GetStream / ReleaseStream loop on channel 0.
#
#   micropython bench_binding_loop.py API FRAMES N WARMUP HEAP_N
#
#   API     project    the project's media.vencoder Encoder and StreamData
#           reference  the same three calls written in Python over the raw kd_mpi_* calls of
#                      the simulator build's _mpp module, the way CanMV's media/vencoder.py
#                      does it (RefEncoder, RefStreamData below)
#   FRAMES  p          1-pack P frames (gop_len larger than the run: only the first frame,
#                      in the warm-up, is an IDR)
#           idr        2-pack IDR frames, HEADER + I (gop_len = 1)
#   N       frames in the measured loop; WARMUP: frames before it; HEAP_N: frames of the
#           heap measurement after it
#
# The channel (128x128 H.264 Main, 200 kbit/s, 4 output buffers, synthetic codec backend) is
# set up with the project's API in both cases; only the loop differs. The frame sent is one
# sensor snapshot taken before the loop, sent again every time.
#
# The measured loop sits between two calls of _k230sim.fault_clear(): bench_binding.py runs
# callgrind with --dump-before=k230sim_fault_clear, so the second of the three profile parts
# holds exactly the N measured iterations. They run as a script runs them, with the garbage
# collector enabled (after a gc.collect()). Then the MicroPython heap is measured over HEAP_N
# more iterations with the collector disabled (gc.mem_alloc() before and after).
#
# Prints "HEAP <bytes allocated> <HEAP_N>" and "OK".
#
# SPDX-License-Identifier: MIT OR Apache-2.0
import gc
import sys

import _k230sim
import uctypes
from media.media import *
from media.sensor import *
from media.vencoder import *

API, FRAMES = sys.argv[1], sys.argv[2]
N, WARMUP, HEAP_N = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if API not in ("project", "reference") or FRAMES not in ("p", "idr") or min(N, WARMUP, HEAP_N) < 1:
    raise SystemExit("usage: bench_binding_loop.py project|reference p|idr N WARMUP HEAP_N")

CHN = VENC_CHN_ID_0
W, H = 128, 128

# ---- the reference: Encoder / StreamData in Python over the raw calls ----------------------
#
# Written from the facts sheet's description of CanMV's media/vencoder.py (section 4.2), with
# the pack count taken from query_status as its later version does (4.3), so that one GetStream
# returns all packs of a frame as the project's does:
#   GetStream:     query_status, a new bytearray for the pack array, get_stream, then per pack
#                  a uctypes view of the pack, an mmap and five list stores;
#   ReleaseStream: a munmap per pack, then release_stream;
#   SendFrame:     send_frame with a 1000 ms timeout.
# One deviation: the pack array is also kept in self._packs (CanMV keeps only its address,
# so the collector may free it before ReleaseStream reads it).

from _mpp.sys_api import kd_mpi_sys_mmap, kd_mpi_sys_munmap
from _mpp.venc_api import (
    kd_mpi_venc_get_stream,
    kd_mpi_venc_query_status,
    kd_mpi_venc_release_stream,
    kd_mpi_venc_send_frame,
)
import _mpp_struct


class RefStreamData:
    def __init__(self):
        self.data = [0] * VENC_PACK_CNT_MAX
        self.phy_addr = [0] * VENC_PACK_CNT_MAX
        self.data_size = [0] * VENC_PACK_CNT_MAX
        self.stream_type = [0] * VENC_PACK_CNT_MAX
        self.pts = [0] * VENC_PACK_CNT_MAX
        self.pack_cnt = 0


class RefEncoder:
    def __init__(self):
        self.output = _mpp_struct.k_venc_stream()
        self.status = _mpp_struct.k_venc_chn_status()
        self._packs = None

    def SendFrame(self, chn, frame_info):
        ret = kd_mpi_venc_send_frame(chn, frame_info, 1000)
        if ret != 0:
            raise OSError("kd_mpi_venc_send_frame failed: %d" % ret)
        return ret

    def GetStream(self, chn, streamData, timeout=-1):
        ret = kd_mpi_venc_query_status(chn, self.status)
        if ret != 0:
            raise OSError("kd_mpi_venc_query_status failed: %d" % ret)
        cnt = self.status.cur_packs
        if cnt < 1:
            cnt = 1
        packs = bytearray(cnt * _mpp_struct.K_VENC_PACK_SIZE)
        self._packs = packs
        self.output.pack = uctypes.addressof(packs)
        self.output.pack_cnt = cnt
        ret = kd_mpi_venc_get_stream(chn, self.output, timeout)
        if ret != 0:
            return ret
        cnt = self.output.pack_cnt
        streamData.pack_cnt = cnt
        for i in range(cnt):
            pack = uctypes.struct(self.output.pack + i * _mpp_struct.K_VENC_PACK_SIZE,
                                  _mpp_struct.K_VENC_PACK)
            streamData.phy_addr[i] = pack.phys_addr
            streamData.data_size[i] = pack.len
            streamData.data[i] = kd_mpi_sys_mmap(pack.phys_addr, pack.len)
            streamData.stream_type[i] = pack.type
            streamData.pts[i] = pack.pts
        return 0

    def ReleaseStream(self, chn, streamData):
        for i in range(streamData.pack_cnt):
            ret = kd_mpi_sys_munmap(streamData.data[i], streamData.data_size[i])
            if ret != 0:
                raise OSError("kd_mpi_sys_munmap failed: %d" % ret)
        ret = kd_mpi_venc_release_stream(chn, self.output)
        if ret != 0:
            raise OSError("kd_mpi_venc_release_stream failed: %d" % ret)


# ---- setup (the project's API in both cases) -----------------------------------------------

_k230sim.backend("synthetic")

sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=W, height=H)
sensor.set_pixformat(Sensor.YUV420SP)
encoder = Encoder()
encoder.SetOutBufs(CHN, 4, W, H)
MediaManager.init()
gop = 1 if FRAMES == "idr" else WARMUP + N + HEAP_N + 3
encoder.Create(CHN, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, W, H,
                               bit_rate=200, gopLen=gop))
encoder.Start(CHN)
sensor.run()

img = sensor.snapshot(chn=CAM_CHN_ID_0)
frame_info = k_video_frame_info()
frame_info.v_frame.width = W
frame_info.v_frame.height = H
frame_info.v_frame.pixel_format = Sensor.YUV420SP
frame_info.pool_id = img.poolid()
frame_info.v_frame.phys_addr[0] = img.phyaddr()
frame_info.v_frame.phys_addr[1] = img.phyaddr() + ALIGN_UP(W * H, 4096)

if API == "project":
    enc, sd = encoder, StreamData()
else:
    enc, sd = RefEncoder(), RefStreamData()


def run(enc, sd, frame_info, n):
    for _ in range(n):
        enc.SendFrame(CHN, frame_info)
        enc.GetStream(CHN, sd)
        enc.ReleaseStream(CHN, sd)


def check(enc, sd):
    # One more frame, checked: the pack layout the run is meant to measure.
    assert enc.SendFrame(CHN, frame_info) == 0
    assert enc.GetStream(CHN, sd) == 0
    want = [Encoder.STREAM_TYPE_HEADER, Encoder.STREAM_TYPE_I] if FRAMES == "idr" \
        else [Encoder.STREAM_TYPE_P]
    got = [sd.stream_type[i] for i in range(sd.pack_cnt)]
    enc.ReleaseStream(CHN, sd)
    if got != want:
        raise SystemExit("expected packs %r, got %r" % (want, got))


run(enc, sd, frame_info, WARMUP)
check(enc, sd)
gc.collect()
_k230sim.fault_clear()  # callgrind: part 1 (start-up, setup, warm-up) ends, part 2 starts
run(enc, sd, frame_info, N)
_k230sim.fault_clear()  # part 2 (the N measured frames) ends, part 3 (the rest) starts
check(enc, sd)

gc.collect()
gc.disable()
before = gc.mem_alloc()
run(enc, sd, frame_info, HEAP_N)
after = gc.mem_alloc()
gc.enable()
check(enc, sd)

sensor.stop()
encoder.Stop(CHN)
encoder.Destroy(CHN)
MediaManager.deinit()
print("HEAP", after - before, HEAP_N)
print("OK")
