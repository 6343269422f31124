//! Tests through the exported C functions. The simulator state is global, so every test
//! takes [`setup`]'s lock and starts from [`reset_sim`]: the synthetic backend (whose payload
//! text most tests parse) and the test-pattern sensor; the libav and Y4M tests at the end
//! select those explicitly (the libav ones only exist with the crate's `libav` feature).

use crate::codec::synthetic::fnv1a32_plane;
use crate::err::{self, num};
use crate::ffi::{
    k230_sim_backend, k230_sim_fault_clear, k230_sim_fault_inject, k230_sim_get_stats,
    k230_sim_set_backend, k230_sim_vicap_reset, k230_sim_vicap_set_fps,
    k230_sim_vicap_set_framesize, k230_sim_vicap_set_pixformat, k230_sim_vicap_snapshot,
    k230_sim_vicap_start, k230_sim_vicap_stop, kd_mpi_sys_bind, kd_mpi_sys_mmap, kd_mpi_sys_munmap,
    kd_mpi_sys_unbind, kd_mpi_vb_create_pool, kd_mpi_vb_destory_pool, kd_mpi_vb_exit,
    kd_mpi_vb_init, kd_mpi_vb_set_config, kd_mpi_venc_create_chn, kd_mpi_venc_destroy_chn,
    kd_mpi_venc_enable_idr, kd_mpi_venc_get_stream, kd_mpi_venc_query_status,
    kd_mpi_venc_release_stream, kd_mpi_venc_request_idr, kd_mpi_venc_send_frame,
    kd_mpi_venc_start_chn, kd_mpi_venc_stop_chn,
};
use crate::{reset_for_tests, venc, vicap, K230SimFrame, K230SimStats};
use k230_venc::mpp::*;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

/// The K230 return code of a wrapped call (0 for Ok).
trait Code {
    fn code(self) -> i32;
}

impl<T> Code for Result<T, i32> {
    fn code(self) -> i32 {
        self.err().unwrap_or(0)
    }
}

fn setup() -> MutexGuard<'static, ()> {
    let g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    reset_sim();
    g
}

/// [`reset_for_tests`], then the synthetic backend and the test-pattern sensor whatever
/// `K230_SIM_BACKEND` / `K230_SIM_Y4M` say.
fn reset_sim() {
    reset_for_tests();
    let mut sim = crate::state::lock();
    sim.backend = &crate::codec::synthetic::Synthetic;
    sim.vicap_source = Default::default();
}

const VENC_CHNID: i32 = err::venc(num::INVALID_CHNID);
const VENC_PARAM: i32 = err::venc(num::ILLEGAL_PARAM);
const VENC_NULL: i32 = err::venc(num::NULL_PTR);
const VENC_UNEXIST: i32 = err::venc(num::UNEXIST);
const VENC_PERM: i32 = err::venc(num::NOT_PERM);
const VENC_NOSUP: i32 = err::venc(num::NOT_SUPPORT);
const VENC_EMPTY: i32 = err::venc(num::BUF_EMPTY);
const VENC_FULL: i32 = err::venc(num::BUF_FULL);

// ---- safe wrappers ---------------------------------------------------------------------

fn create(chn: u32, attr: &k_venc_chn_attr) -> i32 {
    // SAFETY: a valid reference.
    unsafe { kd_mpi_venc_create_chn(chn, attr) }
}
fn start(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_start_chn(chn) }
}
fn stop(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_stop_chn(chn) }
}
fn destroy(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_destroy_chn(chn) }
}
fn query(chn: u32) -> Result<k_venc_chn_status, i32> {
    let mut st = k_venc_chn_status::default();
    // SAFETY: a valid, exclusive reference.
    match unsafe { kd_mpi_venc_query_status(chn, &mut st) } {
        0 => Ok(st),
        e => Err(e),
    }
}
/// get_stream with room for `cap` packs.
fn get(chn: u32, cap: u32, ms: i32) -> Result<Vec<k_venc_pack>, i32> {
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
fn release(chn: u32, packs: &[k_venc_pack]) -> i32 {
    let mut packs = packs.to_vec();
    let mut s = k_venc_stream {
        pack: packs.as_mut_ptr(),
        pack_cnt: packs.len() as u32,
    };
    // SAFETY: `pack` points to `pack_cnt` entries.
    unsafe { kd_mpi_venc_release_stream(chn, &mut s) }
}
fn send(chn: u32, f: &k_video_frame_info, ms: i32) -> i32 {
    let mut f = *f;
    // SAFETY: a valid reference.
    unsafe { kd_mpi_venc_send_frame(chn, &mut f, ms) }
}
fn bind(src: (u32, i32, i32), dst: (u32, i32, i32)) -> i32 {
    let mut s = k_mpp_chn {
        mod_id: src.0,
        dev_id: src.1,
        chn_id: src.2,
    };
    let mut d = k_mpp_chn {
        mod_id: dst.0,
        dev_id: dst.1,
        chn_id: dst.2,
    };
    // SAFETY: valid references.
    unsafe { kd_mpi_sys_bind(&mut s, &mut d) }
}
fn unbind(src: (u32, i32, i32), dst: (u32, i32, i32)) -> i32 {
    let mut s = k_mpp_chn {
        mod_id: src.0,
        dev_id: src.1,
        chn_id: src.2,
    };
    let mut d = k_mpp_chn {
        mod_id: dst.0,
        dev_id: dst.1,
        chn_id: dst.2,
    };
    // SAFETY: valid references.
    unsafe { kd_mpi_sys_unbind(&mut s, &mut d) }
}
fn mmap(phys: u64, len: u32) -> *mut u8 {
    // SAFETY: no pointers in.
    unsafe { kd_mpi_sys_mmap(phys, len) }.cast()
}
fn munmap(p: *mut u8, len: u32) -> i32 {
    // SAFETY: the pointer is only compared.
    unsafe { kd_mpi_sys_munmap(p.cast(), len) }
}
fn stats() -> K230SimStats {
    let mut s = K230SimStats::default();
    // SAFETY: a valid, exclusive reference.
    unsafe { k230_sim_get_stats(&mut s) };
    s
}
fn fault(name: &std::ffi::CStr, code: i32, skip: u32, count: u32) -> i32 {
    // SAFETY: a NUL-terminated string.
    unsafe { k230_sim_fault_inject(name.as_ptr(), code, skip, count) }
}
fn create_pool(blk_size: u64, blk_cnt: u32) -> i32 {
    let mut c = k_vb_pool_config {
        blk_size,
        blk_cnt,
        ..Default::default()
    };
    // SAFETY: a valid reference.
    unsafe { kd_mpi_vb_create_pool(&mut c) }
}
fn destroy_pool(id: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_vb_destory_pool(id) }
}

/// Copies a pack's bytes out through mmap / munmap.
fn pack_bytes(p: &k_venc_pack) -> Vec<u8> {
    let h = mmap(p.phys_addr, p.len);
    assert!(!h.is_null());
    // SAFETY: mmap returned a host pointer valid for `len` bytes.
    let v = unsafe { std::slice::from_raw_parts(h, p.len as usize) }.to_vec();
    assert_eq!(munmap(h, p.len), 0);
    v
}

