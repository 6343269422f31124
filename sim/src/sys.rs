//! SYS: binds (VI -> VENC only) and the mmap / munmap of MMZ memory.
//!
//! A bind is stored on its destination VENC channel together with that channel's cursor
//! into the sensor channel's frame sequence, so two encoder channels bound to one sensor
//! channel each see frames 0, 1, 2, ... The cursor restarts at 0 on bind and on
//! `k230_sim_vicap_start`.

use crate::err::{self, num, KResult};
use crate::{venc, vicap, Sim};
use k230_venc::mpp::{k_mpp_chn, K_ID_VENC, K_ID_VI};

/// A VI -> VENC bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bind {
    pub dev: usize,
    pub chn: usize,
    /// Next sensor frame index this VENC channel will take.
    pub cursor: u64,
}

fn in_range(v: i32, n: usize) -> Option<usize> {
    usize::try_from(v).ok().filter(|&i| i < n)
}

/// `kd_mpi_sys_bind`.
pub(crate) fn bind(sim: &mut Sim, src: Option<&k_mpp_chn>, dst: Option<&k_mpp_chn>) -> KResult {
    let (Some(src), Some(dst)) = (src, dst) else {
        return Err(err::sys(num::NULL_PTR));
    };
    if src.mod_id != K_ID_VI || dst.mod_id != K_ID_VENC {
        return Err(err::sys(num::NOT_SUPPORT));
    }
    let (Some(dev), Some(chn), Some(0), Some(vchn)) = (
        in_range(src.dev_id, vicap::DEVS),
        in_range(src.chn_id, vicap::CHNS),
        in_range(dst.dev_id, 1),
        in_range(dst.chn_id, venc::CHNS),
    ) else {
        return Err(err::sys(num::ILLEGAL_PARAM));
    };
    if sim.binds[vchn].is_some() {
        return Err(err::sys(num::NOT_PERM));
    }
    sim.binds[vchn] = Some(Bind {
        dev,
        chn,
        cursor: 0,
    });
    Ok(())
}

/// `kd_mpi_sys_unbind`: 0 if `dst` is not bound; ILLEGAL_PARAM if bound to another source.
pub(crate) fn unbind(sim: &mut Sim, src: Option<&k_mpp_chn>, dst: Option<&k_mpp_chn>) -> KResult {
    let (Some(src), Some(dst)) = (src, dst) else {
        return Err(err::sys(num::NULL_PTR));
    };
    let vchn = match (
        dst.mod_id,
        in_range(dst.dev_id, 1),
        in_range(dst.chn_id, venc::CHNS),
    ) {
        (K_ID_VENC, Some(0), Some(c)) => c,
        _ => return Ok(()),
    };
    let Some(b) = sim.binds[vchn] else {
        return Ok(());
    };
    let same = src.mod_id == K_ID_VI
        && in_range(src.dev_id, vicap::DEVS) == Some(b.dev)
        && in_range(src.chn_id, vicap::CHNS) == Some(b.chn);
    if !same {
        return Err(err::sys(num::ILLEGAL_PARAM));
    }
    sim.binds[vchn] = None;
    Ok(())
}

/// `kd_mpi_sys_get_bind_by_dest`: the VI channel bound to the VENC channel `dst`, written to
/// `src`; [`crate::policy::GET_BIND_NONE`] when nothing is bound to it (also for a destination
/// that is not a VENC channel: binds exist only there).
pub(crate) fn get_bind_by_dest(
    sim: &mut Sim,
    dst: Option<&k_mpp_chn>,
    src: Option<&mut k_mpp_chn>,
) -> KResult {
    let (Some(dst), Some(src)) = (dst, src) else {
        return Err(err::sys(num::NULL_PTR));
    };
    let bound = match (
        dst.mod_id,
        in_range(dst.dev_id, 1),
        in_range(dst.chn_id, venc::CHNS),
    ) {
        (K_ID_VENC, Some(0), Some(c)) => sim.binds[c],
        _ => None,
    };
    let Some(b) = bound else {
        return Err(crate::policy::GET_BIND_NONE);
    };
    *src = k_mpp_chn {
        mod_id: K_ID_VI,
        dev_id: b.dev as i32,
        chn_id: b.chn as i32,
    };
    Ok(())
}

/// `kd_mpi_sys_mmap`: host pointer or NULL.
pub(crate) fn mmap(sim: &mut Sim, phys: u64, size: u32) -> *mut u8 {
    sim.arena
        .map(phys, u64::from(size))
        .unwrap_or(std::ptr::null_mut())
}

/// `kd_mpi_sys_munmap`.
pub(crate) fn munmap(sim: &mut Sim, virt: *const u8) -> KResult {
    if virt.is_null() {
        return Err(err::sys(num::NULL_PTR));
    }
    if !sim.arena.unmap(virt) {
        return Err(err::sys(num::ILLEGAL_PARAM));
    }
    Ok(())
}
