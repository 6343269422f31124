//! The K230 MPP's MP4 muxer / demuxer C API (`kd_mp4_*`, declared in
//! `sim/include/k230_mp4_format.h`), over libavformat. Written from the neighbours facts sheet
//! (section 3): the SDK's signatures, enum values, struct layouts and return codes (0, -1 with
//! the reason on stderr, -2), so that CanMV's `mpp.mp4_format` scripts and `Mp4Container` run
//! on the PC and write files that play.
//!
//! # Why libavformat
//! The SDK muxes with libmov (ireader/media-server). Here it is FFmpeg's libavformat (through
//! `ffmpeg-next`, the `libav` feature): it is maintained, already linked into the simulator
//! for the codecs, and writes plain and fragmented ISO-BMFF with H.264, H.265 and G.711.
//! FFmpeg's `mp4` muxer refuses `pcm_alaw` / `pcm_mulaw` ("codec not currently supported in
//! container": there is no MPEG-4 object type for G.711), so the `mov` muxer writes the file,
//! with major brand `isom` (compatible `isom`): the G.711 tracks get the QuickTime sample
//! entries `alaw` / `ulaw` (the fourccs registered for G.711 in ISO-BMFF files, and the ones
//! libmov writes too), the video tracks `avc1` / `hev1` with an `avcC` / `hvcC` built by
//! [`nal`]. ffprobe, ffplay, VLC and PyAV read these files as MP4.
//!
//! # Behaviour
//! - Handles are opaque non-zero integers from one counter (never reused), kept in a
//!   registry: an unknown, stale or wrong-kind handle is -1 with a message, never a crash.
//!   [`live_counts`] feeds `k230_sim_get_stats` (`mp4_files`, `mp4_tracks`).
//! - Muxer (`config_type` 1): the file is created at once (`"wb+"`: an existing one is
//!   truncated; failure: -1 "output file %s open failed"); `fmp4_flag` != 0 writes a
//!   fragmented MP4 (an empty `moov`, then a `moof` + `mdat` per video key frame, each on
//!   disk before the next begins, so a process killed mid-recording leaves a file that plays
//!   up to its last complete fragment); 0 a plain one with the `moov` in front ("faststart",
//!   as the SDK's FASTSTART), complete only after `kd_mp4_destroy`.
//! - Tracks: at most 3; video H.264 / H.265 (width and height non-zero), audio G.711 A-law /
//!   mu-law (1 or 2 channels, 1..192000 Hz; `bit_per_sample` is stored, G.711 is 8-bit coded);
//!   `time_scale` is stored and unused, as in the SDK: the media time scale is 1000 (video),
//!   the sample rate (audio, so each G.711 byte is one sample tick).
//! - Writes: `time_stamp` in microseconds, divided by 1000 as the SDK does (so the stored
//!   time is in ms). Video data is one Annex-B access unit, stored length-prefixed (4-byte
//!   lengths) with the key-frame flag from the NAL types ([`nal`]); the first write of a
//!   video track must hold its parameter sets and a key frame ("mp4 muxer write should start
//!   with key frame (header + idr)", -1), which give the track's `avcC` / `hvcC`. Audio data
//!   is stored as it is. libavformat writes the file's header at the first video write (with
//!   every track's configuration); audio written before it is kept in memory until then, and
//!   tracks cannot be added after it (-1): the SDK registers tracks at their first write.
//! - The choices the facts leave open (file names of 128 bytes or more, frame size limit,
//!   non-increasing time stamps, each track starting at 0, writes without a picture) are
//!   in [`crate::policy`] (`MP4_*`).
//! - Demuxer (`config_type` 2): any MP4 / MOV file libavformat opens; tracks of other codecs
//!   are listed but `kd_mp4_get_track_by_index` refuses them and `kd_mp4_get_frame` skips
//!   them. `kd_mp4_get_frame` returns the next sample in file order: video as Annex-B (4-byte
//!   start codes; the track's parameter sets in front of each key frame that has none), audio
//!   as stored, `time_stamp` in ms, `data` in a buffer of the instance valid until the next
//!   call; at the end 0 with `eof` = 1 (again on every later call).
//! - Built without the `libav` feature (the riscv64 simulator): every function prints that
//!   and returns -1.