/// (frame, y, uv, pts) parsed from the payload text.
fn payload(bytes: &[u8]) -> (u64, u32, u32, u64) {
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

/// Hashes of sensor frame `index` as the encoder computes them.
fn expected_hashes(w: u32, h: u32, index: u64) -> (u32, u32) {
    let (y, uv) = vicap::render_nv12(w, h, index);
    let (wu, hu) = (w as usize, h as usize);
    (
        fnv1a32_plane(&y, wu, hu, wu).unwrap(),
        fnv1a32_plane(&uv, wu / 2 * 2, hu / 2, wu).unwrap(),
    )
}

#[allow(clippy::too_many_arguments)]
fn h264_attr(
    w: u32,
    h: u32,
    gop: u32,
    src: u32,
    dst: u32,
    kbps: u32,
    cnt: u32,
    size: u32,
) -> k_venc_chn_attr {
    let mut a = k_venc_chn_attr::default();
    a.venc_attr.type_ = K_PT_H264;
    a.venc_attr.profile = VENC_PROFILE_H264_MAIN;
    a.venc_attr.pic_width = w;
    a.venc_attr.pic_height = h;
    a.venc_attr.stream_buf_cnt = cnt;
    a.venc_attr.stream_buf_size = size;
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

fn small_attr() -> k_venc_chn_attr {
    h264_attr(320, 240, 5, 30, 30, 300, 4, 65536)
}

fn jpeg_attr(w: u32, h: u32, q: u32) -> k_venc_chn_attr {
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

/// Configures and starts sensor (`dev`, `chn`).
fn sensor(dev: i32, chn: i32, w: u32, h: u32, fps: u32) {
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
fn bound_channel(chn: u32, attr: &k_venc_chn_attr, fps: u32) {
    sensor(0, 0, 320, 240, fps);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, chn as i32)), 0);
    assert_eq!(create(chn, attr), 0);
    assert_eq!(start(chn), 0);
}

/// A user NV12 frame of sensor pattern `index`, in a private VB pool, with Y stride `stride`.
fn user_frame(w: u32, h: u32, stride: u32, index: u64, pts: u64) -> (k_video_frame_info, i32) {
    let (uv_off, _) = vicap::nv12_layout(stride, h);
    let size = uv_off + u64::from(stride * h / 2);
    let pool = create_pool(size, 1);
    assert!(pool >= 16);
    // The pool's block: find it through the arena (the pool is its only allocation).
    let base = {
        let sim = crate::state::lock();
        sim.vb.pools[&(pool as u32)].phys
    };
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

// ---- tests -----------------------------------------------------------------------------

#[test]
fn codes_have_k230_values() {
    assert_eq!(VENC_CHNID as u32, 0xa009_8002);
    assert_eq!(VENC_EMPTY as u32, 0xa009_800e);
    assert_eq!(err::sys(num::NOT_SUPPORT) as u32, 0xa005_8008);
    assert_eq!(err::vb(num::NOMEM) as u32, 0xa004_800c);
}

#[test]
fn venc_channel_id_and_null_checks() {
    let _g = setup();
    let a = small_attr();
    assert_eq!(create(4, &a), VENC_CHNID);
    assert_eq!(create(u32::MAX, &a), VENC_CHNID);
    assert_eq!(start(4), VENC_CHNID);
    assert_eq!(stop(4), VENC_CHNID);
    assert_eq!(destroy(4), VENC_CHNID);
    assert_eq!(query(4).code(), VENC_CHNID);
    assert_eq!(get(4, 1, 0).code(), VENC_CHNID);
    assert_eq!(release(4, &[k_venc_pack::default()]), VENC_CHNID);
    // SAFETY: NULL pointers are part of what is tested; no other pointers.
    unsafe {
        assert_eq!(kd_mpi_venc_enable_idr(4, K_TRUE), VENC_CHNID);
        assert_eq!(kd_mpi_venc_request_idr(4), VENC_CHNID);
        assert_eq!(
            kd_mpi_venc_send_frame(4, std::ptr::null_mut(), 0),
            VENC_CHNID
        );
        assert_eq!(kd_mpi_venc_create_chn(0, std::ptr::null()), VENC_NULL);
    }
    assert_eq!(create(0, &a), 0);
    // SAFETY: NULL pointers are what is tested.
    unsafe {
        assert_eq!(kd_mpi_venc_query_status(0, std::ptr::null_mut()), VENC_NULL);
        assert_eq!(
            kd_mpi_venc_get_stream(0, std::ptr::null_mut(), 0),
            VENC_NULL
        );
        let mut s = k_venc_stream {
            pack: std::ptr::null_mut(),
            pack_cnt: 1,
        };
        assert_eq!(kd_mpi_venc_get_stream(0, &mut s, 0), VENC_NULL);
        assert_eq!(
            kd_mpi_venc_release_stream(0, std::ptr::null_mut()),
            VENC_NULL
        );
        assert_eq!(kd_mpi_venc_release_stream(0, &mut s), VENC_NULL);
        let mut p = k_venc_pack::default();
        let mut s = k_venc_stream {
            pack: &mut p,
            pack_cnt: 0,
        };
        assert_eq!(kd_mpi_venc_get_stream(0, &mut s, 0), VENC_PARAM);
        assert_eq!(kd_mpi_venc_release_stream(0, &mut s), VENC_PARAM);
        assert_eq!(
            kd_mpi_venc_send_frame(0, std::ptr::null_mut(), 0),
            VENC_PERM
        );
        assert_eq!(kd_mpi_venc_start_chn(0), 0);
        assert_eq!(
            kd_mpi_venc_send_frame(0, std::ptr::null_mut(), 0),
            VENC_NULL
        );
    }
    assert_eq!(get(0, 1, -2).code(), VENC_PARAM);
    assert_eq!(get(0, 1, i32::MIN).code(), VENC_PARAM);
    let (f, _) = user_frame(320, 240, 320, 0, 0);
    assert_eq!(send(0, &f, -2), VENC_PARAM);
}

#[test]
fn venc_state_rules() {
    let _g = setup();
    let a = small_attr();
    assert_eq!(start(1), VENC_UNEXIST);
    assert_eq!(stop(1), VENC_UNEXIST);
    assert_eq!(destroy(1), VENC_UNEXIST);
    assert_eq!(query(1).code(), VENC_UNEXIST);
    assert_eq!(get(1, 1, 0).code(), VENC_UNEXIST);
    assert_eq!(release(1, &[k_venc_pack::default()]), VENC_UNEXIST);
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(kd_mpi_venc_enable_idr(1, K_TRUE), VENC_UNEXIST);
        assert_eq!(kd_mpi_venc_request_idr(1), VENC_UNEXIST);
    }
    let (f, _) = user_frame(320, 240, 320, 0, 0);
    assert_eq!(send(1, &f, 0), VENC_UNEXIST);
    assert_eq!(create(1, &a), 0);
    assert_eq!(create(1, &a), err::venc(num::EXIST));
    assert_eq!(send(1, &f, 0), VENC_PERM);
    assert_eq!(stop(1), 0);
    assert_eq!(stop(1), 0);
    assert_eq!(start(1), 0);
    assert_eq!(start(1), VENC_PERM);
    assert_eq!(destroy(1), VENC_PERM);
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(kd_mpi_venc_enable_idr(1, K_TRUE), 0);
        assert_eq!(kd_mpi_venc_enable_idr(1, 2), VENC_PARAM);
        assert_eq!(kd_mpi_venc_request_idr(1), 0);
    }
    assert!(venc::counters(1).unwrap().idr_enable);
    assert_eq!(stop(1), 0);
    assert_eq!(destroy(1), 0);
    assert_eq!(destroy(1), VENC_UNEXIST);
}

