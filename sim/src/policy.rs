//! Every behaviour the facts sheet marks UNCERTAIN (or leaves unspecified), chosen in one
//! place. The crate docs (`lib.rs`) explain each choice; change it here.

use crate::err::{self, num};
use k230_venc::mpp::{k_s32, k_venc_pack_type, K_VENC_I_FRAME};
use std::ffi::CStr;

/// `kd_mpi_venc_get_stream` when no frame arrives before the timeout (also timeout 0).
pub const GET_STREAM_TIMEOUT: k_s32 = err::venc(num::BUF_EMPTY);
/// `kd_mpi_venc_get_stream` on a channel bound to a running sensor channel of another size
/// (the K230 does not scale between VI and VENC) or of a pixel format other than NV12: an
/// error instead of an endless wait.
pub const BOUND_SIZE_MISMATCH: k_s32 = err::venc(num::ILLEGAL_PARAM);
/// `kd_mpi_venc_send_frame` when no output buffer frees up before the timeout.
pub const SEND_FRAME_FULL: k_s32 = err::venc(num::BUF_FULL);
/// Pack type of the single pack of a JPEG frame.
pub const JPEG_PACK_TYPE: k_venc_pack_type = K_VENC_I_FRAME;
/// `kd_mpi_vb_init` without a prior `kd_mpi_vb_set_config`.
pub const VB_INIT_WITHOUT_CONFIG: k_s32 = err::vb(num::NOT_PERM);
/// Every IDR frame carries a fresh HEADER pack (parameter sets) before its I pack.
pub const HEADER_ON_EVERY_IDR: bool = true;
/// `kd_mpi_venc_request_idr` restarts the GOP: the next IDR follows `gop` frames later.
pub const REQUEST_IDR_RESTARTS_GOP: bool = true;
/// `kd_mpi_venc_destroy_chn` of a channel whose streams are not all released: the driver
/// takes them back with the channel (true), or refuses the destroy with `DESTROY_WHILE_HELD`
/// (false). Evidence for true: CanMV's own `Encoder.Destroy` (every generation, facts sheet
/// 4.2-4.3) destroys without releasing, and its scripts that stop on an exception never
/// release; were the destroy refused, each such script would leave its channel behind. The
/// core's ledger is right either way: a refused destroy keeps the channel and its streams.
pub const DESTROY_RECLAIMS_HELD_STREAMS: bool = true;
/// `kd_mpi_venc_destroy_chn` with streams held, when `DESTROY_RECLAIMS_HELD_STREAMS` is false.
pub const DESTROY_WHILE_HELD: k_s32 = err::venc(num::BUSY);
/// Ring buffers per configured VICAP channel.
pub const VICAP_RING: usize = 4;
/// Default VICAP frame rate.
pub const VICAP_DEFAULT_FPS: u32 = 30;
/// `quality` reported in `k_venc_stream_info.u32StartQp` / `u32MeanQp` (the synthetic codec has none).
pub const REPORTED_QP: u32 = 30;
/// I frames are this many times the average frame size (capped so P frames stay positive).
pub const I_FRAME_FACTOR: u64 = 3;
/// VICAP start / set_source: the Y4M file cannot be opened or read (VICAP `UNEXIST`).
pub const Y4M_UNREADABLE: k_s32 = err::vicap(num::UNEXIST);
/// VICAP start / set_source: not a Y4M stream, no complete frame, or not 8-bit 4:2:0
/// (VICAP `NOT_SUPPORT`).
pub const Y4M_UNSUPPORTED: k_s32 = err::vicap(num::NOT_SUPPORT);
/// VICAP start: a configured channel's size differs from the Y4M frame size (VICAP
/// `ILLEGAL_PARAM`; the simulator does not scale).
pub const Y4M_SIZE_MISMATCH: k_s32 = err::vicap(num::ILLEGAL_PARAM);
/// `kd_mpi_venc_request_chn` (2025 ABI) hands out the lowest channel that is neither requested
/// nor created (true), or the lowest one not requested, whatever was created by number
/// (false). Evidence: none either way (facts sheet 1.4: the allocation is in the binary MPP
/// library); every firmware user requests before it creates, so a driver that hands out one
/// channel to two users would break the IDE preview beside a script that creates channel 0 by
/// number, which CanMV's documentation lets scripts do. The core copes with both (it gives a
/// channel it uses back and asks again).
pub const REQUEST_CHN_SKIPS_CREATED: bool = true;
/// `kd_mpi_venc_request_chn` when every channel is taken. CanMV's binding keeps no code
/// ("mpi venc request chn failed."); the simulator says NOBUF (no free resource).
pub const REQUEST_CHN_NONE_FREE: k_s32 = err::venc(num::NOBUF);
/// `kd_mpi_venc_release_chn` of a channel that is still created (the firmware always
/// destroys first): refused with NOT_PERM; of one not requested: UNEXIST.
pub const RELEASE_CHN_CREATED: k_s32 = err::venc(num::NOT_PERM);
/// The IDE preview's channel on the older firmware (facts sheet 5.4: the fixed channel 3,
/// `VENC_MAX_CHN_NUMS - 1`); the 2025 generation requests one.
pub const IDE_PREVIEW_FIXED_CHN: u32 = 3;
/// The IDE preview's picture (a 640x480 display writeback, JPEG quality 90 as CanMV's default).
pub const IDE_PREVIEW_SIZE: (u32, u32) = (640, 480);

