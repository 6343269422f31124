"""The simulator explains instead of hanging: a GetStream or SendFrame that has waited more
than a few seconds gets one line on stderr saying why nothing can come (no source, a sensor
not running, every output buffer held, pictures dropped for size), an MPP error the
simulator can explain (a sensor of another size) gets its reason, `_k230sim.stats()` counts
dropped pictures per channel, and K230_SIM_DIAG=0 silences it all. What the calls return is
unchanged (the board's codes)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from conftest import SENSOR_320X240, SNAP_FRAME_320X240, checked, run_mpy
from streamcheck.scene import write_y4m

BUF_EMPTY = 0xA009800E
BUF_FULL = 0xA009800F
WAIT_MS = 4000  # longer than the simulator's 3 s before it explains

CHANNEL = SENSOR_320X240 + r"""
import _k230sim
H264 = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)
sd = StreamData()
"""

SCENARIOS = {
    "not_running": CHANNEL + r"""
enc.SetOutBufs(0, 4, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
enc.Create(0, H264)
enc.Start(0)
print("RET %x" % enc.GetStream(0, sd, WAIT_MS))
enc.Stop(0); enc.Destroy(0); del link; MediaManager.deinit()
""",
    "unlinked": CHANNEL + r"""
enc.SetOutBufs(0, 4, 320, 240)
MediaManager.init()
enc.Create(0, H264)
enc.Start(0)
print("RET %x" % enc.GetStream(0, sd, WAIT_MS))
enc.Stop(0); enc.Destroy(0); MediaManager.deinit()
""",
    "held": CHANNEL + r"""
enc.SetOutBufs(0, 2, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
enc.Create(0, H264)
enc.Start(0)
sensor.run()
sds = []
while True:
    s = StreamData()
    r = enc.GetStream(0, s, WAIT_MS)
    if r != 0:
        break
    sds.append(s)
print("HELD", len(sds), "RET %x" % r)
for s in sds:
    enc.ReleaseStream(0, s)
sensor.stop(); enc.Stop(0); enc.Destroy(0); del link; MediaManager.deinit()
""",
    "too_large": CHANNEL + r"""
enc.SetOutBufs(0, 4, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_JPEG, 0, 320, 240, mjpeg_quality_factor=99))
enc.Start(0)
sensor.run()
print("RET %x" % enc.GetStream(0, sd, WAIT_MS))
print("DROPS", _k230sim.stats()["venc_dropped"])
sensor.stop(); enc.Stop(0); enc.Destroy(0); del link; MediaManager.deinit()
""",
    "mismatch": SENSOR_320X240.replace("width=320, height=240", "width=640, height=480") + r"""
enc.SetOutBufs(0, 4, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240))
enc.Start(0)
sensor.run()
try:
    enc.GetStream(0, StreamData(), 1000)
except OSError as e:
    print("OSERROR", e)
sensor.stop(); enc.Stop(0); enc.Destroy(0); del link; MediaManager.deinit()
""",
    "send_full": CHANNEL + SNAP_FRAME_320X240 + r"""
import time
enc.SetOutBufs(0, 2, 320, 240)
MediaManager.init()
enc.Create(0, H264)
enc.Start(0)
sensor.run()
f = snap_frame()
t0 = time.ticks_ms()
codes = set()
while time.ticks_diff(time.ticks_ms(), t0) < WAIT_MS:
    codes.add(enc.SendFrame(0, f))
print("CODES", sorted(codes))
sensor.stop(); enc.Stop(0); enc.Destroy(0); MediaManager.deinit()
""",
}
SCENARIOS = {k: v.replace("WAIT_MS", str(WAIT_MS)) for k, v in SCENARIOS.items()}
SCENARIOS["silenced"] = SCENARIOS["unlinked"]


def noise(k, w, h):
    rng = np.random.default_rng(k)
    return [rng.integers(16, 236, (h, w), dtype=np.uint8),
            rng.integers(16, 241, (h // 2, w // 2), dtype=np.uint8),
            rng.integers(16, 241, (h // 2, w // 2), dtype=np.uint8)]


@pytest.fixture(scope="module")
def runs(mpy, tmp_path_factory):
    y4m = write_y4m(tmp_path_factory.mktemp("noise") / "noise.y4m", 320, 240, 4, frame=noise)
    envs = {"too_large": {"K230_SIM_Y4M": str(y4m.path), "K230_SIM_BACKEND": "libav"},
            "silenced": {"K230_SIM_DIAG": "0"}}

    def one(name):
        return name, run_mpy(SCENARIOS[name], tmp_path_factory.mktemp(name), env=envs.get(name))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(one, SCENARIOS))


def lines(proc):
    return [l for l in proc.stderr.splitlines() if l.startswith("k230 sim: VENC channel 0")]


def test_a_sensor_not_running(runs):
    out = checked(runs["not_running"])
    assert f"RET {BUF_EMPTY:x}" in out
    said = lines(runs["not_running"])
    assert len(said) == 1, said  # once: rate-limited
    assert "GetStream has waited 3 s for a stream: the sensor linked to it (device 0, channel 0) is not running: call sensor.run()" in said[0], said


def test_nothing_linked(runs):
    assert f"RET {BUF_EMPTY:x}" in checked(runs["unlinked"])
    said = lines(runs["unlinked"])
    assert len(said) == 1 and "no sensor is linked to it (MediaManager.link) and no frame came with SendFrame" in said[0], said


def test_every_buffer_held(runs):
    out = checked(runs["held"])
    assert f"RET {BUF_EMPTY:x}" in out, out
    said = lines(runs["held"])
    assert len(said) == 1 and "all 2 output buffers are held by" in said[0] and "call ReleaseStream" in said[0], said


def test_pictures_too_large_for_their_buffers(runs):
    out = checked(runs["too_large"])
    assert f"RET {BUF_EMPTY:x}" in out, out
    said = lines(runs["too_large"])
    assert len(said) == 1 and "were dropped, each larger than an output buffer" in said[0], said
    drops = eval(out.split("DROPS ", 1)[1].splitlines()[0])
    assert drops[0]["too_large"] > 0 and drops[0]["frame_rate"] == 0, drops
    assert drops[1:] == (None, None, None), drops


def test_a_sensor_of_another_size(runs):
    out = checked(runs["mismatch"])
    assert "OSERROR" in out and "K_ERR_VENC_ILLEGAL_PARAM" in out, out
    said = lines(runs["mismatch"])
    assert len(said) == 1, said
    assert "delivers 640x480 pictures, the channel codes 320x240" in said[0], said


def test_send_frame_without_free_buffers(runs):
    out = checked(runs["send_full"])
    assert f"{BUF_FULL}" in out, out
    said = lines(runs["send_full"])
    assert len(said) == 1 and "SendFrame has found no free output buffer for 3 s" in said[0], said


def test_k230_sim_diag_0_silences_it(runs):
    checked(runs["silenced"])
    assert lines(runs["silenced"]) == [], runs["silenced"].stderr
