//! VENC: encoder channels 0..3 with the K230 state rules, output (stream) buffers in MMZ,
//! frame-rate conversion, GOP structure, and the get / release stream protocol.
//!
//! Per channel: a set of output buffers (each holds the packs of one frame, contiguously),
//! a queue of encoded frames not yet fully delivered, and the list of deliveries handed out
//! by get_stream and not yet released. A buffer is free again once its frame has been
//! delivered completely and every delivery of it has been released.
//!
//! Input comes from `send_frame` or, when the channel is bound to a running sensor channel,
//! is pulled on demand: get_stream / query_status on an empty queue render and encode the
//! next sensor frames until one is queued or no output buffer is free (virtual time).
//!
//! Check order: channel id, existence, then (send_frame only) started, then NULL pointers,
//! then parameters (pack_cnt, timeout, frame), then state.

use crate::arena::Arena;
#[cfg(not(feature = "abi-2025"))]
use crate::arena::{align_up, PAGE};
use crate::codec::orient::Oriented;
use crate::codec::{
    Backend, Codec, EncConfig, EncodeError, Encoder, FrameReq, Orientation, PackKind, PackSpan,
    Picture, RateControl,
};
use crate::err::{self, num, KResult};
use crate::state::{self, Global, Timeout};
use crate::{policy, vicap, Sim};
use k230_venc::attr::{Mirror, Rotation};
use k230_venc::mpp::*;
use std::collections::VecDeque;
use std::time::Instant;

/// Channels (`VENC_MAX_CHN_NUMS`).
pub const CHNS: usize = VENC_MAX_CHN_NUMS as usize;
/// Most packs one frame may have (`VENC_PACK_CNT_MAX`).
pub const MAX_PACKS: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BufState {
    Free,
    /// Holds a frame: `delivered` once every pack was handed out; `outstanding` deliveries
    /// not yet released.
    Busy {
        delivered: bool,
        outstanding: u32,
        pts: u64,
    },
}

#[derive(Debug)]
struct OutBuf {
    phys: u64,
    size: u64,
    /// Allocated by the channel (2024 ABI) rather than borrowed from a VB pool (2025 ABI).
    owned: bool,
    state: BufState,
}

struct QFrame {
    buf: usize,
    packs: Vec<k_venc_pack>,
    /// Packs already delivered.
    next: usize,
    /// End of the packs the next get_stream delivers (and query_status reports): all of
    /// them, or the parameter sets alone (`Switches::header_first_separate`).
    unit_end: usize,
}

struct Held {
    buf: usize,
    phys0: u64,
    cnt: u32,
}

/// ABI 2025: a pool attached to a channel number.
#[cfg(feature = "abi-2025")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Attach {
    pool: u32,
    buf_num: u32,
}

/// One encoder channel.
pub(crate) struct Chn {
    cfg: EncConfig,
    /// The run-time policies it was created with.
    switches: policy::Switches,
    /// The first IDR has been queued (its parameter sets delivered as the policy says).
    first_idr_done: bool,
    /// The input-rate warning was printed (once per channel).
    warned_fps: bool,
    /// pts of the first frame sent with SendFrame and how many were sent (the input rate).
    sent_span: Option<(u64, u64)>,
    started: bool,
    idr_enable: bool,
    idr_request: bool,
    bufs: Vec<OutBuf>,
    queue: VecDeque<QFrame>,
    held: Vec<Held>,
    rate_acc: u64,
    gop_pos: u32,
    encoded: u64,
    last_bytes: u32,
    /// The QP of the last encoded frame as its codec reported it (query_status).
    last_qp: Option<u32>,
    release_pts: u64,
    dropped_rate: u64,
    dropped_large: u64,
    dropped_full: u64,
    /// Diagnostics ([`crate::diag`]): since when get_stream / send_frame calls that wait
    /// have found nothing (reset by a delivery / a free buffer), `dropped_large` then, when
    /// the last explanation was printed, and whether the size mismatch was explained.
    stuck: Option<(std::time::Instant, u64)>,
    full_since: Option<std::time::Instant>,
    said_at: Option<std::time::Instant>,
    said_mismatch: bool,
    enc: Box<dyn Encoder>,
    spans: Vec<PackSpan>,
    /// The backend `enc` came from (a rotation opens it again at the coded size).
    backend: &'static dyn Backend,
    /// The turned / mirrored input picture (`cfg.orient`).
    oriented: Oriented,
}

/// Counters of one channel, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChnCounters {
    /// Frames encoded.
    pub encoded: u64,
    /// Input frames dropped by frame-rate conversion.
    pub dropped_rate: u64,
    /// Frames dropped because they did not fit in one output buffer.
    pub dropped_large: u64,
    /// Sensor frames that came due, under the realtime clock, while every output buffer
    /// was full (the VI drops them).
    pub dropped_full: u64,
    /// IDR generation enabled with `kd_mpi_venc_enable_idr`.
    pub idr_enable: bool,
}

impl Chn {
    fn free_buf(&self) -> Option<usize> {
        self.bufs.iter().position(|b| b.state == BufState::Free)
    }

    /// Frame-rate conversion: (keep this input frame, new accumulator).
    fn rate_keep(&self) -> (bool, u64) {
        let acc = self.rate_acc + u64::from(self.cfg.dst_fps);
        let src = u64::from(self.cfg.src_fps);
        if acc >= src {
            (true, acc - src)
        } else {
            (false, acc)
        }
    }
}

fn chn_index(chn: u32) -> KResult<usize> {
    usize::try_from(chn)
        .ok()
        .filter(|&c| c < CHNS)
        .ok_or(err::venc(num::INVALID_CHNID))
}

fn chn_mut(sim: &mut Sim, c: usize) -> KResult<&mut Chn> {
    sim.venc[c].as_deref_mut().ok_or(err::venc(num::UNEXIST))
}

/// Validates a channel attribute into an encoder configuration.
/// A picture size the encoder codes: 128..4096 x 64..4096 (H.264 / H.265) or 128..8192 x
/// 64..8192 (JPEG), as the MPP documents.
fn size_ok(codec: Codec, width: u32, height: u32) -> bool {
    let (max_w, max_h) = if codec == Codec::Jpeg {
        (8192, 8192)
    } else {
        (4096, 4096)
    };
    (128..=max_w).contains(&width) && (64..=max_h).contains(&height)
}

