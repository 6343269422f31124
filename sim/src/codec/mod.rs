//! Codec backends behind a small trait: `libav` (real H.264 / H.265 / JPEG, the default;
//! compiled in with the crate's `libav` feature, on by default) and [`synthetic`]
//! (deterministic placeholder streams whose payload names the encoded picture; no encoder,
//! any architecture, fast; always compiled in).
//!
//! The backend is chosen when a channel is created: `k230_sim_set_backend(name)`
//! (`_k230sim.backend(name)`), else the `K230_SIM_BACKEND` environment variable
//! (`libav` or `synthetic`, read when the simulator starts and on every reset), else
//! `libav`, or `synthetic` when the simulator was built without the `libav` feature.
//!
//! A [`Backend`] opens one [`Encoder`] per VENC channel. The encoder turns one NV12
//! [`Picture`] into the bytes of one output frame, written into the channel's free output
//! buffer, and lists its packs ([`PackSpan`]: HEADER / I / P, in delivery order).

#[cfg(feature = "libav")]
pub mod libav;
pub mod orient;
pub mod synthetic;

use std::ffi::CStr;

/// The codec and the validated channel configuration are the core's own types: the
/// simulator checks the MPP attributes itself (`venc::validate`) and fills the same struct
/// (`gop` is 1 for JPEG, `q_factor` 0 for H.264 / H.265; `bit_rate` in kbit/s; `rc` the rate
/// control). A backend is opened at the coded size: a channel turned by 90 or 270 degrees
/// (`orient`) hands it `height` x `width` pictures, already turned and mirrored ([`orient`]).
pub use k230_venc::attr::{Codec, EncConfig, Orientation, RateControl};

/// One NV12 input picture (visible area `width` x `height`).
pub struct Picture<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Y plane, at least `y_stride * (height - 1) + width` bytes.
    pub y: &'a [u8],
    /// Bytes per Y line.
    pub y_stride: usize,
    /// Interleaved UV plane, at least `uv_stride * (height / 2 - 1) + width / 2 * 2` bytes.
    pub uv: &'a [u8],
    /// Bytes per UV line.
    pub uv_stride: usize,
    /// Presentation time stamp in microseconds.
    pub pts: u64,
}

/// What the channel asks for.
#[derive(Clone, Copy, Debug)]
pub struct FrameReq {
    /// Output frame number on this channel (0-based count of encoded frames).
    pub index: u64,
    /// Produce an IDR (with a HEADER pack) instead of a P frame.
    pub idr: bool,
}

/// Kind of one pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackKind {
    /// Parameter sets (SPS/PPS, VPS/SPS/PPS).
    Header,
    /// Intra frame (IDR; also every JPEG frame).
    I,
    /// Predicted frame.
    P,
}

/// One pack inside the output buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackSpan {
    /// Byte offset from the start of the output buffer.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// Pack kind.
    pub kind: PackKind,
}

/// Why a frame could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The encoded frame does not fit in one output buffer.
    TooLarge,
    /// The picture is unusable (planes too short).
    BadInput,
}

/// A per-channel encoder.
pub trait Encoder: Send {
    /// Encodes `pic` into `out`, appending the packs (at most 12) to `packs`.
    fn encode(
        &mut self,
        pic: &Picture<'_>,
        req: FrameReq,
        out: &mut [u8],
        packs: &mut Vec<PackSpan>,
    ) -> Result<(), EncodeError>;

    /// The QP of the frame the last `encode` produced, as the codec reports it, or `None`
    /// when it reports none (the query_status figures then fall back to
    /// [`crate::policy::REPORTED_QP`]).
    fn frame_qp(&self) -> Option<u32> {
        None
    }
}

/// A codec backend.
pub trait Backend: Sync {
    /// Backend name as given to `k230_sim_set_backend`.
    fn name(&self) -> &'static CStr;
    /// Opens an encoder for one channel, or `None` if the configuration is unsupported.
    fn open(&self, cfg: &EncConfig) -> Option<Box<dyn Encoder>>;
}

/// Every backend compiled in, default first.
pub static BACKENDS: &[&dyn Backend] = &[
    #[cfg(feature = "libav")]
    &libav::Libav,
    &synthetic::Synthetic,
];

/// The names of every backend this crate has, compiled in or not (a build without the
/// `libav` feature knows the name `libav` but cannot select it).
pub const KNOWN_BACKENDS: &[&str] = &["libav", "synthetic"];

/// Environment variable naming the backend used when none was selected.
pub const BACKEND_ENV: &str = "K230_SIM_BACKEND";

/// The backend called `name`.
pub fn by_name(name: &[u8]) -> Option<&'static dyn Backend> {
    BACKENDS
        .iter()
        .copied()
        .find(|b| b.name().to_bytes() == name)
}

/// Whether `name` is a backend of this crate that this build does not contain.
pub fn is_compiled_out(name: &[u8]) -> bool {
    by_name(name).is_none() && KNOWN_BACKENDS.iter().any(|k| k.as_bytes() == name)
}

/// The default backend: the one `K230_SIM_BACKEND` names, else the first compiled in
/// (`libav`, or `synthetic` without the `libav` feature). An unknown or compiled-out name
/// is reported on stderr once per call and ignored.
pub fn default_backend() -> &'static dyn Backend {
    let fallback = BACKENDS[0];
    if let Some(name) = std::env::var_os(BACKEND_ENV) {
        let bytes = name.as_encoded_bytes();
        match by_name(bytes) {
            Some(b) => return b,
            None if is_compiled_out(bytes) => eprintln!(
                "k230-venc-sim: {BACKEND_ENV}={name:?}: this simulator was built without that \
                 backend (cargo feature of k230-venc-sim): using {}",
                fallback.name().to_string_lossy()
            ),
            None => eprintln!(
                "k230-venc-sim: unknown {BACKEND_ENV}={name:?} ({}): using {}",
                KNOWN_BACKENDS.join(", "),
                fallback.name().to_string_lossy()
            ),
        }
    }
    fallback
}
