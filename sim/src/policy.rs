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
/// `k_venc_stream_info.u32StartQp` / `u32MeanQp` for a codec that reports no frame QP (the
/// synthetic backend, JPEG; no frame encoded yet). With libx264 / libx265 both are the last
/// frame's QP as the encoder reports it (the MPP's two figures, the rate control's starting QP
/// and the mean over the frame's macroblocks, are one figure there).
pub const REPORTED_QP: u32 = 30;
/// I frames are this many times the average frame size (capped so P frames stay positive).
pub const I_FRAME_FACTOR: u64 = 3;
/// VICAP start / set_source: the camera file cannot be opened or read (VICAP `UNEXIST`).
pub const CAMERA_UNREADABLE: k_s32 = err::vicap(num::UNEXIST);
/// VICAP start / set_source: libav finds no picture it can decode in the camera file, or the
/// simulator was built without libav (VICAP `NOT_SUPPORT`).
pub const CAMERA_UNSUPPORTED: k_s32 = err::vicap(num::NOT_SUPPORT);
/// Camera files ([`crate::camera`]): sensor frame `i` shows source picture `i` (true: the
/// file's pictures one per sensor frame, whatever the two frame rates, as the earlier Y4M
/// source did; a 30 fps video on a 60 fps sensor then plays twice as fast), or the picture
/// of the same time (false: `i * source_fps / sensor_fps`, pictures repeated or skipped).
/// Frame by frame keeps a test's decoded frame `k` equal to source picture `k`.
pub const CAMERA_BY_FRAME: bool = true;
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
/// [`FRAME_RATE_ENV`], [`HEADER_ENV`] and [`DESTROY_BOUND_ENV`] (read at start-up and on every
/// reset) and `_k230sim.policy(name, value)` override them. A channel keeps the frame-rate and
/// header switches it was created with; the destroy switch applies at once.
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
    /// The sensor's clock (true, "realtime"): a bound channel does not get sensor frame `k`
    /// before `k / fps` seconds of wall-clock time since the sensor started, and frames that
    /// come due while every output buffer is full are dropped, as the board's VI drops them;
    /// or virtual time (false, "virtual", the default): frames are produced as fast as the
    /// script asks for them, so tests run at encoder speed. Unlike the other switches it
    /// applies to running sensors at once, not to channels created later; switching to
    /// realtime counts the time from the newest frame taken. Starting an RTSP server
    /// (`multimedia.rtsp_server`) switches to realtime until the last one stops: a live
    /// client must get frames at the sensor's rate.
    pub realtime_clock: bool,
    /// `kd_mpi_venc_destroy_chn` of a channel a VI -> VENC bind still targets: refused with
    /// [`DESTROY_WHILE_BOUND`] (true, "refuse"), or the channel is destroyed and the bind
    /// stays for `kd_mpi_sys_unbind` (false, "allow", the default). The default and its
    /// evidence: [`DESTROY_BOUND_REFUSED`]. Unlike the first two switches, it applies to every
    /// destroy from the moment it is set, not to channels created later.
    pub destroy_bound_refused: bool,
}

/// The defaults of the run-time switches.
pub const SWITCHES: Switches = Switches {
    drop_for_dst_rate: false,
    header_first_separate: HEADER_FIRST_SEPARATE,
    realtime_clock: false,
    destroy_bound_refused: DESTROY_BOUND_REFUSED,
};

/// Environment variable of [`Switches::drop_for_dst_rate`]: `keep` or `drop`.
pub const FRAME_RATE_ENV: &str = "K230_SIM_FRAME_RATE";
/// Environment variable of [`Switches::header_first_separate`]: `with-idr` or `first-separate`.
pub const HEADER_ENV: &str = "K230_SIM_HEADER";
/// Environment variable of [`Switches::realtime_clock`]: `virtual` or `realtime`.
pub const CLOCK_ENV: &str = "K230_SIM_CLOCK";
/// The index of [`Switches::realtime_clock`] in [`SWITCH_NAMES`].
pub const CLOCK_SWITCH: usize = 2;
/// Environment variable of [`Switches::destroy_bound_refused`]: `allow` or `refuse`.
pub const DESTROY_BOUND_ENV: &str = "K230_SIM_DESTROY_BOUND";
/// The index of [`Switches::destroy_bound_refused`] in [`SWITCH_NAMES`].
pub const DESTROY_BOUND_SWITCH: usize = 3;

