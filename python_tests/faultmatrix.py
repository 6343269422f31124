"""The fault matrix: every MPP call the core makes, failed once at every call position, during
the manual's two examples, the newest generation's implicit-channel example, and the three
ways a busy pipeline is torn down.

Each case runs in a fresh simulator MicroPython (synthetic codec backend):
1. the scenario runs with `_k230sim.fault(func, K_ERR_VENC_BUSY, skip=position, count=1)`;
   whatever escapes, or what the example prints of what it caught, must be a clean OSError
   naming the MPP call and its K230 code (a finaliser cannot raise: nothing escapes there);
2. the fault is cleared and `media.vencoder.deinit_all()` runs once (with the sensors
   stopped, the firmware's other between-scripts step): it must succeed, and the simulator's
   live-resource counters must then all be zero;
3. the manual's Example 1 runs again in the same interpreter, cleanly, and leaves nothing.

Positions are tried from 0 up until the fault no longer fires (`_k230sim.fault_fired()`), so
every call of every function is failed once. The functions are those of the project's one list
(src/mpp/functions.rs) that this build can fault (the 2024 build has no attach/detach).

    python3 python_tests/faultmatrix.py --mpy build/unix_sim/micropython [--jobs 4]

prints one line per failing case and the counts, and exits 1 unless every case passed.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import SNAP_FRAME_320X240

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FUNCTIONS = ROOT / "src" / "mpp" / "functions.rs"

# K_ERR_VENC_BUSY: the code every injected failure returns (mmap returns NULL instead).
FAULT_CODE = 0xA0098012
# Frames of the examples in the matrix (the manual's 200 would multiply the per-frame
# positions without exercising anything new).
FRAMES = 8

CLEAN_OSERROR = re.compile(
    r"^OSError: \(\d+, '(?:kd_mpi_\w+ failed: K_ERR_\w+ \(0x[0-9a-f]{8}\).*"
    r"|kd_mpi_sys_mmap\(0x[0-9a-f]+, \d+\) returned NULL)'\)$"
)


def example(name, frames=FRAMES):
    """The doc example's definitions (not its __main__ call) with `frames` frames."""
    text = (EXAMPLES / name).read_text()
    text = text.split('if __name__ == "__main__":')[0]
    return text.replace("if frame_count >= 200:", f"if frame_count >= {frames}:")


BUSY = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import gc
""" + SNAP_FRAME_320X240 + r"""
def busy():
    global sensor
    # A bound started channel with two held streams, a SendFrame channel with a held
    # stream, a created-not-started channel, MediaManager initialised.
    b = {}
    sensor = Sensor()
    sensor.reset()
    sensor.set_framesize(width=320, height=240)
    sensor.set_pixformat(Sensor.YUV420SP)
    enc = Encoder()
    for c in (0, 1, 2):
        enc.SetOutBufs(c, 4, 320, 240)
    b["link"] = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
    MediaManager.init()
    attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)
    for c in (0, 1, 2):
        enc.Create(c, attr)
    enc.Start(0)
    enc.Start(1)
    sensor.run()
    b["sd0a"], b["sd0b"], b["sd1"] = StreamData(), StreamData(), StreamData()
    enc.GetStream(0, b["sd0a"])
    enc.GetStream(0, b["sd0b"])
    enc.SendFrame(1, snap_frame())
    enc.GetStream(1, b["sd1"])
    b["enc"], b["sensor"] = enc, sensor
    return b

def own_cleanup(b):
    enc = b["enc"]
    enc.ReleaseStream(0, b["sd0a"])
    enc.ReleaseStream(0, b["sd0b"])
    enc.ReleaseStream(1, b["sd1"])
    b["sensor"].stop()
    del b["link"]
    enc.Stop(0)
    enc.Stop(1)
    for c in (0, 1, 2):
        enc.Destroy(c)
    MediaManager.deinit()

def finalisers(b):
    b.clear()
    gc.collect()
