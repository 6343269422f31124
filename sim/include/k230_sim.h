/*
 * k230_sim.h - controls of the k230-venc host simulator that are not part of the
 * K230 MPP API: the VICAP sensor stand-in, fault injection, statistics and reset.
 * The MPP functions themselves (kd_mpi_*) are declared in include/k230_mpp.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef K230_SIM_H
#define K230_SIM_H

#include <stdint.h>

#include "k230_mpp.h" /* k_video_frame_info (include/ of the repository) */

/* Counters for leak checks (tests compare them before and after a script). */
typedef struct {
    uint32_t venc_channels_created;
    uint32_t venc_channels_started;
    uint32_t venc_streams_held;   /* delivered by get_stream, not yet released */
    uint32_t venc_frames_queued;  /* encoded, not yet delivered */
    uint32_t mmz_blocks;          /* live allocations in the MMZ arena */
    uint64_t mmz_bytes;
    uint32_t mappings;            /* kd_mpi_sys_mmap minus kd_mpi_sys_munmap */
    uint32_t binds;               /* live kd_mpi_sys_bind pairs */
    uint32_t vb_inited;           /* 1 between kd_mpi_vb_init and kd_mpi_vb_exit */
    uint32_t vicap_running;       /* sensor devices running */
    uint32_t venc_channels_requested; /* kd_mpi_venc_request_chn minus release (2025 ABI) */
    uint32_t mp4_files;           /* kd_mp4_create instances not destroyed */
    uint32_t mp4_tracks;          /* kd_mp4_create_track handles not freed */
} k230_sim_stats;

/* VICAP stand-in: dev 0..2, chn 0..2. Return 0 or a K_ERR code (module VICAP = 21).
 * reset stops the device and forgets its configuration (not its claim). Pixel formats: 31
 * (NV12, the default), 3 (RGB888 packed R, G, B), 46 (RGB888 planar R, G, B). The mirror mask
 * (1 horizontal mirror, 2 vertical flip) applies from the next start. stop frees the frame
 * rings and the claim. */
int32_t k230_sim_vicap_reset(int32_t dev);
int32_t k230_sim_vicap_set_framesize(int32_t dev, int32_t chn, uint32_t width, uint32_t height);
int32_t k230_sim_vicap_set_pixformat(int32_t dev, int32_t chn, uint32_t pixel_format);
int32_t k230_sim_vicap_set_fps(int32_t dev, uint32_t fps);
int32_t k230_sim_vicap_set_mirror(int32_t dev, uint32_t mask);
int32_t k230_sim_vicap_start(int32_t dev);
int32_t k230_sim_vicap_stop(int32_t dev);
/* The channel's next frame, as kd_mpi_vicap_dump_frame describes it: size, pixel format,
 * strides, phys_addr and virt_addr (host pointers) of each plane, time_ref (frame number since
 * start), pts (microseconds), pool_id, mod_id = K_ID_VI; the rest 0. Valid until the channel's
 * ring of 4 blocks comes round again or the device stops. */
int32_t k230_sim_vicap_dump_frame(int32_t dev, int32_t chn, k_video_frame_info *out);

/* The CSI bus claim CanMV's Sensor layer keeps per device ("sensor(N) is already inited."):
 * claim writes a new token (never 0) and returns 0, or 0xa0158004 (EXIST) if the device is
 * claimed and force is 0 (with force the new claim replaces the old). owner returns the token
 * of the current claim, 0 if free. k230_sim_vicap_stop frees it. */
int32_t k230_sim_vicap_claim(int32_t dev, int32_t force, uint32_t *token);
uint32_t k230_sim_vicap_owner(int32_t dev);

/* Sensor frame source for devices started from now on: frames of the Y4M file `path`
 * (8-bit 4:2:0: C420, C420jpeg, C420mpeg2, C420paldv or no C tag), sensor frame k = file
 * frame k mod N, looping; or the moving test pattern for NULL / "". The initial source is
 * the file named by the environment variable K230_SIM_Y4M (unset / empty: test pattern).
 * The file is opened and indexed now: 0, or 0xa0158005 (UNEXIST: cannot open / read) or
 * 0xa0158008 (NOT_SUPPORT: not Y4M, no complete frame, not 8-bit 4:2:0).
 * k230_sim_vicap_start then fails with 0xa0158003 (ILLEGAL_PARAM) when a configured channel's
 * size differs from the file's frame size (no scaling), or with the codes above. */
int32_t k230_sim_vicap_set_source(const char *path);
/* Text of the last source error ("" if none); valid until the next VICAP call. */
const char *k230_sim_vicap_error(void);

/* Make the named kd_mpi_* function fail with `code` after `skip` further successful calls,
 * `count` times in a row. count 0 clears the rule for that function. Returns 0, or -1 for
 * an unknown function name. */
int32_t k230_sim_fault_inject(const char *func, int32_t code, uint32_t skip, uint32_t count);
void k230_sim_fault_clear(void);
/* Injected failures that fired since the last k230_sim_fault_clear. */
uint32_t k230_sim_fault_fired(void);

void k230_sim_get_stats(k230_sim_stats *out);
/* 1 once the stop asked for with K230_SIM_STOP_AFTER was sent (SIGINT), else 0. */
int32_t k230_sim_stop_requested(void);
/* Sensor frames delivered so far (the newest frame number of any sensor channel). */
uint64_t k230_sim_frames_taken(void);
/* Pictures VENC channel chn dropped: out[0] by frame-rate conversion, out[1] for not fitting
 * an output buffer, out[2] sensor frames due (realtime clock) while every output buffer was
 * full. 0, or -1 if the channel is not created. */
int32_t k230_sim_venc_drops(uint32_t chn, uint64_t *out);

/* Run-time policies (sim/src/policy.rs Switches) for channels created from now on:
 * "frame_rate" = "keep" | "drop", "header" = "with-idr" | "first-separate". set returns 0,
 * -1 for an unknown name, -2 for an unknown value; get returns the value, NULL if unknown. */
int32_t k230_sim_set_policy(const char *name, const char *value);
const char *k230_sim_policy(const char *name);

/* The CanMV IDE preview's VENC channel: on > 0 takes one (the fixed channel 3 with the 2024
 * ABI, a requested one with the 2025 ABI; a JPEG channel created by the "firmware"), 0 gives
 * it back, on < 0 only asks. Returns 0 and the channel in *chn (-1 when off), or the K230 code of the create
 * (or request) that failed: the preview then holds nothing. Also K230_SIM_IDE_PREVIEW=1. */
int32_t k230_sim_ide_preview(int32_t on, int32_t *chn);

/* Codec backend for channels created from now on, by name: "libav" (real x264 / x265 / JPEG,
 * the default) or "synthetic" (placeholder streams naming the encoded picture). The initial
 * backend is the one named by the environment variable K230_SIM_BACKEND, else "libav" ("synthetic"
 * in a simulator built without its libav feature). Returns 0, -1 if unknown, or -2 if this
 * simulator was built without that backend. */
int32_t k230_sim_set_backend(const char *name);
const char *k230_sim_backend(void);

#endif /* K230_SIM_H */