#[test]
fn venc_attribute_validation() {
    let _g = setup();
    let ok = small_attr();
    let check = |edit: &dyn Fn(&mut k_venc_chn_attr), want: i32| {
        let mut a = ok;
        edit(&mut a);
        let r = create(0, &a);
        assert_eq!(r, want);
        if r == 0 {
            assert_eq!(destroy(0), 0);
        }
    };
    check(&|_| {}, 0);
    check(&|a| a.venc_attr.pic_width = 321, VENC_PARAM);
    check(&|a| a.venc_attr.pic_height = 241, VENC_PARAM);
    check(&|a| a.venc_attr.type_ = K_PT_MJPEG, VENC_NOSUP);
    check(&|a| a.venc_attr.type_ = 0, VENC_NOSUP);
    check(
        &|a| a.venc_attr.profile = VENC_PROFILE_H264_HIGH_10,
        VENC_NOSUP,
    );
    check(
        &|a| a.venc_attr.profile = VENC_PROFILE_H265_MAIN,
        VENC_PARAM,
    );
    check(&|a| a.venc_attr.profile = VENC_PROFILE_NONE, VENC_PARAM);
    check(&|a| a.venc_attr.profile = VENC_PROFILE_H264_BASELINE, 0);
    check(&|a| a.venc_attr.profile = VENC_PROFILE_H264_HIGH, 0);
    check(
        &|a| {
            a.venc_attr.type_ = K_PT_H265;
            a.venc_attr.profile = VENC_PROFILE_H265_MAIN_10;
        },
        VENC_NOSUP,
    );
    check(
        &|a| {
            a.venc_attr.type_ = K_PT_H265;
            a.venc_attr.profile = VENC_PROFILE_H264_MAIN;
        },
        VENC_PARAM,
    );
    check(
        &|a| {
            a.venc_attr.type_ = K_PT_H265;
            a.venc_attr.profile = VENC_PROFILE_H265_MAIN;
        },
        0,
    );
    check(&|a| a.venc_attr.pic_width = 127, VENC_PARAM);
    check(&|a| a.venc_attr.pic_width = 128, 0);
    check(&|a| a.venc_attr.pic_width = 4097, VENC_PARAM);
    check(&|a| a.venc_attr.pic_height = 63, VENC_PARAM);
    check(&|a| a.venc_attr.pic_height = 4097, VENC_PARAM);
    check(&|a| a.rc_attr.rc_mode = 0, VENC_PARAM);
    check(
        &|a| a.rc_attr.rc_mode = K_VENC_RC_MODE_MJPEG_FIXQP,
        VENC_PARAM,
    );
    check(&|a| a.rc_attr.__bindgen_anon_1.cbr.gop = 0, VENC_PARAM);
    check(
        &|a| a.rc_attr.__bindgen_anon_1.cbr.src_frame_rate = 0,
        VENC_PARAM,
    );
    check(
        &|a| a.rc_attr.__bindgen_anon_1.cbr.dst_frame_rate = 0,
        VENC_PARAM,
    );
    check(
        &|a| a.rc_attr.__bindgen_anon_1.cbr.dst_frame_rate = 31,
        VENC_PARAM,
    );
    check(&|a| a.rc_attr.__bindgen_anon_1.cbr.bit_rate = 0, VENC_PARAM);
    check(&|a| a.venc_attr.stream_buf_cnt = 0, VENC_PARAM);
    check(&|a| a.venc_attr.stream_buf_size = 4095, VENC_PARAM);
    check(
        &|a| {
            a.rc_attr.rc_mode = K_VENC_RC_MODE_VBR;
            a.rc_attr.__bindgen_anon_1.vbr = k_venc_vbr {
                gop: 30,
                stats_time: 1,
                src_frame_rate: 30,
                dst_frame_rate: 30,
                max_bit_rate: 600,
                bit_rate: 300,
            };
        },
        0,
    );
    check(
        &|a| {
            a.rc_attr.rc_mode = K_VENC_RC_MODE_FIXQP;
            a.rc_attr.__bindgen_anon_1.fixqp = k_venc_fixqp {
                gop: 30,
                src_frame_rate: 30,
                dst_frame_rate: 30,
                i_qp: 30,
                p_qp: 32,
            };
        },
        0,
    );
    check(
        &|a| {
            a.rc_attr.rc_mode = K_VENC_RC_MODE_FIXQP;
            a.rc_attr.__bindgen_anon_1.fixqp = k_venc_fixqp {
                gop: 30,
                src_frame_rate: 30,
                dst_frame_rate: 30,
                i_qp: 52,
                p_qp: 32,
            };
        },
        VENC_PARAM,
    );
    // JPEG.
    let jcheck = |a: k_venc_chn_attr, want: i32| {
        let r = create(0, &a);
        assert_eq!(r, want);
        if r == 0 {
            assert_eq!(destroy(0), 0);
        }
    };
    jcheck(jpeg_attr(8192, 8192, 50), 0);
    jcheck(jpeg_attr(8193, 64, 50), VENC_PARAM);
    jcheck(jpeg_attr(320, 240, 0), VENC_PARAM);
    jcheck(jpeg_attr(320, 240, 100), VENC_PARAM);
    jcheck(jpeg_attr(320, 240, 99), 0);
    let mut j = jpeg_attr(320, 240, 50);
    j.rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
    jcheck(j, VENC_PARAM);
    // NOMEM: more buffers than the arena holds; nothing leaked.
    let before = stats();
    let mut a = ok;
    a.venc_attr.stream_buf_cnt = 100_000;
    a.venc_attr.stream_buf_size = 64 * 1024;
    assert_eq!(create(0, &a), err::venc(num::NOMEM));
    assert_eq!(stats(), before);
}

#[test]
fn bind_rules() {
    let _g = setup();
    // SAFETY: NULL pointers are what is tested.
    unsafe {
        let mut c = k_mpp_chn {
            mod_id: K_ID_VI,
            dev_id: 0,
            chn_id: 0,
        };
        assert_eq!(
            kd_mpi_sys_bind(std::ptr::null_mut(), &mut c),
            err::sys(num::NULL_PTR)
        );
        assert_eq!(
            kd_mpi_sys_bind(&mut c, std::ptr::null_mut()),
            err::sys(num::NULL_PTR)
        );
        assert_eq!(
            kd_mpi_sys_unbind(std::ptr::null_mut(), &mut c),
            err::sys(num::NULL_PTR)
        );
    }
    let sys_param = err::sys(num::ILLEGAL_PARAM);
    assert_eq!(
        bind((K_ID_VO, 0, 0), (K_ID_VENC, 0, 0)),
        err::sys(num::NOT_SUPPORT)
    );
    assert_eq!(
        bind((K_ID_VI, 0, 0), (K_ID_VO, 0, 0)),
        err::sys(num::NOT_SUPPORT)
    );
    assert_eq!(
        bind((K_ID_VENC, 0, 0), (K_ID_VENC, 0, 1)),
        err::sys(num::NOT_SUPPORT)
    );
    assert_eq!(bind((K_ID_VI, 3, 0), (K_ID_VENC, 0, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, -1, 0), (K_ID_VENC, 0, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, 0, 3), (K_ID_VENC, 0, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 1, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 4)), sys_param);
    assert_eq!(bind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), 0);
    assert_eq!(
        bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 3)),
        err::sys(num::NOT_PERM)
    );
    assert_eq!(
        bind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)),
        err::sys(num::NOT_PERM)
    );
    assert_eq!(stats().binds, 1);
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 2)), 0);
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 3)), sys_param);
    assert_eq!(unbind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), 0);
    assert_eq!(unbind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), 0);
    assert_eq!(stats().binds, 0);
}

