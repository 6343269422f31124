"""Scripts of every CanMV encoder generation on one module: the newest implicit-channel
calls (examples/implicit_channel.py, sensor bound and SendFrame of dump_frame snapshots,
H.264 and H.265, decoded), the two shapes mixed on one module, JPEG with any profile value,
the link object of the 2025-2026 firmware, and the IDE preview's channel."""

import re

import pytest

from conftest import EXAMPLES, SNAP_FRAME_320X240, checked, run_mpy
from streamcheck.decode import decode_file, decode_jpeg
from streamcheck.packs import check_packs
from streamcheck.run import libav, run_codec_scripts, run_many  # noqa: F401  (libav: fixture)
from streamcheck.script import Chn, attach, parse_log, printed_frames, venc_script

CODEC_NAMES = {"h264": "h264", "h265": "hevc"}
SYNTHETIC = {"K230_SIM_BACKEND": "synthetic"}

# ---- 1. the newest generation's example, both flows, both codecs -----------------------------

IMPLICIT_RUNS = [(flow, codec) for codec in ("h264", "h265") for flow in ("bind", "send")]
IMPLICIT_FRAMES = 60


def implicit_example(path, use_link):
    """examples/implicit_channel.py as it is, run at 640x480 for IMPLICIT_FRAMES frames into
    `path`."""
    text = (EXAMPLES / "implicit_channel.py").read_text()
    call = 'venc_implicit_test("implicit_channel.264")'
    assert text.count(call) == 1
    return text.replace(call, f"venc_implicit_test({str(path)!r}, width=640, height=480, "
                              f"use_link={use_link}, frames={IMPLICIT_FRAMES})")


@pytest.fixture(scope="module")
def implicit_streams(libav, tmp_path_factory):  # noqa: F811
    return run_codec_scripts(tmp_path_factory, IMPLICIT_RUNS,
                             lambda run, path: implicit_example(path, run[0] == "bind"))


@pytest.mark.parametrize("flow,codec", IMPLICIT_RUNS)
def test_implicit_channel_example_stream_decodes(implicit_streams, header_alone, flow, codec):
    stdout, path = implicit_streams[(flow, codec)]
    assert "Traceback" not in stdout, stdout[-3000:]
    assert "venc implicit test stops" in stdout
    assert re.search(r"^encoder channel: 0$", stdout, re.M), "the first free channel"
    frames = attach(printed_frames(stdout), path.read_bytes())
    # The script counts GetStream results, one of which may be the first header alone.
    pictures = IMPLICIT_FRAMES - header_alone
    assert len(frames) == pictures
    check_packs(codec, frames, 30)
    info = decode_file(path, codec)
    assert not info.errors, info.errors
    assert info.codec == CODEC_NAMES[codec]
    assert info.profile == "Main", info.profile
    assert (info.width, info.height, info.count) == (640, 480, pictures)
    assert "B" not in info.pict_types


# ---- 2. JPEG: the profile is ignored, as on the board ----------------------------------------

JPEG_PROFILES = (0, 1, 2, 3, 5)


@pytest.fixture(scope="module")
def jpeg_profile_runs(libav, tmp_path_factory):  # noqa: F811
    jobs, outs = [], []
    for p in JPEG_PROFILES:
        d = tmp_path_factory.mktemp(f"jpeg_profile_{p}")
        out = d / "frames.mjpeg"
        jobs.append((venc_script([Chn(0, "jpeg", 320, 240, out, profile=p)], 3), d, None))
        outs.append(out)
    return dict(zip(JPEG_PROFILES, zip(run_many(jobs), outs)))


@pytest.mark.parametrize("profile", JPEG_PROFILES)
def test_jpeg_with_any_profile_constant_writes_pictures(jpeg_profile_runs, profile):
    stdout, out = jpeg_profile_runs[profile]
    frames = attach(parse_log(stdout)[0], out.read_bytes())
    assert len(frames) == 3
    for fr in frames:
        pic = decode_jpeg(b"".join(fr.data))
        assert (pic.width, pic.height) == (320, 240)


# ---- 3. the two shapes on one module ---------------------------------------------------------

MIXED = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import gc
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=320, height=240)
sensor.set_pixformat(Sensor.YUV420SP)
H264 = Encoder.PAYLOAD_TYPE_H264
MAIN = Encoder.H264_PROFILE_MAIN
def attr():
    return ChnAttrStr(H264, MAIN, 320, 240)
