"""Rate control and time: CBR bit rates hit their target on the sensor's 720p test pattern;
pts are microseconds from the sensor clock. dst_frame_rate below src_frame_rate: by default
every frame is kept and the rate follows the input rate, as a CanMV board was measured to do;
under the simulator's "drop" policy (K230_SIM_FRAME_RATE=drop) the right share of the input
frames is kept."""

from conftest import checked, run_mpy

import pytest

from streamcheck.compare import PsnrAcc, compare_with_source
from streamcheck.decode import decode_file
from streamcheck.packs import check_packs
from streamcheck.run import libav, run_libav  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m
from streamcheck.script import Chn, attach, parse_log, sent_count, venc_script

DROP = {"K230_SIM_FRAME_RATE": "drop"}

pytestmark = pytest.mark.usefixtures("libav")

# ---- 4. CBR bit rate --------------------------------------------------------------------------

RATE_FRAMES = 300
RATE_FPS = 30


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize("kbps", [1000, 4000, 8000])
def test_cbr_rate_within_10_percent_of_target(tmp_path, codec, kbps):
    out = tmp_path / f"rate.{codec}"
    chn = Chn(0, codec, 1280, 720, out, attrs={"bit_rate": kbps})
    stdout = run_libav(venc_script([chn], RATE_FRAMES), tmp_path)
    frames = attach(parse_log(stdout)[0], out.read_bytes())
    assert len(frames) == RATE_FRAMES
    total = sum(f.size for f in frames)
    achieved = total * 8 / (RATE_FRAMES / RATE_FPS) / 1000
    per_second = [sum(f.size for f in frames[s:s + RATE_FPS]) * 8 / 1000 for s in range(0, RATE_FRAMES, RATE_FPS)]
    report = (f"{codec} CBR {kbps} kbit/s: achieved {achieved:.0f} kbit/s ({achieved / kbps - 1:+.1%}); "
              f"per second {[round(r) for r in per_second]}")
    print(report)
    assert abs(achieved / kbps - 1) <= 0.10, report
    info = decode_file(out, codec)
    assert not info.errors, info.errors
    assert info.count == RATE_FRAMES and (info.width, info.height) == (1280, 720)


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_cbr_rate_holds_at_the_converted_frame_rate(tmp_path, codec):
    # Drop policy, 30 -> 15 fps: 90 output frames are 6 s of video at 15 fps.
    out = tmp_path / f"rate15.{codec}"
    chn = Chn(0, codec, 640, 480, out, attrs={"bit_rate": 2000, "src_frame_rate": 30, "dst_frame_rate": 15})
    frames = parse_log(run_libav(venc_script([chn], 90), tmp_path, env=DROP))[0]
    achieved = sum(f.size for f in frames) * 8 / (90 / 15) / 1000
    assert abs(achieved / 2000 - 1) <= 0.10, f"{codec} 30->15 fps CBR 2000 kbit/s: achieved {achieved:.0f} kbit/s"
    info = decode_file(out, codec)
    assert not info.errors and info.count == 90
    assert info.framerate == 15, f"the stream's timing info says {info.framerate} fps"   # players play it at 15


# ---- 9. pts and frame-rate conversion --------------------------------------------------------

W, H = 320, 240


# Which input frames 30 -> dst keeps: every other one for 15 fps, two of three for 20 fps
# (the first frame is always kept).
KEEP = {15: lambda i: i % 2 == 0, 20: lambda i: i % 3 != 1}
STEPS = {15: {66666, 66667}, 20: {33333, 33334, 66666, 66667}}


def steps(pts):
    return sorted({b - a for a, b in zip(pts, pts[1:])})


@pytest.fixture(scope="module")
def y4m(tmp_path_factory):
    return write_y4m(tmp_path_factory.mktemp("y4m") / "scene.y4m", W, H, 64)


