"""Helpers for the tests that check real encoded streams (the simulator's libav backend).

One module per concern; import from the module (this package imports nothing itself, so that
scripts/k230report.py can use `streamcheck.nal` with the standard library alone):

- `run`: running MicroPython scripts with the libav backend (`run_libav`, `run_many`, the
  `libav` fixture).
- `script`: the generated encoder scripts (`Chn`, `venc_script`) and their log (`Frame`,
  `parse_log`, `attach`, `sent_count`).
- `scene`: the camera-like source scene and its Y4M file (`scene`, `write_y4m`, `Y4M`).
- `nal`: Annex-B NAL units and the H.264 / H.265 header fields (`split_nals`, SPS, PPS,
  slice headers, `stream_counts`).
- `packs`: the K230 pack and GOP layout (`check_packs`, `STREAM_TYPE_*`).
- `decode`: decoding with PyAV (`decode_file`, `decode_pair`, `decode_jpeg`, `planes`).
- `compare`: picture comparison (`PsnrAcc`, `compare_with_source`, `psnr`).
"""
