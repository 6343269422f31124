# What CanMV's MicroPython adds to `os` (appended to typeshed's os/__init__.pyi by
# scripts/micropython_typeshed.py: a stub named os.pyi on the search path would replace the
# whole module).
from typing import Final as _Final

EXITPOINT_DISABLE: _Final = 0
EXITPOINT_ENABLE: _Final = 1
EXITPOINT_ENABLE_SLEEP: _Final = 2
EXITPOINT_ANY: _Final = -1

def exitpoint(flag: int | None = None, /) -> None:
    """Set the exit-point mode (with a flag); deliver a pending Ctrl-C or IDE stop."""
