//! What a VICAP channel's frames look like: the pixel formats a channel can output, where
//! their planes sit in a frame block, the mirror / flip the device applies, and the
//! NV12 -> RGB conversion of the RGB outputs.
//!
//! The sensor picture is produced as NV12 (the test pattern or a Y4M frame), mirrored /
//! flipped as the device is set up, and then written in the channel's format:
//!
//! | format | value | planes (offset in the block) | stride |
//! |---|---|---|---|
//! | `PIXEL_FORMAT_YUV_SEMIPLANAR_420` (NV12) | 31 | Y at 0, UV at `ALIGN_UP(w * h, 4096)` | `w` |
//! | `PIXEL_FORMAT_RGB_888` (packed R, G, B) | 3 | one at 0 | `3 * w` |
//! | `PIXEL_FORMAT_RGB_888_PLANAR` (R, G, B planes) | 46 | R at 0, G at `w * h`, B at `2 * w * h` | `w` |
//!
//! Values as in the CanMV MPP headers (facts sheet 3.4: PY-OLD numbers RGB_888_PLANAR 45,
//! the MPP headers and the 2025-2026 CanMV `video_struct.py` 46; the simulator follows the
//! 2025-2026 firmware). Blocks are `ALIGN_UP(size, 4096)` bytes. The RGB byte order (R first)
//! and the plane order of the planar format are read from the format names.

use crate::arena::{align_up, PAGE};
use k230_venc::mpp::PIXEL_FORMAT_YUV_SEMIPLANAR_420;

/// `PIXEL_FORMAT_RGB_888`: packed R, G, B bytes.
pub const PIXEL_FORMAT_RGB_888: u32 = 3;
/// `PIXEL_FORMAT_RGB_888_PLANAR`: an R, a G and a B plane.
pub const PIXEL_FORMAT_RGB_888_PLANAR: u32 = 46;
/// The formats a channel can output, as the hardware produces them.
pub const FORMATS: [u32; 3] = [
    PIXEL_FORMAT_YUV_SEMIPLANAR_420,
    PIXEL_FORMAT_RGB_888,
    PIXEL_FORMAT_RGB_888_PLANAR,
];

/// Device mirror bit: every line reversed (CanMV `set_hmirror`).
pub const MIRROR_H: u32 = 1;
/// Device mirror bit: the line order reversed (CanMV `set_vflip`).
pub const MIRROR_V: u32 = 2;

/// Where the planes of one frame of a channel sit in its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Planes in use (1..=3).
    pub planes: usize,
    /// Offset of each plane from the block start (0 for planes not in use).
    pub offset: [u64; 3],
    /// Bytes per line of each plane (0 for planes not in use).
    pub stride: [u32; 3],
    /// Block size (a multiple of 4096).
    pub block: u64,
}

/// The block layout of a `width` x `height` frame in `format` (one of [`FORMATS`]; any
/// other value is laid out as NV12). Sizes are at most 4096 x 4096, so nothing overflows.
pub fn layout(format: u32, width: u32, height: u32) -> Layout {
    let luma = u64::from(width) * u64::from(height);
    let page = |n: u64| align_up(n, PAGE).unwrap_or(u64::MAX);
    match format {
        PIXEL_FORMAT_RGB_888 => Layout {
            planes: 1,
            offset: [0; 3],
            stride: [3 * width, 0, 0],
            block: page(3 * luma),
        },
        PIXEL_FORMAT_RGB_888_PLANAR => Layout {
            planes: 3,
            offset: [0, luma, 2 * luma],
            stride: [width; 3],
            block: page(3 * luma),
        },
        _ => {
            let uv = page(luma);
            Layout {
                planes: 2,
                offset: [0, uv, 0],
                stride: [width, width, 0],
                block: page(uv.saturating_add(luma / 2)),
            }
        }
    }
}

/// Reverses the first `len` bytes of each of `rows` lines `stride` apart, or (`lines`) the
/// order of those lines.
fn flip(buf: &mut [u8], rows: usize, stride: usize, len: usize, lines: bool) {
    if lines {
        for r in 0..rows / 2 {
            let (top, bottom) = buf.split_at_mut((rows - 1 - r) * stride);
            top[r * stride..r * stride + len].swap_with_slice(&mut bottom[..len]);
        }
    } else {
        for r in 0..rows {
            buf[r * stride..r * stride + len].reverse();
        }
    }
}

/// Mirrors (`MIRROR_H`) and / or flips (`MIRROR_V`) an NV12 picture in place, planes as
/// [`crate::vicap::render_pattern`] writes them (the caller checked their lengths). U, V
/// pairs stay pairs: a mirrored chroma line has its pairs in reverse order.
pub fn mirror_nv12(
    width: u32,
    height: u32,
    mask: u32,
    y: &mut [u8],
    y_stride: usize,
    uv: &mut [u8],
    uv_stride: usize,
) {
    let (w, h) = (width as usize, height as usize);
    let uvw = w / 2 * 2;
    if mask & MIRROR_H != 0 {
        flip(y, h, y_stride, w, false);
        flip(uv, h / 2, uv_stride, uvw, false);
        for r in 0..h / 2 {
            for pair in uv[r * uv_stride..r * uv_stride + uvw].chunks_exact_mut(2) {
                pair.swap(0, 1);
            }
        }
    }
    if mask & MIRROR_V != 0 {
        flip(y, h, y_stride, w, true);
        flip(uv, h / 2, uv_stride, uvw, true);
    }
}

