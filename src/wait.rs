//! The one wait of GetStream and SendFrame, as production runs it.
//!
//! Each call takes the locked module state, runs its first step under the lock, then waits
//! in slices of at most [`SLICE_MS`] WITHOUT the lock (other threads, other channels and
//! ReleaseStream go on meanwhile), asking the caller's poll callback between slices whether
//! to go on (the glue serves Ctrl-C and the port's event hook there), and checking under
//! the lock that the channel is still there; its last step runs under the lock again.
//! The glue does no timeout arithmetic and interprets no error.
#![forbid(unsafe_code)]

use spin::Mutex;

use crate::error::{Error, Result};
use crate::frame::frame_from_bytes;
use crate::hal::Mpp;
use crate::venc::send::send_frame_wait;
use crate::venc::stream::{get_stream_wait, Held};
use crate::venc::{PackInfo, Venc, PACK_CNT_MAX};

/// The longest the MPP is asked to block at a time: how soon Ctrl-C is served.
pub const SLICE_MS: i32 = 50;

/// What the caller's poll callback answers between two slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// Wait on.
    Continue,
    /// Stop waiting: the call ends with [`Error::Aborted`].
    Stop,
}

/// Runs `attempt(slice_ms)` until it gives something other than a timeout, `timeout_ms`
/// (-1: forever, 0: one non-blocking attempt, > 0: milliseconds in all) has run out, or
/// `poll` says stop. Between slices `alive` must hold.
fn sliced<T>(
    timeout_ms: i64,
    mut attempt: impl FnMut(i32) -> Result<T>,
    mut alive: impl FnMut() -> Result<()>,
    poll: &mut dyn FnMut() -> Poll,
) -> Result<T> {
    let mut left = timeout_ms;
    loop {
        let slice = if left < 0 || left > SLICE_MS as i64 {
            SLICE_MS
        } else {
            left as i32
        };
        let err = match attempt(slice) {
            Err(e @ Error::Timeout { .. }) => e,
            other => return other,
        };
        if left >= 0 {
            left -= slice as i64;
            if left <= 0 {
                return Err(err);
            }
        }
        if poll() == Poll::Stop {
            return Err(Error::Aborted);
        }
        alive()?;
    }
}

/// `Encoder.GetStream(chn, streamData, timeout)`: `*token` is the stream the StreamData
/// still holds (0 for none) and becomes the new stream's; `out[..count]` gets its packs
/// (the entries past them are left as they were). Returns the pack count.
///
/// # Errors
/// Those of [`Venc::get_stream_begin`], [`get_stream_wait`] and
/// [`Venc::get_stream_finish`]; [`Error::Timeout`] when no stream came in time;
/// [`Error::Aborted`] when `poll` stopped the wait.
pub fn get_stream<M: Mpp>(
    venc: &Mutex<Venc<M>>,
    chn: i64,
    timeout_ms: i64,
    token: &mut u32,
    out: &mut [PackInfo; PACK_CNT_MAX],
    poll: &mut dyn FnMut() -> Poll,
) -> Result<usize> {
    let (ticket, timeout, mut mpp) = {
        let mut v = venc.lock();
        let (ticket, timeout) = v.get_stream_begin(chn, timeout_ms, *token)?;
        (ticket, timeout, v.mpp().clone())
    };
    let mut held = Held::EMPTY;
    let got = sliced(
        timeout,
        |slice| get_stream_wait(&mut mpp, &ticket, slice, &mut held),
        || venc.lock().get_stream_alive(&ticket),
        poll,
    );
    let (new, count) = venc.lock().get_stream_finish(ticket, got, &mut held, out)?;
    *token = new;
    Ok(count)
}

/// `Encoder.SendFrame(chn, frame_info)` with the raw bytes of a `k_video_frame_info`,
/// waiting up to `timeout_ms` in all (0: not at all) for a free output buffer.
///
/// # Errors
/// [`Error::Type`] for a buffer of the wrong size; those of [`Venc::send_frame_begin`]
/// (checked again between slices: the channel may be stopped meanwhile) and
/// [`send_frame_wait`]; [`Error::Timeout`] when no buffer freed up; [`Error::Aborted`].
pub fn send_frame<M: Mpp>(
    venc: &Mutex<Venc<M>>,
    chn: i64,
    frame: &[u8],
    timeout_ms: i64,
    poll: &mut dyn FnMut() -> Poll,
) -> Result<()> {
    let f = frame_from_bytes(frame)?;
    let (c, timeout, mut mpp) = {
        let mut v = venc.lock();
        let (c, timeout) = v.send_frame_begin(chn, &f, timeout_ms)?;
        (c, timeout, v.mpp().clone())
    };
    sliced(
        timeout,
        // Each slice hands the MPP its own copy, as the script's struct was read once
        // (the driver's prototype takes a non-const pointer).
        |slice| send_frame_wait(&mut mpp, c, &mut f.clone(), slice),
        || {
            venc.lock()
                .send_frame_begin(chn, &f, timeout_ms)
                .map(|_| ())
        },
        poll,
    )
}