fn validate(attr: &k_venc_chn_attr) -> KResult<EncConfig> {
    let bad = err::venc(num::ILLEGAL_PARAM);
    let unsupported = err::venc(num::NOT_SUPPORT);
    let va = &attr.venc_attr;
    let codec = match va.type_ {
        K_PT_H264 => Codec::H264,
        K_PT_H265 => Codec::H265,
        K_PT_JPEG => Codec::Jpeg,
        _ => return Err(unsupported),
    };
    let profile = match (codec, va.profile) {
        (
            Codec::H264,
            p @ (VENC_PROFILE_H264_BASELINE | VENC_PROFILE_H264_MAIN | VENC_PROFILE_H264_HIGH),
        ) => p,
        (Codec::H264, VENC_PROFILE_H264_HIGH_10) | (Codec::H265, VENC_PROFILE_H265_MAIN_10) => {
            return Err(unsupported)
        }
        (Codec::H265, VENC_PROFILE_H265_MAIN) => VENC_PROFILE_H265_MAIN,
        (Codec::Jpeg, _) => VENC_PROFILE_NONE,
        _ => return Err(bad),
    };
    if !size_ok(codec, va.pic_width, va.pic_height) {
        return Err(bad);
    }
    // 4:2:0 input: every backend needs even sizes (policy: ILLEGAL_PARAM, like the range).
    if !va.pic_width.is_multiple_of(2) || !va.pic_height.is_multiple_of(2) {
        return Err(bad);
    }
    let rc = &attr.rc_attr;
    let (gop, src, dst, bit_rate, q_factor, mode) = match (codec, rc.rc_mode) {
        (Codec::Jpeg, K_VENC_RC_MODE_MJPEG_FIXQP) => {
            // SAFETY: every union member is a struct of plain k_u32: any bits are valid.
            let m = unsafe { rc.__bindgen_anon_1.mjpeg_fixqp };
            if !(1..=99).contains(&m.q_factor) {
                return Err(bad);
            }
            let cbr = RateControl::Cbr;
            (1, m.src_frame_rate, m.dst_frame_rate, 1, m.q_factor, cbr)
        }
        (Codec::Jpeg, _) => return Err(bad),
        (_, K_VENC_RC_MODE_CBR) => {
            // SAFETY: every union member is a struct of plain k_u32: any bits are valid.
            let m = unsafe { rc.__bindgen_anon_1.cbr };
            let cbr = RateControl::Cbr;
            (
                m.gop,
                m.src_frame_rate,
                m.dst_frame_rate,
                m.bit_rate,
                0,
                cbr,
            )
        }
        (_, K_VENC_RC_MODE_VBR) => {
            // SAFETY: every union member is a struct of plain k_u32: any bits are valid.
            let m = unsafe { rc.__bindgen_anon_1.vbr };
            if m.max_bit_rate < m.bit_rate {
                return Err(policy::VBR_MAX_BELOW_AVERAGE);
            }
            let vbr = RateControl::Vbr {
                max_bit_rate: m.max_bit_rate,
            };
            (
                m.gop,
                m.src_frame_rate,
                m.dst_frame_rate,
                m.bit_rate,
                0,
                vbr,
            )
        }
        (_, K_VENC_RC_MODE_FIXQP) => {
            // SAFETY: every union member is a struct of plain k_u32: any bits are valid.
            let m = unsafe { rc.__bindgen_anon_1.fixqp };
            if m.i_qp > 51 || m.p_qp > 51 {
                return Err(bad);
            }
            let fixqp = RateControl::FixQp {
                i_qp: m.i_qp,
                p_qp: m.p_qp,
            };
            // The synthetic backend sizes its frames from a bit rate.
            let rate = fixqp_bit_rate(va, m.p_qp);
            (m.gop, m.src_frame_rate, m.dst_frame_rate, rate, 0, fixqp)
        }
        _ => return Err(bad),
    };
    if gop < 1 || src < 1 || dst < 1 || dst > src || bit_rate < 1 {
        return Err(bad);
    }
    Ok(EncConfig {
        codec,
        profile,
        width: va.pic_width,
        height: va.pic_height,
        gop,
        src_fps: src,
        dst_fps: dst,
        bit_rate,
        q_factor,
        rc: mode,
        orient: Orientation::NONE,
    })
}

/// Equivalent bitrate (kbit/s) for FIXQP: about 4000 kbit/s for 1080p at qp 30.
fn fixqp_bit_rate(va: &k_venc_attr, qp: u32) -> u32 {
    let kpix = u64::from(va.pic_width) * u64::from(va.pic_height) / 1000;
    let rate = kpix * u64::from(52 - qp.min(51)) / 11;
    u32::try_from(rate.max(1)).unwrap_or(u32::MAX)
}

fn new_chn(
    cfg: EncConfig,
    switches: policy::Switches,
    backend: &'static dyn Backend,
    enc: Box<dyn Encoder>,
    bufs: Vec<OutBuf>,
) -> Box<Chn> {
    Box::new(Chn {
        cfg,
        switches,
        first_idr_done: false,
        warned_fps: false,
        sent_span: None,
        started: false,
        idr_enable: false,
        idr_request: false,
        bufs,
        queue: VecDeque::new(),
        held: Vec::new(),
        rate_acc: u64::from(cfg.src_fps - cfg.dst_fps),
        gop_pos: 0,
        encoded: 0,
        last_bytes: 0,
        last_qp: None,
        release_pts: 0,
        dropped_rate: 0,
        dropped_large: 0,
        dropped_full: 0,
        stuck: None,
        full_since: None,
        said_at: None,
        said_mismatch: false,
        enc,
        spans: Vec::with_capacity(MAX_PACKS),
        backend,
        oriented: Oriented::default(),
    })
}

