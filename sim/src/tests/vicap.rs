//! VICAP sensor stand-in: argument and state rules, dumped frames of the test pattern, the
//! pixel formats and mirror / flip of each channel, the CSI claim, and the Y4M source
//! (looping, size check, a bound channel encoding the file's frames).

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{
    k230_sim_vicap_claim, k230_sim_vicap_dump_frame, k230_sim_vicap_error, k230_sim_vicap_owner,
    k230_sim_vicap_reset, k230_sim_vicap_set_fps, k230_sim_vicap_set_framesize,
    k230_sim_vicap_set_mirror, k230_sim_vicap_set_pixformat, k230_sim_vicap_set_source,
    k230_sim_vicap_start, k230_sim_vicap_stop,
};
use crate::vicap::format::{self, PIXEL_FORMAT_RGB_888, PIXEL_FORMAT_RGB_888_PLANAR};
use crate::{vicap, K230SimStats};
use k230_venc::mpp::*;
use std::ffi::{CStr, CString};
use std::path::Path;

#[test]
fn vicap_rules_and_snapshot() {
    let _g = setup();
    let v = |n| err::vicap(n);
    let mut f = k_video_frame_info::default();
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
        assert_eq!(k230_sim_vicap_dump_frame(0, 0, &mut f), v(num::NOTREADY));
        assert_eq!(
            k230_sim_vicap_dump_frame(0, 0, std::ptr::null_mut()),
            v(num::NULL_PTR)
        );
        assert_eq!(
            k230_sim_vicap_dump_frame(0, 5, &mut f),
            v(num::INVALID_CHNID)
        );
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
        assert_eq!(k230_sim_vicap_dump_frame(1, 0, &mut f), v(num::NOT_CONFIG));
        for i in 0..6u32 {
            assert_eq!(k230_sim_vicap_dump_frame(1, 2, &mut f), 0);
            let v = &f.v_frame;
            assert_eq!(v.time_ref, i);
            assert_eq!(v.pts, u64::from(i) * 40_000);
            assert_eq!((v.width, v.height, v.pixel_format), (320, 240, 31));
            assert_eq!(v.stride, [320, 320, 0]);
            assert_eq!((f.pool_id, f.mod_id), (105, K_ID_VI));
            assert_eq!(v.phys_addr[1] - v.phys_addr[0], 77824);
            assert_eq!(v.phys_addr[0] % 4096, 0);
            assert_eq!(v.phys_addr[2], 0);
            let (y, uv) = vicap::render_nv12(320, 240, u64::from(i));
            let ys = std::slice::from_raw_parts(v.virt_addr[0] as *const u8, y.len());
            let uvs = std::slice::from_raw_parts(v.virt_addr[1] as *const u8, uv.len());
            assert!(ys == &y[..] && uvs == &uv[..]);
        }
        assert_eq!(k230_sim_vicap_stop(1), 0);
        assert_eq!(k230_sim_vicap_stop(1), 0);
        assert_eq!(stats().mmz_blocks, 0);
        assert_eq!(k230_sim_vicap_start(1), 0);
        assert_eq!(k230_sim_vicap_dump_frame(1, 2, &mut f), 0);
        assert_eq!(f.v_frame.time_ref, 0);
        assert_eq!(k230_sim_vicap_reset(1), 0);
        assert_eq!(k230_sim_vicap_start(1), v(num::NOT_CONFIG));
    }
    assert_eq!(stats(), K230SimStats::default());
}

/// Writes a `w` x `h` Y4M file of `n` frames: frame k has luma `16 + 20 k + x % 7`, U
/// `60 + k`, V `180 - k`.
fn write_y4m(path: &Path, w: usize, h: usize, n: usize) {
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

fn set_source(path: Option<&Path>) -> i32 {
    let c = path.map(|p| CString::new(p.as_os_str().as_encoded_bytes()).unwrap());
    // SAFETY: NULL or a NUL-terminated string.
    unsafe { k230_sim_vicap_set_source(c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())) }
}

