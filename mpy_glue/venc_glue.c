// venc_glue.c - shared helpers of the media.vencoder glue (see venc_glue.h).
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <string.h>

#include "py/mpthread.h"
#include "py/nlr.h"

#include "venc_glue.h"

extern const mp_obj_module_t mp_module_uctypes;

#ifdef VENC_MALLOC_SHIM
void *venc_malloc_with_finaliser(size_t n, const mp_obj_type_t *type) {
    mp_obj_base_t *base = (mp_obj_base_t *)m_malloc_with_finaliser(n);
    base->type = type;
    return base;
}
#endif

// Raises the exception a core failure stands for.
static MP_NORETURN void venc_raise(const venc_error_t *err) {
    switch (err->kind) {
        case VENC_ERR_VALUE:
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), err->msg);
        case VENC_ERR_TYPE:
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s"), err->msg);
        case VENC_ERR_OS:
        case VENC_ERR_TIMEOUT: {
            mp_obj_t args[2] = {
                mp_obj_new_int_from_uint((uint32_t)err->code),
                mp_obj_new_str(err->msg, strlen(err->msg)),
            };
            nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
        }
        default:
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s"), err->msg);
    }
}

void venc_check(int32_t ret, const venc_error_t *err, const venc_poll_ctx_t *poll) {
    if (ret == 0) {
        return;
    }
    if (ret == VENC_ERR_ABORTED && poll != NULL && poll->exc != MP_OBJ_NULL) {
        nlr_raise(poll->exc);
    }
    venc_raise(err);
}

// Between the slices of a wait: what the port does while it waits (CanMV's hook also
// serves the IDE's stop request), else at least raise Ctrl-C and run scheduled callbacks.
static void venc_wait_hook(void) {
    #ifdef MICROPY_EVENT_POLL_HOOK
    MICROPY_EVENT_POLL_HOOK
    #else
    mp_handle_pending(true);
    #endif
}

bool venc_poll(void *ctx_in) {
    venc_poll_ctx_t *ctx = ctx_in;
    MP_THREAD_GIL_ENTER();
    // The exception must not unwind through the Rust frames below: catch it here and let
    // the core end the wait; the glue raises it once the call has returned.
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        venc_wait_hook();
        nlr_pop();
    } else {
        ctx->exc = MP_OBJ_FROM_PTR(nlr.ret_val);
    }
    MP_THREAD_GIL_EXIT();
    return ctx->exc != MP_OBJ_NULL;
}

int64_t venc_int_arg_of(mp_obj_t o, const char *op, const char *name) {
    if (mp_obj_is_small_int(o)) {
        return MP_OBJ_SMALL_INT_VALUE(o);
    }
    if (mp_obj_is_int(o)) {
        if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_MORE, o, mp_obj_new_int_from_ll(INT64_MAX)))) {
            return INT64_MAX;
        }
        if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_LESS, o, mp_obj_new_int_from_ll(INT64_MIN)))) {
            return INT64_MIN;
        }
        return (int64_t)mp_obj_int_get_truncated(o);
    }
    if (mp_obj_is_bool(o)) {
        return o == mp_const_true;
    }
    mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s%s%s must be an int, not %s"),
        op, *op ? ": " : "", name, mp_obj_get_type_str(o));
}

int64_t venc_int_arg(mp_obj_t o, const char *name) {
    return venc_int_arg_of(o, "", name);
}

mp_obj_t venc_uctypes_const(qstr name) {
    return mp_load_attr(MP_OBJ_FROM_PTR(&mp_module_uctypes), name);
}
