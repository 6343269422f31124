"""multimedia exists in every simulator build; one built without RTSP (the riscv64 build,
cargo --no-default-features) says so when a script asks for a server, and leaves nothing."""

from conftest import checked, run_mpy

SOURCE = r"""
import multimedia as mm, _k230sim
try:
    _k230sim.backend("libav")
    full = True
except ValueError:
    full = False    # built with --no-default-features: no libav, no rtsp
s = mm.rtsp_server()
try:
    rc = s.rtspserver_init(0)
    print("init", rc, full)
    s.rtspserver_deinit()
except RuntimeError as e:
    print("RuntimeError", e, full)
print(mm.multi_media_type.media_h265)
"""


def test_init_works_or_says_the_build_has_no_rtsp(mpy, tmp_path):
    out = checked(run_mpy(SOURCE, tmp_path))
    if out.startswith("RuntimeError"):
        assert "built without RTSP" in out and out.splitlines()[0].endswith("False"), out
    else:
        assert out.splitlines()[0] == "init 0 True", out
    assert out.splitlines()[1] == "1"