def expect(name, exc, text, f):
    try:
        f()
    except exc as e:
        assert str(e).startswith(text), (name, str(e))
        print("ERR", name, "OK")
        return
    raise AssertionError(name + ": no " + exc.__name__)
""" + SNAP_FRAME_320X240 + r"""
# Channel 0 by number (documented shape), then two Encoders that ask for theirs.
byname = Encoder()
byname.SetOutBufs(0, 4, 320, 240)
MediaManager.init()
byname.Create(0, attr())
print("byname.chn", byname.chn)
a = Encoder()
b = Encoder()
print("a.chn", a.chn)
for e in (a, b):
    e.SetOutBufs(4, 320, 240)
    e.Create(attr())
print("a.chn", a.chn, "b.chn", b.chn)

# Implicit calls on an Encoder that has no requested channel say so, whatever it made by number.
expect("start_without_channel", ValueError, "Start: no channel requested yet", lambda: byname.Start())
expect("get_without_channel", ValueError, "GetStream: no channel requested yet", lambda: byname.GetStream(StreamData(), 0))
# One requested channel an Encoder: a second Create(chnAttr) is refused.
expect("create_twice", RuntimeError, "Create(): channel 1 (Encoder.chn) is created but not started; call Destroy() first, or use another Encoder", lambda: a.Create(attr()))
# SetOutBufs(buf_num, w, h) belongs to Create(chnAttr); Create(chn, attr) needs its own.
expect("explicit_create_needs_its_bufs", RuntimeError, "Create(3): channel 3 has no output buffers; call MediaManager.deinit(), then SetOutBufs(3, buf_num, width, height), then MediaManager.init() first", lambda: a.Create(3, attr()))
expect("chn_not_int", TypeError, "Start: chn must be an int, not str", lambda: a.Start("1"))
# GetStream / SendFrame: a first argument that is no StreamData / frame is the channel.
expect("get_chn_not_int", TypeError, "GetStream: chn must be an int, not str", lambda: a.GetStream("0", StreamData()))
expect("send_chn_not_int", TypeError, "SendFrame: chn must be an int, not float", lambda: a.SendFrame(1.0, k_video_frame_info()))
expect("chn_read_only", AttributeError, "", lambda: setattr(a, "chn", 2))

# Implicit Create, then the documented calls on encoder.chn; keywords of both shapes.
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, a.chn))
print("link", link.src, link.dst)
a.Start(a.chn)
sensor.run()
sd = StreamData()
assert a.GetStream(a.chn, sd) == 0
a.ReleaseStream(a.chn, sd)
assert a.GetStream(sd, timeout=2000) == 0
a.ReleaseStream(sd)
assert a.GetStream(chn=a.chn, streamData=sd, timeout=2000) == 0
a.ReleaseStream(sd)
print("destroy", link.destroy(), link.destroy(), link)
a.Stop()
a.Destroy(a.chn)
print("a.chn after Destroy(chn)", a.chn)
expect("after_destroy", ValueError, "Stop: no channel requested yet", lambda: a.Stop())

# SendFrame in both shapes, with and without the timeout keyword.
b.Start()
for send in (lambda f: b.SendFrame(f), lambda f: b.SendFrame(f, timeout=1000), lambda f: b.SendFrame(b.chn, f), lambda f: b.SendFrame(b.chn, f, 1000)):
    assert send(snap_frame()) == 0
    assert b.GetStream(sd, 2000) == 0
    b.ReleaseStream(sd)
sensor.stop()
b.Stop()

b.Destroy()

# An Encoder that is collected gives its requested channel back (made in a function, so that
# no reference to it is left on the stack the GC scans).
def make_and_forget():
    e = Encoder()
    e.SetOutBufs(4, 320, 240)
    e.Create(attr())
    e.Start()
    return e.chn
print("forgotten", make_and_forget())
for _ in range(3):
    gc.collect()
