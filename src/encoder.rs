//! The encoder channels, the media (VB) setup and the media links.
//!
//! [`Venc`] owns the state of the four K230 VENC channels and drives the MPP
//! through the [`Mpp`] trait. Each public method is one `media.vencoder` /
//! `MediaManager` call: it validates its arguments, checks the channel state,
//! then makes the MPP calls. Failures leave the channel usable (or cleanly
//! gone) and never leak a held stream, a mapping or a binding.
//!
//! Fixed capacity everywhere: 4 channels, up to [`MAX_HELD`] unreleased streams
//! per channel of up to [`PACK_CNT_MAX`] packs each, [`MAX_LINKS`] links. No
//! allocation, ever.

// k_u64 is `unsigned long` in the MPP headers; the casts keep the code right if a
// header spells it differently.
#![allow(clippy::unnecessary_cast)]

use core::ptr::NonNull;

use crate::attr::{align_up, in_range, stream_buf_size, ChnAttr, Codec};
use crate::error::{err_number, k_err, Error, Result, ERR_BUF_EMPTY, ERR_BUF_FULL};
use crate::hal::{Code, Mpp};
use crate::mpp::*;

/// VENC channels (`VENC_MAX_CHN_NUMS`).
pub const CHN_COUNT: usize = VENC_MAX_CHN_NUMS as usize;
/// Packs per GetStream (`VENC_PACK_CNT_MAX`, the length of the StreamData lists).
pub const PACK_CNT_MAX: usize = 12;
/// Unreleased streams one channel may hold at a time.
pub const MAX_HELD: usize = 8;
/// Media links (`MAX_MEDIA_LINK_COUNT`).
pub const MAX_LINKS: usize = 8;
/// Output buffers one channel may have (`VB_SINGLE_MAX_BLKS`).
pub const MAX_OUT_BUFS: i64 = 256;
/// Pools in the VB configuration (`VB_MAX_COMM_POOLS`).
const VB_POOLS: usize = VB_MAX_COMM_POOLS as usize;
/// Timeout of `SendFrame`, which the manual gives no timeout argument (CanMV uses 1000 ms).
/// The glue waits it out in short slices (each a [`Venc::send_frame`] call).
pub const SEND_TIMEOUT_MS: i32 = 1000;

/// The state of one VENC channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChnState {
    /// Not created (or destroyed).
    Free,
    /// Created, not receiving frames (never started, or stopped).
    Created,
    /// Started: encodes frames.
    Started,
}

impl ChnState {
    /// The state in words, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            ChnState::Free => "not created",
            ChnState::Created => "created but not started",
            ChnState::Started => "started",
        }
    }
}

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
    pub type_: u32,
    /// Presentation time stamp in microseconds.
    pub pts: u64,
}

/// Output buffers requested by `SetOutBufs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutBufs {
    /// Number of buffers.
    pub count: u32,
    /// Picture width they are sized for.
    pub width: u32,
    /// Picture height they are sized for.
    pub height: u32,
}

/// One GetStream result still held by the script.
#[derive(Clone, Copy)]
pub struct Held {
    token: u32,
    packs: [k_venc_pack; PACK_CNT_MAX],
    virt: [usize; PACK_CNT_MAX],
    count: u8,
    /// Pack counts of the MPP deliveries this result was assembled from.
    parts: [u8; PACK_CNT_MAX],
    nparts: u8,
}

impl Held {
    // SAFETY: all-zero bytes are a valid k_venc_pack (plain integers).
    const EMPTY: Held = Held {
        token: 0,
        packs: unsafe { core::mem::zeroed() },
        virt: [0; PACK_CNT_MAX],
        count: 0,
        parts: [0; PACK_CNT_MAX],
        nparts: 0,
    };
}

/// Marks a held-stream slot reserved by a GetStream that is still waiting.
const RESERVED: u32 = 0x8000_0000;

/// A GetStream between its begin and finish steps (see [`Venc::get_stream_begin`]).
#[derive(Debug)]
pub struct StreamTicket {
    c: usize,
    slot: usize,
    reservation: u32,
    timeout: i32,
}

