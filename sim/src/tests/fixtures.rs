//! Shared fixtures of the simulator tests: the test lock and reset, safe wrappers over the
//! exported C functions (each returns the K230 code, or `Result<_, code>` when it also
//! yields a value), attribute builders, and the setup blocks the tests repeat (a started
//! channel, a sensor bound to a channel, a user frame in a private VB pool).
//!
//! The ABI 2025 build runs only `abi_2025.rs`, which needs a few of these; the rest
//! is unused there, hence the `dead_code` allowance for that build.

#![cfg_attr(feature = "abi-2025", allow(dead_code))]

use crate::codec::synthetic::fnv1a32_plane;
use crate::err::{self, num};
use crate::ffi::{
    k230_sim_fault_inject, k230_sim_get_stats, k230_sim_set_backend, k230_sim_vicap_set_fps,
    k230_sim_vicap_set_framesize, k230_sim_vicap_set_pixformat, k230_sim_vicap_start,
    kd_mpi_sys_bind, kd_mpi_sys_mmap, kd_mpi_sys_munmap, kd_mpi_sys_unbind, kd_mpi_vb_create_pool,
    kd_mpi_vb_destory_pool, kd_mpi_venc_create_chn, kd_mpi_venc_destroy_chn,
    kd_mpi_venc_get_stream, kd_mpi_venc_query_status, kd_mpi_venc_release_stream,
    kd_mpi_venc_send_frame, kd_mpi_venc_start_chn, kd_mpi_venc_stop_chn,
};
use crate::{reset_for_tests, vicap, K230SimStats};
use k230_venc::mpp::*;
use std::ffi::CStr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

/// The K230 return code of a wrapped call (0 for Ok).
pub trait Code {
    /// The error code, or 0.
    fn code(self) -> i32;
}

impl<T> Code for Result<T, i32> {
    fn code(self) -> i32 {
        self.err().unwrap_or(0)
    }
}

/// Serialises the test (the simulator state is global) and starts it from [`reset_sim`].
pub fn setup() -> MutexGuard<'static, ()> {
    let g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    reset_sim();
    g
}

/// [`reset_for_tests`], then the synthetic backend, the test-pattern sensor and the
/// policies' defaults whatever `K230_SIM_BACKEND` / `K230_SIM_Y4M` / the policy variables
/// say, except that the parameter sets come with their IDR (the tests of the stream's shape
/// read one frame a get_stream; `stream.rs` tests the other header policy).
pub fn reset_sim() {
    reset_for_tests();
    let mut sim = crate::state::lock();
    sim.backend = &crate::codec::synthetic::Synthetic;
    sim.vicap_source = Default::default();
    sim.switches = crate::policy::SWITCHES;
    sim.switches.header_first_separate = false;
}

pub const VENC_CHNID: i32 = err::venc(num::INVALID_CHNID);
pub const VENC_PARAM: i32 = err::venc(num::ILLEGAL_PARAM);
pub const VENC_NULL: i32 = err::venc(num::NULL_PTR);
pub const VENC_UNEXIST: i32 = err::venc(num::UNEXIST);
pub const VENC_PERM: i32 = err::venc(num::NOT_PERM);
pub const VENC_NOSUP: i32 = err::venc(num::NOT_SUPPORT);
pub const VENC_EMPTY: i32 = err::venc(num::BUF_EMPTY);
pub const VENC_FULL: i32 = err::venc(num::BUF_FULL);

// ---- safe wrappers ---------------------------------------------------------------------

