// _mpp: a few raw K230 MPP calls bound one to one, shaped like CanMV's `mpp` binding (facts
// sheet 4.1), for the unix_sim board only. `make bench-binding` uses them to run a
// reference-shaped GetStream / ReleaseStream / SendFrame loop written in Python the way
// CanMV's media/vencoder.py is, over the same simulator as media.vencoder.
//
//   _mpp.venc_api: kd_mpi_venc_query_status(chn, status), kd_mpi_venc_get_stream(chn, stream,
//                  milli_sec), kd_mpi_venc_release_stream(chn, stream),
//                  kd_mpi_venc_send_frame(chn, frame, milli_sec)
//   _mpp.sys_api:  kd_mpi_sys_mmap(phys_addr, size) -> int, kd_mpi_sys_munmap(virt_addr, size)
//   _mpp.sys_api binds: kd_mpi_sys_bind(src, dst), kd_mpi_sys_unbind(src, dst),
//                  kd_mpi_sys_get_bind_by_dest(dst, src): a bind the core does not know, as the
//                  board's firmware makes with its own C MediaManager.link (the tests of what
//                  the core does about such binds at teardown)
//   _mpp.mp4_format_api: the kd_mp4_* calls (modk230mp4.c), which the frozen mpp.mp4_format
//                  forwards as CanMV's does
//
// As in CanMV's binding: a struct argument is any object with the buffer protocol (a uctypes
// struct, see the frozen _mpp_struct module) whose length must equal sizeof() of the C struct,
// else TypeError("expect size: X, actual size: Y"); int arguments go through mp_obj_get_int
// and are cast to the C parameter type (a negative chn becomes a large k_u32); every call
// returns the k_s32 result as an int (kd_mpi_sys_mmap: the address as an int, 0 for NULL).
// Nothing is checked or raised on a failing call: the caller looks at the return value.
//
// Named `_mpp`, not `mpp`: CanMV's `mpp` is the whole MPP binding plus its Python package,
// and a script written for it must not half-work against these six functions. (The frozen
// Python package `mpp` of this board holds only what MP4 scripts import: mpp.mp4_format,
// mpp.mp4_format_struct, mpp.common_struct; any other mpp.* import is an ImportError.) Not
// part of `_k230sim` either: that module holds simulator controls, while these are K230 API
// calls with the board's names and signatures.
//
// The C declarations come from include/k230_mpp.h, the header bindgen reads for the core and
// the simulator implements.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <stdint.h>

#include "py/mpthread.h"
#include "py/obj.h"
#include "py/runtime.h"

#include "k230_mpp.h"

// The buffer of a struct argument, which must be exactly `size` bytes long.
static void *mpp_struct_arg(mp_obj_t obj, size_t size) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(obj, &buf, MP_BUFFER_RW);
    if (buf.len != size) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("expect size: %u, actual size: %u"),
            (unsigned int)size, (unsigned int)buf.len);
    }
    return buf.buf;
}

static mp_obj_t mpp_ret(k_s32 ret) {
    return mp_obj_new_int(ret);
}

// ---- venc_api ------------------------------------------------------------------------------

static mp_obj_t mpp_venc_query_status(mp_obj_t chn_in, mp_obj_t status_in) {
    k_u32 chn = (k_u32)mp_obj_get_int(chn_in);
    k_venc_chn_status *status = mpp_struct_arg(status_in, sizeof(k_venc_chn_status));
    return mpp_ret(kd_mpi_venc_query_status(chn, status));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_venc_query_status_obj, mpp_venc_query_status);

static mp_obj_t mpp_venc_get_stream(mp_obj_t chn_in, mp_obj_t stream_in, mp_obj_t ms_in) {
    k_u32 chn = (k_u32)mp_obj_get_int(chn_in);
    k_venc_stream *stream = mpp_struct_arg(stream_in, sizeof(k_venc_stream));
    k_s32 ms = (k_s32)mp_obj_get_int(ms_in);
    // May block: the GIL is released around it, as CanMV's later binding does (a no-op in
    // the unix port, which runs without a GIL).
    MP_THREAD_GIL_EXIT();
    k_s32 ret = kd_mpi_venc_get_stream(chn, stream, ms);
    MP_THREAD_GIL_ENTER();
    return mpp_ret(ret);
}
static MP_DEFINE_CONST_FUN_OBJ_3(mpp_venc_get_stream_obj, mpp_venc_get_stream);

static mp_obj_t mpp_venc_release_stream(mp_obj_t chn_in, mp_obj_t stream_in) {
    k_u32 chn = (k_u32)mp_obj_get_int(chn_in);
    k_venc_stream *stream = mpp_struct_arg(stream_in, sizeof(k_venc_stream));
    return mpp_ret(kd_mpi_venc_release_stream(chn, stream));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_venc_release_stream_obj, mpp_venc_release_stream);

