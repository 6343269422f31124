"""Scripts run back to back in one interpreter, and channels a bind still targets.

Back to back: the CanMV IDE (2026 firmware, canmv_k230 `port/core/main.c`,
`run_ide_script_once`) runs the next script in the same interpreter and the same globals when
the previous one ended by itself; the firmware's cleanup between scripts (and with it the
`venc_deinit_all()` hook) runs only at a soft reset (IDE Stop, Ctrl-D). The second run's
`encoder = Encoder()` leaves the first run's Encoder to the GC, still holding its channel.
Create then finds the channel taken by another Encoder, runs the GC once (`gc_collect()` in
the glue, only on that failure path) and tries again: the old Encoder's finaliser has freed it.
Both call shapes: `Create(chn, attr)` on a fixed channel, `Create(attr)` when every channel is
taken. The driver below does what the IDE does: `exec` of the same text in the same globals,
with nothing in between.

MediaManager.init(): with the 2024 API generation SetOutBufs comes before it, so a second run
of a script that calls it finds it called already. The board: the firmwares of that generation
soft-reset after every IDE run (canmv_k230 273db2e `main.c`: an IDE script always ends in the
soft-reset path), and a second `MediaManager.init()` without `deinit()` in between raises
there (CanMV's own AssertionError); the 2026 firmware, which does run scripts back to back, has
MediaManager.init()/deinit() as no-ops ("deprecated function") and private output pools, and
with k230-venc on the board MediaManager is CanMV's own, not the core's. So the scripts here do
not call MediaManager.init() (as the 2026 firmware's scripts need not), and
`test_a_script_that_calls_MediaManager_init_needs_a_start_over_to_run_twice` shows what one
that does gets on the simulator, and that `deinit_all()` at its start (what the firmware hook
at script start does, boards/k230_canmv/README.md step 6) makes it run again.

Destroy while bound: the simulator's "destroy_bound" policy (sim/src/policy.rs) says whether
`kd_mpi_venc_destroy_chn` destroys a channel a VI -> VENC bind still targets ("allow", the
default) or refuses it with K_ERR_VENC_BUSY ("refuse"). deinit_all and the finaliser free the
channel either way; a bind the core did not make (the board firmware's own MediaManager.link,
made here with the raw `_mpp.sys_api.kd_mpi_sys_bind`) is unbound only when the MPP refuses.
"""

import pytest

from conftest import SENSOR_320X240, checked, run_mpy

SYNTHETIC = {"K230_SIM_BACKEND": "synthetic"}

# A recording script as written for the IDE: the sensor's pictures sent to channel 0
# (SendFrame), one stream still held at the end, the sensor stopped, the encoder left started
# (no Stop / Destroy: the firmware's cleanup was relied on).
EXPLICIT = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *

sensor = Sensor(fps=30)
sensor.reset()
sensor.set_framesize(width=320, height=240, alignment=12)
sensor.set_pixformat(Sensor.YUV420SP)
encoder = Encoder()
encoder.SetOutBufs(VENC_CHN_ID_0, 4, 320, 240)
encoder.Create(VENC_CHN_ID_0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240))
encoder.Start(VENC_CHN_ID_0)
sensor.run()
stream = StreamData()
got = 0
try:
    for i in range(6):
        assert encoder.SendFrame(VENC_CHN_ID_0, sensor.snapshot(dump_frame=True)) == 0
        if encoder.GetStream(VENC_CHN_ID_0, stream, 1000) == 0:
            got += 1
            encoder.ReleaseStream(VENC_CHN_ID_0, stream)
    encoder.SendFrame(VENC_CHN_ID_0, sensor.snapshot(dump_frame=True))
    assert encoder.GetStream(VENC_CHN_ID_0, stream, 1000) == 0
finally:
    sensor.stop()
print("recorded", got)
"""

# The newest generation's implicit channel, four encoders: every channel taken and started.
IMPLICIT = r"""
from media.vencoder import *

ATTR = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)

def start(enc):
    enc.SetOutBufs(2, 320, 240)
    enc.Create(ATTR)
    enc.Start()

e0 = Encoder()
start(e0)
e1 = Encoder()
start(e1)
e2 = Encoder()
start(e2)
e3 = Encoder()
start(e3)
print("channels", sorted([e0.chn, e1.chn, e2.chn, e3.chn]))
"""

# Runs the script in the file `script.py` RUNS times in one interpreter and one globals
# dict, as the IDE runs scripts back to back, printing the simulator's counters after each.
DRIVER = r"""
import _k230sim
with open("script.py") as f:
    SCRIPT = f.read()
g = {"__name__": "__main__"}
for run in range(RUNS):
    exec(SCRIPT, g)
    s = _k230sim.stats()
    print("run %d: created=%d started=%d held=%d" % (
        run, s["venc_channels_created"], s["venc_channels_started"], s["venc_streams_held"]))
