"""Helpers for the tests that check real encoded streams (the simulator's libav backend).

- Running scripts: `run_libav` runs a MicroPython script with the libav backend selected
  and fails with a clear message if the binary does not have it; `venc_script` builds the
  scripts (sensor bound to the encoder, or snapshots sent with SendFrame) that write one
  file per channel and print one compact line per GetStream.
- Sources: `scene` renders a deterministic, camera-like YUV 4:2:0 picture sequence (smooth
  moving gradients, coloured shapes, mild texture); `write_y4m` / `Y4M` write and read it as
  the Y4M file the simulated sensor plays (`K230_SIM_Y4M`).
- Bitstreams: Annex-B NAL parsing with an exp-Golomb reader (H.264 SPS / PPS / slice header,
  H.265 SPS profile / PPS / slice header), pack bookkeeping from the script's log.
- Decoding: PyAV (FFmpeg), one frame at a time, bitstream errors raised (err_detect=explode)
  and error log lines collected; PSNR per plane.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import av
import av.logging
import numpy as np
import pytest

from conftest import MPY, checked, run_mpy, split_nals

# ---- running scripts on the simulator with the libav backend --------------------------------

BACKEND_ENV = {"K230_SIM_BACKEND": "libav"}
VENC_PACK_CNT_MAX = 12
STREAM_TYPE_HEADER, STREAM_TYPE_I, STREAM_TYPE_P = 3, 2, 1

NO_LIBAV = (
    "{mpy} has no libav codec backend (_k230sim.backend() with K230_SIM_BACKEND=libav "
    "reports {got!r}); these tests check real H.264/H.265/JPEG streams and need the "
    "simulator built with its libavcodec backend (make micropython)"
)


def require_libav(cwd):
    """Fails the calling test unless the built MicroPython selects the libav backend."""
    if not MPY.exists():
        pytest.fail(f"{MPY} is missing: run `make micropython` (make test does)")
    proc = run_mpy("import _k230sim\nprint('BACKEND', _k230sim.backend())\n", cwd, timeout=60, env=BACKEND_ENV)
    m = re.search(r"^BACKEND (\S+)", proc.stdout, re.M)
    got = m.group(1) if m else f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    if got != "libav":
        pytest.fail(NO_LIBAV.format(mpy=MPY, got=got))


def run_libav(source, cwd, env=None, timeout=900):
    """Runs `source` with the libav backend (plus `env`), checks a clean exit and that the
    script saw the libav backend; returns stdout."""
    full = dict(BACKEND_ENV)
    if env:
        full.update(env)
    out = checked(run_mpy(source, cwd, timeout=timeout, env=full))
    m = re.search(r"^BACKEND (\S+)", out, re.M)
    if m and m.group(1) != "libav":
        pytest.fail(NO_LIBAV.format(mpy=MPY, got=m.group(1)))
    if "print('DONE')" in source:
        assert re.search(r"^DONE$", out, re.M), f"the script did not finish:\n{out[-3000:]}"
    return out


# ---- the scripts ----------------------------------------------------------------------------

PAYLOADS = {
    "h264": ("Encoder.PAYLOAD_TYPE_H264", "Encoder.H264_PROFILE_MAIN"),
    "h265": ("Encoder.PAYLOAD_TYPE_H265", "Encoder.H265_PROFILE_MAIN"),
    "jpeg": ("Encoder.PAYLOAD_TYPE_JPEG", "0"),
}
H264_PROFILES = {"baseline": "Encoder.H264_PROFILE_BASELINE", "main": "Encoder.H264_PROFILE_MAIN",
                 "high": "Encoder.H264_PROFILE_HIGH"}


@dataclass
class Chn:
    """One encoder channel of a generated script."""
    chn: int
    codec: str                      # h264 / h265 / jpeg
    width: int
    height: int
    out: Path
    attrs: dict = field(default_factory=dict)   # further ChnAttrStr keyword arguments
    profile: str = None             # H.264: baseline / main / high (default main)
    sensor_chn: int = None          # sensor channel bound to / snapshotted for it (default chn)
    buf_num: int = 8


HEAD = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import os, _k230sim
print("BACKEND", _k230sim.backend())

def log(chn, sd, fo):
    parts = []
    for k in range(sd.pack_cnt):
        fo.write(uctypes.bytearray_at(sd.data[k], sd.data_size[k]))
        parts.append("%d:%d:%d" % (sd.stream_type[k], sd.data_size[k], sd.pts[k]))
    print("F", chn, sd.pack_cnt, " ".join(parts))
"""


