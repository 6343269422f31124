//! The C entry points (`venc_*`) the MicroPython glue calls.
//!
//! Each function checks its pointers, runs one core operation on the global
//! module state (never holding its lock while the MPP blocks: GetStream and
//! SendFrame wait between two locked steps), and reports failures as data in a [`VencError`]: the
//! exception kind, the K230 code and a NUL-terminated message. Nothing here
//! panics on input, unwinds into C, or keeps a pointer it was given.
//! Declarations for C are in `mpy_glue/k230_venc.h`.

use core::fmt::Write;

use crate::attr::ChnAttr;
use crate::encoder::{get_stream_wait, send_frame_wait, PackInfo, Venc, PACK_CNT_MAX};
use crate::error::{Error, ErrorKind};
use crate::frame::frame_from_bytes;
use crate::hal::K230Mpp;

/// The module state: one per process, like the K230's VENC device.
static VENC: spin::Mutex<Venc<K230Mpp>> = spin::Mutex::new(Venc::new(K230Mpp));

/// Failure report for C (`venc_error_t`).
#[repr(C)]
pub struct VencError {
    /// `VENC_ERR_*` kind: 1 ValueError, 2 TypeError, 3 RuntimeError, 4 OSError, 5 timeout.
    pub kind: i32,
    /// K230 code for OSError / timeout, else 0.
    pub code: i32,
    /// NUL-terminated message (truncated to fit).
    pub msg: [u8; 200],
}

struct MsgWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for MsgWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(1 + self.len);
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Writes `e` into `*out` (when not NULL) and returns its kind as the status.
fn report(out: *mut VencError, e: &Error) -> i32 {
    let kind = e.kind();
    // SAFETY: the caller passes NULL or a valid, writable VencError.
    if let Some(out) = unsafe { out.as_mut() } {
        out.kind = kind as i32;
        out.code = e.mpp_code();
        let mut w = MsgWriter {
            buf: &mut out.msg,
            len: 0,
        };
        let _ = write!(w, "{e}");
        let end = w.len;
        out.msg[end] = 0;
    }
    kind as i32
}

fn status(r: Result<(), Error>, err: *mut VencError) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => report(err, &e),
    }
}

fn null_arg(arg: &'static str, err: *mut VencError) -> i32 {
    report(
        err,
        &Error::Type {
            arg,
            expected: "given (NULL pointer)",
        },
    )
}

/// A new owner id for an `Encoder` object.
#[no_mangle]
pub extern "C" fn venc_encoder_new() -> u32 {
    VENC.lock().new_owner()
}

/// Finaliser of an `Encoder`: stops and destroys the channels it created.
#[no_mangle]
pub extern "C" fn venc_encoder_drop(owner: u32) -> i32 {
    status(VENC.lock().drop_owner(owner), core::ptr::null_mut())
}

/// `Encoder.SetOutBufs`.
#[no_mangle]
pub extern "C" fn venc_set_out_bufs(
    chn: i64,
    buf_num: i64,
    width: i64,
    height: i64,
    err: *mut VencError,
) -> i32 {
    status(VENC.lock().set_out_bufs(chn, buf_num, width, height), err)
}

/// `Encoder.Create`.
///
/// # Safety
/// `attr` is NULL or points at a valid `venc_chn_attr_t`; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_create(
    owner: u32,
    chn: i64,
    attr: *const ChnAttr,
    err: *mut VencError,
) -> i32 {
    // SAFETY: per the contract above.
    let Some(attr) = (unsafe { attr.as_ref() }) else {
        return null_arg("chnAttr", err);
    };
    status(VENC.lock().create(owner, chn, attr), err)
}

/// `Encoder.Start`.
#[no_mangle]
pub extern "C" fn venc_start(chn: i64, err: *mut VencError) -> i32 {
    status(VENC.lock().start(chn), err)
}

/// `Encoder.Stop`.
#[no_mangle]
pub extern "C" fn venc_stop(chn: i64, err: *mut VencError) -> i32 {
    status(VENC.lock().stop(chn), err)
}

/// `Encoder.Destroy`.
#[no_mangle]
pub extern "C" fn venc_destroy(chn: i64, err: *mut VencError) -> i32 {
    status(VENC.lock().destroy(chn), err)
}

/// The wait of one `Encoder.SendFrame` (the manual gives it no timeout argument).
#[no_mangle]
pub static VENC_SEND_TIMEOUT_MS: i32 = crate::encoder::SEND_TIMEOUT_MS;

