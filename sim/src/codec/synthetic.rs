//! The synthetic backend: deterministic, dependency-free, well-formed Annex-B (H.264,
//! H.265) or JPEG-marker byte streams whose sizes follow the rate control, and whose
//! payload names the exact picture that was encoded.
//!
//! # Payload text
//! Every I / P pack (and every JPEG frame, inside its first COM segment) carries the ASCII
//! text
//!
//! ```text
//! frame=<n> y=<yyyyyyyy> uv=<cccccccc> pts=<pts> size=<w>x<h>
//! ```
//!
//! - `frame`: output frame number on the channel (decimal, 0-based count of encoded frames);
//! - `y`: FNV-1a 32-bit hash of the Y plane (8 lower-case hex digits) over the visible
//!   `width` bytes of each of the `height` lines (stride honoured);
//! - `uv`: FNV-1a 32 of the interleaved UV plane over `width / 2 * 2` bytes of each of the
//!   `height / 2` lines;
//! - `pts`: input pts in microseconds (decimal); `size`: picture size.
//!
//! The text is followed by filler bytes (never 0x00, never 0xFF: no start-code emulation,
//! no JPEG markers) up to the target pack size.
//!
//! # Layout
//! - H.264 HEADER: `00 00 00 01 67 <profile_idc 66|77|100> <constraints> <level>
//!   "k230sim <w>x<h>"` then `00 00 00 01 68 ce 3c 80`. I: `00 00 00 01 65 <text+filler>`;
//!   P: `00 00 00 01 41 <text+filler>`.
//! - H.265 HEADER: VPS `40 01`, SPS `42 01`, PPS `44 01` NAL units, each after a 4-byte start
//!   code; I: `26 01` (IDR_W_RADL); P: `02 01` (TRAIL_R).
//! - JPEG: `ff d8`, COM segments (`ff fe <len>`; the first holds the text, the rest filler),
//!   `ff d9`.
//!
//! # Sizes
//! Average frame `avg = bit_rate * 1000 / 8 / dst_frame_rate` bytes; I frames
//! `min(3 * avg, gop * avg / 2)` (or `avg` when `gop == 1`), P frames
//! `(gop * avg - I) / (gop - 1)`, so a GOP averages the bitrate. JPEG:
//! `width * height * q_factor / 600` bytes. A pack is never smaller than its text.

use super::{
    Backend, Codec, EncConfig, EncodeError, Encoder, FrameReq, PackKind, PackSpan, Picture,
};
use crate::policy;
use std::ffi::CStr;
use std::fmt::Write as _;

/// The synthetic backend.
pub struct Synthetic;

impl Backend for Synthetic {
    fn name(&self) -> &'static CStr {
        c"synthetic"
    }

    fn open(&self, cfg: &EncConfig) -> Option<Box<dyn Encoder>> {
        Some(Box::new(SyntheticEncoder {
            cfg: *cfg,
            text: String::with_capacity(96),
        }))
    }
}

/// FNV-1a 32-bit hash over `rows` lines of `width` bytes, `stride` apart.
pub fn fnv1a32_plane(data: &[u8], width: usize, rows: usize, stride: usize) -> Option<u32> {
    let mut h: u32 = 0x811c_9dc5;
    for r in 0..rows {
        let start = r.checked_mul(stride)?;
        let line = data.get(start..start.checked_add(width)?)?;
        for &b in line {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    Some(h)
}

/// Hashes of the visible Y and UV planes of a picture, as used in the payload text.
pub fn picture_hashes(pic: &Picture<'_>) -> Option<(u32, u32)> {
    let w = pic.width as usize;
    let h = pic.height as usize;
    let y = fnv1a32_plane(pic.y, w, h, pic.y_stride)?;
    let uv = fnv1a32_plane(pic.uv, w / 2 * 2, h / 2, pic.uv_stride)?;
    Some((y, uv))
}

struct SyntheticEncoder {
    cfg: EncConfig,
    text: String,
}

/// Bounded writer over the output buffer.
struct Out<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self
            .pos
            .checked_add(bytes.len())
            .ok_or(EncodeError::TooLarge)?;
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EncodeError::TooLarge)?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    /// `n` filler bytes in 1..=254, varying with `seed`.
    fn filler(&mut self, n: usize, seed: u64) -> Result<(), EncodeError> {
        let end = self.pos.checked_add(n).ok_or(EncodeError::TooLarge)?;
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EncodeError::TooLarge)?;
        let mut x = (seed % 254) as u32;
        for b in dst {
            *b = (x + 1) as u8;
            x += 97;
            if x >= 254 {
                x -= 254;
            }
        }
        self.pos = end;
        Ok(())
    }
}

const START: [u8; 4] = [0, 0, 0, 1];

