// _k230sim: MicroPython bindings of the k230-venc host simulator controls (sim/include/k230_sim.h)
// for the unix_sim board: the VICAP sensor stand-in used by the frozen media.sensor (and the
// RGB565 conversion CanMV's Sensor does in software), fault injection, leak-check statistics
// and the codec backend. Also adds os.exitpoint() and the os.EXITPOINT_* constants that the
// CanMV firmware has and the unix port lacks.
//
// Only MicroPython APIs that exist in 1.21 (the CanMV base) are used.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/runtime.h"
#include "py/obj.h"

#include "k230_sim.h"
#include "k230_sim_rtsp.h"
#include "k230_venc.h"

// ---- errors --------------------------------------------------------------------------------

// Raise OSError(code, "<func>: 0x%08x") for a non-zero K230 error code; the code is given as
// the unsigned 32-bit value, as K230 documentation prints it.
static void k230sim_check(int32_t code, const char *func) {
    if (code == 0) {
        return;
    }
    char msg[96];
    snprintf(msg, sizeof(msg), "%s: 0x%08x", func, (unsigned int)(uint32_t)code);
    mp_obj_t args[2] = {
        mp_obj_new_int_from_uint((mp_uint_t)(uint32_t)code),
        mp_obj_new_str(msg, strlen(msg)),
    };
    nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
}

// Like k230sim_check for calls that read the sensor's Y4M source: the message also carries the
// simulator's description of the problem (k230_sim_vicap_error), when there is one.
static void k230sim_check_vicap(int32_t code, const char *func) {
    if (code == 0) {
        return;
    }
    const char *detail = k230_sim_vicap_error();
    if (detail == NULL || detail[0] == '\0') {
        k230sim_check(code, func);
        return;
    }
    char msg[512];
    snprintf(msg, sizeof(msg), "%s: 0x%08x: %s", func, (unsigned int)(uint32_t)code, detail);
    mp_obj_t args[2] = {
        mp_obj_new_int_from_uint((mp_uint_t)(uint32_t)code),
        mp_obj_new_str(msg, strlen(msg)),
    };
    nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
}

// Python int -> int32 device/channel number (range checked, so -1 stays -1 and 2**40 fails).
static int32_t k230sim_get_i32(mp_obj_t obj, const char *what) {
    mp_int_t v = mp_obj_get_int(obj);
    if (v < INT32_MIN || v > INT32_MAX) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s out of range"), what);
    }
    return (int32_t)v;
}

// Python int -> uint32 (sizes, formats, fps): negative values are rejected.
static uint32_t k230sim_get_u32(mp_obj_t obj, const char *what) {
    mp_int_t v = mp_obj_get_int(obj);
    if (v < 0 || (uint64_t)v > UINT32_MAX) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s out of range"), what);
    }
    return (uint32_t)v;
}

// ---- VICAP sensor stand-in -----------------------------------------------------------------

