// multimedia: CanMV-K230's RTSP server module (`import multimedia as mm`) on the k230-venc
// simulator: mm.rtsp_server(), mm.multi_media_type, over the simulator's RTSP server
// (sim/include/k230_sim_rtsp.h: GStreamer's gst-rtsp-server, sim/rtsp/). Simulator code only:
// the firmware has its own (live555).
//
// Return values as on the board: 0, or -1 with a printed line saying why (port in use,
// unknown session or video type). Where the board crashes or misbehaves, exceptions instead:
// ValueError for bad arguments (a size larger than the data, a bad session name or port, an
// unknown session's URL), RuntimeError for calls before rtspserver_init or on a simulator built
// without RTSP. deinit_all() is the simulator's between-scripts teardown (also run at exit).
//
// Only MicroPython APIs that exist in 1.21 (the CanMV base) are used.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "py/runtime.h"
#include "py/obj.h"
#include "py/mpthread.h"

#include "k230_mpp.h"
#include "k230_sim_rtsp.h"
#include "venc_glue.h" // mp_obj_malloc_with_finaliser on MicroPython 1.21

// Room for a message or a URL from the simulator.
#define MM_MSG_LEN (320)

typedef struct {
    mp_obj_base_t base;
    uint32_t handle;
} mm_rtsp_server_obj_t;

// The result of a call: 0, or -1 after printing why (as the board prints its reasons);
// exceptions for bad arguments and wrong states.
static mp_obj_t mm_result(int32_t rc, const char *msg) {
    switch (rc) {
        case K230_SIM_RTSP_OK:
            return MP_OBJ_NEW_SMALL_INT(0);
        case K230_SIM_RTSP_FAIL:
            mp_printf(&mp_plat_print, "%s\n", msg);
            return MP_OBJ_NEW_SMALL_INT(-1);
        case K230_SIM_RTSP_BAD_ARG:
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), msg);
        default:
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s"), msg);
    }
}

// A session name: a str without NUL characters (TypeError / ValueError).
static const char *mm_get_name(mp_obj_t obj) {
    if (!mp_obj_is_str(obj)) {
        mp_raise_TypeError(MP_ERROR_TEXT("session name must be a str"));
    }
    size_t len;
    const char *name = mp_obj_str_get_data(obj, &len);
    if (strlen(name) != len) {
        mp_raise_ValueError(MP_ERROR_TEXT("session name must not contain NUL"));
    }
    return name;
}

// An int argument (TypeError otherwise; bool counts as an int, as everywhere in MicroPython).
static mp_int_t mm_get_int(mp_obj_t obj, const char *what) {
    if (!mp_obj_is_int(obj) && !mp_obj_is_bool(obj)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s must be an int"), what);
    }
    return mp_obj_get_int(obj);
}

static mp_obj_t mm_rtsp_server_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)args;
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    mm_rtsp_server_obj_t *self = mp_obj_malloc_with_finaliser(mm_rtsp_server_obj_t, type);
    self->handle = k230_sim_rtsp_new();
    return MP_OBJ_FROM_PTR(self);
}

// rtsp_server.rtspserver_init(port) -> 0, or -1 (cannot listen, e.g. the port is in use)
static mp_obj_t mm_rtspserver_init(mp_obj_t self_in, mp_obj_t port_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_int_t port = mm_get_int(port_in, "port");
    char msg[MM_MSG_LEN];
    MP_THREAD_GIL_EXIT();
    int32_t rc = k230_sim_rtsp_init(self->handle, (int64_t)port, msg, sizeof(msg));
    MP_THREAD_GIL_ENTER();
    return mm_result(rc, msg);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mm_rtspserver_init_obj, mm_rtspserver_init);

// rtsp_server.rtspserver_createsession(name, video_type, enable_audio) -> 0 (also when it
// exists), or -1 (unknown video type, codec not servable)
static mp_obj_t mm_rtspserver_createsession(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const char *name = mm_get_name(args[1]);
    mp_int_t video_type = mm_get_int(args[2], "video_type");
    int32_t audio = mp_obj_is_true(args[3]);
    char msg[MM_MSG_LEN];
    int32_t rc = k230_sim_rtsp_create_session(self->handle, name, (int64_t)video_type, audio, msg, sizeof(msg));
    return mm_result(rc, msg);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mm_rtspserver_createsession_obj, 4, 4, mm_rtspserver_createsession);

// rtsp_server.rtspserver_getrtspurl(name) -> "rtsp://<address>:<port>/<name>" (ValueError for
// an unknown session)
static mp_obj_t mm_rtspserver_getrtspurl(mp_obj_t self_in, mp_obj_t name_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const char *name = mm_get_name(name_in);
    char out[MM_MSG_LEN];
    int32_t rc = k230_sim_rtsp_url(self->handle, name, out, sizeof(out));
    if (rc == K230_SIM_RTSP_FAIL) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), out);
    }
    if (rc != K230_SIM_RTSP_OK) {
        mm_result(rc, out);
    }
    return mp_obj_new_str(out, strlen(out));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mm_rtspserver_getrtspurl_obj, mm_rtspserver_getrtspurl);