#[test]
fn mmap_and_munmap() {
    let _g = setup();
    assert!(mmap(0x1000_0000, 16).is_null());
    assert!(mmap(0, 16).is_null());
    let pool = create_pool(8192, 1);
    let base = crate::state::lock().vb.pools[&(pool as u32)].phys;
    assert_eq!(base % 4096, 0);
    assert!(mmap(base, 0).is_null());
    assert!(mmap(base, 8193).is_null());
    assert!(mmap(base + 8192, 1).is_null());
    assert!(mmap(u64::MAX - 4, 16).is_null());
    let p = mmap(base + 100, 8092);
    assert!(!p.is_null());
    // SAFETY: valid for 8092 bytes.
    unsafe { p.write(7) };
    let q = mmap(base, 4096);
    // SAFETY: valid for 4096 bytes; p is base + 100.
    assert_eq!(unsafe { q.add(100).read() }, 7);
    assert_eq!(stats().mappings, 2);
    assert_eq!(munmap(std::ptr::null_mut(), 4), err::sys(num::NULL_PTR));
    let mut local = 0u8;
    assert_eq!(munmap(&mut local, 1), err::sys(num::ILLEGAL_PARAM));
    assert_eq!(munmap(p, 8092), 0);
    assert_eq!(munmap(q, 4096), 0);
    assert_eq!(munmap(q, 4096), 0);
    assert_eq!(stats().mappings, 0);
    assert_eq!(destroy_pool(pool as u32), 0);
    assert!(mmap(base, 16).is_null());
}

#[test]
fn vb_config_init_exit_and_pools() {
    let _g = setup();
    let mut cfg = k_vb_config {
        max_pool_cnt: 16,
        ..Default::default()
    };
    cfg.comm_pool[0] = k_vb_pool_config {
        blk_size: 5000,
        blk_cnt: 3,
        ..Default::default()
    };
    cfg.comm_pool[1] = k_vb_pool_config {
        blk_size: 0,
        blk_cnt: 3,
        ..Default::default()
    };
    cfg.comm_pool[5] = k_vb_pool_config {
        blk_size: 4096,
        blk_cnt: 2,
        ..Default::default()
    };
    // SAFETY: NULL and valid references only.
    unsafe {
        assert_eq!(
            kd_mpi_vb_set_config(std::ptr::null()),
            err::vb(num::NULL_PTR)
        );
        assert_eq!(kd_mpi_vb_init(), err::vb(num::NOT_PERM));
        assert_eq!(kd_mpi_vb_exit(), 0);
        assert_eq!(kd_mpi_vb_set_config(&cfg), 0);
        assert_eq!(kd_mpi_vb_init(), 0);
        let s = stats();
        assert_eq!(
            (s.vb_inited, s.mmz_blocks, s.mmz_bytes),
            (1, 2, 3 * 8192 + 2 * 4096)
        );
        assert_eq!(kd_mpi_vb_set_config(&cfg), err::vb(num::NOT_PERM));
        assert_eq!(kd_mpi_vb_init(), 0);
        assert_eq!(stats().mmz_blocks, 2);
        assert_eq!(kd_mpi_vb_exit(), 0);
        assert_eq!(kd_mpi_vb_exit(), 0);
        let s = stats();
        assert_eq!((s.vb_inited, s.mmz_blocks, s.mmz_bytes), (0, 0, 0));
        // Config kept across exit.
        assert_eq!(kd_mpi_vb_init(), 0);
        assert_eq!(kd_mpi_vb_exit(), 0);
        // Too big: NOMEM, nothing leaked.
        cfg.comm_pool[6] = k_vb_pool_config {
            blk_size: 1 << 40,
            blk_cnt: 1,
            ..Default::default()
        };
        assert_eq!(kd_mpi_vb_set_config(&cfg), 0);
        assert_eq!(kd_mpi_vb_init(), err::vb(num::NOMEM));
        assert_eq!(stats().mmz_blocks, 0);
        cfg.max_pool_cnt = 257;
        assert_eq!(kd_mpi_vb_set_config(&cfg), err::vb(num::ILLEGAL_PARAM));
        assert_eq!(kd_mpi_vb_create_pool(std::ptr::null_mut()), -1);
    }
    assert_eq!(create_pool(0, 1), -1);
    assert_eq!(create_pool(4096, 0), -1);
    assert_eq!(create_pool(1 << 40, 1), -1);
    assert_eq!(create_pool(u64::MAX, 2), -1);
    let a = create_pool(100, 2);
    let b = create_pool(100, 2);
    assert_eq!((a, b), (16, 17));
    assert_eq!(stats().mmz_bytes, 4 * 4096);
    assert_eq!(destroy_pool(16), 0);
    assert_eq!(destroy_pool(16), err::vb(num::UNEXIST));
    assert_eq!(destroy_pool(3), err::vb(num::UNEXIST));
    assert_eq!(create_pool(100, 1), 16);
    assert_eq!(destroy_pool(16), 0);
    assert_eq!(destroy_pool(17), 0);
    assert_eq!(stats().mmz_blocks, 0);
}

#[test]
fn vicap_rules_and_snapshot() {
    let _g = setup();
    let v = |n| err::vicap(n);
    let mut f = K230SimFrame::default();
    // SAFETY: valid references and NULL only.
    unsafe {
        assert_eq!(k230_sim_vicap_reset(3), v(num::INVALID_DEVID));
        assert_eq!(k230_sim_vicap_reset(-1), v(num::INVALID_DEVID));
        assert_eq!(
            k230_sim_vicap_set_framesize(0, 3, 640, 480),
            v(num::INVALID_CHNID)
        );
        assert_eq!(
            k230_sim_vicap_set_framesize(0, 0, 63, 480),
            v(num::ILLEGAL_PARAM)
        );
        assert_eq!(
            k230_sim_vicap_set_framesize(0, 0, 640, 4097),
            v(num::ILLEGAL_PARAM)
        );
        assert_eq!(k230_sim_vicap_set_pixformat(0, 0, 30), v(num::NOT_SUPPORT));
        assert_eq!(k230_sim_vicap_set_fps(0, 0), v(num::ILLEGAL_PARAM));
        assert_eq!(k230_sim_vicap_set_fps(0, 121), v(num::ILLEGAL_PARAM));
        assert_eq!(k230_sim_vicap_start(0), v(num::NOT_CONFIG));
        assert_eq!(k230_sim_vicap_snapshot(0, 0, &mut f), v(num::NOTREADY));
        assert_eq!(
            k230_sim_vicap_snapshot(0, 0, std::ptr::null_mut()),
            v(num::NULL_PTR)
        );
        assert_eq!(k230_sim_vicap_snapshot(0, 5, &mut f), v(num::INVALID_CHNID));
    }
    sensor(1, 2, 320, 240, 25);
    let s = stats();
    assert_eq!((s.vicap_running, s.mmz_blocks), (1, 4));
    // SAFETY: valid references.
    unsafe {
        assert_eq!(
            k230_sim_vicap_set_framesize(1, 2, 640, 480),
            v(num::NOT_PERM)
        );
        assert_eq!(k230_sim_vicap_snapshot(1, 0, &mut f), v(num::NOT_CONFIG));
        for i in 0..6u32 {
            assert_eq!(k230_sim_vicap_snapshot(1, 2, &mut f), 0);
            assert_eq!(f.frame_index, i);
            assert_eq!(f.pts, u64::from(i) * 40_000);
            assert_eq!(
                (f.width, f.height, f.stride, f.pixel_format),
                (320, 240, 320, 31)
            );
            assert_eq!(f.pool_id, 105);
            assert_eq!(f.phys_addr[1] - f.phys_addr[0], 77824);
            assert_eq!(f.phys_addr[0] % 4096, 0);
            let (y, uv) = vicap::render_nv12(320, 240, u64::from(i));
            let ys = std::slice::from_raw_parts(f.virt_addr[0] as *const u8, y.len());
            let uvs = std::slice::from_raw_parts(f.virt_addr[1] as *const u8, uv.len());
            assert!(ys == &y[..] && uvs == &uv[..]);
        }
        assert_eq!(k230_sim_vicap_stop(1), 0);
        assert_eq!(k230_sim_vicap_stop(1), 0);
        assert_eq!(stats().mmz_blocks, 0);
        assert_eq!(k230_sim_vicap_start(1), 0);
        assert_eq!(k230_sim_vicap_snapshot(1, 2, &mut f), 0);
        assert_eq!(f.frame_index, 0);
        assert_eq!(k230_sim_vicap_reset(1), 0);
        assert_eq!(k230_sim_vicap_start(1), v(num::NOT_CONFIG));
    }
    assert_eq!(stats(), K230SimStats::default());
}