impl SyntheticEncoder {
    fn frame_targets(&self) -> (u64, u64) {
        let c = &self.cfg;
        let avg = (u64::from(c.bit_rate) * 1000 / 8 / u64::from(c.dst_fps.max(1))).max(1);
        let gop = u64::from(c.gop.max(1));
        if gop == 1 {
            return (avg, avg);
        }
        let i = (policy::I_FRAME_FACTOR * avg).min(gop * avg / 2).max(1);
        let p = ((gop * avg).saturating_sub(i) / (gop - 1)).max(1);
        (i, p)
    }

    fn header(&self, out: &mut Out<'_>) -> Result<(), EncodeError> {
        let c = &self.cfg;
        let tag = format!("k230sim {}x{}", c.width, c.height);
        match c.codec {
            Codec::H264 => {
                let (profile_idc, constraints) = match c.profile {
                    1 => (66u8, 0xc0u8),
                    2 => (77, 0x40),
                    _ => (100, 0x00),
                };
                let level: u8 = if c.width * c.height <= 2048 * 1088 {
                    40
                } else {
                    51
                };
                out.put(&START)?;
                out.put(&[0x67, profile_idc, constraints, level])?;
                out.put(tag.as_bytes())?;
                out.put(&START)?;
                out.put(&[0x68, 0xce, 0x3c, 0x80])
            }
            Codec::H265 => {
                out.put(&START)?;
                out.put(&[0x40, 0x01, 0x0c, 0x01, 0xff, 0xff])?;
                out.put(tag.as_bytes())?;
                out.put(&START)?;
                out.put(&[0x42, 0x01, 0x01, 0x01])?;
                out.put(tag.as_bytes())?;
                out.put(&START)?;
                out.put(&[0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40])
            }
            Codec::Jpeg => Ok(()),
        }
    }

    fn jpeg(&self, out: &mut Out<'_>, text: &[u8], seed: u64) -> Result<(), EncodeError> {
        let c = &self.cfg;
        let target = u64::from(c.width) * u64::from(c.height) * u64::from(c.q_factor) / 600;
        out.put(&[0xff, 0xd8])?;
        let com = |out: &mut Out<'_>, n: usize| {
            out.put(&[0xff, 0xfe, ((n + 2) >> 8) as u8, (n + 2) as u8])
        };
        com(out, text.len())?;
        out.put(text)?;
        // SOI + COM(text) + EOI so far; the rest is filler COM segments of <= 65533 bytes.
        let mut left = usize::try_from(target).map_err(|_| EncodeError::TooLarge)?;
        left = left.saturating_sub(out.pos + 2);
        while left > 4 {
            let n = (left - 4).min(65533);
            com(out, n)?;
            out.filler(n, seed.wrapping_add(left as u64))?;
            left -= n + 4;
        }
        out.put(&[0xff, 0xd9])
    }
}

impl Encoder for SyntheticEncoder {
    fn encode(
        &mut self,
        pic: &Picture<'_>,
        req: FrameReq,
        out: &mut [u8],
        packs: &mut Vec<PackSpan>,
    ) -> Result<(), EncodeError> {
        let (yh, uvh) = picture_hashes(pic).ok_or(EncodeError::BadInput)?;
        self.text.clear();
        // Writing to a String cannot fail.
        let _ = write!(
            self.text,
            "frame={} y={:08x} uv={:08x} pts={} size={}x{}",
            req.index, yh, uvh, pic.pts, pic.width, pic.height
        );
        let text = std::mem::take(&mut self.text);
        let r = self.encode_text(text.as_bytes(), req, out, packs);
        self.text = text;
        r
    }
}

