#!/usr/bin/env python3
"""Writes a typeshed for type-checking CanMV scripts: the standard-library stubs of a typeshed
(by default the one bundled with the installed mypy) with MicroPython's additions to `os`,
`sys` and `time` appended (stubs/stdlib-additions/: os.exitpoint and os.EXITPOINT_*,
sys.print_exception, time.ticks_ms and the other ticks/sleep functions).

Why a copy: a stub named os.pyi or time.pyi on MYPYPATH replaces the whole standard module
(os.path and os.stat disappear), and mypy refuses one named sys.pyi outright ("shadows library
module"). Appending to typeshed's own files keeps everything else of the module.

    python3 scripts/micropython_typeshed.py [OUT_DIR] [--from TYPESHED_DIR]

OUT_DIR defaults to build/typeshed. Prints OUT_DIR. Use it as mypy's --custom-typeshed-dir
(with MYPYPATH=stubs) or as pyright's / Pylance's typeshedPath (see stubs/README.md). The
output depends only on the typeshed copied and the additions, so it is the same every run.
"""

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDITIONS = ROOT / "stubs" / "stdlib-additions"
MARK = "\n# ---- MicroPython additions (k230-venc stubs/stdlib-additions/{name}.pyi) ----\n"


def bundled_typeshed():
    """The typeshed directory of the installed mypy."""
    try:
        import mypy
    except ImportError:
        sys.exit("micropython_typeshed: mypy is not installed (scripts/setup.sh installs it), "
                 "or give --from TYPESHED_DIR")
    return Path(mypy.__file__).resolve().parent / "typeshed"


def stdlib_stub(stdlib, module):
    """typeshed's stub file of a standard module: <module>.pyi or <module>/__init__.pyi."""
    for path in (stdlib / f"{module}.pyi", stdlib / module / "__init__.pyi"):
        if path.is_file():
            return path
    raise SystemExit(f"micropython_typeshed: {stdlib} has no stub of {module}")


def build(out, source):
    if not (source / "stdlib" / "VERSIONS").is_file():
        raise SystemExit(f"micropython_typeshed: {source} is not a typeshed (no stdlib/VERSIONS)")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out)
    for addition in sorted(ADDITIONS.glob("*.pyi")):
        target = stdlib_stub(out / "stdlib", addition.stem)
        with target.open("a") as f:
            f.write(MARK.format(name=addition.stem))
            f.write(addition.read_text())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", type=Path, default=ROOT / "build" / "typeshed")
    ap.add_argument("--from", dest="source", type=Path, default=None,
                    help="typeshed directory to copy (default: the installed mypy's)")
    args = ap.parse_args()
    print(build(args.out.resolve(), (args.source or bundled_typeshed()).resolve()))


if __name__ == "__main__":
    main()
