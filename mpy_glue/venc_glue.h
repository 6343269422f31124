// venc_glue.h - what the parts of the media.vencoder glue share: converting arguments,
// raising the core's failures, serving the waits, and the types they pass between them.
//
// SPDX-License-Identifier: MIT OR Apache-2.0
#ifndef VENC_GLUE_H
#define VENC_GLUE_H

#include "py/obj.h"
#include "py/runtime.h"
#include "py/smallint.h"

#include "k230_venc.h"

#ifndef MP_NORETURN
#define MP_NORETURN NORETURN
#endif

#ifndef mp_obj_malloc_with_finaliser
// MicroPython 1.21 spells it differently.
#define VENC_MALLOC_SHIM (1)
#define mp_obj_malloc_with_finaliser(struct_type, obj_type) \
    ((struct_type *)venc_malloc_with_finaliser(sizeof(struct_type), obj_type))
void *venc_malloc_with_finaliser(size_t n, const mp_obj_type_t *type);
#endif

// What a wait's poll callback caught (MP_OBJ_NULL: nothing).
typedef struct {
    mp_obj_t exc;
} venc_poll_ctx_t;

// The poll callback of the core's waits: runs with the GIL released around it, takes it,
// serves Ctrl-C, scheduled callbacks and the port's event hook, and stops the wait
// (returning true) when one of them raised; the exception is kept in the context, on the
// caller's C stack, which the GC scans (every thread's). The GIL steps only do something
// where MICROPY_PY_THREAD_GIL is on (the CanMV firmware; compile-checked by
// scripts/check_glue_canmv.sh); the unix port the tests run has no GIL.
bool venc_poll(void *ctx);

// Raises the exception the failure `ret` stands for (nothing when ret is 0); a wait
// stopped by venc_poll raises what the poll caught.
void venc_check(int32_t ret, const venc_error_t *err, const venc_poll_ctx_t *poll);

// An int argument; big ints are clamped so that the core reports them out of range.
int64_t venc_int_arg(mp_obj_t o, const char *name);
// The same for argument `name` of the call `op` (the TypeError says "op: name must be ...").
int64_t venc_int_arg_of(mp_obj_t o, const char *op, const char *name);

// A non-negative value as an int object; allocates only if it is not a small int.
static inline mp_obj_t venc_uint_obj(uint64_t v) {
    if (v <= (uint64_t)(mp_uint_t)MP_SMALL_INT_POSITIVE_MASK) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    return mp_obj_new_int_from_ull(v);
}

// uctypes.<name>.
mp_obj_t venc_uctypes_const(qstr name);

// The frame_info argument of SendFrame: the bytes of a uctypes struct, copied into `out`
// (VENC_FRAME_INFO_SIZE + 1 bytes, so that a larger struct still shows as the wrong
// size); returns the struct's length, at most that.
size_t venc_frame_arg(mp_obj_t o, uint8_t *out);

extern const mp_obj_module_t venc_module_vencoder;
extern const mp_obj_fun_builtin_fixed_t venc_k_video_frame_info_obj;
extern const mp_obj_fun_builtin_fixed_t venc_align_up_obj;

#endif // VENC_GLUE_H
