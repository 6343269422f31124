"""CanMV-K230's `mpp` package, as far as the k230-venc unix_sim build stands in for it: the MP4
modules scripts import (neighbours facts sheet 3.1).

- mpp.mp4_format: the kd_mp4_* calls (the native _mpp.mp4_format_api, CanMV's
  umpp.mp4_format_api), over the simulator's MP4 muxer / demuxer;
- mpp.mp4_format_struct: their constants and uctypes struct factories;
- mpp.common_struct: k_u64_ptr / k_u32_ptr (the out-parameters of the create calls).

CanMV's other mpp.* modules (the raw venc, vb, sys ... bindings) are not here: importing one
is an ImportError, so that a script written against them fails at once instead of half-way.
"""
