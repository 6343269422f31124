//! VB: common pool configuration, init / exit, and private pools.

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{kd_mpi_vb_create_pool, kd_mpi_vb_exit, kd_mpi_vb_init, kd_mpi_vb_set_config};
use k230_venc::mpp::*;

#[test]
fn vb_config_init_exit_and_pools() {
    let _g = setup();
    let mut cfg = k_vb_config {
        max_pool_cnt: 16,
        ..Default::default()
    };
    cfg.comm_pool[0] = pool_cfg(5000, 3);
    cfg.comm_pool[1] = pool_cfg(0, 3);
    cfg.comm_pool[5] = pool_cfg(4096, 2);
    // SAFETY: NULL and valid references only.
    unsafe {
        assert_eq!(
            kd_mpi_vb_set_config(std::ptr::null()),
            err::vb(num::NULL_PTR)
        );
        assert_eq!(kd_mpi_vb_init(), err::vb(num::NOT_PERM));
        assert_eq!(kd_mpi_vb_exit(), 0);
        assert_eq!(kd_mpi_vb_set_config(&cfg), 0);
        assert_eq!(kd_mpi_vb_init(), 0);
        let s = stats();
        assert_eq!(
            (s.vb_inited, s.mmz_blocks, s.mmz_bytes),
            (1, 2, 3 * 8192 + 2 * 4096)
        );
        assert_eq!(kd_mpi_vb_set_config(&cfg), err::vb(num::NOT_PERM));
        assert_eq!(kd_mpi_vb_init(), 0);
        assert_eq!(stats().mmz_blocks, 2);
        assert_eq!(kd_mpi_vb_exit(), 0);
        assert_eq!(kd_mpi_vb_exit(), 0);
        let s = stats();
        assert_eq!((s.vb_inited, s.mmz_blocks, s.mmz_bytes), (0, 0, 0));
        // Config kept across exit.
        assert_eq!(kd_mpi_vb_init(), 0);
        assert_eq!(kd_mpi_vb_exit(), 0);
        // Too big: NOMEM, nothing leaked.
        cfg.comm_pool[6] = pool_cfg(1 << 40, 1);
        assert_eq!(kd_mpi_vb_set_config(&cfg), 0);
        assert_eq!(kd_mpi_vb_init(), err::vb(num::NOMEM));
        assert_eq!(stats().mmz_blocks, 0);
        cfg.max_pool_cnt = 257;
        assert_eq!(kd_mpi_vb_set_config(&cfg), err::vb(num::ILLEGAL_PARAM));
        assert_eq!(kd_mpi_vb_create_pool(std::ptr::null_mut()), -1);
    }
    assert_eq!(create_pool(0, 1), -1);
    assert_eq!(create_pool(4096, 0), -1);
    assert_eq!(create_pool(1 << 40, 1), -1);
    assert_eq!(create_pool(u64::MAX, 2), -1);
    let a = create_pool(100, 2);
    let b = create_pool(100, 2);
    assert_eq!((a, b), (16, 17));
    assert_eq!(stats().mmz_bytes, 4 * 4096);
    assert_eq!(destroy_pool(16), 0);
    assert_eq!(destroy_pool(16), err::vb(num::UNEXIST));
    assert_eq!(destroy_pool(3), err::vb(num::UNEXIST));
    assert_eq!(create_pool(100, 1), 16);
    assert_eq!(destroy_pool(16), 0);
    assert_eq!(destroy_pool(17), 0);
    assert_eq!(stats().mmz_blocks, 0);
}
