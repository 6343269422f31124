// venc_frame.c - k_video_frame_info(): a uctypes struct with the MPP layout, as the CanMV
// firmware provides it, built from the layout the core describes (VENC_FRAME_FIELDS), the
// frame_info argument of SendFrame, and ALIGN_UP.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <string.h>

#include "venc_glue.h"

static mp_obj_t venc_uctypes_or(mp_int_t offset, qstr type) {
    return mp_obj_new_int(offset | mp_obj_get_int(venc_uctypes_const(type)));
}

static qstr venc_uctypes_type(venc_field_kind_t kind) {
    switch (kind) {
        case VENC_FIELD_KIND_T_U16:
            return MP_QSTR_UINT16;
        case VENC_FIELD_KIND_T_S16:
            return MP_QSTR_INT16;
        case VENC_FIELD_KIND_T_U32:
            return MP_QSTR_UINT32;
        default:
            return MP_QSTR_UINT64;
    }
}

// The uctypes descriptor of the struct VENC_LAYOUT_* `layout` names.
static mp_obj_t venc_layout(uint8_t layout) {
    mp_obj_t dict = mp_obj_new_dict(0);
    for (size_t i = 0; i < VENC_FRAME_FIELD_COUNT; i++) {
        const venc_frame_field_t *f = &VENC_FRAME_FIELDS[i];
        if (f->layout != layout) {
            continue;
        }
        mp_obj_t value;
        if (f->kind == VENC_FIELD_KIND_T_STRUCT) {
            mp_obj_t sub[2] = { MP_OBJ_NEW_SMALL_INT(f->offset), venc_layout(f->child) };
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
        qstr name = qstr_from_str((const char *)f->name);
        mp_obj_dict_store(dict, MP_OBJ_NEW_QSTR(name), value);
    }
    return dict;
}

// k_video_frame_info()
static mp_obj_t venc_k_video_frame_info(void) {
    // The struct object keeps the buffer alive: the GC scans the object's
    // address field, which points at the start of this heap block.
    uint8_t *mem = m_new0(uint8_t, VENC_FRAME_INFO_SIZE);
    mp_obj_t args[3] = {
        mp_obj_new_int_from_ull((uintptr_t)mem),
        venc_layout(VENC_LAYOUT_FRAME_INFO),
        venc_uctypes_const(MP_QSTR_LITTLE_ENDIAN),
    };
    return mp_call_function_n_kw(venc_uctypes_const(MP_QSTR_struct), 3, 0, args);
}
MP_DEFINE_CONST_FUN_OBJ_0(venc_k_video_frame_info_obj, venc_k_video_frame_info);

size_t venc_frame_arg(mp_obj_t o, uint8_t *out) {
    // Any object with the frame in its buffer: the uctypes struct k_video_frame_info() gives
    // (and CanMV scripts build by hand), or the frame info that CanMV's
    // sensor.snapshot(dump_frame=True) returns (_media.py_video_frame_info); the core checks
    // its size and its fields.
    mp_buffer_info_t buf;
    if (mp_obj_is_int(o) || mp_obj_is_str(o) || !mp_get_buffer(o, &buf, MP_BUFFER_READ)) {
        mp_raise_msg_varg(&mp_type_TypeError,
            MP_ERROR_TEXT("SendFrame: frame_info must be a k_video_frame_info() struct or the frame of "
                "sensor.snapshot(dump_frame=True), not %s"), mp_obj_get_type_str(o));
    }
    size_t len = buf.len < VENC_FRAME_INFO_SIZE + 1 ? buf.len : VENC_FRAME_INFO_SIZE + 1;
    memcpy(out, buf.buf, len);
    return len;
}

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
MP_DEFINE_CONST_FUN_OBJ_2(venc_align_up_obj, venc_align_up);