/// Middle step of GetStream, run WITHOUT the module lock (it may block for the timeout):
/// asks the MPP for the next frame's packs and maps them.
///
/// The packs of one frame come back together: if the driver hands out a HEADER pack
/// alone, the packs that follow it are fetched at once.
///
/// # Errors
/// [`Error::Timeout`] (BUF_EMPTY) when nothing arrived in time; Mpp; Map (the stream is
/// given back first).
pub fn get_stream_wait<M: Mpp>(mpp: &mut M, ticket: &StreamTicket) -> Result<Held> {
    let c = ticket.c;
    let chn32 = c as u32;
    let cur = mpp
        .venc_query_packs(chn32)
        .map_err(|e| mpp_err("kd_mpi_venc_query_status", e))? as usize;
    let mut h = Held::EMPTY;
    let first = cur.clamp(1, PACK_CNT_MAX);
    let n = match mpp.venc_get_stream(chn32, &mut h.packs[..first], ticket.timeout) {
        Ok(0) => {
            return Err(Error::Timeout {
                code: k_err(K_ID_VENC, ERR_BUF_EMPTY),
            })
        }
        Ok(n) => n,
        Err(Code(code)) if err_number(code) == ERR_BUF_EMPTY => {
            return Err(Error::Timeout { code })
        }
        Err(e) => return Err(mpp_err("kd_mpi_venc_get_stream", e)),
    };
    h.parts[0] = n as u8;
    h.nparts = 1;
    let mut total = n;
    // A header pack is always followed by the picture it belongs to.
    while total < PACK_CNT_MAX && h.packs[total - 1].type_ == K_VENC_HEADER {
        let more = mpp.venc_query_packs(chn32).unwrap_or(0) as usize;
        if more == 0 {
            break;
        }
        let end = (total + more).min(PACK_CNT_MAX);
        match mpp.venc_get_stream(chn32, &mut h.packs[total..end], 0) {
            Ok(k) if k > 0 => {
                h.parts[h.nparts as usize] = k as u8;
                h.nparts += 1;
                total += k;
            }
            _ => break,
        }
    }
    h.count = total as u8;
    for i in 0..total {
        let p = h.packs[i];
        if p.len == 0 {
            continue;
        }
        match mpp.sys_mmap(p.phys_addr as u64, p.len) {
            Some(v) => h.virt[i] = v.as_ptr() as usize,
            None => {
                let _ = release_held(mpp, c, &mut h);
                return Err(Error::Map {
                    phys: p.phys_addr as u64,
                    len: p.len,
                });
            }
        }
    }
    Ok(h)
}

/// Second step of SendFrame, run WITHOUT the module lock (it may wait up to `timeout`
/// ms for a free output buffer).
///
/// # Errors
/// [`Error::Timeout`] (BUF_FULL) when no output buffer freed up in time; Mpp.
pub fn send_frame_wait<M: Mpp>(
    mpp: &mut M,
    c: usize,
    frame: &mut k_video_frame_info,
    timeout: i32,
) -> Result<()> {
    match mpp.venc_send_frame(c as u32, frame, timeout) {
        Ok(()) => Ok(()),
        Err(Code(code)) if err_number(code) == ERR_BUF_FULL => Err(Error::Timeout { code }),
        Err(e) => Err(mpp_err("kd_mpi_venc_send_frame", e)),
    }
}

/// `got` must equal the channel's `want`, else an [`Error::Expected`] naming `arg`.
fn expect(arg: &'static str, what: &'static str, want: u32, got: u32) -> Result<()> {
    if want == got {
        Ok(())
    } else {
        Err(Error::Expected {
            arg,
            want: want as i64,
            what,
            got: got as i64,
        })
    }
}

/// Unmaps and releases one held result; the first error is returned, the rest of the
/// work is still done.
fn release_held<M: Mpp>(mpp: &mut M, c: usize, h: &mut Held) -> Result<()> {
    let mut first = Ok(());
    for i in 0..h.count as usize {
        if let Some(v) = NonNull::new(h.virt[i] as *mut u8) {
            let r = mpp.sys_munmap(v, h.packs[i].len);
            keep_first(&mut first, r.map_err(|e| mpp_err("kd_mpi_sys_munmap", e)));
            h.virt[i] = 0;
        }
    }
    let mut start = 0usize;
    for p in 0..h.nparts as usize {
        let end = start + h.parts[p] as usize;
        let r = mpp.venc_release_stream(c as u32, &mut h.packs[start..end]);
        keep_first(
            &mut first,
            r.map_err(|e| mpp_err("kd_mpi_venc_release_stream", e)),
        );
        start = end;
    }
    *h = Held::EMPTY;
    first
}

#[derive(Clone, Copy)]
struct Channel {
    state: ChnState,
    owner: u32,
    codec: Option<Codec>,
    /// Picture size of the created channel.
    size: (u32, u32),
    outbufs: Option<OutBufs>,
    /// 2025 ABI: the private VB pool holding the output buffers, and whether it is attached.
    #[cfg(feature = "abi-2025")]
    pool: Option<u32>,
    #[cfg(feature = "abi-2025")]
    attached: bool,
    held: [Held; MAX_HELD],
}

