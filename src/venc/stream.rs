//! Encoded streams: the three steps of GetStream (begin and finish under the module lock,
//! the wait between them without it), the streams the script holds, and ReleaseStream.
#![forbid(unsafe_code)]
// k_u64 is `unsigned long` in the MPP headers; the casts keep the code right if a header
// spells it differently.
#![allow(clippy::unnecessary_cast)]

use core::ptr::NonNull;

use super::{chn_of, Venc, CHN_COUNT};
use crate::error::{failed, Error, Failures, Result};
use crate::hal::Mpp;
use crate::mpp::err::{num, venc};
use crate::mpp::functions as f;
use crate::mpp::k_venc_pack;
use crate::range::in_range;
use crate::state::ChnState;

/// Packs per GetStream (`VENC_PACK_CNT_MAX`, the length of the StreamData lists).
pub const PACK_CNT_MAX: usize = 12;
/// Unreleased streams one channel may hold at a time.
pub const MAX_HELD: usize = 8;

/// Marks a held-stream slot reserved by a GetStream that is still waiting.
const RESERVED: u32 = 0x8000_0000;
/// Marks a held-stream slot whose release the MPP refused: the core keeps it (no script
/// token ever has this bit) and the next teardown retries it.
const PENDING: u32 = 0x4000_0000;

/// One pack as handed to Python: host address, physical address, size, type, pts.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PackInfo {
    /// Host (virtual) address of the mapped pack, for `uctypes.bytearray_at`.
    pub virt: u64,
    /// Physical address.
    pub phys: u64,
    /// Bytes.
    pub len: u32,
    /// `STREAM_TYPE_*` (K_VENC_HEADER 3, I 2, P 1).
    pub stream_type: u32,
    /// Presentation time stamp in microseconds.
    pub pts: u64,
}

/// One GetStream result: the packs of one frame, as the MPP delivered them.
///
/// `heapless` holds the packs and the delivery counts, as the design card names it, rather
/// than hand-kept arrays and lengths. Measured: none of its code survives as a function of
/// its own in the linked firmware probe (`scripts/check_core_archive.sh`: all inlined; the
/// core adds under 30 KB of text+rodata, budget 64 KiB), and a GetStream + ReleaseStream
/// pair costs under 2,000 instructions in the glue and the core (`make bench-binding`), so
/// it costs neither size nor speed worth a hand-rolled collection.
pub struct Held {
    /// The token the script's StreamData carries; 0 for a free slot, RESERVED|... while a
    /// GetStream waits for it, PENDING|... while the core keeps a stream whose release failed.
    token: u32,
    packs: heapless::Vec<k_venc_pack, PACK_CNT_MAX>,
    /// Host addresses of the mapped packs (0: not mapped), index for index with `packs`.
    virt: [usize; PACK_CNT_MAX],
    /// Pack counts of the MPP deliveries this result was assembled from (each is
    /// released with its own `kd_mpi_venc_release_stream`).
    parts: heapless::Vec<u8, PACK_CNT_MAX>,
    /// Bit k: part k was released (the MPP has it back).
    released: u16,
}

impl Held {
    /// A free slot.
    pub const EMPTY: Held = Held::reserved(0);

    /// A slot reserved for a waiting GetStream.
    const fn reserved(token: u32) -> Held {
        Held {
            token,
            packs: heapless::Vec::new(),
            virt: [0; PACK_CNT_MAX],
            parts: heapless::Vec::new(),
            released: 0,
        }
    }

    /// Back to a free slot; only the entries in use are touched (this runs per frame).
    fn clear(&mut self) {
        self.virt[..self.packs.len()].fill(0);
        self.packs.clear();
        self.parts.clear();
        self.released = 0;
        self.token = 0;
    }

    /// Whether the MPP still has something of this stream to take back (a part not
    /// released or a pack still mapped).
    fn holds_anything(&self) -> bool {
        let all = (1u16 << self.parts.len()) - 1;
        self.released & all != all || self.virt[..self.packs.len()].iter().any(|&v| v != 0)
    }

    /// Takes `other`'s stream, copying only the entries in use; `other` is left free.
    fn take_from(&mut self, other: &mut Held) {
        let n = other.packs.len();
        self.clear();
        self.token = other.token;
        // Cannot fail: both have the same capacity.
        let _ = self.packs.extend_from_slice(&other.packs);
        let _ = self.parts.extend_from_slice(&other.parts);
        self.virt[..n].copy_from_slice(&other.virt[..n]);
        self.released = other.released;
        other.clear();
    }
}

