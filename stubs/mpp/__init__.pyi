"""Typing stubs of the simulator's `mpp` package: only the MP4 modules of CanMV's (the other
`mpp.*` modules do not exist in the simulator)."""
