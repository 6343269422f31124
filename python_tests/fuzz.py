"""The seeded fuzzer: runs python_tests/fuzz_driver.py on the simulator MicroPython, one seed
per fresh interpreter, in parallel, and counts crashes (a signal, or no verdict), hangs (no
verdict within the time limit), and failures (something live after the final teardown, or the
clean flows broken). A seed's run is reproducible: `micropython fuzz_driver.py SEED STEPS`.

    python3 python_tests/fuzz.py --seeds 1000 [--first 0] [--steps 300] [--jobs N]

(`make fuzz` runs 1,000 seeds; `make test` a short run through test_fuzz.py.)
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DRIVER = HERE / "fuzz_driver.py"


def one(mpy, runner, seed, steps, timeout):
    """(verdict, detail) of one seed: ok, fail, crash or hang."""
    env = dict(os.environ)
    env.pop("MICROPYPATH", None)
    env["K230_SIM_BACKEND"] = "synthetic"
    with tempfile.TemporaryDirectory() as tmp:
        try:
            p = subprocess.run([*runner, mpy, str(DRIVER), str(seed), str(steps)], cwd=tmp,
                               capture_output=True, text=True, timeout=timeout, env=env,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return "hang", f"no verdict within {timeout} s"
    if "FUZZ-OK" in p.stdout and p.returncode == 0:
        return "ok", p.stdout.strip().splitlines()[-1]
    m = re.search(r"^FUZZ-FAIL.*$", p.stdout, re.M)
    if m:
        return "fail", m.group(0)
    tail = " | ".join((p.stdout + p.stderr).strip().splitlines()[-4:])
    return "crash", f"exit {p.returncode}: {tail}"


def fuzz(mpy, runner=(), seeds=range(100), steps=300, jobs=2, timeout=120, log=print):
    """Runs the seeds; returns {verdict: [(seed, detail)]}."""
    mpy = str(Path(mpy).resolve())
    out = {"ok": [], "fail": [], "crash": [], "hang": []}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(one, mpy, runner, s, steps, timeout): s for s in seeds}
        for fut in concurrent.futures.as_completed(futs):
            verdict, detail = fut.result()
            out[verdict].append((futs[fut], detail))
    for verdict in ("fail", "crash", "hang"):
        for seed, detail in sorted(out[verdict]):
            log(f"{verdict.upper()} seed {seed}: {detail}")
    n = sum(len(v) for v in out.values())
    log(f"fuzz: {n} seeds x {steps} steps: {len(out['ok'])} ok, {len(out['crash'])} crashes, "
        f"{len(out['hang'])} hangs, {len(out['fail'])} leaks or broken flows")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mpy", default=str(ROOT / "build" / "unix_sim" / "micropython"))
    ap.add_argument("--runner", default=os.environ.get("K230_VENC_MPY_RUNNER", ""))
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120)
    a = ap.parse_args()
    out = fuzz(a.mpy, a.runner.split(), range(a.first, a.first + a.seeds), a.steps, a.jobs,
               a.timeout)
    sys.exit(0 if len(out["ok"]) == a.seeds else 1)


if __name__ == "__main__":
    main()
