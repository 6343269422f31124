"""Real streams from the simulator's libav backend, decoded with FFmpeg (PyAV): the manual's
examples in H.264 and H.265, the H.264 profiles, the GOP / pack layout the K230 delivers,
JPEG channels, and three channels of different codecs at once."""

import os
import re
import subprocess

import pytest

from conftest import MPY, MPY_RUNNER, doc_example
from streamcheck.compare import PsnrAcc, compare_with_source, psnr
from streamcheck.decode import decode_file, decode_jpeg, decode_pair, planes
from streamcheck.nal import h264_pps, h264_sps, h265_sps_profile, split_nals
from streamcheck.packs import check_packs
from streamcheck.run import libav, run_codec_scripts, run_libav, run_many  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m
from streamcheck.script import Chn, attach, parse_log, printed_frames, sent_count, venc_script

pytestmark = pytest.mark.usefixtures("libav")

CODEC_NAMES = {"h264": "h264", "h265": "hevc"}


def test_libav_is_the_default_backend(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("K230_SIM_BACKEND", "MICROPYPATH")}
    code = "import _k230sim; print(_k230sim.backend())"
    default = subprocess.run([*MPY_RUNNER, str(MPY), "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert default.stdout.strip() == "libav", default
    env["K230_SIM_BACKEND"] = "synthetic"
    chosen = subprocess.run([*MPY_RUNNER, str(MPY), "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert chosen.stdout.strip() == "synthetic", chosen


# ---- 1. the manual's examples, H.264 and H.265 ----------------------------------------------

DOC_RUNS = [(name, codec) for name in ("doc_example1.py", "doc_example2.py") for codec in ("h264", "h265")]


@pytest.fixture(scope="module")
def doc_streams(libav, tmp_path_factory):  # noqa: F811
    return run_codec_scripts(tmp_path_factory, DOC_RUNS, lambda run, path: doc_example(run[0], path))


@pytest.mark.parametrize("name,codec", DOC_RUNS)
def test_doc_example_stream_decodes(doc_streams, header_alone, name, codec):
    stdout, path = doc_streams[(name, codec)]
    assert "Traceback" not in stdout, stdout[-3000:]
    assert "VENC test stops" in stdout or "venc_test stop" in stdout
    data = path.read_bytes()
    frames = attach(printed_frames(stdout), data)     # the printed sizes add up to the file
    assert len(frames) == 200 - header_alone      # 200 GetStreams, one maybe the first header alone
    check_packs(codec, frames, 30)                       # default gopLen
    info = decode_file(path, codec)
    assert not info.errors, info.errors
    assert info.codec == CODEC_NAMES[codec]
    assert info.profile == "Main", info.profile
    assert (info.width, info.height) == (800, 480)
    assert info.count == 200 - header_alone
    assert "B" not in info.pict_types
    nals = [n for n in split_nals(data) if n]
    if codec == "h264":
        sps = [h264_sps(n) for n in nals if n[0] & 0x1F == 7]
        assert sps and {s["profile_idc"] for s in sps} == {77}, sps   # Main
    else:
        profiles = {h265_sps_profile(n) for n in nals if (n[0] >> 1) & 0x3F == 33}
        assert profiles == {1}, profiles                               # Main


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_doc_example2_encodes_the_same_pictures_as_example1(doc_streams, header_alone, codec):
    # Example 1 (sensor bound to the encoder) and Example 2 (snapshots sent with the
    # hand-computed UV address Y + 800*480 + 1024) see the same sensor frames: their
    # decoded pictures agree, chroma included.
    acc = PsnrAcc()
    counts = decode_pair(doc_streams[("doc_example1.py", codec)][1], doc_streams[("doc_example2.py", codec)][1],
                         codec, lambda i, a, b: acc.add(planes(b), planes(a)))
    assert counts == (200 - header_alone, 200 - header_alone)
    for plane in "YUV":
        assert acc.worst(plane) >= 40, acc.summary()


# ---- 2. H.264 profiles ------------------------------------------------------------------------

PROFILES = {"baseline": (66, 0, ("Baseline", "Constrained Baseline")), "main": (77, 1, ("Main",)),
            "high": (100, 1, ("High",))}


@pytest.mark.parametrize("profile", list(PROFILES))
def test_h264_profile_in_sps_and_entropy_coding_in_pps(tmp_path, profile):
    profile_idc, cabac, names = PROFILES[profile]
    out = tmp_path / "p.264"
    stdout = run_libav(venc_script([Chn(0, "h264", 320, 240, out, profile=profile)], 35), tmp_path)
    frames = attach(parse_log(stdout)[0], out.read_bytes())
    check_packs("h264", frames, 30)
    nals = [n for n in split_nals(out.read_bytes()) if n]
    sps = [h264_sps(n) for n in nals if n[0] & 0x1F == 7]
    pps = [h264_pps(n) for n in nals if n[0] & 0x1F == 8]
    assert len(sps) == len(pps) == 2       # frames 0 and 30
    assert {s["profile_idc"] for s in sps} == {profile_idc}, sps
    assert {p["entropy_coding_mode_flag"] for p in pps} == {cabac}, pps
    info = decode_file(out, "h264")
    assert not info.errors, info.errors
    assert info.count == 35 and (info.width, info.height) == (320, 240)
    assert info.profile in names, info.profile


# ---- 3. GOP and pack layout -------------------------------------------------------------------

GOP_W, GOP_H, GOP_SRC_FRAMES = 320, 240, 48   # the source loops at 48 and 96: no GOP boundary


@pytest.fixture(scope="module")
def small_y4m(tmp_path_factory):
    return write_y4m(tmp_path_factory.mktemp("y4m") / "scene_320x240.y4m", GOP_W, GOP_H, GOP_SRC_FRAMES)


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize("gop", [10, 30])
def test_idr_every_gop_frames_header_then_idr_then_p_frames(tmp_path, small_y4m, codec, gop):
    sent_n = 3 * gop + 7
    out = tmp_path / f"g.{codec}"
    chn = Chn(1, codec, GOP_W, GOP_H, out, attrs={"gopLen": gop})
    stdout = run_libav(venc_script([chn], sent_n, mode="send"), tmp_path, env={"K230_SIM_Y4M": str(small_y4m.path)})
    sent, bad = sent_count(stdout)
    assert (sent, bad) == (sent_n, [])
    frames = attach(parse_log(stdout)[1], out.read_bytes())
    assert len(frames) == sent_n, "one output frame per frame sent"
    slices = check_packs(codec, frames, gop)
    assert [f.pts for f in frames] == [i * 1000000 // 30 for i in range(sent_n)]

    # Decoded in stream order, each picture is the source frame that was sent (no B-frames,
    # no reordering, nothing dropped or repeated).
    psnr_y = []

    def on_frame(i, frame):
        psnr_y.append(psnr(planes(frame)[0], small_y4m.frame(i)[0]))

    info = decode_file(out, codec, on_frame)
    assert not info.errors, info.errors
    assert info.count == sent_n
    assert info.has_b_frames == 0
    assert info.pict_types == slices
    assert info.key_frames == [i % gop == 0 for i in range(sent_n)]
    assert min(psnr_y) >= 30, [round(p, 1) for p in psnr_y]


# ---- 7. JPEG ----------------------------------------------------------------------------------

JPEG_QUALITIES = (10, 50, 90)
JPEG_FRAMES = 8


@pytest.fixture(scope="module")
def jpeg_runs(libav, small_y4m, tmp_path_factory):  # noqa: F811
    jobs, outs = [], []
    for q in JPEG_QUALITIES:
        d = tmp_path_factory.mktemp(f"jpeg_q{q}")
        out = d / "frames.mjpeg"
        chn = Chn(2, "jpeg", GOP_W, GOP_H, out, attrs={"mjpeg_quality_factor": q})
        jobs.append((venc_script([chn], JPEG_FRAMES), d, {"K230_SIM_Y4M": str(small_y4m.path)}))
        outs.append(out)
    stdouts = run_many(jobs)
    runs = {}
    for q, stdout, out in zip(JPEG_QUALITIES, stdouts, outs):
        frames = attach(parse_log(stdout)[2], out.read_bytes())
        acc = PsnrAcc()
        for i, fr in enumerate(frames):
            assert len(fr.packs) == 1, f"q {q} frame {i}: {len(fr.packs)} packs, one JPEG expected"
            jpg = fr.data[0]
            assert jpg[:2] == b"\xff\xd8" and jpg[-2:] == b"\xff\xd9", (q, i, jpg[:4], jpg[-4:])
            pic = decode_jpeg(jpg)
            assert (pic.width, pic.height) == (GOP_W, GOP_H)
            compare_with_source(small_y4m, pic, i, acc)
        runs[q] = (frames, acc, out)
    return runs


def test_jpeg_each_stream_is_one_complete_picture(jpeg_runs):
    for q, (frames, acc, out) in jpeg_runs.items():
        assert len(frames) == JPEG_FRAMES
        assert [f.pts for f in frames] == [i * 1000000 // 30 for i in range(JPEG_FRAMES)]
        info = decode_file(out, "jpeg")      # the file is a playable MJPEG stream too
        assert not info.errors, info.errors
        assert info.count == JPEG_FRAMES and (info.width, info.height) == (GOP_W, GOP_H)


def test_jpeg_size_and_quality_grow_with_quality_factor(jpeg_runs):
    sizes = [sum(f.size for f in jpeg_runs[q][0]) for q in JPEG_QUALITIES]
    quality = [jpeg_runs[q][1].mean("Y") for q in JPEG_QUALITIES]
    chroma = [min(jpeg_runs[q][1].mean("U"), jpeg_runs[q][1].mean("V")) for q in JPEG_QUALITIES]
    report = f"bytes {sizes}, Y PSNR {[round(p, 2) for p in quality]}, UV PSNR {[round(p, 2) for p in chroma]}"
    assert sizes[0] < sizes[1] < sizes[2], report
    assert quality[0] < quality[1] < quality[2], report
    assert chroma[0] < chroma[1] < chroma[2], report
    assert quality[2] >= 35 and chroma[2] >= 35, report


# ---- 8. three channels at once ------------------------------------------------------------------

MULTI_FRAMES = 45


def test_h264_h265_and_jpeg_channels_at_once(tmp_path):
    chns = [
        Chn(0, "h264", 640, 480, tmp_path / "c0.264"),
        Chn(1, "h265", 640, 360, tmp_path / "c1.265"),
        Chn(2, "jpeg", 320, 240, tmp_path / "c2.mjpeg"),
    ]
    stdout = run_libav(venc_script(chns, MULTI_FRAMES), tmp_path)
    log = parse_log(stdout)
    for c in chns:
        frames = attach(log[c.chn], c.out.read_bytes())
        assert len(frames) == MULTI_FRAMES
        pts = [f.pts for f in frames]
        assert pts == [i * 1000000 // 30 for i in range(MULTI_FRAMES)], (c.chn, pts[:5])
        if c.codec == "jpeg":
            for f in frames:
                pic = decode_jpeg(f.data[0])
                assert (pic.width, pic.height) == (c.width, c.height)
        else:
            check_packs(c.codec, frames, 30)
        info = decode_file(c.out, c.codec)
        assert not info.errors, (c.chn, info.errors)
        assert info.codec == {"h264": "h264", "h265": "hevc", "jpeg": "mjpeg"}[c.codec]
        assert info.count == MULTI_FRAMES, (c.chn, info.count)
        assert (info.width, info.height) == (c.width, c.height)