/// Allocates `cnt` owned output buffers of `size` bytes; nothing is leaked on failure.
#[cfg(not(feature = "abi-2025"))]
fn alloc_bufs(arena: &mut Arena, cnt: u32, size: u64) -> KResult<Vec<OutBuf>> {
    let size = align_up(size, PAGE).ok_or(err::venc(num::NOMEM))?;
    let mut bufs: Vec<OutBuf> = Vec::new();
    for _ in 0..cnt {
        match arena.alloc(size) {
            Some(phys) => bufs.push(OutBuf {
                phys,
                size,
                owned: true,
                state: BufState::Free,
            }),
            None => {
                for b in &bufs {
                    arena.free(b.phys);
                }
                return Err(err::venc(num::NOMEM));
            }
        }
    }
    Ok(bufs)
}

/// `kd_mpi_venc_create_chn`.
pub(crate) fn create_chn(sim: &mut Sim, chn: u32, attr: Option<&k_venc_chn_attr>) -> KResult {
    let c = chn_index(chn)?;
    let attr = attr.ok_or(err::venc(num::NULL_PTR))?;
    if sim.venc[c].is_some() {
        return Err(err::venc(num::EXIST));
    }
    let mut cfg = validate(attr)?;
    let switches = sim.switches;
    if cfg.dst_fps < cfg.src_fps && !switches.drop_for_dst_rate {
        // `Switches::drop_for_dst_rate` false: every frame, with the budget of src a second.
        eprintln!(
            "k230 sim: VENC channel {c}: dst_frame_rate {} is below src_frame_rate {}: a CanMV \
             board was measured to encode every input frame anyway, as the simulator now does \
             ({}=drop keeps dst of every src frames)",
            cfg.dst_fps,
            cfg.src_fps,
            policy::FRAME_RATE_ENV
        );
        cfg.dst_fps = cfg.src_fps;
    }
    #[cfg(not(feature = "abi-2025"))]
    let bufs = {
        let va = &attr.venc_attr;
        if va.stream_buf_cnt < 1 || va.stream_buf_size < 4096 {
            return Err(err::venc(num::ILLEGAL_PARAM));
        }
        alloc_bufs(
            &mut sim.arena,
            va.stream_buf_cnt,
            u64::from(va.stream_buf_size),
        )?
    };
    #[cfg(feature = "abi-2025")]
    let bufs = match sim.attach[c] {
        Some(a) => pool_bufs(sim, a),
        None => Vec::new(),
    };
    let Some(enc) = sim.backend.open(&cfg) else {
        for b in bufs.iter().filter(|b| b.owned) {
            sim.arena.free(b.phys);
        }
        return Err(err::venc(num::NOT_SUPPORT));
    };
    sim.venc[c] = Some(new_chn(cfg, switches, sim.backend, enc, bufs));
    Ok(())
}

/// `kd_mpi_venc_destroy_chn`: frees buffers, queued frames and held streams. The bind
/// record stays (it belongs to `kd_mpi_sys_unbind`); with the "destroy_bound" policy
/// "refuse" a channel a bind still targets is not destroyed.
pub(crate) fn destroy_chn(sim: &mut Sim, chn: u32) -> KResult {
    let c = chn_index(chn)?;
    let refuse_bound = sim.switches.destroy_bound_refused && sim.binds[c].is_some();
    let ch = chn_mut(sim, c)?;
    if ch.started {
        return Err(err::venc(num::NOT_PERM));
    }
    if refuse_bound {
        return Err(policy::DESTROY_WHILE_BOUND);
    }
    if !policy::DESTROY_RECLAIMS_HELD_STREAMS && !ch.held.is_empty() {
        return Err(policy::DESTROY_WHILE_HELD);
    }
    if let Some(ch) = sim.venc[c].take() {
        for b in ch.bufs.iter().filter(|b| b.owned) {
            sim.arena.free(b.phys);
        }
    }
    #[cfg(feature = "abi-2025")]
    detach_record(sim, c);
    Ok(())
}

/// `kd_mpi_venc_start_chn`.
pub(crate) fn start_chn(sim: &mut Sim, chn: u32) -> KResult {
    let ch = chn_mut(sim, chn_index(chn)?)?;
    if ch.started {
        return Err(err::venc(num::NOT_PERM));
    }
    ch.started = true;
    Ok(())
}

/// `kd_mpi_venc_stop_chn`: repeat is fine; queued frames stay (no flush).
pub(crate) fn stop_chn(sim: &mut Sim, chn: u32) -> KResult {
    chn_mut(sim, chn_index(chn)?)?.started = false;
    Ok(())
}

