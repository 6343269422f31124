"""H.264 / H.265 Annex-B byte streams: NAL units and the header fields the tests check.

Start-code splitting, emulation-prevention removal, an MSB-first exp-Golomb reader, and the
parsers of the H.264 SPS / PPS / slice header and the H.265 SPS profile / PPS / slice header.
Standard library only: scripts/k230report.py uses it too (the one H.264 / H.265 parser of the
project's Python; the simulator's Rust has its own, sim/src/codec/nal.rs).
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


def _h265_slice_start(r, pps):
    """(NAL type, reader after slice_pic_parameter_set_id, first_slice_segment_in_pic_flag,
    the PPS fields) of an H.265 slice segment's RBSP."""
    t = h265_nal_type(r)
    b = Bits(r, 16)
    first = b.u(1)
    if 16 <= t <= 23:
        b.u(1)  # no_output_of_prior_pics_flag
    return t, b, first, pps[b.ue()]


def h265_slice(nal, pps):
    """(first_slice_segment_in_pic_flag, slice type letter) of an H.265 slice segment;
    `pps` maps pps ids to `h265_pps` fields."""
    _, b, first, p = _h265_slice_start(rbsp(nal), pps)
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


# ---- slice QP: the full slice header up to slice_qp_delta --------------------------------------
#
# `SliceQp` reads the parameter sets of a stream as they come and gives each slice's QP
# (26 + init_qp_minus26 + slice_qp_delta). It covers what H.264 Baseline/Main/High and HEVC
# Main encoders write for I and P slices (no slice groups, no weighted prediction tables, no
# scaling lists in the slice path); anything else raises, never guesses.

H264_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


def _skip_scaling_list(b, size):
    last = nxt = 8
    for _ in range(size):
        if nxt:
            nxt = (last + b.se() + 256) % 256
        last = nxt or last


def _h264_sps_fields(r):
    b = Bits(r, 8)
    profile = b.u(8)
    b.u(16)  # constraint flags, level_idc
    sps_id = b.ue()
    s = {"separate_colour_plane": 0}
    if profile in H264_HIGH_PROFILES:
        chroma = b.ue()
        if chroma == 3:
            s["separate_colour_plane"] = b.u(1)
        b.ue()  # bit_depth_luma_minus8
        b.ue()  # bit_depth_chroma_minus8
        b.u(1)  # qpprime_y_zero_transform_bypass_flag
        if b.u(1):  # seq_scaling_matrix_present_flag
            for i in range(12 if chroma == 3 else 8):
                if b.u(1):
                    _skip_scaling_list(b, 16 if i < 6 else 64)
    s["log2_max_frame_num"] = b.ue() + 4
    s["poc_type"] = b.ue()
    s["delta_pic_order_always_zero"] = 0
    if s["poc_type"] == 0:
        s["log2_max_poc_lsb"] = b.ue() + 4
    elif s["poc_type"] == 1:
        s["delta_pic_order_always_zero"] = b.u(1)
        b.se()
        b.se()
        for _ in range(b.ue()):
            b.se()
    b.ue()  # max_num_ref_frames
    b.u(1)  # gaps_in_frame_num_value_allowed_flag
    b.ue()
    b.ue()  # picture size in macroblocks
    s["frame_mbs_only"] = b.u(1)
    return sps_id, s


def _h264_pps_fields(r):
    b = Bits(r, 8)
    pps_id = b.ue()
    p = {"sps_id": b.ue(), "entropy_coding_mode_flag": b.u(1), "bottom_field_pic_order_present": b.u(1)}
    if b.ue() != 0:
        raise NotImplementedError("H.264 slice groups")
    p["num_ref_idx_l0_default"] = b.ue() + 1
    p["num_ref_idx_l1_default"] = b.ue() + 1
    p["weighted_pred"] = b.u(1)
    p["weighted_bipred"] = b.u(2)
    p["init_qp"] = 26 + b.se()
    b.se()  # pic_init_qs_minus26
    b.se()  # chroma_qp_index_offset
    b.u(1)  # deblocking_filter_control_present_flag
    b.u(1)  # constrained_intra_pred_flag
    p["redundant_pic_cnt_present"] = b.u(1)
    return pps_id, p


