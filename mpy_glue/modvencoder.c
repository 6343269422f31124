// modvencoder.c - MicroPython glue of k230-venc: the `media.vencoder` module (Encoder,
// ChnAttrStr, StreamData, constants). venc_frame.c has k_video_frame_info() and ALIGN_UP,
// modmedia.c the MediaManager helpers and the registration of the `media` module.
//
// This file only converts objects and raises exceptions; every decision is made by the
// Rust core (k230_venc.h, generated from it). It uses MicroPython APIs present in v1.21
// (the CanMV firmware) and later, and keeps no pointer to the GC heap outside GC-managed
// objects.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include "py/gc.h"
#include "py/mpthread.h"
#include "py/objlist.h"

#include "venc_glue.h"

extern const mp_obj_module_t mp_module_uctypes;

// ---------------------------------------------------------------------------
// ChnAttrStr

typedef struct {
    mp_obj_base_t base;
    venc_chn_attr_t attr;
} venc_chn_attr_obj_t;

// The fields in constructor order: the attribute name (what print() shows and scripts
// read), the manual's keyword where it differs (payloadType, picWidth, picHeight, gopLen; 0
// where the two are the same), the default (0: required), and the allowed values in words for
// the TypeError of a value that is not an int (the core's range errors say them for ints).
static const struct {
    qstr name;
    qstr manual;
    uint8_t offset;
    int32_t dflt;
    const char *allowed;
} venc_attr_fields[] = {
    { MP_QSTR_payload_type, MP_QSTR_payloadType, offsetof(venc_chn_attr_t, payload_type), 0,
      "PAYLOAD_TYPE_H264 (96), PAYLOAD_TYPE_H265 (265) or PAYLOAD_TYPE_JPEG (26)" },
    { MP_QSTR_profile, 0, offsetof(venc_chn_attr_t, profile), 0,
      "H264_PROFILE_BASELINE (1), H264_PROFILE_MAIN (2), H264_PROFILE_HIGH (3) or H265_PROFILE_MAIN (5)" },
    { MP_QSTR_pic_width, MP_QSTR_picWidth, offsetof(venc_chn_attr_t, pic_width), 0,
      "even, 128..4096 for H.264/H.265, 128..8192 for JPEG" },
    { MP_QSTR_pic_height, MP_QSTR_picHeight, offsetof(venc_chn_attr_t, pic_height), 0,
      "even, 64..4096 for H.264/H.265, 64..8192 for JPEG" },
    { MP_QSTR_bit_rate, 0, offsetof(venc_chn_attr_t, bit_rate), VENC_DEFAULT_BIT_RATE, "kbit/s, 1..4294967295" },
    { MP_QSTR_gop_len, MP_QSTR_gopLen, offsetof(venc_chn_attr_t, gop_len), VENC_DEFAULT_GOP_LEN, "1..4294967295" },
    { MP_QSTR_src_frame_rate, 0, offsetof(venc_chn_attr_t, src_frame_rate), VENC_DEFAULT_FRAME_RATE, "1..4294967295" },
    { MP_QSTR_dst_frame_rate, 0, offsetof(venc_chn_attr_t, dst_frame_rate), VENC_DEFAULT_FRAME_RATE, "1..src_frame_rate" },
    { MP_QSTR_mjpeg_quality_factor, 0, offsetof(venc_chn_attr_t, mjpeg_quality_factor), VENC_DEFAULT_MJPEG_QUALITY,
      "1..99" },
    // Beyond the manual (keyword-only in the constructor):
    { MP_QSTR_rc_mode, 0, offsetof(venc_chn_attr_t, rc_mode), VENC_RC_CBR,
      "Encoder.RC_CBR (1), RC_VBR (2) or RC_FIXQP (3)" },
    { MP_QSTR_max_bit_rate, 0, offsetof(venc_chn_attr_t, max_bit_rate), VENC_DEFAULT_MAX_BIT_RATE,
      "kbit/s, 0 (bit_rate) or at least bit_rate" },
    { MP_QSTR_i_qp, 0, offsetof(venc_chn_attr_t, i_qp), VENC_DEFAULT_I_QP, "0..51" },
    { MP_QSTR_p_qp, 0, offsetof(venc_chn_attr_t, p_qp), VENC_DEFAULT_P_QP, "0..51" },
    { MP_QSTR_rotation, 0, offsetof(venc_chn_attr_t, rotation), VENC_ROTATION_0,
      "Encoder.ROTATION_0 (0), ROTATION_90 (90), ROTATION_180 (180) or ROTATION_270 (270)" },
    { MP_QSTR_mirror, 0, offsetof(venc_chn_attr_t, mirror), VENC_MIRROR_NONE,
      "Encoder.MIRROR_NONE (0), MIRROR_HORIZONTAL (1) or MIRROR_VERTICAL (2)" },
};
#define VENC_ATTR_COUNT MP_ARRAY_SIZE(venc_attr_fields)
#define VENC_ATTR_FIELD(self, i) ((int64_t *)((uint8_t *)&(self)->attr + venc_attr_fields[i].offset))
// Arguments that may be given by position (the manual's nine); the first four are required.
#define VENC_ATTR_POSITIONAL 9
#define VENC_ATTR_REQUIRED 4