pub mod nal;

#[cfg(feature = "libav")]
mod demux;
#[cfg(feature = "libav")]
mod mux;

use std::ffi::{c_char, c_int, c_void};

/// `K_MP4_CONFIG_MUXER`.
pub const K_MP4_CONFIG_MUXER: u32 = 1;
/// `K_MP4_CONFIG_DEMUXER`.
pub const K_MP4_CONFIG_DEMUXER: u32 = 2;
/// `K_MP4_STREAM_VIDEO`.
pub const K_MP4_STREAM_VIDEO: u32 = 1;
/// `K_MP4_STREAM_AUDIO`.
pub const K_MP4_STREAM_AUDIO: u32 = 2;
/// `K_MP4_CODEC_ID_H264`.
pub const K_MP4_CODEC_ID_H264: u32 = 0;
/// `K_MP4_CODEC_ID_H265`.
pub const K_MP4_CODEC_ID_H265: u32 = 1;
/// `K_MP4_CODEC_ID_G711A`.
pub const K_MP4_CODEC_ID_G711A: u32 = 2;
/// `K_MP4_CODEC_ID_G711U`.
pub const K_MP4_CODEC_ID_G711U: u32 = 3;
/// `K_MP4_CODEC_ID_BUTT`.
pub const K_MP4_CODEC_ID_BUTT: u32 = 4;
/// Tracks per file (facts 3.2: a 4th `kd_mp4_create_track` fails).
pub const MAX_TRACKS: usize = 3;
/// Return code of every failure but one ([`crate::policy::MP4_UNPARSABLE_PARAM_SETS`]).
pub const ERR: c_int = -1;

/// `KD_HANDLE`.
pub type KdHandle = *mut c_void;

/// `k_mp4_config_muxer_s`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Mp4ConfigMuxer {
    /// NUL-terminated output file name.
    pub file_name: [c_char; 128],
    /// Non-zero: fragmented MP4.
    pub fmp4_flag: u8,
}

/// `k_mp4_config_demuxer_s`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Mp4ConfigDemuxer {
    /// NUL-terminated input file name.
    pub file_name: [c_char; 128],
}

/// The anonymous union of `k_mp4_config_s`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union Mp4ConfigUnion {
    /// `muxer_config`.
    pub muxer_config: Mp4ConfigMuxer,
    /// `demuxer_config`.
    pub demuxer_config: Mp4ConfigDemuxer,
}

/// `k_mp4_config_s`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Mp4Config {
    /// `k_mp4_config_type_e`.
    pub config_type: u32,
    /// Muxer or demuxer settings.
    pub u: Mp4ConfigUnion,
}

/// `k_mp4_video_info_s`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mp4VideoInfo {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Track id (demuxer output).
    pub track_id: u32,
    /// `k_mp4_codec_id_e`.
    pub codec_id: u32,
}

/// `k_mp4_audio_info_s`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mp4AudioInfo {
    /// Channels.
    pub channels: u32,
    /// Samples per second.
    pub sample_rate: u32,
    /// Bits per (decoded) sample.
    pub bit_per_sample: u32,
    /// Track id (demuxer output).
    pub track_id: u32,
    /// `k_mp4_codec_id_e`.
    pub codec_id: u32,
}

/// The anonymous union of `k_mp4_track_info_s`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union Mp4TrackUnion {
    /// `video_info`.
    pub video_info: Mp4VideoInfo,
    /// `audio_info`.
    pub audio_info: Mp4AudioInfo,
}

/// `k_mp4_track_info_s`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Mp4TrackInfo {
    /// `k_mp4_track_type_e`.
    pub track_type: u32,
    /// Stored, not used (the SDK's writer uses 1000).
    pub time_scale: u32,
    /// Video or audio details.
    pub u: Mp4TrackUnion,
}

