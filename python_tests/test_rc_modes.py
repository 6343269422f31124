"""Rate-control modes beyond the manual (ChnAttrStr rc_mode, max_bit_rate, i_qp, p_qp): the
keywords and their defaults, VBR holding its average under its peak on a clip that is still
for four seconds and busy for four, and FIXQP writing exactly i_qp into IDR slices and p_qp
into P slices (read from the slice headers, and for H.264 also from the decoder)."""

import struct
from collections import Counter

import av
import pytest

from conftest import checked, run_mpy
from streamcheck.decode import DEMUXERS, decode_file
from streamcheck.nal import slice_qps
from streamcheck.run import libav, run_many  # noqa: F401  (libav: fixture)
from streamcheck.scene import still_then_busy, write_y4m
from streamcheck.script import Chn, attach, parse_log, venc_script

KEYWORDS = r"""
from media.vencoder import *
E = Encoder
assert (E.RC_CBR, E.RC_VBR, E.RC_FIXQP) == (1, 2, 3)
a = ChnAttrStr(E.PAYLOAD_TYPE_H264, E.H264_PROFILE_MAIN, 640, 480)
assert (a.rc_mode, a.max_bit_rate, a.i_qp, a.p_qp, a.rotation, a.mirror) == (E.RC_CBR, 0, 25, 30, 0, 0)
b = ChnAttrStr(E.PAYLOAD_TYPE_H264, E.H264_PROFILE_MAIN, 640, 480, 2000, rc_mode=E.RC_VBR, max_bit_rate=3000)
assert (b.bit_rate, b.rc_mode, b.max_bit_rate) == (2000, 2, 3000)
for name in ("rc_mode", "max_bit_rate", "i_qp", "p_qp", "rotation", "mirror"):
    setattr(a, name, 3)
    assert getattr(a, name) == 3, name
try:
    ChnAttrStr(E.PAYLOAD_TYPE_H264, E.H264_PROFILE_MAIN, 640, 480, 4000, 30, 30, 30, 45, E.RC_VBR)
    print("POSITIONAL ACCEPTED")
except TypeError as e:
    print("POSITIONAL", e)
print(repr(b))
print("KEYWORDS OK")
"""


def test_keywords_defaults_and_repr(mpy, tmp_path):
    out = checked(run_mpy(KEYWORDS, tmp_path))
    assert "KEYWORDS OK" in out
    # Keyword-only: the documented positional order stays exactly nine arguments long.
    assert "POSITIONAL ChnAttrStr takes at most 9 positional arguments" in out, out
    assert ("ChnAttrStr(payload_type=96, profile=2, pic_width=640, pic_height=480, bit_rate=2000, gop_len=30, "
            "src_frame_rate=30, dst_frame_rate=30, mjpeg_quality_factor=45, rc_mode=2, max_bit_rate=3000, "
            "i_qp=25, p_qp=30, rotation=0, mirror=0)") in out, out


# ---- VBR ----------------------------------------------------------------------------------------

W, H, FPS = 320, 240, 30
SECONDS = 8
VBR_KBPS, VBR_MAX = 500, 1000


@pytest.fixture(scope="module")
def vbr_runs(libav, tmp_path_factory):  # noqa: F811
    """The still-then-busy clip through VBR (both codecs), VBR without max_bit_rate and CBR
    (H.264): {name: per-second kbit/s}."""
    n = SECONDS * FPS
    clip = write_y4m(tmp_path_factory.mktemp("clip") / "still_busy.y4m", W, H, n, frame=still_then_busy(n))
    runs = {
        "h264": ("h264", {"bit_rate": VBR_KBPS, "rc_mode": 2, "max_bit_rate": VBR_MAX}),
        "h265": ("h265", {"bit_rate": VBR_KBPS, "rc_mode": 2, "max_bit_rate": VBR_MAX}),
        "h264_no_max": ("h264", {"bit_rate": VBR_KBPS, "rc_mode": 2}),
        "h264_cbr": ("h264", {"bit_rate": VBR_KBPS}),
    }
    jobs, outs = [], []
    for name, (codec, attrs) in runs.items():
        d = tmp_path_factory.mktemp(name)
        out = d / f"vbr.{codec}"
        jobs.append((venc_script([Chn(0, codec, W, H, out, attrs=attrs)], n), d, {"K230_SIM_Y4M": str(clip.path)}))
        outs.append((codec, out))
    result = {}
    for name, stdout, (codec, out) in zip(runs, run_many(jobs), outs):
        frames = attach(parse_log(stdout)[0], out.read_bytes())
        assert len(frames) == n
        info = decode_file(out, codec)
        assert not info.errors and info.count == n, info.errors
        result[name] = [f.size * 8 / 1000 for f in frames]
    return result


