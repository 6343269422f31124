// _k230audio: MicroPython bindings of the simulator's microphone and G.711 encoder
// (sim/include/k230_sim_audio.h, implemented in sim/src/audio.rs), which the frozen
// media.mp4format records Mp4Container's audio track with. Not a CanMV module: on the board
// that is PyAudio and g711.Encoder over the AI / AENC hardware.
//
//   mic_open(rate)             loads the source (tone, or the WAV of K230_SIM_MIC_WAV) for
//                              rate Hz; OSError naming the problem when the WAV cannot be used
//   mic_read(pos, rate, buf)   fills buf (16-bit samples, len(buf) // 2 of them) with the
//                              samples from pos once the sensor clock has passed their end:
//                              returns that count, or 0 when they do not exist yet
//   mic_clock()                the sensor clock in microseconds, None before any frame
//   g711_encode(law, pcm, out) law 0 A-law / 1 mu-law: len(pcm) // 2 samples into as many
//                              bytes of out; returns the count
//
// The calls write into the caller's buffers: a recording allocates nothing per chunk.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <stdint.h>

#include "py/obj.h"
#include "py/runtime.h"

#include "k230_sim_audio.h"

static void k230audio_raise(void) {
    const char *msg = k230_sim_mic_error();
    mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("microphone: %s"), msg && msg[0] ? msg : "error");
}

static uint32_t k230audio_rate(mp_obj_t rate_in) {
    mp_int_t rate = mp_obj_get_int(rate_in);
    if (rate < 8000 || rate > 48000) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("rate must be in 8000..48000 (got %d)"), (int)rate);
    }
    return (uint32_t)rate;
}

static mp_obj_t k230audio_mic_open(mp_obj_t rate_in) {
    if (k230_sim_mic_open(k230audio_rate(rate_in)) != 0) {
        k230audio_raise();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(k230audio_mic_open_obj, k230audio_mic_open);

static mp_obj_t k230audio_mic_read(mp_obj_t pos_in, mp_obj_t rate_in, mp_obj_t buf_in) {
    mp_int_t pos = mp_obj_get_int(pos_in);
    if (pos < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("pos must be 0 or more"));
    }
    uint32_t rate = k230audio_rate(rate_in);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(buf_in, &buf, MP_BUFFER_WRITE);
    size_t frames = buf.len / sizeof(int16_t);
    if (frames == 0 || frames > 480000 || ((uintptr_t)buf.buf % sizeof(int16_t)) != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("buf must be an aligned buffer of 1..480000 16-bit samples"));
    }
    int32_t n = k230_sim_mic_read((uint64_t)pos, rate, (int16_t *)buf.buf, (uint32_t)frames);
    if (n < 0) {
        k230audio_raise();
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_3(k230audio_mic_read_obj, k230audio_mic_read);

static mp_obj_t k230audio_mic_clock(void) {
    int64_t us = k230_sim_mic_clock_us();
    return us < 0 ? mp_const_none : mp_obj_new_int_from_ll(us);
}
static MP_DEFINE_CONST_FUN_OBJ_0(k230audio_mic_clock_obj, k230audio_mic_clock);

static mp_obj_t k230audio_g711_encode(mp_obj_t law_in, mp_obj_t pcm_in, mp_obj_t out_in) {
    mp_int_t law = mp_obj_get_int(law_in);
    if (law != 0 && law != 1) {
        mp_raise_ValueError(MP_ERROR_TEXT("law must be 0 (A-law) or 1 (mu-law)"));
    }
    mp_buffer_info_t pcm, out;
    mp_get_buffer_raise(pcm_in, &pcm, MP_BUFFER_READ);
    mp_get_buffer_raise(out_in, &out, MP_BUFFER_WRITE);
    size_t n = pcm.len / sizeof(int16_t);
    if (out.len < n) {
        mp_raise_ValueError(MP_ERROR_TEXT("out must hold one byte for each 16-bit sample of pcm"));
    }
    if (((uintptr_t)pcm.buf % sizeof(int16_t)) != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("pcm must be 2-byte aligned"));
    }
    int32_t r = k230_sim_g711_encode((uint32_t)law, (const int16_t *)pcm.buf, n, (uint8_t *)out.buf);
    return MP_OBJ_NEW_SMALL_INT(r < 0 ? 0 : r);
}
static MP_DEFINE_CONST_FUN_OBJ_3(k230audio_g711_encode_obj, k230audio_g711_encode);

static const mp_rom_map_elem_t k230audio_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__k230audio) },
    { MP_ROM_QSTR(MP_QSTR_mic_open), MP_ROM_PTR(&k230audio_mic_open_obj) },
    { MP_ROM_QSTR(MP_QSTR_mic_read), MP_ROM_PTR(&k230audio_mic_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_mic_clock), MP_ROM_PTR(&k230audio_mic_clock_obj) },
    { MP_ROM_QSTR(MP_QSTR_g711_encode), MP_ROM_PTR(&k230audio_g711_encode_obj) },
};
static MP_DEFINE_CONST_DICT(k230audio_module_globals, k230audio_module_globals_table);

const mp_obj_module_t k230audio_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&k230audio_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__k230audio, k230audio_user_cmodule);
