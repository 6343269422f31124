// modmedia.c - the media part of the glue: the native helpers of MediaManager (VB setup
// and media links, with the logic in the core) and the extensible built-in module `media`
// that holds them and the vencoder submodule.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include "venc_glue.h"

// ---------------------------------------------------------------------------
// MediaManager helpers: links and VB setup, with the logic in the core.

typedef struct {
    mp_obj_base_t base;
    uint32_t token;
    int64_t ends[2][3]; // src, dst
} venc_link_obj_t;

// Unbinds (nothing if already unbound); a failed unbind keeps the link, to be retried.
static void venc_link_unbind(venc_link_obj_t *self) {
    venc_error_t err;
    int32_t ret = venc_unlink(self->token, &err);
    if (ret == 0) {
        self->token = 0;
    }
    venc_check(ret, &err, NULL);
}

// link.unlink(): unbinds (nothing if already unbound).
static mp_obj_t venc_link_unlink(mp_obj_t self_in) {
    venc_link_unbind(MP_OBJ_TO_PTR(self_in));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(venc_link_unlink_obj, venc_link_unlink);

// link.destroy() -> True: the newest CanMV firmware's name for it (a second call is fine, as
// there). Where the board prints "vb unbind failed" and returns False, this raises OSError
// with the K230 code, as every MPP failure does here.
static mp_obj_t venc_link_destroy(mp_obj_t self_in) {
    venc_link_unbind(MP_OBJ_TO_PTR(self_in));
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(venc_link_destroy_obj, venc_link_destroy);

// link.src, link.dst: the (mod_id, dev_id, chn_id) tuples it was made with.
static void venc_link_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    venc_link_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] != MP_OBJ_NULL) {
        return; // read-only
    }
    if (attr == MP_QSTR_src || attr == MP_QSTR_dst) {
        const int64_t *end = self->ends[attr == MP_QSTR_dst];
        mp_obj_t items[3];
        for (size_t i = 0; i < 3; i++) {
            items[i] = mp_obj_new_int_from_ll(end[i]);
        }
        dest[0] = mp_obj_new_tuple(3, items);
        return;
    }
    dest[1] = MP_OBJ_SENTINEL; // methods: the locals dict
}

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
    { MP_ROM_QSTR(MP_QSTR_destroy), MP_ROM_PTR(&venc_link_destroy_obj) },
};
static MP_DEFINE_CONST_DICT(venc_link_locals, venc_link_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    venc_link_type,
    MP_QSTR_media_link,
    MP_TYPE_FLAG_NONE,
    print, venc_link_print,
    attr, venc_link_attr,
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
    venc_link_obj_t *link = mp_obj_malloc_with_finaliser(venc_link_obj_t, &venc_link_type);
    link->token = 0;
    venc_triple_arg(src_in, "src", link->ends[0]);
    venc_triple_arg(dst_in, "dst", link->ends[1]);
    venc_error_t err;
    venc_check(venc_link(link->ends[0], link->ends[1], &link->token, &err), &err, NULL);
    return MP_OBJ_FROM_PTR(link);
}
static MP_DEFINE_CONST_FUN_OBJ_2(venc_mm_link_obj, venc_mm_link);

// media._mm_init() (MediaManager.init)
static mp_obj_t venc_mm_init(void) {
    venc_error_t err;
    venc_check(venc_media_init(&err), &err, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(venc_mm_init_obj, venc_mm_init);

// media._mm_deinit() (MediaManager.deinit)
static mp_obj_t venc_mm_deinit(void) {
    venc_error_t err;
    venc_check(venc_media_deinit(&err), &err, NULL);
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