pub fn create(chn: u32, attr: &k_venc_chn_attr) -> i32 {
    // SAFETY: a valid reference.
    unsafe { kd_mpi_venc_create_chn(chn, attr) }
}
pub fn start(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_start_chn(chn) }
}
pub fn stop(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_stop_chn(chn) }
}
pub fn destroy(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_destroy_chn(chn) }
}
pub fn query(chn: u32) -> Result<k_venc_chn_status, i32> {
    let mut st = k_venc_chn_status::default();
    // SAFETY: a valid, exclusive reference.
    match unsafe { kd_mpi_venc_query_status(chn, &mut st) } {
        0 => Ok(st),
        e => Err(e),
    }
}
/// get_stream with room for `cap` packs.
pub fn get(chn: u32, cap: u32, ms: i32) -> Result<Vec<k_venc_pack>, i32> {
    let mut packs = vec![k_venc_pack::default(); cap as usize];
    let mut s = k_venc_stream {
        pack: packs.as_mut_ptr(),
        pack_cnt: cap,
    };
    // SAFETY: `pack` points to `cap` writable entries.
    let r = unsafe { kd_mpi_venc_get_stream(chn, &mut s, ms) };
    if r != 0 {
        return Err(r);
    }
    packs.truncate(s.pack_cnt as usize);
    Ok(packs)
}
pub fn release(chn: u32, packs: &[k_venc_pack]) -> i32 {
    let mut packs = packs.to_vec();
    let mut s = k_venc_stream {
        pack: packs.as_mut_ptr(),
        pack_cnt: packs.len() as u32,
    };
    // SAFETY: `pack` points to `pack_cnt` entries.
    unsafe { kd_mpi_venc_release_stream(chn, &mut s) }
}
pub fn send(chn: u32, f: &k_video_frame_info, ms: i32) -> i32 {
    let mut f = *f;
    // SAFETY: a valid reference.
    unsafe { kd_mpi_venc_send_frame(chn, &mut f, ms) }
}
/// An MPP channel address (module, device, channel).
pub fn mpp_chn((mod_id, dev_id, chn_id): (u32, i32, i32)) -> k_mpp_chn {
    k_mpp_chn {
        mod_id,
        dev_id,
        chn_id,
    }
}
pub fn bind(src: (u32, i32, i32), dst: (u32, i32, i32)) -> i32 {
    let (mut s, mut d) = (mpp_chn(src), mpp_chn(dst));
    // SAFETY: valid references.
    unsafe { kd_mpi_sys_bind(&mut s, &mut d) }
}
pub fn unbind(src: (u32, i32, i32), dst: (u32, i32, i32)) -> i32 {
    let (mut s, mut d) = (mpp_chn(src), mpp_chn(dst));
    // SAFETY: valid references.
    unsafe { kd_mpi_sys_unbind(&mut s, &mut d) }
}
pub fn mmap(phys: u64, len: u32) -> *mut u8 {
    // SAFETY: no pointers in.
    unsafe { kd_mpi_sys_mmap(phys, len) }.cast()
}
pub fn munmap(p: *mut u8, len: u32) -> i32 {
    // SAFETY: the pointer is only compared.
    unsafe { kd_mpi_sys_munmap(p.cast(), len) }
}
pub fn stats() -> K230SimStats {
    let mut s = K230SimStats::default();
    // SAFETY: a valid, exclusive reference.
    unsafe { k230_sim_get_stats(&mut s) };
    s
}
pub fn fault(name: &CStr, code: i32, skip: u32, count: u32) -> i32 {
    // SAFETY: a NUL-terminated string.
    unsafe { k230_sim_fault_inject(name.as_ptr(), code, skip, count) }
}
/// A VB pool configuration of `blk_cnt` blocks of `blk_size` bytes.
pub fn pool_cfg(blk_size: u64, blk_cnt: u32) -> k_vb_pool_config {
    k_vb_pool_config {
        blk_size,
        blk_cnt,
        ..Default::default()
    }
}
pub fn create_pool(blk_size: u64, blk_cnt: u32) -> i32 {
    let mut c = pool_cfg(blk_size, blk_cnt);
    // SAFETY: a valid reference.
    unsafe { kd_mpi_vb_create_pool(&mut c) }
}
pub fn destroy_pool(id: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_vb_destory_pool(id) }
}
/// Physical address of (the first block of) pool `pool`.
pub fn pool_phys(pool: i32) -> u64 {
    crate::state::lock().vb.pools[&(pool as u32)].phys
}
/// Selects the codec backend `name` for channels created from now on.
#[cfg_attr(not(feature = "libav"), allow(dead_code))]
pub fn select_backend(name: &CStr) {
    // SAFETY: a NUL-terminated string.
    assert_eq!(unsafe { k230_sim_set_backend(name.as_ptr()) }, 0);
}