/// A GetStream between its begin and finish steps.
#[derive(Debug)]
pub struct StreamTicket {
    c: usize,
    slot: usize,
    reservation: u32,
    /// The channel's generation when the GetStream began.
    generation: u32,
}

/// Middle step of GetStream, run WITHOUT the module lock (it may block for `timeout` ms):
/// asks the MPP for the next frame's packs and maps them into `h` (the caller's, so that
/// the result is not copied on its way to the held-stream slot).
///
/// One `kd_mpi_venc_get_stream` of the packs `kd_mpi_venc_query_status` reports: what the
/// MPP delivers in one call, never merged with the next nor split (an MPP that hands out
/// the first parameter sets alone gives a GetStream of one HEADER pack, as on the board).
///
/// # Errors
/// [`Error::Timeout`] (BUF_EMPTY) when nothing arrived in time; Mpp; Map (the stream is
/// given back first).
pub fn get_stream_wait<M: Mpp>(
    mpp: &mut M,
    ticket: &StreamTicket,
    timeout: i32,
    h: &mut Held,
) -> Result<()> {
    let c = ticket.c;
    let chn32 = c as u32;
    let cur = mpp
        .venc_query_packs(chn32)
        .map_err(failed(f::VENC_QUERY_STATUS))? as usize;
    h.clear();
    let first = cur.clamp(1, PACK_CNT_MAX);
    let n = fetch(mpp, chn32, h, first, timeout).map_err(|e| match e {
        Error::Mpp { err, .. } if err.number() == num::BUF_EMPTY => Error::Timeout { err },
        e => e,
    })?;
    if n == 0 {
        return Err(Error::Timeout {
            err: venc(num::BUF_EMPTY),
        });
    }
    for i in 0..h.packs.len() {
        let p = h.packs[i];
        if p.len == 0 {
            continue;
        }
        match mpp.sys_mmap(p.phys_addr as u64, p.len) {
            Some(v) => h.virt[i] = v.as_ptr() as usize,
            None => {
                // What cannot be given back stays in `h`: the finish step keeps it; a
                // release that failed is reported after the mapping.
                let map = Error::Map {
                    phys: p.phys_addr as u64,
                    len: p.len,
                };
                let mut rel = Failures::new();
                release_held(mpp, c, h, &mut rel);
                if rel.first().is_none() {
                    return Err(map);
                }
                let mut fs = Failures::new();
                fs.add(Err(map));
                fs.add(rel.result());
                return fs.result();
            }
        }
    }
    Ok(())
}

/// One `kd_mpi_venc_get_stream` of up to `want` packs appended to `h`; the count it gave.
fn fetch<M: Mpp>(mpp: &mut M, chn: u32, h: &mut Held, want: usize, timeout: i32) -> Result<usize> {
    let start = h.packs.len();
    let end = (start + want).min(PACK_CNT_MAX);
    // Room for the driver to fill; cut back to what it filled below.
    h.packs.resize_default(end).ok();
    let got = mpp.venc_get_stream(chn, &mut h.packs[start..end], timeout);
    let n = *got.as_ref().unwrap_or(&0);
    h.packs.truncate(start + n);
    let n = got.map_err(failed(f::VENC_GET_STREAM))?;
    if n > 0 {
        // Cannot fail: one part per delivery of at least one pack, at most PACK_CNT_MAX packs.
        let _ = h.parts.push(n as u8);
    }
    Ok(n)
}

/// Unmaps and releases what is left of one held result, going on past failures (in
/// `fs`). What the MPP refuses stays in `h` for the next attempt; `h` is cleared once
/// nothing is left. Returns whether everything was released.
fn release_held<M: Mpp>(mpp: &mut M, c: usize, h: &mut Held, fs: &mut Failures) -> bool {
    for (p, v) in h.packs.iter().zip(h.virt.iter_mut()) {
        if let Some(ptr) = NonNull::new(*v as *mut u8) {
            let r = mpp.sys_munmap(ptr, p.len).map_err(failed(f::SYS_MUNMAP));
            if r.is_ok() {
                *v = 0;
            }
            fs.add(r);
        }
    }
    let mut start = 0usize;
    for (k, &n) in h.parts.iter().enumerate() {
        let end = start + n as usize;
        if h.released & (1 << k) == 0 {
            let r = mpp
                .venc_release_stream(c as u32, &mut h.packs[start..end])
                .map_err(failed(f::VENC_RELEASE_STREAM));
            if r.is_ok() {
                h.released |= 1 << k;
            }
            fs.add(r);
        }
        start = end;
    }
    if h.holds_anything() {
        return false;
    }
    h.clear();
    true
}

