//! The C entry points (`venc_*`) the MicroPython glue calls: one per Python method.
//!
//! Each function checks its pointers and lengths, runs one core operation on the global
//! module state ([`crate::wait`] composes the GetStream and SendFrame waits, never holding
//! the lock while the MPP blocks), and reports failures as data in a [`VencError`]: the
//! exception kind, the K230 code and a NUL-terminated message. Nothing here panics on
//! input, unwinds into C, or keeps a pointer it was given.
//!
//! The C header `mpy_glue/k230_venc.h` is generated from this file by cbindgen
//! (`cargo run -p venc-header`); `make test` fails when the committed one differs. The
//! constants below are what the glue needs; each is checked against the MPP bindings.

use core::ffi::{c_char, c_void};
use core::fmt::Write;

use crate::attr::ChnAttr;
use crate::error::{Error, ErrorKind};
use crate::frame::{FrameField, FRAME_FIELDS, FRAME_FIELD_COUNT, FRAME_INFO_SIZE};
use crate::hal::Platform;
use crate::mpp::*;
use crate::venc::{ChnStatus, OutBufs, PackInfo, Venc, CHN_COUNT, PACK_CNT_MAX};
use crate::wait::{self, Poll};

/// The module state: one per process, like the K230's VENC device.
pub(crate) static VENC: spin::Mutex<Venc<Platform>> = spin::Mutex::new(Venc::new(Platform::NEW));

/// `ValueError`: an argument outside its allowed values.
pub const VENC_ERR_VALUE: i32 = 1;
/// `TypeError`: an argument of the wrong kind.
pub const VENC_ERR_TYPE: i32 = 2;
/// `RuntimeError`: a call in the wrong state or order.
pub const VENC_ERR_RUNTIME: i32 = 3;
/// `OSError(code, message)`: the MPP refused.
pub const VENC_ERR_OS: i32 = 4;
/// No data within the timeout: GetStream/SendFrame return the K230 code, no exception.
pub const VENC_ERR_TIMEOUT: i32 = 5;
/// The poll callback stopped the wait: raise the exception it caught.
pub const VENC_ERR_ABORTED: i32 = 6;

