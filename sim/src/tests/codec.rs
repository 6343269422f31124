//! Codec backends through the MPP: backend selection, and (with the `libav` feature) real
//! H.264 / H.265 streams that follow the GOP and JPEG pictures from a bound sensor.

use super::fixtures::*;
use crate::ffi::{k230_sim_backend, k230_sim_set_backend};
#[cfg(feature = "libav")]
use crate::{ffi::kd_mpi_venc_request_idr, venc};
#[cfg(feature = "libav")]
use k230_venc::mpp::*;
use std::ffi::CStr;

#[test]
fn backend_selection() {
    let _g = setup();
    // SAFETY: NUL-terminated strings and NULL only; the result is a static C string.
    unsafe {
        if cfg!(feature = "libav") {
            assert_eq!(k230_sim_set_backend(c"libav".as_ptr()), 0);
            assert_eq!(CStr::from_ptr(k230_sim_backend()), c"libav");
        } else {
            // Known, but not compiled in: refused, the selection is unchanged.
            assert_eq!(k230_sim_set_backend(c"libav".as_ptr()), -2);
            assert_eq!(CStr::from_ptr(k230_sim_backend()), c"synthetic");
        }
        assert_eq!(k230_sim_set_backend(c"synthetic".as_ptr()), 0);
        assert_eq!(k230_sim_set_backend(c"x264".as_ptr()), -1);
        assert_eq!(k230_sim_set_backend(std::ptr::null()), -1);
        assert_eq!(CStr::from_ptr(k230_sim_backend()), c"synthetic");
    }
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