#[test]
fn bound_sensor_of_another_size_is_an_error_not_a_wait() {
    let _g = setup();
    // The channel is 320x240 (small_attr); the sensor runs at 640x480.
    sensor(0, 0, 640, 480, 30);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    assert_eq!(create(0, &small_attr()), 0);
    assert_eq!(start(0), 0);
    assert_eq!(query(0).unwrap().cur_packs, 0);
    let t0 = std::time::Instant::now();
    assert_eq!(get(0, 12, -1).code(), err::venc(num::ILLEGAL_PARAM));
    assert!(t0.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn bound_flow_gop_pts_and_payload() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    for n in 0..12u64 {
        let st = query(0).unwrap();
        let idr = n % 5 == 0;
        assert_eq!(st.cur_packs, if idr { 2 } else { 1 }, "frame {n}");
        let packs = get(0, 12, 0).unwrap();
        let types: Vec<u32> = packs.iter().map(|p| p.type_).collect();
        if idr {
            assert_eq!(types, [K_VENC_HEADER, K_VENC_I_FRAME]);
            let hdr = pack_bytes(&packs[0]);
            assert_eq!(&hdr[..6], &[0, 0, 0, 1, 0x67, 77]);
            assert_eq!(
                packs[1].phys_addr,
                packs[0].phys_addr + u64::from(packs[0].len)
            );
        } else {
            assert_eq!(types, [K_VENC_P_FRAME]);
        }
        let last = packs.last().unwrap();
        let body = pack_bytes(last);
        assert_eq!(&body[..5], &[0, 0, 0, 1, if idr { 0x65 } else { 0x41 }]);
        let (frame, y, uv, pts) = payload(&body);
        assert_eq!(frame, n);
        assert_eq!((y, uv), expected_hashes(320, 240, n));
        assert_eq!(pts, n * 1_000_000 / 30);
        assert!(packs.iter().all(|p| p.pts == pts));
        assert_eq!(release(0, &packs), 0);
        let st = query(0).unwrap();
        assert_eq!(st.release_pic_pts, pts);
        assert_eq!(st.stream_info.pic_cnt as u64, n + 2);
    }
}

#[test]
fn two_channels_on_one_sensor_see_the_same_frames() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 1)), 0);
    assert_eq!(create(1, &small_attr()), 0);
    assert_eq!(start(1), 0);
    for n in 0..3 {
        let a = get(0, 12, 0).unwrap();
        let b = get(1, 12, 0).unwrap();
        let pa = payload(&pack_bytes(a.last().unwrap()));
        let pb = payload(&pack_bytes(b.last().unwrap()));
        assert_eq!(pa, pb);
        assert_eq!(pa.0, n);
        assert_eq!(release(0, &a), 0);
        assert_eq!(release(1, &b), 0);
    }
}

#[test]
fn pack_cnt_one_splits_header_and_i() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 5, 30, 30, 300, 1, 65536), 30);
    let h = get(0, 1, 0).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].type_, K_VENC_HEADER);
    assert_eq!(query(0).unwrap().cur_packs, 1);
    let i = get(0, 1, 0).unwrap();
    assert_eq!(i[0].type_, K_VENC_I_FRAME);
    assert_eq!(i[0].phys_addr, h[0].phys_addr + u64::from(h[0].len));
    // One buffer, still held twice: nothing more until both are released.
    assert_eq!(get(0, 1, 0).code(), VENC_EMPTY);
    assert_eq!(query(0).unwrap().cur_packs, 0);
    assert_eq!(stats().venc_streams_held, 2);
    assert_eq!(release(0, &h), 0);
    assert_eq!(get(0, 1, 0).code(), VENC_EMPTY);
    assert_eq!(release(0, &i), 0);
    let p = get(0, 1, 0).unwrap();
    assert_eq!(p[0].type_, K_VENC_P_FRAME);
    assert_eq!(p[0].phys_addr, h[0].phys_addr);
    assert_eq!(release(0, &p), 0);
}

#[test]
fn release_must_match_a_delivery() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(release(0, &packs[..1]), VENC_PARAM);
    let mut wrong = packs.clone();
    wrong[0].phys_addr += 4096;
    assert_eq!(release(0, &wrong), VENC_PARAM);
    assert_eq!(release(1, &packs), VENC_UNEXIST);
    assert_eq!(release(0, &packs), 0);
    assert_eq!(release(0, &packs), VENC_PARAM);
    assert_eq!(stats().venc_streams_held, 0);
}

#[test]
fn exhausted_buffers_time_out() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 5, 30, 30, 300, 2, 65536), 30);
    let a = get(0, 12, 0).unwrap();
    let b = get(0, 12, 0).unwrap();
    assert_eq!(get(0, 12, 0).code(), VENC_EMPTY);
    let t = Instant::now();
    assert_eq!(get(0, 12, 30).code(), VENC_EMPTY);
    let el = t.elapsed();
    assert!(
        el >= Duration::from_millis(29) && el < Duration::from_secs(5),
        "{el:?}"
    );
    assert_eq!(release(0, &a), 0);
    assert_eq!(release(0, &b), 0);
    assert_eq!(get(0, 12, 0).map(|p| p.len()), Ok(1));

    // send_frame side: one output buffer, held.
    assert_eq!(create(1, &h264_attr(320, 240, 5, 30, 30, 300, 1, 65536)), 0);
    assert_eq!(start(1), 0);
    let (f, _) = user_frame(320, 240, 320, 3, 99);
    assert_eq!(send(1, &f, 0), 0);
    let held = get(1, 12, 0).unwrap();
    assert_eq!(send(1, &f, 0), VENC_FULL);
    let t = Instant::now();
    assert_eq!(send(1, &f, 30), VENC_FULL);
    let el = t.elapsed();
    assert!(
        el >= Duration::from_millis(29) && el < Duration::from_secs(5),
        "{el:?}"
    );
    assert_eq!(release(1, &held), 0);
    assert_eq!(send(1, &f, 0), 0);
}