def _h264_slice_qp(r, sps, pps):
    nal_type, ref_idc = r[0] & 0x1F, (r[0] >> 5) & 3
    b = Bits(r, 8)
    b.ue()  # first_mb_in_slice
    kind = H264_SLICE[b.ue() % 5]
    p = pps[b.ue()]
    s = sps[p["sps_id"]]
    if s["separate_colour_plane"]:
        b.u(2)
    b.u(s["log2_max_frame_num"])  # frame_num
    field = 0
    if not s["frame_mbs_only"]:
        field = b.u(1)
        if field:
            b.u(1)
    if nal_type == 5:
        b.ue()  # idr_pic_id
    if s["poc_type"] == 0:
        b.u(s["log2_max_poc_lsb"])
        if p["bottom_field_pic_order_present"] and not field:
            b.se()
    if s["poc_type"] == 1 and not s["delta_pic_order_always_zero"]:
        b.se()
        if p["bottom_field_pic_order_present"] and not field:
            b.se()
    if p["redundant_pic_cnt_present"]:
        b.ue()
    if kind == "B":
        b.u(1)  # direct_spatial_mv_pred_flag
    if kind in ("P", "SP", "B"):
        if b.u(1):  # num_ref_idx_active_override_flag
            b.ue()
            if kind == "B":
                b.ue()
    for lst in (("P", "SP", "B"), ("B",)):
        if kind in lst and b.u(1):  # ref_pic_list_modification_flag_lX
            while True:
                idc = b.ue()
                if idc == 3:
                    break
                b.ue()
    if (p["weighted_pred"] and kind in ("P", "SP")) or (p["weighted_bipred"] == 1 and kind == "B"):
        raise NotImplementedError("H.264 pred_weight_table")
    if ref_idc:
        if nal_type == 5:
            b.u(2)  # no_output_of_prior_pics_flag, long_term_reference_flag
        elif b.u(1):  # adaptive_ref_pic_marking_mode_flag
            while True:
                op = b.ue()
                if op == 0:
                    break
                if op in (1, 3):
                    b.ue()
                if op == 2:
                    b.ue()
                if op in (3, 6):
                    b.ue()
                if op == 4:
                    b.ue()
    if p["entropy_coding_mode_flag"] and kind not in ("I", "SI"):
        b.ue()  # cabac_init_idc
    return kind, p["init_qp"] + b.se()


def _h265_profile_tier_level(b, max_sub_layers_minus1):
    b.u(8)  # general profile space, tier, profile_idc
    b.u(32)  # general_profile_compatibility_flags
    b.u(48)  # progressive/interlaced/non-packed/frame-only + 43 reserved + 1 bit
    b.u(8)  # general_level_idc
    present = [(b.u(1), b.u(1)) for _ in range(max_sub_layers_minus1)]
    if max_sub_layers_minus1 > 0:
        b.u(2 * (8 - max_sub_layers_minus1))
    for profile, level in present:
        if profile:
            b.u(88)
        if level:
            b.u(8)


def _h265_st_rps(b, idx, sets):
    """Parses st_ref_pic_set(idx) and returns its pictures as [(delta_poc, used)]."""
    if idx != 0 and b.u(1):  # inter_ref_pic_set_prediction_flag
        delta_idx = b.ue() + 1 if idx == len(sets) else 1
        sign, abs_delta = b.u(1), b.ue() + 1
        delta_rps = (1 - 2 * sign) * abs_delta
        ref = sets[idx - delta_idx]
        out = []
        for j in range(len(ref) + 1):
            used = b.u(1)
            use_delta = 1 if used else b.u(1)
            if use_delta:
                d = (ref[j][0] if j < len(ref) else 0) + delta_rps
                out.append((d, used))
        return out
    neg, pos = b.ue(), b.ue()
    out, poc = [], 0
    for _ in range(neg):
        poc -= b.ue() + 1
        out.append((poc, b.u(1)))
    poc = 0
    for _ in range(pos):
        poc += b.ue() + 1
        out.append((poc, b.u(1)))
    return out


