//! Video buffer (VB) pools: the common pools of `kd_mpi_vb_set_config` / `init` / `exit`
//! and the private pools of `kd_mpi_vb_create_pool` / `destory_pool`.
//!
//! A pool is one contiguous MMZ allocation of `blk_cnt` blocks of
//! `ALIGN_UP(blk_size, 4096)` bytes, as on the K230. Private pool ids start at
//! [`FIRST_POOL_ID`] (after the 16 common pools) and are reused lowest-first.

use crate::arena::{align_up, PAGE};
use crate::err::{self, num, KResult};
use crate::policy;
use crate::Sim;
use k230_venc::mpp::{k_s32, k_vb_config, k_vb_pool_config, VB_MAX_POOLS};
use std::collections::BTreeMap;

/// First id handed out by `kd_mpi_vb_create_pool`.
pub const FIRST_POOL_ID: u32 = 16;
/// `VB_INVALID_POOLID` as returned by `kd_mpi_vb_create_pool`.
pub const INVALID_POOL: k_s32 = -1;

/// A private pool.
pub(crate) struct Pool {
    pub phys: u64,
    /// Block size rounded up to 4 KiB.
    #[cfg_attr(not(feature = "abi-2025"), allow(dead_code))]
    pub blk_size: u64,
    #[cfg_attr(not(feature = "abi-2025"), allow(dead_code))]
    pub blk_cnt: u32,
    /// ABI 2025: channels the pool is attached to.
    #[cfg_attr(not(feature = "abi-2025"), allow(dead_code))]
    pub users: u32,
}

/// VB state.
#[derive(Default)]
pub(crate) struct Vb {
    config: Option<Box<k_vb_config>>,
    inited: bool,
    comm: Vec<u64>,
    pub pools: BTreeMap<u32, Pool>,
}

impl Vb {
    pub fn inited(&self) -> bool {
        self.inited
    }
}

/// (aligned block size, total bytes) of a pool, if both are non-zero and fit.
fn pool_size(blk_size: u64, blk_cnt: u32) -> Option<(u64, u64)> {
    if blk_size == 0 || blk_cnt == 0 {
        return None;
    }
    let blk = align_up(blk_size, PAGE)?;
    Some((blk, blk.checked_mul(u64::from(blk_cnt))?))
}

/// `kd_mpi_vb_set_config`.
pub(crate) fn set_config(sim: &mut Sim, config: Option<&k_vb_config>) -> KResult {
    let config = config.ok_or(err::vb(num::NULL_PTR))?;
    if sim.vb.inited {
        return Err(err::vb(num::NOT_PERM));
    }
    if config.max_pool_cnt > VB_MAX_POOLS {
        return Err(err::vb(num::ILLEGAL_PARAM));
    }
    sim.vb.config = Some(Box::new(*config));
    Ok(())
}

/// `kd_mpi_vb_init`: allocate the configured common pools (repeat is fine).
pub(crate) fn init(sim: &mut Sim) -> KResult {
    if sim.vb.inited {
        return Ok(());
    }
    let Some(config) = sim.vb.config.as_deref() else {
        return Err(policy::VB_INIT_WITHOUT_CONFIG);
    };
    let mut comm = Vec::new();
    for p in &config.comm_pool {
        if p.blk_size == 0 || p.blk_cnt == 0 {
            continue;
        }
        match pool_size(p.blk_size, p.blk_cnt).and_then(|(_, total)| sim.arena.alloc(total)) {
            Some(phys) => comm.push(phys),
            None => {
                for phys in comm {
                    sim.arena.free(phys);
                }
                return Err(err::vb(num::NOMEM));
            }
        }
    }
    sim.vb.comm = comm;
    sim.vb.inited = true;
    Ok(())
}

/// `kd_mpi_vb_exit`: free the common pools; the configuration is kept (repeat is fine).
pub(crate) fn exit(sim: &mut Sim) -> KResult {
    for phys in sim.vb.comm.drain(..) {
        sim.arena.free(phys);
    }
    sim.vb.inited = false;
    Ok(())
}

/// `kd_mpi_vb_create_pool`: the new pool id, or [`INVALID_POOL`].
pub(crate) fn create_pool(sim: &mut Sim, config: Option<&k_vb_pool_config>) -> k_s32 {
    let Some(config) = config else {
        return INVALID_POOL;
    };
    let Some((blk, total)) = pool_size(config.blk_size, config.blk_cnt) else {
        return INVALID_POOL;
    };
    let Some(id) = (FIRST_POOL_ID..VB_MAX_POOLS).find(|id| !sim.vb.pools.contains_key(id)) else {
        return INVALID_POOL;
    };
    let Some(phys) = sim.arena.alloc(total) else {
        return INVALID_POOL;
    };
    sim.vb.pools.insert(
        id,
        Pool {
            phys,
            blk_size: blk,
            blk_cnt: config.blk_cnt,
            users: 0,
        },
    );
    id as k_s32
}

/// `kd_mpi_vb_destory_pool`.
pub(crate) fn destroy_pool(sim: &mut Sim, pool_id: u32) -> KResult {
    let pool = sim.vb.pools.get(&pool_id).ok_or(err::vb(num::UNEXIST))?;
    if pool.users > 0 {
        return Err(err::vb(num::BUSY));
    }
    let phys = pool.phys;
    sim.vb.pools.remove(&pool_id);
    sim.arena.free(phys);
    Ok(())
}
