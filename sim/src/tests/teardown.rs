//! Teardown and leaks: the statistics return to zero after a CanMV-order teardown, destroy
//! frees held streams and queued frames, and freed stream memory is poisoned.

use super::fixtures::*;
use crate::ffi::{k230_sim_vicap_stop, kd_mpi_vb_exit, kd_mpi_vb_init, kd_mpi_vb_set_config};
use crate::K230SimStats;
use k230_venc::mpp::*;

#[test]
fn stats_return_to_zero_after_teardown() {
    let _g = setup();
    let empty = K230SimStats::default();
    assert_eq!(stats(), empty);
    let mut cfg = k_vb_config {
        max_pool_cnt: 16,
        ..Default::default()
    };
    cfg.comm_pool[0] = pool_cfg(65536, 4);
    // SAFETY: a valid reference.
    unsafe {
        assert_eq!(kd_mpi_vb_set_config(&cfg), 0);
        assert_eq!(kd_mpi_vb_init(), 0);
    }
    bound_channel(0, &small_attr(), 30);
    let packs = get(0, 1, 0).unwrap();
    let p = mmap(packs[0].phys_addr, packs[0].len);
    assert!(!p.is_null());
    let s = stats();
    assert_eq!(
        (
            s.venc_channels_created,
            s.venc_channels_started,
            s.venc_streams_held,
            s.venc_frames_queued
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        (s.mappings, s.binds, s.vb_inited, s.vicap_running),
        (1, 1, 1, 1)
    );
    assert_eq!(s.mmz_blocks, 1 + 4 + 4);
    // Teardown in CanMV order: sensor stop, unbind, stop, destroy, vb exit, munmap.
    // SAFETY: no pointers.
    unsafe { assert_eq!(k230_sim_vicap_stop(0), 0) };
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    assert_eq!(stop(0), 0);
    assert_eq!(destroy(0), 0);
    // SAFETY: no pointers.
    unsafe { assert_eq!(kd_mpi_vb_exit(), 0) };
    assert_eq!(munmap(p, packs[0].len), 0);
    assert_eq!(stats(), empty);
}

#[test]
fn destroy_while_held_frees_everything() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    let _held = get(0, 1, 0).unwrap();
    assert_eq!(query(0).unwrap().cur_packs, 1);
    assert_eq!(stop(0), 0);
    // Stopped: no new frames, but the queued one is still delivered (no flush).
    let rest = get(0, 12, 0).unwrap();
    assert_eq!(rest[0].type_, K_VENC_I_FRAME);
    assert_eq!(destroy(0), 0);
    let s = stats();
    assert_eq!(
        (
            s.venc_channels_created,
            s.venc_streams_held,
            s.venc_frames_queued
        ),
        (0, 0, 0)
    );
    assert_eq!(s.mmz_blocks, 4); // only the sensor ring
    assert_eq!(s.binds, 1);
}

#[test]
fn freed_stream_memory_is_poisoned() {
    let _g = setup();
    bound_channel(0, &small_attr(), 30);
    let held = get(0, 12, 0).unwrap();
    let h = mmap(held[0].phys_addr, held[0].len);
    assert!(!h.is_null());
    assert_eq!(stop(0), 0);
    assert_eq!(destroy(0), 0);
    // SAFETY: the host address stays inside the arena, which lives as long as the process;
    // the test reads what a script with a stale StreamData.data address would read.
    let stale = unsafe { std::slice::from_raw_parts(h, held[0].len as usize) };
    assert!(stale.iter().all(|&b| b == crate::arena::POISON));
}
