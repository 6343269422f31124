"""Typing stubs of `mpp.common_struct`: uctypes holders of one integer (`.value`)."""

from typing import Any

import uctypes

K_U64_PTR: dict[str, Any]
K_U32_PTR: dict[str, Any]

def k_u64_ptr() -> uctypes.struct:
    """8 bytes, `.value` (a handle kd_mp4_create / kd_mp4_create_track write)."""
def k_u32_ptr() -> uctypes.struct: ...