c = Encoder()
c.SetOutBufs(4, 320, 240)
c.Create(attr())
print("c.chn", c.chn)
c.Destroy()
byname.Destroy(0)
MediaManager.deinit()
print("DONE")
"""


def test_both_shapes_on_one_module(tmp_path):
    out = checked(run_mpy(MIXED, tmp_path, env=SYNTHETIC))
    assert "byname.chn -1\na.chn -1\na.chn 1 b.chn 2\n" in out
    for name in ("start_without_channel", "get_without_channel", "create_twice",
                 "explicit_create_needs_its_bufs", "chn_not_int", "get_chn_not_int", "send_chn_not_int", "chn_read_only", "after_destroy"):
        assert f"ERR {name} OK" in out, out
    assert "link (6, 0, 0) (9, 0, 1)" in out
    assert "destroy True True <media link, unbound>" in out
    assert "a.chn after Destroy(chn) -1" in out
    assert "forgotten 1\n" in out and "c.chn 1\n" in out, "the collected Encoder gave channel 1 back"
    assert out.rstrip().endswith("DONE"), out


# ---- 4. the IDE preview holds a channel ------------------------------------------------------

IDE = r"""
from media.vencoder import *
import _k230sim
p = _k230sim.ide_preview()
print("preview", p)
attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)
e = Encoder()
e.SetOutBufs(p, 4, 320, 240)
try:
    e.Create(p, attr)
    print("no error")
except OSError as err:
    print("explicit", err.args[0] & 0xffffffff == 0xa0098004, err.args[1])
i = Encoder()
i.SetOutBufs(4, 320, 240)
i.Create(attr)
print("implicit", i.chn, i.chn != p)
i.Destroy()
print("off", _k230sim.ide_preview(False))
e.Create(p, attr)
print("explicit after", p)
e.Destroy(p)
print("on", _k230sim.ide_preview(True) == p)
"""


def test_the_ide_preview_channel(tmp_path):
    out = checked(run_mpy(IDE, tmp_path, env={**SYNTHETIC, "K230_SIM_IDE_PREVIEW": "1"}))
    m = re.search(r"^preview (\d)$", out, re.M)
    assert m, out
    p = int(m.group(1))
    # The older firmware's fixed channel 3, or the one the 2025 MPP hands out first.
    assert p in (0, 3), out
    assert "explicit True kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)" in out
    assert re.search(r"^implicit \d True$", out, re.M), out
    assert "off None" in out and f"explicit after {p}" in out and "on True" in out
    # The firmware's teardown stops it at exit (run_mpy checks that nothing is left live).


def test_the_ide_preview_is_off_by_default(tmp_path):
    out = checked(run_mpy("import _k230sim\nprint(_k230sim.ide_preview())\n", tmp_path))
    assert out.strip() == "None"


# ---- 5. header delivery: both simulator policies, and CanMV's own MP4 writer ------------------

HEADER_FRAMES = 12
PICTURE_TYPES = (1, 2)  # STREAM_TYPE_P, STREAM_TYPE_I


def vendor_mp4_samples(results):
    """The samples CanMV's Mp4Container.Process writes (neighbours facts 3.5), re-implemented:
    the first two GetStream results concatenated into one sample, then the last pack of each
    later GetStream. Each result is a list of (stream_type, bytes)."""
    samples = [[p for r in results[:2] for p in r]]
    samples += [[r[-1]] for r in results[2:]]
    return samples


@pytest.mark.parametrize("policy", ["with-idr", "first-separate"])
def test_header_delivery_policies(tmp_path, policy):
    out = tmp_path / "h.264"
    src = venc_script([Chn(0, "h264", 320, 240, out, attrs={"gopLen": 5})], HEADER_FRAMES)
    stdout = checked(run_mpy(src, tmp_path, env={**SYNTHETIC, "K230_SIM_HEADER": policy}))
    frames = attach(parse_log(stdout, pictures=False)[0], out.read_bytes())
    results = [list(zip(f.types, f.data)) for f in frames]
    first = [t for t, _ in results[0]]
    assert first == ([3, 2] if policy == "with-idr" else [3]), first
    # Counting pictures, not GetStream results, holds under both.
    pictures = sum(1 for r in results for t, _ in r if t in PICTURE_TYPES)
    assert pictures == sum(1 for f in frames if f.types[-1] in PICTURE_TYPES)
    # The vendor's writer makes one picture a sample only when the first header comes alone.
    per_sample = [sum(1 for t, _ in s if t in PICTURE_TYPES) for s in vendor_mp4_samples(results)]
    if policy == "first-separate":
        assert per_sample == [1] * len(per_sample), per_sample
    else:
        assert per_sample[0] == 2, "the IDR and the next P in one sample"