/// Behaviours the evidence leaves open in a way that matters to scripts, switchable at run time
/// so that the tests run both: the defaults here; the environment variables
/// [`FRAME_RATE_ENV`] and [`HEADER_ENV`] (read at start-up and on every reset) and
/// `_k230sim.policy(name, value)` override them. A channel keeps the ones it was created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    /// `dst_frame_rate` below `src_frame_rate`: the encoder keeps `dst` of every `src` input
    /// frames, with the bit budget of `dst` frames a second (true, "drop"); or it encodes every
    /// input frame with the budget of `src` frames a second (false, "keep"). Evidence for
    /// "keep" (the default): a user measured a CanMV board (neighbours facts section 8): dst
    /// 15 and dst 25 both gave about 26.7 fps out, and the total bit rate was about
    /// `bit_rate x actual input fps / src_frame_rate` in four configurations. The MPP
    /// documentation describes dst as the output rate, which "drop" follows.
    pub drop_for_dst_rate: bool,
    /// H.264 / H.265 parameter sets: the first ones come in a get_stream of their own
    /// (query_status reports 1 pack), before the first IDR, later ones in the same get_stream
    /// as their IDR (true, "first-separate"); or every IDR's in the same get_stream as the IDR
    /// (false, "with-idr"). The default and its evidence: [`HEADER_FIRST_SEPARATE`].
    pub header_first_separate: bool,
}

/// The defaults of the run-time switches.
pub const SWITCHES: Switches = Switches {
    drop_for_dst_rate: false,
    header_first_separate: HEADER_FIRST_SEPARATE,
};

/// Environment variable of [`Switches::drop_for_dst_rate`]: `keep` or `drop`.
pub const FRAME_RATE_ENV: &str = "K230_SIM_FRAME_RATE";
/// Environment variable of [`Switches::header_first_separate`]: `with-idr` or `first-separate`.
pub const HEADER_ENV: &str = "K230_SIM_HEADER";

/// The switches: (name for `_k230sim.policy`, its environment variable, value when false,
/// value when true); C strings, as the simulator's C interface hands the values out.
pub const SWITCH_NAMES: [(&str, &str, &CStr, &CStr); 2] = [
    ("frame_rate", FRAME_RATE_ENV, c"keep", c"drop"),
    ("header", HEADER_ENV, c"with-idr", c"first-separate"),
];

impl Switches {
    /// The flag of switch `i` of [`SWITCH_NAMES`].
    pub fn flag(&mut self, i: usize) -> &mut bool {
        match i {
            0 => &mut self.drop_for_dst_rate,
            _ => &mut self.header_first_separate,
        }
    }

    /// The defaults with the environment's choices (an unknown value is reported on stderr
    /// and ignored).
    pub fn from_env() -> Switches {
        let mut s = SWITCHES;
        for (i, (_, env, off, on)) in SWITCH_NAMES.iter().enumerate() {
            match std::env::var(env).as_deref() {
                Ok(v) if v.as_bytes() == off.to_bytes() => *s.flag(i) = false,
                Ok(v) if v.as_bytes() == on.to_bytes() => *s.flag(i) = true,
                Ok(v) => eprintln!("k230 sim: {env}={v} ignored (allowed: {off:?}, {on:?})"),
                Err(_) => {}
            }
        }
        s
    }
}

/// The default of [`Switches::header_first_separate`]: true, the first parameter sets in a
/// get_stream of their own. Evidence (facts sheet 5.6 and public K230 code, 2023-2025 MPP):
/// - the kernel driver (kendryte/k230_sdk and canmv-k230/mpp `libvpu.a`, read from the public
///   objects) makes every encoder output buffer one pack in a queue and wakes a waiting
///   get_stream after each; the parameter sets are their own buffer (codec config), typed
///   HEADER, queued before the IDR. A caller that keeps up (query_status, then get_stream of
///   that many packs) therefore gets the header alone; one that lags gets it with the IDR;
/// - Canaan's own writers rely on the first header coming alone: the SDK's little-core MP4
///   muxer sample and CanMV's `media/mp4format.py` merge the first two get_stream results into
///   one sample and then keep only the last pack of each (a correct file only then);
/// - the MPP header's get_stream comment: "Stream type can be frame or header".
///
/// Uncertain: the timing between the header buffer and the IDR (how often a real board
/// delivers them together), later headers (with `enable_idr`) alone or with their IDR (the
/// simulator: with it), and the 2025-2026 MPP generation (no binary was available).
pub const HEADER_FIRST_SEPARATE: bool = true;
