#!/usr/bin/env python3
"""Summarise a raw H.264 / H.265 Annex-B elementary stream, as written by the VENC examples.

Counts pictures and packs from the NAL unit types (no decoding):
  H.264: parameter sets 7 (SPS) / 8 (PPS) form a header pack; 5 is an IDR (I) slice, 1 a
         non-IDR (P) slice.
  H.265: 32 (VPS) / 33 (SPS) / 34 (PPS) form a header pack; 16..21 are IRAP (I, 19/20 IDR)
         slices, 0..9 other (P) slices.
A picture starts at a slice whose first-slice flag is set (first_mb_in_slice == 0 for H.264,
first_slice_segment_in_pic_flag for H.265). Streams whose slices carry no parseable slice header
(the simulator's synthetic backend) count one picture per slice NAL unit. The bitrate assumes
the given frame rate.

Usage: stream_summary.py [--fps 30] [--codec h264|h265] FILE
"""
import argparse
import os
import sys

# The NAL unit parsing is the test suite's (python_tests/streamcheck/nal.py, standard library only).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python_tests"))
from streamcheck.nal import H264_PARAM_SETS, H265_PARAM_SETS, h264_nal_type, h265_nal_type, nal_units  # noqa: E402

H264 = "h264"
H265 = "h265"

_EXT_CODEC = {
    ".264": H264, ".h264": H264, ".avc": H264, ".26l": H264,
    ".265": H265, ".h265": H265, ".hevc": H265,
}


def classify(nal, codec):
    """(kind, starts_picture) of one NAL unit; kind is 'header', 'I', 'P' or 'other'."""
    if codec == H264:
        t = h264_nal_type(nal)
        first = len(nal) > 1 and bool(nal[1] & 0x80)
        if t in H264_PARAM_SETS:
            return "header", False
        if t == 5:
            return "I", first
        if t == 1:
            return "P", first
        return "other", False
    t = h265_nal_type(nal)
    first = len(nal) > 2 and bool(nal[2] & 0x80)
    if t in H265_PARAM_SETS:
        return "header", False
    if 16 <= t <= 21:
        return "I", first
    if 0 <= t <= 9:
        return "P", first
    return "other", False


def summarise(data, codec, per_nal=None):
    """Counts of a stream: frames, I, P, header packs, other NAL units and the GOP lengths.

    per_nal: count every slice NAL unit as a picture (True), only those with the first-slice
    flag (False), or decide from the stream (None: per NAL unit if no slice has the flag)."""
    if per_nal is None:
        s = summarise(data, codec, per_nal=False)
        if s["frames"] == 0 and s["slices"] > 0:
            s = summarise(data, codec, per_nal=True)
        return s
    s = {"frames": 0, "slices": 0, "per_nal": per_nal, "I": 0, "P": 0, "header": 0, "other": 0, "nal_units": 0, "gops": []}
    in_header = False
    since_i = None
    for nal in nal_units(data):
        s["nal_units"] += 1
        kind, starts_picture = classify(nal, codec)
        if kind == "header":
            if not in_header:
                s["header"] += 1  # consecutive parameter sets form one header pack
            in_header = True
            continue
        in_header = False
        if kind == "other":
            s["other"] += 1
            continue
        s["slices"] += 1
        if not (starts_picture or per_nal):
            continue  # a further slice of the same picture
        s["frames"] += 1
        s[kind] += 1
        if kind == "I":
            if since_i is not None:
                s["gops"].append(since_i)
            since_i = 1
        elif since_i is not None:
            since_i += 1
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description="Summarise a raw H.264/H.265 stream.")
    ap.add_argument("file")
    ap.add_argument("--fps", type=float, default=30.0, help="frame rate for the bitrate (default 30)")
    ap.add_argument("--codec", choices=(H264, H265), help="default: from the file extension")
    args = ap.parse_args(argv)

    codec = args.codec or _EXT_CODEC.get(os.path.splitext(args.file)[1].lower())
    if codec is None:
        ap.error("cannot tell the codec from %r: pass --codec" % args.file)
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as e:
        print("stream_summary: %s" % e, file=sys.stderr)
        return 1

    s = summarise(data, codec)
    size = len(data)
    seconds = s["frames"] / args.fps if args.fps > 0 else 0.0
    kbps = size * 8 / seconds / 1000 if seconds > 0 else 0.0
    gops = sorted(set(s["gops"]))
    name = "H.264" if codec == H264 else "H.265"
    path = os.path.relpath(args.file)
    if path.startswith(".."):
        path = os.path.abspath(args.file)

    print("stream    %s (%s, Annex-B)" % (path, name))
    print("frames    %d  (I %d, P %d)%s" % (s["frames"], s["I"], s["P"],
                                           "  [one picture per slice NAL unit]" if s["per_nal"] else ""))
    print("packs     header %d, I %d, P %d" % (s["header"], s["I"], s["P"]))
    if s["other"]:
        print("NAL units %d besides parameter sets and slices (SEI, CBR filler)" % s["other"])
    print("GOP       %s" % (", ".join(str(g) for g in gops) if gops else "-"))
    print("bytes     %d" % size)
    print("bitrate   %.1f kbit/s at %g fps (%.2f s)" % (kbps, args.fps, seconds))
    print("play      ffplay -f %s -framerate %g %s" % ("h264" if codec == H264 else "hevc", args.fps, path))
    if s["frames"] == 0:
        print("stream_summary: no pictures found in %s" % path, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