/// `Encoder.SendFrame` with the raw bytes of a `k_video_frame_info`, waiting at most
/// `timeout_ms` for a free output buffer.
///
/// # Safety
/// `frame` is NULL or points at `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn venc_send_frame(
    chn: i64,
    frame: *const u8,
    len: usize,
    timeout_ms: i64,
    err: *mut VencError,
) -> i32 {
    if frame.is_null() {
        return null_arg("frame_info", err);
    }
    // SAFETY: per the contract above.
    let bytes = unsafe { core::slice::from_raw_parts(frame, len) };
    let r = frame_from_bytes(bytes).and_then(|mut f| {
        let (c, timeout) = VENC.lock().send_frame_begin(chn, &f, timeout_ms)?;
        // The wait for a free output buffer runs without the module lock.
        send_frame_wait(&mut K230Mpp, c, &mut f, timeout)
    });
    status(r, err)
}

/// `Encoder.GetStream`: fills `packs[0..12]`, `*token` and `*count`.
///
/// # Safety
/// `packs` points at 12 writable `venc_pack_t`; `token`, `count` are writable.
#[no_mangle]
pub unsafe extern "C" fn venc_get_stream(
    chn: i64,
    timeout_ms: i64,
    held: u32,
    packs: *mut PackInfo,
    token: *mut u32,
    count: *mut u32,
    err: *mut VencError,
) -> i32 {
    if packs.is_null() || token.is_null() || count.is_null() {
        return null_arg("streamData", err);
    }
    // SAFETY: per the contract above: 12 entries, properly aligned.
    let out = unsafe { &mut *packs.cast::<[PackInfo; PACK_CNT_MAX]>() };
    let ticket = match VENC.lock().get_stream_begin(chn, timeout_ms, held) {
        Ok(t) => t,
        Err(e) => return report(err, &e),
    };
    // The wait for a stream runs without the module lock: other threads (SendFrame,
    // ReleaseStream, other channels) go on meanwhile.
    let got = get_stream_wait(&mut K230Mpp, &ticket);
    let done = VENC.lock().get_stream_finish(ticket, got, out);
    match done {
        Ok((t, n)) => {
            // SAFETY: per the contract above.
            unsafe {
                *token = t;
                *count = n as u32;
            }
            0
        }
        Err(e) => report(err, &e),
    }
}

/// `Encoder.ReleaseStream` of the stream `token` names.
#[no_mangle]
pub extern "C" fn venc_release_stream(chn: i64, token: u32, err: *mut VencError) -> i32 {
    status(VENC.lock().release_stream(chn, token), err)
}

/// `MediaManager.init()`.
#[no_mangle]
pub extern "C" fn venc_media_init(err: *mut VencError) -> i32 {
    status(VENC.lock().media_init(), err)
}

/// `MediaManager.deinit()`.
#[no_mangle]
pub extern "C" fn venc_media_deinit(err: *mut VencError) -> i32 {
    status(VENC.lock().media_deinit(), err)
}

/// `MediaManager.link(src, dst)`: `src`, `dst` are `(mod, dev, chn)` triples.
///
/// # Safety
/// `src`, `dst` point at 3 readable `int64_t`; `token` is writable.
#[no_mangle]
pub unsafe extern "C" fn venc_link(
    src: *const i64,
    dst: *const i64,
    token: *mut u32,
    err: *mut VencError,
) -> i32 {
    if src.is_null() || dst.is_null() || token.is_null() {
        return null_arg("link", err);
    }
    // SAFETY: per the contract above.
    let (s, d) = unsafe { (*src.cast::<[i64; 3]>(), *dst.cast::<[i64; 3]>()) };
    match VENC.lock().link(s, d) {
        Ok(t) => {
            // SAFETY: per the contract above.
            unsafe { *token = t };
            0
        }
        Err(e) => report(err, &e),
    }
}

/// Unbinds a link (no-op if already gone).
#[no_mangle]
pub extern "C" fn venc_unlink(token: u32, err: *mut VencError) -> i32 {
    status(VENC.lock().unlink(token), err)
}

/// 1 while the link is bound, else 0.
#[no_mangle]
pub extern "C" fn venc_is_linked(token: u32) -> i32 {
    VENC.lock().is_linked(token) as i32
}

/// The between-scripts hook: tears every channel, stream, link and VB down.
#[no_mangle]
pub extern "C" fn venc_deinit_all(err: *mut VencError) -> i32 {
    status(VENC.lock().deinit_all(), err)
}

const _: () = {
    assert!(ErrorKind::Value as i32 == 1 && ErrorKind::Timeout as i32 == 5);
    assert!(core::mem::size_of::<PackInfo>() == 32);
    assert!(core::mem::size_of::<ChnAttr>() == 72);
};