// The first `size` bytes of `data` (a bytes-like object or str), checked against its length.
static const uint8_t *mm_get_data(mp_obj_t data_in, mp_obj_t size_in, size_t *len) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(data_in, &buf, MP_BUFFER_READ);
    mp_int_t size = mm_get_int(size_in, "size");
    if (size < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("size must not be negative"));
    }
    if ((size_t)size > buf.len) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("size %d is larger than the data (%d bytes)"),
            (int)size, (int)buf.len);
    }
    *len = (size_t)size;
    return buf.buf;
}

static mp_obj_t mm_send(const mp_obj_t *args, int32_t audio) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const char *name = mm_get_name(args[1]);
    size_t len;
    const uint8_t *data = mm_get_data(args[2], args[3], &len);
    (void)mm_get_int(args[4], "timestamp"); // ignored, as on the board: the server stamps
    char msg[MM_MSG_LEN];
    // Copied and queued without waiting: the GIL stays held (the data may not move meanwhile).
    int32_t rc = k230_sim_rtsp_send(self->handle, name, audio, data, len, msg, sizeof(msg));
    return mm_result(rc, msg);
}

// rtsp_server.rtspserver_sendvideodata(name, data, size, timestamp) -> 0, or -1 (unknown session)
static mp_obj_t mm_rtspserver_sendvideodata(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    return mm_send(args, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mm_rtspserver_sendvideodata_obj, 5, 5, mm_rtspserver_sendvideodata);

// rtsp_server.rtspserver_sendaudiodata(name, data, size, timestamp): G.711 µ-law, 8000 Hz mono
static mp_obj_t mm_rtspserver_sendaudiodata(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    return mm_send(args, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mm_rtspserver_sendaudiodata_obj, 5, 5, mm_rtspserver_sendaudiodata);

// The _byphyaddr forms: `size` bytes of MMZ memory at physical address `phys` (e.g.
// StreamData.phy_addr[i]), mapped, sent and unmapped. ValueError if it is not MMZ memory.
static mp_obj_t mm_send_phys(const mp_obj_t *args, int32_t audio) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const char *name = mm_get_name(args[1]);
    mp_int_t phys = mm_get_int(args[2], "phys_addr");
    mp_int_t size = mm_get_int(args[3], "size");
    (void)mm_get_int(args[4], "timestamp");
    if (phys < 0 || size < 0 || (uint64_t)size > UINT32_MAX) {
        mp_raise_ValueError(MP_ERROR_TEXT("phys_addr and size must be in range"));
    }
    char msg[MM_MSG_LEN];
    if (size == 0) {
        return mm_result(k230_sim_rtsp_send(self->handle, name, audio, NULL, 0, msg, sizeof(msg)), msg);
    }
    void *virt = kd_mpi_sys_mmap((k_u64)phys, (k_u32)size);
    if (virt == NULL) {
        snprintf(msg, sizeof(msg), "phys_addr 0x%llx, size %u: not MMZ memory", (unsigned long long)phys,
            (unsigned)size);
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), msg);
    }
    int32_t rc = k230_sim_rtsp_send(self->handle, name, audio, virt, (size_t)size, msg, sizeof(msg));
    kd_mpi_sys_munmap(virt, (k_u32)size);
    return mm_result(rc, msg);
}