impl SyntheticEncoder {
    fn encode_text(
        &self,
        text: &[u8],
        req: FrameReq,
        out: &mut [u8],
        packs: &mut Vec<PackSpan>,
    ) -> Result<(), EncodeError> {
        let mut o = Out { buf: out, pos: 0 };
        let seed = req.index.wrapping_mul(31);
        if self.cfg.codec == Codec::Jpeg {
            self.jpeg(&mut o, text, seed)?;
            packs.push(PackSpan {
                offset: 0,
                len: o.pos,
                kind: PackKind::I,
            });
            return Ok(());
        }
        if req.idr && (policy::HEADER_ON_EVERY_IDR || req.index == 0) {
            self.header(&mut o)?;
            packs.push(PackSpan {
                offset: 0,
                len: o.pos,
                kind: PackKind::Header,
            });
        }
        let (i_size, p_size) = self.frame_targets();
        let (target, kind) = if req.idr {
            (i_size, PackKind::I)
        } else {
            (p_size, PackKind::P)
        };
        let start = o.pos;
        let nal: &[u8] = match (self.cfg.codec, req.idr) {
            (Codec::H264, true) => &[0x65],
            (Codec::H264, false) => &[0x41],
            (_, true) => &[0x26, 0x01],
            (_, false) => &[0x02, 0x01],
        };
        o.put(&START)?;
        o.put(nal)?;
        o.put(text)?;
        let target = usize::try_from(target).map_err(|_| EncodeError::TooLarge)?;
        let have = o.pos - start;
        o.filler(target.saturating_sub(have), seed)?;
        packs.push(PackSpan {
            offset: start,
            len: o.pos - start,
            kind,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(codec: Codec) -> EncConfig {
        EncConfig {
            codec,
            profile: 2,
            width: 64,
            height: 64,
            gop: 10,
            src_fps: 30,
            dst_fps: 30,
            bit_rate: 240,
            q_factor: 50,
            rc: crate::codec::RateControl::Cbr,
            orient: crate::codec::Orientation::NONE,
        }
    }

    static FLAT_Y: [u8; 64 * 64] = [16; 64 * 64];
    static FLAT_UV: [u8; 64 * 32] = [128; 64 * 32];

    /// A flat 64x64 picture (luma 16, chroma 128), pts 7.
    fn flat_pic() -> Picture<'static> {
        Picture {
            width: 64,
            height: 64,
            y: &FLAT_Y,
            y_stride: 64,
            uv: &FLAT_UV,
            uv_stride: 64,
            pts: 7,
        }
    }

    /// Encodes frame `index` (an IDR when `idr`) into `out`; the packs replace `packs`.
    fn encode(
        e: &mut dyn Encoder,
        index: u64,
        idr: bool,
        out: &mut [u8],
        packs: &mut Vec<PackSpan>,
    ) -> Result<(), EncodeError> {
        packs.clear();
        e.encode(&flat_pic(), FrameReq { index, idr }, out, packs)
    }

    /// An encoder for `codec` that has encoded frame 0 (an IDR) into a 64 KiB buffer: the
    /// encoder, the buffer and the packs.
    fn first_idr(codec: Codec) -> (Box<dyn Encoder>, Vec<u8>, Vec<PackSpan>) {
        let mut e = Synthetic.open(&cfg(codec)).unwrap();
        let mut out = vec![0u8; 65536];
        let mut packs = Vec::new();
        encode(&mut *e, 0, true, &mut out, &mut packs).unwrap();
        (e, out, packs)
    }

    #[test]
    fn h264_idr_and_p() {
        let (mut e, mut out, mut packs) = first_idr(Codec::H264);
        assert_eq!(packs.len(), 2);
        assert_eq!(packs[0].kind, PackKind::Header);
        assert_eq!(&out[..6], &[0, 0, 0, 1, 0x67, 77]);
        let i = packs[1];
        assert_eq!(&out[i.offset..i.offset + 5], &[0, 0, 0, 1, 0x65]);
        // avg = 240000/8/30 = 1000; I = 3000.
        assert_eq!(i.len, 3000);
        let body = &out[i.offset + 5..i.offset + i.len];
        assert!(!body.contains(&0) && !body.contains(&0xff));
        let text = String::from_utf8_lossy(&body[..60]);
        assert!(text.starts_with("frame=0 y="), "{text}");
        encode(&mut *e, 1, false, &mut out, &mut packs).unwrap();
        assert_eq!(packs.len(), 1);
        assert_eq!(packs[0].kind, PackKind::P);
        // P = (10*1000 - 3000) / 9 = 777.
        assert_eq!(packs[0].len, 777);
        assert_eq!(&out[..5], &[0, 0, 0, 1, 0x41]);
        let mut small = vec![0u8; 100];
        assert_eq!(
            encode(&mut *e, 2, true, &mut small, &mut packs),
            Err(EncodeError::TooLarge)
        );
    }

    #[test]
    fn jpeg_markers() {
        let (_, out, packs) = first_idr(Codec::Jpeg);
        assert_eq!(packs.len(), 1);
        let n = packs[0].len;
        assert_eq!(&out[..4], &[0xff, 0xd8, 0xff, 0xfe]);
        assert_eq!(&out[n - 2..n], &[0xff, 0xd9]);
        assert_eq!(n, 64 * 64 * 50 / 600);
    }

    #[test]
    fn fnv_known_value() {
        // FNV-1a 32 of "a" is 0xe40c292c.
        assert_eq!(fnv1a32_plane(b"a", 1, 1, 1), Some(0xe40c_292c));
        assert_eq!(fnv1a32_plane(b"ab", 1, 2, 1), fnv1a32_plane(b"ab", 2, 1, 2));
        assert_eq!(fnv1a32_plane(b"a", 2, 1, 2), None);
    }
}
