//! VICAP sensor stand-in: devices 0..2, channels 0..2, frames rendered on demand.
//!
//! Each configured channel of a running device owns a ring of [`policy::VICAP_RING`] frame
//! blocks in MMZ, in the channel's own size and pixel format ([`format`]: NV12 as on the
//! K230, stride = width, Y plane at the block start, UV plane at `ALIGN_UP(w * h, 4096)`,
//! block size `ALIGN_UP(uv_off + w * h / 2, 4096)`; or packed / planar RGB888).
//!
//! Frame content is a pure function of (width, height, frame index), see [`render_pattern`],
//! or, when a camera file is selected (`k230_sim_vicap_set_source`, `K230_SIM_CAMERA`), a
//! picture of that file ([`crate::camera`]: any video or picture libav decodes, looping,
//! scaled to each channel's size); then mirrored and / or flipped as the device's mirror
//! mask said when it started ([`format::mirror_nv12`]), and converted to the channel's format.
//! Frame `i` has pts `i * 1_000_000 / fps` microseconds. Time is virtual by default: nothing
//! is paced, frames are produced when asked for (dump_frame, or a bound VENC channel's
//! get_stream). Under the realtime clock ([`crate::policy::Switches::realtime_clock`]) a
//! bound channel does not get frame `i` before its pts has passed on the wall clock since
//! the device started ([`rebase_clock`] moves that origin); snapshots stay unpaced.
//!
//! Each device also records which CanMV `Sensor` object holds its CSI bus ([`claim`]): the
//! firmware's Sensor layer refuses a second one, and stopping the device (the script's
//! `Sensor.stop()`, or the teardown between two scripts) frees it.

pub mod format;

use crate::arena::Arena;
use crate::camera::{self, Camera, CameraError};
use crate::err::{self, num, KResult};
use crate::policy;
use crate::Sim;
use format::{layout, Layout, FORMATS, MIRROR_H, MIRROR_V};
use k230_venc::mpp::{k_video_frame_info, K_ID_VI, PIXEL_FORMAT_YUV_SEMIPLANAR_420};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Environment variable naming a camera file (video or picture) to use instead of the test
/// pattern.
pub const CAMERA_ENV: &str = "K230_SIM_CAMERA";
/// The earlier name of [`CAMERA_ENV`], still read (when `K230_SIM_CAMERA` is not set).
pub const Y4M_ENV: &str = "K230_SIM_Y4M";

/// Sensor devices.
pub const DEVS: usize = 3;
/// Channels per sensor device.
pub const CHNS: usize = 3;
/// Smallest / largest frame width and height.
pub const MIN_SIZE: u32 = 64;
/// Largest frame width and height.
pub const MAX_SIZE: u32 = 4096;
/// Frame-rate range.
pub const FPS_RANGE: std::ops::RangeInclusive<u32> = 1..=120;

/// NV12 block layout of a `width` x `height` frame: (UV plane offset, block size).
pub fn nv12_layout(width: u32, height: u32) -> (u64, u64) {
    let l = layout(PIXEL_FORMAT_YUV_SEMIPLANAR_420, width, height);
    (l.offset[1], l.block)
}

/// Pts in microseconds of sensor frame `index` at `fps`.
pub fn frame_pts(index: u64, fps: u32) -> u64 {
    index.saturating_mul(1_000_000) / u64::from(fps.max(1))
}

/// Pool id reported for the ring of (`dev`, `chn`).
pub fn ring_pool_id(dev: usize, chn: usize) -> u32 {
    (100 + dev * CHNS + chn) as u32
}

/// 75 % colour bars (Y, U, V): white, yellow, cyan, green, magenta, red, blue, black.
const BARS: [(u8, u8, u8); 8] = [
    (180, 128, 128),
    (162, 44, 142),
    (131, 156, 44),
    (112, 72, 58),
    (84, 184, 198),
    (65, 100, 212),
    (35, 212, 114),
    (16, 128, 128),
];
/// The moving square: bright luma with its own chroma.
const SQUARE: (u8, u8, u8) = (235, 96, 200);