"""


def back_to_back(tmp_path, script, runs=3, driver=DRIVER, env=SYNTHETIC):
    (tmp_path / "script.py").write_text(script)
    return run_mpy(driver.replace("RUNS", str(runs)), tmp_path, env=env)


def test_the_same_script_runs_again_on_the_channel_it_left_started(mpy, tmp_path):
    out = checked(back_to_back(tmp_path, EXPLICIT))
    assert out.count("recorded 6") == 3, out
    # Each run holds exactly its own channel and stream: the previous run's went with the
    # previous Encoder's finaliser (its held stream released with the channel).
    for run in range(3):
        assert f"run {run}: created=1 started=1 held=1" in out, out


def test_the_implicit_shape_runs_again_when_every_channel_is_taken(mpy, tmp_path):
    out = checked(back_to_back(tmp_path, IMPLICIT))
    assert out.count("channels [0, 1, 2, 3]") == 3, out
    for run in range(3):
        assert f"run {run}: created=4 started=4 held=0" in out, out


def test_an_encoder_still_referenced_keeps_its_channel(mpy, tmp_path):
    # The GC frees only what nothing references: an old Encoder the script (or the globals)
    # still holds keeps its channel, and the second Create says so.
    driver = DRIVER.replace("    exec(SCRIPT, g)\n", """    try:
        exec(SCRIPT, g)
    except RuntimeError as e:
        print("run %d: RuntimeError: %s" % (run, e))
    g["kept_%d" % run] = g["encoder"]
""")
    out = checked(back_to_back(tmp_path, EXPLICIT, runs=2, driver=driver))
    assert "run 0: created=1" in out, out
    assert "run 1: RuntimeError: Create(0): channel 0 is started; call Stop(0), then Destroy(0)" in out, out


def test_a_script_that_calls_MediaManager_init_needs_a_start_over_to_run_twice(mpy, tmp_path):
    script = EXPLICIT.replace("encoder.Create(", "MediaManager.init()\nencoder.Create(", 1)
    driver = DRIVER.replace("    exec(SCRIPT, g)\n", """    try:
        exec(SCRIPT, g)
    except RuntimeError as e:
        print("run %d: RuntimeError: %s" % (run, e))
        # The failed run's sensor, which the error left claimed (CanMV's Sensor, too, keeps
        # its CSI bus until stopped or a soft reset).
        g["sensor"].stop()
        # What the firmware hook at script start does (README step 6), or the script's own
        # first line: media.vencoder.deinit_all(). Then the same script runs.
        from media.vencoder import deinit_all
        deinit_all()
        exec(SCRIPT, g)
""")
    out = checked(back_to_back(tmp_path, script, runs=2, driver=driver))
    assert ("run 1: RuntimeError: SetOutBufs: MediaManager.init() was called already (SetOutBufs comes "
            "before it); call MediaManager.deinit() first, or, to start over after an earlier run, "
            "media.vencoder.deinit_all()") in out, out
    assert out.count("recorded 6") == 2, out
    assert "run 1: created=1 started=1 held=1" in out, out


# ---- destroy while bound -------------------------------------------------------------------

# Channels 0 and 1 of `b["enc"]` started with the sensor running: channel 0 bound by the
# core's MediaManager.link (`link`), channel 1 by a bind the core does not know (`fw_src`,
# `fw_dst`), as the board firmware's own MediaManager.link makes it. The policy comes from the
# environment (K230_SIM_DESTROY_BOUND) or _k230sim.policy. The Encoder is made and used inside
# functions, so that no stale reference to it stays in the module's frame when the finaliser
# test drops it.
BOUND = SENSOR_320X240 + r"""
import gc, _k230sim, _mpp_struct
from _mpp.sys_api import kd_mpi_sys_bind, kd_mpi_sys_unbind, kd_mpi_sys_get_bind_by_dest
POLICY
print("policy:", _k230sim.policy("destroy_bound"))
H264 = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)
fw_src = _mpp_struct.k_mpp_chn(CAMERA_MOD_ID, 0, 1)
fw_dst = _mpp_struct.k_mpp_chn(VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 1)
b = {}

def setup():
    e = b["enc"] = Encoder()
    e.SetOutBufs(0, 4, 320, 240)
    e.SetOutBufs(1, 4, 320, 240)
    b["link"] = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
    assert kd_mpi_sys_bind(fw_src, fw_dst) == 0
    MediaManager.init()
    for c in (0, 1):
        e.Create(c, H264)
        e.Start(c)
    sensor.run()
    sd = b["sd"] = StreamData()
    assert e.GetStream(0, sd, 1000) == 0

def drop_encoder():
    del b["enc"], b["sd"]
    gc.collect()

setup()
link = b["link"]

def fw_bound():
    out = _mpp_struct.k_mpp_chn()
    return kd_mpi_sys_get_bind_by_dest(fw_dst, out) == 0

def live():
    s = _k230sim.stats()
    return "created=%d started=%d binds=%d" % (s["venc_channels_created"], s["venc_channels_started"], s["binds"])