@pytest.mark.parametrize("codec", ["h264", "h265", "jpeg"])
def test_bound_sensor_pts_are_microseconds_at_30_fps(tmp_path, codec):
    out = tmp_path / "pts.bin"
    stdout = run_libav(venc_script([Chn(0, codec, W, H, out)], 61), tmp_path)
    frames = parse_log(stdout)[0]
    pts = [f.pts for f in frames]
    assert pts == [i * 1000000 // 30 for i in range(61)], pts[:6]
    assert pts[-1] == 2000000 and steps(pts) == [33333, 33334]


@pytest.mark.parametrize("dst", [15, 20])
def test_bound_sensor_frame_rate_conversion_keeps_the_right_frames(tmp_path, dst):
    out = tmp_path / "fr.264"
    n = 40
    stdout = run_libav(venc_script([Chn(0, "h264", W, H, out, attrs={"src_frame_rate": 30, "dst_frame_rate": dst})], n),
                       tmp_path, env=DROP)
    pts = [f.pts for f in parse_log(stdout)[0]]
    kept = [i for i in range(3 * n) if KEEP[dst](i)][:n]
    assert pts == [i * 1000000 // 30 for i in kept], pts[:6]
    assert set(steps(pts)) <= STEPS[dst], steps(pts)


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize("dst", [15, 20])
def test_sent_frames_rate_conversion_count_pts_and_content(tmp_path, y4m, codec, dst):
    sent_n = 60
    out = tmp_path / f"fr.{codec}"
    chn = Chn(0, codec, W, H, out, attrs={"src_frame_rate": 30, "dst_frame_rate": dst})
    stdout = run_libav(venc_script([chn], sent_n, mode="send"), tmp_path,
                       env={"K230_SIM_Y4M": str(y4m.path), **DROP})
    assert sent_count(stdout) == (sent_n, [])
    frames = attach(parse_log(stdout)[0], out.read_bytes())
    kept = [i for i in range(sent_n) if KEEP[dst](i)]
    assert len(frames) == len(kept) == sent_n * dst // 30
    pts = [f.pts for f in frames]
    assert pts == [i * 1000000 // 30 for i in kept], pts[:6]
    assert set(steps(pts)) <= STEPS[dst], steps(pts)
    check_packs(codec, frames, 30)
    acc = PsnrAcc()
    info = decode_file(out, codec, lambda j, frame: compare_with_source(y4m, frame, kept[j], acc))
    assert not info.errors, info.errors
    assert info.count == len(kept)
    # Each decoded picture is the kept input frame (the scene moves several pixels a frame).
    assert acc.worst("Y") >= 30, acc.summary()


# ---- rate control as a CanMV board was measured (neighbours facts section 8) -----------------

LIBAV = {"K230_SIM_BACKEND": "libav"}


def run_with_stderr(source, cwd):
    proc = run_mpy(source, cwd, env=LIBAV)
    return checked(proc), proc.stderr


def test_dst_below_src_keeps_every_frame_and_says_so(tmp_path):
    out = tmp_path / "keep.264"
    chn = Chn(0, "h264", W, H, out, attrs={"src_frame_rate": 30, "dst_frame_rate": 15})
    stdout, stderr = run_with_stderr(venc_script([chn], 40), tmp_path)
    pts = [f.pts for f in parse_log(stdout)[0]]
    assert pts == [i * 1000000 // 30 for i in range(40)], pts[:6]
    assert stderr.count("dst_frame_rate 15 is below src_frame_rate 30") == 1, stderr
    info = decode_file(out, "h264")
    assert not info.errors and info.count == 40


@pytest.mark.parametrize("sensor_fps", [30, 60])
def test_the_rate_follows_the_input_rate_as_measured_on_a_board(tmp_path, sensor_fps):
    # bit_rate / src_frame_rate bits a frame: a 60 fps sensor behind src_frame_rate 30 gives
    # about twice bit_rate (a user's board: total about bit_rate x input fps / src_frame_rate).
    out = tmp_path / "rate.264"
    n = 4 * sensor_fps  # four seconds of sensor time
    chn = Chn(0, "h264", 640, 480, out, attrs={"bit_rate": 1000, "src_frame_rate": 30})
    stdout, stderr = run_with_stderr(venc_script([chn], n, sensor_fps=sensor_fps), tmp_path)
    frames = parse_log(stdout)[0]
    seconds = (frames[-1].pts - frames[0].pts + 1000000 // sensor_fps) / 1e6
    achieved = sum(f.size for f in frames) * 8 / seconds / 1000
    want = 1000 * sensor_fps / 30
    report = f"sensor {sensor_fps} fps, src_frame_rate 30, bit_rate 1000: {achieved:.0f} kbit/s over {seconds:.2f} s"
    print(report)
    assert abs(achieved / want - 1) <= 0.15, report
    warned = "its sensor runs at 60 fps but src_frame_rate is 30" in stderr
    assert warned == (sensor_fps == 60), stderr
    assert stderr.count("its sensor runs at") <= 1, "once per channel"


def test_the_frame_rate_policy_is_switchable_at_run_time(tmp_path):
    src = "import _k230sim\nprint(_k230sim.policy('frame_rate'), _k230sim.policy('frame_rate', 'drop'), _k230sim.policy('frame_rate'))\n"
    stdout = checked(run_mpy(src, tmp_path))
    assert stdout.split() == ["keep", "drop", "drop"]
    bad = run_mpy("import _k230sim\n_k230sim.policy('frame_rate', 'halve')\n", tmp_path)
    assert "ValueError: policy frame_rate: unknown value halve" in bad.stderr


@pytest.mark.parametrize("rate", [30, 60])
def test_frames_sent_faster_than_src_frame_rate_are_warned_about(tmp_path, rate):
    out = tmp_path / "sent.264"
    src = venc_script([Chn(0, "h264", W, H, out)], 20, mode="send")
    assert src.count("i * 1000000 // 30") == 1
    src = src.replace("i * 1000000 // 30", f"i * 1000000 // {rate}")
    _, stderr = run_with_stderr(src, tmp_path)
    warned = "frames are sent at about 60 fps but src_frame_rate is 30" in stderr
    assert warned == (rate == 60), stderr