/// Renders test-pattern frame `index` into the given NV12 planes.
///
/// The picture: 8 vertical colour bars (distinct chroma), a luma gradient band over the
/// bottom eighth that scrolls 4 px per frame, and a bright square (own chroma) moving
/// 4 px right and 2 px down per frame (wrapping). It depends only on (width, height, index).
/// The UV plane has `height / 2` lines of `width / 2` interleaved U, V pairs.
///
/// Returns false (writing nothing) if a plane is too short or a size is 0.
pub fn render_pattern(
    width: u32,
    height: u32,
    index: u64,
    y: &mut [u8],
    y_stride: usize,
    uv: &mut [u8],
    uv_stride: usize,
) -> bool {
    let (w, h) = (width as usize, height as usize);
    let uvw = w / 2 * 2;
    let fits = |len: usize, rows: usize, stride: usize, row_len: usize| {
        rows == 0
            || (stride >= row_len
                && (rows - 1)
                    .checked_mul(stride)
                    .and_then(|n| n.checked_add(row_len))
                    .is_some_and(|n| n <= len))
    };
    if w == 0 || h == 0 || !fits(y.len(), h, y_stride, w) || !fits(uv.len(), h / 2, uv_stride, uvw)
    {
        return false;
    }
    // One line of bars in each plane.
    let mut yrow = vec![0u8; w];
    for (x, p) in yrow.iter_mut().enumerate() {
        *p = BARS[x * 8 / w].0;
    }
    let mut uvrow = vec![0u8; uvw];
    for (i, pair) in uvrow.chunks_exact_mut(2).enumerate() {
        let bar = BARS[(2 * i) * 8 / w];
        pair[0] = bar.1;
        pair[1] = bar.2;
    }
    let band = h - h / 8;
    for r in 0..band {
        y[r * y_stride..r * y_stride + w].copy_from_slice(&yrow);
    }
    for r in 0..h / 2 {
        let line = &mut uv[r * uv_stride..r * uv_stride + uvw];
        if 2 * r >= band {
            line.fill(128);
        } else {
            line.copy_from_slice(&uvrow);
        }
    }
    // Gradient band.
    if band < h {
        let shift = (index % w as u64) as usize * 4 % w;
        for (x, p) in yrow.iter_mut().enumerate() {
            *p = (16 + ((x + shift) % w) * 219 / w) as u8;
        }
        for r in band..h {
            y[r * y_stride..r * y_stride + w].copy_from_slice(&yrow);
        }
    }
    // Moving square, even position and size so it lines up with the chroma grid.
    let side = ((w.min(h) / 8).max(8) & !1).min(w & !1).min(band & !1);
    if side >= 2 {
        let span_x = (w - side) as u64 + 1;
        let span_y = (band - side) as u64 + 1;
        let sx = ((index.wrapping_mul(4) % span_x) as usize) & !1;
        let sy = ((index.wrapping_mul(2) % span_y) as usize) & !1;
        for r in sy..sy + side {
            y[r * y_stride + sx..r * y_stride + sx + side].fill(SQUARE.0);
        }
        for r in sy / 2..(sy + side) / 2 {
            for pair in uv[r * uv_stride + sx..r * uv_stride + sx + side].chunks_exact_mut(2) {
                pair[0] = SQUARE.1;
                pair[1] = SQUARE.2;
            }
        }
    }
    true
}

/// Frame `index` of a `width` x `height` sensor as tightly packed (Y, UV) planes
/// (stride = width), for tests that recompute what the sensor produced.
pub fn render_nv12(width: u32, height: u32, index: u64) -> (Vec<u8>, Vec<u8>) {
    let (w, h) = (width as usize, height as usize);
    let mut y = vec![0u8; w * h];
    let mut uv = vec![0u8; w * (h / 2)];
    render_pattern(width, height, index, &mut y, w, &mut uv, w);
    (y, uv)
}

/// One sensor channel.
pub(crate) struct SensorChn {
    size: Option<(u32, u32)>,
    /// Pixel format (one of [`FORMATS`]).
    format: u32,
    /// Physical addresses of the ring blocks (empty while stopped).
    ring: Vec<u64>,
    pos: usize,
    snap_index: u64,
}

impl Default for SensorChn {
    fn default() -> Self {
        SensorChn {
            size: None,
            format: PIXEL_FORMAT_YUV_SEMIPLANAR_420,
            ring: Vec::new(),
            pos: 0,
            snap_index: 0,
        }
    }
}

