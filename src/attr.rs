//! `ChnAttrStr` validation and its mapping onto `k_venc_chn_attr`.
//!
//! The Python object holds plain integers; [`ChnAttr::validate`] checks each
//! against the K230 limits (facts sheet sections 5.2, 5.5) and names the
//! field and its allowed values when one is off, so the MPP never sees a
//! value it would reject with a bare error code.

#![cfg_attr(not(test), forbid(unsafe_code))]

use crate::error::{Error, Named, Result};
use crate::mpp::*;
use crate::range::in_range;

/// `Encoder.PAYLOAD_TYPE_H264` (K_PT_H264).
pub const PAYLOAD_H264: i64 = K_PT_H264 as i64;
/// `Encoder.PAYLOAD_TYPE_H265` (K_PT_H265).
pub const PAYLOAD_H265: i64 = K_PT_H265 as i64;
/// `Encoder.PAYLOAD_TYPE_JPEG` (K_PT_JPEG).
pub const PAYLOAD_JPEG: i64 = K_PT_JPEG as i64;

/// `Encoder.RC_CBR` (K_VENC_RC_MODE_CBR): constant bit rate, the documented behaviour.
pub const RC_CBR: i64 = K_VENC_RC_MODE_CBR as i64;
/// `Encoder.RC_VBR` (K_VENC_RC_MODE_VBR): average `bit_rate`, at most `max_bit_rate`.
pub const RC_VBR: i64 = K_VENC_RC_MODE_VBR as i64;
/// `Encoder.RC_FIXQP` (K_VENC_RC_MODE_FIXQP): every IDR at `i_qp`, every P frame at `p_qp`.
pub const RC_FIXQP: i64 = K_VENC_RC_MODE_FIXQP as i64;
/// `Encoder.ROTATION_0`: the picture as it comes (angles in degrees, clockwise).
pub const ROTATION_0: i64 = 0;
/// `Encoder.ROTATION_90`: a quarter turn; the coded picture is `pic_height` x `pic_width`.
pub const ROTATION_90: i64 = 90;
/// `Encoder.ROTATION_180`: a half turn.
pub const ROTATION_180: i64 = 180;
/// `Encoder.ROTATION_270`: three quarter turns; the coded picture is `pic_height` x `pic_width`.
pub const ROTATION_270: i64 = 270;
/// `Encoder.MIRROR_NONE`: not mirrored (no MPP call).
pub const MIRROR_NONE: i64 = 0;
/// `Encoder.MIRROR_HORIZONTAL` (K_VENC_MIRROR_HORI): left and right swapped.
pub const MIRROR_HORIZONTAL: i64 = K_VENC_MIRROR_HORI as i64;
/// `Encoder.MIRROR_VERTICAL` (K_VENC_MIRROR_VERT): top and bottom swapped.
pub const MIRROR_VERTICAL: i64 = K_VENC_MIRROR_VERT as i64;
/// `ChnAttrStr` default `i_qp` (the MPP documents none).
pub const DEFAULT_I_QP: i64 = 25;
/// `ChnAttrStr` default `p_qp` (the MPP documents none).
pub const DEFAULT_P_QP: i64 = 30;
/// The highest QP of 8-bit H.264 / H.265 (`i_qp`, `p_qp`: 0..51).
pub const MAX_QP: i64 = 51;

const fn named(value: i64, name: &'static str) -> Named {
    Named {
        value: value as u32,
        name,
        note: "",
    }
}