/// `Encoder.QueryStatus`: what `kd_mpi_venc_query_status` reports of a channel.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChnStatus {
    /// Packs of the next frame waiting to be fetched (0: none).
    pub cur_packs: u32,
    /// `end_of_stream` (0 or 1).
    pub end_of_stream: u32,
    /// pts of the picture whose stream was released last (microseconds).
    pub release_pic_pts: u64,
    /// `stream_info.u32PicBytesNum`: bytes of the last encoded picture.
    pub pic_bytes: u32,
    /// `stream_info.u32PicCnt`: pictures encoded.
    pub pic_count: u32,
    /// `stream_info.u32StartQp`: QP the last picture started with.
    pub start_qp: u32,
    /// `stream_info.u32MeanQp`: mean QP of the last picture.
    pub mean_qp: u32,
}

impl<M: Mpp> Venc<M> {
    fn find_held(&self, token: u32) -> Option<(usize, usize)> {
        let tag = (token & 0xF) as usize;
        if token == 0 || tag == 0 || tag > CHN_COUNT {
            return None;
        }
        let c = tag - 1;
        self.chns[c]
            .held
            .iter()
            .position(|h| h.token == token)
            .map(|s| (c, s))
    }

    /// First step of GetStream, under the module lock: checks the arguments and the
    /// state, and reserves a held-stream slot for the result. `held` is the token the
    /// StreamData object still carries (0 for none). Returns the ticket and the timeout
    /// (-1, 0 or a positive number of milliseconds).
    ///
    /// # Errors
    /// Range for `chn`/`timeout`; State unless started; Order if `held` is unreleased;
    /// Capacity when [`MAX_HELD`] streams are held.
    pub fn get_stream_begin(
        &mut self,
        chn: i64,
        timeout_ms: i64,
        held: u32,
    ) -> Result<(StreamTicket, i64)> {
        let c = chn_of("GetStream", chn)?;
        let timeout: i64 = in_range(
            "timeout",
            "-1 (block), 0 (non-blocking) or a positive number of milliseconds",
            timeout_ms,
            -1,
            i64::MAX,
        )?;
        self.need("GetStream", c, &[ChnState::Started])?;
        if self.find_held(held).is_some() {
            return Err(Error::Order {
                what: "GetStream: streamData still holds an unreleased stream; call ReleaseStream(chn, streamData) first",
            });
        }
        let free = |v: &Self| v.chns[c].held[..MAX_HELD].iter().position(|h| h.token == 0);
        if free(self).is_none() {
            // Streams kept after a failed release take slots too: retry them first.
            self.retry_pending_held(c, &mut Failures::new());
        }
        let Some(slot) = free(self) else {
            return Err(Error::Capacity {
                what: "GetStream: too many unreleased streams on this channel (counting those whose release the MPP refused, which deinit_all retries); call ReleaseStream",
                max: MAX_HELD as u32,
            });
        };
        let reservation = RESERVED | self.next_serial() | (c as u32 + 1);
        self.chns[c].held[slot] = Held::reserved(reservation);
        Ok((
            StreamTicket {
                c,
                slot,
                reservation,
                generation: self.chns[c].generation,
            },
            timeout,
        ))
    }

    /// Between two wait slices, under the module lock: whether the ticket still stands.
    ///
    /// # Errors
    /// State when the channel was stopped meanwhile; Order when it was torn down (which
    /// cancelled the reservation).
    pub fn get_stream_alive(&self, ticket: &StreamTicket) -> Result<()> {
        if self.chns[ticket.c].held[ticket.slot].token != ticket.reservation {
            return Err(CHANNEL_GONE);
        }
        self.need("GetStream", ticket.c, &[ChnState::Started])
    }

    /// Last step of GetStream, under the module lock: records the stream the wait got
    /// into `h` (taking it) and fills `out[..count]`. If the channel was torn down
    /// meanwhile, the stream is given back to the MPP and the call fails. Returns the new
    /// token and the pack count.
    ///
    /// # Errors
    /// The wait's error; Order when the channel went away during the wait.
    pub fn get_stream_finish(
        &mut self,
        ticket: StreamTicket,
        got: Result<()>,
        h: &mut Held,
        out: &mut [PackInfo; PACK_CNT_MAX],
    ) -> Result<(u32, usize)> {
        let StreamTicket {
            c,
            slot,
            reservation,
            generation,
        } = ticket;
        let ours = self.chns[c].held[slot].token == reservation;
        if ours {
            self.chns[c].held[slot].token = 0;
        }
        if self.chns[c].generation != generation {
            // The channel was destroyed meanwhile and took the stream with it: only the
            // mappings are left to undo.
            h.released = u16::MAX;
        }
        if let Err(e) = got {
            // A stream the wait could not give back (its mapping failed, then so did a
            // release) is kept, never dropped.
            self.keep_pending(c, h);
            return Err(e);
        }
        if !ours {
            release_held(&mut self.mpp, c, h, &mut Failures::new());
            self.keep_pending(c, h);
            return Err(CHANNEL_GONE);
        }
        let total = h.packs.len();
        for ((o, p), &virt) in out.iter_mut().zip(&h.packs).zip(&h.virt) {
            *o = PackInfo {
                virt: virt as u64,
                phys: p.phys_addr as u64,
                len: p.len,
                stream_type: p.type_,
                pts: p.pts as u64,
            };
        }
        let token = self.next_serial() | (c as u32 + 1);
        h.token = token;
        self.chns[c].held[slot].take_from(h);
        Ok((token, total))
    }

