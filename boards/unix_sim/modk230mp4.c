// _mpp.mp4_format_api: the K230 MPP's MP4 muxer / demuxer calls (kd_mp4_*) bound one to one,
// shaped like CanMV's `umpp.mp4_format_api` (neighbours facts sheet 3.4), for the unix_sim
// board. The frozen `mpp.mp4_format` star-imports it; `mpp.mp4_format_struct` has the uctypes
// structs these calls take. The simulator implements the functions (sim/src/mp4/, over
// libavformat), declared in sim/include/k230_mp4_format.h.
//
//   kd_mp4_create(handle_ptr, cfg)              handle_ptr: 8 bytes (k_u64_ptr()), cfg: 136
//   kd_mp4_destroy(handle)
//   kd_mp4_create_track(handle, track_ptr, info)  track_ptr: 8, info: 28
//   kd_mp4_destroy_tracks(handle)
//   kd_mp4_write_frame(handle, track, frame)    frame: 32
//   kd_mp4_get_file_info(handle, info)          info: 16
//   kd_mp4_get_track_by_index(handle, index, info)  info: 28
//   kd_mp4_get_frame(handle, frame)             frame: 32
//
// As in CanMV's binding: a struct argument is any object with the buffer protocol whose length
// must equal sizeof() of the C struct, else TypeError("struct N expect size: X, actual size:
// Y") with N the argument's position; handles are passed as Python ints (the `value` of the
// k_u64_ptr the create calls wrote them to); every call returns the C result as an int
// (0, -1 with the reason on stderr, or -2). Nothing is raised for a failing call.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <stdint.h>

#include "py/mpthread.h"
#include "py/obj.h"
#include "py/runtime.h"

#include "k230_mp4_format.h"

// The buffer of struct argument number `pos`, which must be exactly `size` bytes long.
static void *mp4_struct_arg(mp_obj_t obj, size_t size, unsigned int pos) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(obj, &buf, MP_BUFFER_RW);
    if (buf.len != size) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("struct %u expect size: %u, actual size: %u"),
            pos, (unsigned int)size, (unsigned int)buf.len);
    }
    return buf.buf;
}

// A handle passed as a Python int (the simulator checks it; an unknown one is -1).
static KD_HANDLE mp4_handle_arg(mp_obj_t obj) {
    return (KD_HANDLE)(uintptr_t)mp_obj_get_int_truncated(obj);
}

static mp_obj_t mp4_ret(int ret) {
    return mp_obj_new_int(ret);
}

static mp_obj_t mp4_create(mp_obj_t handle_in, mp_obj_t cfg_in) {
    KD_HANDLE *handle = mp4_struct_arg(handle_in, sizeof(KD_HANDLE), 0);
    k_mp4_config_s *cfg = mp4_struct_arg(cfg_in, sizeof(k_mp4_config_s), 1);
    return mp4_ret(kd_mp4_create(handle, cfg));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mp4_create_obj, mp4_create);

static mp_obj_t mp4_destroy(mp_obj_t handle_in) {
    KD_HANDLE handle = mp4_handle_arg(handle_in);
    // Finishing a plain MP4 rewrites it (the index moves to the front): the GIL is released
    // around it, as around the other calls that write files (a no-op in the unix port).
    MP_THREAD_GIL_EXIT();
    int ret = kd_mp4_destroy(handle);
    MP_THREAD_GIL_ENTER();
    return mp4_ret(ret);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mp4_destroy_obj, mp4_destroy);

static mp_obj_t mp4_create_track(mp_obj_t handle_in, mp_obj_t track_in, mp_obj_t info_in) {
    KD_HANDLE handle = mp4_handle_arg(handle_in);
    KD_HANDLE *track = mp4_struct_arg(track_in, sizeof(KD_HANDLE), 1);
    k_mp4_track_info_s *info = mp4_struct_arg(info_in, sizeof(k_mp4_track_info_s), 2);
    return mp4_ret(kd_mp4_create_track(handle, track, info));
}
static MP_DEFINE_CONST_FUN_OBJ_3(mp4_create_track_obj, mp4_create_track);