impl Channel {
    const EMPTY: Channel = Channel {
        state: ChnState::Free,
        owner: 0,
        codec: None,
        size: (0, 0),
        outbufs: None,
        #[cfg(feature = "abi-2025")]
        pool: None,
        #[cfg(feature = "abi-2025")]
        attached: false,
        held: [Held::EMPTY; MAX_HELD],
    };
}

#[derive(Clone, Copy)]
struct Link {
    token: u32,
    src: k_mpp_chn,
    dst: k_mpp_chn,
}

impl Link {
    const EMPTY: Link = Link {
        token: 0,
        src: k_mpp_chn {
            mod_id: 0,
            dev_id: 0,
            chn_id: 0,
        },
        dst: k_mpp_chn {
            mod_id: 0,
            dev_id: 0,
            chn_id: 0,
        },
    };
}

/// Tokens: low 4 bits = channel + 1 (stream) or 0xF (link), the rest a serial.
const LINK_TAG: u32 = 0xF;

/// The encoder module state over an MPP implementation.
pub struct Venc<M> {
    mpp: M,
    chns: [Channel; CHN_COUNT],
    links: [Link; MAX_LINKS],
    media_inited: bool,
    serial: u32,
    next_owner: u32,
}

/// Checks a channel number.
pub fn chn_index(chn: i64) -> Result<usize> {
    Ok(in_range(
        "chn",
        "in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3)",
        chn,
        0,
        CHN_COUNT as i64 - 1,
    )? as usize)
}

fn mpp_err(call: &'static str, c: Code) -> Error {
    Error::Mpp { call, code: c.0 }
}

/// Keeps the first error of a teardown sequence that goes on regardless.
fn keep_first(first: &mut Result<()>, r: Result<()>) {
    if first.is_ok() {
        *first = r;
    }
}

impl<M: Mpp> Venc<M> {
    /// A module with every channel free, over `mpp`.
    pub const fn new(mpp: M) -> Self {
        Venc {
            mpp,
            chns: [Channel::EMPTY; CHN_COUNT],
            links: [Link::EMPTY; MAX_LINKS],
            media_inited: false,
            serial: 0,
            next_owner: 1,
        }
    }

    /// The MPP implementation (tests inspect their fake through this).
    pub fn mpp(&mut self) -> &mut M {
        &mut self.mpp
    }

    /// The state of channel `chn`.
    pub fn state(&self, chn: usize) -> ChnState {
        self.chns[chn].state
    }

    fn next_serial(&mut self) -> u32 {
        // 27 bits of serial, so that tokens never have the RESERVED bit.
        self.serial = self.serial.wrapping_add(1) & 0x07FF_FFFF;
        if self.serial == 0 {
            self.serial = 1;
        }
        self.serial << 4
    }

    /// A new owner id for an `Encoder` object (its finaliser passes it to [`Venc::drop_owner`]).
    pub fn new_owner(&mut self) -> u32 {
        let id = self.next_owner;
        self.next_owner = self.next_owner.wrapping_add(1).max(1);
        id
    }

    /// `Encoder.SetOutBufs(chn, buf_num, width, height)`.
    ///
    /// # Errors
    /// Range errors for the arguments; [`Error::Order`] after `MediaManager.init()`.
    pub fn set_out_bufs(&mut self, chn: i64, buf_num: i64, width: i64, height: i64) -> Result<()> {
        let c = chn_index(chn)?;
        let count = in_range("buf_num", "in 1..256", buf_num, 1, MAX_OUT_BUFS)?;
        let width = in_range("width", "in 128..8192", width, 128, 8192)?;
        let height = in_range("height", "in 64..8192", height, 64, 8192)?;
        if self.media_inited {
            return Err(Error::Order {
                what: "SetOutBufs must be called before MediaManager.init() (call MediaManager.deinit() first)",
            });
        }
        self.chns[c].outbufs = Some(OutBufs {
            count,
            width,
            height,
        });
        self.bufs_configured(c)
    }

    // ---- output buffers -------------------------------------------------------------
    // 2024 ABI: `k_venc_attr.stream_buf_cnt` carries the count and the driver allocates
    // the buffers itself, so these do nothing. 2025 ABI: SetOutBufs makes a private VB pool
    // (`buf_num` blocks of ALIGN_UP(w*h*3/4, 4096), non-cached), Create (and Start after a
    // Stop) attaches it, Stop detaches it, Destroy destroys it, as current CanMV does.

    #[cfg(not(feature = "abi-2025"))]
    fn bufs_configured(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }

    #[cfg(not(feature = "abi-2025"))]
    fn bufs_attach(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }

    #[cfg(not(feature = "abi-2025"))]
    fn bufs_detach(&mut self, _c: usize) {}

    #[cfg(not(feature = "abi-2025"))]
    fn bufs_release(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }

    /// A new SetOutBufs of a free channel replaces its pool at once (errors show here).
    #[cfg(feature = "abi-2025")]
    fn bufs_configured(&mut self, c: usize) -> Result<()> {
        if self.chns[c].state != ChnState::Free {
            // The pool in use stays until Destroy; the next Create makes one of the new size.
            return Ok(());
        }
        self.bufs_release(c)?;
        self.pool_for(c).map(|_| ())
    }

    #[cfg(feature = "abi-2025")]
    fn pool_for(&mut self, c: usize) -> Result<u32> {
        if let Some(pool) = self.chns[c].pool {
            return Ok(pool);
        }
        let Some(b) = self.chns[c].outbufs else {
            return Err(Error::Order {
                what: "Create: call SetOutBufs(chn, buf_num, width, height) for this channel first (before MediaManager.init())",
            });
        };
        // SAFETY: all-zero bytes are a valid k_vb_pool_config (integers and a char array).
        let mut cfg: k_vb_pool_config = unsafe { core::mem::zeroed() };
        cfg.blk_size = stream_buf_size(b.width, b.height) as _;
        cfg.blk_cnt = b.count;
        cfg.mode = VB_REMAP_MODE_NOCACHE;
        let pool = self
            .mpp
            .vb_create_pool(&cfg)
            .map_err(|e| mpp_err("kd_mpi_vb_create_pool", e))?;
        self.chns[c].pool = Some(pool);
        Ok(pool)
    }

    #[cfg(feature = "abi-2025")]
    fn bufs_attach(&mut self, c: usize) -> Result<()> {
        if self.chns[c].attached {
            return Ok(());
        }
        let pool = self.pool_for(c)?;
        let count = self.chns[c].outbufs.map_or(0, |b| b.count);
        self.mpp
            .venc_attach_vb_pool(c as u32, pool, count)
            .map_err(|e| mpp_err("kd_mpi_venc_attach_vb_pool", e))?;
        self.chns[c].attached = true;
        Ok(())
    }

    /// Detaching fails while a held stream still sits in the pool; the pool then stays
    /// attached until Destroy, which releases the streams first.
    #[cfg(feature = "abi-2025")]
    fn bufs_detach(&mut self, c: usize) {
        if self.chns[c].attached && self.mpp.venc_detach_vb_pool(c as u32).is_ok() {
            self.chns[c].attached = false;
        }
    }

    /// Once the channel is destroyed (which detaches its pool): destroys the pool.
    #[cfg(feature = "abi-2025")]
    fn bufs_release(&mut self, c: usize) -> Result<()> {
        if self.chns[c].state == ChnState::Free {
            self.chns[c].attached = false;
        } else {
            self.bufs_detach(c);
        }
        if let Some(pool) = self.chns[c].pool {
            self.mpp
                .vb_destroy_pool(pool)
                .map_err(|e| mpp_err("kd_mpi_vb_destory_pool", e))?;
            self.chns[c].pool = None;
        }
        Ok(())
    }

    /// `Encoder.Create(chn, chnAttr)` on behalf of `owner`.
    ///
    /// # Errors
    /// Range/Invalid for `chn` and the attributes; State unless the channel is
    /// free; Order without SetOutBufs; Mpp when the driver refuses.
    pub fn create(&mut self, owner: u32, chn: i64, attr: &ChnAttr) -> Result<()> {
        let c = chn_index(chn)?;
        let cfg = attr.validate()?;
        self.need("Create", c, &[ChnState::Free], |state| match state {
            ChnState::Started => "it is in use: Stop and Destroy it first, or use another channel",
            _ => "it is already created: Destroy it first, or use another channel",
        })?;
        let Some(bufs) = self.chns[c].outbufs else {
            return Err(Error::Order {
                what: "Create: call SetOutBufs(chn, buf_num, width, height) for this channel first (before MediaManager.init())",
            });
        };
        // 2025 ABI: the output buffers are blocks of the pool SetOutBufs sized; a larger
        // picture's frames would not fit in them.
        if cfg!(feature = "abi-2025")
            && cfg.width as u64 * cfg.height as u64 > bufs.width as u64 * bufs.height as u64
        {
            return Err(Error::Invalid {
                arg: "chnAttr",
                why: "the picture is larger than the output buffers SetOutBufs(chn, buf_num, width, height) sized for this channel",
            });
        }
        let mattr = cfg.to_mpp(bufs.count);
        self.bufs_attach(c)?;
        if let Err(e) = self.mpp.venc_create_chn(c as u32, &mattr) {
            self.bufs_detach(c);
            return Err(mpp_err("kd_mpi_venc_create_chn", e));
        }
        if cfg.codec != Codec::Jpeg {
            // IDR (with parameter sets) at every GOP start, as current CanMV does.
            if let Err(e) = self.mpp.venc_enable_idr(c as u32, true) {
                let _ = self.mpp.venc_destroy_chn(c as u32);
                self.bufs_detach(c);
                return Err(mpp_err("kd_mpi_venc_enable_idr", e));
            }
        }
        let ch = &mut self.chns[c];
        ch.state = ChnState::Created;
        ch.owner = owner;
        ch.codec = Some(cfg.codec);
        ch.size = (cfg.width, cfg.height);
        Ok(())
    }