/// `k_mp4_file_info_s`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mp4FileInfo {
    /// Duration in milliseconds.
    pub duration: u64,
    /// Number of tracks.
    pub track_num: u32,
}

/// `k_mp4_frame_data_s`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Mp4FrameData {
    /// `k_mp4_codec_id_e`.
    pub codec_id: u32,
    /// Microseconds (write) / milliseconds (get_frame).
    pub time_stamp: u64,
    /// The frame's bytes.
    pub data: *mut u8,
    /// Their length.
    pub data_length: u32,
    /// get_frame: 1 at the end of the file.
    pub eof: u8,
}

const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<Mp4ConfigMuxer>() == 129 && align_of::<Mp4ConfigMuxer>() == 1);
    assert!(size_of::<Mp4Config>() == 136 && offset_of!(Mp4Config, u) == 4);
    assert!(size_of::<Mp4VideoInfo>() == 16);
    assert!(size_of::<Mp4AudioInfo>() == 20 && offset_of!(Mp4AudioInfo, codec_id) == 16);
    assert!(size_of::<Mp4TrackInfo>() == 28 && offset_of!(Mp4TrackInfo, u) == 8);
    assert!(size_of::<Mp4FileInfo>() == 16 && offset_of!(Mp4FileInfo, track_num) == 8);
    assert!(size_of::<Mp4FrameData>() == 32);
    assert!(offset_of!(Mp4FrameData, time_stamp) == 8 && offset_of!(Mp4FrameData, data) == 16);
    assert!(offset_of!(Mp4FrameData, data_length) == 24 && offset_of!(Mp4FrameData, eof) == 28);
};

/// A failure: the code to return and the reason to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mp4Error {
    /// -1 (or -2).
    pub code: c_int,
    /// The reason, printed after the function's name.
    pub msg: String,
}

impl Mp4Error {
    /// A -1 failure.
    pub fn new(msg: impl Into<String>) -> Self {
        Mp4Error {
            code: ERR,
            msg: msg.into(),
        }
    }
}

/// Result of the muxer / demuxer internals.
pub type Mp4Result<T = ()> = Result<T, Mp4Error>;

/// Prints the failure as the SDK prints its reasons and returns its code.
#[cfg(feature = "libav")]
fn report(func: &str, r: Mp4Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{func}: {}", e.msg);
            e.code
        }
    }
}

/// What a track is, checked from a `k_mp4_track_info_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackSpec {
    /// A video track.
    Video {
        /// H.264 or H.265.
        codec: nal::VideoCodec,
        /// Picture size.
        width: u32,
        /// Picture size.
        height: u32,
    },
    /// A G.711 audio track.
    Audio {
        /// True for A-law, false for mu-law.
        alaw: bool,
        /// Channels.
        channels: u32,
        /// Samples per second.
        rate: u32,
    },
}

