"""Shared helpers: run MicroPython scripts on the simulator build, and script lines several
tests share. (The stream checks are in the `streamcheck` package.)"""

import itertools
import os
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MPY = Path(os.environ.get("K230_VENC_MPY", ROOT / "build" / "unix_sim" / "micropython")).resolve()
EXAMPLES = ROOT / "examples"
# Optional command that runs the binary, e.g. "qemu-riscv64" for the riscv64 cross build.
MPY_RUNNER = shlex.split(os.environ.get("K230_VENC_MPY_RUNNER", ""))


# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print when they find
# something.
SANITIZER_FINDINGS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

_RUNS = itertools.count()


def check_live_line(line):
    """Fails unless a K230_SIM_LIVE_REPORT line shows nothing live and a clean deinit_all."""
    fields = dict(f.split("=", 1) for f in line.split(" error=")[0].split())
    live = {k: v for k, v in fields.items() if v != "0"}
    assert not live, f"left behind after the firmware's teardown: {line}"


def run_mpy(source, cwd, timeout=300, env=None):
    """Runs `source` as a script file with the simulator's micropython; returns CompletedProcess."""
    cwd = Path(cwd)
    script = cwd / "script_under_test.py"
    script.write_text(source)
    full_env = dict(os.environ)
    full_env.pop("MICROPYPATH", None)
    if env:
        full_env.update(env)
    # Each run reports, at exit, what the firmware's between-scripts teardown left live
    # (boards/unix_sim/modk230sim.c): it must be nothing.
    report = cwd / f"live_report_{next(_RUNS)}.txt"
    full_env["K230_SIM_LIVE_REPORT"] = str(report)
    proc = subprocess.run(
        [*MPY_RUNNER, str(MPY), str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )
    # On the sanitizer build (make sanitize) every run must be clean, whatever the test
    # expects of the script itself.
    for finding in SANITIZER_FINDINGS:
        assert finding not in proc.stderr, f"sanitizer finding:\n{proc.stderr}"
    if proc.returncode >= 0:
        lines = report.read_text().splitlines() if report.exists() else []
        assert len(lines) == 1, f"the run did not report what it left live: {lines}\n{proc.stderr}"
        check_live_line(lines[0])
    return proc


def checked(proc):
    """Asserts the script ended cleanly and returns its stdout."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


def doc_example(name, out_path):
    """The doc example's text with only the output path changed."""
    text = (EXAMPLES / name).read_text()
    stem = name.replace(".py", "")
    old = f'"{stem}.264"'
    assert text.count(old) == 1, f"{name} must end with a call writing {old}"
    return text.replace(old, repr(str(out_path)))


# Script lines for the tests that drive one 320x240 channel of `enc` from `sensor` (a script
# that has made both): set up and start it, then stop and destroy it.

H264_MAIN_320X240 = "ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)"


# Script lines: the media imports and a 320x240 YUV420SP sensor at 30 fps, `sensor`, and an
# Encoder, `enc`.
SENSOR_320X240 = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
sensor = Sensor(fps=30)
sensor.reset()
sensor.set_framesize(width=320, height=240)
sensor.set_pixformat(Sensor.YUV420SP)
enc = Encoder()
"""

# Script lines: snap_frame(), the next 320x240 sensor frame as a k_video_frame_info, as the
# manual's Example 2 builds it.
SNAP_FRAME_320X240 = r"""
def snap_frame():
    img = sensor.snapshot(chn=CAM_CHN_ID_0)
    f = k_video_frame_info()
    f.v_frame.width = 320
    f.v_frame.height = 240
    f.v_frame.pixel_format = Sensor.YUV420SP
    f.v_frame.phys_addr[0] = img.phyaddr()
    f.v_frame.phys_addr[1] = img.phyaddr() + ALIGN_UP(320 * 240, 4096)
    return f
"""


def start_channel(chn, buf_num, attr=H264_MAIN_320X240, linked=False):
    """Script lines: SetOutBufs(chn, buf_num, 320, 240), with `linked` the sensor bound to
    the channel (as `link`), MediaManager.init(), Create(chn, attr), Start(chn), sensor.run()."""
    lines = [f"enc.SetOutBufs({chn}, {buf_num}, 320, 240)"]
    if linked:
        lines.append(f"link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, {chn}))")
    lines += ["MediaManager.init()", f"enc.Create({chn}, {attr})", f"enc.Start({chn})", "sensor.run()"]
    return "\n".join(lines) + "\n"


def stop_channel(chn, linked=False):
    """Script lines that undo `start_channel` (a linked channel's sensor stops and its link is
    dropped first) and end with MediaManager.deinit()."""
    if linked:
        lines = ["sensor.stop()", "del link", f"enc.Stop({chn})", f"enc.Destroy({chn})"]
    else:
        lines = [f"enc.Stop({chn})", f"enc.Destroy({chn})", "sensor.stop()"]
    return "\n".join(lines + ["MediaManager.deinit()"]) + "\n"


@pytest.fixture(autouse=True)
def leaves_nothing_live(tmp_path_factory, monkeypatch):
    """After every test: each MicroPython run of the test, once the firmware's between-scripts
    teardown has run (the simulator build does it at exit, faults cleared: see
    boards/unix_sim/modk230sim.c), left no live resource in the simulator. run_mpy checks
    each of its runs at once (module-scoped fixtures' runs too); this catches the runs made
    by other means (the fault matrix, the fuzzer), which inherit the environment."""
    report = tmp_path_factory.mktemp("live") / "report.txt"
    monkeypatch.setenv("K230_SIM_LIVE_REPORT", str(report))
    yield
    if not report.exists():
        return
    for line in report.read_text().splitlines():
        check_live_line(line)


def require_mpy():
    """Fails the calling test unless the MicroPython binary has been built."""
    if not MPY.exists():
        pytest.fail(f"{MPY} is missing: run `make micropython` (make test does)")


@pytest.fixture(scope="session")
def mpy():
    require_mpy()
    return MPY


@pytest.fixture
def header_with_idr(monkeypatch):
    """For tests of the stream's layout one GetStream at a time: the simulator's "with-idr"
    header policy (every IDR's parameter sets in the same GetStream). The other policy, the
    default, is tested in test_generations.py and by the tests that count pictures."""
    monkeypatch.setenv("K230_SIM_HEADER", "with-idr")


@pytest.fixture(scope="session")
def header_alone(mpy, tmp_path_factory):
    """1 when the simulator delivers the first parameter sets in a GetStream of their own (its
    "first-separate" header policy, the default, as the evidence says the board does), else 0.
    A script that counts GetStream results as frames, as the manual's examples do, writes
    that many pictures fewer."""
    out = checked(run_mpy("import _k230sim\nprint(_k230sim.policy('header'))\n", tmp_path_factory.mktemp("policy")))
    return int(out.strip() == "first-separate")