    /// Refuses `op` unless channel `c` is in one of the `ok` states; `hint` tells, for the
    /// state it is in, what to do instead.
    fn need(
        &self,
        op: &'static str,
        c: usize,
        ok: &[ChnState],
        hint: impl Fn(ChnState) -> &'static str,
    ) -> Result<()> {
        let state = self.chns[c].state;
        if ok.contains(&state) {
            Ok(())
        } else {
            Err(Error::State {
                op,
                chn: c as u32,
                state,
                hint: hint(state),
            })
        }
    }

    /// `Encoder.Start(chn)`.
    ///
    /// # Errors
    /// State unless created and not started; Mpp.
    pub fn start(&mut self, chn: i64) -> Result<()> {
        let c = chn_index(chn)?;
        self.need("Start", c, &[ChnState::Created], |state| match state {
            ChnState::Started => "it is already started",
            _ => "call Create first",
        })?;
        self.bufs_attach(c)?;
        self.mpp
            .venc_start_chn(c as u32)
            .map_err(|e| mpp_err("kd_mpi_venc_start_chn", e))?;
        self.chns[c].state = ChnState::Started;
        Ok(())
    }

    /// `Encoder.Stop(chn)`: stopping a created channel again is allowed (as on the K230).
    ///
    /// # Errors
    /// State when the channel is not created; Mpp.
    pub fn stop(&mut self, chn: i64) -> Result<()> {
        let c = chn_index(chn)?;
        self.need("Stop", c, &[ChnState::Created, ChnState::Started], |_| {
            "call Create and Start first"
        })?;
        self.mpp
            .venc_stop_chn(c as u32)
            .map_err(|e| mpp_err("kd_mpi_venc_stop_chn", e))?;
        self.chns[c].state = ChnState::Created;
        self.bufs_detach(c);
        Ok(())
    }

    /// `Encoder.Destroy(chn)`: releases streams still held, then destroys.
    ///
    /// # Errors
    /// State when not created (e.g. a second Destroy) or still started; Mpp.
    pub fn destroy(&mut self, chn: i64) -> Result<()> {
        let c = chn_index(chn)?;
        self.need("Destroy", c, &[ChnState::Created], |state| match state {
            ChnState::Started => "call Stop first",
            _ => "nothing to destroy (already destroyed?)",
        })?;
        let mut first = self.release_all_held(c);
        self.mpp
            .venc_destroy_chn(c as u32)
            .map_err(|e| mpp_err("kd_mpi_venc_destroy_chn", e))?;
        let ch = &mut self.chns[c];
        ch.state = ChnState::Free;
        ch.owner = 0;
        ch.codec = None;
        keep_first(&mut first, self.bufs_release(c));
        first
    }

    /// `Encoder.SendFrame(chn, frame_info)` in one go: [`Venc::send_frame_begin`] and
    /// [`send_frame_wait`].
    ///
    /// # Errors
    /// As the two steps.
    pub fn send_frame(
        &mut self,
        chn: i64,
        frame: &mut k_video_frame_info,
        timeout_ms: i64,
    ) -> Result<()> {
        let (c, timeout) = self.send_frame_begin(chn, frame, timeout_ms)?;
        send_frame_wait(&mut self.mpp, c, frame, timeout)
    }