def seconds(kbits):
    """kbit/s of each whole second."""
    return [sum(kbits[s:s + FPS]) for s in range(0, len(kbits), FPS)]


def peak(kbits):
    """The most kbit any FPS consecutive frames (one second, wherever it starts) spend."""
    return max(sum(kbits[s:s + FPS]) for s in range(len(kbits) - FPS + 1))


def profile(per_second):
    half = len(per_second) // 2
    still, busy = per_second[:half], per_second[half:]
    return sum(per_second) / len(per_second), sum(still) / half, sum(busy) / half


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_vbr_holds_the_average_under_the_peak_and_follows_the_picture(vbr_runs, codec):
    per_second = seconds(vbr_runs[codec])
    top = peak(vbr_runs[codec])
    avg, still, busy = profile(per_second)
    report = (f"{codec} VBR {VBR_KBPS} kbit/s, max {VBR_MAX}: average {avg:.0f} kbit/s, still half {still:.0f}, "
              f"busy half {busy:.0f}, per second {[round(r) for r in per_second]}, busiest second {top:.0f}")
    print(report)
    assert abs(avg / VBR_KBPS - 1) <= 0.15, report
    # max_bit_rate is a peak over the MPP's stats_time of one second: no second, wherever it
    # starts, spends more.
    assert top <= 1.02 * VBR_MAX, report
    # Peaks visible: the busy half spends far more than the still half, and above the average.
    assert busy >= 2.5 * still and max(per_second) >= 1.5 * VBR_KBPS, report


def test_vbr_without_max_bit_rate_never_peaks_above_bit_rate(vbr_runs):
    per_second = seconds(vbr_runs["h264_no_max"])
    top = peak(vbr_runs["h264_no_max"])
    avg, still, busy = profile(per_second)
    report = (f"VBR {VBR_KBPS} kbit/s, max_bit_rate 0: average {avg:.0f}, per second "
              f"{[round(r) for r in per_second]}, busiest second {top:.0f}")
    print(report)
    assert top <= 1.02 * VBR_KBPS and busy > still, report


def test_cbr_on_the_same_clip_has_no_peaks(vbr_runs):
    # The clip tells the modes apart: CBR spends about the same in both halves.
    per_second = seconds(vbr_runs["h264_cbr"])
    avg, still, busy = profile(per_second)
    assert busy < 1.6 * still and abs(avg / VBR_KBPS - 1) <= 0.10, per_second


# ---- FIXQP --------------------------------------------------------------------------------------

FIXQP_RUNS = [("h264", 22, 35), ("h264", 38, 24), ("h265", 22, 35), ("h265", 38, 24),
              ("h264", 51, 0), ("h265", 0, 0)]
# The QPs the simulator codes where the encoders cannot do what was asked (README, policy
# FIXQP_MIN_CODED_P_QP): p_qp 0 at 1; x264's IDR QP at most 40 above the P QP.
FIXQP_CODED = {("h264", 51, 0): (41, 1), ("h265", 0, 0): (0, 1)}


