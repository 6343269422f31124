// modvencoder.c - MicroPython glue of k230-venc: the `media.vencoder` module
// (Encoder, ChnAttrStr, StreamData, constants) and the native helpers of
// MediaManager, registered as the extensible built-in module `media`.
//
// This file only converts objects and raises exceptions; every decision is
// made by the Rust core (k230_venc.h). It uses MicroPython APIs present in
// v1.21 (the CanMV firmware) and later, and keeps no pointer to the GC heap
// outside GC-managed objects.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <string.h>

#include "py/mpthread.h"
#include "py/obj.h"
#include "py/objlist.h"
#include "py/runtime.h"
#include "py/smallint.h"

#include "k230_venc.h"

#ifndef MP_NORETURN
#define MP_NORETURN NORETURN
#endif

#ifndef mp_obj_malloc_with_finaliser
// MicroPython 1.21 spells it differently.
#define mp_obj_malloc_with_finaliser(struct_type, obj_type) \
    ((struct_type *)venc_malloc_with_finaliser(sizeof(struct_type), obj_type))
static void *venc_malloc_with_finaliser(size_t n, const mp_obj_type_t *type) {
    mp_obj_base_t *base = (mp_obj_base_t *)m_malloc_with_finaliser(n);
    base->type = type;
    return base;
}
#endif

// K230 values of the constants (facts sheet section 3).
#define VENC_K_PT_JPEG (26)
#define VENC_K_PT_H264 (96)
#define VENC_K_PT_H265 (265)
#define VENC_K_ID_VENC (9)
#define VENC_CHN_COUNT (4)
// Slice of a blocking GetStream between checks for Ctrl-C / pending events.
#define VENC_WAIT_SLICE_MS (50)

extern const mp_obj_module_t mp_module_uctypes;

static mp_obj_t venc_uctypes_const(qstr name);

// ---------------------------------------------------------------------------
// Helpers

// Raises the exception a core failure stands for.
static MP_NORETURN void venc_raise(const venc_error_t *err) {
    switch (err->kind) {
        case VENC_ERR_VALUE:
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), err->msg);
        case VENC_ERR_TYPE:
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s"), err->msg);
        case VENC_ERR_OS:
        case VENC_ERR_TIMEOUT: {
            mp_obj_t args[2] = {
                mp_obj_new_int_from_uint((uint32_t)err->code),
                mp_obj_new_str(err->msg, strlen(err->msg)),
            };
            nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
        }
        default:
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s"), err->msg);
    }
}

static void venc_check(int32_t ret, const venc_error_t *err) {
    if (ret != 0) {
        venc_raise(err);
    }
}

// An int argument; big ints are clamped so that the core reports them out of range.
static int64_t venc_int_arg(mp_obj_t o, const char *name) {
    if (mp_obj_is_small_int(o)) {
        return MP_OBJ_SMALL_INT_VALUE(o);
    }
    if (mp_obj_is_int(o)) {
        if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_MORE, o, mp_obj_new_int_from_ll(INT64_MAX)))) {
            return INT64_MAX;
        }
        if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_LESS, o, mp_obj_new_int_from_ll(INT64_MIN)))) {
            return INT64_MIN;
        }
        return (int64_t)mp_obj_int_get_truncated(o);
    }
    if (mp_obj_is_bool(o)) {
        return o == mp_const_true;
    }
    mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s must be an int, not %s"),
        name, mp_obj_get_type_str(o));
}

// A non-negative value as an int object; allocates only if it is not a small int.
static mp_obj_t venc_uint_obj(uint64_t v) {
    if (v <= (uint64_t)(mp_uint_t)MP_SMALL_INT_POSITIVE_MASK) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    return mp_obj_new_int_from_ull(v);
}

// Between the slices of a wait: what the port does while it waits (CanMV's hook also
// serves the IDE's stop request), else at least raise Ctrl-C and run scheduled callbacks.
static void venc_wait_hook(void) {
    #ifdef MICROPY_EVENT_POLL_HOOK
    MICROPY_EVENT_POLL_HOOK
    #else
    mp_handle_pending(true);
    #endif
}