const RC_MODES: &[Named] = &[
    named(RC_CBR, "RC_CBR"),
    named(RC_VBR, "RC_VBR"),
    named(RC_FIXQP, "RC_FIXQP"),
];
/// JPEG channels are MJPEG_FIXQP whatever the script says: only the default is accepted.
const JPEG_RC_MODES: &[Named] = &[Named {
    value: RC_CBR as u32,
    name: "RC_CBR",
    note: ", the default: JPEG is always fixed quality, set by mjpeg_quality_factor",
}];
const ROTATIONS: &[Named] = &[
    named(ROTATION_0, "ROTATION_0"),
    named(ROTATION_90, "ROTATION_90"),
    named(ROTATION_180, "ROTATION_180"),
    named(ROTATION_270, "ROTATION_270"),
];
const MIRRORS: &[Named] = &[
    named(MIRROR_NONE, "MIRROR_NONE"),
    named(MIRROR_HORIZONTAL, "MIRROR_HORIZONTAL"),
    named(MIRROR_VERTICAL, "MIRROR_VERTICAL"),
];

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
    /// `rc_mode` (beyond the manual): RC_CBR (default), RC_VBR or RC_FIXQP.
    pub rc_mode: i64,
    /// `max_bit_rate` in kbit/s (RC_VBR): 0 (default) means `bit_rate`.
    pub max_bit_rate: i64,
    /// `i_qp` (RC_FIXQP): QP of the IDR frames, 0..51.
    pub i_qp: i64,
    /// `p_qp` (RC_FIXQP): QP of the P frames, 0..51.
    pub p_qp: i64,
    /// `rotation` in degrees clockwise: 0 (default), 90, 180 or 270.
    pub rotation: i64,
    /// `mirror`: MIRROR_NONE (default), MIRROR_HORIZONTAL or MIRROR_VERTICAL.
    pub mirror: i64,
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
            rc_mode: RC_CBR,
            max_bit_rate: 0,
            i_qp: DEFAULT_I_QP,
            p_qp: DEFAULT_P_QP,
            rotation: ROTATION_0,
            mirror: MIRROR_NONE,
        }
    }
}

/// The rate control of an H.264 / H.265 channel (`k_venc_rc_attr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateControl {
    /// K_VENC_RC_MODE_CBR at `bit_rate`. JPEG channels say this too: they are MJPEG_FIXQP at
    /// `q_factor` whatever the configuration holds here.
    Cbr,
    /// K_VENC_RC_MODE_VBR: average `bit_rate`, peaks up to `max_bit_rate` (kbit/s, at least
    /// `bit_rate`).
    Vbr {
        /// kbit/s.
        max_bit_rate: u32,
    },
    /// K_VENC_RC_MODE_FIXQP: constant quantiser, one for IDR frames and one for P frames.
    FixQp {
        /// QP of IDR frames (0..51).
        i_qp: u32,
        /// QP of P frames (0..51).
        p_qp: u32,
    },
}

/// A turn of the picture (`k_rotation`), clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// None.
    R0,
    /// A quarter turn: the coded picture is `height` x `width`.
    R90,
    /// A half turn.
    R180,
    /// Three quarter turns: the coded picture is `height` x `width`.
    R270,
}

/// A mirror of the picture (`k_venc_mirror`, which has no value for "none").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mirror {
    /// Not mirrored.
    None,
    /// Left and right swapped.
    Horizontal,
    /// Top and bottom swapped.
    Vertical,
}

/// How a channel turns and mirrors its input pictures before coding them. Where both are
/// set, the simulator mirrors first and then turns (`sim/src/policy.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation {
    /// The turn.
    pub rotation: Rotation,
    /// The mirror.
    pub mirror: Mirror,
}

impl Orientation {
    /// The picture as it comes.
    pub const NONE: Orientation = Orientation {
        rotation: Rotation::R0,
        mirror: Mirror::None,
    };

