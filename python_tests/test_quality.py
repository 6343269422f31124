"""Picture quality of the real encoders against a known source (a Y4M scene played by the
simulated sensor), and a wrong chroma plane address in SendFrame shows in the chroma."""

import pytest

from streamcheck.compare import PsnrAcc, compare_with_source
from streamcheck.decode import decode_file
from streamcheck.packs import check_packs
from streamcheck.run import libav, run_many  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m
from streamcheck.script import Chn, attach, parse_log, sent_count, venc_script

pytestmark = pytest.mark.usefixtures("libav")

# ---- 5. PSNR at 720p, 4000 kbit/s -----------------------------------------------------------

HD_W, HD_H, HD_FRAMES = 1280, 720, 60
MIN_PSNR = {"h264": 35.0, "h265": 32.0}
# No single picture may fall far below the sequence threshold (a broken or misplaced frame).
FRAME_MARGIN = 5.0


@pytest.fixture(scope="module")
def hd_y4m(tmp_path_factory):
    return write_y4m(tmp_path_factory.mktemp("y4m") / "scene_720p.y4m", HD_W, HD_H, HD_FRAMES)


@pytest.fixture(scope="module")
def hd_streams(libav, hd_y4m, tmp_path_factory):  # noqa: F811
    jobs, outs = [], {}
    for codec in MIN_PSNR:
        d = tmp_path_factory.mktemp(f"q_{codec}")
        out = d / f"q.{codec}"
        chn = Chn(0, codec, HD_W, HD_H, out, attrs={"bit_rate": 4000})  # Main profiles
        jobs.append((venc_script([chn], HD_FRAMES), d, {"K230_SIM_Y4M": str(hd_y4m.path)}))
        outs[codec] = out
    stdouts = run_many(jobs)
    return {codec: (stdout, outs[codec]) for codec, stdout in zip(MIN_PSNR, stdouts)}


@pytest.mark.parametrize("codec", list(MIN_PSNR))
def test_720p_main_at_4000_kbps_psnr(hd_streams, hd_y4m, codec):
    stdout, out = hd_streams[codec]
    frames = attach(parse_log(stdout)[0], out.read_bytes())
    assert len(frames) == HD_FRAMES
    check_packs(codec, frames, 30)
    acc = PsnrAcc()
    info = decode_file(out, codec, lambda i, frame: compare_with_source(hd_y4m, frame, i, acc))
    assert not info.errors, info.errors
    assert info.count == HD_FRAMES and info.profile == "Main"
    kbps = sum(f.size for f in frames) * 8 / (HD_FRAMES / 30) / 1000
    report = f"{codec} 720p {kbps:.0f} kbit/s: {acc.summary()}"
    print(report)
    floor = MIN_PSNR[codec]
    for plane in "YUV":
        assert acc.mean(plane) >= floor, report
        assert acc.worst(plane) >= floor - FRAME_MARGIN, report


# ---- 6. the chroma plane address of SendFrame -----------------------------------------------

# 800x480: the sensor's UV plane is at ALIGN_UP(w*h, 4096) = w*h + 1024 (what the manual's
# Example 2 hard-codes); w*h alone points 1024 bytes early.
CW, CH, C_FRAMES = 800, 480, 30
UV_OFFSETS = {"right": "ALIGN_UP(W * H, 4096)", "wrong": "W * H"}


@pytest.fixture(scope="module")
def uv_runs(libav, tmp_path_factory):  # noqa: F811
    src = write_y4m(tmp_path_factory.mktemp("y4m") / "scene_800x480.y4m", CW, CH, C_FRAMES)
    jobs, outs = [], []
    for name, expr in UV_OFFSETS.items():
        d = tmp_path_factory.mktemp(f"uv_{name}")
        out = d / "uv.264"
        jobs.append((venc_script([Chn(0, "h264", CW, CH, out)], C_FRAMES, mode="send", uv_offset=expr), d,
                     {"K230_SIM_Y4M": str(src.path)}))
        outs.append(out)
    stdouts = run_many(jobs)
    res = {}
    for name, stdout, out in zip(UV_OFFSETS, stdouts, outs):
        assert sent_count(stdout) == (C_FRAMES, [])
        frames = attach(parse_log(stdout)[0], out.read_bytes())
        assert len(frames) == C_FRAMES
        acc = PsnrAcc()
        info = decode_file(out, "h264", lambda i, frame: compare_with_source(src, frame, i, acc))
        assert not info.errors, info.errors
        assert info.count == C_FRAMES
        res[name] = acc
    return res


def test_wrong_uv_address_ruins_chroma_not_luma(uv_runs):
    right, wrong = uv_runs["right"], uv_runs["wrong"]
    report = f"right UV address: {right.summary()}; wrong (w*h): {wrong.summary()}"
    print(report)
    for plane in "UV":
        assert right.mean(plane) >= MIN_PSNR["h264"], report
        assert wrong.mean(plane) <= right.mean(plane) - 10, report
    assert right.mean("Y") >= MIN_PSNR["h264"], report
    assert abs(right.mean("Y") - wrong.mean("Y")) <= 1.0, report
