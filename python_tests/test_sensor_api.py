"""The simulator's media.sensor covers the Sensor API recording scripts use (CanMV's 2025-2026
generation): constructor arguments and their errors, the framesize constants, three channels
with their own size and pixel format, mirror / flip applied to the picture, run / stop and their
errors, snapshot as an image or (dump_frame=True) as a _media.py_video_frame_info, and those
frame objects sent to H.264 and H.265 encoder channels as they are, the streams decoded."""

import pytest
import numpy as np

from conftest import checked, run_mpy
from streamcheck.compare import PsnrAcc, compare_with_source
from streamcheck.decode import decode_file
from streamcheck.packs import check_packs
from streamcheck.run import libav, run_libav  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m
from streamcheck.script import HEAD, attach, parse_log

PRELUDE = r"""
from media.sensor import *
from media.media import *
from media.vencoder import *
from _media import py_video_frame_info, py_video_frame
import uctypes, _k230sim

def expect(exc, text, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        assert text in str(e), (text, str(e))
        return e
    raise AssertionError("no %s (%s) from %r" % (exc.__name__, text, fn))
"""


def run_ok(body, tmp_path, marker):
    out = checked(run_mpy(PRELUDE + body + f"\nprint({marker!r})\n", tmp_path))
    assert out.rstrip().endswith(marker), out
    return out


def test_constructor_arguments_and_errors(mpy, tmp_path):
    out = run_ok(r"""
assert (Sensor.RGB565, Sensor.RGB888, Sensor.RGBP888, Sensor.YUV420SP, Sensor.GRAYSCALE) == (2, 3, 46, 31, 303)
assert (CAM_CHN_ID_0, CAM_CHN_ID_1, CAM_CHN_ID_2, CAM_CHN_ID_MAX) == (0, 1, 2, 3)
expect(AssertionError, "invalid sensor id 3", Sensor, id=3)
expect(AssertionError, "invalid sensor id -1", Sensor, id=-1)
expect(TypeError, "id must be an int, not str", Sensor, id="0")
expect(TypeError, "", Sensor, 0)                  # keyword arguments only, as on the board
expect(ValueError, "fps must be in 1..120 (got 0)", Sensor, fps=0)
expect(ValueError, "width must be in 64..4096 (got 5000)", Sensor, width=5000)
expect(TypeError, "height must be an int, not str", Sensor, height="720")
expect(TypeError, "type must be an int", Sensor, type="gc2093")
expect(ValueError, "database_parse_mode must be Sensor.DATABASE_PARSE_XML_JSON (0) or", Sensor, database_parse_mode=7)
assert [_k230sim.vicap_owner(d) for d in range(3)] == [0, 0, 0]   # refused: nothing taken

s1 = Sensor(id=1, type=5, width=1280, height=720, fps=30, force=False,
            database_parse_mode=Sensor.DATABASE_PARSE_BIN)
e = expect(OSError, "sensor(1) is already inited.", Sensor, id=1)
assert e.args == ("sensor(1) is already inited.",)
s1b = Sensor(id=1, force=True)                    # force takes the busy device
s0 = Sensor(unknown_arg=1)                        # ignored, with a warning
for name, args in (("set_framesize", (Sensor.VGA,)), ("set_pixformat", (Sensor.YUV420SP,)),
                   ("get_pixformat", ()), ("set_hmirror", (True,)), ("set_vflip", (True,)),
                   ("get_hmirror", ()), ("get_vflip", ()), ("width", ()), ("height", ()),
                   ("get_framesize", ()), ("get_type", ()), ("bind_info", ()), ("run", ()),
                   ("stop", ()), ("snapshot", ())):
    expect(AssertionError, "should call reset() first", getattr(s0, name), *args)
assert (s0.width(None), s0.height(None)) == (1920, 1080)   # the sensor's own size
assert (s1.width(None), s1.height(None)) == (1280, 720)
s0.reset()
s1.reset()
assert (s0.get_type(), s1.get_type()) == (0, 5)
assert (s0.get_hmirror(), s0.get_vflip()) == (False, False)

# stop() without run(): a warning, and the device is free for a new Sensor.
s0.stop()
expect(AssertionError, "should call reset() first", s0.run)
s0 = Sensor()
s0.reset()
s0.set_framesize(Sensor.QVGA)
s0.set_pixformat(Sensor.YUV420SP)
s0.run()
s0.run()                                          # a second run() does nothing
# Sensor() runs at 60 fps: the second frame is 1/60 s after the first.
assert [s0.snapshot(dump_frame=True).v_frame.pts for _ in range(3)] == [0, 16666, 33333]
assert _k230sim.stats()["vicap_running"] == 1
Sensor.deinit()                                   # stops every sensor, frees every device
assert _k230sim.stats()["vicap_running"] == 0
assert [_k230sim.vicap_owner(d) for d in range(3)] == [0, 0, 0]
Sensor(id=1)
""", tmp_path, "CTOR OK")
    assert "warning: Sensor() ignores the unknown argument unknown_arg" in out
    assert "warning: sensor not call run()" in out


