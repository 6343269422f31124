// _media for the unix_sim board: the two frame types of CanMV's `_media` module that
// media.sensor's snapshot(dump_frame=True) returns (neighbours facts sheet 2.3). On the board
// the firmware has its own `_media`; this one is the simulator's, so that the frozen
// media.sensor hands scripts the same objects.
//
//   py_video_frame_info(buf): buf has the buffer protocol and exactly
//       sizeof(k_video_frame_info) = 224 bytes, else TypeError("expect size: 224, actual
//       size: N"); the object keeps its own copy. Read-only attributes mod_id, pool_id and
//       v_frame (a py_video_frame, made on first use and kept). Buffer protocol: the 224 bytes,
//       read only, so Encoder.SendFrame (and kd_mpi_venc_send_frame) take the object itself.
//   py_video_frame: read-only width, height, pixel_format, phys_addr (list of 3), virt_addr
//       (list of 3), pts. Buffer protocol: the raw k_video_frame (216 bytes), read only.
//       Made only through py_video_frame_info.v_frame.
//
// The layouts are the project's own declarations (include/k230_mpp.h). The board's
// py_video_frame also has to_image(), release() and nv12_to_grayscale(); they are left out
// here (the simulator has no image module).
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "py/obj.h"
#include "py/runtime.h"

#include "k230_mpp.h"

_Static_assert(sizeof(k_video_frame_info) == 224, "k_video_frame_info is 224 bytes");
_Static_assert(sizeof(k_video_frame) == 216, "k_video_frame is 216 bytes");

typedef struct {
    mp_obj_base_t base;
    k_video_frame frame;
} media_video_frame_obj_t;

typedef struct {
    mp_obj_base_t base;
    k_video_frame_info info;
    mp_obj_t v_frame; // MP_OBJ_NULL until first read
} media_video_frame_info_obj_t;

static const mp_obj_type_t media_video_frame_type;

// A read-only view of `len` bytes at `buf` for the buffer protocol; a write request fails.
static mp_int_t media_read_only_buffer(void *buf, size_t len, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    if (flags & MP_BUFFER_WRITE) {
        return 1;
    }
    bufinfo->buf = buf;
    bufinfo->len = len;
    bufinfo->typecode = 'B';
    return 0;
}

// A store or delete of a read-only attribute: AttributeError naming it.
static void media_read_only_attr(mp_obj_t self_in, qstr attr) {
    mp_raise_msg_varg(&mp_type_AttributeError, MP_ERROR_TEXT("%s.%q is read-only"),
        mp_obj_get_type_str(self_in), attr);
}

static mp_obj_t media_u64_list(const k_u64 *v) {
    mp_obj_t items[3];
    for (size_t i = 0; i < 3; i++) {
        items[i] = mp_obj_new_int_from_ull(v[i]);
    }
    return mp_obj_new_list(3, items);
}

// ---- py_video_frame ------------------------------------------------------------------------

static void media_video_frame_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    const k_video_frame *f = &((media_video_frame_obj_t *)MP_OBJ_TO_PTR(self_in))->frame;
    mp_printf(print, "<py_video_frame %ux%u pixel_format %u>",
        (unsigned)f->width, (unsigned)f->height, (unsigned)f->pixel_format);
}

// py_video_frame.width / height / pixel_format / phys_addr / virt_addr / pts
static void media_video_frame_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    const k_video_frame *f = &((media_video_frame_obj_t *)MP_OBJ_TO_PTR(self_in))->frame;
    mp_obj_t value;
    switch (attr) {
        case MP_QSTR_width:
            value = mp_obj_new_int_from_uint(f->width);
            break;
        case MP_QSTR_height:
            value = mp_obj_new_int_from_uint(f->height);
            break;
        case MP_QSTR_pixel_format:
            value = mp_obj_new_int_from_uint(f->pixel_format);
            break;
        case MP_QSTR_phys_addr:
            value = media_u64_list(f->phys_addr);
            break;
        case MP_QSTR_virt_addr:
            value = media_u64_list(f->virt_addr);
            break;
        case MP_QSTR_pts:
            value = mp_obj_new_int_from_ull(f->pts);
            break;
        default:
            return; // not ours: AttributeError
    }
    if (dest[0] != MP_OBJ_NULL) {
        media_read_only_attr(self_in, attr);
    }
    dest[0] = value;
}