    /// First step of SendFrame, under the module lock: checks the channel state, the
    /// timeout (0..=i32::MAX ms) and the frame against the channel, so that a wrong field
    /// is named instead of surfacing as a bare MPP code. Returns the channel index and the
    /// timeout for [`send_frame_wait`].
    ///
    /// # Errors
    /// Range for `chn`/`timeout`/frame fields; State unless started; Invalid for a frame
    /// without plane addresses.
    pub fn send_frame_begin(
        &self,
        chn: i64,
        frame: &k_video_frame_info,
        timeout_ms: i64,
    ) -> Result<(usize, i32)> {
        let c = chn_index(chn)?;
        let timeout = in_range(
            "timeout",
            "0 (non-blocking) or a positive number of milliseconds",
            timeout_ms,
            0,
            i32::MAX as i64,
        )? as i32;
        self.need("SendFrame", c, &[ChnState::Started], |_| {
            "call Create and Start first"
        })?;
        let f = &frame.v_frame;
        let (w, h) = self.chns[c].size;
        expect(
            "frame_info.v_frame.width",
            "the channel's pic_width",
            w,
            f.width,
        )?;
        expect(
            "frame_info.v_frame.height",
            "the channel's pic_height",
            h,
            f.height,
        )?;
        let nv12 = f.pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420;
        if !nv12
            && f.pixel_format != PIXEL_FORMAT_ARGB_8888
            && f.pixel_format != PIXEL_FORMAT_BGRA_8888
        {
            return Err(Error::Range {
                arg: "frame_info.v_frame.pixel_format",
                allowed: "Sensor.YUV420SP (31, NV12), ARGB8888 (11) or BGRA8888 (17)",
                got: f.pixel_format as i64,
            });
        }
        if f.phys_addr[0] == 0 {
            return Err(Error::Invalid {
                arg: "frame_info.v_frame.phys_addr[0]",
                why: "is 0; it must be the physical address of the picture (image.phyaddr())",
            });
        }
        if nv12 && f.phys_addr[1] == 0 {
            return Err(Error::Invalid {
                arg: "frame_info.v_frame.phys_addr[1]",
                why: "is 0; for YUV420SP it must be the physical address of the UV plane",
            });
        }
        Ok((c, timeout))
    }

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

    /// `Encoder.GetStream(chn, streamData, timeout)` in one go: [`Venc::get_stream_begin`],
    /// [`get_stream_wait`] and [`Venc::get_stream_finish`]. `held` is the token the
    /// StreamData object still carries (0 for none). Fills `out` and returns the new token
    /// and the pack count.
    ///
    /// # Errors
    /// As the three steps.
    pub fn get_stream(
        &mut self,
        chn: i64,
        timeout_ms: i64,
        held: u32,
        out: &mut [PackInfo; PACK_CNT_MAX],
    ) -> Result<(u32, usize)> {
        let ticket = self.get_stream_begin(chn, timeout_ms, held)?;
        let got = get_stream_wait(&mut self.mpp, &ticket);
        self.get_stream_finish(ticket, got, out)
    }

    /// First step of GetStream, under the module lock: checks the arguments and the
    /// state, and reserves a held-stream slot for the result.
    ///
    /// # Errors
    /// Range for `chn`/`timeout`; State unless started; Order if `held` is unreleased;
    /// Capacity when [`MAX_HELD`] streams are held.
    pub fn get_stream_begin(
        &mut self,
        chn: i64,
        timeout_ms: i64,
        held: u32,
    ) -> Result<StreamTicket> {
        let c = chn_index(chn)?;
        in_range(
            "timeout",
            "-1 (block), 0 (non-blocking) or a positive number of milliseconds",
            timeout_ms,
            -1,
            i64::MAX,
        )?;
        let timeout = timeout_ms.min(i32::MAX as i64) as i32;
        self.need("GetStream", c, &[ChnState::Started], |_| {
            "call Create and Start first"
        })?;
        if self.find_held(held).is_some() {
            return Err(Error::Order {
                what: "GetStream: streamData still holds an unreleased stream; call ReleaseStream(chn, streamData) first",
            });
        }
        let Some(slot) = self.chns[c].held.iter().position(|h| h.token == 0) else {
            return Err(Error::Capacity {
                what: "GetStream: too many unreleased streams on this channel; call ReleaseStream",
                max: MAX_HELD as u32,
            });
        };
        let reservation = RESERVED | self.next_serial() | (c as u32 + 1);
        self.chns[c].held[slot].token = reservation;
        Ok(StreamTicket {
            c,
            slot,
            reservation,
            timeout,
        })
    }

