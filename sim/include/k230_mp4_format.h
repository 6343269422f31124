/*
 * k230_mp4_format.h - the K230 MPP's MP4 muxer / demuxer C API (kd_mp4_*), as the host
 * simulator implements it (sim/src/mp4/). Written for this project from the neighbours facts
 * sheet, section 3 (the SDK's own header is not copied): the same function signatures, enum
 * values and struct layouts (LP64: x86_64 and riscv64 alike), checked below.
 *
 * Every function returns 0 on success and -1 on an error, after printing the reason on
 * stderr (the SDK printf's it); kd_mp4_write_frame also returns -2 (see below). Handles
 * (KD_HANDLE) are opaque non-zero values; an unknown one is an error, never a crash.
 *
 * - kd_mp4_create: muxer (fmp4_flag != 0: fragmented MP4) or demuxer, per config_type.
 * - kd_mp4_create_track: muxer only, at most 3 tracks, track_type VIDEO (H.264 / H.265) or
 *   AUDIO (G.711 A-law / mu-law).
 * - kd_mp4_write_frame: data / data_length hold one Annex-B access unit (video) or G.711
 *   bytes (audio); time_stamp is in MICROSECONDS (the SDK divides it by 1000; the file's
 *   media time scale is 1000). The first video write of a track must hold the parameter sets
 *   and an IDR (-1 and "mp4 muxer write should start with key frame (header + idr)"
 *   otherwise; -2 when they are there but cannot be parsed).
 * - kd_mp4_destroy_tracks, kd_mp4_destroy: the file is complete after kd_mp4_destroy.
 * - demuxer: kd_mp4_get_file_info (duration in ms), kd_mp4_get_track_by_index,
 *   kd_mp4_get_frame (Annex-B video or G.711 bytes in a buffer of the instance, valid until
 *   the next call; time_stamp in MILLISECONDS; at the end 0 with eof = 1).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef K230_MP4_FORMAT_H
#define K230_MP4_FORMAT_H

#include <stdint.h>

typedef void *KD_HANDLE;

typedef enum {
    K_MP4_CONFIG_MUXER = 1,
    K_MP4_CONFIG_DEMUXER = 2,
    K_MP4_CONFIG_BUTT = 3,
} k_mp4_config_type_e;

typedef enum {
    K_MP4_STREAM_VIDEO = 1,
    K_MP4_STREAM_AUDIO = 2,
    K_MP4_STREAM_BUTT = 3,
} k_mp4_track_type_e;

typedef enum {
    K_MP4_CODEC_ID_H264 = 0,
    K_MP4_CODEC_ID_H265 = 1,
    K_MP4_CODEC_ID_G711A = 2,
    K_MP4_CODEC_ID_G711U = 3,
    K_MP4_CODEC_ID_BUTT = 4,
} k_mp4_codec_id_e;

typedef struct {
    char file_name[128];
    uint8_t fmp4_flag;
} k_mp4_config_muxer_s;

typedef struct {
    char file_name[128];
} k_mp4_config_demuxer_s;

typedef struct {
    k_mp4_config_type_e config_type;
    union {
        k_mp4_config_muxer_s muxer_config;
        k_mp4_config_demuxer_s demuxer_config;
    };
} k_mp4_config_s;

typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t track_id;
    k_mp4_codec_id_e codec_id;
} k_mp4_video_info_s;

typedef struct {
    uint32_t channels;
    uint32_t sample_rate;
    uint32_t bit_per_sample;
    uint32_t track_id;
    k_mp4_codec_id_e codec_id;
} k_mp4_audio_info_s;

typedef struct {
    k_mp4_track_type_e track_type;
    uint32_t time_scale;
    union {
        k_mp4_video_info_s video_info;
        k_mp4_audio_info_s audio_info;
    };
} k_mp4_track_info_s;

typedef struct {
    uint64_t duration;
    uint32_t track_num;
} k_mp4_file_info_s;

typedef struct {
    k_mp4_codec_id_e codec_id;
    uint64_t time_stamp;
    uint8_t *data;
    uint32_t data_length;
    uint8_t eof;
} k_mp4_frame_data_s;

/* The layouts of the facts sheet (3.3). */
_Static_assert(sizeof(k_mp4_config_muxer_s) == 129, "k_mp4_config_muxer_s");
_Static_assert(sizeof(k_mp4_config_s) == 136, "k_mp4_config_s");
_Static_assert(sizeof(k_mp4_video_info_s) == 16, "k_mp4_video_info_s");
_Static_assert(sizeof(k_mp4_audio_info_s) == 20, "k_mp4_audio_info_s");
_Static_assert(sizeof(k_mp4_track_info_s) == 28, "k_mp4_track_info_s");
_Static_assert(sizeof(k_mp4_file_info_s) == 16, "k_mp4_file_info_s");
_Static_assert(sizeof(k_mp4_frame_data_s) == 32, "k_mp4_frame_data_s");
_Static_assert(sizeof(KD_HANDLE) == 8, "KD_HANDLE (LP64)");

int kd_mp4_create(KD_HANDLE *mp4_handle, k_mp4_config_s *mp4_cfg);
int kd_mp4_destroy(KD_HANDLE mp4_handle);
int kd_mp4_create_track(KD_HANDLE mp4_handle, KD_HANDLE *track_handle, k_mp4_track_info_s *mp4_track_info);
int kd_mp4_destroy_tracks(KD_HANDLE mp4_handle);
int kd_mp4_write_frame(KD_HANDLE mp4_handle, KD_HANDLE track_handle, k_mp4_frame_data_s *frame_data);
int kd_mp4_get_file_info(KD_HANDLE mp4_handle, k_mp4_file_info_s *file_info);
int kd_mp4_get_track_by_index(KD_HANDLE mp4_handle, uint32_t index, k_mp4_track_info_s *mp4_track_info);
int kd_mp4_get_frame(KD_HANDLE mp4_handle, k_mp4_frame_data_s *frame_data);

#endif /* K230_MP4_FORMAT_H */
