"""Decoding the streams with PyAV (FFmpeg), as a player would.

One frame at a time, bitstream errors raised (err_detect=explode) and error log lines
collected: `decode_file` (a raw H.264 / H.265 / MJPEG file), `decode_pair` (two files in
lockstep), `decode_jpeg` (one picture); `planes` gives a decoded frame's Y, U, V samples.
"""

from dataclasses import dataclass, field

import av
import av.logging
import numpy as np

DEMUXERS = {"h264": "h264", "h265": "hevc", "jpeg": "mjpeg"}


@dataclass
class Decoded:
    """What `decode_file` found: frame count, codec context fields, per-frame types, errors."""
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


def _error_lines(logs):
    """The error-level lines of a captured FFmpeg log, as "[component] message"."""
    return [f"[{name}] {msg.strip()}" for level, name, msg in logs if level <= av.logging.ERROR]


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
    info.errors = _error_lines(logs)
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
    errors = _error_lines(logs)
    assert not errors, errors
    return tuple(counts)


def decode_jpeg(data):
    """Decodes one JPEG picture; returns the frame (errors raise, error log lines fail)."""
    av.logging.set_level(av.logging.WARNING)
    with av.logging.Capture(local=False) as logs:
        ctx = av.CodecContext.create("mjpeg", "r")
        ctx.options = {"err_detect": "explode"}
        frames = ctx.decode(av.Packet(data)) + ctx.decode(None)
    errors = _error_lines(logs)
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