impl TrackSpec {
    /// The track a `k_mp4_track_info_s` describes, or why not.
    pub fn from_info(info: &Mp4TrackInfo) -> Mp4Result<TrackSpec> {
        match info.track_type {
            K_MP4_STREAM_VIDEO => {
                // SAFETY: both union members are plain u32 fields; any bit pattern is valid.
                let v = unsafe { info.u.video_info };
                let codec = match v.codec_id {
                    K_MP4_CODEC_ID_H264 => nal::VideoCodec::H264,
                    K_MP4_CODEC_ID_H265 => nal::VideoCodec::H265,
                    c => {
                        return Err(Mp4Error::new(format!(
                            "video track codec_id {c} is not K_MP4_CODEC_ID_H264 (0) or \
                             K_MP4_CODEC_ID_H265 (1)"
                        )))
                    }
                };
                if v.width == 0 || v.height == 0 || v.width > 16384 || v.height > 16384 {
                    return Err(Mp4Error::new(format!(
                        "video track size {}x{} (width and height must be 1..16384)",
                        v.width, v.height
                    )));
                }
                Ok(TrackSpec::Video {
                    codec,
                    width: v.width,
                    height: v.height,
                })
            }
            K_MP4_STREAM_AUDIO => {
                // SAFETY: as above.
                let a = unsafe { info.u.audio_info };
                let alaw = match a.codec_id {
                    K_MP4_CODEC_ID_G711A => true,
                    K_MP4_CODEC_ID_G711U => false,
                    c => {
                        return Err(Mp4Error::new(format!(
                            "audio track codec_id {c} is not K_MP4_CODEC_ID_G711A (2) or \
                             K_MP4_CODEC_ID_G711U (3)"
                        )))
                    }
                };
                if !(1..=2).contains(&a.channels) || !(1..=192_000).contains(&a.sample_rate) {
                    return Err(Mp4Error::new(format!(
                        "audio track with {} channels at {} Hz (1..2 channels, 1..192000 Hz)",
                        a.channels, a.sample_rate
                    )));
                }
                Ok(TrackSpec::Audio {
                    alaw,
                    channels: a.channels,
                    rate: a.sample_rate,
                })
            }
            t => Err(Mp4Error::new(format!(
                "track_type {t} is not K_MP4_STREAM_VIDEO (1) or K_MP4_STREAM_AUDIO (2)"
            ))),
        }
    }

    /// The `k_mp4_codec_id_e` of the track.
    pub fn codec_id(&self) -> u32 {
        match *self {
            TrackSpec::Video {
                codec: nal::VideoCodec::H264,
                ..
            } => K_MP4_CODEC_ID_H264,
            TrackSpec::Video { .. } => K_MP4_CODEC_ID_H265,
            TrackSpec::Audio { alaw: true, .. } => K_MP4_CODEC_ID_G711A,
            TrackSpec::Audio { .. } => K_MP4_CODEC_ID_G711U,
        }
    }
}

/// The file name of a config (its bytes up to the NUL), or why it cannot be used.
pub fn file_name(raw: &[c_char; 128]) -> Mp4Result<Vec<u8>> {
    let bytes: Vec<u8> = raw.iter().map(|&c| c as u8).collect();
    match bytes.iter().position(|&b| b == 0) {
        // A board path (/sdcard/...) is the runner's folder for it (K230_SIM_PATH_MAP).
        Some(n) if n <= crate::policy::MP4_FILE_NAME_MAX => {
            Ok(crate::runctl::host_path(&bytes[..n]))
        }
        _ => Err(Mp4Error::new(format!(
            "file_name has no NUL within its 128 bytes (at most {} bytes of name fit)",
            crate::policy::MP4_FILE_NAME_MAX
        ))),
    }
}

/// Live muxers and demuxers, and live track handles (for the leak counters).
pub fn live_counts() -> (u32, u32) {
    #[cfg(feature = "libav")]
    {
        registry::counts()
    }
    #[cfg(not(feature = "libav"))]
    {
        (0, 0)
    }
}

#[cfg(feature = "libav")]
mod registry {
    //! The live instances and tracks, by handle.

    use super::demux::Demuxer;
    use super::mux::Muxer;
    use super::{Mp4Error, Mp4Result};
    use std::collections::BTreeMap;
    use std::sync::{Mutex, MutexGuard};

    /// A live instance.
    pub enum File {
        /// Writing.
        Muxer(Box<Muxer>),
        /// Reading.
        Demuxer(Box<Demuxer>),
    }

    /// Every live handle.
    pub struct Registry {
        /// The last handle handed out.
        last: u64,
        /// Instances by handle.
        pub files: BTreeMap<u64, File>,
        /// Track handle -> (instance handle, track index in the muxer).
        pub tracks: BTreeMap<u64, (u64, usize)>,
    }

    /// Handles start here (any non-zero value would do; this one is easy to spot).
    const FIRST_HANDLE: u64 = 0x4d50_3400_0000;

