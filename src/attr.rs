//! `ChnAttrStr` validation and its mapping onto `k_venc_chn_attr`.
//!
//! The Python object holds plain integers; [`ChnAttr::validate`] checks each
//! against the K230 limits (facts sheet sections 5.2, 5.5) and names the
//! field and its allowed values when one is off, so the MPP never sees a
//! value it would reject with a bare error code.

#![cfg_attr(not(test), forbid(unsafe_code))]

use crate::error::{Error, Result};
use crate::mpp::*;
use crate::range::in_range;

/// `Encoder.PAYLOAD_TYPE_H264` (K_PT_H264).
pub const PAYLOAD_H264: i64 = K_PT_H264 as i64;
/// `Encoder.PAYLOAD_TYPE_H265` (K_PT_H265).
pub const PAYLOAD_H265: i64 = K_PT_H265 as i64;
/// `Encoder.PAYLOAD_TYPE_JPEG` (K_PT_JPEG).
pub const PAYLOAD_JPEG: i64 = K_PT_JPEG as i64;

/// The attributes of `ChnAttrStr`, as given by the script.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChnAttr {
    /// `payload_type`: PAYLOAD_TYPE_H264 / H265 / JPEG.
    pub payload_type: i64,
    /// `profile`: an H264_PROFILE_* / H265_PROFILE_MAIN value, 0 for JPEG.
    pub profile: i64,
    /// `pic_width` in pixels.
    pub pic_width: i64,
    /// `pic_height` in pixels.
    pub pic_height: i64,
    /// `gop_len`: frames from one IDR to the next.
    pub gop_len: i64,
    /// `bit_rate` in kbit/s (CBR target).
    pub bit_rate: i64,
    /// `src_frame_rate`: input frames per second.
    pub src_frame_rate: i64,
    /// `dst_frame_rate`: output frames per second (<= src).
    pub dst_frame_rate: i64,
    /// `mjpeg_quality_factor`: JPEG quality 1..99.
    pub mjpeg_quality_factor: i64,
}

impl ChnAttr {
    /// The documented defaults for the given first four arguments.
    pub const fn new(payload_type: i64, profile: i64, width: i64, height: i64) -> Self {
        ChnAttr {
            payload_type,
            profile,
            pic_width: width,
            pic_height: height,
            gop_len: 30,
            bit_rate: 4000,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            mjpeg_quality_factor: 45,
        }
    }
}

/// The codec of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// H.264 / AVC.
    H264,
    /// H.265 / HEVC.
    H265,
    /// Baseline JPEG (one picture per frame).
    Jpeg,
}

/// A validated channel configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncConfig {
    /// Codec.
    pub codec: Codec,
    /// K230 profile value (0 for JPEG).
    pub profile: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// GOP length in frames.
    pub gop: u32,
    /// kbit/s.
    pub bit_rate: u32,
    /// Input fps.
    pub src_fps: u32,
    /// Output fps.
    pub dst_fps: u32,
    /// JPEG quality.
    pub q_factor: u32,
}

const U32_MAX: i64 = u32::MAX as i64;

/// The frame rates of a JPEG channel (`mjpeg_fixqp.src_frame_rate` / `dst_frame_rate`), as
/// every CanMV generation sets them whatever the ChnAttrStr says.
const JPEG_FRAME_RATE: u32 = 30;