extern const mp_obj_type_t venc_chn_attr_type;

// The name the manual gives field i (its keyword in the constructor).
static qstr venc_attr_keyword(size_t i) {
    return venc_attr_fields[i].manual ? venc_attr_fields[i].manual : venc_attr_fields[i].name;
}

// Field i's value `o` as an int, else TypeError naming the argument as the script wrote it
// (`as`) with the allowed values.
static int64_t venc_attr_int(mp_obj_t o, size_t i, const char *prefix, qstr as) {
    if (!mp_obj_is_int(o) && !mp_obj_is_bool(o)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s%q must be an int, not %s; allowed: %s"),
            prefix, as, mp_obj_get_type_str(o), venc_attr_fields[i].allowed);
    }
    return venc_int_arg(o, qstr_str(as));
}

// Whether `a` and `b` differ only in case and underscores (bitrate / bit_rate, GOPLEN / gopLen).
static bool venc_same_letters(const char *a, const char *b) {
    for (;;) {
        while (*a == '_') {
            a++;
        }
        while (*b == '_') {
            b++;
        }
        if (unichar_tolower(*a) != unichar_tolower(*b)) {
            return false;
        }
        if (*a == 0) {
            return true;
        }
        a++;
        b++;
    }
}

static MP_NORETURN void venc_attr_unknown_keyword(qstr kw) {
    for (size_t i = 0; i < VENC_ATTR_COUNT; i++) {
        if (venc_same_letters(qstr_str(kw), qstr_str(venc_attr_fields[i].name))) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("ChnAttrStr: unknown keyword argument '%q' (did you mean %q?)"),
                kw, venc_attr_keyword(i));
        }
    }
    mp_raise_msg_varg(&mp_type_TypeError,
        MP_ERROR_TEXT("ChnAttrStr: unknown keyword argument '%q'; the arguments are payloadType, profile, picWidth, "
            "picHeight, bit_rate, gopLen, src_frame_rate, dst_frame_rate, mjpeg_quality_factor and the keywords "
            "rc_mode, max_bit_rate, i_qp, p_qp, rotation, mirror (payload_type, pic_width, pic_height and gop_len "
            "are accepted too)"), kw);
}

// ChnAttrStr(payloadType, profile, picWidth, picHeight, bit_rate=4000, gopLen=30,
//            src_frame_rate=30, dst_frame_rate=30, mjpeg_quality_factor=45, *,
//            rc_mode=RC_CBR, max_bit_rate=0, i_qp=25, p_qp=30, rotation=0, mirror=MIRROR_NONE)
// (the defaults are the core's VENC_DEFAULT_* and the first Encoder constants; the
// keyword-only ones are beyond the manual). Every argument may also be given by its
// attribute name (payload_type=, pic_width=, pic_height=, gop_len=, as print() shows them);
// the manual's names stay primary, and one argument given twice is a TypeError.
static mp_obj_t venc_chn_attr_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    if (n_args > VENC_ATTR_POSITIONAL) {
        mp_raise_msg_varg(&mp_type_TypeError,
            MP_ERROR_TEXT("ChnAttrStr takes at most %d positional arguments (payloadType .. mjpeg_quality_factor), "
                "got %d; rc_mode, max_bit_rate, i_qp, p_qp, rotation and mirror are keyword-only"),
            VENC_ATTR_POSITIONAL, (int)n_args);
    }
    mp_obj_t vals[VENC_ATTR_COUNT] = { 0 };
    qstr given_as[VENC_ATTR_COUNT] = { 0 };
    for (size_t i = 0; i < n_args; i++) {
        vals[i] = all_args[i];
        given_as[i] = venc_attr_keyword(i);
    }
    for (size_t k = 0; k < n_kw; k++) {
        qstr kw = mp_obj_str_get_qstr(all_args[n_args + 2 * k]);
        size_t i = 0;
        while (i < VENC_ATTR_COUNT && kw != venc_attr_fields[i].name && kw != venc_attr_fields[i].manual) {
            i++;
        }
        if (i == VENC_ATTR_COUNT) {
            venc_attr_unknown_keyword(kw);
        }
        if (vals[i] != MP_OBJ_NULL) {
            if (given_as[i] == kw) {
                mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("ChnAttrStr: %q given by position and by keyword"), kw);
            }
            mp_raise_msg_varg(&mp_type_TypeError,
                MP_ERROR_TEXT("ChnAttrStr: %q and %q are the same argument; give it once"), given_as[i], kw);
        }
        vals[i] = all_args[n_args + 2 * k + 1];
        given_as[i] = kw;
    }
    for (size_t i = 0; i < VENC_ATTR_REQUIRED; i++) {
        if (vals[i] == MP_OBJ_NULL) {
            mp_raise_msg_varg(&mp_type_TypeError,
                MP_ERROR_TEXT("ChnAttrStr: missing argument %q (payloadType, profile, picWidth and picHeight are required)"),
                venc_attr_keyword(i));
        }
    }
    venc_chn_attr_obj_t *self = mp_obj_malloc(venc_chn_attr_obj_t, type);
    for (size_t i = 0; i < VENC_ATTR_COUNT; i++) {
        *VENC_ATTR_FIELD(self, i) = vals[i] == MP_OBJ_NULL
            ? venc_attr_fields[i].dflt : venc_attr_int(vals[i], i, "ChnAttrStr: ", given_as[i]);
    }
    return MP_OBJ_FROM_PTR(self);
}