// ---- stream contents -------------------------------------------------------------------

/// Copies a pack's bytes out through mmap / munmap.
pub fn pack_bytes(p: &k_venc_pack) -> Vec<u8> {
    let h = mmap(p.phys_addr, p.len);
    assert!(!h.is_null());
    // SAFETY: mmap returned a host pointer valid for `len` bytes.
    let v = unsafe { std::slice::from_raw_parts(h, p.len as usize) }.to_vec();
    assert_eq!(munmap(h, p.len), 0);
    v
}

/// (frame, y, uv, pts) parsed from the payload text.
pub fn payload(bytes: &[u8]) -> (u64, u32, u32, u64) {
    let at = bytes
        .windows(6)
        .position(|w| w == b"frame=")
        .expect("payload text");
    let text: String = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_graphic() || **b == b' ')
        .map(|&b| b as char)
        .collect();
    let field = |k: &str| {
        text.split(' ')
            .find_map(|t| t.strip_prefix(k))
            .expect(k)
            .to_string()
    };
    (
        field("frame=").parse().unwrap(),
        u32::from_str_radix(&field("y="), 16).unwrap(),
        u32::from_str_radix(&field("uv="), 16).unwrap(),
        field("pts=").parse().unwrap(),
    )
}

/// The payload of the last pack of a delivery (the I / P pack).
pub fn last_payload(packs: &[k_venc_pack]) -> (u64, u32, u32, u64) {
    payload(&pack_bytes(packs.last().unwrap()))
}

/// Hashes of sensor frame `index` as the encoder computes them.
pub fn expected_hashes(w: u32, h: u32, index: u64) -> (u32, u32) {
    let (y, uv) = vicap::render_nv12(w, h, index);
    let (wu, hu) = (w as usize, h as usize);
    (
        fnv1a32_plane(&y, wu, hu, wu).unwrap(),
        fnv1a32_plane(&uv, wu / 2 * 2, hu / 2, wu).unwrap(),
    )
}

/// Asserts that a timed call started at `t` with a 30 ms timeout took its timeout (and
/// not forever).
pub fn assert_waited_30ms(t: Instant) {
    let el = t.elapsed();
    assert!(
        el >= Duration::from_millis(29) && el < Duration::from_secs(5),
        "{el:?}"
    );
}

// ---- attributes ------------------------------------------------------------------------

/// H.264 Main, CBR at `kbps` kbit/s, `src` -> `dst` fps, without output buffers (ABI 2025
/// attaches a pool; ABI 2024 callers use [`h264_attr`]).
pub fn h264_cbr(w: u32, h: u32, gop: u32, src: u32, dst: u32, kbps: u32) -> k_venc_chn_attr {
    let mut a = k_venc_chn_attr::default();
    a.venc_attr.type_ = K_PT_H264;
    a.venc_attr.profile = VENC_PROFILE_H264_MAIN;
    a.venc_attr.pic_width = w;
    a.venc_attr.pic_height = h;
    a.rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
    a.rc_attr.__bindgen_anon_1.cbr = k_venc_cbr {
        gop,
        stats_time: 0,
        src_frame_rate: src,
        dst_frame_rate: dst,
        bit_rate: kbps,
    };
    a
}

/// [`h264_cbr`] with `cnt` output buffers of `size` bytes.
#[cfg(not(feature = "abi-2025"))]
#[allow(clippy::too_many_arguments)]
pub fn h264_attr(
    w: u32,
    h: u32,
    gop: u32,
    src: u32,
    dst: u32,
    kbps: u32,
    cnt: u32,
    size: u32,
) -> k_venc_chn_attr {
    let mut a = h264_cbr(w, h, gop, src, dst, kbps);
    a.venc_attr.stream_buf_cnt = cnt;
    a.venc_attr.stream_buf_size = size;
    a
}