static mp_obj_t k230sim_vicap_reset(mp_obj_t dev_in) {
    k230sim_check(k230_sim_vicap_reset(k230sim_get_i32(dev_in, "dev")), "k230_sim_vicap_reset");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(k230sim_vicap_reset_obj, k230sim_vicap_reset);

static mp_obj_t k230sim_vicap_set_framesize(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    int32_t rc = k230_sim_vicap_set_framesize(k230sim_get_i32(args[0], "dev"),
        k230sim_get_i32(args[1], "chn"), k230sim_get_u32(args[2], "width"),
        k230sim_get_u32(args[3], "height"));
    k230sim_check(rc, "k230_sim_vicap_set_framesize");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(k230sim_vicap_set_framesize_obj, 4, 4, k230sim_vicap_set_framesize);

static mp_obj_t k230sim_vicap_set_pixformat(mp_obj_t dev_in, mp_obj_t chn_in, mp_obj_t fmt_in) {
    int32_t rc = k230_sim_vicap_set_pixformat(k230sim_get_i32(dev_in, "dev"),
        k230sim_get_i32(chn_in, "chn"), k230sim_get_u32(fmt_in, "pixel_format"));
    k230sim_check(rc, "k230_sim_vicap_set_pixformat");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(k230sim_vicap_set_pixformat_obj, k230sim_vicap_set_pixformat);

static mp_obj_t k230sim_vicap_set_fps(mp_obj_t dev_in, mp_obj_t fps_in) {
    int32_t rc = k230_sim_vicap_set_fps(k230sim_get_i32(dev_in, "dev"), k230sim_get_u32(fps_in, "fps"));
    k230sim_check(rc, "k230_sim_vicap_set_fps");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(k230sim_vicap_set_fps_obj, k230sim_vicap_set_fps);

static mp_obj_t k230sim_vicap_start(mp_obj_t dev_in) {
    k230sim_check_vicap(k230_sim_vicap_start(k230sim_get_i32(dev_in, "dev")), "k230_sim_vicap_start");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(k230sim_vicap_start_obj, k230sim_vicap_start);

static mp_obj_t k230sim_vicap_stop(mp_obj_t dev_in) {
    k230sim_check(k230_sim_vicap_stop(k230sim_get_i32(dev_in, "dev")), "k230_sim_vicap_stop");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(k230sim_vicap_stop_obj, k230sim_vicap_stop);

static mp_obj_t k230sim_vicap_set_mirror(mp_obj_t dev_in, mp_obj_t mask_in) {
    int32_t rc = k230_sim_vicap_set_mirror(k230sim_get_i32(dev_in, "dev"), k230sim_get_u32(mask_in, "mask"));
    k230sim_check(rc, "k230_sim_vicap_set_mirror");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(k230sim_vicap_set_mirror_obj, k230sim_vicap_set_mirror);

// vicap_dump_frame(dev, chn) -> bytes: the channel's next frame as the 224 bytes of a
// k_video_frame_info (see k230_sim_vicap_dump_frame).
static mp_obj_t k230sim_vicap_dump_frame(mp_obj_t dev_in, mp_obj_t chn_in) {
    k_video_frame_info frame;
    memset(&frame, 0, sizeof(frame));
    int32_t rc = k230_sim_vicap_dump_frame(k230sim_get_i32(dev_in, "dev"), k230sim_get_i32(chn_in, "chn"), &frame);
    k230sim_check_vicap(rc, "k230_sim_vicap_dump_frame");
    return mp_obj_new_bytes((const byte *)&frame, sizeof(frame));
}
static MP_DEFINE_CONST_FUN_OBJ_2(k230sim_vicap_dump_frame_obj, k230sim_vicap_dump_frame);

// vicap_claim(dev, force) -> token of the new claim on the device's CSI bus (OSError
// 0xa0158004 if it is claimed and force is false).
static mp_obj_t k230sim_vicap_claim(mp_obj_t dev_in, mp_obj_t force_in) {
    uint32_t token = 0;
    int32_t rc = k230_sim_vicap_claim(k230sim_get_i32(dev_in, "dev"), mp_obj_is_true(force_in), &token);
    k230sim_check(rc, "k230_sim_vicap_claim");
    return mp_obj_new_int_from_uint(token);
}
static MP_DEFINE_CONST_FUN_OBJ_2(k230sim_vicap_claim_obj, k230sim_vicap_claim);

// vicap_owner(dev) -> token of the device's claim, 0 if free.
static mp_obj_t k230sim_vicap_owner(mp_obj_t dev_in) {
    return mp_obj_new_int_from_uint(k230_sim_vicap_owner(k230sim_get_i32(dev_in, "dev")));
}
static MP_DEFINE_CONST_FUN_OBJ_1(k230sim_vicap_owner_obj, k230sim_vicap_owner);

// rgb888_to_rgb565(src, dst): packed R, G, B bytes of src into little-endian RGB565 pixels
// of dst (2 bytes each), as many pixels as dst holds; ValueError if src is shorter. What
// media.sensor does in software for Sensor.RGB565, as CanMV's Sensor does.
static mp_obj_t k230sim_rgb888_to_rgb565(mp_obj_t src_in, mp_obj_t dst_in) {
    mp_buffer_info_t src, dst;
    mp_get_buffer_raise(src_in, &src, MP_BUFFER_READ);
    mp_get_buffer_raise(dst_in, &dst, MP_BUFFER_WRITE);
    size_t pixels = dst.len / 2;
    if (src.len / 3 < pixels) {
        mp_raise_ValueError(MP_ERROR_TEXT("src must hold 3 bytes for each 2 bytes of dst"));
    }
    const uint8_t *s = src.buf;
    uint8_t *d = dst.buf;
    for (size_t i = 0; i < pixels; i++, s += 3, d += 2) {
        uint16_t p = (uint16_t)(((s[0] >> 3) << 11) | ((s[1] >> 2) << 5) | (s[2] >> 3));
        d[0] = (uint8_t)(p & 0xff);
        d[1] = (uint8_t)(p >> 8);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(k230sim_rgb888_to_rgb565_obj, k230sim_rgb888_to_rgb565);

// sensor_source(path=None): frames of the Y4M file `path` for sensors started from now on, or
// the moving test pattern for None / "". OSError if the file cannot be used.
static mp_obj_t k230sim_sensor_source(size_t n_args, const mp_obj_t *args) {
    const char *path = NULL;
    if (n_args == 1 && args[0] != mp_const_none) {
        path = mp_obj_str_get_str(args[0]);
    }
    k230sim_check_vicap(k230_sim_vicap_set_source(path), "k230_sim_vicap_set_source");
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(k230sim_sensor_source_obj, 0, 1, k230sim_sensor_source);

// ---- fault injection -----------------------------------------------------------------------

// fault(func_name, code, skip=0, count=1): code may be given signed (as the C int) or unsigned
// (0xa009800e, as printed in the K230 docs).
static mp_obj_t k230sim_fault(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_func, ARG_code, ARG_skip, ARG_count };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_func, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_code, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_skip, MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_count, MP_ARG_INT, {.u_int = 1} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    const char *func = mp_obj_str_get_str(args[ARG_func].u_obj);
    if (!mp_obj_is_int(args[ARG_code].u_obj)) {
        mp_raise_TypeError(MP_ERROR_TEXT("code must be an int"));
    }
    mp_int_t code = mp_obj_get_int_truncated(args[ARG_code].u_obj);
    if (code < INT32_MIN || code > (mp_int_t)UINT32_MAX) {
        mp_raise_ValueError(MP_ERROR_TEXT("code out of 32-bit range"));
    }
    if (args[ARG_skip].u_int < 0 || (uint64_t)args[ARG_skip].u_int > UINT32_MAX) {
        mp_raise_ValueError(MP_ERROR_TEXT("skip out of range"));
    }
    if (args[ARG_count].u_int < 0 || (uint64_t)args[ARG_count].u_int > UINT32_MAX) {
        mp_raise_ValueError(MP_ERROR_TEXT("count out of range"));
    }
    int32_t rc = k230_sim_fault_inject(func, (int32_t)(uint32_t)code,
        (uint32_t)args[ARG_skip].u_int, (uint32_t)args[ARG_count].u_int);
    if (rc != 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("unknown function: %s"), func);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(k230sim_fault_obj, 2, k230sim_fault);

static mp_obj_t k230sim_fault_clear(void) {
    k230_sim_fault_clear();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(k230sim_fault_clear_obj, k230sim_fault_clear);

// fault_fired(): injected failures that fired since the last fault_clear().
static mp_obj_t k230sim_fault_fired(void) {
    return mp_obj_new_int_from_uint(k230_sim_fault_fired());
}
static MP_DEFINE_CONST_FUN_OBJ_0(k230sim_fault_fired_obj, k230sim_fault_fired);

// ---- statistics ----------------------------------------------------------------------------

static void k230sim_dict_set(mp_obj_t dict, qstr key, mp_obj_t value) {
    mp_obj_dict_store(dict, MP_OBJ_NEW_QSTR(key), value);
}

static mp_obj_t k230sim_stats(void) {
    k230_sim_stats st;
    memset(&st, 0, sizeof(st));
    k230_sim_get_stats(&st);
    mp_obj_t d = mp_obj_new_dict(14);
    k230sim_dict_set(d, MP_QSTR_venc_channels_created, mp_obj_new_int_from_uint(st.venc_channels_created));
    k230sim_dict_set(d, MP_QSTR_venc_channels_started, mp_obj_new_int_from_uint(st.venc_channels_started));
    k230sim_dict_set(d, MP_QSTR_venc_streams_held, mp_obj_new_int_from_uint(st.venc_streams_held));
    k230sim_dict_set(d, MP_QSTR_venc_frames_queued, mp_obj_new_int_from_uint(st.venc_frames_queued));
    k230sim_dict_set(d, MP_QSTR_mmz_blocks, mp_obj_new_int_from_uint(st.mmz_blocks));
    k230sim_dict_set(d, MP_QSTR_mmz_bytes, mp_obj_new_int_from_ull(st.mmz_bytes));
    k230sim_dict_set(d, MP_QSTR_mappings, mp_obj_new_int_from_uint(st.mappings));
    k230sim_dict_set(d, MP_QSTR_binds, mp_obj_new_int_from_uint(st.binds));
    k230sim_dict_set(d, MP_QSTR_vb_inited, mp_obj_new_int_from_uint(st.vb_inited));
    k230sim_dict_set(d, MP_QSTR_vicap_running, mp_obj_new_int_from_uint(st.vicap_running));
    k230sim_dict_set(d, MP_QSTR_venc_channels_requested, mp_obj_new_int_from_uint(st.venc_channels_requested));
    k230sim_dict_set(d, MP_QSTR_mp4_files, mp_obj_new_int_from_uint(st.mp4_files));
    k230sim_dict_set(d, MP_QSTR_mp4_tracks, mp_obj_new_int_from_uint(st.mp4_tracks));
    // Per VENC channel: None (not created) or the pictures it dropped and why.
    mp_obj_t drops[4];
    for (uint32_t chn = 0; chn < 4; chn++) {
        uint64_t n[3];
        if (k230_sim_venc_drops(chn, n) != 0) {
            drops[chn] = mp_const_none;
            continue;
        }
        drops[chn] = mp_obj_new_dict(3);
        k230sim_dict_set(drops[chn], MP_QSTR_frame_rate, mp_obj_new_int_from_ull(n[0]));
        k230sim_dict_set(drops[chn], MP_QSTR_too_large, mp_obj_new_int_from_ull(n[1]));
        k230sim_dict_set(drops[chn], MP_QSTR_buffers_full, mp_obj_new_int_from_ull(n[2]));
    }
    k230sim_dict_set(d, MP_QSTR_venc_dropped, mp_obj_new_tuple(4, drops));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_0(k230sim_stats_obj, k230sim_stats);

// _k230sim.stop_requested() -> bool: the run was stopped after K230_SIM_STOP_AFTER sensor
// frames (scripts/k230sim run --frames), the KeyboardInterrupt being that stop.
static mp_obj_t k230sim_stop_requested(void) {
    return mp_obj_new_bool(k230_sim_stop_requested());
}
static MP_DEFINE_CONST_FUN_OBJ_0(k230sim_stop_requested_obj, k230sim_stop_requested);

// _k230sim.frames_taken() -> int: sensor frames delivered so far.
static mp_obj_t k230sim_frames_taken(void) {
    return mp_obj_new_int_from_ull(k230_sim_frames_taken());
}
static MP_DEFINE_CONST_FUN_OBJ_0(k230sim_frames_taken_obj, k230sim_frames_taken);

// ---- between two scripts: the firmware's teardown, and the live-resource report ------------

// With K230_SIM_LIVE_REPORT=<file>, the program does at exit what the CanMV firmware does
// between two scripts (IDE stop, soft reset): media.vencoder's deinit_all and the sensors
// stopped and every RTSP server closed (multimedia.deinit_all), with the faults a script
// injected cleared first (they are the script's). Then it appends one line to <file>: the
// deinit_all status and the simulator's live counters, which python_tests/conftest.py checks
// after every test (each test proves it leaves nothing that a new script would find).
static void k230sim_exit_report(void) {
    const char *path = getenv("K230_SIM_LIVE_REPORT");
    if (path == NULL || path[0] == '\0') {
        return;
    }
    // A second Ctrl-C makes the unix port call exit() from its SIGINT handler, maybe in the
    // middle of a simulator call that holds its locks: SIGINT is blocked while that handler
    // runs, and then the report is skipped (it would wait on those locks for ever).
    sigset_t blocked;
    if (pthread_sigmask(SIG_BLOCK, NULL, &blocked) != 0 || sigismember(&blocked, SIGINT)) {
        return;
    }
    k230_sim_fault_clear();
    // The 2026 firmware stops the IDE preview at script end too.
    k230_sim_ide_preview(0, NULL);
    venc_error_t err;
    int32_t ret = venc_deinit_all(&err);
    for (int32_t dev = 0; dev < 3; dev++) {
        k230_sim_vicap_stop(dev);
    }
    k230_sim_rtsp_deinit_all();
    k230_sim_stats st;
    memset(&st, 0, sizeof(st));
    k230_sim_get_stats(&st);
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        return;
    }
    fprintf(f, "deinit_all=%d venc_channels_created=%u venc_channels_started=%u venc_streams_held=%u "
        "venc_frames_queued=%u mmz_blocks=%u mmz_bytes=%llu mappings=%u binds=%u vb_inited=%u "
        "vicap_running=%u venc_channels_requested=%u rtsp_servers=%u mp4_files=%u mp4_tracks=%u%s%s\n",
        (int)ret, (unsigned)st.venc_channels_created, (unsigned)st.venc_channels_started,
        (unsigned)st.venc_streams_held, (unsigned)st.venc_frames_queued, (unsigned)st.mmz_blocks,
        (unsigned long long)st.mmz_bytes, (unsigned)st.mappings, (unsigned)st.binds,
        (unsigned)st.vb_inited, (unsigned)st.vicap_running, (unsigned)st.venc_channels_requested,
        (unsigned)k230_sim_rtsp_live(), (unsigned)st.mp4_files, (unsigned)st.mp4_tracks, ret ? " error=" : "",
        ret ? err.msg : "");
    fclose(f);
}

__attribute__((constructor)) static void k230sim_register_exit_report(void) {
    atexit(k230sim_exit_report);
}

// ---- run-time policies ---------------------------------------------------------------------

// policy(name, value=None) -> the value of simulator policy `name` for channels created from now
// on, after setting it to `value` if given: "frame_rate" ("keep" | "drop"), "header"
// ("with-idr" | "first-separate"), "clock" ("virtual" | "realtime": for running sensors at
// once), "destroy_bound" ("allow" | "refuse": for every destroy from now on); ValueError for an
// unknown name or value.
static mp_obj_t k230sim_policy(size_t n_args, const mp_obj_t *args) {
    const char *name = mp_obj_str_get_str(args[0]);
    if (n_args == 2 && args[1] != mp_const_none) {
        const char *value = mp_obj_str_get_str(args[1]);
        int32_t rc = k230_sim_set_policy(name, value);
        if (rc == -2) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("policy %s: unknown value %s"), name, value);
        }
    }
    const char *cur = k230_sim_policy(name);
    if (cur == NULL) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("unknown policy %s (frame_rate: keep | drop, header: with-idr | first-separate, "
            "clock: virtual | realtime, destroy_bound: allow | refuse)"), name);
    }
    return mp_obj_new_str(cur, strlen(cur));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(k230sim_policy_obj, 1, 2, k230sim_policy);

// ---- the CanMV IDE preview ------------------------------------------------------------------

// ide_preview(on) -> the VENC channel the simulated IDE preview holds, or None: on=True takes
// one (channel 3 with the 2024 ABI, a requested one with the 2025 ABI), on=False gives it
// back; without an argument, just tells. When the channel cannot be had, prints the
// firmware's line and returns None (the preview is off), as the board does.
static mp_obj_t k230sim_ide_preview(size_t n_args, const mp_obj_t *args) {
    int32_t chn = -1;
    int32_t ret = k230_sim_ide_preview(n_args == 0 ? -1 : mp_obj_is_true(args[0]), &chn);
    if (ret != 0) {
        // What the firmware prints: the older one about its create of channel 3, the 2026 one
        // about its preview set-up (request and create).
        if ((uint32_t)ret == 0xa0098004u) {
            mp_printf(&mp_plat_print, "[omv] kd_mpi_venc_create_chn error 0x%08x\n", (unsigned)ret);
        } else {
            mp_printf(&mp_plat_print, "ERROR: idg dbg vo wbc init failed (0x%08x)\n", (unsigned)ret);
        }
    }
    return chn < 0 ? mp_const_none : MP_OBJ_NEW_SMALL_INT(chn);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(k230sim_ide_preview_obj, 0, 1, k230sim_ide_preview);

// ---- codec backend -------------------------------------------------------------------------

// backend() -> current name; backend(name) selects one ("libav" or "synthetic"; ValueError if
// unknown) for channels created from now on, and returns it.
static mp_obj_t k230sim_backend(size_t n_args, const mp_obj_t *args) {
    if (n_args == 1 && args[0] != mp_const_none) {
        const char *name = mp_obj_str_get_str(args[0]);
        int32_t rc = k230_sim_set_backend(name);
        if (rc == -2) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("backend %s is not compiled into this simulator (built without its %s feature)"),
                name, name);
        } else if (rc != 0) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("unknown backend: %s"), name);
        }
    }
    const char *cur = k230_sim_backend();
    if (cur == NULL) {
        return mp_const_none;
    }
    return mp_obj_new_str(cur, strlen(cur));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(k230sim_backend_obj, 0, 1, k230sim_backend);

// ---- module --------------------------------------------------------------------------------

static const mp_rom_map_elem_t k230sim_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__k230sim) },
    { MP_ROM_QSTR(MP_QSTR_vicap_reset), MP_ROM_PTR(&k230sim_vicap_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_set_framesize), MP_ROM_PTR(&k230sim_vicap_set_framesize_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_set_pixformat), MP_ROM_PTR(&k230sim_vicap_set_pixformat_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_set_fps), MP_ROM_PTR(&k230sim_vicap_set_fps_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_start), MP_ROM_PTR(&k230sim_vicap_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_stop), MP_ROM_PTR(&k230sim_vicap_stop_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_set_mirror), MP_ROM_PTR(&k230sim_vicap_set_mirror_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_dump_frame), MP_ROM_PTR(&k230sim_vicap_dump_frame_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_claim), MP_ROM_PTR(&k230sim_vicap_claim_obj) },
    { MP_ROM_QSTR(MP_QSTR_vicap_owner), MP_ROM_PTR(&k230sim_vicap_owner_obj) },
    { MP_ROM_QSTR(MP_QSTR_rgb888_to_rgb565), MP_ROM_PTR(&k230sim_rgb888_to_rgb565_obj) },
    { MP_ROM_QSTR(MP_QSTR_sensor_source), MP_ROM_PTR(&k230sim_sensor_source_obj) },
    { MP_ROM_QSTR(MP_QSTR_ide_preview), MP_ROM_PTR(&k230sim_ide_preview_obj) },
    { MP_ROM_QSTR(MP_QSTR_policy), MP_ROM_PTR(&k230sim_policy_obj) },
    { MP_ROM_QSTR(MP_QSTR_fault), MP_ROM_PTR(&k230sim_fault_obj) },
    { MP_ROM_QSTR(MP_QSTR_fault_clear), MP_ROM_PTR(&k230sim_fault_clear_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&k230sim_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_stop_requested), MP_ROM_PTR(&k230sim_stop_requested_obj) },
    { MP_ROM_QSTR(MP_QSTR_frames_taken), MP_ROM_PTR(&k230sim_frames_taken_obj) },
    { MP_ROM_QSTR(MP_QSTR_fault_fired), MP_ROM_PTR(&k230sim_fault_fired_obj) },
    { MP_ROM_QSTR(MP_QSTR_backend), MP_ROM_PTR(&k230sim_backend_obj) },
};
static MP_DEFINE_CONST_DICT(k230sim_module_globals, k230sim_module_globals_table);

const mp_obj_module_t k230sim_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&k230sim_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__k230sim, k230sim_user_cmodule);

// ---- os.exitpoint --------------------------------------------------------------------------

// CanMV values of the exit-point modes.
#define K230SIM_EXITPOINT_DISABLE (0)
#define K230SIM_EXITPOINT_ENABLE (1)
#define K230SIM_EXITPOINT_ENABLE_SLEEP (2)
#define K230SIM_EXITPOINT_ANY (-1)

// The mode last set with os.exitpoint(flag). Informational on the PC: Ctrl-C is always
// delivered at an exit point (and anywhere else, as the unix port does).
static int k230sim_exitpoint_mode = K230SIM_EXITPOINT_DISABLE;

// os.exitpoint(flag=None): with a flag, set the mode; in every case run pending callbacks and
// deliver a pending KeyboardInterrupt (Ctrl-C) as an exception. Returns None.
static mp_obj_t k230sim_os_exitpoint(size_t n_args, const mp_obj_t *args) {
    if (n_args == 1 && args[0] != mp_const_none) {
        mp_int_t mode = mp_obj_get_int(args[0]);
        if (mode != K230SIM_EXITPOINT_DISABLE && mode != K230SIM_EXITPOINT_ENABLE
            && mode != K230SIM_EXITPOINT_ENABLE_SLEEP && mode != K230SIM_EXITPOINT_ANY) {
            mp_raise_ValueError(MP_ERROR_TEXT("exitpoint flag must be EXITPOINT_DISABLE, _ENABLE, _ENABLE_SLEEP or _ANY"));
        }
        k230sim_exitpoint_mode = (int)mode;
    }
    mp_handle_pending(true);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(k230sim_os_exitpoint_obj, 0, 1, k230sim_os_exitpoint);

// Defined by extmod/modos.c; not declared in a public header.
extern const mp_obj_module_t mp_module_os;

// Called for attribute lookups that the os module's own table does not satisfy. Not static:
// the delegation table in py/objmodule.c refers to it by name.
void k230sim_os_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    (void)self_in;
    if (dest[0] != MP_OBJ_NULL) {
        return; // store/delete: not supported, leave dest untouched (lookup fails)
    }
    switch (attr) {
        case MP_QSTR_exitpoint:
            dest[0] = MP_OBJ_FROM_PTR(&k230sim_os_exitpoint_obj);
            break;
        case MP_QSTR_EXITPOINT_DISABLE:
            dest[0] = MP_OBJ_NEW_SMALL_INT(K230SIM_EXITPOINT_DISABLE);
            break;
        case MP_QSTR_EXITPOINT_ENABLE:
            dest[0] = MP_OBJ_NEW_SMALL_INT(K230SIM_EXITPOINT_ENABLE);
            break;
        case MP_QSTR_EXITPOINT_ENABLE_SLEEP:
            dest[0] = MP_OBJ_NEW_SMALL_INT(K230SIM_EXITPOINT_ENABLE_SLEEP);
            break;
        case MP_QSTR_EXITPOINT_ANY:
            dest[0] = MP_OBJ_NEW_SMALL_INT(K230SIM_EXITPOINT_ANY);
            break;
        default:
            break;
    }
}

MP_REGISTER_MODULE_DELEGATION(mp_module_os, k230sim_os_attr);