    /// Last step of GetStream, under the module lock: records the stream the wait got
    /// and fills `out`. If the channel was torn down meanwhile, the stream is given
    /// back to the MPP and the call fails.
    ///
    /// # Errors
    /// The wait's error; Order when the channel went away during the wait.
    pub fn get_stream_finish(
        &mut self,
        ticket: StreamTicket,
        got: Result<Held>,
        out: &mut [PackInfo; PACK_CNT_MAX],
    ) -> Result<(u32, usize)> {
        let StreamTicket {
            c,
            slot,
            reservation,
            ..
        } = ticket;
        let ours = self.chns[c].held[slot].token == reservation;
        if ours {
            self.chns[c].held[slot] = Held::EMPTY;
        }
        let mut h = got?;
        if !ours {
            let _ = release_held(&mut self.mpp, c, &mut h);
            return Err(Error::Order {
                what: "GetStream: the channel was stopped and destroyed while GetStream waited",
            });
        }
        let total = h.count as usize;
        for (i, o) in out.iter_mut().enumerate() {
            *o = if i < total {
                let p = h.packs[i];
                PackInfo {
                    virt: h.virt[i] as u64,
                    phys: p.phys_addr as u64,
                    len: p.len,
                    type_: p.type_,
                    pts: p.pts as u64,
                }
            } else {
                PackInfo::default()
            };
        }
        h.token = self.next_serial() | (c as u32 + 1);
        self.chns[c].held[slot] = h;
        Ok((h.token, total))
    }

    /// Releases every stream the script holds on channel `c`, and cancels a GetStream
    /// that is waiting on it (its finish step then gives its stream back).
    fn release_all_held(&mut self, c: usize) -> Result<()> {
        let mut first = Ok(());
        for s in 0..MAX_HELD {
            let mut h = self.chns[c].held[s];
            self.chns[c].held[s] = Held::EMPTY;
            if h.token != 0 && h.token & RESERVED == 0 {
                keep_first(&mut first, release_held(&mut self.mpp, c, &mut h));
            }
        }
        first
    }