/// `PAYLOAD_TYPE_H264` / `K_PT_H264`.
pub const VENC_PT_H264: i32 = 96;
/// `PAYLOAD_TYPE_H265` / `K_PT_H265`.
pub const VENC_PT_H265: i32 = 265;
/// `PAYLOAD_TYPE_JPEG` / `K_PT_JPEG`.
pub const VENC_PT_JPEG: i32 = 26;
/// `H264_PROFILE_BASELINE`.
pub const VENC_H264_PROFILE_BASELINE: i32 = 1;
/// `H264_PROFILE_MAIN`.
pub const VENC_H264_PROFILE_MAIN: i32 = 2;
/// `H264_PROFILE_HIGH`.
pub const VENC_H264_PROFILE_HIGH: i32 = 3;
/// `H265_PROFILE_MAIN`.
pub const VENC_H265_PROFILE_MAIN: i32 = 5;
/// `STREAM_TYPE_HEADER`.
pub const VENC_STREAM_TYPE_HEADER: i32 = 3;
/// `STREAM_TYPE_I`.
pub const VENC_STREAM_TYPE_I: i32 = 2;
/// `STREAM_TYPE_P`.
pub const VENC_STREAM_TYPE_P: i32 = 1;
/// `VIDEO_ENCODE_MOD_ID` / `K_ID_VENC`.
pub const VENC_MOD_ID: i32 = 9;
/// `VENC_DEV_ID`.
pub const VENC_DEV_ID: i32 = 0;
/// `VENC_CHN_ID_MAX`: channels 0..3.
pub const VENC_CHN_COUNT: i32 = 4;
/// `VENC_CHN_ID_0`.
pub const VENC_CHN_ID_0: i32 = 0;
/// `VENC_CHN_ID_1`.
pub const VENC_CHN_ID_1: i32 = 1;
/// `VENC_CHN_ID_2`.
pub const VENC_CHN_ID_2: i32 = 2;
/// `VENC_CHN_ID_3`.
pub const VENC_CHN_ID_3: i32 = 3;
/// The GetStream timeout that blocks until a stream comes (its default).
pub const VENC_TIMEOUT_BLOCK: i32 = -1;
/// How long the documented `SendFrame` waits for a free output buffer in all (ms).
pub const VENC_SEND_TIMEOUT_MS: i64 = 1000;
/// `VENC_PACK_CNT_MAX`: the length of the StreamData lists.
pub const VENC_PACK_CNT_MAX: usize = 12;
/// `sizeof(k_video_frame_info)`.
pub const VENC_FRAME_INFO_SIZE: usize = 224;
/// Entries of [`VENC_FRAME_FIELDS`].
pub const VENC_FRAME_FIELD_COUNT: usize = 29;
/// `ChnAttrStr` default `bit_rate` (kbit/s).
pub const VENC_DEFAULT_BIT_RATE: i32 = 4000;
/// `ChnAttrStr` default `gopLen`.
pub const VENC_DEFAULT_GOP_LEN: i32 = 30;
/// `ChnAttrStr` default `src_frame_rate` and `dst_frame_rate`.
pub const VENC_DEFAULT_FRAME_RATE: i32 = 30;
/// `ChnAttrStr` default `mjpeg_quality_factor`.
pub const VENC_DEFAULT_MJPEG_QUALITY: i32 = 45;
/// `Encoder.RC_CBR`, the `ChnAttrStr` default `rc_mode` (beyond the manual).
pub const VENC_RC_CBR: i32 = 1;
/// `Encoder.RC_VBR`.
pub const VENC_RC_VBR: i32 = 2;
/// `Encoder.RC_FIXQP`.
pub const VENC_RC_FIXQP: i32 = 3;
/// `ChnAttrStr` default `max_bit_rate`: 0, the same as `bit_rate`.
pub const VENC_DEFAULT_MAX_BIT_RATE: i32 = 0;
/// `ChnAttrStr` default `i_qp`.
pub const VENC_DEFAULT_I_QP: i32 = 25;
/// `ChnAttrStr` default `p_qp`.
pub const VENC_DEFAULT_P_QP: i32 = 30;
/// `Encoder.ROTATION_0` (degrees, clockwise), the `ChnAttrStr` default `rotation`.
pub const VENC_ROTATION_0: i32 = 0;
/// `Encoder.ROTATION_90`.
pub const VENC_ROTATION_90: i32 = 90;
/// `Encoder.ROTATION_180`.
pub const VENC_ROTATION_180: i32 = 180;
/// `Encoder.ROTATION_270`.
pub const VENC_ROTATION_270: i32 = 270;
/// `Encoder.MIRROR_NONE`, the `ChnAttrStr` default `mirror`.
pub const VENC_MIRROR_NONE: i32 = 0;
/// `Encoder.MIRROR_HORIZONTAL`.
pub const VENC_MIRROR_HORIZONTAL: i32 = 1;
/// `Encoder.MIRROR_VERTICAL`.
pub const VENC_MIRROR_VERTICAL: i32 = 2;