/// One sensor device.
pub(crate) struct Dev {
    chns: [SensorChn; CHNS],
    fps: u32,
    /// Mirror mask ([`MIRROR_H`], [`MIRROR_V`]) for the next start.
    mirror: u32,
    /// Mirror mask of the current run (taken at start).
    run_mirror: u32,
    running: bool,
    /// The camera file this run reads (opened at start), or `None` for the test pattern.
    source: Option<Camera>,
    /// The claim on the device's CSI bus ([`claim`]), 0 if free. Survives [`reset`].
    owner: u32,
    /// Wall-clock time of frame 0 of this run (set at start, moved by [`rebase_clock`]).
    epoch: Option<Instant>,
    /// The largest pts of a frame produced since the device started (the sensor clock the
    /// simulated microphone follows, [`clock_us`]); `None` before the first.
    clock_us: Option<u64>,
}

impl Default for Dev {
    fn default() -> Self {
        Dev {
            chns: Default::default(),
            fps: policy::VICAP_DEFAULT_FPS,
            mirror: 0,
            run_mirror: 0,
            running: false,
            source: None,
            owner: 0,
            epoch: None,
            clock_us: None,
        }
    }
}

/// Where sensor frames come from, chosen for devices started from now on.
#[derive(Debug, Default)]
pub(crate) struct Source {
    /// Camera file, or `None` for the test pattern.
    pub path: Option<PathBuf>,
    /// Text of the last source error (empty if none), for messages.
    pub error: std::ffi::CString,
}

impl Source {
    /// The source named by `K230_SIM_CAMERA`, else `K230_SIM_Y4M` (unset or empty: the
    /// test pattern).
    pub fn from_env() -> Self {
        Source {
            path: [CAMERA_ENV, Y4M_ENV]
                .iter()
                .find_map(|v| std::env::var_os(v).filter(|p| !p.is_empty()))
                .map(PathBuf::from),
            error: Default::default(),
        }
    }

    fn fail(&mut self, code: i32, msg: String) -> i32 {
        self.error = std::ffi::CString::new(msg.replace('\0', " ")).unwrap_or_default();
        code
    }
}

/// VICAP code for a camera file that cannot be used.
fn camera_code(e: &CameraError) -> i32 {
    match e {
        CameraError::Io(_) => policy::CAMERA_UNREADABLE,
        CameraError::Undecodable(_) | CameraError::Unsupported => policy::CAMERA_UNSUPPORTED,
    }
}

/// A rendered frame inside a ring block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RingFrame {
    /// The block, and plane 0 (Y, or the RGB data / R plane).
    pub y_phys: u64,
    /// Plane 1 (UV of NV12; G of planar RGB; the block start otherwise).
    pub uv_phys: u64,
    pub width: u32,
    pub height: u32,
    pub format: u32,
    pub pts: u64,
    pub pool_id: u32,
}

impl Dev {
    /// Size of channel `chn` as a bound VENC channel sees it, if the channel is configured
    /// and its ring allocated: its size when it outputs NV12, else (0, 0), a size no VENC
    /// channel has, so that the bound channel fails as on a size mismatch
    /// ([`policy::BOUND_SIZE_MISMATCH`]) instead of encoding RGB bytes as NV12.
    /// The device's frame rate (frames per second of sensor time).
    pub(crate) fn fps(&self) -> u32 {
        self.fps
    }

    /// Under the realtime clock: the wall-clock time at which frame `index` of this run is
    /// ready (None while stopped).
    pub(crate) fn ready_at(&self, index: u64) -> Option<Instant> {
        let us = frame_pts(index, self.fps);
        self.epoch.map(|e| e + Duration::from_micros(us))
    }

    /// Under the realtime clock: the number of frames of this run ready at `now` (frame 0 is
    /// ready at the start), 0 while stopped.
    pub(crate) fn frames_due(&self, now: Instant) -> u64 {
        let Some(epoch) = self.epoch else {
            return 0;
        };
        let us =
            u64::try_from(now.saturating_duration_since(epoch).as_micros()).unwrap_or(u64::MAX);
        let fps = u64::from(self.fps.max(1));
        // Frame k is ready once frame_pts(k) <= us; start from the estimate, then settle the
        // rounding of frame_pts.
        let mut n = us.saturating_mul(fps) / 1_000_000 + 1;
        while frame_pts(n, self.fps) <= us {
            n += 1;
        }
        while n > 0 && frame_pts(n - 1, self.fps) > us {
            n -= 1;
        }
        n
    }