    static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
        last: FIRST_HANDLE,
        files: BTreeMap::new(),
        tracks: BTreeMap::new(),
    });

    /// The registry, locked. Every kd_mp4 call holds it for its whole duration.
    pub fn lock() -> MutexGuard<'static, Registry> {
        REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
    }

    impl Registry {
        /// A new handle.
        pub fn next_handle(&mut self) -> u64 {
            self.last += 1;
            self.last
        }

        /// The muxer of handle `h`.
        pub fn muxer(&mut self, h: u64) -> Mp4Result<&mut Muxer> {
            match self.files.get_mut(&h) {
                Some(File::Muxer(m)) => Ok(m),
                Some(File::Demuxer(_)) => Err(Mp4Error::new(format!(
                    "mp4 handle {h:#x} is a demuxer (K_MP4_CONFIG_DEMUXER); this call needs a muxer"
                ))),
                None => Err(unknown(h)),
            }
        }

        /// The demuxer of handle `h`.
        pub fn demuxer(&mut self, h: u64) -> Mp4Result<&mut Demuxer> {
            match self.files.get_mut(&h) {
                Some(File::Demuxer(d)) => Ok(d),
                Some(File::Muxer(_)) => Err(Mp4Error::new(format!(
                    "mp4 handle {h:#x} is a muxer (K_MP4_CONFIG_MUXER); this call needs a demuxer"
                ))),
                None => Err(unknown(h)),
            }
        }
    }

    /// The message for a handle nobody has.
    pub fn unknown(h: u64) -> Mp4Error {
        Mp4Error::new(format!(
            "unknown mp4 handle {h:#x} (never created by kd_mp4_create, or destroyed)"
        ))
    }

    /// (instances, tracks) alive.
    pub fn counts() -> (u32, u32) {
        let r = lock();
        (r.files.len() as u32, r.tracks.len() as u32)
    }
}

/// The handle value of a `KD_HANDLE`.
#[cfg(feature = "libav")]
fn handle_value(h: KdHandle) -> u64 {
    h as usize as u64
}

/// A `KD_HANDLE` holding the value `v`.
#[cfg(feature = "libav")]
fn handle_ptr(v: u64) -> KdHandle {
    v as usize as KdHandle
}

#[cfg(not(feature = "libav"))]
fn without_libav(func: &str) -> c_int {
    eprintln!(
        "{func}: this simulator was built without libav (its `libav` feature), which the MP4 \
         muxer and demuxer need; nothing was done"
    );
    ERR
}

/// `kd_mp4_create`: a muxer or demuxer for the file named in `cfg`; its handle in `*handle`.
///
/// # Safety
/// `handle` is NULL or writable; `cfg` is NULL or points to a readable `k_mp4_config_s`.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_create(handle: *mut KdHandle, cfg: *mut Mp4Config) -> c_int {
    const F: &str = "kd_mp4_create";
    #[cfg(not(feature = "libav"))]
    {
        let _ = (handle, cfg);
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        // SAFETY: NULL or valid, per the function contract.
        let (out, cfg) = unsafe { (handle.as_mut(), cfg.as_ref()) };
        report(
            F,
            (|| {
                let (Some(out), Some(cfg)) = (out, cfg) else {
                    return Err(Mp4Error::new("mp4_handle and mp4_cfg must not be NULL"));
                };
                let file = match cfg.config_type {
                    K_MP4_CONFIG_MUXER => {
                        // SAFETY: the union's members are byte arrays; any content is valid.
                        let m = unsafe { cfg.u.muxer_config };
                        let name = file_name(&m.file_name)?;
                        registry::File::Muxer(Box::new(mux::Muxer::create(
                            &name,
                            m.fmp4_flag != 0,
                        )?))
                    }
                    K_MP4_CONFIG_DEMUXER => {
                        // SAFETY: as above.
                        let d = unsafe { cfg.u.demuxer_config };
                        let name = file_name(&d.file_name)?;
                        registry::File::Demuxer(Box::new(demux::Demuxer::open(&name)?))
                    }
                    t => {
                        return Err(Mp4Error::new(format!(
                        "config_type {t} is not K_MP4_CONFIG_MUXER (1) or K_MP4_CONFIG_DEMUXER (2)"
                    )))
                    }
                };
                let mut reg = registry::lock();
                let h = reg.next_handle();
                reg.files.insert(h, file);
                *out = handle_ptr(h);
                Ok(())
            })(),
        )
    }
}