#[test]
fn release_from_another_thread_wakes_get_stream() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 5, 30, 30, 300, 1, 65536), 30);
    let held = get(0, 12, 0).unwrap();
    let t = Instant::now();
    let th = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        release(0, &held)
    });
    let packs = get(0, 12, -1).unwrap();
    assert!(t.elapsed() >= Duration::from_millis(45));
    assert_eq!(th.join().unwrap(), 0);
    assert_eq!(packs[0].type_, K_VENC_P_FRAME);
    assert_eq!(release(0, &packs), 0);

    // An unbound channel: send_frame from another thread wakes a timed get_stream.
    assert_eq!(create(2, &small_attr()), 0);
    assert_eq!(start(2), 0);
    let th = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        let (f, _) = user_frame(320, 240, 320, 8, 1234);
        send(2, &f, -1)
    });
    let packs = get(2, 12, 2000).unwrap();
    assert_eq!(th.join().unwrap(), 0);
    let (n, y, uv, pts) = payload(&pack_bytes(packs.last().unwrap()));
    assert_eq!((n, pts), (0, 1234));
    assert_eq!((y, uv), expected_hashes(320, 240, 8));
    assert_eq!(release(2, &packs), 0);
}

fn kept_pts(src: u32, dst: u32, frames: usize) -> Vec<u64> {
    bound_channel(0, &h264_attr(320, 240, 30, src, dst, 300, 4, 65536), src);
    let mut out = Vec::new();
    for _ in 0..frames {
        let packs = get(0, 12, 0).unwrap();
        out.push(packs[0].pts);
        assert_eq!(release(0, &packs), 0);
    }
    out
}

#[test]
fn frame_rate_conversion() {
    let _g = setup();
    let us = |i: u64| i * 1_000_000 / 30;
    let want: Vec<u64> = [0, 2, 4, 6, 8, 10].iter().map(|&i| us(i)).collect();
    assert_eq!(kept_pts(30, 15, 6), want);
    reset_sim();
    let want: Vec<u64> = [0, 2, 3, 5, 6, 8].iter().map(|&i| us(i)).collect();
    assert_eq!(kept_pts(30, 20, 6), want);
    reset_sim();
    let want: Vec<u64> = (0..6).map(us).collect();
    assert_eq!(kept_pts(30, 30, 6), want);
    // Sent frames go through the same accumulator: 30 -> 15 drops every other one.
    reset_sim();
    assert_eq!(
        create(0, &h264_attr(320, 240, 30, 30, 15, 300, 8, 65536)),
        0
    );
    assert_eq!(start(0), 0);
    for i in 0..4 {
        let (f, _) = user_frame(320, 240, 320, i, i * 10);
        assert_eq!(send(0, &f, 0), 0);
    }
    assert_eq!(stats().venc_frames_queued, 2);
    assert_eq!(venc::counters(0).unwrap().dropped_rate, 2);
}

#[test]
fn send_frame_checks_and_strides() {
    let _g = setup();
    assert_eq!(create(0, &small_attr()), 0);
    assert_eq!(start(0), 0);
    let (f, _) = user_frame(320, 240, 384, 17, 5);
    let mut bad = f;
    bad.v_frame.pixel_format = PIXEL_FORMAT_ARGB_8888;
    assert_eq!(send(0, &bad, 0), VENC_NOSUP);
    let mut bad = f;
    bad.v_frame.width = 321;
    assert_eq!(send(0, &bad, 0), VENC_PARAM);
    let mut bad = f;
    bad.v_frame.stride[0] = 100;
    assert_eq!(send(0, &bad, 0), VENC_PARAM);
    let mut bad = f;
    bad.v_frame.phys_addr[0] = 0x1234;
    assert_eq!(send(0, &bad, 0), err::venc(num::BADADDR));
    let mut bad = f;
    bad.v_frame.phys_addr[1] += 1 << 20;
    assert_eq!(send(0, &bad, 0), err::venc(num::BADADDR));
    assert_eq!(send(0, &f, 0), 0);
    let packs = get(0, 12, 0).unwrap();
    let (n, y, uv, pts) = payload(&pack_bytes(packs.last().unwrap()));
    assert_eq!((n, pts), (0, 5));
    assert_eq!((y, uv), expected_hashes(320, 240, 17));
    assert_eq!(release(0, &packs), 0);
    // stride 0 means width.
    let (mut f, _) = user_frame(320, 240, 320, 4, 6);
    f.v_frame.stride = [0; 3];
    assert_eq!(send(0, &f, 0), 0);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(
        payload(&pack_bytes(packs.last().unwrap())).1,
        expected_hashes(320, 240, 4).0
    );
    assert_eq!(release(0, &packs), 0);
}

#[test]
fn request_idr_and_h265_and_jpeg() {
    let _g = setup();
    let mut a = small_attr();
    a.venc_attr.type_ = K_PT_H265;
    a.venc_attr.profile = VENC_PROFILE_H265_MAIN;
    bound_channel(0, &a, 30);
    let mut kinds = Vec::new();
    for n in 0..4 {
        if n == 2 {
            // SAFETY: no pointers.
            assert_eq!(unsafe { kd_mpi_venc_request_idr(0) }, 0);
        }
        let packs = get(0, 12, 0).unwrap();
        kinds.push(packs.len());
        if n == 0 {
            let hdr = pack_bytes(&packs[0]);
            assert_eq!(&hdr[..6], &[0, 0, 0, 1, 0x40, 0x01]);
            assert!(hdr.windows(6).any(|w| w == [0, 0, 0, 1, 0x42, 0x01]));
            assert!(hdr.windows(6).any(|w| w == [0, 0, 0, 1, 0x44, 0x01]));
            assert_eq!(&pack_bytes(&packs[1])[..6], &[0, 0, 0, 1, 0x26, 0x01]);
        }
        if n == 1 {
            assert_eq!(&pack_bytes(&packs[0])[..6], &[0, 0, 0, 1, 0x02, 0x01]);
        }
        assert_eq!(release(0, &packs), 0);
    }
    assert_eq!(kinds, [2, 1, 2, 1]);

    assert_eq!(create(1, &jpeg_attr(320, 240, 50)), 0);
    assert_eq!(start(1), 0);
    let (f, _) = user_frame(320, 240, 320, 2, 77);
    for _ in 0..2 {
        assert_eq!(send(1, &f, 0), 0);
        let packs = get(1, 12, 0).unwrap();
        assert_eq!(packs.len(), 1);
        assert_eq!(packs[0].type_, K_VENC_I_FRAME);
        let b = pack_bytes(&packs[0]);
        assert_eq!(&b[..2], &[0xff, 0xd8]);
        assert_eq!(&b[b.len() - 2..], &[0xff, 0xd9]);
        assert_eq!(payload(&b).1, expected_hashes(320, 240, 2).0);
        assert_eq!(release(1, &packs), 0);
    }
}

#[test]
fn oversized_frames_are_dropped() {
    let _g = setup();
    // 20 Mbit/s in 4 KiB buffers: every frame is too large.
    assert_eq!(
        create(0, &h264_attr(320, 240, 5, 30, 30, 20000, 2, 4096)),
        0
    );
    assert_eq!(start(0), 0);
    let (f, _) = user_frame(320, 240, 320, 0, 0);
    assert_eq!(send(0, &f, 0), 0);
    assert_eq!(get(0, 12, 0).code(), VENC_EMPTY);
    assert_eq!(venc::counters(0).unwrap().dropped_large, 1);
}

