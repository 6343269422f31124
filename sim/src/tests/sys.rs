//! SYS: VI -> VENC bind / unbind rules, and mmap / munmap of MMZ.

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{kd_mpi_sys_bind, kd_mpi_sys_unbind};
use k230_venc::mpp::*;

#[test]
fn bind_rules() {
    let _g = setup();
    // SAFETY: NULL pointers are what is tested.
    unsafe {
        let mut c = mpp_chn((K_ID_VI, 0, 0));
        assert_eq!(
            kd_mpi_sys_bind(std::ptr::null_mut(), &mut c),
            err::sys(num::NULL_PTR)
        );
        assert_eq!(
            kd_mpi_sys_bind(&mut c, std::ptr::null_mut()),
            err::sys(num::NULL_PTR)
        );
        assert_eq!(
            kd_mpi_sys_unbind(std::ptr::null_mut(), &mut c),
            err::sys(num::NULL_PTR)
        );
    }
    let sys_param = err::sys(num::ILLEGAL_PARAM);
    let sys_nosup = err::sys(num::NOT_SUPPORT);
    let sys_perm = err::sys(num::NOT_PERM);
    assert_eq!(bind((K_ID_VO, 0, 0), (K_ID_VENC, 0, 0)), sys_nosup);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VO, 0, 0)), sys_nosup);
    assert_eq!(bind((K_ID_VENC, 0, 0), (K_ID_VENC, 0, 1)), sys_nosup);
    assert_eq!(bind((K_ID_VI, 3, 0), (K_ID_VENC, 0, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, -1, 0), (K_ID_VENC, 0, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, 0, 3), (K_ID_VENC, 0, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 1, 0)), sys_param);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 4)), sys_param);
    assert_eq!(bind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), 0);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 3)), sys_perm);
    assert_eq!(bind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), sys_perm);
    assert_eq!(stats().binds, 1);
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 2)), 0);
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 3)), sys_param);
    assert_eq!(unbind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), 0);
    assert_eq!(unbind((K_ID_VI, 2, 2), (K_ID_VENC, 0, 3)), 0);
    assert_eq!(stats().binds, 0);
}

#[test]
fn mmap_and_munmap() {
    let _g = setup();
    assert!(mmap(0x1000_0000, 16).is_null());
    assert!(mmap(0, 16).is_null());
    let pool = create_pool(8192, 1);
    let base = pool_phys(pool);
    assert_eq!(base % 4096, 0);
    assert!(mmap(base, 0).is_null());
    assert!(mmap(base, 8193).is_null());
    assert!(mmap(base + 8192, 1).is_null());
    assert!(mmap(u64::MAX - 4, 16).is_null());
    let p = mmap(base + 100, 8092);
    assert!(!p.is_null());
    // SAFETY: valid for 8092 bytes.
    unsafe { p.write(7) };
    let q = mmap(base, 4096);
    // SAFETY: valid for 4096 bytes; p is base + 100.
    assert_eq!(unsafe { q.add(100).read() }, 7);
    assert_eq!(stats().mappings, 2);
    assert_eq!(munmap(std::ptr::null_mut(), 4), err::sys(num::NULL_PTR));
    let mut local = 0u8;
    assert_eq!(munmap(&mut local, 1), err::sys(num::ILLEGAL_PARAM));
    assert_eq!(munmap(p, 8092), 0);
    assert_eq!(munmap(q, 4096), 0);
    assert_eq!(munmap(q, 4096), 0);
    assert_eq!(stats().mappings, 0);
    assert_eq!(destroy_pool(pool as u32), 0);
    assert!(mmap(base, 16).is_null());
}