def venc_script(chns, frames, mode="bind", uv_offset="ALIGN_UP(W * H, 4096)", send_pts=True):
    """Script text: sensor 0 (one sensor channel per encoder channel, at its size) and the
    given encoder channels, each writing `Chn.out`.

    mode "bind": each sensor channel is linked to its encoder; `frames` GetStream calls per
    channel, round robin. mode "send" (one channel): `frames` snapshots sent with SendFrame
    as the manual's Example 2 does, UV plane at `uv_offset` (an expression of W and H) from
    the Y plane, pts i * 1000000 // 30 when `send_pts`; every stream ready after a send is
    fetched (GetStream timeout 0), then the rest (timeout 300 ms) until none is left.

    Prints: "BACKEND <name>", one "F <chn> <pack_cnt> <type>:<size>:<pts> ..." per
    GetStream, "SENT <n> <nonzero SendFrame codes>" in send mode, "DONE" at the end.
    """
    assert mode in ("bind", "send")
    assert mode == "bind" or len(chns) == 1
    max_w = max(max(c.width for c in chns), 1920)
    max_h = max(max(c.height for c in chns), 1080)
    s = [HEAD]
    s.append(f"sensor = Sensor(width={max_w}, height={max_h})\nsensor.reset()\nenc = Encoder()\nlinks = []\n")
    for c in chns:
        sc = c.chn if c.sensor_chn is None else c.sensor_chn
        s.append(
            f"sensor.set_framesize(width={c.width}, height={c.height}, chn={sc})\n"
            f"sensor.set_pixformat(Sensor.YUV420SP, chn={sc})\n"
            f"enc.SetOutBufs({c.chn}, {c.buf_num}, {c.width}, {c.height})\n"
        )
        if mode == "bind":
            s.append(f"links.append(MediaManager.link(sensor.bind_info(chn={sc})['src'], "
                     f"(VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, {c.chn})))\n")
    s.append("MediaManager.init()\nfiles = {}\n")
    for c in chns:
        payload, profile = PAYLOADS[c.codec]
        if c.profile is not None:
            profile = H264_PROFILES[c.profile]
        kw = "".join(f", {k}={v!r}" for k, v in c.attrs.items())
        s.append(
            f"enc.Create({c.chn}, ChnAttrStr({payload}, {profile}, {c.width}, {c.height}{kw}))\n"
            f"enc.Start({c.chn})\n"
            f"files[{c.chn}] = open({str(c.out)!r}, 'wb')\n"
        )
    s.append("sensor.run()\nsd = StreamData()\n")
    if mode == "bind":
        ids = [c.chn for c in chns]
        s.append(
            f"for i in range({frames}):\n"
            f"    for chn in {ids!r}:\n"
            f"        assert enc.GetStream(chn, sd) == 0\n"
            f"        log(chn, sd, files[chn])\n"
            f"        enc.ReleaseStream(chn, sd)\n"
        )
    else:
        c = chns[0]
        sc = c.chn if c.sensor_chn is None else c.sensor_chn
        s.append(
            f"CHN = {c.chn}\nW = {c.width}\nH = {c.height}\nUV_OFF = {uv_offset}\n"
            "fi = k_video_frame_info()\nbad = []\nsent = 0\n"
            f"for i in range({frames}):\n"
            f"    img = sensor.snapshot(chn={sc})\n"
            "    assert img != -1\n"
            "    assert img.width() == W and img.height() == H\n"
            "    fi.v_frame.width = W\n"
            "    fi.v_frame.height = H\n"
            "    fi.v_frame.pixel_format = Sensor.YUV420SP\n"
            "    fi.pool_id = img.poolid()\n"
            "    fi.v_frame.phys_addr[0] = img.phyaddr()\n"
            "    fi.v_frame.phys_addr[1] = img.phyaddr() + UV_OFF\n"
            + ("    fi.v_frame.pts = i * 1000000 // 30\n" if send_pts else "")
            + "    rc = enc.SendFrame(CHN, fi)\n"
            "    sent += 1\n"
            "    if rc:\n"
            "        bad.append(rc)\n"
            "    while enc.GetStream(CHN, sd, 0) == 0:\n"
            "        log(CHN, sd, files[CHN])\n"
            "        enc.ReleaseStream(CHN, sd)\n"
            "while enc.GetStream(CHN, sd, 300) == 0:\n"
            "    log(CHN, sd, files[CHN])\n"
            "    enc.ReleaseStream(CHN, sd)\n"
            "print('SENT', sent, ' '.join('%x' % b for b in bad))\n"
        )
    s.append("for f in files.values():\n    f.close()\nsensor.stop()\n"
             "while links:\n    links.pop()\n")
    for c in chns:
        s.append(f"enc.Stop({c.chn})\nenc.Destroy({c.chn})\n")
    s.append("MediaManager.deinit()\nprint('DONE')\n")
    return "".join(s)


