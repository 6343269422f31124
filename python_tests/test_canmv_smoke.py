"""The board smoke script (boards/k230_canmv/smoke_test.py) runs unchanged on the simulator
build; only its output directory (/sdcard on the board) is replaced by a temporary one."""

from conftest import ROOT, checked, run_mpy
from streamcheck.nal import nal_types

SMOKE = ROOT / "boards" / "k230_canmv" / "smoke_test.py"
OUT_DIR_LINE = 'OUT_DIR = "/sdcard"'


def test_smoke_script_passes_on_the_simulator(mpy, header_alone, tmp_path):
    text = SMOKE.read_text()
    assert text.count(OUT_DIR_LINE) == 1, f"smoke_test.py must set {OUT_DIR_LINE} exactly once"
    source = text.replace(OUT_DIR_LINE, f"OUT_DIR = {str(tmp_path)!r}")
    out = checked(run_mpy(source, tmp_path, env={"K230_SIM_BACKEND": "synthetic"}))
    assert out.rstrip().endswith("SMOKE OK"), out
    for step in ("ok  imports", "ok  constants", "ok  ValueError", "ok  TypeError", "ok  RuntimeError",
                 "ok  encode: 30 frames", "ok  deinit_all"):
        assert step in out, f"{step!r} missing from:\n{out}"
    # The stream it wrote: SPS, PPS, IDR, then P pictures (GOP 30): 30 GetStream results, one
    # of them the first parameter sets alone under the default header policy.
    types = nal_types("h264", (tmp_path / "k230_venc_smoke.264").read_bytes())
    assert types[:3] == [7, 8, 5], types[:3]
    assert types.count(5) == 1 and types.count(1) == 29 - header_alone, types