@pytest.fixture(scope="module")
def fixqp_streams(libav, tmp_path_factory):  # noqa: F811
    jobs, outs = [], []
    for codec, i_qp, p_qp in FIXQP_RUNS:
        d = tmp_path_factory.mktemp(f"fixqp_{codec}_{i_qp}_{p_qp}")
        out = d / f"fixqp.{codec}"
        attrs = {"rc_mode": 3, "i_qp": i_qp, "p_qp": p_qp, "gopLen": 15}
        jobs.append((venc_script([Chn(0, codec, W, H, out, attrs=attrs)], 45), d, None))
        outs.append(out)
    run_many(jobs)
    return dict(zip(FIXQP_RUNS, outs))


def decoder_qps(path):
    """The QP of every macroblock as FFmpeg's H.264 decoder reports it (exported encoding
    parameters: AVVideoEncParams nb_blocks @0, blocks_offset @8, block_size @16, qp @28; each
    AVVideoBlockParams delta_qp @16): one QP per picture, which all its blocks must share."""
    qps = []
    with av.open(str(path), format=DEMUXERS["h264"]) as c:
        s = c.streams.video[0]
        s.codec_context.options = {"export_side_data": "venc_params", "err_detect": "explode"}
        for frame in c.decode(s):
            sd = [x for x in frame.side_data if x.type.name == "VIDEO_ENC_PARAMS"]
            assert len(sd) == 1, frame.side_data
            b = bytes(sd[0])
            count, offset, size = struct.unpack_from("<I4xQQ", b, 0)
            base = struct.unpack_from("<i", b, 28)[0]
            blocks = {base + struct.unpack_from("<i", b, offset + k * size + 16)[0] for k in range(count)}
            assert len(blocks) == 1, f"blocks of one picture at QPs {sorted(blocks)}"
            qps.append(blocks.pop())
    return qps


@pytest.mark.parametrize("codec,i_qp,p_qp", FIXQP_RUNS)
def test_fixqp_slices_carry_i_qp_and_p_qp(fixqp_streams, codec, i_qp, p_qp):
    path = fixqp_streams[(codec, i_qp, p_qp)]
    slices = slice_qps(codec, path.read_bytes())
    assert len(slices) == 45
    kinds = ["I" if k % 15 == 0 else "P" for k in range(45)]
    assert [k for k, _ in slices] == kinds
    i_qp, p_qp = FIXQP_CODED.get((codec, i_qp, p_qp), (i_qp, p_qp))
    want = [i_qp if k == "I" else p_qp for k in kinds]
    assert [q for _, q in slices] == want, Counter(slices)
    if codec == "h264":
        # The slice-header reader agrees with the decoder, and no block deviates.
        assert decoder_qps(path) == want


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_the_largest_rates_are_accepted_and_code(libav, tmp_path, codec):  # noqa: F811
    # Any rate the MPP's u32 kbit/s fields hold: the simulator codes a rate beyond what the
    # channel's output buffers carry at the most they do (policy RATE_BUFFER_SHARE), says so,
    # and delivers every picture.
    cap = W * H * 3 // 4 * 8 * 30 // 3 // 1000
    for k, attrs in enumerate([{"bit_rate": 2**32 - 1}, {"rc_mode": 2, "bit_rate": 1000, "max_bit_rate": 2**32 - 1},
                               {"bit_rate": 20000}]):
        out = tmp_path / f"big{k}.{codec}"
        proc = run_mpy(venc_script([Chn(0, codec, W, H, out, attrs=attrs)], 30), tmp_path,
                       env={"K230_SIM_BACKEND": "libav"}, timeout=120)
        stdout = checked(proc)
        assert f"the simulator codes {cap} kbit/s" in proc.stderr, proc.stderr
        frames = parse_log(stdout)[0]
        assert len(frames) == 30
        info = decode_file(out, codec)
        assert not info.errors and info.count == 30
        if "bit_rate" in attrs and "rc_mode" not in attrs:
            # CBR at the cap: the stream spends about the cap.
            kbps = sum(f.size for f in frames) * 8 / 1000
            assert 0.7 * cap <= kbps <= 1.3 * cap, (kbps, cap)