impl ChnAttr {
    /// Validates every field against the K230 limits.
    ///
    /// # Errors
    /// [`Error::Range`] or [`Error::Invalid`] naming the first bad field.
    pub fn validate(&self) -> Result<EncConfig> {
        let codec =
            match self.payload_type {
                PAYLOAD_H264 => Codec::H264,
                PAYLOAD_H265 => Codec::H265,
                PAYLOAD_JPEG => Codec::Jpeg,
                got => return Err(Error::Range {
                    arg: "chnAttr.payload_type",
                    allowed:
                        "PAYLOAD_TYPE_H264 (96), PAYLOAD_TYPE_H265 (265) or PAYLOAD_TYPE_JPEG (26)",
                    got,
                }),
            };
        let profile = match codec {
            Codec::H264 => in_range(
                "chnAttr.profile",
                "H264_PROFILE_BASELINE (1), H264_PROFILE_MAIN (2) or H264_PROFILE_HIGH (3) for H.264",
                self.profile,
                VENC_PROFILE_H264_BASELINE as i64,
                VENC_PROFILE_H264_HIGH as i64,
            )?,
            Codec::H265 => in_range(
                "chnAttr.profile",
                "H265_PROFILE_MAIN (5) for H.265",
                self.profile,
                VENC_PROFILE_H265_MAIN as i64,
                VENC_PROFILE_H265_MAIN as i64,
            )?,
            // Ignored for JPEG, as on the board (every CanMV generation passes it through and
            // the encoder does not use it; a community report has profile 2 writing valid
            // JPEGs): any value the profile constants take, VENC_PROFILE_NONE to the MPP.
            Codec::Jpeg => match self.profile {
                0..=3 | 5 => VENC_PROFILE_NONE,
                got => {
                    return Err(Error::Range {
                        arg: "chnAttr.profile",
                        allowed: "0 or a profile constant (H264_PROFILE_BASELINE (1), \
                                  H264_PROFILE_MAIN (2), H264_PROFILE_HIGH (3), H265_PROFILE_MAIN (5)) \
                                  for JPEG, which ignores it",
                        got,
                    })
                }
            },
        };
        let (width, height) = match codec {
            Codec::Jpeg => (
                in_range(
                    "chnAttr.pic_width",
                    "in 128..8192 for JPEG",
                    self.pic_width,
                    128,
                    8192,
                )?,
                in_range(
                    "chnAttr.pic_height",
                    "in 64..8192 for JPEG",
                    self.pic_height,
                    64,
                    8192,
                )?,
            ),
            _ => (
                in_range(
                    "chnAttr.pic_width",
                    "in 128..4096 for H.264/H.265",
                    self.pic_width,
                    128,
                    4096,
                )?,
                in_range(
                    "chnAttr.pic_height",
                    "in 64..4096 for H.264/H.265",
                    self.pic_height,
                    64,
                    4096,
                )?,
            ),
        };
        // 4:2:0 input (NV12): the chroma plane has half the lines and columns.
        for (arg, v) in [("chnAttr.pic_width", width), ("chnAttr.pic_height", height)] {
            if v % 2 != 0 {
                return Err(Error::Range {
                    arg,
                    allowed: "even (4:2:0 pictures)",
                    got: v as i64,
                });
            }
        }
        // JPEG channels are MJPEG_FIXQP at 30/30 on every CanMV generation: the GOP, the
        // bit rate and the frame rates of the ChnAttrStr are not used, so not checked either
        // (the board accepts any); every frame sent or bound is encoded.
        if codec == Codec::Jpeg {
            let q_factor = in_range(
                "chnAttr.mjpeg_quality_factor",
                "in 1..99",
                self.mjpeg_quality_factor,
                1,
                99,
            )?;
            return Ok(EncConfig {
                codec,
                profile,
                width,
                height,
                gop: 1,
                bit_rate: 0,
                src_fps: JPEG_FRAME_RATE,
                dst_fps: JPEG_FRAME_RATE,
                q_factor,
            });
        }
        let gop = in_range(
            "chnAttr.gop_len",
            "in 1..4294967295",
            self.gop_len,
            1,
            U32_MAX,
        )?;
        let bit_rate = in_range(
            "chnAttr.bit_rate",
            "in 1..4294967295 kbit/s",
            self.bit_rate,
            1,
            U32_MAX,
        )?;
        let src_fps = in_range(
            "chnAttr.src_frame_rate",
            "in 1..4294967295",
            self.src_frame_rate,
            1,
            U32_MAX,
        )?;
        let dst_fps = in_range(
            "chnAttr.dst_frame_rate",
            "in 1..src_frame_rate",
            self.dst_frame_rate,
            1,
            src_fps as i64,
        )?;
        let q_factor = 0;
        Ok(EncConfig {
            codec,
            profile,
            width,
            height,
            gop,
            bit_rate,
            src_fps,
            dst_fps,
            q_factor,
        })
    }
}

/// `ALIGN_UP(x, a)` for a power-of-two `a`.
pub const fn align_up(x: u64, a: u64) -> u64 {
    (x + a - 1) & !(a - 1)
}

/// Bytes of one output stream buffer for a picture, as CanMV sizes it:
/// `ALIGN_UP(w * h * 3 / 4, 4096)`.
pub const fn stream_buf_size(width: u32, height: u32) -> u32 {
    align_up(width as u64 * height as u64 * 3 / 4, 4096) as u32
}