    /// Keeps what is left of `h` (if anything) in a free slot of channel `c`, as pending.
    fn keep_pending(&mut self, c: usize, h: &mut Held) {
        if !h.holds_anything() {
            h.clear();
            return;
        }
        let token = PENDING | self.next_serial() | (c as u32 + 1);
        // A slot is free: the wait's reservation was given up just before, a teardown frees
        // every slot it could release, and the last slot is kept for this. Should none be
        // (two such races at once), the stream stays with the MPP and only its bookkeeping
        // is lost.
        if let Some(slot) = self.chns[c].held.iter_mut().find(|s| s.token == 0) {
            h.token = token;
            slot.take_from(h);
        }
    }

    /// Retries the releases of channel `c`'s streams that the MPP refused earlier (not the
    /// streams the script holds).
    pub(super) fn retry_pending_held(&mut self, c: usize, fs: &mut Failures) {
        for h in self.chns[c].held.iter_mut() {
            if h.token & PENDING != 0 {
                release_held(&mut self.mpp, c, h, fs);
            }
        }
    }

    /// After a successful destroy of channel `c`: the MPP has every stream of it back, so
    /// the releases still pending are done; mappings still pending stay. (This and the
    /// generation check in `get_stream_finish` are the two ways a stream outlives its
    /// channel, so a free channel's kept slots never hold a release to retry.)
    pub(super) fn streams_gone_with_channel(&mut self, c: usize) {
        for h in self.chns[c].held.iter_mut() {
            if h.token != 0 {
                h.released = u16::MAX;
                if !h.holds_anything() {
                    h.clear();
                }
            }
        }
    }

    /// Releases every stream held on channel `c` (by the script, or kept after a failed
    /// release), and cancels a GetStream that is waiting on it (its finish step then gives
    /// its stream back). What the MPP refuses stays, pending.
    pub(super) fn release_all_held(&mut self, c: usize, fs: &mut Failures) {
        let serial = self.next_serial();
        for h in self.chns[c].held.iter_mut() {
            if h.token & RESERVED != 0 {
                h.clear();
            } else if h.token != 0 && !release_held(&mut self.mpp, c, h, fs) {
                h.token = PENDING | serial | (c as u32 + 1);
            }
        }
    }

    /// `Encoder.ReleaseStream(chn, streamData)` for the stream `*token` names. Sets
    /// `*token` to 0 when the script's hold ends: released, or refused by the MPP (the
    /// core then keeps the stream, pending, for the next teardown).
    ///
    /// # Errors
    /// Range for `chn`; Order when there is nothing to release; Invalid when
    /// the stream belongs to another channel; Mpp or Teardown (the script's hold ends).
    pub fn release_stream(&mut self, chn: i64, token: &mut u32) -> Result<()> {
        let c = chn_of("ReleaseStream", chn)?;
        if *token == 0 {
            return Err(Error::Order {
                what: "ReleaseStream: streamData holds no stream; call GetStream(chn, streamData) first",
            });
        }
        let Some((tc, slot)) = self.find_held(*token) else {
            return Err(Error::Order {
                what: "ReleaseStream: the stream in streamData was already released (or its channel destroyed)",
            });
        };
        if tc != c {
            return Err(Error::Invalid {
                arg: "chn",
                why: "streamData holds a stream of another channel; pass the channel it came from",
            });
        }
        // The script's hold ends here; a release the MPP refuses is kept by the core.
        *token = 0;
        let mut fs = Failures::new();
        let h = &mut self.chns[c].held[slot];
        if !release_held(&mut self.mpp, c, h, &mut fs) {
            h.token |= PENDING;
        }
        fs.result()
    }
}

/// A GetStream whose channel was torn down while it waited.
const CHANNEL_GONE: Error = Error::Order {
    what: "GetStream: the channel was stopped and destroyed while GetStream waited",
};