const _: () = {
    assert!(VENC_ERR_VALUE == ErrorKind::Value as i32 && VENC_ERR_TYPE == ErrorKind::Type as i32);
    assert!(VENC_ERR_RUNTIME == ErrorKind::Runtime as i32 && VENC_ERR_OS == ErrorKind::Os as i32);
    assert!(VENC_ERR_TIMEOUT == ErrorKind::Timeout as i32);
    assert!(VENC_ERR_ABORTED == ErrorKind::Aborted as i32);
    assert!(VENC_PT_H264 as u32 == K_PT_H264 && VENC_PT_H265 as u32 == K_PT_H265);
    assert!(VENC_PT_JPEG as u32 == K_PT_JPEG);
    assert!(VENC_H264_PROFILE_BASELINE as u32 == VENC_PROFILE_H264_BASELINE);
    assert!(VENC_H264_PROFILE_MAIN as u32 == VENC_PROFILE_H264_MAIN);
    assert!(VENC_H264_PROFILE_HIGH as u32 == VENC_PROFILE_H264_HIGH);
    assert!(VENC_H265_PROFILE_MAIN as u32 == VENC_PROFILE_H265_MAIN);
    assert!(VENC_STREAM_TYPE_HEADER as u32 == K_VENC_HEADER);
    assert!(VENC_STREAM_TYPE_I as u32 == K_VENC_I_FRAME);
    assert!(VENC_STREAM_TYPE_P as u32 == K_VENC_P_FRAME);
    assert!(VENC_MOD_ID as u32 == K_ID_VENC);
    assert!(VENC_CHN_COUNT as usize == CHN_COUNT && VENC_PACK_CNT_MAX == PACK_CNT_MAX);
    assert!(VENC_CHN_ID_3 == VENC_CHN_COUNT - 1 && VENC_CHN_ID_0 == 0);
    assert!(VENC_CHN_ID_1 == VENC_CHN_ID_0 + 1 && VENC_CHN_ID_2 == VENC_CHN_ID_1 + 1);
    assert!(VENC_FRAME_INFO_SIZE == FRAME_INFO_SIZE);
    assert!(VENC_SEND_TIMEOUT_MS == crate::venc::SEND_TIMEOUT_MS as i64);
    assert!(VENC_FRAME_FIELD_COUNT == FRAME_FIELD_COUNT);
    let d = ChnAttr::new(0, 0, 0, 0);
    assert!(d.bit_rate == VENC_DEFAULT_BIT_RATE as i64 && d.gop_len == VENC_DEFAULT_GOP_LEN as i64);
    assert!(d.src_frame_rate == VENC_DEFAULT_FRAME_RATE as i64);
    assert!(d.dst_frame_rate == VENC_DEFAULT_FRAME_RATE as i64);
    assert!(d.mjpeg_quality_factor == VENC_DEFAULT_MJPEG_QUALITY as i64);
    assert!(core::mem::size_of::<PackInfo>() == 32);
    assert!(core::mem::size_of::<ChnAttr>() == 120);
    {
        use crate::attr as a;
        assert!(VENC_RC_CBR as i64 == a::RC_CBR && VENC_RC_VBR as i64 == a::RC_VBR);
        assert!(VENC_RC_FIXQP as i64 == a::RC_FIXQP && d.rc_mode == a::RC_CBR);
        assert!(d.max_bit_rate == VENC_DEFAULT_MAX_BIT_RATE as i64);
        assert!(d.i_qp == VENC_DEFAULT_I_QP as i64 && d.p_qp == VENC_DEFAULT_P_QP as i64);
        assert!(VENC_ROTATION_0 as i64 == a::ROTATION_0 && d.rotation == a::ROTATION_0);
        assert!(VENC_ROTATION_90 as i64 == a::ROTATION_90);
        assert!(VENC_ROTATION_180 as i64 == a::ROTATION_180);
        assert!(VENC_ROTATION_270 as i64 == a::ROTATION_270);
        assert!(VENC_MIRROR_NONE as i64 == a::MIRROR_NONE && d.mirror == a::MIRROR_NONE);
        assert!(VENC_MIRROR_HORIZONTAL as i64 == a::MIRROR_HORIZONTAL);
        assert!(VENC_MIRROR_VERTICAL as i64 == a::MIRROR_VERTICAL);
    }
};

/// The layout of `k_video_frame_info` and its nested structs, for the `uctypes`
/// descriptor of `k_video_frame_info()`.
#[no_mangle]
pub static VENC_FRAME_FIELDS: [FrameField; VENC_FRAME_FIELD_COUNT] = FRAME_FIELDS;

/// Bytes of the message of a [`VencError`], its NUL included: room for a teardown's
/// failures named one by one ([`crate::error::Failures::KEPT`] of them, about 65 bytes each).
pub const VENC_ERR_MSG_LEN: usize = 400;

/// Failure report for C.
#[repr(C)]
pub struct VencError {
    /// `VENC_ERR_*` kind.
    pub kind: i32,
    /// K230 code (`K_ERR_*`) for OSError / timeout, else 0.
    pub code: i32,
    /// NUL-terminated message (truncated to fit).
    pub msg: [c_char; VENC_ERR_MSG_LEN],
}

/// Called between the slices of a wait with the context the glue passed: returns true to
/// stop waiting (it caught an exception to raise once the call has returned).
pub type VencPollFn = Option<unsafe extern "C" fn(ctx: *mut c_void) -> bool>;

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