    pub(crate) fn live_size(&self, chn: usize) -> Option<(u32, u32)> {
        let c = self.chns.get(chn)?;
        if !self.running || c.ring.is_empty() {
            None
        } else if c.format != PIXEL_FORMAT_YUV_SEMIPLANAR_420 {
            Some((0, 0))
        } else {
            c.size
        }
    }

    fn free_rings(&mut self, arena: &mut Arena) {
        for c in &mut self.chns {
            for phys in c.ring.drain(..) {
                arena.free(phys);
            }
            c.pos = 0;
        }
        self.running = false;
        self.source = None;
        self.epoch = None;
        self.clock_us = None;
    }
}

/// Writes sensor picture `index` of a sensor at `fps` (test pattern or camera picture),
/// mirrored as `mirror` says, as NV12 planes of stride `w`.
fn render_nv12_into(
    source: Option<&mut Camera>,
    (w, h): (u32, u32),
    (index, fps): (u64, u32),
    mirror: u32,
    y: &mut [u8],
    uv: &mut [u8],
) -> KResult {
    let stride = w as usize;
    match source {
        Some(src) => {
            let i = camera::source_index(index, fps, src.fps());
            src.frame_nv12(i, (w, h), y, uv)
                .map_err(|e| camera_code(&e))?
        }
        None => {
            if !render_pattern(w, h, index, y, stride, uv, stride) {
                return Err(err::vicap(num::NOMEM));
            }
        }
    }
    format::mirror_nv12(w, h, mirror, y, stride, uv, stride);
    Ok(())
}

/// Renders sensor frame `index` of (`dev`, `chn`) into the next ring block, in the
/// channel's format: the test pattern, or a picture of the device's camera file, mirrored /
/// flipped as the device's current run says.
pub(crate) fn render_into_ring(
    arena: &Arena,
    devs: &mut [Dev; DEVS],
    dev: usize,
    chn: usize,
    index: u64,
) -> KResult<RingFrame> {
    let d = devs.get_mut(dev).ok_or(err::vicap(num::INVALID_DEVID))?;
    let (fps, running, mirror) = (d.fps, d.running, d.run_mirror);
    let c = d.chns.get_mut(chn).ok_or(err::vicap(num::INVALID_CHNID))?;
    let (w, h) = c.size.ok_or(err::vicap(num::NOT_CONFIG))?;
    if !running {
        return Err(err::vicap(num::NOTREADY));
    }
    if c.ring.is_empty() {
        return Err(err::vicap(num::NOT_CONFIG));
    }
    let nomem = err::vicap(num::NOMEM);
    let block = c.ring[c.pos % c.ring.len()];
    c.pos = (c.pos + 1) % c.ring.len();
    let Layout {
        offset,
        block: size,
        ..
    } = layout(c.format, w, h);
    let base = arena.host_ptr(block, size).ok_or(nomem)?;
    let len = usize::try_from(size).map_err(|_| nomem)?;
    // SAFETY: `base..base + len` is one live arena allocation (host_ptr checked it), owned by
    // this sensor ring; no other Rust reference to it exists while the global lock is held.
    let mem = unsafe { std::slice::from_raw_parts_mut(base, len) };
    if c.format == PIXEL_FORMAT_YUV_SEMIPLANAR_420 {
        let uv_off = usize::try_from(offset[1]).map_err(|_| nomem)?;
        let (yp, uvp) = mem.split_at_mut(uv_off);
        render_nv12_into(d.source.as_mut(), (w, h), (index, fps), mirror, yp, uvp)?;
    } else {
        let (yl, uvl) = (w as usize * h as usize, w as usize * (h as usize / 2));
        let mut nv12 = vec![0u8; yl + uvl];
        let (yp, uvp) = nv12.split_at_mut(yl);
        render_nv12_into(d.source.as_mut(), (w, h), (index, fps), mirror, yp, uvp)?;
        let planar = c.format == format::PIXEL_FORMAT_RGB_888_PLANAR;
        if !format::nv12_to_rgb(w, h, yp, uvp, planar, mem) {
            return Err(nomem);
        }
    }
    crate::runctl::frame_taken(index);
    d.clock_us = d.clock_us.max(Some(frame_pts(index, fps)));
    Ok(RingFrame {
        y_phys: block,
        uv_phys: block + offset[1],
        width: w,
        height: h,
        format: c.format,
        pts: frame_pts(index, fps),
        pool_id: ring_pool_id(dev, chn),
    })
}

