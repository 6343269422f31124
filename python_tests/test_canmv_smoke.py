"""The board smoke script (boards/k230_canmv/smoke_test.py) runs unchanged on the simulator
build: the file itself, not a copy with its output folder replaced. Its /sdcard is a temporary
folder the simulator mounts at start-up from K230_SIM_PATH_MAP (boards/unix_sim/k230sim_paths.c,
the variable scripts/k230sim run sets too)."""

from conftest import ROOT, checked, run_mpy
from streamcheck.nal import nal_types

SMOKE = ROOT / "boards" / "k230_canmv" / "smoke_test.py"


def test_smoke_script_passes_on_the_simulator(mpy, header_alone, tmp_path):
    sdcard, data = tmp_path / "sdcard", tmp_path / "data"
    sdcard.mkdir()
    data.mkdir()
    env = {"K230_SIM_BACKEND": "synthetic", "K230_SIM_PATH_MAP": f"/sdcard={sdcard}:/data={data}"}
    out = checked(run_mpy(SMOKE.read_text(), tmp_path, env=env))
    assert out.rstrip().endswith("SMOKE OK"), out
    for step in ("ok  imports", "ok  constants", "ok  ValueError", "ok  TypeError", "ok  RuntimeError",
                 "ok  encode: 30 frames", "ok  deinit_all"):
        assert step in out, f"{step!r} missing from:\n{out}"
    assert "-> /sdcard/k230_venc_smoke.264" in out, out
    # The stream it wrote: SPS, PPS, IDR, then P pictures (GOP 30): 30 GetStream results, one
    # of them the first parameter sets alone under the default header policy.
    types = nal_types("h264", (sdcard / "k230_venc_smoke.264").read_bytes())
    assert types[:3] == [7, 8, 5], types[:3]
    assert types.count(5) == 1 and types.count(1) == 29 - header_alone, types


def test_without_the_mapping_the_smoke_script_says_where_it_failed(mpy, tmp_path):
    # No /sdcard on the PC unless mapped: the script fails at its open(), not before.
    proc = run_mpy(SMOKE.read_text(), tmp_path, env={"K230_SIM_BACKEND": "synthetic"})
    assert proc.returncode != 0
    assert "ok  RuntimeError" in proc.stdout
    assert "ENOENT" in proc.stderr or "Errno 2" in proc.stderr, proc.stderr


def test_path_map_mounts_each_folder_and_reports_bad_entries(mpy, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (b / "in.txt").write_text("from the host")
    source = """
import os
with open("/sdcard/out.txt", "w") as f:
    f.write("from the script")
print("data:", open("/data/in.txt").read())
print("cwd files:", "script_under_test.py" in os.listdir())
"""
    env = {"K230_SIM_PATH_MAP": f"/sdcard={a}:/data={b}:nonsense:/missing={tmp_path / 'none'}"}
    proc = run_mpy(source, tmp_path, env=env)
    out = checked(proc)
    assert "data: from the host" in out and "cwd files: True" in out, out
    assert (a / "out.txt").read_text() == "from the script"
    assert "entry 'nonsense' ignored" in proc.stderr, proc.stderr
    assert "/missing: " in proc.stderr and "is not a folder; not mounted" in proc.stderr, proc.stderr