/// Writes `e`, an error of the call `op`, into `*out` (when not NULL) and returns its kind
/// as the status. A ValueError or TypeError that does not name the call yet is prefixed with
/// it (`Create: chnAttr.pic_width must be ...`).
fn report(op: &str, out: *mut VencError, e: &Error) -> i32 {
    let kind = e.kind();
    // SAFETY: the caller passes NULL or a valid, writable VencError.
    if let Some(out) = unsafe { out.as_mut() } {
        out.kind = kind as i32;
        out.code = e.mpp_code();
        let mut buf = [0u8; VENC_ERR_MSG_LEN];
        let mut w = MsgWriter {
            buf: &mut buf,
            len: 0,
        };
        if matches!(kind, ErrorKind::Value | ErrorKind::Type) && !names_call(e, op) {
            let _ = write!(w, "{op}: ");
        }
        let _ = write!(w, "{e}");
        // MsgWriter leaves the last byte 0: the message stays NUL-terminated.
        for (d, s) in out.msg.iter_mut().zip(buf) {
            *d = s as c_char;
        }
    }
    kind as i32
}

/// Whether the message of `e` starts with the call `op` already (`Start: no channel ...`).
fn names_call(e: &Error, op: &str) -> bool {
    matches!(e, Error::NoChannel { op: o } if *o == op)
}

fn status(op: &str, r: Result<(), Error>, err: *mut VencError) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => report(op, err, &e),
    }
}

fn null_arg(op: &str, arg: &'static str, err: *mut VencError) -> i32 {
    report(
        op,
        err,
        &Error::Type {
            arg,
            expected: "given (NULL pointer)",
        },
    )
}

/// The glue's poll callback as a closure (no callback: never stop).
fn poller(poll: VencPollFn, ctx: *mut c_void) -> impl FnMut() -> Poll {
    move || match poll {
        // SAFETY: the glue's callback with the context it passed along for it.
        Some(f) if unsafe { f(ctx) } => Poll::Stop,
        _ => Poll::Continue,
    }
}

/// A new owner id for an `Encoder` object.
#[no_mangle]
pub extern "C" fn venc_encoder_new() -> u32 {
    VENC.lock().new_owner()
}

/// Finaliser of an `Encoder`: stops and destroys the channels it created.
#[no_mangle]
pub extern "C" fn venc_encoder_drop(owner: u32) -> i32 {
    status(
        "Encoder finaliser",
        VENC.lock().drop_owner(owner),
        core::ptr::null_mut(),
    )
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
    status(
        "SetOutBufs",
        VENC.lock().set_out_bufs(chn, buf_num, width, height),
        err,
    )
}

/// `Encoder.Create`.
///
/// # Safety
/// `attr` is NULL or points at a valid `ChnAttr`; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_create(
    owner: u32,
    chn: i64,
    attr: *const ChnAttr,
    err: *mut VencError,
) -> i32 {
    // SAFETY: per the contract above.
    let Some(attr) = (unsafe { attr.as_ref() }) else {
        return null_arg("Create", "chnAttr", err);
    };
    status("Create", VENC.lock().create(owner, chn, attr), err)
}

/// `Encoder.SetOutBufs(buf_num, width, height)` (the implicit-channel shape) checks its
/// arguments here; the glue keeps them for the Encoder's `Create(chnAttr)`.
#[no_mangle]
pub extern "C" fn venc_check_out_bufs(
    buf_num: i64,
    width: i64,
    height: i64,
    err: *mut VencError,
) -> i32 {
    status(
        "SetOutBufs",
        OutBufs::check(buf_num, width, height).map(|_| ()),
        err,
    )
}

