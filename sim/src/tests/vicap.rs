//! VICAP sensor stand-in: argument and state rules, snapshots of the test pattern, and the
//! Y4M source (looping, size check, a bound channel encoding the file's frames).

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{
    k230_sim_vicap_error, k230_sim_vicap_reset, k230_sim_vicap_set_fps,
    k230_sim_vicap_set_framesize, k230_sim_vicap_set_pixformat, k230_sim_vicap_set_source,
    k230_sim_vicap_snapshot, k230_sim_vicap_start, k230_sim_vicap_stop,
};
use crate::{vicap, K230SimFrame, K230SimStats};
use k230_venc::mpp::*;
use std::ffi::{CStr, CString};
use std::path::Path;

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
    started_channel(0, &h264_attr(128, 64, 5, 30, 30, 200, 4, 65536));
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(packs.len(), 2);
    assert_eq!(release(0, &packs), 0);
    // Back to the test pattern for the next start; a non-Y4M file is NOT_SUPPORT.
    assert_eq!(set_source(None), 0);
    std::fs::write(&path, b"not a y4m\n").unwrap();
    assert_eq!(set_source(Some(&path)), v(num::NOT_SUPPORT));
    std::fs::remove_file(&path).unwrap();
}