/// 320x240 H.264 Main, GOP 5, 30 fps, 300 kbit/s, 4 buffers of 64 KiB.
#[cfg(not(feature = "abi-2025"))]
pub fn small_attr() -> k_venc_chn_attr {
    h264_attr(320, 240, 5, 30, 30, 300, 4, 65536)
}

/// JPEG at quality `q`, 30 fps, 2 buffers of 64 KiB.
#[cfg(not(feature = "abi-2025"))]
pub fn jpeg_attr(w: u32, h: u32, q: u32) -> k_venc_chn_attr {
    let mut a = k_venc_chn_attr::default();
    a.venc_attr.type_ = K_PT_JPEG;
    a.venc_attr.pic_width = w;
    a.venc_attr.pic_height = h;
    a.venc_attr.stream_buf_cnt = 2;
    a.venc_attr.stream_buf_size = 65536;
    a.rc_attr.rc_mode = K_VENC_RC_MODE_MJPEG_FIXQP;
    a.rc_attr.__bindgen_anon_1.mjpeg_fixqp = k_venc_mjpeg_fixqp {
        src_frame_rate: 30,
        dst_frame_rate: 30,
        q_factor: q,
    };
    a
}

// ---- setup blocks ----------------------------------------------------------------------

/// VENC channel `chn` created from `attr` and started.
pub fn started_channel(chn: u32, attr: &k_venc_chn_attr) {
    assert_eq!(create(chn, attr), 0);
    assert_eq!(start(chn), 0);
}

/// Configures and starts sensor (`dev`, `chn`).
pub fn sensor(dev: i32, chn: i32, w: u32, h: u32, fps: u32) {
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(k230_sim_vicap_set_framesize(dev, chn, w, h), 0);
        assert_eq!(
            k230_sim_vicap_set_pixformat(dev, chn, PIXEL_FORMAT_YUV_SEMIPLANAR_420),
            0
        );
        assert_eq!(k230_sim_vicap_set_fps(dev, fps), 0);
        assert_eq!(k230_sim_vicap_start(dev), 0);
    }
}

/// Sensor (0, 0) at 320x240 bound to VENC channel `chn`, created from `attr` and started.
pub fn bound_channel(chn: u32, attr: &k_venc_chn_attr, fps: u32) {
    sensor(0, 0, 320, 240, fps);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, chn as i32)), 0);
    started_channel(chn, attr);
}

/// A user NV12 frame of sensor pattern `index`, in a private VB pool, with Y stride `stride`.
pub fn user_frame(w: u32, h: u32, stride: u32, index: u64, pts: u64) -> (k_video_frame_info, i32) {
    let (uv_off, _) = vicap::nv12_layout(stride, h);
    let size = uv_off + u64::from(stride * h / 2);
    let pool = create_pool(size, 1);
    assert!(pool >= 16);
    // The pool's block: find it through the arena (the pool is its only allocation).
    let base = pool_phys(pool);
    let p = mmap(base, size as u32);
    assert!(!p.is_null());
    // SAFETY: mmap returned a host pointer valid for `size` bytes, used only here.
    let mem = unsafe { std::slice::from_raw_parts_mut(p, size as usize) };
    let (y, uv) = mem.split_at_mut(uv_off as usize);
    assert!(vicap::render_pattern(
        w,
        h,
        index,
        y,
        stride as usize,
        uv,
        stride as usize
    ));
    assert_eq!(munmap(p, size as u32), 0);
    let mut f = k_video_frame_info::default();
    f.v_frame.width = w;
    f.v_frame.height = h;
    f.v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    f.v_frame.stride = [stride, stride, 0];
    f.v_frame.phys_addr = [base, base + uv_off, 0];
    f.v_frame.pts = pts;
    f.pool_id = pool as u32;
    (f, pool)
}