    /// `ChnAttrStr`'s `rotation` (degrees) and `mirror`, checked.
    ///
    /// # Errors
    /// [`Error::OneOf`] naming `chnAttr.rotation` or `chnAttr.mirror` and their constants.
    pub fn from_attr(rotation: i64, mirror: i64) -> Result<Orientation> {
        let rotation = match rotation {
            ROTATION_0 => Rotation::R0,
            ROTATION_90 => Rotation::R90,
            ROTATION_180 => Rotation::R180,
            ROTATION_270 => Rotation::R270,
            got => {
                return Err(Error::OneOf {
                    arg: "chnAttr.rotation",
                    choices: ROTATIONS,
                    got,
                })
            }
        };
        let mirror = match mirror {
            MIRROR_NONE => Mirror::None,
            MIRROR_HORIZONTAL => Mirror::Horizontal,
            MIRROR_VERTICAL => Mirror::Vertical,
            got => {
                return Err(Error::OneOf {
                    arg: "chnAttr.mirror",
                    choices: MIRRORS,
                    got,
                })
            }
        };
        Ok(Orientation { rotation, mirror })
    }

    /// The size of the coded picture for an input of `width` x `height`.
    pub const fn coded_size(&self, width: u32, height: u32) -> (u32, u32) {
        match self.rotation {
            Rotation::R90 | Rotation::R270 => (height, width),
            Rotation::R0 | Rotation::R180 => (width, height),
        }
    }

    /// `kd_mpi_venc_set_rotation`'s argument, or `None` when no call is needed.
    pub const fn mpp_rotation(&self) -> Option<k_rotation> {
        match self.rotation {
            Rotation::R0 => None,
            Rotation::R90 => Some(K_VPU_ROTATION_90),
            Rotation::R180 => Some(K_VPU_ROTATION_180),
            Rotation::R270 => Some(K_VPU_ROTATION_270),
        }
    }

