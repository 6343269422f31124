"""A short run of the seeded fuzzer (python_tests/fuzz.py; `make fuzz` is the long one): random
calls with random arguments, random MPP faults, schedule re-entry and GC; no crash, no hang,
nothing live after the final teardown, and the clean flows still work, for every seed."""

import os

from conftest import MPY, MPY_RUNNER
from fuzz import fuzz


def test_random_calls_and_faults_never_crash_hang_or_leak(mpy, capsys):
    out = fuzz(str(MPY), MPY_RUNNER, seeds=range(100), steps=300, jobs=os.cpu_count() or 2)
    with capsys.disabled():
        print(f"\nfuzz on {MPY}: 100 seeds, {len(out['ok'])} ok")
    bad = out["fail"] + out["crash"] + out["hang"]
    assert not bad, "\n".join(f"seed {s}: {d}" for s, d in sorted(bad))
