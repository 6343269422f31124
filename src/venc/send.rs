//! SendFrame's steps: the frame checked against the channel under the module lock, then
//! handed to the MPP without it (the MPP may wait for a free output buffer).
#![forbid(unsafe_code)]

use super::{chn_of, Venc};
use crate::error::{failed, Error, Named, Result};
use crate::hal::Mpp;
use crate::mpp::err::num;
use crate::mpp::functions as f;
use crate::mpp::*;
use crate::range::in_range;
use crate::state::ChnState;

/// How long one `SendFrame` waits for a free output buffer in all when the script gives no
/// timeout (the manual's SendFrame has no timeout argument; CanMV uses 1000 ms).
pub const SEND_TIMEOUT_MS: i32 = 1000;

/// The pixel formats SendFrame accepts, with the values of the MPP headers the core is built
/// against: NV12 is 31 in the CanMV MPP and 30 in the 2023 k230_sdk (v0.8), which has no
/// BGRA8888 at all (build.rs sets `k230_pixel_format_bgra_8888` when the headers define it).
pub const SENDABLE_PIXEL_FORMATS: &[Named] = &[
    Named {
        value: PIXEL_FORMAT_YUV_SEMIPLANAR_420,
        name: "Sensor.YUV420SP",
        note: ", NV12",
    },
    Named {
        value: PIXEL_FORMAT_ARGB_8888,
        name: "ARGB8888",
        note: "",
    },
    #[cfg(k230_pixel_format_bgra_8888)]
    Named {
        value: PIXEL_FORMAT_BGRA_8888,
        name: "BGRA8888",
        note: "",
    },
];

/// `got` must equal the channel's `want`, else an [`Error::Expected`] naming `arg`.
fn expect(arg: &'static str, what: &'static str, want: u32, got: u32) -> Result<()> {
    if want == got {
        Ok(())
    } else {
        Err(Error::Expected {
            arg,
            want: want as i64,
            what,
            got: got as i64,
        })
    }
}

/// Second step of SendFrame, run WITHOUT the module lock (it may wait up to `timeout`
/// ms for a free output buffer).
///
/// # Errors
/// [`Error::Timeout`] (BUF_FULL) when no output buffer freed up in time; Mpp.
pub fn send_frame_wait<M: Mpp>(
    mpp: &mut M,
    c: usize,
    frame: &mut k_video_frame_info,
    timeout: i32,
) -> Result<()> {
    match mpp.venc_send_frame(c as u32, frame, timeout) {
        Ok(()) => Ok(()),
        Err(err) if err.number() == num::BUF_FULL => Err(Error::Timeout { err }),
        Err(e) => Err(failed(f::VENC_SEND_FRAME)(e)),
    }
}

impl<M: Mpp> Venc<M> {
    /// First step of SendFrame, under the module lock: checks the channel state, the
    /// timeout (0..=i32::MAX ms) and the frame against the channel, so that a wrong field is
    /// named instead of surfacing as a bare MPP code. Returns the channel index and the
    /// timeout for [`send_frame_wait`].
    ///
    /// # Errors
    /// Range for `chn`, `timeout` and frame fields; State unless started; Invalid for a
    /// frame without plane addresses.
    pub fn send_frame_begin(
        &self,
        chn: i64,
        frame: &k_video_frame_info,
        timeout_ms: i64,
    ) -> Result<(usize, i64)> {
        let c = chn_of("SendFrame", chn)?;
        let timeout = in_range(
            "timeout",
            "0 (non-blocking) or a positive number of milliseconds",
            timeout_ms,
            0,
            i32::MAX as i64,
        )?;
        self.need("SendFrame", c, &[ChnState::Started])?;
        let f = &frame.v_frame;
        let (w, h) = self.chns[c].size;
        expect(
            "frame_info.v_frame.width",
            "the channel's pic_width",
            w,
            f.width,
        )?;
        expect(
            "frame_info.v_frame.height",
            "the channel's pic_height",
            h,
            f.height,
        )?;
        if !SENDABLE_PIXEL_FORMATS
            .iter()
            .any(|p| p.value == f.pixel_format)
        {
            return Err(Error::OneOf {
                arg: "frame_info.v_frame.pixel_format",
                choices: SENDABLE_PIXEL_FORMATS,
                got: f.pixel_format as i64,
            });
        }
        let nv12 = f.pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420;
        if f.phys_addr[0] == 0 {
            return Err(Error::Invalid {
                arg: "frame_info.v_frame.phys_addr[0]",
                why: "is 0; it must be the physical address of the picture (image.phyaddr())",
            });
        }
        if nv12 && f.phys_addr[1] == 0 {
            return Err(Error::Invalid {
                arg: "frame_info.v_frame.phys_addr[1]",
                why: "is 0; for YUV420SP it must be the physical address of the UV plane",
            });
        }
        Ok((c, timeout))
    }
}
