//! k230-venc-sim: a host simulator of the K230 media platform (MPP).
//!
//! This `std` crate exports, as C symbols, every function of `include/k230_mpp.h`
//! (`kd_mpi_venc_*`, `kd_mpi_sys_*`, `kd_mpi_vb_*`) and of `sim/include/k230_sim.h`
//! (sensor stand-in, fault injection, statistics, codec backend), and those of
//! `sim/include/k230_mp4_format.h` (`kd_mp4_*`, in [`mp4`]) and `sim/include/k230_sim_audio.h`
//! (microphone, G.711, in [`audio`]). Linked in place of the
//! K230 SDK libraries, it lets the `k230-venc` core and unmodified CanMV scripts run on a
//! PC. It uses the ABI types generated from the same header (`k230_venc::mpp`).
//!
//! # What is simulated
//! - **MMZ** ([`arena`]): a lazily zeroed host region (256 MiB, `K230_SIM_MMZ_MB`
//!   overrides) with fake physical addresses from `0x1000_0000`, 4 KiB aligned,
//!   first-fit allocation; `kd_mpi_sys_mmap` returns host pointers into it.
//! - **VB** ([`vb`]): common pools (set_config / init / exit) and private pools
//!   (create_pool / destory_pool), each one contiguous MMZ allocation.
//! - **SYS** ([`sys`]): VI -> VENC binds (the only supported pair), the query of a
//!   destination's source, mmap / munmap.
//! - **VICAP** ([`vicap`]): three sensor devices with three channels each, each channel in
//!   its own size and pixel format ([`vicap::format`]: NV12 with the K230 layout, UV plane
//!   at `ALIGN_UP(w * h, 4096)`; packed or planar RGB888): a deterministic moving colour
//!   test pattern ([`vicap::render_pattern`]), or the pictures of a camera file ([`camera`];
//!   see *Sensor source* below), mirrored / flipped per device; frames handed out as
//!   `kd_mpi_vicap_dump_frame` describes them (`k_video_frame_info`); the CSI-bus claim of
//!   CanMV's Sensor layer.
//! - **VENC** ([`venc`]): four channels with the K230 state rules and error codes, output
//!   buffers in MMZ, frame-rate conversion, GOP / IDR structure, HEADER + I packs on IDR,
//!   pack splitting when the caller's pack array is short, blocking / non-blocking / timed
//!   waits in real time (condvar), pts in microseconds.
//! - **Codec** ([`codec`]): a backend trait with two backends, chosen when a channel is
//!   created (see *Codec backends* below): `libav` (`codec::libav`, real H.264 / H.265 /
//!   JPEG, the default; cargo feature `libav`, on by default) and `synthetic` ([`codec::synthetic`], whose docs define the payload
//!   text tests parse: `frame=<n> y=<hex> uv=<hex> pts=<us> size=<w>x<h>`).
//! - **MP4** ([`mp4`]): the SDK's MP4 muxer / demuxer C API (`kd_mp4_*`,
//!   `sim/include/k230_mp4_format.h`) over libavformat (the `libav` feature; without it every
//!   call answers -1): H.264 / H.265 and G.711 A-law / mu-law, plain or fragmented MP4, handles
//!   in a registry; its choices are the `MP4_*` constants of [`policy`].
//! - **Microphone and G.711** ([`audio`], `sim/include/k230_sim_audio.h`): a 1 kHz tone or a
//!   WAV file (`K230_SIM_MIC_WAV`) on the sensor clock, and the ITU-T G.711 encoders, which
//!   CanMV's `Mp4Container` records with on the PC.
//! - **Faults** ([`fault`]) and **stats** ([`stats`]) for error-path and leak tests.
//!
//! All state sits in one global `Mutex` (+ `Condvar`), created on first use. Every
//! exported function checks its pointers, never panics on input, and returns K230 error
//! codes (`K_DEF_ERR(mod, 4, n)`, see [`err`]). Time is virtual for the sensor (a frame
//! is produced when someone asks for it) and real for timeouts.
//!
//! # Codec backends
//! - `libav` (default; the crate's `libav` feature, on by default: without it, e.g.
//!   `--no-default-features` for cross-architecture builds, the crate has no FFmpeg /
//!   `jpeg-encoder` dependency and `synthetic` is the only backend): real streams. H.264 through libx264 and H.265 through libx265, both
//!   driven through the system's libavcodec (FFmpeg 5.1 on Debian 12) with the crate
//!   `ffmpeg-next`; JPEG with the pure-Rust crate `jpeg-encoder`. Why: libavcodec gives both
//!   video encoders behind one API, already packaged by the distribution (`libavcodec-dev`,
//!   which `scripts/setup.sh` installs; nothing is vendored or downloaded), and libx264 /
//!   libx265 are the reference software encoders: strict CBR with HRD filler, forced IDRs,
//!   repeated parameter sets and zero-delay output are all options. Driving libx264 / libx265
//!   directly would need two hand-written FFI layers for the same result. For JPEG,
//!   libavcodec's `mjpeg` only has 31 `qscale` steps; `jpeg-encoder` has the IJG quality
//!   scale that `q_factor` 1..99 means and reads the NV12 rows directly. The settings
//!   (ultrafast preset with CABAC forced on for Main / High and 8x8 transform for High, no
//!   B-frames, no lookahead, one slice, closed GOP, CBR with `vbv-maxrate = vbv-bufsize =
//!   bit_rate`) are listed in `codec::libav`. Measured on this project's 2-core machine,
//!   300 frames of the 1280x720 test pattern at 30 fps, GOP 30: H.264 achieves 990 / 3960 /
//!   7920 kbit/s for 1000 / 4000 / 8000, H.265 976 / 3901 / 7801; 1080p H.264 Main runs
//!   about 160 fps through the whole sensor -> VENC -> GetStream path (the encoder alone
//!   about 170), H.265 about 56.
//! - `synthetic`: no encoder; deterministic placeholder NAL units / JPEG markers whose sizes
//!   follow the rate control and whose payload names the encoded picture. Fast, no native
//!   dependency at run time; used by cross-architecture runs, benchmarks of the simulator
//!   itself, and tests that check which picture was encoded.
//! - Selection, for channels created from then on: `k230_sim_set_backend("libav" |
//!   "synthetic")` (Python: `_k230sim.backend(name)`), else the environment variable
//!   `K230_SIM_BACKEND=libav|synthetic` (read at start-up and on every reset; an unknown name
//!   is reported on stderr and ignored), else `libav` (`synthetic` without the feature;
//!   selecting `libav` then fails with -2). A channel keeps the backend it was
//!   created with. `K230_SIM_AVLOG=1` shows FFmpeg's / x264's debug log (one line per frame).
//! - Stream shape (both backends): one output frame per kept input frame; an IDR exactly
//!   every `gop` output frames (and after `request_idr`), forced by the simulator, whose
//!   get_stream returns `[HEADER (SPS, PPS; VPS, SPS, PPS for H.265), I]`; `[P]` otherwise;
//!   JPEG one complete picture per get_stream. The libav backend splits each access unit by
//!   NAL unit type: parameter sets to the HEADER pack, everything else (slices, SEI, filler)
//!   to the I / P pack, in stream order, so the packs of all get_streams concatenated are the
//!   encoder's exact output. Picture sizes must be even (4:2:0 input): create_chn
//!   answers `ILLEGAL_PARAM` for odd ones, whatever the backend.
//!
//! # Sensor source
//! - Default: the moving colour test pattern ([`vicap::render_pattern`]): 8 colour bars, a
//!   scrolling luma gradient band, a square with its own chroma moving 4 px right and 2 px
//!   down per frame; a pure function of (width, height, frame index).
//! - A camera file: the environment variable `K230_SIM_CAMERA=<path>` (`K230_SIM_Y4M`, its
//!   earlier name, is still read; both at start-up and on every reset), or
//!   `k230_sim_vicap_set_source(path)` (Python: `_k230sim.sensor_source(path)`; NULL / None /
//!   "" selects the test pattern again) for devices started from then on. Any video or
//!   picture libav decodes (MP4, MKV, Y4M, PNG, JPEG, ...), decoded on demand, looping, scaled
//!   to each channel's size ([`camera`]; the file's frame rate is ignored unless
//!   [`policy::CAMERA_BY_FRAME`] is false: the sensor's fps gives the pts). The file is opened
//!   and its first picture decoded by set_source (and again by each vicap start): unreadable
//!   VICAP `UNEXIST` (0xa0158005); no decodable picture, or a simulator built without libav,
//!   VICAP `NOT_SUPPORT` (0xa0158008), and nothing is left running.
//!   `k230_sim_vicap_error()` describes the last such failure;
//!   the `_k230sim` bindings put it into the `OSError` message.
//!
//! # Choices where the facts are UNCERTAIN or silent
//! The tunable ones live in [`policy`].
//! - destroy_chn of a stopped channel whose streams are not all released succeeds and takes
//!   the streams back with the channel (`DESTROY_RECLAIMS_HELD_STREAMS`; CanMV's own Destroy
//!   never releases first). Set it false and destroy answers VENC `BUSY` instead.
//! - destroy_chn of a channel a VI -> VENC bind still targets: destroyed, the bind stays until
//!   `kd_mpi_sys_unbind` (policy switch "destroy_bound" = "allow", the default), or refused
//!   with VENC `BUSY` ("refuse"; `K230_SIM_DESTROY_BOUND`, `_k230sim.policy`); the evidence is
//!   at `policy::DESTROY_BOUND_REFUSED`. `kd_mpi_sys_get_bind_by_dest` reports a VENC
//!   channel's source; for a destination without one SYS `UNEXIST` (`GET_BIND_NONE`).
//! - get_stream timeout / no data (also timeout 0): VENC `BUF_EMPTY` (0xa009800e).
//!   send_frame with no free output buffer after the timeout: VENC `BUF_FULL`.
//! - JPEG frames are one pack of type `K_VENC_I_FRAME`.
//! - Every IDR carries a HEADER pack (parameter sets) first: `[HEADER, I]`; P frames are
//!   `[P]`. `enable_idr` is stored and validated (k_bool 0/1, else ILLEGAL_PARAM, allowed in
//!   any state) but does not change the stream: GOP starts are always IDRs.
//! - `request_idr` makes the next output frame an IDR and restarts the GOP there.
//! - Rate control: CBR, VBR and FIXQP channels are coded as configured by the libav backend
//!   (`codec::libav`: VBR is constant quality capped at `max_bit_rate` with the simulator's
//!   own rate loop holding the average at `bit_rate`; FIXQP codes IDR slices at `i_qp` and P
//!   slices at `p_qp`, within x264's / x265's reach); the synthetic backend sizes frames from
//!   `bit_rate` (FIXQP: a rate derived from `p_qp` and the picture size). VBR with
//!   `max_bit_rate < bit_rate` fails create_chn with ILLEGAL_PARAM (`VBR_MAX_BELOW_AVERAGE`);
//!   the VBR buffer and loop constants are in [`policy`].
//! - `set_rotation` / `set_mirror` (after create; on a started channel NOT_PERM,
//!   `ORIENTATION_WHILE_STARTED`; `k_rotation` above 3 or a mirror other than HORI / VERT:
//!   ILLEGAL_PARAM): the channel's NV12 input is mirrored, then turned
//!   (`MIRROR_BEFORE_ROTATION`), clockwise (`ROTATION_CLOCKWISE`), before any backend sees
//!   it ([`codec::orient`]); the encoder is opened again at the coded size (`height` x
//!   `width` for 90 and 270) and the next frame is an IDR. send_frame and bound sensors keep
//!   the channel's `pic_width` x `pic_height`.
//! - Frame-rate conversion keeps `dst` of every `src` input frames with an accumulator that
//!   starts at `src - dst`, so the first frame is always kept (30->15 keeps 0, 2, 4, ...;
//!   30->20 keeps 0, 2, 3, 5, 6, ...). It applies to bound and sent frames alike; a dropped
//!   sent frame returns 0.
//! - Bound input is produced on demand (virtual time): get_stream / query_status on an
//!   empty queue pull sensor frames only while an output buffer is free, so the K230 rule
//!   "drop VI frames while the output is full" never triggers; the sensor just does not
//!   advance. A running bound sensor channel whose size differs from the channel's picture
//!   size, or whose pixel format is not NV12, produces nothing for that channel, and
//!   get_stream then fails at once with VENC `ILLEGAL_PARAM` instead of waiting forever
//!   (query_status reports no packs).
//! - A frame larger than one output buffer is dropped and counted ([`venc::counters`]);
//!   send_frame still returns 0.
//! - Blocking waits end early only for data / a free buffer; if the channel is destroyed
//!   meanwhile they return VENC `UNEXIST` (stop alone does not end them).
//! - send_frame: `stride[i] == 0` means width, a stride below the width is ILLEGAL_PARAM,
//!   `virt_addr` is ignored (planes are read through `phys_addr`), an input plane inside
//!   the output buffer chosen for the frame is BADADDR. Checks run in the order channel id,
//!   existence, started (NOT_PERM), NULL, timeout, pixel format, size, addresses.
//! - query_status: `u32StartQp` / `u32MeanQp` report the last frame's QP as libx264 / libx265
//!   report it (a constant 30 for JPEG and the synthetic backend); `end_of_stream` is K_FALSE.
//! - kd_mpi_vb_init without set_config: VB `NOT_PERM`. `max_pool_cnt > 256`:
//!   ILLEGAL_PARAM. vb_exit keeps the configuration. create_pool does not require vb_init;
//!   ids start at 16 (lowest free reused). Pool blocks are one contiguous allocation.
//! - kd_mpi_sys_mmap with size 0: NULL. munmap ignores the size and only checks that the
//!   pointer lies inside the arena. Mapping counts are bookkeeping only.
//! - sys_unbind with a destination that is not a VENC channel (or not bound): 0.
//! - VICAP: set_framesize / set_pixformat / set_fps on a running device: VICAP NOT_PERM;
//!   start on a running device: 0 (no change); dump_frame on a stopped device: NOTREADY, on
//!   a running device's unconfigured channel: NOT_CONFIG. Odd sizes are accepted; the UV
//!   plane then has `h / 2` lines of `w / 2` pairs. Starting a device restarts its frame
//!   numbering and the cursors of the VENC channels bound to it.
//! - VICAP pixel formats: NV12 (31, the default), RGB888 (3, packed R, G, B, stride `3 w`)
//!   and RGB888 planar (46: R, G, B planes `w * h` apart, stride `w`), converted from the
//!   NV12 picture with BT.601 limited-range integer arithmetic; any other value:
//!   NOT_SUPPORT. RGB565 and GRAYSCALE are CanMV software formats (media.sensor).
//! - VICAP mirror mask (1 horizontal mirror, 2 vertical flip) applies from the next start,
//!   as CanMV's `set_hmirror` / `set_vflip` take effect at `run()`; reset clears it; other
//!   bits: ILLEGAL_PARAM. A mirrored chroma line keeps its U, V pairs.
//! - dump_frame fills `time_ref` with the channel's frame number since start, `mod_id` with
//!   `K_ID_VI`, the ring's pool id (`100 + 3 dev + chn`) and host pointers as `virt_addr`;
//!   everything else is 0.
//! - The CSI-bus claim (`k230_sim_vicap_claim`): CanMV's Sensor layer refuses a second
//!   Sensor on a device unless `force`; the claim is held here, not by media.sensor, so that
//!   stopping the device, which the between-scripts teardown does for every device, frees it
//!   as the firmware's soft reset would, also when two scripts run in one interpreter.
//! - Fault injection: `skip` counts successful calls only (return 0; mmap non-NULL;
//!   create_pool >= 0). A faulted mmap returns NULL; a faulted create_pool returns `code`.
//! - destroy_chn frees output buffers, queued frames and held streams; the bind stays.
//! - ABI 2025 (`abi-2025` feature): `attach_vb_pool(chn, pool, n)` makes the first `n`
//!   (0 = all) blocks of a created pool the channel's output buffers, before create or on a
//!   created, stopped channel that has no buffers; unknown pool or `n > blk_cnt`:
//!   ILLEGAL_PARAM; second attach: EXIST. A channel created without a pool has no output
//!   buffers (send_frame reports BUF_FULL, get_stream waits). `detach_vb_pool` needs the
//!   channel stopped (NOT_PERM) and its pool blocks idle (BUSY); destroy_chn also detaches.
//!   `destory_pool` of an attached pool: VB BUSY. `attach_vb_pool_ex(chn, pool, n)` (the
//!   form some 2025 SDKs export) is the same with a signed `n`; negative: ILLEGAL_PARAM.
//! - ABI 2025: `request_chn` hands out the lowest channel neither requested nor created
//!   (`REQUEST_CHN_SKIPS_CREATED`; false: the lowest not requested), VENC `NOBUF` when none
//!   is left (`REQUEST_CHN_NONE_FREE`); `release_chn` of a channel not requested: UNEXIST; of
//!   one still created: NOT_PERM (`RELEASE_CHN_CREATED`). Requested channels are counted in
//!   the live report (`venc_channels_requested`).
//! - The CanMV IDE preview (`K230_SIM_IDE_PREVIEW=1`, `_k230sim.ide_preview(on)`): a JPEG
//!   channel the simulated firmware creates beside the script, 640x480 quality 90; the fixed
//!   channel 3 with the 2024 ABI (`IDE_PREVIEW_FIXED_CHN`), a requested one with the 2025
//!   ABI. The firmware's between-scripts teardown stops it (the 2026 firmware does; the
//!   older one may leave channel 3 to the next script).

#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod arena;
pub mod audio;
pub mod camera;
pub mod codec;
pub mod diag;
pub mod err;
pub mod fault;
pub mod ffi;
mod ide;
pub mod mp4;
pub mod nal;
pub mod policy;
pub mod rtsp;
pub mod runctl;
mod state;
pub mod stats;
pub mod sys;
pub mod vb;
pub mod venc;
pub mod vicap;

pub(crate) use state::Sim;
pub use stats::K230SimStats;
pub use vicap::{render_nv12, render_pattern};

/// Returns the whole simulator to its initial state: frees every channel, bind, pool,
/// sensor ring and mapping, clears fault rules, selects the default backend. Rust only
/// (not exported to C); meant for tests, which must serialise themselves.
pub fn reset_for_tests() {
    let g = state::global();
    g.lock().reset();
    g.notify();
}

#[cfg(test)]
mod tests;
