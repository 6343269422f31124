# Frozen into the unix_sim build. Relative paths are relative to this file.

# The "media" package as CanMV scripts import it: media.vencoder forwards to the native module,
# media.media and media.sensor stand in for CanMV's MediaManager and Sensor on the simulator.
package("media", base_path="python")

# The "mpp" package as far as MP4 scripts import it (mpp.mp4_format, mpp.mp4_format_struct,
# mpp.common_struct), over the native _mpp.mp4_format_api; media.mp4format's Mp4Container uses it.
package("mpp", base_path="python")

# asyncio from the MicroPython tree, as in the standard unix variant. (The standard variant's
# micropython-lib packages are not in the Debian +ds source tarball and are left out.)
include("$(MPY_DIR)/extmod/asyncio")

# uctypes layouts of the MPP structs taken by the raw `_mpp` calls (the reference loop of
# `make bench-binding`).
module("_mpp_struct.py", base_path="python")