/// `kd_mpi_venc_enable_idr`.
pub(crate) fn enable_idr(sim: &mut Sim, chn: u32, enable: k_bool) -> KResult {
    let ch = chn_mut(sim, chn_index(chn)?)?;
    if enable > K_TRUE {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    ch.idr_enable = enable == K_TRUE;
    Ok(())
}

/// `kd_mpi_venc_set_rotation` / `kd_mpi_venc_set_mirror`: the channel turns / mirrors its
/// pictures from now on; its encoder is opened again at the coded size (the next frame is an
/// IDR). Not on a started channel ([`policy::ORIENTATION_WHILE_STARTED`]); an encoder that
/// cannot be opened (NOT_SUPPORT) leaves the channel as it was.
fn set_orientation(
    sim: &mut Sim,
    chn: u32,
    change: impl FnOnce(&mut Orientation) -> KResult,
) -> KResult {
    let ch = chn_mut(sim, chn_index(chn)?)?;
    let mut cfg = ch.cfg;
    change(&mut cfg.orient)?;
    if ch.started {
        return Err(policy::ORIENTATION_WHILE_STARTED);
    }
    let (width, height) = cfg.orient.coded_size(cfg.width, cfg.height);
    if !size_ok(cfg.codec, width, height) {
        return Err(policy::ROTATED_SIZE_OUT_OF_RANGE);
    }
    let coded = EncConfig {
        width,
        height,
        ..cfg
    };
    ch.enc = ch.backend.open(&coded).ok_or(err::venc(num::NOT_SUPPORT))?;
    ch.cfg = cfg;
    ch.gop_pos = 0;
    Ok(())
}

/// `kd_mpi_venc_set_rotation`: `k_rotation` 0..3 (else ILLEGAL_PARAM).
pub(crate) fn set_rotation(sim: &mut Sim, chn: u32, r: k_rotation) -> KResult {
    set_orientation(sim, chn, |o| {
        o.rotation = match r {
            K_VPU_ROTATION_0 => Rotation::R0,
            K_VPU_ROTATION_90 => Rotation::R90,
            K_VPU_ROTATION_180 => Rotation::R180,
            K_VPU_ROTATION_270 => Rotation::R270,
            _ => return Err(err::venc(num::ILLEGAL_PARAM)),
        };
        Ok(())
    })
}

/// `kd_mpi_venc_set_mirror`: `K_VENC_MIRROR_HORI` or `K_VENC_MIRROR_VERT` (else ILLEGAL_PARAM).
pub(crate) fn set_mirror(sim: &mut Sim, chn: u32, m: k_venc_mirror) -> KResult {
    set_orientation(sim, chn, |o| {
        o.mirror = match m {
            K_VENC_MIRROR_HORI => Mirror::Horizontal,
            K_VENC_MIRROR_VERT => Mirror::Vertical,
            _ => return Err(err::venc(num::ILLEGAL_PARAM)),
        };
        Ok(())
    })
}

/// `kd_mpi_venc_request_idr`: the next output frame is an IDR.
pub(crate) fn request_idr(sim: &mut Sim, chn: u32) -> KResult {
    chn_mut(sim, chn_index(chn)?)?.idr_request = true;
    Ok(())
}

fn pack_type(codec: Codec, kind: PackKind) -> k_venc_pack_type {
    match (codec, kind) {
        (Codec::Jpeg, _) => policy::JPEG_PACK_TYPE,
        (_, PackKind::Header) => K_VENC_HEADER,
        (_, PackKind::I) => K_VENC_I_FRAME,
        (_, PackKind::P) => K_VENC_P_FRAME,
    }
}

/// An NV12 input picture in MMZ.
#[derive(Clone, Copy, Debug)]
struct Input {
    y_phys: u64,
    y_stride: u64,
    uv_phys: u64,
    uv_stride: u64,
    pts: u64,
}

impl Input {
    fn y_len(&self, h: u32) -> u64 {
        self.y_stride * u64::from(h)
    }

    fn uv_len(&self, h: u32) -> u64 {
        self.uv_stride * u64::from(h) / 2
    }
}

/// Encodes `input` into output buffer `buf` and queues the frame.
fn encode_frame(arena: &Arena, ch: &mut Chn, input: Input, buf: usize) -> Result<(), EncodeError> {
    let (w, h) = (ch.cfg.width, ch.cfg.height);
    let out_buf = ch.bufs.get(buf).ok_or(EncodeError::BadInput)?;
    let (bphys, bsize) = (out_buf.phys, out_buf.size);
    let (y_len, uv_len) = (input.y_len(h), input.uv_len(h));
    let out_block = arena.block_of(bphys, bsize).ok_or(EncodeError::BadInput)?;
    let y_block = arena
        .block_of(input.y_phys, y_len)
        .ok_or(EncodeError::BadInput)?;
    let uv_block = arena
        .block_of(input.uv_phys, uv_len)
        .ok_or(EncodeError::BadInput)?;
    if y_block == out_block || uv_block == out_block {
        return Err(EncodeError::BadInput);
    }
    let (Some(yp), Some(uvp), Some(op)) = (
        arena.host_ptr(input.y_phys, y_len),
        arena.host_ptr(input.uv_phys, uv_len),
        arena.host_ptr(bphys, bsize),
    ) else {
        return Err(EncodeError::BadInput);
    };
    let to_usize = |v: u64| usize::try_from(v).map_err(|_| EncodeError::BadInput);
    let (y_len, uv_len, bsize) = (to_usize(y_len)?, to_usize(uv_len)?, to_usize(bsize)?);
    // SAFETY: each range lies inside one live arena allocation (host_ptr checked it). The
    // output allocation differs from both input allocations (checked above), so the mutable
    // slice aliases neither shared one. The global lock is held, so no other Rust code
    // touches these ranges; C code writing the input concurrently is the caller's bug.
    let (y, uv, out) = unsafe {
        (
            std::slice::from_raw_parts(yp as *const u8, y_len),
            std::slice::from_raw_parts(uvp as *const u8, uv_len),
            std::slice::from_raw_parts_mut(op, bsize),
        )
    };
    let mut pic = Picture {
        width: w,
        height: h,
        y,
        y_stride: input.y_stride as usize,
        uv,
        uv_stride: input.uv_stride as usize,
        pts: input.pts,
    };
    if ch.cfg.orient != Orientation::NONE {
        pic = ch.oriented.apply(&pic, ch.cfg.orient)?;
    }
    let idr = ch.cfg.codec == Codec::Jpeg || ch.gop_pos == 0 || ch.idr_request;
    ch.spans.clear();
    let encoded = ch.enc.encode(
        &pic,
        FrameReq {
            index: ch.encoded,
            idr,
        },
        out,
        &mut ch.spans,
    );
    if encoded == Err(EncodeError::TooLarge) {
        // The encoder has moved on from a picture the stream never gets: restart the
        // prediction chain so that what follows still decodes.
        ch.idr_request = true;
    }
    encoded?;
    if ch.spans.is_empty() {
        // A backend that produced nothing: no frame, the buffer stays free.
        return Ok(());
    }
    let codec = ch.cfg.codec;
    let packs: Vec<k_venc_pack> = ch
        .spans
        .iter()
        .take(MAX_PACKS)
        .map(|s| k_venc_pack {
            phys_addr: bphys + s.offset as u64,
            len: u32::try_from(s.len).unwrap_or(u32::MAX),
            pts: input.pts,
            type_: pack_type(codec, s.kind),
        })
        .collect();
    let total: u64 = packs.iter().map(|p| u64::from(p.len)).sum();
    ch.bufs[buf].state = BufState::Busy {
        delivered: false,
        outstanding: 0,
        pts: input.pts,
    };
    // The first parameter sets alone, when the policy says so.
    let headers = packs
        .iter()
        .take_while(|p| p.type_ == K_VENC_HEADER)
        .count();
    let unit_end = if ch.switches.header_first_separate && !ch.first_idr_done && headers > 0 {
        headers
    } else {
        packs.len()
    };
    ch.first_idr_done |= headers > 0;
    ch.queue.push_back(QFrame {
        buf,
        packs,
        next: 0,
        unit_end,
    });
    ch.encoded += 1;
    ch.last_bytes = u32::try_from(total).unwrap_or(u32::MAX);
    ch.last_qp = ch.enc.frame_qp();
    let gop = ch.cfg.gop.max(1);
    ch.gop_pos = if idr && (policy::REQUEST_IDR_RESTARTS_GOP || ch.gop_pos == 0) {
        1 % gop
    } else {
        (ch.gop_pos + 1) % gop
    };
    ch.idr_request = false;
    Ok(())
}

/// Once per channel: the input comes at `fps` frames a second while `src_frame_rate` says
/// otherwise, which doubled a user's bit rate on a board (neighbours facts section 8).
fn warn_input_rate(ch: &mut Chn, c: usize, what: &str, fps: u64) {
    if ch.warned_fps || ch.cfg.codec == Codec::Jpeg {
        return;
    }
    ch.warned_fps = true;
    let src = u64::from(ch.cfg.src_fps.max(1));
    eprintln!(
        "k230 sim: VENC channel {c}: {what} {fps} fps but src_frame_rate is {src}: the board's \
         rate control spends bit_rate / src_frame_rate a frame, so the stream gets about {} \
         kbit/s instead of {}",
        u64::from(ch.cfg.bit_rate) * fps / src,
        ch.cfg.bit_rate
    );
}

/// The rate of frames sent with SendFrame, from their pts (once 16 have come with rising
/// pts): warns as [`warn_input_rate`] when it is more than 15 % off `src_frame_rate`.
fn note_sent_pts(ch: &mut Chn, c: usize, pts: u64) {
    let (first, n) = match ch.sent_span {
        Some((first, n)) if pts > first => (first, n + 1),
        _ => (pts, 1),
    };
    ch.sent_span = Some((first, n));
    if n == 16 && pts > first {
        let fps = (n - 1) * 1_000_000 / (pts - first);
        let src = u64::from(ch.cfg.src_fps);
        if fps * 100 > src * 115 || fps * 100 < src * 85 {
            warn_input_rate(ch, c, "frames are sent at about", fps);
        }
    }
}

/// Bound channel with an empty queue: pull sensor frames until one is queued or no output
/// buffer is free. A running bound sensor channel whose size differs from the channel's
/// picture size is an error ([`policy::BOUND_SIZE_MISMATCH`]) rather than an endless wait.
/// Under the realtime clock ([`policy::Switches::realtime_clock`]) only the frames already
/// due are taken ([`pull_due`]); `Ok(Some(t))` then says when the next one is.
fn pull_bound(sim: &mut Sim, c: usize) -> KResult<Option<Instant>> {
    let realtime = sim.switches.realtime_clock;
    let Sim {
        arena,
        venc,
        binds,
        vicap,
        ..
    } = sim;
    let Some(ch) = venc[c].as_deref_mut() else {
        return Ok(None);
    };
    let Some(b) = binds[c].as_mut() else {
        return Ok(None);
    };
    if !ch.started || !ch.queue.is_empty() {
        return Ok(None);
    }
    match vicap[b.dev].live_size(b.chn) {
        None => return Ok(None), // not running (yet): frames may still come
        Some(size) if size != (ch.cfg.width, ch.cfg.height) => {
            if !ch.said_mismatch {
                ch.said_mismatch = true;
                crate::diag::say(&format!(
                    "VENC channel {c}: GetStream answers {}: the sensor linked to it \
                     (device {}, channel {}) delivers {}x{} pictures, the channel codes {}x{} \
                     (the K230 does not scale between sensor and encoder: give the sensor \
                     channel the encoder's size with set_framesize)",
                    err::name(policy::BOUND_SIZE_MISMATCH),
                    b.dev,
                    b.chn,
                    size.0,
                    size.1,
                    ch.cfg.width,
                    ch.cfg.height
                ));
            }
            return Err(policy::BOUND_SIZE_MISMATCH);
        }
        Some(_) => {}
    }
    let fps = vicap[b.dev].fps();
    if fps != ch.cfg.src_fps {
        warn_input_rate(ch, c, "its sensor runs at", u64::from(fps));
    }
    if realtime {
        return Ok(pull_due(arena, vicap, ch, b));
    }
    // Bounded: enough input frames for one kept frame, plus a few too-large drops.
    for _ in 0..ch.cfg.src_fps as usize + 4 {
        // Nothing is pulled without a free buffer, so no frame is ever dropped as "full".
        let Some(buf) = ch.free_buf() else {
            return Ok(None);
        };
        match take_sensor_frame(arena, vicap, ch, b, buf) {
            Taken::Queued | Taken::Failed => return Ok(None),
            Taken::Dropped => {}
        }
    }
    Ok(None)
}

/// What [`take_sensor_frame`] did with the bound channel's next sensor frame.
enum Taken {
    /// Encoded and queued.
    Queued,
    /// Dropped by frame-rate conversion, or too large for an output buffer.
    Dropped,
    /// The sensor could not render it (stopped meanwhile, Y4M read error).
    Failed,
}

/// Takes the bound channel's next sensor frame (`b.cursor`) and encodes it into output
/// buffer `buf`, unless frame-rate conversion drops it.
fn take_sensor_frame(
    arena: &Arena,
    vicap: &mut [vicap::Dev; vicap::DEVS],
    ch: &mut Chn,
    b: &mut crate::sys::Bind,
    buf: usize,
) -> Taken {
    let index = b.cursor;
    b.cursor += 1;
    let (keep, acc) = ch.rate_keep();
    ch.rate_acc = acc;
    if !keep {
        ch.dropped_rate += 1;
        return Taken::Dropped;
    }
    let Ok(f) = vicap::render_into_ring(arena, vicap, b.dev, b.chn, index) else {
        return Taken::Failed;
    };
    let stride = u64::from(f.width);
    let input = Input {
        y_phys: f.y_phys,
        y_stride: stride,
        uv_phys: f.uv_phys,
        uv_stride: stride,
        pts: f.pts,
    };
    match encode_frame(arena, ch, input, buf) {
        Ok(()) => Taken::Queued,
        Err(_) => {
            ch.dropped_large += 1;
            Taken::Dropped
        }
    }
}

/// Realtime clock: takes, in order, the sensor frames due by now that the free output buffers
/// hold; those due beyond them are dropped (`dropped_full`), as the board's VI drops frames
/// while the encoder's output is full (it encodes each frame when it comes, so the free
/// buffers would have taken the earliest ones). Returns when the next frame is due if none is
/// due yet.
fn pull_due(
    arena: &Arena,
    vicap: &mut [vicap::Dev; vicap::DEVS],
    ch: &mut Chn,
    b: &mut crate::sys::Bind,
) -> Option<Instant> {
    let due = vicap[b.dev].frames_due(Instant::now());
    if b.cursor >= due {
        return vicap[b.dev].ready_at(b.cursor);
    }
    while b.cursor < due {
        let Some(buf) = ch.free_buf() else {
            ch.dropped_full += due - b.cursor;
            b.cursor = due;
            break;
        };
        if let Taken::Failed = take_sensor_frame(arena, vicap, ch, b, buf) {
            break;
        }
    }
    None
}

/// `kd_mpi_venc_send_frame`.
pub(crate) fn send_frame(
    g: &Global,
    chn: u32,
    frame: Option<&k_video_frame_info>,
    milli_sec: i32,
) -> KResult {
    let c = chn_index(chn)?;
    let mut guard = g.lock();
    let ch = chn_mut(&mut guard, c)?;
    if !ch.started {
        return Err(err::venc(num::NOT_PERM));
    }
    let frame = frame.ok_or(err::venc(num::NULL_PTR))?;
    if milli_sec < -1 {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    let vf = &frame.v_frame;
    note_sent_pts(chn_mut(&mut guard, c)?, c, vf.pts);
    let timeout = Timeout::new(milli_sec);
    loop {
        let sim = &mut *guard;
        let ch = sim.venc[c].as_deref_mut().ok_or(err::venc(num::UNEXIST))?;
        if !ch.started {
            return Err(err::venc(num::NOT_PERM));
        }
        let input = check_input(&sim.arena, ch, vf)?;
        if ch.bufs.is_empty() {
            // ABI 2025 channel without an attached pool: it can never get a buffer.
            return Err(policy::SEND_FRAME_FULL);
        }
        let (keep, acc) = ch.rate_keep();
        if !keep {
            ch.rate_acc = acc;
            ch.dropped_rate += 1;
            return Ok(());
        }
        if let Some(buf) = ch.free_buf() {
            ch.full_since = None;
            ch.rate_acc = acc;
            return match encode_frame(&sim.arena, ch, input, buf) {
                Ok(()) => Ok(()),
                Err(EncodeError::TooLarge) => {
                    ch.dropped_large += 1;
                    Ok(())
                }
                Err(EncodeError::BadInput) => Err(err::venc(num::BADADDR)),
            };
        }
        if milli_sec != 0 {
            explain_full(ch, c);
        }
        let poll = std::time::Instant::now() + crate::diag::POLL_EVERY;
        guard = g.wait_within_until(guard, timeout, policy::SEND_FRAME_FULL, Some(poll))?;
    }
}

/// Validates a user frame against the channel: format, size, strides, MMZ coverage.
fn check_input(arena: &Arena, ch: &Chn, vf: &k_video_frame) -> KResult<Input> {
    if vf.pixel_format != PIXEL_FORMAT_YUV_SEMIPLANAR_420 {
        return Err(err::venc(num::NOT_SUPPORT));
    }
    let (w, h) = (ch.cfg.width, ch.cfg.height);
    if vf.width != w || vf.height != h {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    let stride = |s: u32| if s == 0 { w } else { s };
    let (ys, uvs) = (stride(vf.stride[0]), stride(vf.stride[1]));
    if ys < w || uvs < w {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    let input = Input {
        y_phys: vf.phys_addr[0],
        y_stride: u64::from(ys),
        uv_phys: vf.phys_addr[1],
        uv_stride: u64::from(uvs),
        pts: vf.pts,
    };
    if arena.block_of(input.y_phys, input.y_len(h)).is_none()
        || arena.block_of(input.uv_phys, input.uv_len(h)).is_none()
    {
        return Err(err::venc(num::BADADDR));
    }
    Ok(input)
}

/// Hands out (part of) the head frame.
fn deliver(ch: &mut Chn, stream: &mut k_venc_stream) {
    let Some(f) = ch.queue.front_mut() else {
        return;
    };
    // Up to the end of the current delivery unit; the next one is the rest of the frame.
    let left = f.unit_end - f.next;
    let n = left.min(stream.pack_cnt as usize);
    for (i, p) in f.packs[f.next..f.next + n].iter().enumerate() {
        // SAFETY: the caller provides `pack` (checked non-NULL) with room for `pack_cnt`
        // entries and i < n <= pack_cnt; write_unaligned tolerates any alignment.
        unsafe { stream.pack.add(i).write_unaligned(*p) };
    }
    stream.pack_cnt = n as u32;
    ch.held.push(Held {
        buf: f.buf,
        phys0: f.packs[f.next].phys_addr,
        cnt: n as u32,
    });
    let done = f.next + n == f.packs.len();
    f.next += n;
    if f.next == f.unit_end {
        f.unit_end = f.packs.len();
    }
    let buf = f.buf;
    if let BufState::Busy {
        delivered,
        outstanding,
        ..
    } = &mut ch.bufs[buf].state
    {
        *outstanding += 1;
        *delivered |= done;
    }
    if done {
        ch.queue.pop_front();
    }
}

/// `kd_mpi_venc_get_stream`.
pub(crate) fn get_stream(
    g: &Global,
    chn: u32,
    stream: Option<&mut k_venc_stream>,
    milli_sec: i32,
) -> KResult {
    let c = chn_index(chn)?;
    let mut guard = g.lock();
    chn_mut(&mut guard, c)?;
    let stream = stream.ok_or(err::venc(num::NULL_PTR))?;
    if stream.pack.is_null() {
        return Err(err::venc(num::NULL_PTR));
    }
    if stream.pack_cnt == 0 || milli_sec < -1 {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    let timeout = Timeout::new(milli_sec);
    loop {
        let pulled = pull_bound(&mut guard, c);
        let ch = chn_mut(&mut guard, c)?;
        if !ch.queue.is_empty() {
            ch.stuck = None;
            deliver(ch, stream);
            return Ok(());
        }
        let next_frame = pulled?;
        if milli_sec != 0 {
            explain_empty(&mut guard, c);
        }
        // A wait with no deadline still wakes now and then, to see whether it is stuck.
        let poll = std::time::Instant::now() + crate::diag::POLL_EVERY;
        let wake = Some(next_frame.map_or(poll, |t| t.min(poll)));
        guard = g.wait_within_until(guard, timeout, policy::GET_STREAM_TIMEOUT, wake)?;
    }
}

/// Whether the last explanation of channel `ch` is older than [`crate::diag::REPEAT_EVERY`]
/// (and then notes that one is printed now).
fn may_explain(ch: &mut Chn, now: std::time::Instant) -> bool {
    if ch
        .said_at
        .is_some_and(|t| now - t < crate::diag::REPEAT_EVERY)
    {
        return false;
    }
    ch.said_at = Some(now);
    true
}

/// get_stream of channel `c` found nothing: once the waits have lasted
/// [`crate::diag::STUCK_AFTER`], says on stderr why nothing can arrive.
fn explain_empty(sim: &mut Sim, c: usize) {
    let now = std::time::Instant::now();
    let Some(ch) = sim.venc[c].as_deref_mut() else {
        return;
    };
    let (since, dropped_before) = *ch.stuck.get_or_insert((now, ch.dropped_large));
    if now - since < crate::diag::STUCK_AFTER || !may_explain(ch, now) {
        return;
    }
    let ch = &*ch;
    let free = ch.bufs.iter().filter(|b| b.state == BufState::Free).count();
    let dropped = ch.dropped_large - dropped_before;
    let why = if !ch.bufs.is_empty() && free == 0 {
        format!(
            "all {} output buffers are held by {} stream(s) taken with GetStream and not \
             released: call ReleaseStream(chn, streamData) after each GetStream",
            ch.bufs.len(),
            ch.held.len()
        )
    } else if dropped > 0 {
        format!(
            "its last {dropped} picture(s) were dropped, each larger than an output buffer \
             ({} bytes): lower mjpeg_quality_factor or bit_rate, or size the buffers for a \
             larger picture with SetOutBufs",
            ch.bufs.first().map_or(0, |b| b.size)
        )
    } else {
        match &sim.binds[c] {
            None => "no sensor is linked to it (MediaManager.link) and no frame came with \
                     SendFrame"
                .to_string(),
            Some(b) if sim.vicap[b.dev].live_size(b.chn).is_none() => format!(
                "the sensor linked to it (device {}, channel {}) is not running: call \
                 sensor.run()",
                b.dev, b.chn
            ),
            Some(_) => "its linked sensor is running, yet no picture came".to_string(),
        }
    };
    crate::diag::say(&format!(
        "VENC channel {c}: GetStream has waited {} s for a stream: {why}",
        (now - since).as_secs()
    ));
}

/// send_frame of channel `c` found no free output buffer: once that has lasted
/// [`crate::diag::STUCK_AFTER`], says on stderr who holds them.
fn explain_full(ch: &mut Chn, c: usize) {
    let now = std::time::Instant::now();
    let since = *ch.full_since.get_or_insert(now);
    if now - since < crate::diag::STUCK_AFTER || !may_explain(ch, now) {
        return;
    }
    crate::diag::say(&format!(
        "VENC channel {c}: SendFrame has found no free output buffer for {} s: {} of the {} \
         hold encoded frames not yet taken with GetStream, {} stream(s) were taken and not \
         released (ReleaseStream)",
        (now - since).as_secs(),
        ch.queue.len(),
        ch.bufs.len(),
        ch.held.len()
    ));
}

/// `kd_mpi_venc_release_stream`.
pub(crate) fn release_stream(sim: &mut Sim, chn: u32, stream: Option<&k_venc_stream>) -> KResult {
    let ch = chn_mut(sim, chn_index(chn)?)?;
    let stream = stream.ok_or(err::venc(num::NULL_PTR))?;
    if stream.pack.is_null() {
        return Err(err::venc(num::NULL_PTR));
    }
    if stream.pack_cnt == 0 {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    // SAFETY: `pack` is non-NULL and, by the API contract, points to the pack array that
    // get_stream filled (at least one entry since pack_cnt > 0).
    let phys0 = unsafe { stream.pack.read_unaligned() }.phys_addr;
    let i = ch
        .held
        .iter()
        .position(|h| h.phys0 == phys0 && h.cnt == stream.pack_cnt)
        .ok_or(err::venc(num::ILLEGAL_PARAM))?;
    let h = ch.held.remove(i);
    let b = &mut ch.bufs[h.buf];
    if let BufState::Busy {
        delivered,
        outstanding,
        pts,
    } = &mut b.state
    {
        *outstanding = outstanding.saturating_sub(1);
        if *delivered && *outstanding == 0 {
            ch.release_pts = *pts;
            b.state = BufState::Free;
        }
    }
    Ok(())
}

/// `kd_mpi_venc_query_status`.
pub(crate) fn query_status(
    sim: &mut Sim,
    chn: u32,
    status: Option<&mut k_venc_chn_status>,
) -> KResult {
    let c = chn_index(chn)?;
    chn_mut(sim, c)?;
    let status = status.ok_or(err::venc(num::NULL_PTR))?;
    // A size mismatch shows in get_stream; the status just reports no packs.
    let _ = pull_bound(sim, c);
    let ch = chn_mut(sim, c)?;
    let cur = ch.queue.front().map_or(0, |f| f.unit_end - f.next);
    let st = k_venc_chn_status {
        cur_packs: cur as u32,
        release_pic_pts: ch.release_pts,
        end_of_stream: K_FALSE,
        stream_info: k_venc_stream_info {
            u32PicBytesNum: ch.last_bytes,
            u32PicCnt: u32::try_from(ch.encoded).unwrap_or(u32::MAX),
            u32StartQp: ch.last_qp.unwrap_or(policy::REPORTED_QP),
            u32MeanQp: ch.last_qp.unwrap_or(policy::REPORTED_QP),
        },
    };
    *status = st;
    Ok(())
}

/// (created, started, held deliveries, queued frames) over all channels.
pub(crate) fn counts(sim: &Sim) -> (u32, u32, u32, u32) {
    let chs = sim.venc.iter().flatten();
    let mut r = (0, 0, 0, 0);
    for ch in chs {
        r.0 += 1;
        r.1 += u32::from(ch.started);
        r.2 += ch.held.len() as u32;
        r.3 += ch.queue.len() as u32;
    }
    r
}

/// Counters of channel `chn`, if it exists.
pub fn counters(chn: u32) -> Option<ChnCounters> {
    let sim = state::lock();
    let ch = sim.venc.get(chn as usize)?.as_deref()?;
    Some(ChnCounters {
        encoded: ch.encoded,
        dropped_rate: ch.dropped_rate,
        dropped_large: ch.dropped_large,
        dropped_full: ch.dropped_full,
        idr_enable: ch.idr_enable,
    })
}

#[cfg(feature = "abi-2025")]
fn pool_bufs(sim: &mut Sim, a: Attach) -> Vec<OutBuf> {
    let Some(p) = sim.vb.pools.get(&a.pool) else {
        return Vec::new();
    };
    let n = if a.buf_num == 0 {
        p.blk_cnt
    } else {
        a.buf_num.min(p.blk_cnt)
    };
    (0..u64::from(n))
        .map(|i| OutBuf {
            phys: p.phys + i * p.blk_size,
            size: p.blk_size,
            owned: false,
            state: BufState::Free,
        })
        .collect()
}

#[cfg(feature = "abi-2025")]
fn detach_record(sim: &mut Sim, c: usize) {
    if let Some(a) = sim.attach[c].take() {
        if let Some(p) = sim.vb.pools.get_mut(&a.pool) {
            p.users = p.users.saturating_sub(1);
        }
    }
}

/// `kd_mpi_venc_request_chn` (ABI 2025): a free channel (`policy::REQUEST_CHN_SKIPS_CREATED`),
/// now the caller's until `kd_mpi_venc_release_chn`.
#[cfg(feature = "abi-2025")]
pub(crate) fn request_chn(sim: &mut Sim) -> KResult<u32> {
    let c = (0..CHNS)
        .find(|&c| {
            let created = sim.venc[c].is_some();
            let taken = sim.requested[c] || (policy::REQUEST_CHN_SKIPS_CREATED && created);
            !taken
        })
        .ok_or(policy::REQUEST_CHN_NONE_FREE)?;
    sim.requested[c] = true;
    Ok(c as u32)
}

/// `kd_mpi_venc_release_chn` (ABI 2025): gives a requested channel back; it must be
/// destroyed first (`policy::RELEASE_CHN_CREATED`).
#[cfg(feature = "abi-2025")]
pub(crate) fn release_chn(sim: &mut Sim, chn: u32) -> KResult {
    let c = chn_index(chn)?;
    if !sim.requested[c] {
        return Err(err::venc(num::UNEXIST));
    }
    if sim.venc[c].is_some() {
        return Err(policy::RELEASE_CHN_CREATED);
    }
    sim.requested[c] = false;
    Ok(())
}

/// `kd_mpi_venc_attach_vb_pool` (ABI 2025): the channel's output buffers are the first
/// `buff_num` blocks (0 = all) of a pool made by `kd_mpi_vb_create_pool`. Allowed before
/// create (the usual order) or on a created, stopped channel without buffers.
#[cfg(feature = "abi-2025")]
pub(crate) fn attach_vb_pool(sim: &mut Sim, chn: u32, pool_id: u32, buff_num: u32) -> KResult {
    let c = chn_index(chn)?;
    let pool = sim
        .vb
        .pools
        .get(&pool_id)
        .ok_or(err::venc(num::ILLEGAL_PARAM))?;
    if buff_num > pool.blk_cnt {
        return Err(err::venc(num::ILLEGAL_PARAM));
    }
    if sim.attach[c].is_some() {
        return Err(err::venc(num::EXIST));
    }
    if let Some(ch) = sim.venc[c].as_deref() {
        if ch.started || !ch.bufs.is_empty() {
            return Err(err::venc(num::NOT_PERM));
        }
    }
    let a = Attach {
        pool: pool_id,
        buf_num: buff_num,
    };
    let bufs = pool_bufs(sim, a);
    if let Some(ch) = sim.venc[c].as_deref_mut() {
        ch.bufs = bufs;
    }
    if let Some(p) = sim.vb.pools.get_mut(&pool_id) {
        p.users += 1;
    }
    sim.attach[c] = Some(a);
    Ok(())
}

/// `kd_mpi_venc_detach_vb_pool` (ABI 2025): 0 if nothing is attached; the channel must be
/// stopped and none of the pool's blocks may hold an undelivered or unreleased frame.
#[cfg(feature = "abi-2025")]
pub(crate) fn detach_vb_pool(sim: &mut Sim, chn: u32) -> KResult {
    let c = chn_index(chn)?;
    if sim.attach[c].is_none() {
        return Ok(());
    }
    if let Some(ch) = sim.venc[c].as_deref_mut() {
        if ch.started {
            return Err(err::venc(num::NOT_PERM));
        }
        if ch
            .bufs
            .iter()
            .any(|b| !b.owned && b.state != BufState::Free)
        {
            return Err(err::venc(num::BUSY));
        }
        ch.bufs.retain(|b| b.owned);
    }
    detach_record(sim, c);
    Ok(())
}