static mp_int_t media_video_frame_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    media_video_frame_obj_t *self = MP_OBJ_TO_PTR(self_in);
    return media_read_only_buffer(&self->frame, sizeof(self->frame), bufinfo, flags);
}

static MP_DEFINE_CONST_OBJ_TYPE(
    media_video_frame_type,
    MP_QSTR_py_video_frame,
    MP_TYPE_FLAG_NONE,
    print, media_video_frame_print,
    attr, media_video_frame_attr,
    buffer, media_video_frame_get_buffer
    );

// ---- py_video_frame_info -------------------------------------------------------------------

// py_video_frame_info(buf)
static mp_obj_t media_video_frame_info_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
    const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[0], &buf, MP_BUFFER_READ);
    if (buf.len != sizeof(k_video_frame_info)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("expect size: %u, actual size: %u"),
            (unsigned)sizeof(k_video_frame_info), (unsigned)buf.len);
    }
    media_video_frame_info_obj_t *self = mp_obj_malloc(media_video_frame_info_obj_t, type);
    memcpy(&self->info, buf.buf, sizeof(self->info));
    self->v_frame = MP_OBJ_NULL;
    return MP_OBJ_FROM_PTR(self);
}

static void media_video_frame_info_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    const k_video_frame_info *i = &((media_video_frame_info_obj_t *)MP_OBJ_TO_PTR(self_in))->info;
    mp_printf(print, "<py_video_frame_info mod_id %u pool_id %u %ux%u pixel_format %u>",
        (unsigned)i->mod_id, (unsigned)i->pool_id, (unsigned)i->v_frame.width,
        (unsigned)i->v_frame.height, (unsigned)i->v_frame.pixel_format);
}

// py_video_frame_info.mod_id / pool_id / v_frame
static void media_video_frame_info_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    media_video_frame_info_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (attr != MP_QSTR_mod_id && attr != MP_QSTR_pool_id && attr != MP_QSTR_v_frame) {
        return; // not ours: AttributeError
    }
    if (dest[0] != MP_OBJ_NULL) {
        media_read_only_attr(self_in, attr);
    }
    if (attr == MP_QSTR_mod_id) {
        dest[0] = mp_obj_new_int_from_uint(self->info.mod_id);
    } else if (attr == MP_QSTR_pool_id) {
        dest[0] = mp_obj_new_int_from_uint(self->info.pool_id);
    } else {
        if (self->v_frame == MP_OBJ_NULL) {
            media_video_frame_obj_t *f = mp_obj_malloc(media_video_frame_obj_t, &media_video_frame_type);
            f->frame = self->info.v_frame;
            self->v_frame = MP_OBJ_FROM_PTR(f);
        }
        dest[0] = self->v_frame;
    }
}

static mp_int_t media_video_frame_info_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    media_video_frame_info_obj_t *self = MP_OBJ_TO_PTR(self_in);
    return media_read_only_buffer(&self->info, sizeof(self->info), bufinfo, flags);
}

static MP_DEFINE_CONST_OBJ_TYPE(
    media_video_frame_info_type,
    MP_QSTR_py_video_frame_info,
    MP_TYPE_FLAG_NONE,
    make_new, media_video_frame_info_make_new,
    print, media_video_frame_info_print,
    attr, media_video_frame_info_attr,
    buffer, media_video_frame_info_get_buffer
    );

// ---- module --------------------------------------------------------------------------------

static const mp_rom_map_elem_t media_videoframe_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__media) },
    { MP_ROM_QSTR(MP_QSTR_py_video_frame_info), MP_ROM_PTR(&media_video_frame_info_type) },
    { MP_ROM_QSTR(MP_QSTR_py_video_frame), MP_ROM_PTR(&media_video_frame_type) },
};
static MP_DEFINE_CONST_DICT(media_videoframe_module_globals, media_videoframe_module_globals_table);

const mp_obj_module_t media_videoframe_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&media_videoframe_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__media, media_videoframe_user_cmodule);