fn source_error() -> String {
    // SAFETY: a static NUL-terminated string, read under the test lock.
    unsafe { CStr::from_ptr(k230_sim_vicap_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Without libav there is no camera file: set_source refuses it, the test pattern stays.
#[cfg(not(feature = "libav"))]
#[test]
fn camera_files_need_libav() {
    let _g = setup();
    let path =
        std::env::temp_dir().join(format!("k230sim-test-nolibav-{}.y4m", std::process::id()));
    write_y4m(&path, 128, 64, 3);
    assert_eq!(set_source(Some(&path)), err::vicap(num::NOT_SUPPORT));
    assert!(
        source_error().contains("without libav"),
        "{}",
        source_error()
    );
    std::fs::remove_file(&path).unwrap();
}

#[cfg(feature = "libav")]
#[test]
fn camera_source_loops_and_scales() {
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
    // At the file's size, the pictures are the file's samples, looping over its 3 frames.
    sensor(0, 0, 128, 64, 30);
    for k in 0..7u32 {
        let f = dump(0, 0);
        let f = &f.v_frame;
        assert_eq!(f.time_ref, k);
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
    // Another size: scaled (a flat chroma stays flat, the luma keeps its level).
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(k230_sim_vicap_stop(0), 0);
        assert_eq!(k230_sim_vicap_reset(0), 0);
    }
    sensor(0, 0, 320, 240, 30);
    let f = dump(0, 0);
    let y = plane(&f, 0, 320 * 240);
    let mean = y.iter().map(|&v| u64::from(v)).sum::<u64>() / (320 * 240);
    assert!((17..=22).contains(&mean), "luma mean {mean}");
    let uv = plane(&f, 1, 320 * 120);
    assert!(uv.chunks_exact(2).all(|c| c == [60, 180]), "chroma");
    // A bound channel encodes the file's frames.
    select_backend(c"libav");
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(k230_sim_vicap_stop(0), 0);
        assert_eq!(k230_sim_vicap_reset(0), 0);
    }
    sensor(0, 0, 128, 64, 30);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    started_channel(0, &h264_attr(128, 64, 5, 30, 30, 200, 4, 65536));
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(packs.len(), 2);
    assert_eq!(release(0, &packs), 0);
    // Back to the test pattern for the next start; a file libav cannot decode is NOT_SUPPORT.
    assert_eq!(set_source(None), 0);
    std::fs::write(&path, b"not a picture\n").unwrap();
    assert_eq!(set_source(Some(&path)), v(num::NOT_SUPPORT));
    assert!(
        source_error().contains("no picture can be decoded"),
        "{}",
        source_error()
    );
    std::fs::remove_file(&path).unwrap();
}

/// The next frame of sensor channel (`dev`, `chn`), which must deliver one.
fn dump(dev: i32, chn: i32) -> k_video_frame_info {
    let mut f = k_video_frame_info::default();
    // SAFETY: a valid, exclusive reference.
    assert_eq!(unsafe { k230_sim_vicap_dump_frame(dev, chn, &mut f) }, 0);
    f
}

/// Plane `p` of a dumped frame, `len` bytes.
fn plane(f: &k_video_frame_info, p: usize, len: usize) -> &[u8] {
    // SAFETY: the sensor's ring block holds every plane of the frame, and stays allocated
    // until the device stops (the tests read it before that).
    unsafe { std::slice::from_raw_parts(f.v_frame.virt_addr[p] as *const u8, len) }
}

#[test]
fn channels_have_their_own_size_and_format() {
    let _g = setup();
    let v = |n| err::vicap(n);
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(k230_sim_vicap_set_framesize(0, 0, 640, 480), 0);
        assert_eq!(k230_sim_vicap_set_framesize(0, 1, 320, 240), 0);
        assert_eq!(k230_sim_vicap_set_framesize(0, 2, 128, 64), 0);
        assert_eq!(k230_sim_vicap_set_pixformat(0, 1, PIXEL_FORMAT_RGB_888), 0);
        assert_eq!(
            k230_sim_vicap_set_pixformat(0, 2, PIXEL_FORMAT_RGB_888_PLANAR),
            0
        );
        assert_eq!(k230_sim_vicap_set_pixformat(0, 2, 45), v(num::NOT_SUPPORT));
        assert_eq!(k230_sim_vicap_start(0), 0);
    }
    let nv12 = dump(0, 0);
    assert_eq!((nv12.v_frame.width, nv12.v_frame.height), (640, 480));
    assert_eq!(nv12.v_frame.pixel_format, PIXEL_FORMAT_YUV_SEMIPLANAR_420);
    let (y, _) = vicap::render_nv12(640, 480, 0);
    assert_eq!(plane(&nv12, 0, y.len()), &y[..]);

    let rgb = dump(0, 1);
    let vf = &rgb.v_frame;
    assert_eq!((vf.width, vf.height, vf.pixel_format), (320, 240, 3));
    assert_eq!((vf.stride, vf.phys_addr[1]), ([960, 0, 0], 0));
    let (y, uv) = vicap::render_nv12(320, 240, 0);
    let mut want = vec![0u8; 320 * 240 * 3];
    assert!(format::nv12_to_rgb(320, 240, &y, &uv, false, &mut want));
    assert_eq!(plane(&rgb, 0, want.len()), &want[..]);

    let planar = dump(0, 2);
    let vf = &planar.v_frame;
    assert_eq!((vf.width, vf.height, vf.pixel_format), (128, 64, 46));
    assert_eq!(vf.stride, [128; 3]);
    assert_eq!(
        [
            vf.phys_addr[1] - vf.phys_addr[0],
            vf.phys_addr[2] - vf.phys_addr[0]
        ],
        [128 * 64, 2 * 128 * 64]
    );
    let (y, uv) = vicap::render_nv12(128, 64, 0);
    let mut want = vec![0u8; 128 * 64 * 3];
    assert!(format::nv12_to_rgb(128, 64, &y, &uv, true, &mut want));
    for p in 0..3 {
        assert_eq!(
            plane(&planar, p, 128 * 64),
            &want[p * 128 * 64..][..128 * 64]
        );
    }
    assert_eq!(planar.pool_id, vicap::ring_pool_id(0, 2));
    // A VENC channel bound to an RGB channel gets nothing it can encode: get_stream fails
    // at once, as on a size mismatch.
    assert_eq!(bind((K_ID_VI, 0, 1), (K_ID_VENC, 0, 0)), 0);
    started_channel(0, &h264_attr(320, 240, 30, 30, 30, 1000, 4, 65536));
    assert_eq!(
        get(0, 12, 0).err(),
        Some(crate::policy::BOUND_SIZE_MISMATCH)
    );
}

#[test]
fn mirror_and_flip_apply_from_the_next_start() {
    let _g = setup();
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(
            k230_sim_vicap_set_mirror(0, 4),
            err::vicap(num::ILLEGAL_PARAM)
        );
        assert_eq!(k230_sim_vicap_set_mirror(0, format::MIRROR_H), 0);
    }
    sensor(0, 0, 320, 240, 30);
    let (y0, uv0) = vicap::render_nv12(320, 240, 0);
    let f = dump(0, 0);
    let (y, uv) = (plane(&f, 0, y0.len()), plane(&f, 1, uv0.len()));
    for r in 0..240 {
        let row: Vec<u8> = y0[r * 320..][..320].iter().rev().copied().collect();
        assert_eq!(&y[r * 320..][..320], &row[..], "line {r}");
    }
    // The first U, V pair of a mirrored line is the last pair of the original line.
    assert_eq!(&uv[..2], &uv0[318..320]);
    // Changed while running: the run keeps its mask until the device starts again.
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(
            k230_sim_vicap_set_mirror(0, format::MIRROR_H | format::MIRROR_V),
            0
        );
    }
    let (y1, _) = vicap::render_nv12(320, 240, 1);
    assert_eq!(plane(&dump(0, 0), 0, 320)[0], y1[319]);
    // SAFETY: no pointers.
    unsafe {
        assert_eq!(k230_sim_vicap_stop(0), 0);
        assert_eq!(k230_sim_vicap_start(0), 0);
    }
    // Mirrored and flipped: the picture turned by 180 degrees.
    let f = dump(0, 0);
    let turned: Vec<u8> = y0.iter().rev().copied().collect();
    assert_eq!(plane(&f, 0, y0.len()), &turned[..]);
    // reset forgets the mask.
    // SAFETY: no pointers.
    unsafe { assert_eq!(k230_sim_vicap_reset(0), 0) };
    sensor(0, 0, 320, 240, 30);
    assert_eq!(plane(&dump(0, 0), 0, y0.len()), &y0[..]);
}

