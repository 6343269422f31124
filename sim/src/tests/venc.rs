//! VENC channel API: channel ids and NULL checks, the state rules, attribute validation,
//! send_frame's checks and strides, and which releases match a delivery.

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{
    kd_mpi_venc_create_chn, kd_mpi_venc_enable_idr, kd_mpi_venc_get_stream,
    kd_mpi_venc_query_status, kd_mpi_venc_release_stream, kd_mpi_venc_request_idr,
    kd_mpi_venc_send_frame, kd_mpi_venc_start_chn,
};
use crate::venc;
use k230_venc::mpp::*;

/// start, stop, destroy, query_status, get_stream, release_stream, enable_idr and
/// request_idr on channel `chn` all answer `want`.
fn assert_chn_calls_answer(chn: u32, want: i32) {
    assert_eq!(start(chn), want);
    assert_eq!(stop(chn), want);
    assert_eq!(destroy(chn), want);
    assert_eq!(query(chn).code(), want);
    assert_eq!(get(chn, 1, 0).code(), want);
    assert_eq!(release(chn, &[k_venc_pack::default()]), want);
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(kd_mpi_venc_enable_idr(chn, K_TRUE), want);
        assert_eq!(kd_mpi_venc_request_idr(chn), want);
    }
}

#[test]
fn venc_channel_id_and_null_checks() {
    let _g = setup();
    let a = small_attr();
    assert_eq!(create(4, &a), VENC_CHNID);
    assert_eq!(create(u32::MAX, &a), VENC_CHNID);
    assert_chn_calls_answer(4, VENC_CHNID);
    // SAFETY: NULL pointers are what is tested.
    unsafe {
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
    assert_chn_calls_answer(1, VENC_UNEXIST);
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

/// Creating channel 0 from `a` answers `want`; a created channel is destroyed again.
fn expect_create(a: k_venc_chn_attr, want: i32) {
    let r = create(0, &a);
    assert_eq!(r, want);
    if r == 0 {
        assert_eq!(destroy(0), 0);
    }
}

/// An edit selecting H.265 with `profile`.
fn h265(profile: k_venc_profile) -> impl Fn(&mut k_venc_chn_attr) {
    move |a| {
        a.venc_attr.type_ = K_PT_H265;
        a.venc_attr.profile = profile;
    }
}

/// An edit selecting fixed-QP rate control (GOP 30, 30 fps, P QP 32) with I QP `i_qp`.
fn fixqp(i_qp: u32) -> impl Fn(&mut k_venc_chn_attr) {
    move |a| {
        a.rc_attr.rc_mode = K_VENC_RC_MODE_FIXQP;
        a.rc_attr.__bindgen_anon_1.fixqp = k_venc_fixqp {
            gop: 30,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            i_qp,
            p_qp: 32,
        };
    }
}

/// An edit selecting VBR (GOP 30, 30 fps, 300 kbit/s) with peak `max_bit_rate`.
fn vbr(max_bit_rate: u32) -> impl Fn(&mut k_venc_chn_attr) {
    move |a| {
        a.rc_attr.rc_mode = K_VENC_RC_MODE_VBR;
        a.rc_attr.__bindgen_anon_1.vbr = k_venc_vbr {
            gop: 30,
            stats_time: 1,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            max_bit_rate,
            bit_rate: 300,
        };
    }
}

#[test]
fn venc_attribute_validation() {
    let _g = setup();
    let ok = small_attr();
    let check = |edit: &dyn Fn(&mut k_venc_chn_attr), want: i32| {
        let mut a = ok;
        edit(&mut a);
        expect_create(a, want);
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
    check(&h265(VENC_PROFILE_H265_MAIN_10), VENC_NOSUP);
    check(&h265(VENC_PROFILE_H264_MAIN), VENC_PARAM);
    check(&h265(VENC_PROFILE_H265_MAIN), 0);
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
    check(&vbr(600), 0);
    // A peak below the average is refused (policy::VBR_MAX_BELOW_AVERAGE); equal is fine.
    check(&vbr(299), VENC_PARAM);
    check(&vbr(300), 0);
    check(&fixqp(30), 0);
    check(&fixqp(52), VENC_PARAM);
    // JPEG.
    expect_create(jpeg_attr(8192, 8192, 50), 0);
    expect_create(jpeg_attr(8193, 64, 50), VENC_PARAM);
    expect_create(jpeg_attr(320, 240, 0), VENC_PARAM);
    expect_create(jpeg_attr(320, 240, 100), VENC_PARAM);
    expect_create(jpeg_attr(320, 240, 99), 0);
    let mut j = jpeg_attr(320, 240, 50);
    j.rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
    expect_create(j, VENC_PARAM);
    // NOMEM: more buffers than the arena holds; nothing leaked.
    let before = stats();
    let mut a = ok;
    a.venc_attr.stream_buf_cnt = 100_000;
    a.venc_attr.stream_buf_size = 64 * 1024;
    assert_eq!(create(0, &a), err::venc(num::NOMEM));
    assert_eq!(stats(), before);
}

#[test]
fn send_frame_checks_and_strides() {
    let _g = setup();
    started_channel(0, &small_attr());
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
    let (n, y, uv, pts) = last_payload(&packs);
    assert_eq!((n, pts), (0, 5));
    assert_eq!((y, uv), expected_hashes(320, 240, 17));
    assert_eq!(release(0, &packs), 0);
    // stride 0 means width.
    let (mut f, _) = user_frame(320, 240, 320, 4, 6);
    f.v_frame.stride = [0; 3];
    assert_eq!(send(0, &f, 0), 0);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(last_payload(&packs).1, expected_hashes(320, 240, 4).0);
    assert_eq!(release(0, &packs), 0);
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