// rtsp_server.rtspserver_sendvideodata_byphyaddr(name, phys_addr, size, timestamp)
static mp_obj_t mm_rtspserver_sendvideodata_byphyaddr(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    return mm_send_phys(args, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mm_rtspserver_sendvideodata_byphyaddr_obj, 5, 5,
    mm_rtspserver_sendvideodata_byphyaddr);

// rtsp_server.rtspserver_sendaudiodata_byphyaddr(name, phys_addr, size, timestamp)
static mp_obj_t mm_rtspserver_sendaudiodata_byphyaddr(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    return mm_send_phys(args, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mm_rtspserver_sendaudiodata_byphyaddr_obj, 5, 5,
    mm_rtspserver_sendaudiodata_byphyaddr);

// rtsp_server.rtspserver_start() -> 0: clients are answered; the sensor clock turns realtime
static mp_obj_t mm_rtspserver_start(mp_obj_t self_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    char msg[MM_MSG_LEN];
    MP_THREAD_GIL_EXIT();
    int32_t rc = k230_sim_rtsp_start(self->handle, msg, sizeof(msg));
    MP_THREAD_GIL_ENTER();
    return mm_result(rc, msg);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mm_rtspserver_start_obj, mm_rtspserver_start);

// rtsp_server.rtspserver_stop() -> 0: every client closed, no more answers
static mp_obj_t mm_rtspserver_stop(mp_obj_t self_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    MP_THREAD_GIL_EXIT();
    k230_sim_rtsp_stop(self->handle);
    MP_THREAD_GIL_ENTER();
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mm_rtspserver_stop_obj, mm_rtspserver_stop);

// rtsp_server.rtspserver_destroysession(name) -> 0, or -1 (unknown session)
static mp_obj_t mm_rtspserver_destroysession(mp_obj_t self_in, mp_obj_t name_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const char *name = mm_get_name(name_in);
    char msg[MM_MSG_LEN];
    int32_t rc = k230_sim_rtsp_destroy_session(self->handle, name, msg, sizeof(msg));
    return mm_result(rc, msg);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mm_rtspserver_destroysession_obj, mm_rtspserver_destroysession);

// rtsp_server.rtspserver_deinit() / rtspserver_destroy() / __del__: stop and close (repeatable;
// rtspserver_init may follow)
static mp_obj_t mm_rtspserver_deinit(mp_obj_t self_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    MP_THREAD_GIL_EXIT();
    k230_sim_rtsp_deinit(self->handle);
    MP_THREAD_GIL_ENTER();
    return MP_OBJ_NEW_SMALL_INT(0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mm_rtspserver_deinit_obj, mm_rtspserver_deinit);

// __del__: the server object is gone, so is its server.
static mp_obj_t mm_rtspserver_del(mp_obj_t self_in) {
    mm_rtsp_server_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->handle != 0) {
        k230_sim_rtsp_free(self->handle);
        self->handle = 0;
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mm_rtspserver_del_obj, mm_rtspserver_del);

static const mp_rom_map_elem_t mm_rtsp_server_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_rtspserver_init), MP_ROM_PTR(&mm_rtspserver_init_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_createsession), MP_ROM_PTR(&mm_rtspserver_createsession_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_getrtspurl), MP_ROM_PTR(&mm_rtspserver_getrtspurl_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_sendvideodata), MP_ROM_PTR(&mm_rtspserver_sendvideodata_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_sendaudiodata), MP_ROM_PTR(&mm_rtspserver_sendaudiodata_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_sendvideodata_byphyaddr), MP_ROM_PTR(&mm_rtspserver_sendvideodata_byphyaddr_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_sendaudiodata_byphyaddr), MP_ROM_PTR(&mm_rtspserver_sendaudiodata_byphyaddr_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_start), MP_ROM_PTR(&mm_rtspserver_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_stop), MP_ROM_PTR(&mm_rtspserver_stop_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_destroysession), MP_ROM_PTR(&mm_rtspserver_destroysession_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_deinit), MP_ROM_PTR(&mm_rtspserver_deinit_obj) },
    { MP_ROM_QSTR(MP_QSTR_rtspserver_destroy), MP_ROM_PTR(&mm_rtspserver_deinit_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mm_rtspserver_del_obj) },
};
static MP_DEFINE_CONST_DICT(mm_rtsp_server_locals, mm_rtsp_server_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    mm_rtsp_server_type,
    MP_QSTR_rtsp_server,
    MP_TYPE_FLAG_NONE,
    make_new, mm_rtsp_server_make_new,
    locals_dict, &mm_rtsp_server_locals
    );

// multi_media_type: the video types of rtspserver_createsession.
static const mp_rom_map_elem_t mm_type_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_multi_media_type) },
    { MP_ROM_QSTR(MP_QSTR_media_h264), MP_ROM_INT(0) },
    { MP_ROM_QSTR(MP_QSTR_media_h265), MP_ROM_INT(1) },
    { MP_ROM_QSTR(MP_QSTR_media_mjpeg), MP_ROM_INT(2) },
};
static MP_DEFINE_CONST_DICT(mm_type_globals, mm_type_globals_table);

static const mp_obj_module_t mm_type_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mm_type_globals,
};

// multimedia.deinit_all(): what the firmware does between two scripts (every server stopped
// and closed). Simulator only.
static mp_obj_t mm_deinit_all(void) {
    MP_THREAD_GIL_EXIT();
    k230_sim_rtsp_deinit_all();
    MP_THREAD_GIL_ENTER();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mm_deinit_all_obj, mm_deinit_all);

static const mp_rom_map_elem_t mm_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_multimedia) },
    { MP_ROM_QSTR(MP_QSTR_rtsp_server), MP_ROM_PTR(&mm_rtsp_server_type) },
    { MP_ROM_QSTR(MP_QSTR_multi_media_type), MP_ROM_PTR(&mm_type_module) },
    { MP_ROM_QSTR(MP_QSTR_deinit_all), MP_ROM_PTR(&mm_deinit_all_obj) },
};
static MP_DEFINE_CONST_DICT(mm_module_globals, mm_module_globals_table);

const mp_obj_module_t mm_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mm_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_multimedia, mm_user_cmodule);
