/*
 * k230_sim_rtsp.h - the simulator's multimedia.rtsp_server (sim/src/rtsp.rs), bound by
 * boards/unix_sim/modmultimedia.c.
 *
 * A handle names one server object (k230_sim_rtsp_new, never 0). Calls return a status:
 *   0  done
 *  -1  the board's -1 (cannot listen, unknown session or video type, ...): msg says why
 *  -2  a bad argument (ValueError)
 *  -3  wrong state, e.g. before k230_sim_rtsp_init (RuntimeError)
 *  -4  not available: the simulator was built without RTSP (RuntimeError)
 * and write a NUL-terminated message (empty on success) into msg (cap bytes; NULL: none).
 * The server listens on 127.0.0.1 unless K230_SIM_RTSP_ADDRESS names another address.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef K230_SIM_RTSP_H
#define K230_SIM_RTSP_H

#include <stddef.h>
#include <stdint.h>

#define K230_SIM_RTSP_OK (0)
#define K230_SIM_RTSP_FAIL (-1)
#define K230_SIM_RTSP_BAD_ARG (-2)
#define K230_SIM_RTSP_STATE (-3)
#define K230_SIM_RTSP_UNAVAILABLE (-4)

uint32_t k230_sim_rtsp_new(void);
/* Deinitialises and forgets the handle (the object's finaliser). */
void k230_sim_rtsp_free(uint32_t h);
/* Listens on port (0..65535; 0: a free port, named by the URLs). */
int32_t k230_sim_rtsp_init(uint32_t h, int64_t port, char *msg, size_t cap);
/* video_type: 0 H.264, 1 H.265, 2 MJPEG; audio: a G.711 µ-law track (PCMU, 8000 Hz, mono).
 * 0 also when the session exists. */
int32_t k230_sim_rtsp_create_session(uint32_t h, const char *name, int64_t video_type, int32_t audio,
    char *msg, size_t cap);
/* The session's URL (status 0) or the message, into out. */
int32_t k230_sim_rtsp_url(uint32_t h, const char *name, char *out, size_t cap);
/* len bytes of video (audio != 0: G.711 µ-law audio), copied before returning; never waits. */
int32_t k230_sim_rtsp_send(uint32_t h, const char *name, int32_t audio, const uint8_t *data, size_t len,
    char *msg, size_t cap);
int32_t k230_sim_rtsp_start(uint32_t h, char *msg, size_t cap);
void k230_sim_rtsp_stop(uint32_t h);
int32_t k230_sim_rtsp_destroy_session(uint32_t h, const char *name, char *msg, size_t cap);
void k230_sim_rtsp_deinit(uint32_t h);
/* The firmware's teardown between scripts: every server stopped and closed. */
void k230_sim_rtsp_deinit_all(void);
/* Servers initialised and not deinitialised. */
uint32_t k230_sim_rtsp_live(void);
/* 1 if built with RTSP, else 0. */
int32_t k230_sim_rtsp_available(void);

#endif /* K230_SIM_RTSP_H */
