//! Error codes and fault injection: the K230 values of the codes, and injected failures of
//! VENC, SYS and VB calls (`skip` / `count`, clearing).

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{k230_sim_fault_clear, k230_sim_fault_inject};

#[test]
fn codes_have_k230_values() {
    assert_eq!(VENC_CHNID as u32, 0xa009_8002);
    assert_eq!(VENC_EMPTY as u32, 0xa009_800e);
    assert_eq!(err::sys(num::NOT_SUPPORT) as u32, 0xa005_8008);
    assert_eq!(err::vb(num::NOMEM) as u32, 0xa004_800c);
}

#[test]
fn fault_injection() {
    let _g = setup();
    assert_eq!(fault(c"kd_mpi_nope", 1, 0, 1), -1);
    // SAFETY: NULL is what is tested.
    let r = unsafe { k230_sim_fault_inject(std::ptr::null(), 1, 0, 1) };
    assert_eq!(r, -1);
    let code = err::venc(num::BUSY);
    assert_eq!(fault(c"kd_mpi_venc_create_chn", code, 1, 2), 0);
    let a = small_attr();
    // A failing call does not consume `skip`.
    assert_eq!(create(9, &a), VENC_CHNID);
    assert_eq!(create(0, &a), 0);
    assert_eq!(create(1, &a), code);
    assert_eq!(create(1, &a), code);
    assert_eq!(stats().venc_channels_created, 1);
    assert_eq!(create(1, &a), 0);
    assert_eq!(fault(c"kd_mpi_venc_start_chn", code, 0, 5), 0);
    assert_eq!(fault(c"kd_mpi_venc_start_chn", code, 0, 0), 0);
    assert_eq!(start(0), 0);
    assert_eq!(fault(c"kd_mpi_sys_mmap", 0, 0, 1), 0);
    let pool = create_pool(4096, 1);
    let base = pool_phys(pool);
    assert!(mmap(base, 16).is_null());
    let p = mmap(base, 16);
    assert!(!p.is_null());
    assert_eq!(munmap(p, 16), 0);
    assert_eq!(fault(c"kd_mpi_vb_create_pool", -1, 0, 1), 0);
    assert_eq!(create_pool(4096, 1), -1);
    assert_eq!(fault(c"kd_mpi_venc_get_stream", code, 0, 3), 0);
    // SAFETY: no pointers.
    unsafe { k230_sim_fault_clear() };
    assert_eq!(get(0, 1, 0).code(), VENC_EMPTY);
}

#[test]
fn every_listed_mpp_function_is_exported_and_can_be_faulted() {
    use k230_venc::mpp::functions;
    let _g = setup();
    let ffi = include_str!("../ffi.rs");
    let abi_2025: &[&str] = if cfg!(feature = "abi-2025") {
        functions::ABI_2025
    } else {
        &[]
    };
    for name in functions::COMMON.iter().chain(abi_2025) {
        assert!(
            ffi.contains(&format!("pub unsafe extern \"C\" fn {name}(")),
            "the simulator does not export {name}"
        );
        let c = std::ffi::CString::new(*name).unwrap();
        assert_eq!(fault(&c, 1, 0, 0), 0, "{name} cannot be faulted");
    }
}