static mp_obj_t mp4_destroy_tracks(mp_obj_t handle_in) {
    return mp4_ret(kd_mp4_destroy_tracks(mp4_handle_arg(handle_in)));
}
static MP_DEFINE_CONST_FUN_OBJ_1(mp4_destroy_tracks_obj, mp4_destroy_tracks);

static mp_obj_t mp4_write_frame(mp_obj_t handle_in, mp_obj_t track_in, mp_obj_t frame_in) {
    KD_HANDLE handle = mp4_handle_arg(handle_in);
    KD_HANDLE track = mp4_handle_arg(track_in);
    k_mp4_frame_data_s *frame = mp4_struct_arg(frame_in, sizeof(k_mp4_frame_data_s), 2);
    MP_THREAD_GIL_EXIT();
    int ret = kd_mp4_write_frame(handle, track, frame);
    MP_THREAD_GIL_ENTER();
    return mp4_ret(ret);
}
static MP_DEFINE_CONST_FUN_OBJ_3(mp4_write_frame_obj, mp4_write_frame);

static mp_obj_t mp4_get_file_info(mp_obj_t handle_in, mp_obj_t info_in) {
    KD_HANDLE handle = mp4_handle_arg(handle_in);
    k_mp4_file_info_s *info = mp4_struct_arg(info_in, sizeof(k_mp4_file_info_s), 1);
    return mp4_ret(kd_mp4_get_file_info(handle, info));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mp4_get_file_info_obj, mp4_get_file_info);

static mp_obj_t mp4_get_track_by_index(mp_obj_t handle_in, mp_obj_t index_in, mp_obj_t info_in) {
    KD_HANDLE handle = mp4_handle_arg(handle_in);
    uint32_t index = (uint32_t)mp_obj_get_int_truncated(index_in);
    k_mp4_track_info_s *info = mp4_struct_arg(info_in, sizeof(k_mp4_track_info_s), 2);
    return mp4_ret(kd_mp4_get_track_by_index(handle, index, info));
}
static MP_DEFINE_CONST_FUN_OBJ_3(mp4_get_track_by_index_obj, mp4_get_track_by_index);

static mp_obj_t mp4_get_frame(mp_obj_t handle_in, mp_obj_t frame_in) {
    KD_HANDLE handle = mp4_handle_arg(handle_in);
    k_mp4_frame_data_s *frame = mp4_struct_arg(frame_in, sizeof(k_mp4_frame_data_s), 1);
    MP_THREAD_GIL_EXIT();
    int ret = kd_mp4_get_frame(handle, frame);
    MP_THREAD_GIL_ENTER();
    return mp4_ret(ret);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mp4_get_frame_obj, mp4_get_frame);

static const mp_rom_map_elem_t mp4_format_api_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_mp4_format_api) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_create), MP_ROM_PTR(&mp4_create_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_destroy), MP_ROM_PTR(&mp4_destroy_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_create_track), MP_ROM_PTR(&mp4_create_track_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_destroy_tracks), MP_ROM_PTR(&mp4_destroy_tracks_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_write_frame), MP_ROM_PTR(&mp4_write_frame_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_get_file_info), MP_ROM_PTR(&mp4_get_file_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_get_track_by_index), MP_ROM_PTR(&mp4_get_track_by_index_obj) },
    { MP_ROM_QSTR(MP_QSTR_kd_mp4_get_frame), MP_ROM_PTR(&mp4_get_frame_obj) },
};
static MP_DEFINE_CONST_DICT(mp4_format_api_globals, mp4_format_api_globals_table);

// A submodule of `_mpp` (listed in modk230mpp.c's table).
const mp_obj_module_t k230mpp_mp4_format_api_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mp4_format_api_globals,
};
