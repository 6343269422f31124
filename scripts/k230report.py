"""What a simulator run wrote, as a user looks at it: a summary of every stream file (codec,
profile, size, frames, I/P counts, GOP, bitrate, duration, pts checks, decode errors), a
contact sheet PNG per stream (thumbnails of decoded frames with their number and type) and
a bitrate-per-second plot PNG. Used by `scripts/k230sim run`; also a command of its own:

    python3 scripts/k230report.py FILE... [--fps 30] [--pictures DIR]

Decoding is PyAV's (FFmpeg's decoders and demuxers, as a player reads the files); pictures
are drawn with Pillow, plots with matplotlib. Raw H.264/H.265/MJPEG streams carry no
timestamps: their frames are taken at --fps (default 30, the documented src_frame_rate).
"""

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

# The project's one H.264 / H.265 NAL parser in Python (standard library only).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python_tests"))
from streamcheck.nal import stream_counts  # noqa: E402

# The stream files a CanMV script writes, by extension: (PyAV demuxer, kind).
STREAM_EXTS = {
    ".264": "h264", ".h264": "h264",
    ".265": "hevc", ".h265": "hevc", ".hevc": "hevc",
    ".mjpeg": "mjpeg", ".mjpg": "mjpeg", ".jpg": "mjpeg", ".jpeg": "mjpeg",
    ".mp4": None, ".mov": None, ".mkv": None,
}
THUMB_WIDTH = 192
SHEET_COLUMNS = 5
SHEET_FRAMES = 20