/// `Encoder.Create(chnAttr)` (the implicit-channel shape): takes a channel for `owner`,
/// with the output buffers of its `SetOutBufs(buf_num, width, height)` (`bufs`: those three,
/// or NULL when it was not called), creates it and stores its number in `*chn`.
///
/// # Safety
/// `bufs` is NULL or points at 3 readable `int64_t`; `attr` is NULL or points at a valid
/// `ChnAttr`; `chn` is NULL or writable; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_create_requested(
    owner: u32,
    bufs: *const i64,
    attr: *const ChnAttr,
    chn: *mut i64,
    err: *mut VencError,
) -> i32 {
    // SAFETY: per the contract above.
    let (Some(attr), Some(chn)) = (unsafe { attr.as_ref() }, unsafe { chn.as_mut() }) else {
        return null_arg("Create", "chnAttr", err);
    };
    // SAFETY: per the contract above.
    let bufs = match unsafe { bufs.cast::<[i64; 3]>().as_ref() } {
        Some(&[n, w, h]) => match OutBufs::check(n, w, h) {
            Ok(b) => Some(b),
            Err(e) => return report("Create", err, &e),
        },
        None => None,
    };
    match VENC.lock().create_requested(owner, bufs, attr) {
        Ok(c) => {
            *chn = c as i64;
            0
        }
        Err(e) => report("Create", err, &e),
    }
}

/// `Encoder.chn`: the channel `owner` got from `Create(chnAttr)` and still has, or -1.
#[no_mangle]
pub extern "C" fn venc_encoder_chn(owner: u32) -> i64 {
    VENC.lock().owner_chn(owner)
}

/// 1 when an `Encoder` other than `owner` holds channel `chn` (for -1, the implicit-channel
/// Create: any channel), else 0. After a failed Create the glue then runs the GC once and
/// tries again: the holder may be an `Encoder` that nothing references any more (an earlier
/// script's, in the same interpreter), which its finaliser frees.
#[no_mangle]
pub extern "C" fn venc_chn_held_by_other(owner: u32, chn: i64) -> i32 {
    i32::from(VENC.lock().held_by_other(owner, chn))
}

/// `Encoder.RequestIDR` (beyond the manual).
#[no_mangle]
pub extern "C" fn venc_request_idr(chn: i64, err: *mut VencError) -> i32 {
    status("RequestIDR", VENC.lock().request_idr(chn), err)
}

/// `Encoder.QueryStatus` (beyond the manual): fills `*out`.
///
/// # Safety
/// `out` is NULL or writable; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_query_status(
    chn: i64,
    out: *mut ChnStatus,
    err: *mut VencError,
) -> i32 {
    // SAFETY: per the contract above.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return null_arg("QueryStatus", "status", err);
    };
    match VENC.lock().query_status(chn) {
        Ok(st) => {
            *out = st;
            0
        }
        Err(e) => report("QueryStatus", err, &e),
    }
}

/// `Encoder.Start`.
#[no_mangle]
pub extern "C" fn venc_start(chn: i64, err: *mut VencError) -> i32 {
    status("Start", VENC.lock().start(chn), err)
}

/// `Encoder.Stop`.
#[no_mangle]
pub extern "C" fn venc_stop(chn: i64, err: *mut VencError) -> i32 {
    status("Stop", VENC.lock().stop(chn), err)
}

/// `Encoder.Destroy`.
#[no_mangle]
pub extern "C" fn venc_destroy(chn: i64, err: *mut VencError) -> i32 {
    status("Destroy", VENC.lock().destroy(chn), err)
}

/// `Encoder.SendFrame` with the raw bytes of a `k_video_frame_info` (any alignment):
/// waits up to `timeout_ms` in all (0: not at all; the documented SendFrame passes
/// `VENC_SEND_TIMEOUT_MS`) for a free output buffer, calling `poll(ctx)` between slices.
/// `VENC_ERR_TIMEOUT` (with the code in `err`) when none freed up.
///
/// # Safety
/// `frame` is NULL or points at `len` readable bytes; `poll` is NULL or callable with
/// `ctx`; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_send_frame(
    chn: i64,
    frame: *const u8,
    len: usize,
    timeout_ms: i64,
    poll: VencPollFn,
    ctx: *mut c_void,
    err: *mut VencError,
) -> i32 {
    if frame.is_null() {
        return null_arg("SendFrame", "frame_info", err);
    }
    // SAFETY: per the contract above.
    let bytes = unsafe { core::slice::from_raw_parts(frame, len) };
    status(
        "SendFrame",
        wait::send_frame(&VENC, chn, bytes, timeout_ms, &mut poller(poll, ctx)),
        err,
    )
}