static mp_obj_t mpp_venc_send_frame(mp_obj_t chn_in, mp_obj_t frame_in, mp_obj_t ms_in) {
    k_u32 chn = (k_u32)mp_obj_get_int(chn_in);
    k_video_frame_info *frame = mpp_struct_arg(frame_in, sizeof(k_video_frame_info));
    k_s32 ms = (k_s32)mp_obj_get_int(ms_in);
    MP_THREAD_GIL_EXIT();
    k_s32 ret = kd_mpi_venc_send_frame(chn, frame, ms);
    MP_THREAD_GIL_ENTER();
    return mpp_ret(ret);
}
static MP_DEFINE_CONST_FUN_OBJ_3(mpp_venc_send_frame_obj, mpp_venc_send_frame);

static const mp_rom_map_elem_t mpp_venc_api_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_venc_api) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_venc_query_status), MP_ROM_PTR(&mpp_venc_query_status_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_venc_get_stream), MP_ROM_PTR(&mpp_venc_get_stream_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_venc_release_stream), MP_ROM_PTR(&mpp_venc_release_stream_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_venc_send_frame), MP_ROM_PTR(&mpp_venc_send_frame_obj) },
};
static MP_DEFINE_CONST_DICT(mpp_venc_api_globals, mpp_venc_api_globals_table);

static const mp_obj_module_t mpp_venc_api_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mpp_venc_api_globals,
};

// ---- sys_api -------------------------------------------------------------------------------

static mp_obj_t mpp_sys_mmap(mp_obj_t phys_in, mp_obj_t size_in) {
    k_u64 phys = (k_u64)mp_obj_get_int(phys_in);
    k_u32 size = (k_u32)mp_obj_get_int(size_in);
    return mp_obj_new_int_from_uint((uintptr_t)kd_mpi_sys_mmap(phys, size));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_sys_mmap_obj, mpp_sys_mmap);

static mp_obj_t mpp_sys_munmap(mp_obj_t virt_in, mp_obj_t size_in) {
    void *virt = (void *)(uintptr_t)mp_obj_get_int(virt_in);
    k_u32 size = (k_u32)mp_obj_get_int(size_in);
    return mpp_ret(kd_mpi_sys_munmap(virt, size));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_sys_munmap_obj, mpp_sys_munmap);

static mp_obj_t mpp_sys_bind(mp_obj_t src_in, mp_obj_t dst_in) {
    k_mpp_chn *src = mpp_struct_arg(src_in, sizeof(k_mpp_chn));
    k_mpp_chn *dst = mpp_struct_arg(dst_in, sizeof(k_mpp_chn));
    return mpp_ret(kd_mpi_sys_bind(src, dst));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_sys_bind_obj, mpp_sys_bind);

static mp_obj_t mpp_sys_unbind(mp_obj_t src_in, mp_obj_t dst_in) {
    k_mpp_chn *src = mpp_struct_arg(src_in, sizeof(k_mpp_chn));
    k_mpp_chn *dst = mpp_struct_arg(dst_in, sizeof(k_mpp_chn));
    return mpp_ret(kd_mpi_sys_unbind(src, dst));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_sys_unbind_obj, mpp_sys_unbind);

static mp_obj_t mpp_sys_get_bind_by_dest(mp_obj_t dst_in, mp_obj_t src_in) {
    k_mpp_chn *dst = mpp_struct_arg(dst_in, sizeof(k_mpp_chn));
    k_mpp_chn *src = mpp_struct_arg(src_in, sizeof(k_mpp_chn));
    return mpp_ret(kd_mpi_sys_get_bind_by_dest(dst, src));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpp_sys_get_bind_by_dest_obj, mpp_sys_get_bind_by_dest);

static const mp_rom_map_elem_t mpp_sys_api_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_sys_api) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_sys_bind), MP_ROM_PTR(&mpp_sys_bind_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_sys_unbind), MP_ROM_PTR(&mpp_sys_unbind_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_sys_get_bind_by_dest), MP_ROM_PTR(&mpp_sys_get_bind_by_dest_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_sys_mmap), MP_ROM_PTR(&mpp_sys_mmap_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mpi_sys_munmap), MP_ROM_PTR(&mpp_sys_munmap_obj) },
};
static MP_DEFINE_CONST_DICT(mpp_sys_api_globals, mpp_sys_api_globals_table);

static const mp_obj_module_t mpp_sys_api_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mpp_sys_api_globals,
};

// ---- module --------------------------------------------------------------------------------

// modk230mp4.c
extern const mp_obj_module_t k230mpp_mp4_format_api_module;

static const mp_rom_map_elem_t mpp_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__mpp) },
    { MP_ROM_QSTR(MP_QSTR_sys_api), MP_ROM_PTR(&mpp_sys_api_module) },
    { MP_ROM_QSTR(MP_QSTR_venc_api), MP_ROM_PTR(&mpp_venc_api_module) },
    { MP_ROM_QSTR(MP_QSTR_mp4_format_api), MP_ROM_PTR(&k230mpp_mp4_format_api_module) },
};
static MP_DEFINE_CONST_DICT(mpp_module_globals, mpp_module_globals_table);

const mp_obj_module_t k230mpp_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mpp_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__mpp, k230mpp_user_cmodule);