fn dev_index(dev: i32) -> KResult<usize> {
    usize::try_from(dev)
        .ok()
        .filter(|&d| d < DEVS)
        .ok_or(err::vicap(num::INVALID_DEVID))
}

fn chn_index(chn: i32) -> KResult<usize> {
    usize::try_from(chn)
        .ok()
        .filter(|&c| c < CHNS)
        .ok_or(err::vicap(num::INVALID_CHNID))
}

/// `k230_sim_vicap_reset`: stop and forget the configuration (the claim stays).
pub(crate) fn reset(sim: &mut Sim, dev: i32) -> KResult {
    let d = dev_index(dev)?;
    let Sim { arena, vicap, .. } = sim;
    vicap[d].free_rings(arena);
    let owner = vicap[d].owner;
    vicap[d] = Dev {
        owner,
        ..Dev::default()
    };
    Ok(())
}

/// Source of claim tokens (never 0; wraps after 2^32 - 1 claims).
static NEXT_CLAIM: AtomicU32 = AtomicU32::new(1);

/// `k230_sim_vicap_claim`: a CanMV `Sensor` object takes the device's CSI bus. A device
/// already claimed answers VICAP `EXIST` unless `force` (then the new claim replaces the
/// old one). Returns the claim's token (never 0), which [`owner`] reports until the device
/// is stopped or claimed again.
pub(crate) fn claim(sim: &mut Sim, dev: i32, force: bool) -> KResult<u32> {
    let d = dev_index(dev)?;
    if sim.vicap[d].owner != 0 && !force {
        return Err(err::vicap(num::EXIST));
    }
    let mut token = NEXT_CLAIM.fetch_add(1, Ordering::Relaxed);
    if token == 0 {
        token = NEXT_CLAIM.fetch_add(1, Ordering::Relaxed);
    }
    sim.vicap[d].owner = token;
    Ok(token)
}

/// `k230_sim_vicap_owner`: the token of the device's claim, 0 if it is free (or `dev` is
/// out of range).
pub(crate) fn owner(sim: &Sim, dev: i32) -> u32 {
    dev_index(dev).map_or(0, |d| sim.vicap[d].owner)
}

/// `k230_sim_vicap_set_mirror`: [`MIRROR_H`] | [`MIRROR_V`], for the next start (a running
/// device keeps the mask it started with); other bits are ILLEGAL_PARAM.
pub(crate) fn set_mirror(sim: &mut Sim, dev: i32, mask: u32) -> KResult {
    let d = dev_index(dev)?;
    if mask & !(MIRROR_H | MIRROR_V) != 0 {
        return Err(err::vicap(num::ILLEGAL_PARAM));
    }
    sim.vicap[d].mirror = mask;
    Ok(())
}

/// `k230_sim_vicap_set_framesize`.
pub(crate) fn set_framesize(sim: &mut Sim, dev: i32, chn: i32, width: u32, height: u32) -> KResult {
    let d = dev_index(dev)?;
    let c = chn_index(chn)?;
    let range = MIN_SIZE..=MAX_SIZE;
    if !range.contains(&width) || !range.contains(&height) {
        return Err(err::vicap(num::ILLEGAL_PARAM));
    }
    if sim.vicap[d].running {
        return Err(err::vicap(num::NOT_PERM));
    }
    sim.vicap[d].chns[c].size = Some((width, height));
    Ok(())
}

/// `k230_sim_vicap_set_pixformat`: one of [`FORMATS`] (NV12 until set).
pub(crate) fn set_pixformat(sim: &mut Sim, dev: i32, chn: i32, pixel_format: u32) -> KResult {
    let d = dev_index(dev)?;
    let c = chn_index(chn)?;
    if !FORMATS.contains(&pixel_format) {
        return Err(err::vicap(num::NOT_SUPPORT));
    }
    if sim.vicap[d].running {
        return Err(err::vicap(num::NOT_PERM));
    }
    sim.vicap[d].chns[c].format = pixel_format;
    Ok(())
}