/// `Encoder.GetStream`: `*token` is the stream the StreamData still holds (0 for none)
/// and becomes the new stream's; fills `packs[0..*count]` (of VENC_PACK_CNT_MAX) and `*count`.
/// `timeout_ms`: -1 blocks, 0 does not, > 0 waits that long; `poll(ctx)` runs between
/// slices. `VENC_ERR_TIMEOUT` (with the code in `err`) when no stream came in time.
///
/// # Safety
/// `packs` points at VENC_PACK_CNT_MAX writable `PackInfo`; `token` and `count` are
/// writable; `poll` is NULL or callable with `ctx`; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_get_stream(
    chn: i64,
    timeout_ms: i64,
    token: *mut u32,
    packs: *mut PackInfo,
    count: *mut u32,
    poll: VencPollFn,
    ctx: *mut c_void,
    err: *mut VencError,
) -> i32 {
    if packs.is_null() || token.is_null() || count.is_null() {
        return null_arg("GetStream", "streamData", err);
    }
    // SAFETY: per the contract above: VENC_PACK_CNT_MAX writable entries, properly
    // aligned, maybe uninitialised: zeroed first, so that the reference below is to
    // initialised memory; the three pointers are distinct objects of the caller's.
    let (out, token, count) = unsafe {
        packs.write_bytes(0, PACK_CNT_MAX);
        (
            &mut *packs.cast::<[PackInfo; PACK_CNT_MAX]>(),
            &mut *token,
            &mut *count,
        )
    };
    match wait::get_stream(&VENC, chn, timeout_ms, token, out, &mut poller(poll, ctx)) {
        Ok(n) => {
            *count = n as u32;
            0
        }
        Err(e) => report("GetStream", err, &e),
    }
}

/// `Encoder.ReleaseStream` of the stream `*token` names; `*token` becomes 0 when the
/// stream is gone (released, or refused by the MPP and let go), and is left as it was
/// when nothing was released (wrong channel, already released).
///
/// # Safety
/// `token` is NULL or writable; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_release_stream(
    chn: i64,
    token: *mut u32,
    err: *mut VencError,
) -> i32 {
    // SAFETY: per the contract above.
    let Some(token) = (unsafe { token.as_mut() }) else {
        return null_arg("ReleaseStream", "streamData", err);
    };
    status("ReleaseStream", VENC.lock().release_stream(chn, token), err)
}

/// `MediaManager.init()`.
#[no_mangle]
pub extern "C" fn venc_media_init(err: *mut VencError) -> i32 {
    status("MediaManager.init", VENC.lock().media_init(), err)
}

/// `MediaManager.deinit()`.
#[no_mangle]
pub extern "C" fn venc_media_deinit(err: *mut VencError) -> i32 {
    status("MediaManager.deinit", VENC.lock().media_deinit(), err)
}

/// `MediaManager.link(src, dst)`: `src`, `dst` are `(mod, dev, chn)` triples.
///
/// # Safety
/// `src`, `dst` are NULL or point at 3 readable `int64_t`; `token` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn venc_link(
    src: *const i64,
    dst: *const i64,
    token: *mut u32,
    err: *mut VencError,
) -> i32 {
    if src.is_null() || dst.is_null() || token.is_null() {
        return null_arg("MediaManager.link", "link", err);
    }
    // SAFETY: per the contract above.
    let (s, d) = unsafe { (*src.cast::<[i64; 3]>(), *dst.cast::<[i64; 3]>()) };
    match VENC.lock().link(s, d) {
        Ok(t) => {
            // SAFETY: per the contract above.
            unsafe { *token = t };
            0
        }
        Err(e) => report("MediaManager.link", err, &e),
    }
}

/// Unbinds a link (nothing if already gone).
#[no_mangle]
pub extern "C" fn venc_unlink(token: u32, err: *mut VencError) -> i32 {
    status("link.destroy", VENC.lock().unlink(token), err)
}

/// 1 while the link is bound, else 0.
#[no_mangle]
pub extern "C" fn venc_is_linked(token: u32) -> i32 {
    VENC.lock().is_linked(token) as i32
}

/// The between-scripts hook: tears every channel, stream, link and VB down.
#[no_mangle]
pub extern "C" fn venc_deinit_all(err: *mut VencError) -> i32 {
    status("deinit_all", VENC.lock().deinit_all(), err)
}