/// `kd_mp4_destroy`: finishes the file (muxer) and frees the instance and its tracks.
///
/// # Safety
/// None: the handle is only looked up, never dereferenced.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_destroy(handle: KdHandle) -> c_int {
    const F: &str = "kd_mp4_destroy";
    #[cfg(not(feature = "libav"))]
    {
        let _ = handle;
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        let h = handle_value(handle);
        let file = {
            let mut reg = registry::lock();
            let Some(file) = reg.files.remove(&h) else {
                return report(F, Err(registry::unknown(h)));
            };
            reg.tracks.retain(|_, (owner, _)| *owner != h);
            file
        };
        // Finishing a large plain MP4 rewrites it (faststart): outside the registry's lock.
        report(
            F,
            match file {
                registry::File::Muxer(m) => m.finish(),
                registry::File::Demuxer(_) => Ok(()),
            },
        )
    }
}

/// `kd_mp4_create_track`: a track of the muxer; its handle in `*track`.
///
/// # Safety
/// `track` is NULL or writable; `info` is NULL or points to a readable `k_mp4_track_info_s`.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_create_track(
    handle: KdHandle,
    track: *mut KdHandle,
    info: *mut Mp4TrackInfo,
) -> c_int {
    const F: &str = "kd_mp4_create_track";
    #[cfg(not(feature = "libav"))]
    {
        let _ = (handle, track, info);
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        // SAFETY: NULL or valid, per the function contract.
        let (out, info) = unsafe { (track.as_mut(), info.as_ref()) };
        let h = handle_value(handle);
        report(
            F,
            (|| {
                let mut reg = registry::lock();
                let muxer = reg.muxer(h)?;
                let (Some(out), Some(info)) = (out, info) else {
                    return Err(Mp4Error::new(
                        "track_handle and mp4_track_info must not be NULL",
                    ));
                };
                let spec = TrackSpec::from_info(info)?;
                let index = muxer.add_track(spec)?;
                let t = reg.next_handle();
                reg.tracks.insert(t, (h, index));
                *out = handle_ptr(t);
                Ok(())
            })(),
        )
    }
}

/// `kd_mp4_destroy_tracks`: frees the muxer's track handles (the tracks stay in the file).
///
/// # Safety
/// None: the handle is only looked up.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_destroy_tracks(handle: KdHandle) -> c_int {
    const F: &str = "kd_mp4_destroy_tracks";
    #[cfg(not(feature = "libav"))]
    {
        let _ = handle;
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        let h = handle_value(handle);
        report(
            F,
            (|| {
                let mut reg = registry::lock();
                reg.muxer(h)?;
                reg.tracks.retain(|_, (owner, _)| *owner != h);
                Ok(())
            })(),
        )
    }
}