/// One BT.601 limited-range Y, U, V sample as (R, G, B), in integer arithmetic.
pub fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = 298 * (i32::from(y) - 16);
    let (d, e) = (i32::from(u) - 128, i32::from(v) - 128);
    let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
    [
        clamp(c + 409 * e),
        clamp(c - 100 * d - 208 * e),
        clamp(c + 516 * d),
    ]
}

/// Writes a tightly packed NV12 picture (`y`: `w * h` bytes, `uv`: `h / 2` lines of `w`
/// bytes) into `out` as `PIXEL_FORMAT_RGB_888` or `PIXEL_FORMAT_RGB_888_PLANAR`, laid out
/// as [`layout`] says. Returns false (writing nothing) if a buffer is too short or the
/// picture is smaller than 2 x 2.
pub fn nv12_to_rgb(
    width: u32,
    height: u32,
    y: &[u8],
    uv: &[u8],
    planar: bool,
    out: &mut [u8],
) -> bool {
    let (w, h) = (width as usize, height as usize);
    if w < 2 || h < 2 || y.len() < w * h || uv.len() < w * (h / 2) || out.len() < 3 * w * h {
        return false;
    }
    // The chroma pair of a pixel; an odd last column or line uses the last pair / line.
    let (last_pair, last_line) = (w / 2 - 1, h / 2 - 1);
    for r in 0..h {
        let uv_line = &uv[(r / 2).min(last_line) * w..];
        for x in 0..w {
            let p = (x / 2).min(last_pair) * 2;
            let rgb = yuv_to_rgb(y[r * w + x], uv_line[p], uv_line[p + 1]);
            let i = r * w + x;
            if planar {
                out[i] = rgb[0];
                out[w * h + i] = rgb[1];
                out[2 * w * h + i] = rgb[2];
            } else {
                out[3 * i..3 * i + 3].copy_from_slice(&rgb);
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let nv12 = layout(PIXEL_FORMAT_YUV_SEMIPLANAR_420, 1920, 1080);
        assert_eq!((nv12.offset[1], nv12.block), (2076672, 3117056));
        assert_eq!((nv12.planes, nv12.stride), (2, [1920, 1920, 0]));
        let rgb = layout(PIXEL_FORMAT_RGB_888, 320, 240);
        assert_eq!((rgb.planes, rgb.stride[0], rgb.block), (1, 960, 233472));
        let p = layout(PIXEL_FORMAT_RGB_888_PLANAR, 320, 240);
        assert_eq!(
            (p.planes, p.offset, p.stride),
            (3, [0, 76800, 153600], [320; 3])
        );
    }

    #[test]
    fn mirror_and_flip_move_every_sample() {
        let (w, h) = (6usize, 4usize);
        let y0: Vec<u8> = (0..(w * h) as u8).collect();
        let uv0: Vec<u8> = (100..100 + (w * h / 2) as u8).collect();
        let run = |mask| {
            let (mut y, mut uv) = (y0.clone(), uv0.clone());
            mirror_nv12(w as u32, h as u32, mask, &mut y, w, &mut uv, w);
            (y, uv)
        };
        let (y, uv) = run(MIRROR_H);
        assert_eq!(&y[..w], &[5, 4, 3, 2, 1, 0]);
        // Pairs (U, V) reversed as pairs: (100,101) (102,103) (104,105) -> (104,105) ...
        assert_eq!(&uv[..w], &[104, 105, 102, 103, 100, 101]);
        let (y, uv) = run(MIRROR_V);
        assert_eq!(&y[..w], &y0[(h - 1) * w..]);
        assert_eq!(&uv[..w], &uv0[w..]);
        let (y, _) = run(MIRROR_H | MIRROR_V);
        let rotated: Vec<u8> = y0.iter().rev().copied().collect();
        assert_eq!(y, rotated);
        assert_eq!(run(0), (y0.clone(), uv0.clone()));
        // Twice is the identity.
        let (mut y, mut uv) = run(MIRROR_H | MIRROR_V);
        mirror_nv12(w as u32, h as u32, 3, &mut y, w, &mut uv, w);
        assert_eq!((y, uv), (y0, uv0));
    }

    #[test]
    fn rgb_conversion() {
        assert_eq!(yuv_to_rgb(16, 128, 128), [0, 0, 0]);
        assert_eq!(yuv_to_rgb(235, 128, 128), [255, 255, 255]);
        // 75 % bars of vicap::BARS: yellow and blue.
        let [r, g, b] = yuv_to_rgb(162, 44, 142);
        assert!(r > 180 && g > 180 && b < 20, "{r} {g} {b}");
        let [r, g, b] = yuv_to_rgb(35, 212, 114);
        assert!(r < 20 && g < 20 && b > 180, "{r} {g} {b}");
        let (w, h) = (4u32, 2u32);
        let y = [16, 235, 16, 235, 235, 16, 235, 16];
        let uv = [128u8; 4];
        let mut packed = [0u8; 24];
        assert!(nv12_to_rgb(w, h, &y, &uv, false, &mut packed));
        assert_eq!(&packed[..6], &[0, 0, 0, 255, 255, 255]);
        let mut planar = [0u8; 24];
        assert!(nv12_to_rgb(w, h, &y, &uv, true, &mut planar));
        assert_eq!(&planar[..8], &y.map(|v| if v == 16 { 0 } else { 255 }));
        assert_eq!(planar[..8], planar[8..16]);
        assert!(!nv12_to_rgb(w, h, &y, &uv, true, &mut planar[..23]));
        // Odd sizes read no chroma beyond the picture.
        let (y, uv) = crate::vicap::render_nv12(65, 67, 3);
        let mut out = vec![0u8; 3 * 65 * 67];
        assert!(nv12_to_rgb(65, 67, &y, &uv, false, &mut out));
    }
}
