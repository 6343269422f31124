# What MicroPython adds to `sys` (appended to typeshed's sys/__init__.pyi by
# scripts/micropython_typeshed.py; mypy refuses a stub that shadows sys).
from typing import Any as _Any

def print_exception(exc: BaseException, file: _Any = ..., /) -> None:
    """Print exc with its traceback to file (default sys.stdout)."""