@dataclass
class Frame:
    """One GetStream as the script logged it: its packs' (type, size, pts) and bytes."""
    packs: list            # [(stream_type, size, pts)]
    data: list = None      # [bytes] per pack, filled by `attach`

    @property
    def types(self):
        return [p[0] for p in self.packs]

    @property
    def pts(self):
        return self.packs[0][2]

    @property
    def size(self):
        return sum(p[1] for p in self.packs)


def parse_log(stdout):
    """{chn: [Frame]} from the script's "F" lines."""
    out = {}
    for line in stdout.splitlines():
        if not line.startswith("F "):
            continue
        f = line.split()
        chn, cnt = int(f[1]), int(f[2])
        packs = [tuple(int(v) for v in p.split(":")) for p in f[3:]]
        assert len(packs) == cnt, line
        out.setdefault(chn, []).append(Frame(packs))
    return out


def attach(frames, data):
    """Cuts the file's bytes into the logged packs (checks that the sizes add up)."""
    pos = 0
    for fr in frames:
        fr.data = []
        for _, size, _ in fr.packs:
            fr.data.append(data[pos:pos + size])
            pos += size
    assert pos == len(data), f"packs add up to {pos} bytes, the file has {len(data)}"
    return frames


def sent_count(stdout):
    """(frames sent, [nonzero SendFrame codes]) of a send-mode script."""
    m = re.search(r"^SENT (\d+) ?(.*)$", stdout, re.M)
    assert m, stdout[-2000:]
    return int(m.group(1)), m.group(2).split()


# ---- the source: a camera-like scene, as Y4M --------------------------------------------------