static void venc_chn_attr_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    venc_chn_attr_obj_t *self = MP_OBJ_TO_PTR(self_in);
    for (size_t i = 0; i < VENC_ATTR_COUNT; i++) {
        if (venc_attr_fields[i].name != attr) {
            continue;
        }
        if (dest[0] == MP_OBJ_NULL) {
            dest[0] = mp_obj_new_int_from_ll(*VENC_ATTR_FIELD(self, i));
        } else if (dest[1] != MP_OBJ_NULL) {
            *VENC_ATTR_FIELD(self, i) = venc_attr_int(dest[1], i, "ChnAttrStr.", attr);
            dest[0] = MP_OBJ_NULL;
        }
        return;
    }
}

static void venc_chn_attr_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    venc_chn_attr_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_print_str(print, "ChnAttrStr(");
    for (size_t i = 0; i < VENC_ATTR_COUNT; i++) {
        mp_printf(print, "%s%q=", i ? ", " : "", venc_attr_fields[i].name);
        mp_obj_print_helper(print, mp_obj_new_int_from_ll(*VENC_ATTR_FIELD(self, i)), PRINT_REPR);
    }
    mp_print_str(print, ")");
}

MP_DEFINE_CONST_OBJ_TYPE(
    venc_chn_attr_type,
    MP_QSTR_ChnAttrStr,
    MP_TYPE_FLAG_NONE,
    make_new, venc_chn_attr_make_new,
    print, venc_chn_attr_print,
    attr, venc_chn_attr_attr
    );

// ---------------------------------------------------------------------------
// StreamData

enum { VENC_SD_DATA, VENC_SD_PHY_ADDR, VENC_SD_DATA_SIZE, VENC_SD_STREAM_TYPE, VENC_SD_PTS, VENC_SD_LISTS };

typedef struct {
    mp_obj_base_t base;
    mp_obj_t lists[VENC_SD_LISTS]; // each a list of VENC_PACK_CNT_MAX ints, filled in place
    mp_obj_t pack_cnt;
    uint32_t token; // the unreleased stream it holds, 0 if none
} venc_stream_data_obj_t;

static const qstr venc_sd_names[VENC_SD_LISTS] = {
    MP_QSTR_data, MP_QSTR_phy_addr, MP_QSTR_data_size, MP_QSTR_stream_type, MP_QSTR_pts,
};

extern const mp_obj_type_t venc_stream_data_type;

// A list of VENC_PACK_CNT_MAX zeros.
static mp_obj_t venc_new_pack_list(void) {
    mp_obj_list_t *list = MP_OBJ_TO_PTR(mp_obj_new_list(VENC_PACK_CNT_MAX, NULL));
    for (size_t i = 0; i < VENC_PACK_CNT_MAX; i++) {
        list->items[i] = MP_OBJ_NEW_SMALL_INT(0);
    }
    return MP_OBJ_FROM_PTR(list);
}

// StreamData()
static mp_obj_t venc_stream_data_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)args;
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    venc_stream_data_obj_t *self = mp_obj_malloc(venc_stream_data_obj_t, type);
    for (size_t l = 0; l < VENC_SD_LISTS; l++) {
        self->lists[l] = venc_new_pack_list();
    }
    self->pack_cnt = MP_OBJ_NEW_SMALL_INT(0);
    self->token = 0;
    return MP_OBJ_FROM_PTR(self);
}

static void venc_stream_data_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    venc_stream_data_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (attr == MP_QSTR_pack_cnt) {
        if (dest[0] == MP_OBJ_NULL) {
            dest[0] = self->pack_cnt;
        } else if (dest[1] != MP_OBJ_NULL) {
            venc_int_arg(dest[1], "pack_cnt");
            self->pack_cnt = dest[1];
            dest[0] = MP_OBJ_NULL;
        }
        return;
    }
    for (size_t l = 0; l < VENC_SD_LISTS; l++) {
        if (venc_sd_names[l] == attr && dest[0] == MP_OBJ_NULL) {
            // The lists are fixed: GetStream fills them in place (no allocation per frame).
            dest[0] = self->lists[l];
            return;
        }
    }
}

static void venc_stream_data_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    venc_stream_data_obj_t *self = MP_OBJ_TO_PTR(self_in);
    // pack_cnt is whatever int the script stored: printed as an object, never converted.
    mp_print_str(print, "StreamData(pack_cnt=");
    mp_obj_print_helper(print, self->pack_cnt, PRINT_REPR);
    mp_print_str(print, self->token ? ", holds a stream)" : ")");
}