    /// `Encoder.ReleaseStream(chn, streamData)` for the stream `token` names.
    ///
    /// # Errors
    /// Range for `chn`; Order when there is nothing to release; Invalid when
    /// the stream belongs to another channel; Mpp (the stream is gone anyway).
    pub fn release_stream(&mut self, chn: i64, token: u32) -> Result<()> {
        let c = chn_index(chn)?;
        if token == 0 {
            return Err(Error::Order {
                what: "ReleaseStream: streamData holds no stream; call GetStream(chn, streamData) first",
            });
        }
        let Some((tc, slot)) = self.find_held(token) else {
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
        let mut h = self.chns[c].held[slot];
        self.chns[c].held[slot] = Held::EMPTY;
        release_held(&mut self.mpp, c, &mut h)
    }

    /// Stops and destroys channel `c` whatever its state; used by finalisers
    /// and deinit-all. Returns the first error, having done all it could.
    fn teardown(&mut self, c: usize) -> Result<()> {
        let mut first = self.release_all_held(c);
        let ch = self.chns[c];
        if ch.state == ChnState::Started {
            let r = self.mpp.venc_stop_chn(c as u32);
            keep_first(
                &mut first,
                r.map_err(|e| mpp_err("kd_mpi_venc_stop_chn", e)),
            );
        }
        if ch.state != ChnState::Free {
            let r = self.mpp.venc_destroy_chn(c as u32);
            keep_first(
                &mut first,
                r.map_err(|e| mpp_err("kd_mpi_venc_destroy_chn", e)),
            );
        }
        let ch = &mut self.chns[c];
        ch.state = ChnState::Free;
        ch.owner = 0;
        ch.codec = None;
        keep_first(&mut first, self.bufs_release(c));
        first
    }

    /// Finaliser of an `Encoder`: tears down every channel it created and still owns.
    pub fn drop_owner(&mut self, owner: u32) -> Result<()> {
        let mut first = Ok(());
        for c in 0..CHN_COUNT {
            if owner != 0 && self.chns[c].owner == owner && self.chns[c].state != ChnState::Free {
                keep_first(&mut first, self.teardown(c));
            }
        }
        first
    }

    /// `MediaManager.init()`: one VB pool per channel configured by SetOutBufs
    /// (`buf_num` blocks of `ALIGN_UP(w*h*3/4, 4096)`, non-cached, as CanMV), then VB init.
    ///
    /// # Errors
    /// Order when already initialised; Mpp.
    pub fn media_init(&mut self) -> Result<()> {
        if self.media_inited {
            return Err(Error::Order {
                what: "MediaManager.init() was already called; call MediaManager.deinit() first",
            });
        }
        // SAFETY: all-zero bytes are a valid k_vb_config (integers and char arrays).
        let mut cfg: k_vb_config = unsafe { core::mem::zeroed() };
        cfg.max_pool_cnt = VB_POOLS as u32;
        let mut n = 0;
        // 2024 ABI: the output buffers are common pools, as CanMV configures them. 2025 ABI:
        // each channel has its own private pool (made by SetOutBufs), none here.
        let common = if cfg!(feature = "abi-2025") {
            0
        } else {
            CHN_COUNT
        };
        for ch in self.chns.iter().take(common) {
            if let Some(b) = ch.outbufs {
                let pool = &mut cfg.comm_pool[n];
                pool.blk_size = align_up(stream_buf_size(b.width, b.height) as u64, 4096) as _;
                pool.blk_cnt = b.count;
                pool.mode = VB_REMAP_MODE_NOCACHE;
                n += 1;
            }
        }
        self.mpp
            .vb_set_config(&cfg)
            .map_err(|e| mpp_err("kd_mpi_vb_set_config", e))?;
        self.mpp
            .vb_init()
            .map_err(|e| mpp_err("kd_mpi_vb_init", e))?;
        self.media_inited = true;
        Ok(())
    }

    fn unlink_all(&mut self) -> Result<()> {
        let mut first = Ok(());
        for i in 0..MAX_LINKS {
            if self.links[i].token != 0 {
                let token = self.links[i].token;
                keep_first(&mut first, self.unlink(token));
            }
        }
        first
    }

    /// `MediaManager.deinit()`: unbinds every link, exits VB and forgets the
    /// SetOutBufs configuration of free channels.
    ///
    /// # Errors
    /// Mpp (everything else is still torn down).
    pub fn media_deinit(&mut self) -> Result<()> {
        let mut first = self.unlink_all();
        if self.media_inited {
            let r = self.mpp.vb_exit().map_err(|e| mpp_err("kd_mpi_vb_exit", e));
            keep_first(&mut first, r);
            self.media_inited = false;
        }
        for c in 0..CHN_COUNT {
            if self.chns[c].state == ChnState::Free {
                keep_first(&mut first, self.bufs_release(c));
                self.chns[c].outbufs = None;
            }
        }
        first
    }

    /// `MediaManager.link(src, dst)`: binds `(mod, dev, chn)` src to dst.
    ///
    /// # Errors
    /// Range for the tuple members; Capacity when [`MAX_LINKS`] links exist; Mpp.
    pub fn link(&mut self, src: [i64; 3], dst: [i64; 3]) -> Result<u32> {
        let s = mpp_chn("src", src)?;
        let d = mpp_chn("dst", dst)?;
        let Some(slot) = self.links.iter().position(|l| l.token == 0) else {
            return Err(Error::Capacity {
                what: "MediaManager.link: too many links; delete one first",
                max: MAX_LINKS as u32,
            });
        };
        self.mpp
            .sys_bind(&s, &d)
            .map_err(|e| mpp_err("kd_mpi_sys_bind", e))?;
        let token = self.next_serial() | LINK_TAG;
        self.links[slot] = Link {
            token,
            src: s,
            dst: d,
        };
        Ok(token)
    }

    /// Unbinds the link `token` names; a link already gone is not an error
    /// (finalisers run after MediaManager.deinit()).
    ///
    /// # Errors
    /// Mpp (the link is forgotten anyway).
    pub fn unlink(&mut self, token: u32) -> Result<()> {
        let Some(i) = self
            .links
            .iter()
            .position(|l| token != 0 && l.token == token)
        else {
            return Ok(());
        };
        let l = self.links[i];
        self.links[i] = Link::EMPTY;
        self.mpp
            .sys_unbind(&l.src, &l.dst)
            .map_err(|e| mpp_err("kd_mpi_sys_unbind", e))
    }

    /// Whether the link `token` names is still bound.
    pub fn is_linked(&self, token: u32) -> bool {
        token != 0 && self.links.iter().any(|l| l.token == token)
    }

    /// The hook a firmware runs between scripts: releases every held stream,
    /// stops and destroys every channel, unbinds every link and exits VB.
    pub fn deinit_all(&mut self) -> Result<()> {
        let mut first = Ok(());
        for c in 0..CHN_COUNT {
            keep_first(&mut first, self.teardown(c));
            self.chns[c].outbufs = None;
        }
        keep_first(&mut first, self.media_deinit());
        first
    }
}

fn mpp_chn(which: &'static str, t: [i64; 3]) -> Result<k_mpp_chn> {
    let (m, dv, ch) = match which {
        "src" => (
            "src[0] (module id)",
            "src[1] (device id)",
            "src[2] (channel id)",
        ),
        _ => (
            "dst[0] (module id)",
            "dst[1] (device id)",
            "dst[2] (channel id)",
        ),
    };
    Ok(k_mpp_chn {
        mod_id: in_range(m, "a module id in 0..24", t[0], 0, K_ID_BUTT as i64 - 1)?,
        dev_id: in_range(dv, "in 0..2147483647", t[1], 0, i32::MAX as i64)? as i32,
        chn_id: in_range(ch, "in 0..2147483647", t[2], 0, i32::MAX as i64)? as i32,
    })
}
