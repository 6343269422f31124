"""The simulated sensor plays a camera file (K230_SIM_CAMERA, its earlier name K230_SIM_Y4M,
or _k230sim.sensor_source(path)): any video or picture libav decodes. Frame k of the sensor
is file picture k mod N, as NV12 with the UV plane at ALIGN_UP(w*h, 4096): exactly the
file's samples for a Y4M of the channel's size, scaled to every other size, full-range
pictures (JPEG, PNG) brought to video levels."""

import numpy as np
import pytest

from streamcheck.run import libav, run_libav  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m

pytestmark = pytest.mark.usefixtures("libav")

W, H, N = 320, 240, 7
SNAPS = 17   # more than twice round the file

SNAP = r"""
import uctypes, _k230sim
from media.sensor import *
from media.media import ALIGN_UP
print("BACKEND", _k230sim.backend())
W, H = {w}, {h}


def snap(out, count):
    sensor = Sensor()
    sensor.reset()
    sensor.set_framesize(width=W, height=H)
    sensor.set_pixformat(Sensor.YUV420SP)
    sensor.run()
    with open(out, "wb") as f:
        for i in range(count):
            img = sensor.snapshot()
            assert img != -1, i
            assert (img.width(), img.height(), img.format()) == (W, H, Sensor.YUV420SP)
            assert img.phyaddr(1) - img.phyaddr(0) == ALIGN_UP(W * H, 4096)
            assert img.virtaddr(1) - img.virtaddr(0) == ALIGN_UP(W * H, 4096)
            f.write(uctypes.bytearray_at(img.virtaddr(0), W * H))
            f.write(uctypes.bytearray_at(img.virtaddr(1), W * H // 2))
    sensor.stop()
"""


def snap_script(body, w=W, h=H):
    return SNAP.format(w=w, h=h) + body + "\nprint('DONE')\n"