/// The switches: (name for `_k230sim.policy`, its environment variable, value when false,
/// value when true); C strings, as the simulator's C interface hands the values out.
pub const SWITCH_NAMES: [(&str, &str, &CStr, &CStr); 4] = [
    ("frame_rate", FRAME_RATE_ENV, c"keep", c"drop"),
    ("header", HEADER_ENV, c"with-idr", c"first-separate"),
    ("clock", CLOCK_ENV, c"virtual", c"realtime"),
    ("destroy_bound", DESTROY_BOUND_ENV, c"allow", c"refuse"),
];

impl Switches {
    /// The flag of switch `i` of [`SWITCH_NAMES`].
    pub fn flag(&mut self, i: usize) -> &mut bool {
        match i {
            0 => &mut self.drop_for_dst_rate,
            CLOCK_SWITCH => &mut self.realtime_clock,
            DESTROY_BOUND_SWITCH => &mut self.destroy_bound_refused,
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

/// The default of [`Switches::destroy_bound_refused`]: false, a channel a bind still targets
/// is destroyed. The K230 documentation says nothing either way (SYS-DOC: a receiver has one
/// source; `kd_mpi_sys_unbind` of a destination without one succeeds). Evidence, from the
/// vendor's own clients' teardown order:
/// - for "allow": CanMV's documented script teardown (VENC manual: `sensor.stop()`,
///   `del link`, `Stop`, `Destroy`, `MediaManager.deinit()`) destroys the channel while it is
///   still bound: `del link` only drops the script's name, the firmware keeps every link in
///   its own list and unbinds it at `MediaManager.deinit()` or at the end of the script (facts
///   sheet 4.4, neighbours facts 5.2), and CanMV's `Encoder.Destroy` raises on any failure, so
///   were the destroy refused, the documented example would fail on every run;
/// - for "refuse" (weaker: an order, not a refusal): the MPP's own VENC sample unbinds VI ->
///   VENC before it stops and destroys the channel (canmv-k230/mpp a94906c
///   `userapps/sample/sample_venc/sample_venc.c`, `sample_exit`), and the newest generation's
///   scripts call `link.destroy()` before `Stop()` / `Destroy()` (neighbours facts 1.3).
///
/// The core copes with both: its teardowns (finaliser, `deinit_all`) unbind its own links first
/// and, when a destroy is refused, what `kd_mpi_sys_get_bind_by_dest` reports bound.
pub const DESTROY_BOUND_REFUSED: bool = false;
/// `kd_mpi_venc_destroy_chn` refused because a bind still targets the channel (policy
/// "refuse"): K_ERR_VENC_BUSY, as the simulator's other refusals of a channel in use.
pub const DESTROY_WHILE_BOUND: k_s32 = err::venc(num::BUSY);
/// `kd_mpi_sys_get_bind_by_dest` of a destination nothing is bound to (undocumented): SYS
/// UNEXIST (`K_ERR_SYS_UNEXIST`, defined in the MPP's `k_sys_comm.h`).
pub const GET_BIND_NONE: k_s32 = err::sys(num::UNEXIST);

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
/// JPEG (libav backend): the NV12 samples are limited range (video levels, luma 16..235,
/// chroma 16..240: the test pattern, a Y4M camera, what BT.601 cameras and the H.264 /
/// H.265 streams, which carry no full-range flag, mean), while a JFIF JPEG is full range
/// (ITU-T T.871): the samples are stretched to 0..255 before coding, so a JPEG of a picture
/// decodes to the same RGB as the H.264 / H.265 stream of it. Coding them as they are (false)
/// makes black decode as (16, 16, 16) and white as 235: washed out. What the K230's ISP
/// outputs and whether its JPEG encoder converts is not documented (the VENC attribute
/// `color_gamut` names BT.601 / BT.709 / BT.2020, not a range).
pub const JPEG_STRETCH_TO_FULL_RANGE: bool = true;
/// VBR (libav backend): the VBV buffer, in milliseconds of `max_bit_rate`; the VBV rate is
/// the rest of `max_bit_rate` (750 ms of it a second), so that a second of stream, at most a
/// second at the VBV rate plus a full buffer, stays under `max_bit_rate`: the MPP's
/// `max_bit_rate` is a peak over its `stats_time` (1 s here). A quarter second still fits an
/// IDR. The MPP documents no buffer; a VBV rate of `max_bit_rate` itself (the other choice)
/// lets a second after a quiet stretch exceed it by the buffer.
pub const VBR_BUFFER_MS: u64 = 250;
/// FIXQP (libav backend): QPs the encoders cannot code as asked are brought to the nearest
/// they can (`crate::codec::libav::fixqp_qps`), not refused: `p_qp` below this is coded at
/// it (x264's QP 0 is its lossless High 4:4:4 mode), and x264's IDR QP stays within 20 below
/// and 40 above the P QP (its I/P ratio's range). The MPP documents 0..51 for both.
pub const FIXQP_MIN_CODED_P_QP: u32 = 1;
/// libav backend: bit rates (CBR `bit_rate`, VBR `max_bit_rate`) above this many kbit/s are
/// coded as this one, the most libavcodec passes to libx264 / libx265 (2^31 - 1 bit/s). The
/// MPP documents no maximum; rates up to `u32::MAX` kbit/s are accepted (the other choice:
/// refuse them with ILLEGAL_PARAM).
pub const RATE_CAP_KBPS: u64 = 2_000_000;
/// libav backend: a channel codes at most the rate at which an average frame fills this
/// share (1 / n) of an output buffer (`ALIGN_UP(w * h * 3 / 4, 4096)` bytes at the least,
/// as CanMV sizes them), and says so on stderr when asked for more: x264's CBR pads every
/// picture to its share of the rate, and pictures larger than a buffer are dropped, so a
/// rate beyond the buffers would leave a channel that never delivers. 3 leaves an IDR room
/// for about three average frames and keeps the documented default (4000 kbit/s) at 320x240
/// (4.6 Mbit/s there; 124 Mbit/s at 1920x1080, 30 fps). The board's behaviour at such rates
/// is not documented.
pub const RATE_BUFFER_SHARE: u64 = 3;
/// VBR (libav backend): the quality the rate loop starts from and moves around: x264's /
/// x265's `crf` with `qcomp=1`, which codes every P frame at about this QP whatever its
/// complexity (the loop, not the encoder, decides how busy pictures are treated).
pub const VBR_BASE_QP: u32 = 26;
/// VBR rate loop ([`crate::codec::libav::VbrLoop`]): the time over which the recent rate is
/// averaged (about half a GOP of 30 at 30 fps, so IDRs do not jolt the quality).
pub const VBR_MEASURE_MS: u64 = 500;
/// VBR rate loop: the time over which an excess or deficit is made up.
pub const VBR_PAYBACK_MS: u64 = 4000;
/// VBR rate loop: the most excess or deficit carried (beyond it, the past is forgotten).
pub const VBR_CARRY_MS: u64 = 4000;
/// VBR rate loop: the range of its QP offset around the base quality. The low end is the
/// quality floor: an easy picture is not coded finer than 4 QP below the base, so a static
/// scene spends less than `bit_rate` (and the busy stretch after it spends the rest).
pub const VBR_QP_OFFSETS: (f64, f64) = (-4.0, 24.0);
/// `kd_mpi_venc_create_chn` with VBR whose `max_bit_rate` is below its `bit_rate`: refused
/// with ILLEGAL_PARAM (a peak below the average is not a rate control). Undocumented.
pub const VBR_MAX_BELOW_AVERAGE: k_s32 = err::venc(num::ILLEGAL_PARAM);
/// `k_rotation` turns clockwise: `K_VPU_ROTATION_90` puts the left edge of the picture at
/// the top (as the "rotate right" of the VeriSilicon-style encoders the K230's VPU naming
/// suggests). The K230 headers and docs do not say which way; false turns counter-clockwise.
pub const ROTATION_CLOCKWISE: bool = true;
/// With both a rotation and a mirror set, the picture is mirrored first, then turned
/// (false: turned, then mirrored). Undocumented; the two orders differ for 90 and 270 only.
pub const MIRROR_BEFORE_ROTATION: bool = true;
/// `kd_mpi_venc_set_rotation` / `kd_mpi_venc_set_mirror` on a started channel: refused with
/// NOT_PERM. The project's choice: the SDK's documentation of these two says only "will not
/// be effective" (its "after create, before start" is written for other setters); a stopped
/// channel may be turned again, and its stream then restarts with an IDR at the new size.
pub const ORIENTATION_WHILE_STARTED: k_s32 = err::venc(num::NOT_PERM);
/// `kd_mpi_venc_set_rotation` turning the picture to a size the encoder does not code (90 /
/// 270 on a picture less than 128 lines high: the coded width is below the minimum of 128):
/// refused with ILLEGAL_PARAM, as create_chn refuses that size. Undocumented.
pub const ROTATED_SIZE_OUT_OF_RANGE: k_s32 = err::venc(num::ILLEGAL_PARAM);
/// RTSP (`multimedia.rtsp_server`): pieces of stream (one `rtspserver_sendvideodata` each)
/// queued for one client at most, as the board's live555 source keeps at most 8 packets
/// (neighbours facts 4.1: "packet queue of max 8, oldest dropped").
pub const RTSP_CLIENT_QUEUE: u32 = 8;
/// RTSP: what a client whose queue is full loses. True ("rest of the GOP", the simulator's
/// choice): the piece that did not fit and every later one up to the next key piece
/// (parameter sets, an IDR picture; every JPEG picture), for that client only; it decodes the
/// pictures it got, then restarts cleanly at the next IDR. False: the oldest queued piece is
/// dropped (the board's live555 rule, neighbours facts 4.1), which leaves the client P
/// pictures whose reference is gone, decoded with errors until the next IDR. Evidence for the
/// choice: users measured that a viewer who lost data mid-GOP got about 0.46 s of P pictures
/// it could not use before the next SPS/PPS/IDR (neighbours facts section 8); whole groups of
/// pictures lose no more pictures than that and never show broken ones. Either way the
/// sender never waits: the board's raw queue is unbounded, the simulator's queues are per
/// client and bounded, and with no client at all every piece is dropped at once (the board
/// keeps the last 8 for the next client; the simulator starts a new client at the next key
/// piece instead).
pub const RTSP_DROP_REST_OF_GOP: bool = true;

// ---- MP4 muxer / demuxer (`crate::mp4`, the SDK's kd_mp4_* API) ---------------------------

/// `kd_mp4_create` with a `file_name` that has no NUL byte within its 128 bytes: refused with
/// -1 and a message. Evidence (neighbours facts 3.3, UNCERTAIN there): the SDK passes the
/// array to `fopen` as a C string, so such a name runs on into the next bytes of the config
/// (`fmp4_flag` and the padding); CanMV's `file_name[:] = bytes(...)` over a uctypes UINT8
/// array writes past the array's end for 129 bytes or more (measured with the MicroPython 1.21
/// fork CanMV builds from and 1.25: the bytearray over the field grows in place). What the
/// board then opens is undefined; a name of at most 127 bytes is what works everywhere.
pub const MP4_FILE_NAME_MAX: usize = 127;
/// The largest `data_length` `kd_mp4_write_frame` takes (and `kd_mp4_get_frame` returns):
/// 2 MiB, the size of each of the two work buffers the SDK allocates per instance (facts 3.2;
/// that a larger frame fails there is inferred). Larger: -1 and a message.
pub const MP4_MAX_FRAME_BYTES: usize = 2 << 20;
/// A sample whose time stamp (in ms, after the SDK's `/ 1000`) is not above its track's
/// previous one is written 1 ms after it, with one line on stderr per track (true), instead of
/// being refused with -1 (false). The SDK's libmov writes whatever it is given; a file with
/// two samples at one time stamp, or going back, is not valid ISO-BMFF, which libavformat
/// refuses to write.
pub const MP4_BUMP_NON_INCREASING_TS: bool = true;
/// Each track's first sample is at time 0 of the file (its later samples keep their distance
/// from it). CanMV's writers give the tracks independent clocks: `Mp4Container` starts its
/// audio clock at 0 and subtracts the first video pts; the `mp4_muxer` example passes VENC pts
/// (microseconds since the sensor started) as they are. Without this, such a file would begin
/// with an empty stretch of the first pts' length (an edit list) in some players.
pub const MP4_TRACK_STARTS_AT_ZERO: bool = true;
/// A video write after a track's first that holds no picture (only parameter sets, SEI or an
/// access unit delimiter, e.g. a HEADER pack written on its own) is kept and put in front of
/// the track's next write (true), instead of becoming a sample without a picture (false),
/// which players count as a frame they cannot show. The SDK's behaviour is not known.
pub const MP4_MERGE_NON_PICTURE_WRITES: bool = true;
/// Bytes of samples the muxer keeps in memory while it waits for the first video key frame
/// (libavformat writes the file's header then, with every track's decoder configuration;
/// audio written before it waits). Beyond it: -1 and a message.
pub const MP4_PENDING_MAX_BYTES: usize = 16 << 20;
/// `kd_mp4_write_frame` when the first write of a video track holds its parameter sets and a
/// key frame, but an `avcC` / `hvcC` cannot be built from them (a truncated SPS): -2, which
/// the SDK returns when "no parameter sets were parsed when adding the track" (facts 3.2; the
/// SDK's -1 with "should start with key frame" covers a write without them).
pub const MP4_UNPARSABLE_PARAM_SETS: i32 = -2;