MP_DEFINE_CONST_OBJ_TYPE(
    venc_stream_data_type,
    MP_QSTR_StreamData,
    MP_TYPE_FLAG_NONE,
    make_new, venc_stream_data_make_new,
    print, venc_stream_data_print,
    attr, venc_stream_data_attr
    );

static venc_stream_data_obj_t *venc_stream_data_arg(mp_obj_t o, const char *op) {
    if (!mp_obj_is_type(o, &venc_stream_data_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s: streamData must be a StreamData, not %s"), op,
            mp_obj_get_type_str(o));
    }
    return MP_OBJ_TO_PTR(o);
}

// ---------------------------------------------------------------------------
// Encoder
//
// Two call shapes, chosen per call by the arguments: the documented one names the channel
// first (Start(chn), GetStream(chn, streamData), ...); the implicit-channel one of the newest
// CanMV firmware leaves it out and uses the channel Create(chnAttr) requested
// (Encoder.chn, -1 before). Methods without optional arguments tell them apart by the number
// of arguments; GetStream and SendFrame, whose timeout is optional, by whether the first
// one is a StreamData / a frame (and no chn= is given).

typedef struct {
    mp_obj_base_t base;
    uint32_t owner; // channels this object created are torn down by its finaliser
    bool has_bufs; // SetOutBufs(buf_num, width, height) was called: bufs holds its arguments
    int64_t bufs[3];
} venc_encoder_obj_t;

// Encoder()
static mp_obj_t venc_encoder_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)args;
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    venc_encoder_obj_t *self = mp_obj_malloc_with_finaliser(venc_encoder_obj_t, type);
    self->owner = venc_encoder_new();
    self->has_bufs = false;
    return MP_OBJ_FROM_PTR(self);
}

