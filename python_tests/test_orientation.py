"""Rotation and mirror beyond the manual (ChnAttrStr rotation, mirror): the decoded picture is
the source turned clockwise / mirrored (mirror first, then turn: sim/src/policy.rs) at the
coded size, against the Y4M source by PSNR, with the untouched or oppositely turned source
scoring low; SendFrame still takes frames of the channel's pic_width x pic_height; the MPP
calls are made only when asked for, and a failing one leaves no channel behind."""

import numpy as np
import pytest

from conftest import checked, run_mpy
from streamcheck.compare import chroma_420, psnr
from streamcheck.decode import decode_file, planes
from streamcheck.run import libav, run_many  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m
from streamcheck.script import Chn, parse_log, sent_count, venc_script

W, H, N = 320, 240, 8
MIRROR = {0: "none", 1: "horizontal", 2: "vertical"}

# codec, rotation (degrees), mirror (MIRROR_*), how the frames reach the encoder
CASES = [
    ("h264", 90, 0, "send"),
    ("h264", 180, 0, "bind"),
    ("h264", 270, 0, "bind"),
    ("h264", 0, 1, "bind"),
    ("h264", 0, 2, "bind"),
    ("h265", 90, 1, "bind"),
    ("h265", 270, 2, "send"),
    ("jpeg", 270, 1, "bind"),
]


def oriented(plane, rotation, mirror):
    """A source plane as the channel codes it: mirrored, then turned clockwise."""
    if mirror == 1:
        plane = plane[:, ::-1]
    elif mirror == 2:
        plane = plane[::-1, :]
    return np.rot90(plane, k=-(rotation // 90))


def wrong(plane, rotation, mirror):
    """A plausible mistake: the source untouched, or (at 90 / 270, where the size must
    change) turned the other way round."""
    return np.rot90(plane, k=rotation // 90) if rotation in (90, 270) else plane


@pytest.fixture(scope="module")
def y4m(tmp_path_factory):
    return write_y4m(tmp_path_factory.mktemp("y4m") / "scene.y4m", W, H, N)


@pytest.fixture(scope="module")
def streams(libav, y4m, tmp_path_factory):  # noqa: F811
    jobs, outs = [], []
    for codec, rotation, mirror, mode in CASES:
        d = tmp_path_factory.mktemp(f"{codec}_{rotation}_{mirror}")
        out = d / f"out.{codec}"
        chn = Chn(0, codec, W, H, out, attrs={"rotation": rotation, "mirror": mirror})
        jobs.append((venc_script([chn], N, mode=mode), d, {"K230_SIM_Y4M": str(y4m.path)}))
        outs.append(out)
    return {case: (stdout, out) for case, stdout, out in zip(CASES, run_many(jobs), outs)}


@pytest.mark.parametrize("codec,rotation,mirror,mode", CASES)
def test_decoded_picture_is_the_turned_and_mirrored_source(streams, y4m, codec, rotation, mirror, mode):
    stdout, out = streams[(codec, rotation, mirror, mode)]
    if mode == "send":
        # SendFrame takes the channel's pic_width x pic_height frames, as without rotation.
        assert sent_count(stdout) == (N, [])
    assert len(parse_log(stdout)[0]) == N
    want_size = (H, W) if rotation in (90, 270) else (W, H)
    right, bad = [], []

    def check(k, frame):
        assert (frame.width, frame.height) == want_size
        y, u, v = planes(frame)
        if u.shape != (frame.height // 2, frame.width // 2):
            u, v = chroma_420(u, frame.width, frame.height), chroma_420(v, frame.width, frame.height)
        src = y4m.frame(k)
        right.append(min(psnr(d, oriented(s, rotation, mirror)) for d, s in zip((y, u, v), src)))
        w = wrong(src[0], rotation, mirror)
        bad.append(psnr(y, w) if w.shape == y.shape else 0.0)

    info = decode_file(out, codec, check)
    assert not info.errors and info.count == N, info.errors
    report = (f"{codec} rotation {rotation} mirror {MIRROR[mirror]}: worst plane PSNR {min(right):.1f} dB; "
              f"against the {'opposite turn' if rotation in (90, 270) else 'untouched source'} "
              f"best luma {max(bad):.1f} dB")
    print(report)
    assert min(right) >= 30, report
    assert max(bad) <= 20, report


SYNTHETIC = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import _k230sim
_k230sim.backend("synthetic")
sensor = Sensor(fps=30)
sensor.reset()
sensor.set_framesize(width=320, height=240)
sensor.set_pixformat(Sensor.YUV420SP)
enc = Encoder()
enc.SetOutBufs(0, 4, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240,
                         rotation=Encoder.ROTATION_270, mirror=Encoder.MIRROR_VERTICAL))
enc.Start(0)
sensor.run()
sd = StreamData()
# The first picture's packs, whichever header policy (the parameter sets may come alone).
packs = b""
while b"size=" not in packs:
    enc.GetStream(0, sd)
    for i in range(sd.pack_cnt):
        packs += bytes(uctypes.bytearray_at(sd.data[i], sd.data_size[i]))
    enc.ReleaseStream(0, sd)
print("SIZE", b"size=240x320" in packs, b"size=320x240" in packs)
sensor.stop()
del link
enc.Stop(0)
enc.Destroy(0)
MediaManager.deinit()
"""


def test_synthetic_backend_codes_the_turned_size(mpy, tmp_path):
    out = checked(run_mpy(SYNTHETIC, tmp_path))
    # The payload of the synthetic I pack names the coded size (see sim/src/codec/synthetic.rs).
    assert "SIZE True False" in out, out


CALLS = r"""
from media.vencoder import *
from media.media import *
import _k230sim
E = Encoder
enc = Encoder()
enc.SetOutBufs(0, 2, 320, 240)
MediaManager.init()

def attr(**kw):
    return ChnAttrStr(E.PAYLOAD_TYPE_H265, E.H265_PROFILE_MAIN, 320, 240, **kw)

def created():
    return _k230sim.stats()["venc_channels_created"]

# The defaults make no MPP call: with both calls faulted, Create still works.
_k230sim.fault("kd_mpi_venc_set_rotation", -1)
_k230sim.fault("kd_mpi_venc_set_mirror", -1)
enc.Create(0, attr())
enc.Destroy(0)
_k230sim.fault_clear()
# A failing call after create undoes the create, and says which call failed.
for name, kw in (("kd_mpi_venc_set_rotation", {"rotation": 90}), ("kd_mpi_venc_set_mirror", {"mirror": 2})):
    _k230sim.fault(name, -1609990135)          # K_ERR_VENC_NOT_PERM
    try:
        enc.Create(0, attr(**kw))
        print("NO ERROR", name)
    except OSError as e:
        print("ERR", e.args[0] & 0xFFFFFFFF == 0xA0098009, e.args[1])
    print("CREATED", name, created())
    _k230sim.fault_clear()
    enc.Create(0, attr(**kw))                 # the channel is free again
    enc.Destroy(0)
MediaManager.deinit()
print("DONE")
"""


def test_calls_only_when_asked_and_failures_leave_nothing(mpy, tmp_path):
    out = checked(run_mpy(CALLS, tmp_path))
    assert "NO ERROR" not in out and "DONE" in out, out
    for name in ("kd_mpi_venc_set_rotation", "kd_mpi_venc_set_mirror"):
        assert f"ERR True {name} failed: K_ERR_VENC_NOT_PERM (0xa0098009)" in out, out
        assert f"CREATED {name} 0" in out, out