# Sensor.<name>: (value, width, height), as CanMV defines them.
FRAME_SIZES = {
    "QQCIF": (0, 88, 72), "QCIF": (1, 176, 144), "CIF": (2, 352, 288), "QSIF": (3, 176, 120),
    "SIF": (4, 352, 240), "QQVGA": (5, 160, 120), "QVGA": (6, 320, 240), "VGA": (7, 640, 480),
    "HQQVGA": (8, 120, 80), "HQVGA": (9, 240, 160), "HVGA": (10, 480, 320), "B64X64": (11, 64, 64),
    "B128X64": (12, 128, 64), "B128X128": (13, 128, 128), "B160X160": (14, 160, 160),
    "B320X320": (15, 320, 320), "QQVGA2": (16, 128, 160), "WVGA": (17, 720, 480),
    "WVGA2": (18, 752, 480), "SVGA": (19, 800, 600), "XGA": (20, 1024, 768), "WXGA": (21, 1280, 768),
    "SXGA": (22, 1280, 1024), "SXGAM": (23, 1280, 960), "UXGA": (24, 1600, 1200), "HD": (25, 1280, 720),
    "FHD": (26, 1920, 1080), "QHD": (27, 2560, 1440), "QXGA": (28, 2048, 1536),
    "WQXGA": (29, 2560, 1600), "WQXGA2": (30, 2592, 1944),
}