"""

# The end of BOUND scripts: what the board firmware's own teardown does after the hook
# (py_media_vbmgmt_deinit_pre): its links are unbound (a success when nothing is bound).
FIRMWARE_TEARDOWN = r"""
print("firmware unbind:", kd_mpi_sys_unbind(fw_src, fw_dst))
sensor.stop()
MediaManager.deinit()
print("end:", live())
"""

POLICIES = [
    pytest.param("allow", "env", id="allow"),
    pytest.param("refuse", "env", id="refuse-env"),
    pytest.param("refuse", "policy", id="refuse-policy"),
]


def bound_script(policy, how, body):
    set_policy = f"_k230sim.policy('destroy_bound', {policy!r})" if how == "policy" else ""
    return BOUND.replace("POLICY", set_policy) + body + FIRMWARE_TEARDOWN


def bound_env(policy, how):
    return {**SYNTHETIC, "K230_SIM_DESTROY_BOUND": policy} if how == "env" else SYNTHETIC


@pytest.mark.parametrize("policy,how", POLICIES)
def test_deinit_all_frees_bound_channels_under_both_policies(mpy, tmp_path, policy, how):
    body = r"""
deinit_all()
print("after deinit_all:", live(), "link:", link, "firmware bind:", fw_bound())
"""
    out = checked(run_mpy(bound_script(policy, how, body), tmp_path, env=bound_env(policy, how)))
    assert f"policy: {policy}" in out, out
    # The channels are gone and the core's link with them; the firmware's bind is left to the
    # firmware where the MPP did not need it gone.
    refused = policy == "refuse"
    assert (f"after deinit_all: created=0 started=0 binds={0 if refused else 1} "
            f"link: <media link, unbound> firmware bind: {not refused}") in out, out
    assert "firmware unbind: 0" in out and "end: created=0 started=0 binds=0" in out, out


@pytest.mark.parametrize("policy,how", POLICIES)
def test_the_finaliser_frees_a_bound_channel_under_both_policies(mpy, tmp_path, policy, how):
    body = r"""
drop_encoder()
print("after the finaliser:", live(), "link:", link, "firmware bind:", fw_bound())
"""
    out = checked(run_mpy(bound_script(policy, how, body), tmp_path, env=bound_env(policy, how)))
    if policy == "refuse":
        want = "created=0 started=0 binds=0 link: <media link, unbound> firmware bind: False"
    else:
        want = "created=0 started=0 binds=2 link: <media link, bound> firmware bind: True"
    assert f"after the finaliser: {want}" in out, out
    assert "end: created=0 started=0 binds=0" in out, out


@pytest.mark.parametrize("policy,how", POLICIES)
def test_the_scripts_own_destroy_reports_a_refusal(mpy, tmp_path, policy, how):
    # The documented teardown order (sensor.stop(), del link, Stop, Destroy) destroys while
    # the link is still bound (`del link` drops only the name). Where the MPP refuses that,
    # Destroy says so with the K230 code and keeps the channel; it unbinds nothing itself.
    body = r"""
enc = b["enc"]
enc.ReleaseStream(0, b["sd"])
for c in (0, 1):
    enc.Stop(c)
    try:
        enc.Destroy(c)
        print("Destroy(%d): ok" % c)
    except OSError as e:
        print("Destroy(%d): OSError 0x%08x %s" % (c, e.args[0], e.args[1]))
link.destroy()
kd_mpi_sys_unbind(fw_src, fw_dst)
for c in (0, 1):
    try:
        enc.Destroy(c)
        print("Destroy(%d) after the unbind: ok" % c)
    except RuntimeError as e:
        print("Destroy(%d) after the unbind: RuntimeError" % c)
print("after:", live())
"""
    out = checked(run_mpy(bound_script(policy, how, body), tmp_path, env=bound_env(policy, how)))
    for c in (0, 1):
        if policy == "refuse":
            assert (f"Destroy({c}): OSError 0xa0098012 kd_mpi_venc_destroy_chn failed: "
                    "K_ERR_VENC_BUSY (0xa0098012)") in out, out
            assert f"Destroy({c}) after the unbind: ok" in out, out
        else:
            assert f"Destroy({c}): ok" in out, out
            # Destroyed already: the second Destroy is a state error.
            assert f"Destroy({c}) after the unbind: RuntimeError" in out, out
    assert "after: created=0 started=0 binds=0" in out, out


def test_an_unknown_destroy_bound_value_is_refused(mpy, tmp_path):
    source = r"""
import _k230sim
print(_k230sim.policy("destroy_bound"))
try:
    _k230sim.policy("destroy_bound", "maybe")
except ValueError as e:
    print("ValueError:", e)
try:
    _k230sim.policy("nonsense")
except ValueError as e:
    print("ValueError:", e)
"""
    out = checked(run_mpy(source, tmp_path))
    assert out.startswith("allow\n"), out
    assert "ValueError: policy destroy_bound: unknown value maybe" in out, out
    assert "destroy_bound: allow | refuse" in out, out
