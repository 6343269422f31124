"""Running MicroPython scripts on the simulator with its libav codec backend.

`run_libav` runs a script with the libav backend selected and fails with a clear message if the
binary does not have it; `run_many` runs several such scripts two at a time; the `libav`
fixture fails every test that uses it, saying why, when the backend is missing.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import MPY, checked, require_mpy, run_mpy

BACKEND_ENV = {"K230_SIM_BACKEND": "libav"}

NO_LIBAV = (
    "{mpy} has no libav codec backend (_k230sim.backend() with K230_SIM_BACKEND=libav "
    "reports {got!r}); these tests check real H.264/H.265/JPEG streams and need the "
    "simulator built with its libavcodec backend (make micropython)"
)


def require_libav(cwd):
    """Fails the calling test unless the built MicroPython selects the libav backend."""
    require_mpy()
    proc = run_mpy("import _k230sim\nprint('BACKEND', _k230sim.backend())\n", cwd, timeout=60, env=BACKEND_ENV)
    m = re.search(r"^BACKEND (\S+)", proc.stdout, re.M)
    got = m.group(1) if m else f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    if got != "libav":
        pytest.fail(NO_LIBAV.format(mpy=MPY, got=got))


def run_libav(source, cwd, env=None, timeout=900):
    """Runs `source` with the libav backend (plus `env`), checks a clean exit and that the
    script saw the libav backend; returns stdout."""
    full = dict(BACKEND_ENV)
    if env:
        full.update(env)
    out = checked(run_mpy(source, cwd, timeout=timeout, env=full))
    m = re.search(r"^BACKEND (\S+)", out, re.M)
    if m and m.group(1) != "libav":
        pytest.fail(NO_LIBAV.format(mpy=MPY, got=m.group(1)))
    if "print('DONE')" in source:
        assert re.search(r"^DONE$", out, re.M), f"the script did not finish:\n{out[-3000:]}"
    return out


def run_many(jobs, workers=2):
    """Runs [(source, cwd, env)] with `run_libav`, `workers` at a time; returns the stdouts
    in order (the first failure is raised)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futs = [pool.submit(run_libav, src, cwd, env) for src, cwd, env in jobs]
        return [f.result() for f in futs]


def run_codec_scripts(tmp_path_factory, runs, script_of):
    """Runs one script per run of `runs` (tuples whose last item is the codec, "h264" or
    "h265"), each in its own folder writing out.264 / out.265 there: `script_of(run, path)` is
    its source. Returns {run: (stdout, path)}."""
    jobs, paths = [], []
    for run in runs:
        d = tmp_path_factory.mktemp("_".join(str(x) for x in run).replace(".py", ""))
        path = d / ("out.264" if run[-1] == "h264" else "out.265")
        jobs.append((script_of(run, path), d, None))
        paths.append(path)
    return {run: (out, path) for run, out, path in zip(runs, run_many(jobs), paths)}


@pytest.fixture(scope="session")
def libav(tmp_path_factory):
    """The libav backend is in the binary (else every test that uses this fails, saying so)."""
    require_libav(tmp_path_factory.mktemp("backend"))