"""

# Faults that may fire where nothing can or should raise, per scenario: in a finaliser (the
# examples' and the script's own cleanup's `del link`; everything in the finaliser scenario),
# and Stop's detach of the 2025 private pool, which is best effort (the pool stays attached,
# and kept in the ledger, until Destroy detaches it).
DETACH = "kd_mpi_venc_detach_vb_pool"
SILENT = {"example1": {"kd_mpi_sys_unbind", DETACH}, "own_cleanup": {"kd_mpi_sys_unbind", DETACH},
          "example2": {DETACH}, "implicit": {DETACH}}

# name -> (definitions, what runs before the fault is injected, what runs with it)
SCENARIOS = {
    "example1": (example("doc_example1.py"), "", 'vi_bind_venc_test("doc_example1.264", 800, 480)'),
    "example2": (example("doc_example2.py"), "", 'stream_venc_test("doc_example2.264", 800, 480)'),
    # The newest generation's implicit channel (requested in the 2025 ABI), sensor bound.
    "implicit": (example("implicit_channel.py"), "",
                 f'venc_implicit_test("implicit.264", 320, 240, frames={FRAMES})'),
    "deinit_all": (BUSY, "b = busy()", "deinit_all()"),
    "finalisers": (BUSY, "b = busy()", "finalisers(b)"),
    "own_cleanup": (BUSY, "b = busy()", "own_cleanup(b)"),
}

DRIVER = r"""
import _k230sim, sys
from media.vencoder import deinit_all as _deinit_all
{defs}
{rerun_defs}
_k230sim.backend("synthetic")
{setup}
{inject}
_outcome = "none"
try:
    {body}
except OSError as e:
    _outcome = "oserror"
    sys.print_exception(e)
except BaseException as e:
    _outcome = "other"
    sys.print_exception(e)
_fired = _k230sim.fault_fired()
_k230sim.fault_clear()
try:
    _deinit_all()
    _deinit = "ok"
except BaseException as e:
    _deinit = "raised"
    sys.print_exception(e)
# The rest of the firmware's between-scripts teardown: the sensors stop (deinit_all is the
# encoder module's part; a script that died before sensor.stop() leaves them running).
for _dev in range(3):
    try:
        _k230sim.vicap_stop(_dev)
    except OSError:
        pass

def _live():
    s = _k230sim.stats()
    # venc_dropped counts pictures dropped, not something live.
    return ",".join(sorted(k for k in s if s[k] and k != "venc_dropped")) or "none"

_live_after = _live()
print("MATRIX-RERUN")
try:
    vi_bind_venc_test("rerun.264", 800, 480)
    _rerun = "ok"
except BaseException as e:
    _rerun = "raised"
    sys.print_exception(e)
print("MATRIX-RESULT outcome=%s fired=%d deinit=%s live=%s rerun=%s rerun_live=%s" % (
    _outcome, _fired, _deinit, _live_after, _rerun, _live()))
"""


def functions():
    """The MPP functions of the project's one list."""
    return re.findall(r'"(kd_mpi_\w+)"', FUNCTIONS.read_text())


def script(scenario, func=None, skip=0):
    defs, setup, body = SCENARIOS[scenario]
    rerun_defs = "" if scenario == "example1" else example("doc_example1.py")
    inject = f"_k230sim.fault({func!r}, {FAULT_CODE}, {skip}, 1)" if func else ""
    return DRIVER.format(defs=defs, rerun_defs=rerun_defs, setup=setup, inject=inject, body=body)


def run(mpy, runner, source, workdir):
    path = Path(workdir) / "case.py"
    path.write_text(source)
    env = dict(os.environ)
    env.pop("MICROPYPATH", None)
    env["K230_SIM_BACKEND"] = "synthetic"
    proc = subprocess.run([*runner, mpy, str(path)], cwd=workdir, capture_output=True, text=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)
    return proc