/// `k230_sim_vicap_set_fps`.
pub(crate) fn set_fps(sim: &mut Sim, dev: i32, fps: u32) -> KResult {
    let d = dev_index(dev)?;
    if !FPS_RANGE.contains(&fps) {
        return Err(err::vicap(num::ILLEGAL_PARAM));
    }
    if sim.vicap[d].running {
        return Err(err::vicap(num::NOT_PERM));
    }
    sim.vicap[d].fps = fps;
    Ok(())
}

/// `k230_sim_vicap_start`: allocate the rings, restart frame numbering.
pub(crate) fn start(sim: &mut Sim, dev: i32) -> KResult {
    let d = dev_index(dev)?;
    let Sim {
        arena,
        vicap,
        binds,
        vicap_source,
        ..
    } = sim;
    vicap_source.error = Default::default();
    let dv = &mut vicap[d];
    if dv.running {
        return Ok(());
    }
    if dv.chns.iter().all(|c| c.size.is_none()) {
        return Err(err::vicap(num::NOT_CONFIG));
    }
    let path = vicap_source.path.clone();
    let source = match path.as_deref() {
        None => None,
        Some(path) => Some(
            Camera::open(path).map_err(|e| vicap_source.fail(camera_code(&e), e.to_string()))?,
        ),
    };
    for c in &mut dv.chns {
        let Some((w, h)) = c.size else { continue };
        let block = layout(c.format, w, h).block;
        for _ in 0..policy::VICAP_RING {
            match arena.alloc(block) {
                Some(p) => c.ring.push(p),
                None => {
                    dv.free_rings(arena);
                    return Err(err::vicap(num::NOMEM));
                }
            }
        }
        c.pos = 0;
        c.snap_index = 0;
    }
    dv.running = true;
    dv.epoch = Some(Instant::now());
    dv.clock_us = None;
    dv.run_mirror = dv.mirror;
    dv.source = source;
    // Bound encoder channels see this run from frame 0.
    for b in binds.iter_mut().flatten() {
        if b.dev == d {
            b.cursor = 0;
        }
    }
    Ok(())
}

/// `k230_sim_vicap_stop`: free the rings and the claim (repeat is fine).
pub(crate) fn stop(sim: &mut Sim, dev: i32) -> KResult {
    let d = dev_index(dev)?;
    let Sim { arena, vicap, .. } = sim;
    vicap[d].free_rings(arena);
    vicap[d].owner = 0;
    Ok(())
}

/// `k230_sim_vicap_dump_frame`: renders the channel's next frame into its ring and
/// describes it as `kd_mpi_vicap_dump_frame` does: a `k_video_frame_info` with the size,
/// format, strides, physical addresses and host pointers (`virt_addr`, usable directly) of
/// its planes, `time_ref` = the channel's snapshot number since start, pts, the ring's pool
/// id and `mod_id` = `K_ID_VI`. Everything else is 0. The frame stays valid until the ring
/// comes round to its block again ([`policy::VICAP_RING`] frames later) or the device stops.
pub(crate) fn dump_frame(
    sim: &mut Sim,
    dev: i32,
    chn: i32,
    out: Option<&mut k_video_frame_info>,
) -> KResult {
    let d = dev_index(dev)?;
    let c = chn_index(chn)?;
    let out = out.ok_or(err::vicap(num::NULL_PTR))?;
    sim.vicap_source.error = Default::default();
    let Sim { arena, vicap, .. } = sim;
    if !vicap[d].running {
        return Err(err::vicap(num::NOTREADY));
    }
    if vicap[d].chns[c].ring.is_empty() {
        return Err(err::vicap(num::NOT_CONFIG));
    }
    let index = vicap[d].chns[c].snap_index;
    let f = render_into_ring(arena, vicap, d, c, index)?;
    vicap[d].chns[c].snap_index += 1;
    let l = layout(f.format, f.width, f.height);
    let host = arena.host_ptr(f.y_phys, l.block).map_or(0, |p| p as u64);
    let mut info = k_video_frame_info::default();
    let v = &mut info.v_frame;
    (v.width, v.height, v.pixel_format) = (f.width, f.height, f.format);
    for p in 0..l.planes {
        v.stride[p] = l.stride[p];
        v.phys_addr[p] = f.y_phys + l.offset[p];
        v.virt_addr[p] = host + l.offset[p];
    }
    v.time_ref = index as u32;
    v.pts = f.pts;
    info.pool_id = f.pool_id;
    info.mod_id = K_ID_VI;
    *out = info;
    Ok(())
}

