"""The encoder scripts the stream tests run, and what they print.

`venc_script` builds a script (sensor bound to the encoder, or snapshots sent with SendFrame)
that writes one file per channel and prints one compact line per GetStream; `parse_log`,
`attach` and `sent_count` read that output back (`Frame`: one GetStream's packs and bytes).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from streamcheck.packs import STREAM_TYPE_HEADER

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
    profile: str = None             # H.264: baseline / main / high (default main); else a value
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


def venc_script(chns, frames, mode="bind", uv_offset="ALIGN_UP(W * H, 4096)", send_pts=True, sensor_fps=30):
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
    # A 30 fps sensor by default, as the channels' default src_frame_rate says (Sensor() runs
    # at 60).
    s.append(f"sensor = Sensor(width={max_w}, height={max_h}, fps={sensor_fps})\nsensor.reset()\n"
             "enc = Encoder()\nlinks = []\n")
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
            profile = H264_PROFILES.get(c.profile, str(c.profile))
        kw = "".join(f", {k}={v!r}" for k, v in c.attrs.items())
        s.append(
            f"enc.Create({c.chn}, ChnAttrStr({payload}, {profile}, {c.width}, {c.height}{kw}))\n"
            f"enc.Start({c.chn})\n"
            f"files[{c.chn}] = open({str(c.out)!r}, 'wb')\n"
        )
    s.append("sensor.run()\nsd = StreamData()\n")
    if mode == "bind":
        # `frames` pictures a channel: a GetStream of the first parameter sets alone (the
        # simulator's "first-separate" header policy) is not a picture.
        ids = [c.chn for c in chns]
        s.append(
            f"pictures = dict((chn, 0) for chn in {ids!r})\n"
            f"while min(pictures.values()) < {frames}:\n"
            f"    for chn in {ids!r}:\n"
            f"        if pictures[chn] == {frames}:\n"
            f"            continue\n"
            f"        assert enc.GetStream(chn, sd) == 0\n"
            f"        log(chn, sd, files[chn])\n"
            f"        if sd.stream_type[sd.pack_cnt - 1] != Encoder.STREAM_TYPE_HEADER:\n"
            f"            pictures[chn] += 1\n"
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


def parse_log(stdout, pictures=True):
    """{chn: [Frame]} from the script's "F" lines: one Frame a picture (a GetStream of
    parameter sets alone, as the MPP may deliver the first ones, joins the picture after it),
    or, with `pictures=False`, one a GetStream result as delivered."""
    out = {}
    for line in stdout.splitlines():
        if not line.startswith("F "):
            continue
        f = line.split()
        chn, cnt = int(f[1]), int(f[2])
        packs = [tuple(int(v) for v in p.split(":")) for p in f[3:]]
        assert len(packs) == cnt, line
        frames = out.setdefault(chn, [])
        if pictures and frames and all(t == STREAM_TYPE_HEADER for t in frames[-1].types):
            frames[-1].packs.extend(packs)
        else:
            frames.append(Frame(packs))
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


def printed_frames(stdout):
    """The GetStream results of a script that prints each pack as the manual's examples do
    ("Stream size: N Stream type: T", one line per pack): a HEADER pack and the pack after
    it are one frame."""
    frames = []
    for size, kind in re.findall(r"[Ss]tream size:\s+(\d+)\s+[Ss]tream type:\s+(\d+)", stdout):
        pack = (int(kind), int(size), 0)
        if frames and frames[-1].types == [STREAM_TYPE_HEADER]:
            frames[-1].packs.append(pack)
        else:
            frames.append(Frame([pack]))
    return frames