def nv12_frames(path, w=W, h=H):
    """The (Y, UV) planes of each frame the script wrote."""
    data = np.fromfile(path, dtype=np.uint8)
    size = w * h * 3 // 2
    assert data.size % size == 0
    for k in range(data.size // size):
        f = data[k * size:(k + 1) * size]
        yield f[:w * h].reshape(h, w), f[w * h:].reshape(h // 2, w)


def assert_frames_are_the_file(path, src, count):
    frames = list(nv12_frames(path))
    assert len(frames) == count
    for k, (y, uv) in enumerate(frames):
        ry, ru, rv = src.frame(k)           # frame k mod N
        assert np.array_equal(y, ry), f"sensor frame {k}: luma is not file frame {k % src.count}"
        assert np.array_equal(uv[:, 0::2], ru), f"sensor frame {k}: U is not file frame {k % src.count}"
        assert np.array_equal(uv[:, 1::2], rv), f"sensor frame {k}: V is not file frame {k % src.count}"


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return write_y4m(tmp_path_factory.mktemp("y4m") / "small.y4m", W, H, N)


def test_env_var_plays_the_file_in_a_loop(tmp_path, src):
    out = tmp_path / "frames.nv12"
    run_libav(snap_script(f"snap({str(out)!r}, {SNAPS})"), tmp_path, env={"K230_SIM_Y4M": str(src.path)})
    assert_frames_are_the_file(out, src, SNAPS)


def test_sensor_source_selects_the_file_and_none_the_test_pattern(tmp_path, src):
    pattern, played, back = tmp_path / "pattern.nv12", tmp_path / "played.nv12", tmp_path / "back.nv12"
    body = f"""
snap({str(pattern)!r}, 3)
_k230sim.sensor_source({str(src.path)!r})
snap({str(played)!r}, {SNAPS})
_k230sim.sensor_source(None)
snap({str(back)!r}, 3)
"""
    run_libav(snap_script(body), tmp_path)
    assert_frames_are_the_file(played, src, SNAPS)
    assert pattern.read_bytes() == back.read_bytes(), "sensor_source(None) brings the test pattern back"
    first = next(nv12_frames(pattern))[0]
    assert not np.array_equal(first, src.frame(0)[0])


@pytest.mark.parametrize("tag", [None, "C420", "C420mpeg2", "C420paldv"])
def test_every_8bit_420_colour_space_tag_is_accepted(tmp_path, tag):
    src = write_y4m(tmp_path / "t.y4m", W, H, 3, colorspace=tag)
    out = tmp_path / "frames.nv12"
    run_libav(snap_script(f"snap({str(out)!r}, 4)"), tmp_path, env={"K230_SIM_Y4M": str(src.path)})
    assert_frames_are_the_file(out, src, 4)


# Codes of the simulator's VICAP stand-in (module 21): K_ERR_VICAP_ILLEGAL_PARAM, _UNEXIST,
# _NOT_SUPPORT.
ILLEGAL_PARAM, UNEXIST, NOT_SUPPORT = 0xA0158003, 0xA0158005, 0xA0158008

TRY = r"""
def code_of(f, *args):
    try:
        f(*args)
    except OSError as e:
        print("OSError", hex(e.args[0]), e.args[1])
        return e.args[0]
    return 0
"""


def test_unusable_files_are_refused_when_selected(tmp_path, src):
    (tmp_path / "not.y4m").write_bytes(b"RIFF....WAVEfmt ")
    write_y4m(tmp_path / "c444.y4m", W, H, 1)
    c444 = tmp_path / "c444.y4m"
    c444.write_bytes(c444.read_bytes().replace(b"C420jpeg", b"C444", 1))
    (tmp_path / "empty.y4m").write_bytes(b"YUV4MPEG2 W320 H240 C420jpeg\n")
    body = TRY + f"""
assert code_of(_k230sim.sensor_source, {str(tmp_path / 'missing.y4m')!r}) == {UNEXIST}
assert code_of(_k230sim.sensor_source, {str(tmp_path / 'not.y4m')!r}) == {NOT_SUPPORT}
assert code_of(_k230sim.sensor_source, {str(c444)!r}) == {NOT_SUPPORT}
assert code_of(_k230sim.sensor_source, {str(tmp_path / 'empty.y4m')!r}) == {NOT_SUPPORT}
assert code_of(_k230sim.sensor_source, {str(src.path)!r}) == 0
"""
    out = run_libav(snap_script(body), tmp_path)
    # The messages say what is wrong (a 4:4:4 header over 4:2:0 data holds no whole picture).
    assert "missing.y4m: No such file" in out and "c444.y4m: no picture can be decoded" in out, out


def test_the_file_is_scaled_to_each_channel(tmp_path, src):
    # Two channels of one sensor at other sizes than the file: both show it, scaled.
    big, small = tmp_path / "big.nv12", tmp_path / "small.nv12"
    body = f"""
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=640, height=480)
sensor.set_pixformat(Sensor.YUV420SP)
sensor.set_framesize(width=160, height=120, chn=CAM_CHN_ID_1)
sensor.set_pixformat(Sensor.YUV420SP, chn=CAM_CHN_ID_1)
sensor.run()
for chn, out, w, h in ((CAM_CHN_ID_0, {str(big)!r}, 640, 480), (CAM_CHN_ID_1, {str(small)!r}, 160, 120)):
    img = sensor.snapshot(chn=chn)
    with open(out, "wb") as f:
        f.write(uctypes.bytearray_at(img.virtaddr(0), w * h))
        f.write(uctypes.bytearray_at(img.virtaddr(1), w * h // 2))
sensor.stop()
"""
    run_libav(snap_script(body), tmp_path, env={"K230_SIM_CAMERA": str(src.path)})
    ry = src.frame(0)[0].astype(np.float32)
    for out, (w, h) in ((big, (640, 480)), (small, (160, 120))):
        y, _ = next(nv12_frames(out, w, h))
        # Back to the file's size, the picture is the file's (bilinear scaling twice).
        back = y.astype(np.float32).reshape(H, h // H, W, w // W).mean(axis=(1, 3)) if w > W else \
            np.kron(y.astype(np.float32), np.ones((H // h, W // w)))
        mean_err = float(np.abs(back - ry).mean())
        assert mean_err < 12, (w, h, mean_err)
        assert abs(float(y.mean()) - float(ry.mean())) < 2, (w, h, y.mean(), ry.mean())


def write_video(path, frames, fps=25, codec="libx264"):
    """An MP4 / MKV whose frame k is a flat grey of level 40 + 20 k (full range RGB)."""
    import av
    with av.open(str(path), "w") as c:
        st = c.add_stream(codec, rate=fps)
        st.width, st.height, st.pix_fmt = 320, 240, "yuv420p"
        for k in range(frames):
            img = np.full((240, 320, 3), 40 + 20 * k, dtype=np.uint8)
            for p in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in st.encode():
            c.mux(p)


@pytest.mark.parametrize("kind", ["mp4", "mkv", "png", "jpg"])
def test_videos_and_pictures_of_any_kind(tmp_path, kind):
    from PIL import Image
    path = tmp_path / f"camera.{kind}"
    if kind in ("mp4", "mkv"):
        write_video(path, 4)
        levels = [40 + 20 * k for k in range(4)]
    else:
        Image.fromarray(np.full((90, 160, 3), 200, dtype=np.uint8)).save(path)
        levels = [200]
    out = tmp_path / "frames.nv12"
    run_libav(snap_script(f"snap({str(out)!r}, 6)"), tmp_path, env={"K230_SIM_CAMERA": str(path)})
    frames = list(nv12_frames(out))
    assert len(frames) == 6
    for k, (y, uv) in enumerate(frames):
        grey = levels[k % len(levels)]
        # Full-range RGB grey g is video-level luma 16 + g * 219 / 255; chroma neutral.
        want = 16 + grey * 219 / 255
        assert abs(float(y.mean()) - want) < 3, (kind, k, float(y.mean()), want)
        assert abs(float(uv.mean()) - 128) < 3, (kind, k, float(uv.mean()))


def test_a_missing_camera_file_is_one_clear_error(tmp_path):
    body = TRY + """
print(code_of(_k230sim.sensor_source, "/no/such/camera.mp4"))
"""
    out = run_libav(snap_script(body), tmp_path)
    assert "OSError 0xa0158005 k230_sim_vicap_set_source: 0xa0158005: /no/such/camera.mp4: No such file or directory" in out, out


def test_env_var_naming_a_missing_file_fails_at_sensor_start(tmp_path):
    body = TRY + """
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=W, height=H)
sensor.set_pixformat(Sensor.YUV420SP)
assert code_of(sensor.run) == %d
""" % UNEXIST
    run_libav(snap_script(body), tmp_path, env={"K230_SIM_Y4M": str(tmp_path / "missing.y4m")})