/// `k230_sim_vicap_set_source`: the camera file at `path` (checked now: libav must decode a
/// picture of it) or, for `None`, the test pattern, for devices started from now on (a
/// running device keeps its source until it stops).
pub(crate) fn set_source(sim: &mut Sim, path: Option<&Path>) -> KResult {
    let src = &mut sim.vicap_source;
    src.error = Default::default();
    if let Some(p) = path {
        Camera::open(p).map_err(|e| src.fail(camera_code(&e), e.to_string()))?;
    }
    src.path = path.map(Path::to_path_buf);
    Ok(())
}

/// The clock turns realtime: every running device counts its time from now, as of the newest
/// frame a bound channel took (nothing taken lies in the future, and the next frame is due
/// one frame time from now at the latest).
pub(crate) fn rebase_clock(sim: &mut Sim) {
    let now = Instant::now();
    let Sim { vicap, binds, .. } = sim;
    for (d, dev) in vicap.iter_mut().enumerate() {
        if !dev.running {
            continue;
        }
        let taken = binds
            .iter()
            .flatten()
            .filter(|b| b.dev == d)
            .map(|b| b.cursor)
            .max()
            .unwrap_or(0);
        let since = Duration::from_micros(frame_pts(taken.saturating_sub(1), dev.fps));
        dev.epoch = Some(now.checked_sub(since).unwrap_or(now));
    }
}

/// The sensor clock (microseconds): the largest pts of a frame any running device produced
/// since it started, `None` before any. Frames are produced on demand (virtual time), so
/// this is how far the simulated world has got.
pub(crate) fn clock_us(devs: &[Dev; DEVS]) -> Option<u64> {
    devs.iter()
        .filter(|d| d.running)
        .filter_map(|d| d.clock_us)
        .max()
}

/// Number of running devices.
pub(crate) fn running_count(devs: &[Dev; DEVS]) -> u32 {
    devs.iter().filter(|d| d.running).count() as u32
}

/// Stops every device and forgets every configuration and claim.
pub(crate) fn reset_all(sim: &mut Sim) {
    for d in 0..DEVS as i32 {
        let _ = stop(sim, d);
        let _ = reset(sim, d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_k230() {
        assert_eq!(nv12_layout(1920, 1080), (2076672, 3117056));
        assert_eq!(nv12_layout(64, 64), (4096, 8192));
        assert_eq!(frame_pts(3, 30), 100_000);
    }

    #[test]
    fn pattern_is_deterministic_and_moves() {
        let (y0, uv0) = render_nv12(320, 240, 0);
        let (y0b, uv0b) = render_nv12(320, 240, 0);
        let (y1, uv1) = render_nv12(320, 240, 1);
        assert_eq!((&y0, &uv0), (&y0b, &uv0b));
        assert_ne!(y0, y1);
        assert_ne!(uv0, uv1);
        // Real chroma differences between bars: U of bar 1 (yellow) != U of bar 0.
        assert_ne!(uv0[320 / 8 + 2], uv0[0]);
        // Stride honoured; odd sizes and short buffers do not panic.
        let mut y = vec![0u8; 400 * 240];
        let mut uv = vec![0u8; 400 * 120];
        assert!(render_pattern(320, 240, 5, &mut y, 400, &mut uv, 400));
        assert!(!render_pattern(320, 240, 5, &mut y, 300, &mut uv, 400));
        assert!(!render_pattern(320, 241, 5, &mut y, 400, &mut uv, 400));
        let (y, uv) = render_nv12(65, 67, 1000);
        assert_eq!((y.len(), uv.len()), (65 * 67, 65 * 33));
    }

    #[test]
    fn render_720p_is_fast() {
        let (w, h) = (1280usize, 720usize);
        let mut y = vec![0u8; w * h];
        let mut uv = vec![0u8; w * h / 2];
        let t = std::time::Instant::now();
        for i in 0..20 {
            render_pattern(1280, 720, i, &mut y, w, &mut uv, w);
        }
        // Generous bound (debug build, shared CI machine).
        assert!(t.elapsed() < std::time::Duration::from_millis(20 * 50));
    }
}