// ---------------------------------------------------------------------------
// ChnAttrStr

typedef struct {
    mp_obj_base_t base;
    venc_chn_attr_t attr;
} venc_chn_attr_obj_t;

// Attribute name -> field, in constructor order.
static const struct {
    qstr name;
    uint8_t offset;
} venc_attr_fields[] = {
    { MP_QSTR_payload_type, offsetof(venc_chn_attr_t, payload_type) },
    { MP_QSTR_profile, offsetof(venc_chn_attr_t, profile) },
    { MP_QSTR_pic_width, offsetof(venc_chn_attr_t, pic_width) },
    { MP_QSTR_pic_height, offsetof(venc_chn_attr_t, pic_height) },
    { MP_QSTR_bit_rate, offsetof(venc_chn_attr_t, bit_rate) },
    { MP_QSTR_gop_len, offsetof(venc_chn_attr_t, gop_len) },
    { MP_QSTR_src_frame_rate, offsetof(venc_chn_attr_t, src_frame_rate) },
    { MP_QSTR_dst_frame_rate, offsetof(venc_chn_attr_t, dst_frame_rate) },
    { MP_QSTR_mjpeg_quality_factor, offsetof(venc_chn_attr_t, mjpeg_quality_factor) },
};
#define VENC_ATTR_FIELD(self, i) ((int64_t *)((uint8_t *)&(self)->attr + venc_attr_fields[i].offset))

extern const mp_obj_type_t venc_chn_attr_type;

// ChnAttrStr(payloadType, profile, picWidth, picHeight, bit_rate=4000, gopLen=30,
//            src_frame_rate=30, dst_frame_rate=30, mjpeg_quality_factor=45)
static mp_obj_t venc_chn_attr_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_payloadType, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_profile, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_picWidth, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_picHeight, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_bit_rate, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_INT(4000)} },
        { MP_QSTR_gopLen, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_INT(30)} },
        { MP_QSTR_src_frame_rate, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_INT(30)} },
        { MP_QSTR_dst_frame_rate, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_INT(30)} },
        { MP_QSTR_mjpeg_quality_factor, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_INT(45)} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    venc_chn_attr_obj_t *self = mp_obj_malloc(venc_chn_attr_obj_t, type);
    for (size_t i = 0; i < MP_ARRAY_SIZE(allowed_args); i++) {
        *VENC_ATTR_FIELD(self, i) = venc_int_arg(args[i].u_obj, qstr_str(venc_attr_fields[i].name));
    }
    return MP_OBJ_FROM_PTR(self);
}

static void venc_chn_attr_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    venc_chn_attr_obj_t *self = MP_OBJ_TO_PTR(self_in);
    for (size_t i = 0; i < MP_ARRAY_SIZE(venc_attr_fields); i++) {
        if (venc_attr_fields[i].name != attr) {
            continue;
        }
        if (dest[0] == MP_OBJ_NULL) {
            dest[0] = mp_obj_new_int_from_ll(*VENC_ATTR_FIELD(self, i));
        } else if (dest[1] != MP_OBJ_NULL) {
            *VENC_ATTR_FIELD(self, i) = venc_int_arg(dest[1], qstr_str(attr));
            dest[0] = MP_OBJ_NULL;
        }
        return;
    }
}

static void venc_chn_attr_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    venc_chn_attr_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_print_str(print, "ChnAttrStr(");
    for (size_t i = 0; i < MP_ARRAY_SIZE(venc_attr_fields); i++) {
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
    mp_printf(print, "StreamData(pack_cnt=%d%s)", (int)mp_obj_get_int(self->pack_cnt),
        self->token ? ", holds a stream" : "");
}

MP_DEFINE_CONST_OBJ_TYPE(
    venc_stream_data_type,
    MP_QSTR_StreamData,
    MP_TYPE_FLAG_NONE,
    make_new, venc_stream_data_make_new,
    print, venc_stream_data_print,
    attr, venc_stream_data_attr
    );

