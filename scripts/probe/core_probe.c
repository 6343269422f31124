// Links every venc_* entry point of the core (mpy_glue/k230_venc.h) into a program, so that
// scripts/check_core_archive.sh can measure the code the core really adds after
// --gc-sections. With -DPROBE_BASELINE the entry points are empty stand-ins instead.
#include <stdint.h>
#include <stdio.h>

#include "k230_venc.h"

#ifdef PROBE_BASELINE
uint32_t venc_encoder_new(void) { return 1; }
int32_t venc_encoder_drop(uint32_t o) { return (int32_t)o; }
int32_t venc_set_out_bufs(int64_t c, int64_t b, int64_t w, int64_t h, venc_error_t *e) { (void)b; (void)w; (void)h; (void)e; return (int32_t)c; }
int32_t venc_create(uint32_t o, int64_t c, const venc_chn_attr_t *a, venc_error_t *e) { (void)o; (void)a; (void)e; return (int32_t)c; }
int32_t venc_start(int64_t c, venc_error_t *e) { (void)e; return (int32_t)c; }
int32_t venc_stop(int64_t c, venc_error_t *e) { (void)e; return (int32_t)c; }
int32_t venc_destroy(int64_t c, venc_error_t *e) { (void)e; return (int32_t)c; }
int32_t venc_send_frame(int64_t c, const uint8_t *f, size_t l, int64_t t, venc_poll_fn_t p, void *x, venc_error_t *e) { (void)f; (void)l; (void)t; (void)p; (void)x; (void)e; return (int32_t)c; }
int32_t venc_get_stream(int64_t c, int64_t t, uint32_t *tok, venc_pack_t *p, uint32_t *n, venc_poll_fn_t f, void *x, venc_error_t *e) { (void)t; (void)tok; (void)p; (void)n; (void)f; (void)x; (void)e; return (int32_t)c; }
int32_t venc_release_stream(int64_t c, uint32_t *t, venc_error_t *e) { (void)t; (void)e; return (int32_t)c; }
int32_t venc_media_init(venc_error_t *e) { (void)e; return 0; }
int32_t venc_media_deinit(venc_error_t *e) { (void)e; return 0; }
int32_t venc_link(const int64_t *s, const int64_t *d, uint32_t *t, venc_error_t *e) { (void)s; (void)d; (void)t; (void)e; return 0; }
int32_t venc_unlink(uint32_t t, venc_error_t *e) { (void)e; return (int32_t)t; }
int32_t venc_is_linked(uint32_t t) { return (int32_t)t; }
int32_t venc_deinit_all(venc_error_t *e) { (void)e; return 0; }
const venc_frame_field_t VENC_FRAME_FIELDS[VENC_FRAME_FIELD_COUNT];
#else
// The MPP is not what is measured: every kd_mpi_* the archive calls answers "failed"
// (check_core_archive.sh writes the stubs from the archive's undefined symbols).
#include "mpp_stubs.h"
#endif

int main(int argc, char **argv) {
    (void)argv;
    venc_error_t err = {0};
    venc_chn_attr_t attr = {96, 2, 640, 480, 30, 4000, 30, 30, 45};
    venc_pack_t packs[VENC_PACK_CNT_MAX];
    uint32_t token = 0, count = 0;
    int64_t src[3] = {6, 0, 0}, dst[3] = {9, 0, 0};
    uint8_t frame[VENC_FRAME_INFO_SIZE] = {0};
    int32_t r = 0;
    uint32_t owner = venc_encoder_new();
    r |= venc_set_out_bufs(argc, 4, 640, 480, &err);
    r |= venc_media_init(&err);
    r |= venc_link(src, dst, &token, &err);
    r |= venc_create(owner, argc, &attr, &err);
    r |= venc_start(argc, &err);
    r |= venc_send_frame(argc, frame, sizeof(frame), VENC_SEND_TIMEOUT_MS, NULL, NULL, &err);
    r |= venc_get_stream(argc, 0, &token, packs, &count, NULL, NULL, &err);
    r |= venc_release_stream(argc, &token, &err);
    r |= venc_stop(argc, &err);
    r |= venc_destroy(argc, &err);
    r |= venc_unlink(token, &err);
    r |= venc_is_linked(token);
    r |= venc_media_deinit(&err);
    r |= venc_encoder_drop(owner);
    r |= venc_deinit_all(&err);
    printf("%d %s %d\n", (int)r, err.msg, VENC_FRAME_FIELDS[argc].offset);
    return 0;
}
