//! `k230_sim_stats`: counters for leak checks.

use crate::{venc, vicap, Sim};

/// `k230_sim_stats` (see `sim/include/k230_sim.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct K230SimStats {
    /// VENC channels created.
    pub venc_channels_created: u32,
    /// VENC channels started.
    pub venc_channels_started: u32,
    /// Deliveries of get_stream not yet released.
    pub venc_streams_held: u32,
    /// Encoded frames not yet (fully) delivered.
    pub venc_frames_queued: u32,
    /// Live MMZ allocations.
    pub mmz_blocks: u32,
    /// Bytes in live MMZ allocations.
    pub mmz_bytes: u64,
    /// mmap minus munmap.
    pub mappings: u32,
    /// Live binds.
    pub binds: u32,
    /// 1 between vb_init and vb_exit.
    pub vb_inited: u32,
    /// Running sensor devices.
    pub vicap_running: u32,
    /// VENC channels requested (`kd_mpi_venc_request_chn`, 2025 ABI) and not released.
    pub venc_channels_requested: u32,
    /// Live `kd_mp4_create` instances (muxers and demuxers) not destroyed.
    pub mp4_files: u32,
    /// Live `kd_mp4_create_track` handles (freed by `kd_mp4_destroy_tracks` / `kd_mp4_destroy`).
    pub mp4_tracks: u32,
}

const _: () = {
    assert!(std::mem::size_of::<K230SimStats>() == 64);
    assert!(std::mem::offset_of!(K230SimStats, mmz_bytes) == 24);
    assert!(std::mem::offset_of!(K230SimStats, vicap_running) == 44);
    assert!(std::mem::offset_of!(K230SimStats, venc_channels_requested) == 48);
    assert!(std::mem::offset_of!(K230SimStats, mp4_tracks) == 56);
};

/// Current counters.
pub(crate) fn collect(sim: &Sim) -> K230SimStats {
    let (created, started, held, queued) = venc::counts(sim);
    let (mp4_files, mp4_tracks) = crate::mp4::live_counts();
    K230SimStats {
        venc_channels_created: created,
        venc_channels_started: started,
        venc_streams_held: held,
        venc_frames_queued: queued,
        mmz_blocks: sim.arena.blocks(),
        mmz_bytes: sim.arena.bytes(),
        mappings: sim.arena.mappings(),
        binds: sim.binds.iter().flatten().count() as u32,
        vb_inited: u32::from(sim.vb.inited()),
        vicap_running: vicap::running_count(&sim.vicap),
        #[cfg(feature = "abi-2025")]
        venc_channels_requested: sim.requested.iter().filter(|&&r| r).count() as u32,
        #[cfg(not(feature = "abi-2025"))]
        venc_channels_requested: 0,
        mp4_files,
        mp4_tracks,
    }
}