static venc_stream_data_obj_t *venc_stream_data_arg(mp_obj_t o) {
    if (!mp_obj_is_type(o, &venc_stream_data_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("streamData must be a StreamData, not %s"),
            mp_obj_get_type_str(o));
    }
    return MP_OBJ_TO_PTR(o);
}

// ---------------------------------------------------------------------------
// Encoder

typedef struct {
    mp_obj_base_t base;
    uint32_t owner; // channels this object created are torn down by its finaliser
} venc_encoder_obj_t;

// Encoder()
static mp_obj_t venc_encoder_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)args;
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    venc_encoder_obj_t *self = mp_obj_malloc_with_finaliser(venc_encoder_obj_t, type);
    self->owner = venc_encoder_new();
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

// Encoder.SetOutBufs(chn, buf_num, width, height)
static mp_obj_t venc_encoder_set_out_bufs(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    venc_error_t err;
    venc_check(venc_set_out_bufs(venc_int_arg(args[1], "chn"), venc_int_arg(args[2], "buf_num"),
        venc_int_arg(args[3], "width"), venc_int_arg(args[4], "height"), &err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(venc_encoder_set_out_bufs_obj, 5, 5, venc_encoder_set_out_bufs);

// Encoder.Create(chn, chnAttr)
static mp_obj_t venc_encoder_create(mp_obj_t self_in, mp_obj_t chn_in, mp_obj_t attr_in) {
    venc_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    int64_t chn = venc_int_arg(chn_in, "chn");
    if (!mp_obj_is_type(attr_in, &venc_chn_attr_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("chnAttr must be a ChnAttrStr, not %s"),
            mp_obj_get_type_str(attr_in));
    }
    venc_chn_attr_obj_t *attr = MP_OBJ_TO_PTR(attr_in);
    venc_error_t err;
    venc_check(venc_create(self->owner, chn, &attr->attr, &err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(venc_encoder_create_obj, venc_encoder_create);

// Encoder.Start(chn)
static mp_obj_t venc_encoder_start(mp_obj_t self_in, mp_obj_t chn_in) {
    (void)self_in;
    venc_error_t err;
    venc_check(venc_start(venc_int_arg(chn_in, "chn"), &err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(venc_encoder_start_obj, venc_encoder_start);

// Encoder.Stop(chn)
static mp_obj_t venc_encoder_stop(mp_obj_t self_in, mp_obj_t chn_in) {
    (void)self_in;
    venc_error_t err;
    venc_check(venc_stop(venc_int_arg(chn_in, "chn"), &err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(venc_encoder_stop_obj, venc_encoder_stop);

// Encoder.Destroy(chn)
static mp_obj_t venc_encoder_destroy(mp_obj_t self_in, mp_obj_t chn_in) {
    (void)self_in;
    venc_error_t err;
    venc_check(venc_destroy(venc_int_arg(chn_in, "chn"), &err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(venc_encoder_destroy_obj, venc_encoder_destroy);

// Encoder.SendFrame(chn, frame_info) -> 0, or the K230 code when no output
// buffer became free within the timeout.
static mp_obj_t venc_encoder_send_frame(mp_obj_t self_in, mp_obj_t chn_in, mp_obj_t frame_in) {
    (void)self_in;
    int64_t chn = venc_int_arg(chn_in, "chn");
    // A uctypes struct, as k_video_frame_info() gives and CanMV scripts build by hand; the
    // core checks its size (224 bytes) and its fields.
    mp_buffer_info_t buf;
    if (!mp_obj_is_type(frame_in, MP_OBJ_TO_PTR(venc_uctypes_const(MP_QSTR_struct)))
        || !mp_get_buffer(frame_in, &buf, MP_BUFFER_READ)) {
        mp_raise_msg_varg(&mp_type_TypeError,
            MP_ERROR_TEXT("frame_info must be a k_video_frame_info() struct, not %s"), mp_obj_get_type_str(frame_in));
    }
    // The core reads a copy: the GIL is released while it waits.
    // One byte more than the struct, so that a larger buffer still shows as the wrong size.
    uint8_t frame[VENC_FRAME_INFO_SIZE + 1];
    size_t frame_len = buf.len < sizeof(frame) ? buf.len : sizeof(frame);
    memcpy(frame, buf.buf, frame_len);
    venc_error_t err;
    int32_t ret;
    for (int32_t left = VENC_SEND_TIMEOUT_MS;;) {
        // Wait for a free output buffer in slices, as GetStream does.
        int32_t slice = left > VENC_WAIT_SLICE_MS ? VENC_WAIT_SLICE_MS : left;
        MP_THREAD_GIL_EXIT();
        ret = venc_send_frame(chn, frame, frame_len, slice, &err);
        MP_THREAD_GIL_ENTER();
        left -= slice;
        if (ret != VENC_ERR_TIMEOUT || left <= 0) {
            break;
        }
        venc_wait_hook();
    }
    if (ret == VENC_ERR_TIMEOUT) {
        return venc_uint_obj((uint32_t)err.code);
    }
    venc_check(ret, &err);
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_3(venc_encoder_send_frame_obj, venc_encoder_send_frame);

// Encoder.GetStream(chn, streamData, timeout=-1) -> 0, or the K230 code
// (K_ERR_VENC_BUF_EMPTY) when no stream came within the timeout. Fills the
// StreamData lists in place: no heap allocation per frame.
static mp_obj_t venc_encoder_get_stream(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_chn, ARG_streamData, ARG_timeout };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_chn, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_streamData, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_timeout, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_INT(-1)} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    int64_t chn = venc_int_arg(args[ARG_chn].u_obj, "chn");
    venc_stream_data_obj_t *sd = venc_stream_data_arg(args[ARG_streamData].u_obj);
    int64_t timeout = venc_int_arg(args[ARG_timeout].u_obj, "timeout");

    venc_pack_t packs[VENC_PACK_CNT_MAX];
    uint32_t token = 0, count = 0;
    venc_error_t err;
    int32_t ret;
    int64_t left = timeout;
    for (;;) {
        // Wait in slices so that Ctrl-C and scheduled callbacks are served.
        int64_t slice = (left < 0 || left > VENC_WAIT_SLICE_MS) ? VENC_WAIT_SLICE_MS : left;
        if (timeout < -1) {
            slice = timeout; // let the core reject it
        }
        MP_THREAD_GIL_EXIT();
        ret = venc_get_stream(chn, slice, sd->token, packs, &token, &count, &err);
        MP_THREAD_GIL_ENTER();
        if (ret != VENC_ERR_TIMEOUT || timeout == 0) {
            break;
        }
        if (left > 0) {
            left -= slice;
            if (left <= 0) {
                break;
            }
        }
        venc_wait_hook();
    }
    if (ret == VENC_ERR_TIMEOUT) {
        return venc_uint_obj((uint32_t)err.code);
    }
    venc_check(ret, &err);
    for (size_t l = 0; l < VENC_SD_LISTS; l++) {
        // The lists are the script's too: one it shortened gets a fresh list of 12 slots.
        if (((mp_obj_list_t *)MP_OBJ_TO_PTR(sd->lists[l]))->len < VENC_PACK_CNT_MAX) {
            sd->lists[l] = venc_new_pack_list();
        }
    }
    for (size_t i = 0; i < VENC_PACK_CNT_MAX; i++) {
        bool used = i < count;
        ((mp_obj_list_t *)MP_OBJ_TO_PTR(sd->lists[VENC_SD_DATA]))->items[i] = venc_uint_obj(used ? packs[i].virt : 0);
        ((mp_obj_list_t *)MP_OBJ_TO_PTR(sd->lists[VENC_SD_PHY_ADDR]))->items[i] = venc_uint_obj(used ? packs[i].phys : 0);
        ((mp_obj_list_t *)MP_OBJ_TO_PTR(sd->lists[VENC_SD_DATA_SIZE]))->items[i] = venc_uint_obj(used ? packs[i].len : 0);
        ((mp_obj_list_t *)MP_OBJ_TO_PTR(sd->lists[VENC_SD_STREAM_TYPE]))->items[i] = venc_uint_obj(used ? packs[i].type : 0);
        ((mp_obj_list_t *)MP_OBJ_TO_PTR(sd->lists[VENC_SD_PTS]))->items[i] = venc_uint_obj(used ? packs[i].pts : 0);
    }
    sd->pack_cnt = MP_OBJ_NEW_SMALL_INT(count);
    sd->token = token;
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(venc_encoder_get_stream_obj, 1, venc_encoder_get_stream);

// Encoder.ReleaseStream(chn, streamData)
static mp_obj_t venc_encoder_release_stream(mp_obj_t self_in, mp_obj_t chn_in, mp_obj_t sd_in) {
    (void)self_in;
    int64_t chn = venc_int_arg(chn_in, "chn");
    venc_stream_data_obj_t *sd = venc_stream_data_arg(sd_in);
    venc_error_t err;
    int32_t ret = venc_release_stream(chn, sd->token, &err);
    if (ret == 0 || ret == VENC_ERR_OS) {
        // Released, or the MPP refused but the core has let the stream go.
        sd->token = 0;
    }
    venc_check(ret, &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(venc_encoder_release_stream_obj, venc_encoder_release_stream);

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
    { MP_ROM_QSTR(MP_QSTR_PAYLOAD_TYPE_H264), MP_ROM_INT(VENC_K_PT_H264) },
    { MP_ROM_QSTR(MP_QSTR_PAYLOAD_TYPE_H265), MP_ROM_INT(VENC_K_PT_H265) },
    { MP_ROM_QSTR(MP_QSTR_PAYLOAD_TYPE_JPEG), MP_ROM_INT(VENC_K_PT_JPEG) },
    { MP_ROM_QSTR(MP_QSTR_H264_PROFILE_BASELINE), MP_ROM_INT(1) },
    { MP_ROM_QSTR(MP_QSTR_H264_PROFILE_MAIN), MP_ROM_INT(2) },
    { MP_ROM_QSTR(MP_QSTR_H264_PROFILE_HIGH), MP_ROM_INT(3) },
    { MP_ROM_QSTR(MP_QSTR_H265_PROFILE_MAIN), MP_ROM_INT(5) },
    { MP_ROM_QSTR(MP_QSTR_STREAM_TYPE_HEADER), MP_ROM_INT(3) },
    { MP_ROM_QSTR(MP_QSTR_STREAM_TYPE_I), MP_ROM_INT(2) },
    { MP_ROM_QSTR(MP_QSTR_STREAM_TYPE_P), MP_ROM_INT(1) },
};
static MP_DEFINE_CONST_DICT(venc_encoder_locals, venc_encoder_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    venc_encoder_type,
    MP_QSTR_Encoder,
    MP_TYPE_FLAG_NONE,
    make_new, venc_encoder_make_new,
    locals_dict, &venc_encoder_locals
    );

// ---------------------------------------------------------------------------
// k_video_frame_info(): a uctypes struct over 224 bytes with the MPP layout,
// as the CanMV firmware provides it.

enum { VENC_F_U16 = 16, VENC_F_U32 = 32, VENC_F_U64 = 64, VENC_F_S16 = -16, VENC_F_STRUCT = 0 };

typedef struct {
    qstr name;
    uint8_t offset;
    int8_t kind;  // VENC_F_*
    uint8_t count; // > 0: an array
} venc_field_t;

static const venc_field_t venc_frame_fields[] = {
    { MP_QSTR_width, 0, VENC_F_U32, 0 },
    { MP_QSTR_height, 4, VENC_F_U32, 0 },
    { MP_QSTR_field, 8, VENC_F_U32, 0 },
    { MP_QSTR_pixel_format, 12, VENC_F_U32, 0 },
    { MP_QSTR_video_format, 16, VENC_F_U32, 0 },
    { MP_QSTR_dynamic_range, 20, VENC_F_U32, 0 },
    { MP_QSTR_compress_mode, 24, VENC_F_U32, 0 },
    { MP_QSTR_color_gamut, 28, VENC_F_U32, 0 },
    { MP_QSTR_header_stride, 32, VENC_F_U32, 3 },
    { MP_QSTR_stride, 44, VENC_F_U32, 3 },
    { MP_QSTR_header_phys_addr, 56, VENC_F_U64, 3 },
    { MP_QSTR_header_virt_addr, 80, VENC_F_U64, 3 },
    { MP_QSTR_phys_addr, 104, VENC_F_U64, 3 },
    { MP_QSTR_virt_addr, 128, VENC_F_U64, 3 },
    { MP_QSTR_offset_top, 152, VENC_F_S16, 0 },
    { MP_QSTR_offset_bottom, 154, VENC_F_S16, 0 },
    { MP_QSTR_offset_left, 156, VENC_F_S16, 0 },
    { MP_QSTR_offset_right, 158, VENC_F_S16, 0 },
    { MP_QSTR_time_ref, 160, VENC_F_U32, 0 },
    { MP_QSTR_pts, 168, VENC_F_U64, 0 },
    { MP_QSTR_priv_data, 176, VENC_F_U64, 0 },
    { MP_QSTR_supplement, 184, VENC_F_STRUCT, 0 },
};

static const venc_field_t venc_supplement_fields[] = {
    { MP_QSTR_jpeg_dcf_phy_addr, 0, VENC_F_U64, 0 },
    { MP_QSTR_isp_info_phy_addr, 8, VENC_F_U64, 0 },
    { MP_QSTR_jpeg_dcf_kvirt_addr, 16, VENC_F_U64, 0 },
    { MP_QSTR_isp_info_kvirt_addr, 24, VENC_F_U64, 0 },
};

static mp_obj_t venc_uctypes_const(qstr name) {
    return mp_load_attr(MP_OBJ_FROM_PTR(&mp_module_uctypes), name);
}

static mp_obj_t venc_uctypes_or(mp_int_t offset, qstr type) {
    return mp_obj_new_int(offset | mp_obj_get_int(venc_uctypes_const(type)));
}

static qstr venc_uctypes_type(int8_t kind) {
    switch (kind) {
        case VENC_F_U16:
            return MP_QSTR_UINT16;
        case VENC_F_S16:
            return MP_QSTR_INT16;
        case VENC_F_U32:
            return MP_QSTR_UINT32;
        default:
            return MP_QSTR_UINT64;
    }
}

static mp_obj_t venc_layout(const venc_field_t *fields, size_t n) {
    mp_obj_t dict = mp_obj_new_dict(n);
    for (size_t i = 0; i < n; i++) {
        const venc_field_t *f = &fields[i];
        mp_obj_t value;
        if (f->kind == VENC_F_STRUCT) {
            mp_obj_t sub[2] = {
                MP_OBJ_NEW_SMALL_INT(f->offset),
                venc_layout(venc_supplement_fields, MP_ARRAY_SIZE(venc_supplement_fields)),
            };
            value = mp_obj_new_tuple(2, sub);
        } else if (f->count > 0) {
            mp_obj_t arr[2] = {
                venc_uctypes_or(f->offset, MP_QSTR_ARRAY),
                venc_uctypes_or(f->count, venc_uctypes_type(f->kind)),
            };
            value = mp_obj_new_tuple(2, arr);
        } else {
            value = venc_uctypes_or(f->offset, venc_uctypes_type(f->kind));
        }
        mp_obj_dict_store(dict, MP_OBJ_NEW_QSTR(f->name), value);
    }
    return dict;
}

static mp_obj_t venc_k_video_frame_info(void) {
    mp_obj_t desc = mp_obj_new_dict(3);
    mp_obj_t v_frame[2] = {
        MP_OBJ_NEW_SMALL_INT(0), venc_layout(venc_frame_fields, MP_ARRAY_SIZE(venc_frame_fields)),
    };
    mp_obj_dict_store(desc, MP_OBJ_NEW_QSTR(MP_QSTR_v_frame), mp_obj_new_tuple(2, v_frame));
    mp_obj_dict_store(desc, MP_OBJ_NEW_QSTR(MP_QSTR_pool_id), venc_uctypes_or(216, MP_QSTR_UINT32));
    mp_obj_dict_store(desc, MP_OBJ_NEW_QSTR(MP_QSTR_mod_id), venc_uctypes_or(220, MP_QSTR_UINT32));
    // The struct object keeps the buffer alive: the GC scans the object's
    // address field, which points at the start of this heap block.
    uint8_t *mem = m_new0(uint8_t, 224);
    mp_obj_t args[3] = {
        mp_obj_new_int_from_ull((uintptr_t)mem), desc, venc_uctypes_const(MP_QSTR_LITTLE_ENDIAN),
    };
    return mp_call_function_n_kw(venc_uctypes_const(MP_QSTR_struct), 3, 0, args);
}
static MP_DEFINE_CONST_FUN_OBJ_0(venc_k_video_frame_info_obj, venc_k_video_frame_info);

// ALIGN_UP(x, a): x rounded up to a multiple of a (a power of two).
static mp_obj_t venc_align_up(mp_obj_t x_in, mp_obj_t a_in) {
    mp_int_t a = mp_obj_get_int(a_in);
    if (a <= 0 || (a & (a - 1)) != 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("ALIGN_UP: a must be a power of two (got %d)"), (int)a);
    }
    if (!mp_obj_is_int(x_in)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("ALIGN_UP: x must be an int, not %s"),
            mp_obj_get_type_str(x_in));
    }
    // Integer arithmetic of any size: (x + a - 1) & ~(a - 1) never overflows.
    mp_obj_t sum = mp_binary_op(MP_BINARY_OP_ADD, x_in, MP_OBJ_NEW_SMALL_INT(a - 1));
    return mp_binary_op(MP_BINARY_OP_AND, sum, MP_OBJ_NEW_SMALL_INT(~(a - 1)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(venc_align_up_obj, venc_align_up);

// deinit_all(): what a firmware runs between scripts (soft reset, IDE stop):
// releases held streams, stops and destroys every channel, unbinds links, exits VB.
static mp_obj_t venc_deinit_all_fn(void) {
    venc_error_t err;
    venc_check(venc_deinit_all(&err), &err);
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
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_0), MP_ROM_INT(0) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_1), MP_ROM_INT(1) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_2), MP_ROM_INT(2) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_3), MP_ROM_INT(3) },
    { MP_ROM_QSTR(MP_QSTR_VENC_CHN_ID_MAX), MP_ROM_INT(VENC_CHN_COUNT) },
    { MP_ROM_QSTR(MP_QSTR_VENC_PACK_CNT_MAX), MP_ROM_INT(VENC_PACK_CNT_MAX) },
    { MP_ROM_QSTR(MP_QSTR_VENC_DEV_ID), MP_ROM_INT(0) },
    { MP_ROM_QSTR(MP_QSTR_VIDEO_ENCODE_MOD_ID), MP_ROM_INT(VENC_K_ID_VENC) },
    { MP_ROM_QSTR(MP_QSTR_K_PT_H264), MP_ROM_INT(VENC_K_PT_H264) },
    { MP_ROM_QSTR(MP_QSTR_K_PT_H265), MP_ROM_INT(VENC_K_PT_H265) },
    { MP_ROM_QSTR(MP_QSTR_K_PT_JPEG), MP_ROM_INT(VENC_K_PT_JPEG) },
};
static MP_DEFINE_CONST_DICT(venc_module_globals, venc_module_globals_table);

const mp_obj_module_t venc_module_vencoder = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&venc_module_globals,
};

// ---------------------------------------------------------------------------
// MediaManager helpers: links and VB setup, with the logic in the core.

typedef struct {
    mp_obj_base_t base;
    uint32_t token;
} venc_link_obj_t;

// link.__del__() / link.unlink(): unbinds (nothing if already unbound).
static mp_obj_t venc_link_unlink(mp_obj_t self_in) {
    venc_link_obj_t *self = MP_OBJ_TO_PTR(self_in);
    venc_error_t err;
    uint32_t token = self->token;
    self->token = 0;
    venc_check(venc_unlink(token, &err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(venc_link_unlink_obj, venc_link_unlink);

static mp_obj_t venc_link_del(mp_obj_t self_in) {
    venc_link_obj_t *self = MP_OBJ_TO_PTR(self_in);
    venc_unlink(self->token, NULL);
    self->token = 0;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(venc_link_del_obj, venc_link_del);

static void venc_link_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    venc_link_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<media link, %s>", venc_is_linked(self->token) ? "bound" : "unbound");
}

static const mp_rom_map_elem_t venc_link_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&venc_link_del_obj) },
    { MP_ROM_QSTR(MP_QSTR_unlink), MP_ROM_PTR(&venc_link_unlink_obj) },
};
static MP_DEFINE_CONST_DICT(venc_link_locals, venc_link_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    venc_link_type,
    MP_QSTR_media_link,
    MP_TYPE_FLAG_NONE,
    print, venc_link_print,
    locals_dict, &venc_link_locals
    );

static void venc_triple_arg(mp_obj_t o, const char *name, int64_t out[3]) {
    size_t len = 0;
    mp_obj_t *items = NULL;
    if (mp_obj_is_type(o, &mp_type_tuple) || mp_obj_is_type(o, &mp_type_list)) {
        mp_obj_get_array(o, &len, &items);
    }
    if (len != 3) {
        mp_raise_msg_varg(&mp_type_TypeError,
            MP_ERROR_TEXT("%s must be a (module id, device id, channel id) tuple"), name);
    }
    for (size_t i = 0; i < 3; i++) {
        out[i] = venc_int_arg(items[i], name);
    }
}

// media._mm_link(src, dst) -> link object (MediaManager.link)
static mp_obj_t venc_mm_link(mp_obj_t src_in, mp_obj_t dst_in) {
    int64_t src[3], dst[3];
    venc_triple_arg(src_in, "src", src);
    venc_triple_arg(dst_in, "dst", dst);
    venc_link_obj_t *link = mp_obj_malloc_with_finaliser(venc_link_obj_t, &venc_link_type);
    link->token = 0;
    venc_error_t err;
    venc_check(venc_link(src, dst, &link->token, &err), &err);
    return MP_OBJ_FROM_PTR(link);
}
static MP_DEFINE_CONST_FUN_OBJ_2(venc_mm_link_obj, venc_mm_link);

// media._mm_init() (MediaManager.init)
static mp_obj_t venc_mm_init(void) {
    venc_error_t err;
    venc_check(venc_media_init(&err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(venc_mm_init_obj, venc_mm_init);

// media._mm_deinit() (MediaManager.deinit)
static mp_obj_t venc_mm_deinit(void) {
    venc_error_t err;
    venc_check(venc_media_deinit(&err), &err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(venc_mm_deinit_obj, venc_mm_deinit);

static const mp_rom_map_elem_t venc_media_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_media) },
    { MP_ROM_QSTR(MP_QSTR_vencoder), MP_ROM_PTR(&venc_module_vencoder) },
    { MP_ROM_QSTR(MP_QSTR__mm_init), MP_ROM_PTR(&venc_mm_init_obj) },
    { MP_ROM_QSTR(MP_QSTR__mm_deinit), MP_ROM_PTR(&venc_mm_deinit_obj) },
    { MP_ROM_QSTR(MP_QSTR__mm_link), MP_ROM_PTR(&venc_mm_link_obj) },
};
static MP_DEFINE_CONST_DICT(venc_media_globals, venc_media_globals_table);

const mp_obj_module_t venc_module_media = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&venc_media_globals,
};

// `import media.vencoder` finds this when no Python `media` package exists;
// where one does (CanMV firmware, simulator), its media/vencoder.py forwards
// with `from umedia.vencoder import *`.
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_media, venc_module_media);