#[test]
fn claims_are_exclusive_until_stop() {
    let _g = setup();
    let (mut a, mut b) = (0u32, 0u32);
    // SAFETY: valid references and NULL only.
    unsafe {
        assert_eq!(
            k230_sim_vicap_claim(0, 0, std::ptr::null_mut()),
            err::vicap(num::NULL_PTR)
        );
        assert_eq!(
            k230_sim_vicap_claim(3, 0, &mut a),
            err::vicap(num::INVALID_DEVID)
        );
        assert_eq!(k230_sim_vicap_owner(0), 0);
        assert_eq!(k230_sim_vicap_claim(0, 0, &mut a), 0);
        assert!(a != 0 && k230_sim_vicap_owner(0) == a);
        assert_eq!(k230_sim_vicap_claim(0, 0, &mut b), err::vicap(num::EXIST));
        assert_eq!(k230_sim_vicap_claim(1, 0, &mut b), 0);
        // reset keeps the claim, force takes it over, stop frees it.
        assert_eq!(k230_sim_vicap_reset(0), 0);
        assert_eq!(k230_sim_vicap_owner(0), a);
        assert_eq!(k230_sim_vicap_claim(0, 1, &mut b), 0);
        assert!(b != a && k230_sim_vicap_owner(0) == b);
        assert_eq!(k230_sim_vicap_stop(0), 0);
        assert_eq!(k230_sim_vicap_owner(0), 0);
        assert_eq!(k230_sim_vicap_claim(0, 0, &mut a), 0);
        assert_eq!(k230_sim_vicap_owner(-1), 0);
    }
    crate::reset_for_tests();
    // SAFETY: no pointers.
    assert_eq!(unsafe { k230_sim_vicap_owner(1) }, 0);
}