// Encoder.__del__(): stops and destroys the channels this Encoder created.
static mp_obj_t venc_encoder_del(mp_obj_t self_in) {
    venc_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->owner != 0) {
        venc_encoder_drop(self->owner);
        self->owner = 0;
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(venc_encoder_del_obj, venc_encoder_del);

// The channel a call of a method without optional arguments names, by their number (the
// function object's bounds admit only these two): the first one (the documented shape,
// `explicit_args` arguments after self), or Encoder.chn (the implicit shape, one fewer).
// `*rest` points past the channel.
// `chn_name` names the argument in a TypeError ("Start: chn").
static int64_t venc_chn_of(venc_encoder_obj_t *self, size_t n_args, const mp_obj_t *args,
    size_t explicit_args, const mp_obj_t **rest, const char *chn_name) {
    if (n_args - 1 == explicit_args) {
        *rest = args + 2;
        return venc_int_arg(args[1], chn_name);
    }
    *rest = args + 1;
    return venc_encoder_chn(self->owner);
}

// Encoder.SetOutBufs(chn, buf_num, width, height), or SetOutBufs(buf_num, width, height)
// for the channel the next Create(chnAttr) requests.
static mp_obj_t venc_encoder_set_out_bufs(size_t n_args, const mp_obj_t *args) {
    venc_encoder_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    venc_error_t err;
    if (n_args == 4) {
        int64_t bufs[3] = {
            venc_int_arg(args[1], "SetOutBufs: buf_num"), venc_int_arg(args[2], "SetOutBufs: width"),
            venc_int_arg(args[3], "SetOutBufs: height"),
        };
        venc_check(venc_check_out_bufs(bufs[0], bufs[1], bufs[2], &err), &err, NULL);
        memcpy(self->bufs, bufs, sizeof(bufs));
        self->has_bufs = true;
        return mp_const_none;
    }
    venc_check(venc_set_out_bufs(venc_int_arg(args[1], "SetOutBufs: chn"), venc_int_arg(args[2], "SetOutBufs: buf_num"),
        venc_int_arg(args[3], "SetOutBufs: width"), venc_int_arg(args[4], "SetOutBufs: height"), &err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_set_out_bufs_obj, 4, 5, venc_encoder_set_out_bufs);

static venc_chn_attr_obj_t *venc_chn_attr_arg(mp_obj_t o) {
    if (!mp_obj_is_type(o, &venc_chn_attr_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("Create: chnAttr must be a ChnAttrStr, not %s"),
            mp_obj_get_type_str(o));
    }
    return MP_OBJ_TO_PTR(o);
}

// After a failed Create: whether another Encoder holds channel `chn` (-1: any channel, for
// Create(chnAttr)). If so, runs the GC once and returns true, and the caller tries again. The
// holder may be an Encoder nothing references any more: the CanMV IDE runs scripts back to
// back in one interpreter, and the second run's `encoder = Encoder()` leaves the first run's
// object, with its channel, to the GC, whose finaliser (__del__) frees the channel. Only on
// this failure path: a Create that succeeds, or fails for another reason, costs nothing more.
static bool venc_collect_for_create(uint32_t owner, int64_t chn) {
    if (!venc_chn_held_by_other(owner, chn)) {
        return false;
    }
    gc_collect();
    return true;
}

// Encoder.Create(chn, chnAttr), or Create(chnAttr): requests a channel (Encoder.chn).
static mp_obj_t venc_encoder_create(size_t n_args, const mp_obj_t *args) {
    venc_encoder_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    venc_error_t err;
    int32_t ret;
    if (n_args == 2) {
        venc_chn_attr_obj_t *attr = venc_chn_attr_arg(args[1]);
        const int64_t *bufs = self->has_bufs ? self->bufs : NULL;
        int64_t chn = -1;
        ret = venc_create_requested(self->owner, bufs, &attr->attr, &chn, &err);
        if (ret != 0 && venc_collect_for_create(self->owner, -1)) {
            ret = venc_create_requested(self->owner, bufs, &attr->attr, &chn, &err);
        }
        venc_check(ret, &err, NULL);
        return mp_const_none;
    }
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(self, n_args, args, 2, &rest, "Create: chn");
    venc_chn_attr_obj_t *attr = venc_chn_attr_arg(rest[0]);
    ret = venc_create(self->owner, chn, &attr->attr, &err);
    if (ret != 0 && venc_collect_for_create(self->owner, chn)) {
        ret = venc_create(self->owner, chn, &attr->attr, &err);
    }
    venc_check(ret, &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_create_obj, 2, 3, venc_encoder_create);

// Encoder.Start(chn) / Start()
static mp_obj_t venc_encoder_start(size_t n_args, const mp_obj_t *args) {
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(MP_OBJ_TO_PTR(args[0]), n_args, args, 1, &rest, "Start: chn");
    venc_error_t err;
    venc_check(venc_start(chn, &err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_start_obj, 1, 2, venc_encoder_start);

// Encoder.Stop(chn) / Stop()
static mp_obj_t venc_encoder_stop(size_t n_args, const mp_obj_t *args) {
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(MP_OBJ_TO_PTR(args[0]), n_args, args, 1, &rest, "Stop: chn");
    venc_error_t err;
    venc_check(venc_stop(chn, &err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_stop_obj, 1, 2, venc_encoder_stop);

// Encoder.Destroy(chn) / Destroy(): a channel Create(chnAttr) requested is given back.
static mp_obj_t venc_encoder_destroy(size_t n_args, const mp_obj_t *args) {
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(MP_OBJ_TO_PTR(args[0]), n_args, args, 1, &rest, "Destroy: chn");
    venc_error_t err;
    venc_check(venc_destroy(chn, &err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_destroy_obj, 1, 2, venc_encoder_destroy);

// Parses (chn, <obj>, timeout=<dflt>) or (<obj>, timeout=<dflt>), with keywords: the shape
// is the implicit one when the first positional argument is an <obj> (`is_obj`) and no
// `chn=` is given, else the documented one (so a wrong first argument is reported as chn).
// Fills chn (Encoder.chn for the implicit shape), obj and timeout.
static void venc_parse_chn_obj_timeout(const char *op, size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args,
    qstr obj_name,
    bool (*is_obj)(mp_obj_t), mp_int_t timeout_default, int64_t *chn, mp_obj_t *obj, int64_t *timeout) {
    venc_encoder_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    bool implicit_chn = n_args > 1 && is_obj(pos_args[1])
        && (kw_args == NULL || kw_args->used == 0
            || mp_map_lookup(kw_args, MP_OBJ_NEW_QSTR(MP_QSTR_chn), MP_MAP_LOOKUP) == NULL);
    bool explicit_chn = !implicit_chn;
    size_t skip = explicit_chn ? 0 : 1;
    mp_arg_t allowed_args[] = {
        { MP_QSTR_chn, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { obj_name, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_timeout, MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(timeout_default)} },
    };
    mp_arg_val_t args[3];
    size_t n_pos = n_args - 1;
    if ((kw_args == NULL || kw_args->used == 0) && n_pos >= 2 - skip && n_pos <= 3 - skip) {
        // The per-frame call is positional: take the arguments as they come (the table
        // parse costs more than the rest of the glue's work here).
        for (size_t i = 0; i < 3 - skip; i++) {
            args[i + skip].u_obj = i < n_pos ? pos_args[1 + i] : allowed_args[i + skip].defval.u_obj;
        }
    } else {
        mp_arg_parse_all(n_pos, pos_args + 1, kw_args, 3 - skip, allowed_args + skip, args + skip);
    }
    *chn = explicit_chn ? venc_int_arg_of(args[0].u_obj, op, "chn") : venc_encoder_chn(self->owner);
    *obj = args[1].u_obj;
    *timeout = venc_int_arg_of(args[2].u_obj, op, "timeout");
}

// What SendFrame takes as a frame: an object with a buffer, not an int or a str.
static bool venc_is_frame(mp_obj_t o) {
    mp_buffer_info_t buf;
    return !mp_obj_is_int(o) && !mp_obj_is_str(o) && mp_get_buffer(o, &buf, MP_BUFFER_READ);
}

static bool venc_is_stream_data(mp_obj_t o) {
    return mp_obj_is_type(o, &venc_stream_data_type);
}

// Encoder.SendFrame(chn, frame_info, timeout=1000) / SendFrame(frame_info, timeout=1000) ->
// 0, or the K230 code when no output buffer became free within the timeout (ms).
static mp_obj_t venc_encoder_send_frame(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    int64_t chn, timeout;
    mp_obj_t frame_in;
    venc_parse_chn_obj_timeout("SendFrame", n_args, pos_args, kw_args, MP_QSTR_frame_info, venc_is_frame, VENC_SEND_TIMEOUT_MS,
        &chn, &frame_in, &timeout);
    // The core reads a copy: the GIL is released while it waits.
    uint8_t frame[VENC_FRAME_INFO_SIZE + 1];
    size_t len = venc_frame_arg(frame_in, frame);
    venc_error_t err;
    venc_poll_ctx_t poll = { MP_OBJ_NULL };
    MP_THREAD_GIL_EXIT();
    int32_t ret = venc_send_frame(chn, frame, len, timeout, venc_poll, &poll, &err);
    MP_THREAD_GIL_ENTER();
    if (ret == VENC_ERR_TIMEOUT) {
        return venc_uint_obj((uint32_t)err.code);
    }
    venc_check(ret, &err, &poll);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(venc_encoder_send_frame_obj, 1, venc_encoder_send_frame);

// Encoder.GetStream(chn, streamData, timeout=-1) / GetStream(streamData, timeout=-1) -> 0,
// or the K230 code (K_ERR_VENC_BUF_EMPTY) when no stream came within the timeout. Fills
// the StreamData lists in place: no heap allocation per frame.
static mp_obj_t venc_encoder_get_stream(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    int64_t chn, timeout;
    mp_obj_t sd_in;
    venc_parse_chn_obj_timeout("GetStream", n_args, pos_args, kw_args, MP_QSTR_streamData, venc_is_stream_data,
        VENC_TIMEOUT_BLOCK, &chn, &sd_in, &timeout);
    venc_stream_data_obj_t *sd = venc_stream_data_arg(sd_in, "GetStream");

    venc_pack_t packs[VENC_PACK_CNT_MAX];
    uint32_t token = sd->token, count = 0;
    venc_error_t err;
    venc_poll_ctx_t poll = { MP_OBJ_NULL };
    MP_THREAD_GIL_EXIT();
    int32_t ret = venc_get_stream(chn, timeout, &token, packs, &count, venc_poll, &poll, &err);
    MP_THREAD_GIL_ENTER();
    if (ret == VENC_ERR_TIMEOUT) {
        return venc_uint_obj((uint32_t)err.code);
    }
    venc_check(ret, &err, &poll);
    // The StreamData holds the stream from here on, whatever happens below.
    sd->token = token;
    mp_obj_t *items[VENC_SD_LISTS];
    for (size_t l = 0; l < VENC_SD_LISTS; l++) {
        // The lists are the script's too: one it shortened gets a fresh list of 12 slots.
        mp_obj_list_t *list = MP_OBJ_TO_PTR(sd->lists[l]);
        if (list->len < VENC_PACK_CNT_MAX) {
            sd->lists[l] = venc_new_pack_list();
            list = MP_OBJ_TO_PTR(sd->lists[l]);
        }
        items[l] = list->items;
    }
    for (size_t i = 0; i < count; i++) {
        items[VENC_SD_DATA][i] = venc_uint_obj(packs[i].virt);
        items[VENC_SD_PHY_ADDR][i] = venc_uint_obj(packs[i].phys);
        items[VENC_SD_DATA_SIZE][i] = venc_uint_obj(packs[i].len);
        items[VENC_SD_STREAM_TYPE][i] = MP_OBJ_NEW_SMALL_INT(packs[i].stream_type);
        items[VENC_SD_PTS][i] = venc_uint_obj(packs[i].pts);
    }
    for (size_t i = count; i < VENC_PACK_CNT_MAX; i++) {
        for (size_t l = 0; l < VENC_SD_LISTS; l++) {
            items[l][i] = MP_OBJ_NEW_SMALL_INT(0);
        }
    }
    sd->pack_cnt = MP_OBJ_NEW_SMALL_INT(count);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(venc_encoder_get_stream_obj, 1, venc_encoder_get_stream);

// Encoder.ReleaseStream(chn, streamData) / ReleaseStream(streamData)
static mp_obj_t venc_encoder_release_stream(size_t n_args, const mp_obj_t *args) {
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(MP_OBJ_TO_PTR(args[0]), n_args, args, 2, &rest, "ReleaseStream: chn");
    venc_stream_data_obj_t *sd = venc_stream_data_arg(rest[0], "ReleaseStream");
    venc_error_t err;
    // The core clears the token when the stream is gone (released or let go).
    uint32_t token = sd->token;
    int32_t ret = venc_release_stream(chn, &token, &err);
    sd->token = token;
    venc_check(ret, &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_release_stream_obj, 2, 3, venc_encoder_release_stream);

// Encoder.RequestIDR(chn) / RequestIDR() (beyond the manual): the next frame is an IDR.
static mp_obj_t venc_encoder_request_idr(size_t n_args, const mp_obj_t *args) {
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(MP_OBJ_TO_PTR(args[0]), n_args, args, 1, &rest, "RequestIDR: chn");
    venc_error_t err;
    venc_check(venc_request_idr(chn, &err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_request_idr_obj, 1, 2, venc_encoder_request_idr);

// Encoder.QueryStatus(chn) / QueryStatus() (beyond the manual) -> dict of what
// kd_mpi_venc_query_status reports.
static mp_obj_t venc_encoder_query_status(size_t n_args, const mp_obj_t *args) {
    const mp_obj_t *rest;
    int64_t chn = venc_chn_of(MP_OBJ_TO_PTR(args[0]), n_args, args, 1, &rest, "QueryStatus: chn");
    venc_chn_status_t st;
    venc_error_t err;
    venc_check(venc_query_status(chn, &st, &err), &err, NULL);
    static const struct {
        qstr key;
        uint8_t offset;
    } fields[] = {
        { MP_QSTR_cur_packs, offsetof(venc_chn_status_t, cur_packs) },
        { MP_QSTR_end_of_stream, offsetof(venc_chn_status_t, end_of_stream) },
        { MP_QSTR_pic_bytes, offsetof(venc_chn_status_t, pic_bytes) },
        { MP_QSTR_pic_count, offsetof(venc_chn_status_t, pic_count) },
        { MP_QSTR_start_qp, offsetof(venc_chn_status_t, start_qp) },
        { MP_QSTR_mean_qp, offsetof(venc_chn_status_t, mean_qp) },
    };
    mp_obj_t d = mp_obj_new_dict(MP_ARRAY_SIZE(fields) + 1);
    for (size_t i = 0; i < MP_ARRAY_SIZE(fields); i++) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)&st + fields[i].offset, sizeof(v));
        mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(fields[i].key), venc_uint_obj(v));
    }
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_release_pic_pts), venc_uint_obj(st.release_pic_pts));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_query_status_obj, 1, 2, venc_encoder_query_status);

// Encoder.chn: the channel Create(chnAttr) requested, -1 before (and after Destroy).
static void venc_encoder_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    venc_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (attr == MP_QSTR_chn && dest[0] == MP_OBJ_NULL) {
        dest[0] = mp_obj_new_int_from_ll(venc_encoder_chn(self->owner));
        return;
    }
    if (dest[0] == MP_OBJ_NULL) {
        // Methods and constants: the locals dict.
        dest[1] = MP_OBJ_SENTINEL;
    }
}

static const mp_rom_map_elem_t venc_encoder_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&venc_encoder_del_obj) },
    { MP_ROM_QSTR(MP_QSTR_SetOutBufs), MP_ROM_PTR(&venc_encoder_set_out_bufs_obj) },
    { MP_ROM_QSTR(MP_QSTR_Create), MP_ROM_PTR(&venc_encoder_create_obj) },
    { MP_ROM_QSTR(MP_QSTR_Start), MP_ROM_PTR(&venc_encoder_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_SendFrame), MP_ROM_PTR(&venc_encoder_send_frame_obj) },
    { MP_ROM_QSTR(MP_QSTR_GetStream), MP_ROM_PTR(&venc_encoder_get_stream_obj) },
    { MP_ROM_QSTR(MP_QSTR_ReleaseStream), MP_ROM_PTR(&venc_encoder_release_stream_obj) },
    { MP_ROM_QSTR(MP_QSTR_Stop), MP_ROM_PTR(&venc_encoder_stop_obj) },
    { MP_ROM_QSTR(MP_QSTR_Destroy), MP_ROM_PTR(&venc_encoder_destroy_obj) },
    { MP_ROM_QSTR(MP_QSTR_RequestIDR), MP_ROM_PTR(&venc_encoder_request_idr_obj) },
    { MP_ROM_QSTR(MP_QSTR_QueryStatus), MP_ROM_PTR(&venc_encoder_query_status_obj) },
    { MP_ROM_QSTR(MP_QSTR_PAYLOAD_TYPE_H264), MP_ROM_INT(VENC_PT_H264) },
    { MP_ROM_QSTR(MP_QSTR_PAYLOAD_TYPE_H265), MP_ROM_INT(VENC_PT_H265) },
    { MP_ROM_QSTR(MP_QSTR_PAYLOAD_TYPE_JPEG), MP_ROM_INT(VENC_PT_JPEG) },
    { MP_ROM_QSTR(MP_QSTR_H264_PROFILE_BASELINE), MP_ROM_INT(VENC_H264_PROFILE_BASELINE) },
    { MP_ROM_QSTR(MP_QSTR_H264_PROFILE_MAIN), MP_ROM_INT(VENC_H264_PROFILE_MAIN) },
    { MP_ROM_QSTR(MP_QSTR_H264_PROFILE_HIGH), MP_ROM_INT(VENC_H264_PROFILE_HIGH) },
    { MP_ROM_QSTR(MP_QSTR_H265_PROFILE_MAIN), MP_ROM_INT(VENC_H265_PROFILE_MAIN) },
    { MP_ROM_QSTR(MP_QSTR_STREAM_TYPE_HEADER), MP_ROM_INT(VENC_STREAM_TYPE_HEADER) },
    { MP_ROM_QSTR(MP_QSTR_STREAM_TYPE_I), MP_ROM_INT(VENC_STREAM_TYPE_I) },
    { MP_ROM_QSTR(MP_QSTR_STREAM_TYPE_P), MP_ROM_INT(VENC_STREAM_TYPE_P) },
    // ChnAttrStr keywords beyond the manual: rate control, rotation (degrees) and mirror.
    { MP_ROM_QSTR(MP_QSTR_RC_CBR), MP_ROM_INT(VENC_RC_CBR) },
    { MP_ROM_QSTR(MP_QSTR_RC_VBR), MP_ROM_INT(VENC_RC_VBR) },
    { MP_ROM_QSTR(MP_QSTR_RC_FIXQP), MP_ROM_INT(VENC_RC_FIXQP) },
    { MP_ROM_QSTR(MP_QSTR_ROTATION_0), MP_ROM_INT(VENC_ROTATION_0) },
    { MP_ROM_QSTR(MP_QSTR_ROTATION_90), MP_ROM_INT(VENC_ROTATION_90) },
    { MP_ROM_QSTR(MP_QSTR_ROTATION_180), MP_ROM_INT(VENC_ROTATION_180) },
    { MP_ROM_QSTR(MP_QSTR_ROTATION_270), MP_ROM_INT(VENC_ROTATION_270) },
    { MP_ROM_QSTR(MP_QSTR_MIRROR_NONE), MP_ROM_INT(VENC_MIRROR_NONE) },
    { MP_ROM_QSTR(MP_QSTR_MIRROR_HORIZONTAL), MP_ROM_INT(VENC_MIRROR_HORIZONTAL) },
    { MP_ROM_QSTR(MP_QSTR_MIRROR_VERTICAL), MP_ROM_INT(VENC_MIRROR_VERTICAL) },
};
static MP_DEFINE_CONST_DICT(venc_encoder_locals, venc_encoder_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    venc_encoder_type,
    MP_QSTR_Encoder,
    MP_TYPE_FLAG_NONE,
    make_new, venc_encoder_make_new,
    attr, venc_encoder_attr,
    locals_dict, &venc_encoder_locals
    );

// deinit_all(): what a firmware runs between scripts (soft reset, IDE stop):
// releases held streams, stops and destroys every channel, unbinds links, exits VB.
static mp_obj_t venc_deinit_all_fn(void) {
    venc_error_t err;
    venc_check(venc_deinit_all(&err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(venc_deinit_all_obj, venc_deinit_all_fn);

static const mp_rom_map_elem_t venc_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_media_dot_vencoder) },
    { MP_ROM_QSTR(MP_QSTR_Encoder), MP_ROM_PTR(&venc_encoder_type) },
    { MP_ROM_QSTR(MP_QSTR_ChnAttrStr), MP_ROM_PTR(&venc_chn_attr_type) },
    { MP_ROM_QSTR(MP_QSTR_StreamData), MP_ROM_PTR(&venc_stream_data_type) },
    { MP_ROM_QSTR(MP_QSTR_k_video_frame_info), MP_ROM_PTR(&venc_k_video_frame_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_ALIGN_UP), MP_ROM_PTR(&venc_align_up_obj) },
    { MP_ROM_QSTR(MP_QSTR_deinit_all), MP_ROM_PTR(&venc_deinit_all_obj) },
    { MP_ROM_QSTR(MP_QSTR_uctypes), MP_ROM_PTR(&mp_module_uctypes) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_0), MP_ROM_INT(VENC_CHN_ID_0) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_1), MP_ROM_INT(VENC_CHN_ID_1) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_2), MP_ROM_INT(VENC_CHN_ID_2) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_3), MP_ROM_INT(VENC_CHN_ID_3) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_MAX), MP_ROM_INT(VENC_CHN_COUNT) },
    { MP_ROM_QSTR(MP_QSTR_VENC_PACK_CNT_MAX), MP_ROM_INT(VENC_PACK_CNT_MAX) },
    { MP_ROM_QSTR(MP_QSTR_VENC_DEV_ID), MP_ROM_INT(VENC_DEV_ID) },
    { MP_ROM_QSTR(MP_QSTR_VIDEO_ENCODE_MOD_ID), MP_ROM_INT(VENC_MOD_ID) },
    { MP_ROM_QSTR(MP_QSTR_K_PT_H264), MP_ROM_INT(VENC_PT_H264) },
    { MP_ROM_QSTR(MP_QSTR_K_PT_H265), MP_ROM_INT(VENC_PT_H265) },
    { MP_ROM_QSTR(MP_QSTR_K_PT_JPEG), MP_ROM_INT(VENC_PT_JPEG) },
};
static MP_DEFINE_CONST_DICT(venc_module_globals, venc_module_globals_table);

const mp_obj_module_t venc_module_vencoder = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&venc_module_globals,
};

