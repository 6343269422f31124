"""The K230 pack and GOP layout of an H.264 / H.265 channel, GetStream by GetStream.

`check_packs` asserts it on the `Frame`s of a script's log (see `streamcheck.script`): a
[HEADER, I] pair on every IDR, one P pack otherwise, one slice per picture.
"""

from streamcheck.nal import (
    H264_PARAM_SETS,
    H265_PARAM_SETS,
    h264_nal_type,
    h264_slice,
    h265_nal_type,
    h265_pps,
    h265_slice,
    is_idr,
    is_vcl,
    split_nals,
)

VENC_PACK_CNT_MAX = 12
STREAM_TYPE_HEADER, STREAM_TYPE_I, STREAM_TYPE_P = 3, 2, 1

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