@dataclass
class Summary:
    path: Path
    container: str = ""
    codec: str = ""
    profile: str = ""
    width: int = 0
    height: int = 0
    frames: int = 0
    types: list = field(default_factory=list)       # "I" / "P" / "B" / "?" per frame
    sizes: list = field(default_factory=list)       # bytes per frame (packet sizes)
    times: list = field(default_factory=list)       # seconds per frame (pts, or index / fps)
    timed: bool = False                             # times come from the file's pts
    audio: str = ""
    errors: list = field(default_factory=list)

    @property
    def duration(self):
        if not self.times:
            return 0.0
        step = self.frame_step()
        return self.times[-1] - self.times[0] + step

    def frame_step(self):
        if len(self.times) < 2:
            return 0.0 if not self.times else 1.0 / 30
        steps = sorted(b - a for a, b in zip(self.times, self.times[1:]))
        return steps[len(steps) // 2]

    def gops(self):
        idx = [i for i, t in enumerate(self.types) if t == "I"]
        return [b - a for a, b in zip(idx, idx[1:])]

    def kbps(self):
        d = self.duration
        return sum(self.sizes) * 8 / d / 1000 if d > 0 else 0.0

    def pts_check(self):
        """Whether the timestamps rise steadily: None for untimed streams, else a text."""
        if not self.timed:
            return None
        if len(self.times) < 2:
            return "ok"
        steps = [b - a for a, b in zip(self.times, self.times[1:])]
        bad = [i for i, s in enumerate(steps) if s <= 0]
        if bad:
            return "NOT increasing at frame %d" % (bad[0] + 1)
        med = self.frame_step()
        gaps = [i for i, s in enumerate(steps) if s > 1.5 * med]
        if gaps:
            return "increasing; %d gap(s) over 1.5 frame intervals (first after frame %d)" % (len(gaps), gaps[0])
        return "increasing, steady (%.2f ms a frame)" % (med * 1000)


def _open(path, demuxer):
    import av
    return av.open(str(path), format=demuxer) if demuxer else av.open(str(path))


def _pict(frame):
    """The picture type of a decoded frame: PyAV gives an enum (older) or FFmpeg's
    AVPictureType number (1 I, 2 P, 3 B; newer)."""
    t = frame.pict_type
    name = getattr(t, "name", None)
    if name is None:
        name = {1: "I", 2: "P", 3: "B"}.get(int(t), "")
    return {"I": "I", "P": "P", "B": "B"}.get(name[-1:], "I" if frame.key_frame else "?")


def summarise(path, fps=30.0, thumbs=None):
    """Decodes `path` (a stream file by its extension) once; returns its Summary. With
    `thumbs` (a set of frame numbers), also returns {number: PIL image} of those frames."""
    import av
    path = Path(path)
    s = Summary(path)
    demuxer = STREAM_EXTS.get(path.suffix.lower())
    pics = {}
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture(local=False) as logs:
            with _open(path, demuxer) as c:
                s.container = c.format.name
                if not c.streams.video:
                    s.errors.append("no video stream")
                    return (s, pics) if thumbs is not None else s
                vs = c.streams.video[0]
                if c.streams.audio:
                    a = c.streams.audio[0]
                    s.audio = "%s, %d Hz, %d channel(s), %.2f s" % (
                        a.codec_context.name, a.codec_context.sample_rate, a.codec_context.channels,
                        float(a.duration * a.time_base) if a.duration else 0.0)
                s.timed = demuxer is None
                for packet in c.demux(vs):
                    if packet.size == 0:
                        continue
                    try:
                        frames = packet.decode()
                    except av.error.FFmpegError as e:
                        s.errors.append("frame %d: %s" % (s.frames, e))
                        continue
                    for frame in frames:
                        n = s.frames
                        s.types.append(_pict(frame))
                        s.sizes.append(packet.size)
                        if s.timed and frame.pts is not None:
                            s.times.append(float(frame.pts * vs.time_base))
                        else:
                            s.times.append(n / fps)
                        s.width, s.height = frame.width, frame.height
                        if frame.is_corrupt:
                            s.errors.append("frame %d decoded as corrupt" % n)
                        if thumbs is not None and n in thumbs:
                            img = frame.to_image()
                            h = max(1, round(img.height * THUMB_WIDTH / img.width))
                            pics[n] = img.resize((THUMB_WIDTH, h))
                        s.frames += 1
                ctx = vs.codec_context
                s.codec = ctx.name
                s.profile = ctx.profile or ""
        s.errors += ["%s: %s" % (name, msg.strip()) for level, name, msg in logs if level <= av.logging.ERROR]
    except (av.error.FFmpegError, OSError) as e:
        s.errors.append(str(e))
    return (s, pics) if thumbs is not None else s


def describe(s):
    """The summary of one stream, as lines."""
    lines = ["%s" % s.path]
    if not s.frames:
        lines.append("  no pictures decoded" + ("" if not s.errors else ": " + s.errors[0]))
        return lines
    counts = ", ".join("%s %d" % (t, s.types.count(t)) for t in "IPB?" if s.types.count(t))
    gops = sorted(set(s.gops()))
    lines += [
        "  codec     %s%s (%s)" % (s.codec, " " + s.profile if s.profile else "", s.container),
        "  size      %dx%d" % (s.width, s.height),
        "  frames    %d (%s)" % (s.frames, counts),
        "  GOP       %s" % (", ".join(map(str, gops)) if gops else "one I frame" if "I" in s.types else "-"),
        "  bitrate   %.1f kbit/s (%d bytes)" % (s.kbps(), sum(s.sizes)),
        "  duration  %.2f s%s" % (s.duration, "" if s.timed else " at %g fps (raw stream: no timestamps)" % (1 / s.frame_step() if s.frame_step() else 30)),
    ]
    if s.container in ("h264", "hevc"):
        n = stream_counts(s.path.read_bytes(), "h264" if s.container == "h264" else "h265")
        lines.append("  NAL units parameter sets %d time(s) (header packs), %d SEI/filler" % (n["header"], n["other"]))
    check = s.pts_check()
    if check is not None:
        lines.append("  pts       %s" % check)
    if s.audio:
        lines.append("  audio     %s" % s.audio)
    lines.append("  errors    %s" % ("none" if not s.errors else "%d: %s" % (len(s.errors), "; ".join(s.errors[:3]))))
    return lines


def contact_sheet(path, out_png, fps=30.0):
    """A PNG of up to SHEET_FRAMES decoded frames, evenly spread, each labelled with its
    number and type. Returns the Summary."""
    from PIL import Image, ImageDraw
    s = summarise(path, fps)
    if not s.frames:
        return s
    step = max(1, math.ceil(s.frames / SHEET_FRAMES))
    chosen = set(range(0, s.frames, step))
    s, pics = summarise(path, fps, thumbs=chosen)
    order = sorted(pics)
    th = max(p.height for p in pics.values())
    label = 16
    cols = min(SHEET_COLUMNS, len(order))
    rows = math.ceil(len(order) / cols)
    sheet = Image.new("RGB", (cols * (THUMB_WIDTH + 4) + 4, rows * (th + label + 4) + 4), (32, 32, 32))
    draw = ImageDraw.Draw(sheet)
    for k, n in enumerate(order):
        x = 4 + (k % cols) * (THUMB_WIDTH + 4)
        y = 4 + (k // cols) * (th + label + 4)
        sheet.paste(pics[n], (x, y + label))
        kind = s.types[n]
        colour = (255, 96, 96) if kind == "I" else (220, 220, 220)
        draw.text((x + 2, y + 2), "#%d %s  %.2f s" % (n, kind, s.times[n] - s.times[0]), fill=colour)
    sheet.save(out_png)
    return s


def bitrate_plot(s, out_png):
    """A PNG of the stream's kbit/s in each second, I frames marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t0 = s.times[0] if s.times else 0.0
    seconds = max(1, math.ceil(s.duration - 1e-9))
    per = [0] * seconds
    for t, b in zip(s.times, s.sizes):
        per[min(seconds - 1, int(t - t0))] += b
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    ax.bar(range(seconds), [b * 8 / 1000 for b in per], width=0.9, align="edge", color="#4878a8")
    for t, kind in zip(s.times, s.types):
        if kind == "I":
            ax.axvline(t - t0, color="#c04040", linewidth=0.6, alpha=0.6)
    ax.set_xlabel("second (red lines: I frames)")
    ax.set_ylabel("kbit/s")
    ax.set_title("%s: %.0f kbit/s on average" % (s.path.name, s.kbps()))
    fig.tight_layout()
    fig.savefig(out_png)
    plt.close(fig)


def report(paths, fps=30.0, pictures=None, out=sys.stdout):
    """Prints the summary of each stream file and, with `pictures` (a folder), writes its
    contact sheet and bitrate plot there. Returns the number of streams with errors."""
    bad = 0
    for p in paths:
        p = Path(p)
        if pictures is not None:
            Path(pictures).mkdir(parents=True, exist_ok=True)
            sheet = Path(pictures) / (p.name + ".contact.png")
            s = contact_sheet(p, sheet, fps)
        else:
            s = summarise(p, fps)
        for line in describe(s):
            print(line, file=out)
        if pictures is not None and s.frames:
            plot = Path(pictures) / (p.name + ".bitrate.png")
            bitrate_plot(s, plot)
            print("  pictures  %s\n            %s" % (sheet, plot), file=out)
        bad += bool(s.errors) or not s.frames
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description="Summarise stream files; draw contact sheets and bitrate plots.")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--fps", type=float, default=30.0, help="frame rate of raw streams (default 30)")
    ap.add_argument("--pictures", help="folder for the contact sheets and bitrate plots")
    args = ap.parse_args(argv)
    return 1 if report(args.files, args.fps, args.pictures) else 0


if __name__ == "__main__":
    sys.exit(main())