def test_every_framesize_constant_gives_its_size(mpy, tmp_path):
    names = list(FRAME_SIZES)
    out = run_ok(f"""
s = Sensor(width=2592, height=1944)
s.reset()
for name in {names!r}:
    s.set_framesize(getattr(Sensor, name), chn=CAM_CHN_ID_1)
    print("SIZE", name, getattr(Sensor, name), s.width(CAM_CHN_ID_1), s.height(CAM_CHN_ID_1))
assert s.get_framesize(CAM_CHN_ID_1) == (2592, 1944)
assert Sensor.FRAME_SIZE_INVAILD == 31
expect(AssertionError, "invalid width 0, should be 64 - 2592", s.set_framesize, Sensor.FRAME_SIZE_INVAILD)
expect(AssertionError, "invalid width 0", s.set_framesize, 99)
expect(AssertionError, "invalid width 0", s.set_framesize)    # no size at all
""", tmp_path, "SIZES OK")
    got = {}
    for line in out.splitlines():
        if line.startswith("SIZE "):
            _, name, value, w, h = line.split()
            got[name] = (int(value), int(w), int(h))
    # Widths are rounded up to a multiple of 16, with a warning; heights are kept.
    want = {n: (v, -(-w // 16) * 16, h) for n, (v, w, h) in FRAME_SIZES.items()}
    assert got == want
    assert "Warning: sensor(0) chn(1) set_framesize: width aligned up to 96" in out   # QQCIF 88
    assert "please use width() and height()" in out


def test_set_framesize_set_pixformat_and_run_rules(mpy, tmp_path):
    run_ok(r"""
s = Sensor(width=1280, height=720)
s.reset()
s.set_framesize(width=100, height=80)
assert (s.width(), s.height()) == (112, 80)
s.set_framesize(w=320, h=240, chn=CAM_CHN_ID_2, alignment=12)
assert (s.width(CAM_CHN_ID_2), s.height(CAM_CHN_ID_2)) == (320, 240)
expect(AssertionError, "invalid width 1296, should be 64 - 1280", s.set_framesize, width=1290, height=720)
expect(AssertionError, "invalid height 63, should be 64 - 720", s.set_framesize, width=64, height=63)
expect(AssertionError, "invalid height 721", s.set_framesize, width=64, height=721)
expect(AssertionError, "invalid chn id 3, should be 0 - 2", s.set_framesize, Sensor.QVGA, chn=3)
expect(TypeError, "chn must be an int, not str", s.set_framesize, Sensor.QVGA, chn="1")
expect(ValueError, "needs both width and height", s.set_framesize, width=320)
expect(TypeError, "framesize must be an int", s.set_framesize, "VGA")
expect(ValueError, "alignment must be 0 or more (got -1)", s.set_framesize, Sensor.VGA, alignment=-1)
s.set_framesize(Sensor.VGA, crop=True)
s.set_framesize(Sensor.VGA, crop=(0, 0, 640, 480))
expect(AssertionError, "crop (0, 0, 100, 100) must hold the 640x480 output and lie inside the 1280x720 sensor",
       s.set_framesize, Sensor.VGA, crop=(0, 0, 100, 100))
expect(AssertionError, "lie inside", s.set_framesize, Sensor.VGA, crop=(700, 0, 640, 480))
expect(TypeError, "crop must be None, True or a tuple (x, y, w, h)", s.set_framesize, Sensor.VGA, crop="centre")
expect(ValueError, "pix_format must be Sensor.RGB565 (2), Sensor.RGB888 (3), Sensor.RGBP888 (46), "
       "Sensor.YUV420SP (31) or Sensor.GRAYSCALE (303) (got 30)", s.set_pixformat, 30)
expect(AssertionError, "invalid chn id 3", s.set_pixformat, Sensor.RGB888, chn=3)
expect(AssertionError, "invalid chn id 3", s.bind_info, chn=3)
expect(AssertionError, "invalid chn id 3", s.snapshot, chn=3)
expect(AssertionError, "invalid chn id -1", s.width, -1)

# run(): every channel touched needs both a size and a format.
s.set_pixformat(Sensor.YUV420SP)
expect(RuntimeError, "sensor(0) chn(2) pixel format not set before run", s.run)
s.set_pixformat(Sensor.RGB888, chn=CAM_CHN_ID_2)
s.set_pixformat(Sensor.YUV420SP, chn=CAM_CHN_ID_1)
expect(RuntimeError, "sensor(0) chn(1) frame size not set before run", s.run)
assert _k230sim.stats()["vicap_running"] == 0
s.reset()                                         # forgets the channels
expect(RuntimeError, "sensor(0) run error, no channel enabled", s.run)
s.set_framesize(Sensor.QVGA)
s.set_pixformat(Sensor.YUV420SP)
expect(RuntimeError, "sensor(0) snapshot chn(0) failed(0xa0158010)", s.snapshot)   # not running
s.run()
expect(RuntimeError, "sensor(0) snapshot chn(1) failed(0xa0158007)", s.snapshot, chn=CAM_CHN_ID_1)
expect(RuntimeError, "sensor(0) chn(0) set_framesize: the sensor is running", s.set_framesize, Sensor.VGA)
expect(RuntimeError, "sensor(0) chn(0) set_pixformat: the sensor is running", s.set_pixformat, Sensor.RGB888)
expect(TypeError, "timeout must be an int", s.snapshot, timeout=None)
expect(NotImplementedError, "skip_frames", s.skip_frames, 10)
assert s.bind_info(x=8, y=16) == {"src": (CAMERA_MOD_ID, 0, 0), "rect": (8, 16, 320, 240),
                                  "pix_format": Sensor.YUV420SP}
s.stop()
expect(AssertionError, "should call reset() first", s.snapshot)
""", tmp_path, "RULES OK")


def test_channels_have_their_own_size_and_format(mpy, tmp_path):
    # Pixel samples are read in the middle of the test pattern's second colour bar (75 %
    # yellow: Y 162, U 44, V 142; as RGB 192, 191, 1), away from the moving square.
    run_ok(r"""
def px(img, plane, offset, n=1):
    return bytes(uctypes.bytearray_at(img.virtaddr(plane) + offset, n))

s = Sensor(width=1280, height=720)
s.reset()
CHNS = ((640, 480, Sensor.YUV420SP, 2), (320, 240, Sensor.RGB888, 1), (160, 120, Sensor.RGBP888, 3))
for chn, (w, h, fmt, _) in enumerate(CHNS):
    s.set_framesize(width=w, height=h, chn=chn)
    s.set_pixformat(fmt, chn=chn)
g = Sensor(id=1, width=640, height=480)
g.reset()
g.set_framesize(Sensor.QVGA)
g.set_pixformat(Sensor.GRAYSCALE)
g.set_framesize(Sensor.QQVGA, chn=CAM_CHN_ID_1)
g.set_pixformat(Sensor.RGB565, chn=CAM_CHN_ID_1)
# The hardware formats: RGB565 is converted from RGB888, GRAYSCALE is NV12's Y plane.
assert (g.get_pixformat(), g.get_pixformat(CAM_CHN_ID_1)) == (Sensor.YUV420SP, Sensor.RGB888)
assert g.bind_info()["pix_format"] == Sensor.YUV420SP

s.run()                                           # one run() starts both sensors
assert _k230sim.stats()["vicap_running"] == 2
g.run()                                           # already running: nothing to do

img = s.snapshot(chn=CAM_CHN_ID_0)
assert img.size() == 640 * 480 * 3 // 2 and img.phyaddr(1) - img.phyaddr(0) == ALIGN_UP(640 * 480, 4096)
assert px(img, 0, 240 * 640 + 120) == bytes([162])
assert px(img, 1, 120 * 640 + 120, 2) == bytes([44, 142])
img = s.snapshot(chn=CAM_CHN_ID_1)
assert img.size() == 320 * 240 * 3 and img.phyaddr(1) == 0
assert px(img, 0, 3 * (120 * 320 + 60), 3) == bytes([192, 191, 1])
img = s.snapshot(chn=CAM_CHN_ID_2)
assert [img.phyaddr(p) - img.phyaddr(0) for p in range(3)] == [0, 160 * 120, 2 * 160 * 120]
assert [px(img, p, 60 * 160 + 30)[0] for p in range(3)] == [192, 191, 1]

img = g.snapshot()
assert (img.width(), img.height(), img.format(), img.size()) == (320, 240, Sensor.GRAYSCALE, 320 * 240)
assert img.phyaddr(1) == 0 and px(img, 0, 120 * 320 + 60) == bytes([162])
assert g.snapshot(dump_frame=True).v_frame.pixel_format == Sensor.YUV420SP
img = g.snapshot(chn=CAM_CHN_ID_1)
assert (img.width(), img.height(), img.format(), img.size()) == (160, 120, Sensor.RGB565, 160 * 120 * 2)
assert img.phyaddr() == 0
p = px(img, 0, 2 * (60 * 160 + 30), 2)
assert p[0] | p[1] << 8 == (192 >> 3) << 11 | (191 >> 2) << 5 | (1 >> 3)

# Every frame of a channel has the channel's size and format, round the ring and beyond.
pools = set()
for chn, (w, h, fmt, planes) in enumerate(CHNS):
    for k in range(6):
        img = s.snapshot(chn=chn)
        assert (img.width(), img.height(), img.format()) == (w, h, fmt)
        f = s.snapshot(chn=chn, dump_frame=True)
        v = f.v_frame
        assert (v.width, v.height, v.pixel_format) == (w, h, fmt)
        assert [a != 0 for a in v.phys_addr] == [True] * planes + [False] * (3 - planes)
        assert f.pool_id == img.poolid() and f.mod_id == CAMERA_MOD_ID
        pools.add(f.pool_id)
    assert s.bind_info(chn=chn)["rect"] == (0, 0, w, h) and s.get_pixformat(chn) == fmt
assert len(pools) == 3
s.stop()
g.stop()
""", tmp_path, "CHANNELS OK")


W, H = 320, 240


def test_mirror_and_flip_change_the_pixels_from_run_on(mpy, tmp_path):
    run_ok(f"""
W, H = {W}, {H}
def grab(s, name):
    img = s.snapshot()
    for plane, n in ((0, W * H), (1, W * H // 2)):
        with open("%s.%d" % (name, plane), "wb") as f:
            f.write(uctypes.bytearray_at(img.virtaddr(plane), n))

sensors = []
for dev, (hm, vf) in enumerate(((False, False), (True, False), (False, True))):
    s = Sensor(id=dev, width=W, height=H)
    s.reset()
    s.set_framesize(width=W, height=H)
    s.set_pixformat(Sensor.YUV420SP)
    s.set_hmirror(hm)
    s.set_vflip(vf)
    assert (s.get_hmirror(), s.get_vflip()) == (hm, vf)
    sensors.append(s)
sensors[0].run()
for s, name in zip(sensors, ("plain", "mirror", "flip")):
    grab(s, name + "0")
# Set while running: the picture changes only when the sensor runs again.
sensors[1].set_vflip(True)
assert sensors[1].get_vflip()
grab(sensors[0], "plain1")
grab(sensors[1], "mirror1")
sensors[1].stop()
s = Sensor(id=1, width=W, height=H)
s.reset()
s.set_framesize(width=W, height=H)
s.set_pixformat(Sensor.YUV420SP)
s.set_hmirror(1)
s.set_vflip(1)
s.run()
grab(s, "both0")
Sensor.deinit()
""", tmp_path, "MIRROR OK")

    def frame(name):
        y = np.fromfile(tmp_path / f"{name}.0", dtype=np.uint8).reshape(H, W)
        uv = np.fromfile(tmp_path / f"{name}.1", dtype=np.uint8).reshape(H // 2, W // 2, 2)
        return y, uv

    def mirrored(f):   # columns reversed; a chroma U, V pair stays a pair
        return f[0][:, ::-1], f[1][:, ::-1]

    def flipped(f):
        return f[0][::-1], f[1][::-1]

    def same(a, b):
        return all(np.array_equal(p, q) for p, q in zip(a, b))

    plain0, plain1 = frame("plain0"), frame("plain1")
    assert not same(plain0, mirrored(plain0)) and not same(plain0, flipped(plain0))
    assert same(frame("mirror0"), mirrored(plain0))
    assert same(frame("flip0"), flipped(plain0))
    assert same(frame("mirror1"), mirrored(plain1))           # vflip set while running: not yet
    assert same(frame("both0"), flipped(mirrored(plain0)))


def test_dump_frame_objects(mpy, tmp_path):
    out = run_ok(r"""
s = Sensor(width=640, height=480, fps=30)
s.reset()
s.set_framesize(width=320, height=240)
s.set_pixformat(Sensor.YUV420SP)
s.set_framesize(width=320, height=240, chn=CAM_CHN_ID_1)
s.set_pixformat(Sensor.RGB888, chn=CAM_CHN_ID_1)
s.run()
f = s.snapshot(dump_frame=True)
print(f)
assert isinstance(f, py_video_frame_info) and f.mod_id == CAMERA_MOD_ID
v = f.v_frame
assert v is f.v_frame and isinstance(v, py_video_frame)
print(v)
assert (v.width, v.height, v.pixel_format, v.pts) == (320, 240, Sensor.YUV420SP, 0)
assert len(v.phys_addr) == 3 and len(v.virt_addr) == 3 and v.phys_addr[2] == v.virt_addr[2] == 0
assert v.phys_addr[0] % 4096 == 0
assert v.phys_addr[1] - v.phys_addr[0] == v.virt_addr[1] - v.virt_addr[0] == ALIGN_UP(320 * 240, 4096)
img = s.snapshot()
assert img.poolid() == f.pool_id and img.phyaddr() != v.phys_addr[0]   # the next ring block
assert s.snapshot(dump_frame=True).v_frame.pts == 2 * 1000000 // 30

# The buffer: the 224 bytes of k_video_frame_info, the same fields as the uctypes struct.
raw = bytes(f)
assert len(raw) == 224 and bytes(v) == raw[:216] and len(bytes(v)) == 216
k = k_video_frame_info()
uctypes.bytearray_at(uctypes.addressof(k), 224)[:] = raw
assert (k.v_frame.width, k.v_frame.height, k.v_frame.pixel_format) == (320, 240, Sensor.YUV420SP)
assert (k.pool_id, k.mod_id, k.v_frame.phys_addr[1]) == (f.pool_id, f.mod_id, v.phys_addr[1])

# Read only: attributes, the buffer, the lists handed out.
for obj, name in ((f, "mod_id"), (f, "pool_id"), (f, "v_frame"), (v, "width"), (v, "height"),
                  (v, "pixel_format"), (v, "phys_addr"), (v, "virt_addr"), (v, "pts")):
    expect(AttributeError, "is read-only", setattr, obj, name, 1)
def poke(buf):
    buf[0] = 1
expect(TypeError, "", poke, memoryview(f))
v.phys_addr[0] = 0
assert v.phys_addr[0] != 0
expect(AttributeError, "", getattr, f, "nope")

# Construction: exactly 224 bytes of anything with a buffer, copied.
expect(TypeError, "expect size: 224, actual size: 100", py_video_frame_info, bytes(100))
expect(TypeError, "expect size: 224, actual size: 225", py_video_frame_info, bytearray(225))
expect(TypeError, "buffer", py_video_frame_info, 42)
expect(TypeError, "", py_video_frame_info)
expect(TypeError, "", py_video_frame)
b = bytearray(raw)
c = py_video_frame_info(b)
b[0] = 0xff
assert c.v_frame.width == 320 and bytes(py_video_frame_info(k)) == raw == bytes(py_video_frame_info(f))

# Both kinds of frame go to SendFrame; an RGB frame is refused by name.
enc = Encoder()
enc.SetOutBufs(0, 4, 320, 240)
MediaManager.init()
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240))
enc.Start(0)
sd = StreamData()
for frame in (s.snapshot(dump_frame=True), k):
    assert enc.SendFrame(0, frame) == 0
    assert enc.GetStream(0, sd, 1000) == 0 and sd.pack_cnt >= 1
    enc.ReleaseStream(0, sd)
expect(ValueError, "frame_info.v_frame.pixel_format must be", enc.SendFrame, 0,
       s.snapshot(chn=CAM_CHN_ID_1, dump_frame=True))
s.stop()
enc.Stop(0)
enc.Destroy(0)
MediaManager.deinit()
""", tmp_path, "FRAMES OK")
    assert "<py_video_frame_info mod_id 6 pool_id 100 320x240 pixel_format 31>" in out
    assert "<py_video_frame 320x240 pixel_format 31>" in out


# ---- snapshot(dump_frame=True) into SendFrame: real H.264 / H.265 streams -----------------------

SEND_FRAMES, SEND_GOP, SRC_FRAMES = 25, 10, 30


class _Mirrored:
    """A Y4M source as a horizontally mirrored sensor delivers it (for compare_with_source)."""

    def __init__(self, src):
        self.src, self.width, self.height = src, src.width, src.height

    def frame(self, k):
        return tuple(p[:, ::-1] for p in self.src.frame(k))


@pytest.mark.usefixtures("header_with_idr")  # one picture a GetStream
def test_dump_frames_sent_to_h264_and_h265_decode_to_the_sensor_pictures(libav, tmp_path):  # noqa: F811
    src = write_y4m(tmp_path / "scene.y4m", W, H, SRC_FRAMES)
    outs = {c: tmp_path / f"chn{c}.{codec}" for c, codec in ((0, "h264"), (1, "h265"), (2, "h264"))}
    script = HEAD + f"""
W, H, GOP = {W}, {H}, {SEND_GOP}
sensor = Sensor(width=W, height=H, fps=30)
sensor.reset()
for c in (CAM_CHN_ID_0, CAM_CHN_ID_1):
    sensor.set_framesize(width=W, height=H, chn=c)
    sensor.set_pixformat(Sensor.YUV420SP, chn=c)
mirrored = Sensor(id=CAM_DEV_ID_1, width=W, height=H, fps=30)
mirrored.reset()
mirrored.set_framesize(width=W, height=H)
mirrored.set_pixformat(Sensor.YUV420SP)
mirrored.set_hmirror(True)
enc = Encoder()
for c in (0, 1, 2):
    enc.SetOutBufs(c, 4, W, H)
MediaManager.init()
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, W, H, gopLen=GOP))
enc.Create(1, ChnAttrStr(Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN, W, H, gopLen=GOP))
enc.Create(2, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, W, H, gopLen=GOP))
for c in (0, 1, 2):
    enc.Start(c)
sensor.run()
files = {{c: open(p, "wb") for c, p in {{0: {str(outs[0])!r}, 1: {str(outs[1])!r}, 2: {str(outs[2])!r}}}.items()}}
sd = StreamData()
for i in range({SEND_FRAMES}):
    for c, s, sc in ((0, sensor, CAM_CHN_ID_0), (1, sensor, CAM_CHN_ID_1), (2, mirrored, CAM_CHN_ID_0)):
        assert enc.SendFrame(c, s.snapshot(chn=sc, dump_frame=True)) == 0
        assert enc.GetStream(c, sd) == 0
        log(c, sd, files[c])
        enc.ReleaseStream(c, sd)
for f in files.values():
    f.close()
sensor.stop()
mirrored.stop()
for c in (0, 1, 2):
    enc.Stop(c)
    enc.Destroy(c)
MediaManager.deinit()
print('DONE')
"""
    stdout = run_libav(script, tmp_path, env={"K230_SIM_Y4M": str(src.path)})
    logged = parse_log(stdout)
    for c, codec, source in ((0, "h264", src), (1, "h265", src), (2, "h264", _Mirrored(src))):
        out = outs[c]
        frames = attach(logged[c], out.read_bytes())
        assert len(frames) == SEND_FRAMES
        slices = check_packs(codec, frames, SEND_GOP)
        assert [f.pts for f in frames] == [i * 1000000 // 30 for i in range(SEND_FRAMES)]
        acc, other = PsnrAcc(), PsnrAcc()
        opposite = _Mirrored(src) if source is src else src

        def on_frame(i, frame):
            compare_with_source(source, frame, i, acc)
            compare_with_source(opposite, frame, i, other)

        info = decode_file(out, codec, on_frame)
        assert not info.errors, info.errors
        assert (info.count, info.width, info.height) == (SEND_FRAMES, W, H)
        assert info.pict_types == slices
        # Each decoded picture is the sensor picture of its frame: the source frame, mirrored
        # for the mirrored sensor (and then clearly not the unmirrored one).
        assert acc.worst("Y") >= 30 and acc.worst("U") >= 30, (c, acc.summary())
        assert other.mean("Y") < 25, (c, other.summary())