/// `kd_mp4_write_frame`: one sample of `track`.
///
/// # Safety
/// `frame` is NULL or points to a readable `k_mp4_frame_data_s` whose `data` is NULL or
/// points to `data_length` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_write_frame(
    handle: KdHandle,
    track: KdHandle,
    frame: *mut Mp4FrameData,
) -> c_int {
    const F: &str = "kd_mp4_write_frame";
    #[cfg(not(feature = "libav"))]
    {
        let _ = (handle, track, frame);
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        // SAFETY: NULL or valid, per the function contract.
        let frame = unsafe { frame.as_ref() };
        let (h, t) = (handle_value(handle), handle_value(track));
        report(
            F,
            (|| {
                let mut reg = registry::lock();
                reg.muxer(h)?;
                let index = match reg.tracks.get(&t) {
                    Some(&(owner, index)) if owner == h => index,
                    Some(&(owner, _)) => {
                        return Err(Mp4Error::new(format!(
                            "track handle {t:#x} belongs to mp4 handle {owner:#x}, not {h:#x}"
                        )))
                    }
                    None => {
                        return Err(Mp4Error::new(format!(
                            "unknown track handle {t:#x} (never created by kd_mp4_create_track, \
                             or destroyed by kd_mp4_destroy_tracks)"
                        )))
                    }
                };
                let Some(frame) = frame else {
                    return Err(Mp4Error::new("frame_data must not be NULL"));
                };
                let len = frame.data_length as usize;
                if frame.data.is_null() || len == 0 {
                    return Err(Mp4Error::new(format!(
                        "frame_data has no data (data {:p}, data_length {len})",
                        frame.data
                    )));
                }
                if len > crate::policy::MP4_MAX_FRAME_BYTES {
                    return Err(Mp4Error::new(format!(
                        "a frame of {len} bytes does not fit the muxer's {} byte buffer",
                        crate::policy::MP4_MAX_FRAME_BYTES
                    )));
                }
                // SAFETY: non-NULL and `len` readable bytes, per the function contract.
                let data = unsafe { std::slice::from_raw_parts(frame.data, len) };
                reg.muxer(h)?
                    .write(index, frame.codec_id, frame.time_stamp, data)
            })(),
        )
    }
}

/// `kd_mp4_get_file_info`: the demuxed file's duration (ms) and track count.
///
/// # Safety
/// `info` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_get_file_info(handle: KdHandle, info: *mut Mp4FileInfo) -> c_int {
    const F: &str = "kd_mp4_get_file_info";
    #[cfg(not(feature = "libav"))]
    {
        let _ = (handle, info);
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        // SAFETY: NULL or valid, per the function contract.
        let info = unsafe { info.as_mut() };
        let h = handle_value(handle);
        report(
            F,
            (|| {
                let mut reg = registry::lock();
                let d = reg.demuxer(h)?;
                let info = info.ok_or_else(|| Mp4Error::new("file_info must not be NULL"))?;
                *info = d.file_info();
                Ok(())
            })(),
        )
    }
}

/// `kd_mp4_get_track_by_index`: what track `index` of the demuxed file is.
///
/// # Safety
/// `info` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_get_track_by_index(
    handle: KdHandle,
    index: u32,
    info: *mut Mp4TrackInfo,
) -> c_int {
    const F: &str = "kd_mp4_get_track_by_index";
    #[cfg(not(feature = "libav"))]
    {
        let _ = (handle, index, info);
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        // SAFETY: NULL or valid, per the function contract.
        let info = unsafe { info.as_mut() };
        let h = handle_value(handle);
        report(
            F,
            (|| {
                let mut reg = registry::lock();
                let d = reg.demuxer(h)?;
                let info = info.ok_or_else(|| Mp4Error::new("mp4_track_info must not be NULL"))?;
                *info = d.track_info(index)?;
                Ok(())
            })(),
        )
    }
}

/// `kd_mp4_get_frame`: the next sample of the demuxed file.
///
/// # Safety
/// `frame` is NULL or writable. The returned `data` is valid until the next call on the
/// handle or its destroy.
#[no_mangle]
pub unsafe extern "C" fn kd_mp4_get_frame(handle: KdHandle, frame: *mut Mp4FrameData) -> c_int {
    const F: &str = "kd_mp4_get_frame";
    #[cfg(not(feature = "libav"))]
    {
        let _ = (handle, frame);
        without_libav(F)
    }
    #[cfg(feature = "libav")]
    {
        // SAFETY: NULL or valid, per the function contract.
        let frame = unsafe { frame.as_mut() };
        let h = handle_value(handle);
        report(
            F,
            (|| {
                let mut reg = registry::lock();
                let d = reg.demuxer(h)?;
                let frame = frame.ok_or_else(|| Mp4Error::new("frame_data must not be NULL"))?;
                d.next_frame(frame)
            })(),
        )
    }
}

#[cfg(test)]
mod tests;
