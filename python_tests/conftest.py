"""Shared helpers: run MicroPython scripts on the simulator build and parse what they write."""

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


def run_mpy(source, cwd, timeout=300, env=None):
    """Runs `source` as a script file with the simulator's micropython; returns CompletedProcess."""
    cwd = Path(cwd)
    script = cwd / "script_under_test.py"
    script.write_text(source)
    full_env = dict(os.environ)
    full_env.pop("MICROPYPATH", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [*MPY_RUNNER, str(MPY), str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )


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


def split_nals(data):
    """Annex-B NAL units of a byte stream (start codes removed)."""
    out = []
    i = 0
    n = len(data)
    starts = []
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else n
        if k + 1 < len(starts) and e > s and data[e - 1] == 0:
            e -= 1  # 4-byte start code of the next unit
        out.append(data[s:e])
    return out


def h264_types(data):
    return [nal[0] & 0x1F for nal in split_nals(data) if nal]


def h265_types(data):
    return [(nal[0] >> 1) & 0x3F for nal in split_nals(data) if nal]


@pytest.fixture(scope="session")
def mpy():
    if not MPY.exists():
        pytest.fail(f"{MPY} is missing: run `make micropython` (make test does)")
    return MPY
