//! SYS: VI -> VENC bind / unbind rules, the source bound to a destination, destroying a
//! bound channel under both policies, and mmap / munmap of MMZ.

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{
    k230_sim_policy, k230_sim_set_policy, kd_mpi_sys_bind, kd_mpi_sys_get_bind_by_dest,
    kd_mpi_sys_unbind,
};
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

/// `kd_mpi_sys_get_bind_by_dest` of `dst`: the source, or the code.
fn bound_source(dst: (u32, i32, i32)) -> Result<(u32, i32, i32), i32> {
    let mut d = mpp_chn(dst);
    let mut s = mpp_chn((0, -7, -7));
    // SAFETY: valid references.
    match unsafe { kd_mpi_sys_get_bind_by_dest(&mut d, &mut s) } {
        0 => Ok((s.mod_id, s.dev_id, s.chn_id)),
        code => Err(code),
    }
}

#[test]
fn the_source_bound_to_a_destination() {
    let _g = setup();
    let none = crate::policy::GET_BIND_NONE;
    assert_eq!(none, err::sys(num::UNEXIST));
    assert_eq!(bound_source((K_ID_VENC, 0, 1)), Err(none));
    assert_eq!(bind((K_ID_VI, 1, 2), (K_ID_VENC, 0, 1)), 0);
    assert_eq!(bound_source((K_ID_VENC, 0, 1)), Ok((K_ID_VI, 1, 2)));
    assert_eq!(bound_source((K_ID_VENC, 0, 0)), Err(none));
    // Binds exist only on VENC channels: anything else has no source.
    for dst in [
        (K_ID_VO, 0, 1),
        (K_ID_VENC, 1, 1),
        (K_ID_VENC, 0, 4),
        (K_ID_VENC, 0, -1),
    ] {
        assert_eq!(bound_source(dst), Err(none), "{dst:?}");
    }
    // SAFETY: NULL pointers are what is tested.
    unsafe {
        let mut c = mpp_chn((K_ID_VENC, 0, 1));
        let null = std::ptr::null_mut();
        assert_eq!(
            kd_mpi_sys_get_bind_by_dest(null, &mut c),
            err::sys(num::NULL_PTR)
        );
        assert_eq!(
            kd_mpi_sys_get_bind_by_dest(&mut c, null),
            err::sys(num::NULL_PTR)
        );
    }
    assert_eq!(unbind((K_ID_VI, 1, 2), (K_ID_VENC, 0, 1)), 0);
    assert_eq!(bound_source((K_ID_VENC, 0, 1)), Err(none));
}

/// `k230_sim_set_policy("destroy_bound", value)`.
fn set_destroy_bound_to(value: &std::ffi::CStr) -> i32 {
    let name = c"destroy_bound";
    // SAFETY: two NUL-terminated strings.
    unsafe { k230_sim_set_policy(name.as_ptr(), value.as_ptr()) }
}

fn set_destroy_bound(value: &std::ffi::CStr) {
    assert_eq!(set_destroy_bound_to(value), 0);
}

fn destroy_bound_policy() -> String {
    // SAFETY: a NUL-terminated name; the result is a static string.
    let p = unsafe { k230_sim_policy(c"destroy_bound".as_ptr()) };
    // SAFETY: non-NULL for a known name, NUL-terminated.
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn destroying_a_bound_channel_under_both_policies() {
    let _g = setup();
    assert_eq!(destroy_bound_policy(), "allow");
    const { assert!(!crate::policy::DESTROY_BOUND_REFUSED) };
    // allow: destroyed; the bind stays until unbound (and can target the next channel 0).
    assert_eq!(create(0, &small_attr()), 0);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    assert_eq!(destroy(0), 0);
    assert_eq!(stats().venc_channels_created, 0);
    assert_eq!(bound_source((K_ID_VENC, 0, 0)), Ok((K_ID_VI, 0, 0)));
    // refuse: BUSY while bound (a stopped channel; a started one is NOT_PERM first), then
    // destroyed once unbound. It applies at once, to a channel created before the switch.
    assert_eq!(create(0, &small_attr()), 0);
    set_destroy_bound(c"refuse");
    assert_eq!(destroy_bound_policy(), "refuse");
    assert_eq!(start(0), 0);
    assert_eq!(destroy(0), err::venc(num::NOT_PERM));
    assert_eq!(stop(0), 0);
    assert_eq!(destroy(0), crate::policy::DESTROY_WHILE_BOUND);
    assert_eq!(crate::policy::DESTROY_WHILE_BOUND, err::venc(num::BUSY));
    assert_eq!(stats().venc_channels_created, 1);
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 0)), 0);
    assert_eq!(destroy(0), 0);
    // A bind on another channel does not matter.
    assert_eq!(create(1, &small_attr()), 0);
    assert_eq!(bind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 2)), 0);
    assert_eq!(destroy(1), 0);
    assert_eq!(unbind((K_ID_VI, 0, 0), (K_ID_VENC, 0, 2)), 0);
    // Unknown values are refused; the reset goes back to the environment's (the default).
    assert_eq!(set_destroy_bound_to(c"maybe"), -2);
    reset_sim();
    assert_eq!(destroy_bound_policy(), "allow");
}