#[test]
fn no_p_frame_follows_a_dropped_idr() {
    let _g = setup();
    // 600 kbit/s at 30 fps in 4 KiB buffers: I frames (~7.5 KB) never fit, P frames (~1.2 KB)
    // would. A P frame after a dropped IDR would reference a picture the stream never had,
    // so the next picture is an IDR again (and is dropped again here). (A dropped P frame
    // likewise forces the next picture to be an IDR; the synthetic backend's P frames are
    // always smaller than its I frames, so that case is not reachable from here.)
    assert_eq!(create(0, &h264_attr(320, 240, 5, 30, 30, 600, 2, 4096)), 0);
    assert_eq!(start(0), 0);
    let (f, _) = user_frame(320, 240, 320, 0, 0);
    for _ in 0..3 {
        assert_eq!(send(0, &f, 0), 0);
        assert_eq!(get(0, 12, 0).code(), VENC_EMPTY);
    }
    assert_eq!(venc::counters(0).unwrap().dropped_large, 3);
}

#[test]
fn fault_injection() {
    let _g = setup();
    assert_eq!(fault(c"kd_mpi_nope", 1, 0, 1), -1);
    // SAFETY: NULL is what is tested.
    let r = unsafe { k230_sim_fault_inject(std::ptr::null(), 1, 0, 1) };
    assert_eq!(r, -1);
    let code = err::venc(num::BUSY);
    assert_eq!(fault(c"kd_mpi_venc_create_chn", code, 1, 2), 0);
    let a = small_attr();
    // A failing call does not consume `skip`.
    assert_eq!(create(9, &a), VENC_CHNID);
    assert_eq!(create(0, &a), 0);
    assert_eq!(create(1, &a), code);
    assert_eq!(create(1, &a), code);
    assert_eq!(stats().venc_channels_created, 1);
    assert_eq!(create(1, &a), 0);
    assert_eq!(fault(c"kd_mpi_venc_start_chn", code, 0, 5), 0);
    assert_eq!(fault(c"kd_mpi_venc_start_chn", code, 0, 0), 0);
    assert_eq!(start(0), 0);
    assert_eq!(fault(c"kd_mpi_sys_mmap", 0, 0, 1), 0);
    let pool = create_pool(4096, 1);
    let base = crate::state::lock().vb.pools[&(pool as u32)].phys;
    assert!(mmap(base, 16).is_null());
    let p = mmap(base, 16);
    assert!(!p.is_null());
    assert_eq!(munmap(p, 16), 0);
    assert_eq!(fault(c"kd_mpi_vb_create_pool", -1, 0, 1), 0);
    assert_eq!(create_pool(4096, 1), -1);
    assert_eq!(fault(c"kd_mpi_venc_get_stream", code, 0, 3), 0);
    // SAFETY: no pointers.
    unsafe { k230_sim_fault_clear() };
    assert_eq!(get(0, 1, 0).code(), VENC_EMPTY);
}

#[test]
fn backend_selection() {
    let _g = setup();
    // SAFETY: NUL-terminated strings and NULL only; the result is a static C string.
    unsafe {
        if cfg!(feature = "libav") {
            assert_eq!(k230_sim_set_backend(c"libav".as_ptr()), 0);
            assert_eq!(std::ffi::CStr::from_ptr(k230_sim_backend()), c"libav");
        } else {
            // Known, but not compiled in: refused, the selection is unchanged.
            assert_eq!(k230_sim_set_backend(c"libav".as_ptr()), -2);
            assert_eq!(std::ffi::CStr::from_ptr(k230_sim_backend()), c"synthetic");
        }
        assert_eq!(k230_sim_set_backend(c"synthetic".as_ptr()), 0);
        assert_eq!(k230_sim_set_backend(c"x264".as_ptr()), -1);
        assert_eq!(k230_sim_set_backend(std::ptr::null()), -1);
        assert_eq!(std::ffi::CStr::from_ptr(k230_sim_backend()), c"synthetic");
    }
}

#[test]
fn stats_return_to_zero_after_teardown() {
    let _g = setup();
    let empty = K230SimStats::default();
    assert_eq!(stats(), empty);
    let mut cfg = k_vb_config {
        max_pool_cnt: 16,
        ..Default::default()
    };
    cfg.comm_pool[0] = k_vb_pool_config {
        blk_size: 65536,
        blk_cnt: 4,
        ..Default::default()
    };
    // SAFETY: a valid reference.
    unsafe {
        assert_eq!(kd_mpi_vb_set_config(&cfg), 0);
        assert_eq!(kd_mpi_vb_init(), 0);
    }
    bound_channel(0, &small_attr(), 30);
    let packs = get(0, 1, 0).unwrap();
    let p = mmap(packs[0].phys_addr, packs[0].len);
    assert!(!p.is_null());
    let s = stats();
    assert_eq!(
        (
            s.venc_channels_created,
            s.venc_channels_started,
            s.venc_streams_held,
            s.venc_frames_queued
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        (s.mappings, s.binds, s.vb_inited, s.vicap_running),
        (1, 1, 1, 1)
    );
    assert_eq!(s.mmz_blocks, 1 + 4 + 4);
    // Teardown in CanMV order: sensor stop, unbind, stop, destroy, vb exit, munmap.
    // SAFETY: no pointers.
    unsafe { assert_eq!(k230_sim_vicap_stop(0), 0) };
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    assert_eq!(stop(0), 0);
    assert_eq!(destroy(0), 0);
    // SAFETY: no pointers.
    unsafe { assert_eq!(kd_mpi_vb_exit(), 0) };
    assert_eq!(munmap(p, packs[0].len), 0);
    assert_eq!(stats(), empty);
}

#[test]
fn destroy_while_held_frees_everything() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    let _held = get(0, 1, 0).unwrap();
    assert_eq!(query(0).unwrap().cur_packs, 1);
    assert_eq!(stop(0), 0);
    // Stopped: no new frames, but the queued one is still delivered (no flush).
    let rest = get(0, 12, 0).unwrap();
    assert_eq!(rest[0].type_, K_VENC_I_FRAME);
    assert_eq!(destroy(0), 0);
    let s = stats();
    assert_eq!(
        (
            s.venc_channels_created,
            s.venc_streams_held,
            s.venc_frames_queued
        ),
        (0, 0, 0)
    );
    assert_eq!(s.mmz_blocks, 4); // only the sensor ring
    assert_eq!(s.binds, 1);
}

#[test]
fn freed_stream_memory_is_poisoned() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    let held = get(0, 12, 0).unwrap();
    let h = mmap(held[0].phys_addr, held[0].len);
    assert!(!h.is_null());
    assert_eq!(stop(0), 0);
    assert_eq!(destroy(0), 0);
    // SAFETY: the host address stays inside the arena, which lives as long as the process;
    // the test reads what a script with a stale StreamData.data address would read.
    let stale = unsafe { std::slice::from_raw_parts(h, held[0].len as usize) };
    assert!(stale.iter().all(|&b| b == crate::arena::POISON));
}

// ---- libav backend and Y4M source through the MPP ---------------------------------------

fn select_backend(name: &std::ffi::CStr) {
    // SAFETY: a NUL-terminated string.
    assert_eq!(unsafe { k230_sim_set_backend(name.as_ptr()) }, 0);
}

/// NAL types of an Annex-B byte string.
#[cfg(feature = "libav")]
fn nal_types(codec: crate::codec::Codec, bytes: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    crate::codec::libav::annexb_units(codec, bytes, &mut u);
    u.iter().map(|x| x.2).collect()
}

#[cfg(feature = "libav")]
fn h265_attr(w: u32, h: u32, gop: u32) -> k_venc_chn_attr {
    let mut a = h264_attr(w, h, gop, 30, 30, 300, 4, 65536);
    a.venc_attr.type_ = K_PT_H265;
    a.venc_attr.profile = VENC_PROFILE_H265_MAIN;
    a
}