@lru_cache(maxsize=8)
def _grids(w, h, sub):
    """Sample positions in luma pixel units (sub=2: the 4:2:0 chroma sample centres)."""
    off = 0.5 if sub == 2 else 0.0
    ys = np.arange(h // sub, dtype=np.float32)[:, None] * sub + off
    xs = np.arange(w // sub, dtype=np.float32)[None, :] * sub + off
    return xs, ys


@lru_cache(maxsize=4)
def _texture(w, h):
    """A fixed, smooth (box-blurred) noise field, unit standard deviation."""
    rng = np.random.default_rng(230)
    n = rng.standard_normal((h + 8, w + 8)).astype(np.float32)
    c = np.cumsum(np.cumsum(n, axis=0), axis=1)
    c = np.pad(c, ((1, 0), (1, 0)))
    k = 3
    b = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
    b = b[:h, :w]
    return b / b.std()


def _disc(xs, ys, cx, cy, r):
    """Anti-aliased disc coverage (0..1)."""
    d = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    return np.clip(r - d + 0.5, 0.0, 1.0)


def _box(xs, ys, x0, y0, x1, y1):
    """Anti-aliased rectangle coverage (0..1)."""
    ax = np.clip(np.minimum(xs - x0, x1 - xs) + 0.5, 0.0, 1.0)
    ay = np.clip(np.minimum(ys - y0, y1 - ys) + 0.5, 0.0, 1.0)
    return ax * ay


def _shapes(k, w, h):
    """Positions of the moving shapes in frame k (luma pixel units)."""
    t = k / 30.0
    r = min(w, h) * 0.14
    disc = (w * (0.30 + 0.18 * np.sin(2 * np.pi * t / 4.0)), h * (0.50 + 0.22 * np.cos(2 * np.pi * t / 3.0)), r)
    bw, bh = w * 0.16, h * 0.22
    bx = (w * 0.55 + 5.0 * k) % (w - bw)
    by = h * 0.15 + h * 0.1 * np.sin(2 * np.pi * t / 2.5)
    box = (bx, by, bx + bw, by + bh)
    return disc, box


def scene(k, w, h):
    """Frame k of the test scene as (Y, U, V) uint8 planes (4:2:0, Y4M / video range).

    Smooth luma waves drifting across a horizontal ramp, a fine static-camera texture
    drifting 1-2 px per frame, a bright orange disc moving on an ellipse and a blue box
    sliding right; chroma: slow colour waves (period ~400 px horizontally) under the shapes'
    own colours. Deterministic: a pure function of (k, w, h)."""
    t = k / 30.0
    (dcx, dcy, dr), (bx0, by0, bx1, by1) = _shapes(k, w, h)
    xs, ys = _grids(w, h, 1)
    y = (100.0 + 30.0 * xs / w
         + 40.0 * np.sin(2 * np.pi * (xs / w * 1.3 + 0.15 * t)) * np.cos(2 * np.pi * (ys / h * 0.9 - 0.1 * t)))
    tex = _texture(w, h)
    y = y + 7.0 * np.roll(tex, (k % h, (2 * k) % w), axis=(0, 1))
    a = _disc(xs, ys, dcx, dcy, dr)
    y = y * (1 - a) + 190.0 * a
    b = _box(xs, ys, bx0, by0, bx1, by1)
    y = y * (1 - b) + 60.0 * b
    xs, ys = _grids(w, h, 2)
    u = 128.0 + 36.0 * np.sin(2 * np.pi * (xs / 400.0 + 0.2 * t)) + 10.0 * np.cos(2 * np.pi * ys / h)
    v = 128.0 + 30.0 * np.cos(2 * np.pi * (ys / 300.0 - 0.15 * t + xs / 500.0))
    a = _disc(xs, ys, dcx, dcy, dr)
    u = u * (1 - a) + 70.0 * a
    v = v * (1 - a) + 190.0 * a
    b = _box(xs, ys, bx0, by0, bx1, by1)
    u = u * (1 - b) + 200.0 * b
    v = v * (1 - b) + 110.0 * b
    q = lambda p: np.clip(np.rint(p), 16, 240).astype(np.uint8)  # noqa: E731
    return q(y), q(u), q(v)


def write_y4m(path, w, h, n, fps=30, colorspace="C420jpeg"):
    """Writes n frames of `scene` as an 8-bit 4:2:0 Y4M file; returns a `Y4M` reader."""
    cs = f" {colorspace}" if colorspace else ""
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1{cs}\n".encode())
        for k in range(n):
            f.write(b"FRAME\n")
            for p in scene(k, w, h):
                f.write(p.tobytes())
    return Y4M(path)


class Y4M:
    """Random access to the frames of an 8-bit 4:2:0 Y4M file (memory-mapped)."""

    def __init__(self, path):
        self.path = Path(path)
        with open(path, "rb") as f:
            header = f.readline()
        assert header.startswith(b"YUV4MPEG2 "), header
        tags = {t[:1]: t[1:] for t in header.split()[1:]}
        self.width, self.height = int(tags[b"W"]), int(tags[b"H"])
        self.header_len = len(header)
        self.frame_len = self.width * self.height * 3 // 2
        size = self.path.stat().st_size
        self.count = (size - self.header_len) // (6 + self.frame_len)
        assert self.header_len + self.count * (6 + self.frame_len) == size, "frames without FRAME headers"
        self._map = np.memmap(self.path, dtype=np.uint8, mode="r")

    def frame(self, k):
        """(Y, U, V) of frame k mod count (views into the file)."""
        w, h = self.width, self.height
        start = self.header_len + (k % self.count) * (6 + self.frame_len) + 6
        y = self._map[start:start + w * h].reshape(h, w)
        u = self._map[start + w * h:start + w * h * 5 // 4].reshape(h // 2, w // 2)
        v = self._map[start + w * h * 5 // 4:start + self.frame_len].reshape(h // 2, w // 2)
        return y, u, v


# ---- bitstreams ---------------------------------------------------------------------------

def rbsp(nal):
    """The NAL unit's payload with emulation-prevention bytes (00 00 03) removed."""
    out = bytearray()
    zeros = 0
    for b in nal:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


class Bits:
    """MSB-first bit reader with exp-Golomb codes."""

    def __init__(self, data, pos_bits=0):
        self.data = data
        self.pos = pos_bits

    def u(self, n):
        v = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            v = (v << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def ue(self):
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            assert zeros < 32, "bad exp-Golomb code"
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self):
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def h264_nal_type(nal):
    return nal[0] & 0x1F


def h265_nal_type(nal):
    return (nal[0] >> 1) & 0x3F


def h264_sps(nal):
    """profile_idc, constraint flags and level_idc of an H.264 SPS."""
    r = rbsp(nal)
    assert h264_nal_type(r) == 7
    return {"profile_idc": r[1], "constraints": r[2], "level_idc": r[3]}


def h264_pps(nal):
    """pps / sps ids and entropy_coding_mode_flag (1 = CABAC) of an H.264 PPS."""
    r = rbsp(nal)
    assert h264_nal_type(r) == 8
    b = Bits(r, 8)
    pps_id = b.ue()
    sps_id = b.ue()
    return {"pps_id": pps_id, "sps_id": sps_id, "entropy_coding_mode_flag": b.u(1)}


H264_SLICE = {0: "P", 1: "B", 2: "I", 3: "SP", 4: "SI"}


def h264_slice(nal):
    """first_mb_in_slice and slice type letter of an H.264 slice NAL unit."""
    b = Bits(rbsp(nal), 8)
    first_mb = b.ue()
    return first_mb, H264_SLICE[b.ue() % 5]


def h265_sps_profile(nal):
    """general_profile_idc of an H.265 SPS (1 = Main)."""
    r = rbsp(nal)
    assert h265_nal_type(r) == 33
    # 2-byte NAL header; vps id (4), max_sub_layers_minus1 (3), temporal_id_nesting (1);
    # profile_tier_level: profile_space (2), tier (1), profile_idc (5).
    return r[3] & 0x1F


def h265_pps(nal):
    """The PPS fields the slice header parse needs."""
    b = Bits(rbsp(nal), 16)
    pps_id = b.ue()
    b.ue()  # sps id
    dependent = b.u(1)
    b.u(1)  # output_flag_present_flag
    extra = b.u(3)
    return pps_id, {"dependent_slice_segments_enabled_flag": dependent, "num_extra_slice_header_bits": extra}


H265_SLICE = {0: "B", 1: "P", 2: "I"}


def h265_slice(nal, pps):
    """(first_slice_segment_in_pic_flag, slice type letter) of an H.265 slice segment;
    `pps` maps pps ids to `h265_pps` fields."""
    r = rbsp(nal)
    t = h265_nal_type(r)
    b = Bits(r, 16)
    first = b.u(1)
    if 16 <= t <= 23:
        b.u(1)  # no_output_of_prior_pics_flag
    p = pps[b.ue()]
    if not first:
        return first, None  # the type is in the first segment
    b.u(p["num_extra_slice_header_bits"])
    return first, H265_SLICE[b.ue()]


H264_PARAM_SETS = {7, 8}
H265_PARAM_SETS = {32, 33, 34}


def is_vcl(codec, t):
    return 1 <= t <= 5 if codec == "h264" else t <= 31


def is_idr(codec, t):
    return t == 5 if codec == "h264" else t in (19, 20)


def nal_types(codec, data):
    f = h264_nal_type if codec == "h264" else h265_nal_type
    return [f(n) for n in split_nals(data) if n]


# ---- decoding -----------------------------------------------------------------------------

DEMUXERS = {"h264": "h264", "h265": "hevc", "jpeg": "mjpeg"}
DECODERS = {"h264": "h264", "h265": "hevc", "jpeg": "mjpeg"}


@dataclass
class Decoded:
    count: int = 0
    codec: str = None
    profile: str = None
    width: int = 0
    height: int = 0
    has_b_frames: int = 0
    framerate: object = None      # from the stream's timing info (H.264 / H.265 VUI)
    pict_types: list = field(default_factory=list)
    key_frames: list = field(default_factory=list)
    errors: list = field(default_factory=list)


PICT_TYPES = {0: "?", 1: "I", 2: "P", 3: "B", 4: "S", 5: "SI", 6: "SP", 7: "BI"}  # AVPictureType


def _pict_type(frame):
    return PICT_TYPES.get(int(frame.pict_type), str(frame.pict_type))


def decode_file(path, codec, on_frame=None):
    """Decodes a raw stream file one frame at a time (FFmpeg's demuxer + parser, as a player
    would), calling on_frame(index, frame) for each; bitstream errors raise
    (err_detect=explode), error-level log lines are collected in `errors`."""
    info = Decoded()
    av.logging.set_level(av.logging.WARNING)
    with av.logging.Capture(local=False) as logs:
        with av.open(str(path), format=DEMUXERS[codec]) as c:
            stream = c.streams.video[0]
            stream.codec_context.options = {"err_detect": "explode"}
            for frame in c.decode(stream):
                assert not frame.is_corrupt, f"frame {info.count} of {path} decoded as corrupt"
                info.pict_types.append(_pict_type(frame))
                info.key_frames.append(bool(frame.key_frame))
                info.width, info.height = frame.width, frame.height
                if on_frame is not None:
                    on_frame(info.count, frame)
                info.count += 1
            ctx = stream.codec_context
            info.codec = ctx.name
            info.profile = ctx.profile
            info.has_b_frames = ctx.has_b_frames
            info.framerate = ctx.framerate
    info.errors = [f"[{name}] {msg.strip()}" for level, name, msg in logs if level <= av.logging.ERROR]
    return info


def decode_pair(path_a, path_b, codec, on_pair):
    """Decodes two streams in lockstep, one frame of each at a time, calling
    on_pair(index, frame_a, frame_b); returns the two frame counts (errors raise)."""
    av.logging.set_level(av.logging.WARNING)
    counts = [0, 0]
    with av.logging.Capture(local=False) as logs:
        with av.open(str(path_a), format=DEMUXERS[codec]) as ca, av.open(str(path_b), format=DEMUXERS[codec]) as cb:
            sa, sb = ca.streams.video[0], cb.streams.video[0]
            sa.codec_context.options = sb.codec_context.options = {"err_detect": "explode"}
            ia, ib = ca.decode(sa), cb.decode(sb)
            while True:
                fa, fb = next(ia, None), next(ib, None)
                counts[0] += fa is not None
                counts[1] += fb is not None
                if fa is None or fb is None:
                    break
                on_pair(counts[0] - 1, fa, fb)
            counts[0] += sum(1 for _ in ia)
            counts[1] += sum(1 for _ in ib)
    errors = [f"[{name}] {msg.strip()}" for level, name, msg in logs if level <= av.logging.ERROR]
    assert not errors, errors
    return tuple(counts)


def decode_jpeg(data):
    """Decodes one JPEG picture; returns the frame (errors raise, error log lines fail)."""
    av.logging.set_level(av.logging.WARNING)
    with av.logging.Capture(local=False) as logs:
        ctx = av.CodecContext.create("mjpeg", "r")
        ctx.options = {"err_detect": "explode"}
        frames = ctx.decode(av.Packet(data)) + ctx.decode(None)
    errors = [f"[{name}] {msg.strip()}" for level, name, msg in logs if level <= av.logging.ERROR]
    assert not errors, errors
    assert len(frames) == 1, f"{len(frames)} pictures in one JPEG"
    return frames[0]


def planes(frame):
    """(Y, U, V) uint8 arrays of a decoded 8-bit planar YUV frame (no colour conversion:
    the codec's sample values, as the encoder got them)."""
    out = []
    for i, p in enumerate(frame.planes[:3]):
        a = np.frombuffer(p, dtype=np.uint8).reshape(p.height, p.line_size)[:, :p.width]
        out.append(a)
    return tuple(out)


def chroma_420(plane, w, h):
    """A decoded chroma plane brought to 4:2:0 size (JPEG may be 4:2:2 / 4:4:4)."""
    ph, pw = plane.shape
    p = plane.astype(np.float32)
    if ph == h:
        p = (p[0::2] + p[1::2]) / 2
    if pw == w:
        p = (p[:, 0::2] + p[:, 1::2]) / 2
    return p


def mse(a, b):
    d = a.astype(np.float32) - b.astype(np.float32)
    return float(np.mean(d * d))


def psnr_of_mse(m):
    return 99.0 if m <= 1e-10 else 10 * np.log10(255.0 ** 2 / m)


def psnr(a, b):
    return psnr_of_mse(mse(a, b))


class PsnrAcc:
    """Per-plane PSNR of a sequence: per frame, and overall (from the mean MSE)."""

    def __init__(self):
        self.mse = {"Y": [], "U": [], "V": []}

    def add(self, dec, ref):
        for name, d, r in zip("YUV", dec, ref):
            self.mse[name].append(mse(d, r))

    def mean(self, plane):
        return psnr_of_mse(float(np.mean(self.mse[plane])))

    def worst(self, plane):
        return psnr_of_mse(max(self.mse[plane]))

    def summary(self):
        return ", ".join(f"{p} {self.mean(p):.2f} dB (worst frame {self.worst(p):.2f})" for p in "YUV")


def compare_with_source(src, frame, k, acc):
    """Adds decoded `frame` against source frame k of `src` (a Y4M) to `acc`."""
    y, u, v = planes(frame)
    ry, ru, rv = src.frame(k)
    assert y.shape == ry.shape, (y.shape, ry.shape)
    if u.shape != ru.shape:
        u, v = chroma_420(u, src.width, src.height), chroma_420(v, src.width, src.height)
    acc.add((y, u, v), (ry, ru, rv))




# ---- fixtures and batch runs --------------------------------------------------------------

@pytest.fixture(scope="session")
def libav(tmp_path_factory):
    """The libav backend is in the binary (else every test that uses this fails, saying so)."""
    require_libav(tmp_path_factory.mktemp("backend"))


def run_many(jobs, workers=2):
    """Runs [(source, cwd, env)] with `run_libav`, `workers` at a time; returns the stdouts
    in order (the first failure is raised)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futs = [pool.submit(run_libav, src, cwd, env) for src, cwd, env in jobs]
        return [f.result() for f in futs]


# ---- the K230 pack layout -----------------------------------------------------------------

# Besides its one slice, a picture pack may hold SEI and filler data (CBR padding).
EXTRA_TYPES = {"h264": {6, 12}, "h265": {38, 39, 40}}
PARAM_SETS = {"h264": H264_PARAM_SETS, "h265": H265_PARAM_SETS}


def check_packs(codec, frames, gop):
    """Asserts the K230 stream layout of an H.264 / H.265 channel, GetStream by GetStream:
    at most VENC_PACK_CNT_MAX packs, one pts per GetStream; every `gop`-th output frame
    (from 0) is [HEADER, I], the HEADER pack holding only parameter sets (each once: SPS,
    PPS; H.265 also VPS) and the I pack exactly one slice, an IDR I slice; every other
    frame is [P] with exactly one slice, a non-IDR P slice (no B). SEI and filler data
    units may sit next to a slice; nothing else. Returns the picture slice types ('I'/'P' per frame)."""
    name = "H.264" if codec == "h264" else "H.265"
    ntype = h264_nal_type if codec == "h264" else h265_nal_type
    ps_types = PARAM_SETS[codec]
    pps = {}
    slices = []
    for i, fr in enumerate(frames):
        where = f"{name} output frame {i}"
        assert 1 <= len(fr.packs) <= VENC_PACK_CNT_MAX, f"{where}: {len(fr.packs)} packs"
        assert len({p[2] for p in fr.packs}) == 1, f"{where}: packs with different pts {fr.packs}"
        idr = i % gop == 0
        want = [STREAM_TYPE_HEADER, STREAM_TYPE_I] if idr else [STREAM_TYPE_P]
        assert fr.types == want, f"{where}: pack types {fr.types}, expected {want} (gop {gop})"
        pic = fr.data[-1]
        if idr:
            header = [n for n in split_nals(fr.data[0]) if n]
            types = [ntype(n) for n in header]
            assert sorted(types) == sorted(ps_types), \
                f"{where}: HEADER pack NAL unit types {types}, expected only the parameter sets {sorted(ps_types)}"
            for n in header:
                if codec == "h265" and ntype(n) == 34:
                    pid, fields = h265_pps(n)
                    pps[pid] = fields
        nals = [n for n in split_nals(pic) if n]
        types = [ntype(n) for n in nals]
        vcl = [n for n in nals if is_vcl(codec, ntype(n))]
        other = [t for t in types if not is_vcl(codec, t) and t not in EXTRA_TYPES[codec]]
        assert len(vcl) == 1, f"{where}: {len(vcl)} slices (NAL unit types {types}), expected one slice per frame"
        assert not other, f"{where}: {'I' if idr else 'P'} pack holds NAL unit types {types}"
        t = ntype(vcl[0])
        assert is_idr(codec, t) == idr, f"{where}: slice NAL unit type {t}, {'an IDR' if idr else 'not an IDR'} expected"
        if codec == "h264":
            first_mb, st = h264_slice(vcl[0])
            assert first_mb == 0, f"{where}: slice starts at macroblock {first_mb}"
        else:
            assert pps, f"{where}: no PPS seen before the first slice"
            first, st = h265_slice(vcl[0], pps)
            assert first == 1, f"{where}: first_slice_segment_in_pic_flag is 0"
        assert st == ("I" if idr else "P"), f"{where}: slice type {st}"
        slices.append(st)
    return slices