def judge(proc, scenario="", func=None):
    """(fired, problems) of one case's run."""
    m = re.search(r"^MATRIX-RESULT (.*)$", proc.stdout, re.M)
    if proc.returncode != 0 or not m:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-6:]
        return 1, ["crashed or did not finish (exit %d): %s" % (proc.returncode, " | ".join(tail))]
    r = dict(kv.split("=", 1) for kv in m.group(1).split())
    problems = []
    fault_part = proc.stdout.split("MATRIX-RERUN")[0]
    oserrors = 0
    for line in fault_part.splitlines():
        if re.match(r"^[A-Za-z_]*(Error|Exception|Interrupt)\b", line):
            if not CLEAN_OSERROR.match(line):
                problems.append("not a clean OSError: " + line)
                continue
            oserrors += 1
            # The errno is the first code the message names.
            code = int(re.match(r"^OSError: \((\d+),", line).group(1))
            named = re.search(r"\((0x[0-9a-f]{8})\)", line)
            if named and int(named.group(1), 16) != code:
                problems.append("errno is not the first code named: " + line)
    silent = scenario == "finalisers" or func in SILENT.get(scenario, ())
    if int(r["fired"]) > 0 and oserrors == 0 and not silent:
        problems.append("the fault fired and no OSError reported it")
    if r["outcome"] == "other":
        problems.append("the failure escaped as a non-OSError")
    if r["deinit"] != "ok":
        problems.append("deinit_all after the fault cleared raised")
    if r["live"] != "none":
        problems.append("live after deinit_all: " + r["live"])
    rerun_part = proc.stdout.split("MATRIX-RERUN", 1)[1]
    if r["rerun"] != "ok" or "Traceback" in rerun_part:
        problems.append("Example 1 did not run again cleanly")
    if r["rerun_live"] != "none":
        problems.append("live after the rerun: " + r["rerun_live"])
    return int(r["fired"]), problems


def faultable(mpy, runner, workdir):
    """The listed functions this build can fault."""
    probe = "import _k230sim\n" + "".join(
        f"try:\n    _k230sim.fault({f!r}, 1, 0, 0)\n    print('OK', {f!r})\nexcept ValueError:\n    pass\n"
        for f in functions())
    out = run(mpy, runner, probe, workdir).stdout
    return re.findall(r"^OK (\w+)$", out, re.M)


def matrix(mpy, runner=(), jobs=2, scenarios=None, log=print):
    """Runs the matrix; returns (cases, failures: list of (scenario, func, skip, problems))."""
    scenarios = scenarios or list(SCENARIOS)
    mpy = str(Path(mpy).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        funcs = faultable(mpy, runner, tmp)
    cases = 0
    failures = []

    def case(scenario, func, skip):
        with tempfile.TemporaryDirectory() as tmp:
            return judge(run(mpy, runner, script(scenario, func, skip), tmp), scenario, func)

    # Each (scenario, function) pair walks its positions; the pairs run in parallel.
    def walk(scenario, func):
        done, bad = 0, []
        skip = 0
        while True:
            fired, problems = case(scenario, func, skip)
            if fired == 0 and not problems:
                return done, bad
            done += 1
            if problems:
                bad.append((scenario, func, skip, problems))
            if fired == 0:
                return done, bad
            skip += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        # The unfaulted run of every scenario first: it must pass as it is.
        for scenario in scenarios:
            fired, problems = case(scenario, None, 0)
            cases += 1
            if problems:
                failures.append((scenario, None, 0, problems))
        futures = {pool.submit(walk, s, f): (s, f) for s in scenarios for f in funcs}
        for fut in concurrent.futures.as_completed(futures):
            done, bad = fut.result()
            cases += done
            failures += bad
    for scenario, func, skip, problems in failures:
        log(f"FAIL {scenario} {func} position {skip}: {'; '.join(problems)}")
    log(f"fault matrix: {cases} cases ({len(scenarios)} scenarios x {len(funcs)} functions x every"
        f" position), {cases - len(failures)} passed, {len(failures)} failed")
    return cases, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mpy", default=str(ROOT / "build" / "unix_sim" / "micropython"))
    ap.add_argument("--runner", default=os.environ.get("K230_VENC_MPY_RUNNER", ""),
                    help="command to run the binary with (e.g. qemu-riscv64)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    a = ap.parse_args()
    _, failures = matrix(a.mpy, a.runner.split(), a.jobs, a.scenario)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