impl EncConfig {
    /// The MPP channel attributes. `buf_cnt` is the number of output buffers
    /// (SetOutBufs); 2024 ABI: passed as `stream_buf_cnt` with
    /// `stream_buf_size` = [`stream_buf_size`].
    ///
    /// H.264/H.265 use CBR at `bit_rate` kbit/s with `stats_time` 1 s (the
    /// documented minimum; CanMV passes 0). JPEG uses MJPEG_FIXQP with the
    /// configured frame rates (CanMV hard-codes 30/30) and the quality factor.
    pub fn to_mpp(&self, buf_cnt: u32) -> k_venc_chn_attr {
        let mut attr = k_venc_chn_attr::default();
        attr.venc_attr.type_ = match self.codec {
            Codec::H264 => K_PT_H264,
            Codec::H265 => K_PT_H265,
            Codec::Jpeg => K_PT_JPEG,
        };
        attr.venc_attr.pic_width = self.width;
        attr.venc_attr.pic_height = self.height;
        attr.venc_attr.profile = self.profile;
        #[cfg(not(feature = "abi-2025"))]
        {
            attr.venc_attr.stream_buf_size = stream_buf_size(self.width, self.height);
            attr.venc_attr.stream_buf_cnt = buf_cnt;
        }
        #[cfg(feature = "abi-2025")]
        let _ = buf_cnt;
        match self.codec {
            Codec::Jpeg => {
                attr.rc_attr.rc_mode = K_VENC_RC_MODE_MJPEG_FIXQP;
                attr.rc_attr.__bindgen_anon_1.mjpeg_fixqp = k_venc_mjpeg_fixqp {
                    src_frame_rate: self.src_fps,
                    dst_frame_rate: self.dst_fps,
                    q_factor: self.q_factor,
                };
            }
            _ => {
                attr.rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
                attr.rc_attr.__bindgen_anon_1.cbr = k_venc_cbr {
                    gop: self.gop,
                    stats_time: 1,
                    src_frame_rate: self.src_fps,
                    dst_frame_rate: self.dst_fps,
                    bit_rate: self.bit_rate,
                };
            }
        }
        attr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h264() -> ChnAttr {
        ChnAttr::new(PAYLOAD_H264, 2, 1280, 720)
    }

    fn field_err(a: ChnAttr) -> &'static str {
        match a.validate() {
            Err(Error::Range { arg, .. }) | Err(Error::Invalid { arg, .. }) => arg,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = h264().validate().unwrap();
        assert_eq!(
            (c.gop, c.bit_rate, c.src_fps, c.dst_fps),
            (30, 4000, 30, 30)
        );
        assert_eq!(h264().mjpeg_quality_factor, 45);
    }

    #[test]
    fn size_boundaries_min_minus_one_min_max_max_plus_one() {
        for (w, ok) in [(127, false), (128, true), (4096, true), (4097, false)] {
            let a = ChnAttr {
                pic_width: w,
                ..h264()
            };
            assert_eq!(a.validate().is_ok(), ok, "width {w}");
        }
        for (h, ok) in [(63, false), (64, true), (4096, true), (4097, false)] {
            let a = ChnAttr {
                pic_height: h,
                ..h264()
            };
            assert_eq!(a.validate().is_ok(), ok, "height {h}");
        }
        for (w, ok) in [(127, false), (128, true), (8192, true), (8193, false)] {
            let a = ChnAttr {
                pic_width: w,
                ..ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480)
            };
            assert_eq!(a.validate().is_ok(), ok, "jpeg width {w}");
        }
        for (h, ok) in [(63, false), (64, true), (8192, true), (8193, false)] {
            let a = ChnAttr {
                pic_height: h,
                ..ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480)
            };
            assert_eq!(a.validate().is_ok(), ok, "jpeg height {h}");
        }
    }

    #[test]
    fn sizes_must_be_even() {
        assert_eq!(
            field_err(ChnAttr {
                pic_width: 641,
                ..h264()
            }),
            "chnAttr.pic_width"
        );
        assert_eq!(
            field_err(ChnAttr {
                pic_height: 481,
                ..h264()
            }),
            "chnAttr.pic_height"
        );
        let e = ChnAttr {
            pic_width: 641,
            ..h264()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "chnAttr.pic_width must be even (4:2:0 pictures) (got 641)"
        );
    }

    #[test]
    fn rate_and_gop_boundaries() {
        assert_eq!(
            field_err(ChnAttr {
                bit_rate: 0,
                ..h264()
            }),
            "chnAttr.bit_rate"
        );
        assert!(ChnAttr {
            bit_rate: 1,
            ..h264()
        }
        .validate()
        .is_ok());
        assert!(ChnAttr {
            bit_rate: U32_MAX,
            ..h264()
        }
        .validate()
        .is_ok());
        assert_eq!(
            field_err(ChnAttr {
                bit_rate: U32_MAX + 1,
                ..h264()
            }),
            "chnAttr.bit_rate"
        );
        assert_eq!(
            field_err(ChnAttr {
                gop_len: 0,
                ..h264()
            }),
            "chnAttr.gop_len"
        );
        assert_eq!(
            field_err(ChnAttr {
                gop_len: -3,
                ..h264()
            }),
            "chnAttr.gop_len"
        );
        assert!(ChnAttr {
            gop_len: 1,
            ..h264()
        }
        .validate()
        .is_ok());
        assert_eq!(
            field_err(ChnAttr {
                src_frame_rate: 0,
                ..h264()
            }),
            "chnAttr.src_frame_rate"
        );
        assert_eq!(
            field_err(ChnAttr {
                dst_frame_rate: 0,
                ..h264()
            }),
            "chnAttr.dst_frame_rate"
        );
        assert_eq!(
            field_err(ChnAttr {
                dst_frame_rate: 31,
                ..h264()
            }),
            "chnAttr.dst_frame_rate"
        );
        assert!(ChnAttr {
            dst_frame_rate: 15,
            ..h264()
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn profile_must_fit_payload() {
        assert_eq!(
            field_err(ChnAttr {
                profile: 5,
                ..h264()
            }),
            "chnAttr.profile"
        );
        assert_eq!(
            field_err(ChnAttr {
                profile: 0,
                ..h264()
            }),
            "chnAttr.profile"
        );
        for p in 1..=3 {
            assert!(ChnAttr {
                profile: p,
                ..h264()
            }
            .validate()
            .is_ok());
        }
        let h265 = ChnAttr::new(PAYLOAD_H265, 5, 1280, 720);
        assert!(h265.validate().is_ok());
        assert_eq!(field_err(ChnAttr { profile: 2, ..h265 }), "chnAttr.profile");
        // JPEG ignores the profile, as the board does: 0 or any profile constant, NONE to the MPP.
        let jpeg = ChnAttr::new(PAYLOAD_JPEG, 0, 1280, 720);
        for p in [0, 1, 2, 3, 5] {
            let c = ChnAttr { profile: p, ..jpeg }.validate().unwrap();
            assert_eq!(c.profile, VENC_PROFILE_NONE, "profile {p}");
        }
        for p in [4, 6, -1] {
            assert_eq!(field_err(ChnAttr { profile: p, ..jpeg }), "chnAttr.profile");
        }
        assert_eq!(
            field_err(ChnAttr {
                payload_type: 1002,
                ..h264()
            }),
            "chnAttr.payload_type"
        );
    }

    #[test]
    fn jpeg_quality_boundaries() {
        let jpeg = ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480);
        for (q, ok) in [(0, false), (1, true), (99, true), (100, false)] {
            let a = ChnAttr {
                mjpeg_quality_factor: q,
                ..jpeg
            };
            assert_eq!(a.validate().is_ok(), ok, "q {q}");
        }
        // Quality is not checked for H.264 where it is unused.
        assert!(ChnAttr {
            mjpeg_quality_factor: 0,
            ..h264()
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn maps_onto_cbr_and_mjpeg_fixqp() {
        let c = ChnAttr {
            bit_rate: 8000,
            gop_len: 15,
            ..h264()
        }
        .validate()
        .unwrap();
        let m = c.to_mpp(8);
        assert_eq!(m.venc_attr.type_, K_PT_H264);
        assert_eq!(m.rc_attr.rc_mode, K_VENC_RC_MODE_CBR);
        // SAFETY: reading the union member that was written (test).
        let cbr = unsafe { m.rc_attr.__bindgen_anon_1.cbr };
        assert_eq!(
            (cbr.gop, cbr.bit_rate, cbr.src_frame_rate, cbr.stats_time),
            (15, 8000, 30, 1)
        );
        #[cfg(not(feature = "abi-2025"))]
        {
            assert_eq!(m.venc_attr.stream_buf_cnt, 8);
            assert_eq!(m.venc_attr.stream_buf_size, 169 * 4096); // ALIGN_UP(1280*720*3/4, 4096)
        }
        // JPEG: MJPEG_FIXQP at 30/30 whatever the frame rates, GOP and bit rate say (not
        // checked either), as on the board.
        let j = ChnAttr {
            mjpeg_quality_factor: 80,
            src_frame_rate: 15,
            dst_frame_rate: 60,
            gop_len: 0,
            bit_rate: 0,
            ..ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480)
        };
        let m = j.validate().unwrap().to_mpp(2);
        assert_eq!(m.rc_attr.rc_mode, K_VENC_RC_MODE_MJPEG_FIXQP);
        // SAFETY: reading the union member that was written (test).
        let q = unsafe { m.rc_attr.__bindgen_anon_1.mjpeg_fixqp };
        assert_eq!(
            (q.src_frame_rate, q.dst_frame_rate, q.q_factor),
            (30, 30, 80)
        );
    }

    #[test]
    fn align_and_buffer_size() {
        assert_eq!(align_up(1, 4096), 4096);
        assert_eq!(align_up(4096, 4096), 4096);
        assert_eq!(stream_buf_size(800, 480), 71 * 4096);
    }
}
