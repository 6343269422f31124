"""The fault matrix (python_tests/faultmatrix.py) on the build under test: every MPP call the
core makes failed once at every call position, during the manual's two examples and the three
teardowns of a busy pipeline; every case must end clean (see the module's docstring)."""

import os

from conftest import MPY, MPY_RUNNER
from faultmatrix import matrix


def test_every_single_mpp_failure_leaves_nothing_behind(mpy, capsys):
    cases, failures = matrix(str(MPY), MPY_RUNNER, jobs=os.cpu_count() or 2)
    with capsys.disabled():
        print(f"\nfault matrix on {MPY}: {cases} cases, {cases - len(failures)} passed")
    assert cases > 100, "the matrix ran too few cases to mean anything"
    assert not failures, "\n".join(f"{s} {f} position {k}: {'; '.join(p)}" for s, f, k, p in failures)
