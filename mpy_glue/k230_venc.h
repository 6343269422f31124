// k230_venc.h - C interface of the k230-venc Rust core (src/capi.rs).
//
// Every function returns 0 on success or a VENC_ERR_* kind, and then fills
// the venc_error_t (when not NULL) with the kind, the K230 code and a message.
// SPDX-License-Identifier: MIT OR Apache-2.0
#ifndef K230_VENC_H
#define K230_VENC_H

#include <stddef.h>
#include <stdint.h>

#define VENC_PACK_CNT_MAX (12)
#define VENC_FRAME_INFO_SIZE (224) // sizeof(k_video_frame_info)

// Kinds of failure, one per Python exception type.
#define VENC_ERR_VALUE (1)    // ValueError: an argument outside its allowed values
#define VENC_ERR_TYPE (2)     // TypeError: an argument of the wrong kind
#define VENC_ERR_RUNTIME (3)  // RuntimeError: wrong state or order
#define VENC_ERR_OS (4)       // OSError(code, message): the MPP refused
#define VENC_ERR_TIMEOUT (5)  // no data within the timeout (not an exception)

typedef struct {
    int32_t kind;
    int32_t code;   // K230 code (K_ERR_*), 0 if none
    char msg[200];  // NUL-terminated
} venc_error_t;

// ChnAttrStr, field for field.
typedef struct {
    int64_t payload_type;
    int64_t profile;
    int64_t pic_width;
    int64_t pic_height;
    int64_t gop_len;
    int64_t bit_rate;
    int64_t src_frame_rate;
    int64_t dst_frame_rate;
    int64_t mjpeg_quality_factor;
} venc_chn_attr_t;

// One pack of a GetStream result.
typedef struct {
    uint64_t virt;  // host address of the mapped data
    uint64_t phys;
    uint32_t len;
    uint32_t type;  // STREAM_TYPE_*
    uint64_t pts;   // microseconds
} venc_pack_t;

uint32_t venc_encoder_new(void);
int32_t venc_encoder_drop(uint32_t owner);
int32_t venc_set_out_bufs(int64_t chn, int64_t buf_num, int64_t width, int64_t height, venc_error_t *err);
int32_t venc_create(uint32_t owner, int64_t chn, const venc_chn_attr_t *attr, venc_error_t *err);
int32_t venc_start(int64_t chn, venc_error_t *err);
int32_t venc_stop(int64_t chn, venc_error_t *err);
int32_t venc_destroy(int64_t chn, venc_error_t *err);
// How long one SendFrame waits for a free output buffer in total (ms).
extern const int32_t VENC_SEND_TIMEOUT_MS;
int32_t venc_send_frame(int64_t chn, const uint8_t *frame, size_t len, int64_t timeout_ms,
    venc_error_t *err);
int32_t venc_get_stream(int64_t chn, int64_t timeout_ms, uint32_t held, venc_pack_t *packs,
    uint32_t *token, uint32_t *count, venc_error_t *err);
int32_t venc_release_stream(int64_t chn, uint32_t token, venc_error_t *err);
int32_t venc_media_init(venc_error_t *err);
int32_t venc_media_deinit(venc_error_t *err);
int32_t venc_link(const int64_t *src, const int64_t *dst, uint32_t *token, venc_error_t *err);
int32_t venc_unlink(uint32_t token, venc_error_t *err);
int32_t venc_is_linked(uint32_t token);
int32_t venc_deinit_all(venc_error_t *err);

#endif // K230_VENC_H
