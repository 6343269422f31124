"""H.264 / H.265 Annex-B byte streams: NAL units and the header fields the tests check.

Start-code splitting, emulation-prevention removal, an MSB-first exp-Golomb reader, and the
parsers of the H.264 SPS / PPS / slice header and the H.265 SPS profile / PPS / slice header.
Standard library only: scripts/stream_summary.py uses it too.
"""


def split_nals(data):
    """Annex-B NAL units of a byte stream (start codes removed)."""
    out = []
    i = 0
    n = len(data)
    starts = []
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else n
        if k + 1 < len(starts) and e > s and data[e - 1] == 0:
            e -= 1  # 4-byte start code of the next unit
        out.append(data[s:e])
    return out


def nal_units(data):
    """The non-empty NAL units of a byte stream with their trailing zero bytes removed (4-byte
    start codes and trailing_zero_8bits leave zeros before the next 00 00 01)."""
    for nal in split_nals(data):
        nal = nal.rstrip(b"\x00")
        if nal:
            yield nal


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