    /// `kd_mpi_venc_set_mirror`'s argument, or `None` when no call is needed.
    pub const fn mpp_mirror(&self) -> Option<k_venc_mirror> {
        match self.mirror {
            Mirror::None => None,
            Mirror::Horizontal => Some(K_VENC_MIRROR_HORI),
            Mirror::Vertical => Some(K_VENC_MIRROR_VERT),
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
    /// Rate control (H.264 / H.265; [`RateControl::Cbr`] for JPEG).
    pub rc: RateControl,
    /// Rotation and mirror: the MPP applies them after create (`kd_mpi_venc_set_rotation` /
    /// `kd_mpi_venc_set_mirror`). `width` and `height` stay the input size.
    pub orient: Orientation,
}

const U32_MAX: i64 = u32::MAX as i64;
/// The encoder's minimum picture width (H.264 / H.265 and JPEG alike).
const MIN_WIDTH: u32 = 128;

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
        // The keywords beyond the manual are checked whatever the mode (no board script
        // depends on their being ignored).
        let max_bit_rate = in_range(
            "chnAttr.max_bit_rate",
            "0 (the default: bit_rate) or in 1..4294967295 kbit/s",
            self.max_bit_rate,
            0,
            U32_MAX,
        )?;
        let i_qp = in_range("chnAttr.i_qp", "in 0..51", self.i_qp, 0, MAX_QP)?;
        let p_qp = in_range("chnAttr.p_qp", "in 0..51", self.p_qp, 0, MAX_QP)?;
        let orient = Orientation::from_attr(self.rotation, self.mirror)?;
        // A quarter turn codes a picture pic_height wide: the minimum width holds for it too
        // (the maxima are the same both ways).
        if orient.coded_size(width, height).0 < MIN_WIDTH {
            return Err(Error::Invalid {
                arg: "chnAttr.rotation",
                why: "ROTATION_90 and ROTATION_270 code a picture pic_height wide: they need \
                      pic_height of at least 128, the encoder's minimum width",
            });
        }
        // JPEG channels are MJPEG_FIXQP at 30/30 on every CanMV generation: the GOP, the
        // bit rate and the frame rates of the ChnAttrStr are not used, so not checked either
        // (the board accepts any); every frame sent or bound is encoded.
        if codec == Codec::Jpeg {
            // A JPEG channel cannot do VBR or FIXQP: asking for them is an error, not ignored.
            if self.rc_mode != RC_CBR {
                return Err(Error::OneOf {
                    arg: "chnAttr.rc_mode",
                    choices: JPEG_RC_MODES,
                    got: self.rc_mode,
                });
            }
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
                rc: RateControl::Cbr,
                orient,
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
        let rc = match self.rc_mode {
            RC_CBR => RateControl::Cbr,
            // The peak may not be below the average; 0 caps the peaks at the average.
            RC_VBR if max_bit_rate == 0 => RateControl::Vbr {
                max_bit_rate: bit_rate,
            },
            RC_VBR if max_bit_rate < bit_rate => {
                return Err(Error::Range {
                    arg: "chnAttr.max_bit_rate",
                    allowed: "0 (the default: bit_rate) or at least bit_rate for RC_VBR",
                    got: self.max_bit_rate,
                })
            }
            RC_VBR => RateControl::Vbr { max_bit_rate },
            RC_FIXQP => RateControl::FixQp { i_qp, p_qp },
            got => {
                return Err(Error::OneOf {
                    arg: "chnAttr.rc_mode",
                    choices: RC_MODES,
                    got,
                })
            }
        };
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
            rc,
            orient,
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
    /// H.264/H.265 use the rate control of [`EncConfig::rc`]: CBR at `bit_rate` kbit/s, or
    /// VBR at `bit_rate` up to `max_bit_rate`, both with `stats_time` 1 s (the documented
    /// minimum; CanMV passes 0), or FIXQP with `i_qp` / `p_qp`. JPEG uses MJPEG_FIXQP with
    /// the configured frame rates (CanMV hard-codes 30/30) and the quality factor.
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
            _ => match self.rc {
                RateControl::Cbr => {
                    attr.rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
                    attr.rc_attr.__bindgen_anon_1.cbr = k_venc_cbr {
                        gop: self.gop,
                        stats_time: 1,
                        src_frame_rate: self.src_fps,
                        dst_frame_rate: self.dst_fps,
                        bit_rate: self.bit_rate,
                    };
                }
                RateControl::Vbr { max_bit_rate } => {
                    attr.rc_attr.rc_mode = K_VENC_RC_MODE_VBR;
                    attr.rc_attr.__bindgen_anon_1.vbr = k_venc_vbr {
                        gop: self.gop,
                        stats_time: 1,
                        src_frame_rate: self.src_fps,
                        dst_frame_rate: self.dst_fps,
                        max_bit_rate,
                        bit_rate: self.bit_rate,
                    };
                }
                RateControl::FixQp { i_qp, p_qp } => {
                    attr.rc_attr.rc_mode = K_VENC_RC_MODE_FIXQP;
                    attr.rc_attr.__bindgen_anon_1.fixqp = k_venc_fixqp {
                        gop: self.gop,
                        src_frame_rate: self.src_fps,
                        dst_frame_rate: self.dst_fps,
                        i_qp,
                        p_qp,
                    };
                }
            },
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
    fn a_quarter_turn_needs_the_height_to_be_a_width() {
        for (payload, rotation, h, ok) in [
            (PAYLOAD_H264, ROTATION_90, 126, false),
            (PAYLOAD_H264, ROTATION_270, 128, true),
            (PAYLOAD_H265, ROTATION_270, 64, false),
            (PAYLOAD_H264, ROTATION_180, 64, true),
            (PAYLOAD_JPEG, ROTATION_90, 100, false),
            (PAYLOAD_JPEG, ROTATION_0, 100, true),
        ] {
            let a = ChnAttr {
                pic_height: h,
                rotation,
                ..ChnAttr::new(
                    payload,
                    if payload == PAYLOAD_H265 { 5 } else { 2 },
                    640,
                    480,
                )
            };
            assert_eq!(a.validate().is_ok(), ok, "{payload} {rotation} height {h}");
            if !ok {
                assert_eq!(field_err(a), "chnAttr.rotation");
            }
        }
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

    /// The message of the error `a` is.
    fn message(a: ChnAttr) -> std::string::String {
        std::string::ToString::to_string(&a.validate().unwrap_err())
    }

    #[test]
    fn new_keywords_default_to_the_documented_behaviour() {
        let c = h264().validate().unwrap();
        assert_eq!((c.rc, c.orient), (RateControl::Cbr, Orientation::NONE));
        let m = c.to_mpp(4);
        assert_eq!(m.rc_attr.rc_mode, K_VENC_RC_MODE_CBR);
        assert_eq!((h264().i_qp, h264().p_qp), (DEFAULT_I_QP, DEFAULT_P_QP));
        assert_eq!(h264().max_bit_rate, 0);
    }

    #[test]
    fn vbr_maps_onto_k_venc_vbr() {
        let a = ChnAttr {
            rc_mode: RC_VBR,
            bit_rate: 2000,
            max_bit_rate: 5000,
            gop_len: 25,
            src_frame_rate: 30,
            dst_frame_rate: 15,
            ..h264()
        };
        let c = a.validate().unwrap();
        assert_eq!(c.rc, RateControl::Vbr { max_bit_rate: 5000 });
        let m = c.to_mpp(4);
        assert_eq!(m.rc_attr.rc_mode, K_VENC_RC_MODE_VBR);
        // SAFETY: reading the union member that was written (test).
        let v = unsafe { m.rc_attr.__bindgen_anon_1.vbr };
        assert_eq!(
            (
                v.gop,
                v.stats_time,
                v.src_frame_rate,
                v.dst_frame_rate,
                v.max_bit_rate,
                v.bit_rate
            ),
            (25, 1, 30, 15, 5000, 2000)
        );
        // 0 (the default) caps the peaks at the average; equal is fine; below is an error.
        for (max, want) in [(0, Some(2000)), (2000, Some(2000)), (1999, None)] {
            let r = ChnAttr {
                max_bit_rate: max,
                ..a
            }
            .validate();
            match want {
                Some(w) => assert_eq!(r.unwrap().rc, RateControl::Vbr { max_bit_rate: w }),
                None => assert_eq!(
                    message(ChnAttr {
                        max_bit_rate: max,
                        ..a
                    }),
                    "chnAttr.max_bit_rate must be 0 (the default: bit_rate) or at least \
                     bit_rate for RC_VBR (got 1999)"
                ),
            }
        }
        // Below bit_rate is fine where VBR does not use it.
        assert!(ChnAttr {
            max_bit_rate: 10,
            ..h264()
        }
        .validate()
        .is_ok());
        assert_eq!(
            field_err(ChnAttr {
                max_bit_rate: U32_MAX + 1,
                ..h264()
            }),
            "chnAttr.max_bit_rate"
        );
        assert_eq!(
            field_err(ChnAttr {
                max_bit_rate: -1,
                ..h264()
            }),
            "chnAttr.max_bit_rate"
        );
    }

    #[test]
    fn fixqp_maps_onto_k_venc_fixqp_and_qps_are_0_to_51() {
        let a = ChnAttr {
            rc_mode: RC_FIXQP,
            i_qp: 22,
            p_qp: 35,
            gop_len: 10,
            ..ChnAttr::new(PAYLOAD_H265, 5, 640, 480)
        };
        let m = a.validate().unwrap().to_mpp(4);
        assert_eq!(m.rc_attr.rc_mode, K_VENC_RC_MODE_FIXQP);
        // SAFETY: reading the union member that was written (test).
        let q = unsafe { m.rc_attr.__bindgen_anon_1.fixqp };
        assert_eq!(
            (q.gop, q.src_frame_rate, q.dst_frame_rate, q.i_qp, q.p_qp),
            (10, 30, 30, 22, 35)
        );
        for (qp, ok) in [(-1, false), (0, true), (51, true), (52, false)] {
            for field in ["chnAttr.i_qp", "chnAttr.p_qp"] {
                let b = if field == "chnAttr.i_qp" {
                    ChnAttr { i_qp: qp, ..a }
                } else {
                    ChnAttr { p_qp: qp, ..a }
                };
                match ok {
                    true => assert!(b.validate().is_ok(), "{field} {qp}"),
                    false => assert_eq!(field_err(b), field),
                }
            }
        }
        assert_eq!(
            message(ChnAttr { i_qp: 60, ..a }),
            "chnAttr.i_qp must be in 0..51 (got 60)"
        );
        // Checked in every mode.
        assert_eq!(field_err(ChnAttr { p_qp: 52, ..h264() }), "chnAttr.p_qp");
    }

    #[test]
    fn rc_mode_values_and_jpeg() {
        for bad in [0, 4, 5, -1] {
            assert_eq!(
                message(ChnAttr {
                    rc_mode: bad,
                    ..h264()
                }),
                std::format!(
                    "chnAttr.rc_mode must be RC_CBR (1), RC_VBR (2) or RC_FIXQP (3) (got {bad})"
                )
            );
        }
        // JPEG is always MJPEG_FIXQP: the default is accepted (and ignored), VBR / FIXQP are
        // errors.
        let jpeg = ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480);
        let m = jpeg.validate().unwrap().to_mpp(2);
        assert_eq!(m.rc_attr.rc_mode, K_VENC_RC_MODE_MJPEG_FIXQP);
        for mode in [RC_VBR, RC_FIXQP] {
            assert_eq!(
                message(ChnAttr {
                    rc_mode: mode,
                    ..jpeg
                }),
                std::format!(
                    "chnAttr.rc_mode must be RC_CBR (1, the default: JPEG is always fixed \
                     quality, set by mjpeg_quality_factor) (got {mode})"
                )
            );
        }
    }

    #[test]
    fn rotation_and_mirror() {
        for (deg, rot, call) in [
            (0, Rotation::R0, None),
            (90, Rotation::R90, Some(K_VPU_ROTATION_90)),
            (180, Rotation::R180, Some(K_VPU_ROTATION_180)),
            (270, Rotation::R270, Some(K_VPU_ROTATION_270)),
        ] {
            for (m, mir, mcall) in [
                (0, Mirror::None, None),
                (1, Mirror::Horizontal, Some(K_VENC_MIRROR_HORI)),
                (2, Mirror::Vertical, Some(K_VENC_MIRROR_VERT)),
            ] {
                for base in [h264(), ChnAttr::new(PAYLOAD_JPEG, 0, 1280, 720)] {
                    let c = ChnAttr {
                        rotation: deg,
                        mirror: m,
                        ..base
                    }
                    .validate()
                    .unwrap();
                    assert_eq!((c.orient.rotation, c.orient.mirror), (rot, mir));
                    assert_eq!(
                        (c.orient.mpp_rotation(), c.orient.mpp_mirror()),
                        (call, mcall)
                    );
                    // The channel keeps the input size; the MPP codes the turned one.
                    assert_eq!((c.width, c.height), (1280, 720));
                    let want = if deg % 180 == 90 {
                        (720, 1280)
                    } else {
                        (1280, 720)
                    };
                    assert_eq!(c.orient.coded_size(1280, 720), want);
                }
            }
        }
        assert_eq!(
            message(ChnAttr {
                rotation: 1,
                ..h264()
            }),
            "chnAttr.rotation must be ROTATION_0 (0), ROTATION_90 (90), ROTATION_180 (180) or \
             ROTATION_270 (270) (got 1)"
        );
        assert_eq!(
            message(ChnAttr {
                mirror: 3,
                ..h264()
            }),
            "chnAttr.mirror must be MIRROR_NONE (0), MIRROR_HORIZONTAL (1) or MIRROR_VERTICAL \
             (2) (got 3)"
        );
    }

    #[test]
    fn align_and_buffer_size() {
        assert_eq!(align_up(1, 4096), 4096);
        assert_eq!(align_up(4096, 4096), 4096);
        assert_eq!(stream_buf_size(800, 480), 71 * 4096);
    }
}