def _h265_sps_fields(r):
    b = Bits(r, 16)
    b.u(4)  # sps_video_parameter_set_id
    max_sub = b.u(3)
    b.u(1)
    _h265_profile_tier_level(b, max_sub)
    sps_id = b.ue()
    s = {"chroma_format_idc": b.ue(), "separate_colour_plane": 0}
    if s["chroma_format_idc"] == 3:
        s["separate_colour_plane"] = b.u(1)
    w, h = b.ue(), b.ue()
    if b.u(1):  # conformance_window_flag
        for _ in range(4):
            b.ue()
    b.ue()
    b.ue()  # bit depths
    s["log2_max_poc_lsb"] = b.ue() + 4
    ordering = b.u(1)
    for _ in range(0 if ordering else max_sub, max_sub + 1):
        b.ue()
        b.ue()
        b.ue()
    log2_min_cb = b.ue() + 3
    log2_ctb = log2_min_cb + b.ue()
    b.ue()
    b.ue()
    b.ue()
    b.ue()  # transform block sizes and depths
    if b.u(1) and b.u(1):  # scaling_list_enabled_flag, sps_scaling_list_data_present_flag
        raise NotImplementedError("HEVC SPS scaling lists")
    b.u(1)  # amp_enabled_flag
    s["sao"] = b.u(1)
    if b.u(1):  # pcm_enabled_flag
        b.u(8)
        b.ue()
        b.ue()
        b.u(1)
    sets = []
    for i in range(b.ue()):
        sets.append(_h265_st_rps(b, i, sets))
    s["st_rps"] = sets
    s["long_term"] = b.u(1)
    s["num_long_term_sps"] = 0
    if s["long_term"]:
        s["num_long_term_sps"] = b.ue()
        for _ in range(s["num_long_term_sps"]):
            b.u(s["log2_max_poc_lsb"])
            b.u(1)
    s["temporal_mvp"] = b.u(1)
    ctb = 1 << log2_ctb
    s["ctbs"] = ((w + ctb - 1) // ctb) * ((h + ctb - 1) // ctb)
    return sps_id, s


def _h265_pps_fields(r):
    b = Bits(r, 16)
    pps_id = b.ue()
    p = {"sps_id": b.ue(), "dependent_slice_segments_enabled_flag": b.u(1), "output_flag_present": b.u(1),
         "num_extra_slice_header_bits": b.u(3)}
    b.u(1)  # sign_data_hiding_enabled_flag
    p["cabac_init_present"] = b.u(1)
    p["num_ref_idx_l0_default"] = b.ue() + 1
    p["num_ref_idx_l1_default"] = b.ue() + 1
    p["init_qp"] = 26 + b.se()
    b.u(1)
    b.u(1)  # constrained_intra_pred_flag, transform_skip_enabled_flag
    if b.u(1):  # cu_qp_delta_enabled_flag
        b.ue()
    b.se()
    b.se()  # cb / cr qp offsets
    b.u(1)  # pps_slice_chroma_qp_offsets_present_flag
    p["weighted_pred"], p["weighted_bipred"] = b.u(1), b.u(1)
    b.u(1)  # transquant_bypass_enabled_flag
    tiles = b.u(1)
    b.u(1)  # entropy_coding_sync_enabled_flag
    if tiles:
        raise NotImplementedError("HEVC tiles")
    b.u(1)  # pps_loop_filter_across_slices_enabled_flag
    if b.u(1):  # deblocking_filter_control_present_flag
        b.u(1)  # deblocking_filter_override_enabled_flag
        if not b.u(1):  # pps_deblocking_filter_disabled_flag
            b.se()
            b.se()
    if b.u(1):  # pps_scaling_list_data_present_flag
        raise NotImplementedError("HEVC PPS scaling lists")
    p["lists_modification_present"] = b.u(1)
    return pps_id, p


def _ceil_log2(n):
    return max(0, (n - 1).bit_length())


def _h265_slice_qp(r, sps, pps):
    t, b, first, p = _h265_slice_start(r, pps)
    s = sps[p["sps_id"]]
    if not first:
        raise NotImplementedError("HEVC slices after the first of a picture")
    b.u(p["num_extra_slice_header_bits"])
    kind = H265_SLICE[b.ue()]
    if p["output_flag_present"]:
        b.u(1)
    if s["separate_colour_plane"]:
        b.u(2)
    temporal_mvp = 0
    used = 0
    if t not in (19, 20):
        b.u(s["log2_max_poc_lsb"])
        sets = s["st_rps"]
        if not b.u(1):  # short_term_ref_pic_set_sps_flag
            rps = _h265_st_rps(b, len(sets), sets)
        else:
            rps = sets[b.u(_ceil_log2(len(sets))) if len(sets) > 1 else 0]
        used = sum(u for _, u in rps)
        if s["long_term"]:
            n_sps = b.ue() if s["num_long_term_sps"] > 0 else 0
            n_pics = b.ue()
            for i in range(n_sps + n_pics):
                if i < n_sps:
                    if s["num_long_term_sps"] > 1:
                        b.u(_ceil_log2(s["num_long_term_sps"]))
                    used_lt = None  # taken from the SPS entry; counted as used (upper bound)
                else:
                    b.u(s["log2_max_poc_lsb"])
                    used_lt = b.u(1)
                used += 1 if used_lt is None else used_lt
                if b.u(1):  # delta_poc_msb_present_flag
                    b.ue()
        if s["temporal_mvp"]:
            temporal_mvp = b.u(1)
    if s["sao"]:
        b.u(1)
        if s["chroma_format_idc"] != 0:
            b.u(1)
    if kind in ("P", "B"):
        l0, l1 = p["num_ref_idx_l0_default"], p["num_ref_idx_l1_default"]
        if b.u(1):  # num_ref_idx_active_override_flag
            l0 = b.ue() + 1
            if kind == "B":
                l1 = b.ue() + 1
        if p["lists_modification_present"] and used > 1:
            bits = _ceil_log2(used)
            if b.u(1):
                for _ in range(l0):
                    b.u(bits)
            if kind == "B" and b.u(1):
                for _ in range(l1):
                    b.u(bits)
        col_l0 = 1
        if kind == "B":
            b.u(1)  # mvd_l1_zero_flag
        if p["cabac_init_present"]:
            b.u(1)
        if temporal_mvp:
            if kind == "B":
                col_l0 = b.u(1)
            if (col_l0 and l0 > 1) or (not col_l0 and l1 > 1):
                b.ue()
        if (p["weighted_pred"] and kind == "P") or (p["weighted_bipred"] and kind == "B"):
            raise NotImplementedError("HEVC pred_weight_table")
        b.ue()  # five_minus_max_num_merge_cand
    return kind, p["init_qp"] + b.se()


# Per codec: the NAL type reader, the SPS and PPS types and parsers, whether a type is a slice,
# and the slice parser.
_SLICE_QP_PARSERS = {
    "h264": (h264_nal_type, (7, _h264_sps_fields), (8, _h264_pps_fields), lambda t: t in (1, 5), _h264_slice_qp),
    "h265": (h265_nal_type, (33, _h265_sps_fields), (34, _h265_pps_fields), lambda t: t <= 31, _h265_slice_qp),
}


def slice_qps(codec, data):
    """[(slice type letter, slice QP)] of every slice of an Annex-B stream, in order."""
    nal_type, (sps_type, sps_of), (pps_type, pps_of), is_slice, slice_of = _SLICE_QP_PARSERS[codec]
    sps, pps, out = {}, {}, []
    for nal in nal_units(data):
        r = rbsp(nal)
        t = nal_type(r)
        if t == sps_type:
            k, v = sps_of(r)
            sps[k] = v
        elif t == pps_type:
            k, v = pps_of(r)
            pps[k] = v
        elif is_slice(t):
            out.append(slice_of(r, sps, pps))
    return out


def classify_nal(nal, codec):
    """(kind, starts_picture) of one NAL unit; kind is 'header', 'I', 'P' or 'other'."""
    if codec == "h264":
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


def stream_counts(data, codec, per_nal=None):
    """Counts of a raw stream (`codec` "h264" or "h265") from its NAL unit types, no
    decoding: frames, I, P, header packs (consecutive parameter sets), other NAL units (SEI,
    CBR filler) and the GOP lengths. H.264: 7 / 8 are parameter sets, 5 an IDR (I), 1 a P
    slice; H.265: 32 / 33 / 34 parameter sets, 16..21 IRAP (I), 0..9 other (P) slices. A
    picture starts at a slice with its first-slice flag set; streams whose slices carry no
    slice header (the simulator's synthetic backend) count one picture per slice NAL unit.

    per_nal: count every slice NAL unit as a picture (True), only those with the first-slice
    flag (False), or decide from the stream (None: per NAL unit if no slice has the flag)."""
    if per_nal is None:
        s = stream_counts(data, codec, per_nal=False)
        if s["frames"] == 0 and s["slices"] > 0:
            s = stream_counts(data, codec, per_nal=True)
        return s
    s = {"frames": 0, "slices": 0, "per_nal": per_nal, "I": 0, "P": 0, "header": 0, "other": 0, "nal_units": 0, "gops": []}
    in_header = False
    since_i = None
    for nal in nal_units(data):
        s["nal_units"] += 1
        kind, starts_picture = classify_nal(nal, codec)
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