#[test]
#[cfg(feature = "libav")]
fn libav_bound_streams_follow_the_gop() {
    use crate::codec::Codec;
    for (attr, codec) in [
        (h264_attr(320, 240, 5, 30, 30, 300, 4, 65536), Codec::H264),
        (h265_attr(320, 240, 5), Codec::H265),
    ] {
        let _g = setup();
        select_backend(c"libav");
        bound_channel(0, &attr, 30);
        let mut stream = Vec::new();
        let mut last_pts = None;
        for i in 0..14u64 {
            if i == 7 {
                // SAFETY: no pointers.
                assert_eq!(unsafe { kd_mpi_venc_request_idr(0) }, 0);
            }
            let packs = get(0, 12, 0).unwrap();
            let types: Vec<u32> = packs.iter().map(|p| p.type_).collect();
            // IDRs at 0 and 5, then at 7 (requested; the GOP restarts) and 12.
            let idr = [0, 5, 7, 12].contains(&i);
            if idr {
                assert_eq!(
                    types,
                    [K_VENC_HEADER, K_VENC_I_FRAME],
                    "{codec:?} frame {i}"
                );
            } else {
                assert_eq!(types, [K_VENC_P_FRAME], "{codec:?} frame {i}");
            }
            for p in &packs {
                assert_eq!(p.pts, i * 1_000_000 / 30);
                let bytes = pack_bytes(p);
                let t = nal_types(codec, &bytes);
                let ps = |x: &u8| crate::codec::libav::is_parameter_set(codec, *x);
                if p.type_ == K_VENC_HEADER {
                    assert!(t.iter().all(ps), "{codec:?} header {t:?}");
                    let want: &[u8] = if codec == Codec::H264 {
                        &[7, 8]
                    } else {
                        &[32, 33, 34]
                    };
                    assert_eq!(t, want);
                } else {
                    assert!(!t.iter().any(ps), "{codec:?} picture {t:?}");
                }
                stream.extend_from_slice(&bytes);
            }
            assert!(last_pts < Some(packs[0].pts));
            last_pts = Some(packs[0].pts);
            assert_eq!(release(0, &packs), 0);
        }
        // The packs tile the stream: every unit starts with a start code.
        assert!(stream.starts_with(&[0, 0, 0, 1]) || stream.starts_with(&[0, 0, 1]));
        let c = venc::counters(0).unwrap();
        assert_eq!((c.encoded, c.dropped_large), (14, 0));
    }
}

#[test]
#[cfg(feature = "libav")]
fn libav_jpeg_one_picture_per_get_stream() {
    let _g = setup();
    select_backend(c"libav");
    let mut sizes = Vec::new();
    for q in [10, 90] {
        reset_sim();
        select_backend(c"libav");
        bound_channel(0, &jpeg_attr(320, 240, q), 30);
        for _ in 0..3 {
            let packs = get(0, 12, 0).unwrap();
            assert_eq!(packs.len(), 1);
            let j = pack_bytes(&packs[0]);
            assert_eq!(&j[..2], [0xff, 0xd8]);
            assert_eq!(&j[j.len() - 2..], [0xff, 0xd9]);
            sizes.push(j.len());
            assert_eq!(release(0, &packs), 0);
        }
    }
    assert!(sizes[0] < sizes[3], "{sizes:?}");
}

/// Writes a `w` x `h` Y4M file of `n` frames: frame k has luma `16 + 20 k + x % 7`, U
/// `60 + k`, V `180 - k`.
fn write_y4m(path: &std::path::Path, w: usize, h: usize, n: usize) {
    let mut d = format!("YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n").into_bytes();
    for k in 0..n {
        d.extend_from_slice(b"FRAME\n");
        for _ in 0..h {
            d.extend((0..w).map(|x| (16 + 20 * k + x % 7) as u8));
        }
        d.extend(std::iter::repeat_n((60 + k) as u8, w / 2 * h / 2));
        d.extend(std::iter::repeat_n((180 - k) as u8, w / 2 * h / 2));
    }
    std::fs::write(path, d).unwrap();
}

fn set_source(path: Option<&std::path::Path>) -> i32 {
    let c = path.map(|p| std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap());
    // SAFETY: NULL or a NUL-terminated string.
    unsafe {
        crate::ffi::k230_sim_vicap_set_source(c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()))
    }
}

fn source_error() -> String {
    // SAFETY: a static NUL-terminated string, read under the test lock.
    unsafe { std::ffi::CStr::from_ptr(crate::ffi::k230_sim_vicap_error()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn y4m_source_loops_and_checks_size() {
    let _g = setup();
    let dir = std::env::temp_dir();
    let path = dir.join(format!("k230sim-test-{}.y4m", std::process::id()));
    write_y4m(&path, 128, 64, 3);
    let v = |n| err::vicap(n);
    assert_eq!(
        set_source(Some(&dir.join("no-such-file.y4m"))),
        v(num::UNEXIST)
    );
    assert!(
        source_error().contains("no-such-file"),
        "{}",
        source_error()
    );
    assert_eq!(set_source(Some(&path)), 0);
    assert_eq!(source_error(), "");
    // Wrong size: start fails, nothing is left running or allocated.
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(k230_sim_vicap_set_framesize(0, 0, 320, 240), 0);
        assert_eq!(k230_sim_vicap_start(0), v(num::ILLEGAL_PARAM));
    }
    assert!(source_error().contains("128x64"), "{}", source_error());
    assert_eq!((stats().vicap_running, stats().mmz_blocks), (0, 0));
    // SAFETY: no pointers.
    unsafe { assert_eq!(k230_sim_vicap_reset(0), 0) };
    sensor(0, 0, 128, 64, 30);
    for k in 0..7u32 {
        let mut f = K230SimFrame::default();
        // SAFETY: a valid, exclusive reference.
        assert_eq!(unsafe { k230_sim_vicap_snapshot(0, 0, &mut f) }, 0);
        assert_eq!(f.frame_index, k);
        let m = (k % 3) as u8;
        let (_, block) = vicap::nv12_layout(128, 64);
        let p = mmap(f.phys_addr[0], block as u32);
        // SAFETY: mmap returned a host pointer valid for the whole frame block.
        let mem = unsafe { std::slice::from_raw_parts(p, block as usize) };
        assert_eq!(
            &mem[..9],
            [0, 1, 2, 3, 4, 5, 6, 0, 1].map(|x| 16 + 20 * m + x)
        );
        let uv = &mem[(f.phys_addr[1] - f.phys_addr[0]) as usize..][..128 * 32];
        assert!(
            uv.chunks_exact(2).all(|c| c == [60 + m, 180 - m]),
            "frame {k}"
        );
        assert_eq!(munmap(p, block as u32), 0);
    }
    // A bound channel encodes the file's frames (with libav when it is compiled in).
    select_backend(if cfg!(feature = "libav") {
        c"libav"
    } else {
        c"synthetic"
    });
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    assert_eq!(create(0, &h264_attr(128, 64, 5, 30, 30, 200, 4, 65536)), 0);
    assert_eq!(start(0), 0);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(packs.len(), 2);
    assert_eq!(release(0, &packs), 0);
    // Back to the test pattern for the next start; a non-Y4M file is NOT_SUPPORT.
    assert_eq!(set_source(None), 0);
    std::fs::write(&path, b"not a y4m\n").unwrap();
    assert_eq!(set_source(Some(&path)), v(num::NOT_SUPPORT));
    std::fs::remove_file(&path).unwrap();
}
