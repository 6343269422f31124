//! A stateful fake MPP for the core's own tests: channels, frame queues, mappings,
//! binds and VB, with counters that the tests check for balance, and failures injected
//! per call name. [`Fake`] is the cheap handle the [`Mpp`] trait needs.

extern crate std;

use std::cell::{RefCell, RefMut};
use std::collections::{HashMap, VecDeque};
use std::ptr::NonNull;
use std::rc::Rc;
use std::vec::Vec;

use crate::hal::{Mpp, MppError, MppResult};
#[cfg(feature = "abi-2025")]
use crate::mpp::err::vb;
use crate::mpp::err::{num, sys, venc};
use crate::mpp::*;

/// The state of a stateful fake MPP: per-channel queues of frames (each a list of pack
/// types), a memory buffer for mmap, and counters for the balance checks.
#[derive(Default)]
pub struct FakeState {
    pub created: [bool; 4],
    /// Channels someone besides the core created (the IDE preview): create_chn says EXIST.
    pub taken: [bool; 4],
    pub started: [bool; 4],
    pub frames: [VecDeque<Vec<u32>>; 4],
    /// Packs of the head frame already delivered.
    pub delivered: [usize; 4],
    pub outstanding: HashMap<(u32, u64), usize>,
    pub mapped: i64,
    pub binds: Vec<(k_mpp_chn, k_mpp_chn)>,
    /// `kd_mpi_venc_destroy_chn` of a channel a bind still targets is refused with
    /// K_ERR_VENC_BUSY (the simulator's "destroy_bound" policy "refuse").
    pub refuse_destroy_bound: bool,
    pub vb_inited: bool,
    pub vb_pools: Vec<(u64, u32)>,
    pub fail: HashMap<&'static str, MppError>,
    pub sent: usize,
    /// Channels of the `kd_mpi_venc_request_idr` calls, in order.
    pub idr_requests: Vec<u32>,
    pub last_attr: Option<k_venc_chn_attr>,
    /// The rotation and mirror each channel was given since its create (None: no call).
    pub orient: [(Option<k_rotation>, Option<k_venc_mirror>); 4],
    pub mem: Vec<u8>,
    pub next_phys: u64,
    #[cfg(feature = "abi-2025")]
    pub pools: HashMap<u32, (u64, u32)>,
    #[cfg(feature = "abi-2025")]
    pub next_pool: u32,
    #[cfg(feature = "abi-2025")]
    pub attached: HashMap<u32, u32>,
    /// Channels handed out by `kd_mpi_venc_request_chn` and not released.
    #[cfg(k230_mpp_request_chn)]
    pub requested: [bool; 4],
    /// `kd_mpi_venc_request_chn` knows only requested channels, not the ones created by
    /// number (the simulator's `REQUEST_CHN_SKIPS_CREATED` false).
    #[cfg(k230_mpp_request_chn)]
    pub request_ignores_created: bool,
}

impl FakeState {
    fn new() -> Self {
        FakeState {
            mem: std::vec![0u8; 1 << 16],
            next_phys: 0x1000,
            ..Default::default()
        }
    }
    fn check(&mut self, name: &'static str) -> MppResult {
        match self.fail.get(name) {
            Some(&c) => Err(c),
            None => Ok(()),
        }
    }
    pub fn push_frame(&mut self, chn: usize, types: &[u32]) {
        self.frames[chn].push_back(types.to_vec());
    }
}

impl FakeState {
    pub fn venc_create_chn(&mut self, chn: u32, attr: &k_venc_chn_attr) -> MppResult {
        self.check("create")?;
        if self.taken[chn as usize] {
            return Err(venc(num::EXIST));
        }
        self.created[chn as usize] = true;
        self.last_attr = Some(*attr);
        self.orient[chn as usize] = (None, None);
        Ok(())
    }
    pub fn venc_set_rotation(&mut self, chn: u32, rotation: k_rotation) -> MppResult {
        self.check("set_rotation")?;
        assert!(self.created[chn as usize] && !self.started[chn as usize]);
        self.orient[chn as usize].0 = Some(rotation);
        Ok(())
    }
    pub fn venc_set_mirror(&mut self, chn: u32, mirror: k_venc_mirror) -> MppResult {
        self.check("set_mirror")?;
        assert!(self.created[chn as usize] && !self.started[chn as usize]);
        self.orient[chn as usize].1 = Some(mirror);
        Ok(())
    }
    pub fn venc_destroy_chn(&mut self, chn: u32) -> MppResult {
        self.check("destroy")?;
        assert!(!self.started[chn as usize], "destroy while started");
        if self.refuse_destroy_bound && self.bound_to(chn).is_some() {
            return Err(venc(num::BUSY));
        }
        self.created[chn as usize] = false;
        self.frames[chn as usize].clear();
        // As the simulator's DESTROY_RECLAIMS_HELD_STREAMS: the streams go with the channel.
        self.outstanding.retain(|&(c, _), _| c != chn);
        #[cfg(feature = "abi-2025")]
        self.attached.remove(&chn);
        Ok(())
    }
    pub fn venc_start_chn(&mut self, chn: u32) -> MppResult {
        self.check("start")?;
        self.started[chn as usize] = true;
        Ok(())
    }
    pub fn venc_stop_chn(&mut self, chn: u32) -> MppResult {
        self.check("stop")?;
        self.started[chn as usize] = false;
        Ok(())
    }
    pub fn venc_enable_idr(&mut self, _chn: u32, _enable: bool) -> MppResult {
        self.check("enable_idr")
    }
    /// The status: `cur_packs` as `venc_query_packs`, frames sent as the picture count.
    pub fn venc_query_status(&mut self, chn: u32) -> MppResult<k_venc_chn_status> {
        let cur_packs = self.venc_query_packs(chn)?;
        let mut st = k_venc_chn_status {
            cur_packs,
            ..Default::default()
        };
        st.stream_info.u32PicCnt = self.sent as u32;
        Ok(st)
    }
    pub fn venc_request_idr(&mut self, chn: u32) -> MppResult {
        self.check("request_idr")?;
        self.idr_requests.push(chn);
        Ok(())
    }
    pub fn venc_query_packs(&mut self, chn: u32) -> MppResult<u32> {
        self.check("query")?;
        let c = chn as usize;
        Ok(self.frames[c]
            .front()
            .map_or(0, |f| (f.len() - self.delivered[c]) as u32))
    }
    pub fn venc_get_stream(
        &mut self,
        chn: u32,
        packs: &mut [k_venc_pack],
        _t: i32,
    ) -> MppResult<usize> {
        self.check("get")?;
        let c = chn as usize;
        if !self.created[c] {
            return Err(venc(num::UNEXIST));
        }
        let Some(front) = self.frames[c].front().cloned() else {
            return Err(venc(num::BUF_EMPTY));
        };
        let n = packs.len().min(front.len() - self.delivered[c]);
        for (i, p) in packs.iter_mut().take(n).enumerate() {
            p.phys_addr = self.next_phys as _;
            p.len = 100;
            p.type_ = front[self.delivered[c] + i];
            p.pts = 33_333;
            self.next_phys += 4096;
        }
        self.delivered[c] += n;
        if self.delivered[c] == front.len() {
            self.frames[c].pop_front();
            self.delivered[c] = 0;
        }
        self.outstanding.insert((chn, packs[0].phys_addr), n);
        Ok(n)
    }
    pub fn venc_release_stream(&mut self, chn: u32, packs: &mut [k_venc_pack]) -> MppResult {
        self.check("release")?;
        match self.outstanding.remove(&(chn, packs[0].phys_addr)) {
            Some(n) if n == packs.len() => Ok(()),
            _ => Err(venc(num::ILLEGAL_PARAM)),
        }
    }
    pub fn venc_send_frame(&mut self, chn: u32, _f: &mut k_video_frame_info, _t: i32) -> MppResult {
        self.check("send")?;
        self.sent += 1;
        self.push_frame(chn as usize, &[K_VENC_P_FRAME]);
        Ok(())
    }
    pub fn sys_bind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
        self.check("bind")?;
        self.binds.push((*src, *dst));
        Ok(())
    }
    pub fn sys_unbind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
        self.check("unbind")?;
        let i = self.binds.iter().position(|(s, d)| {
            (s.mod_id, s.dev_id, s.chn_id, d.mod_id, d.chn_id)
                == (src.mod_id, src.dev_id, src.chn_id, dst.mod_id, dst.chn_id)
        });
        self.binds.remove(i.expect("unbind of a pair never bound"));
        Ok(())
    }
    /// The source bound to VENC channel `chn`, if any.
    pub fn bound_to(&self, chn: u32) -> Option<k_mpp_chn> {
        self.binds
            .iter()
            .find(|(_, d)| d.mod_id == K_ID_VENC && d.chn_id == chn as i32)
            .map(|(s, _)| *s)
    }
    /// What is bound to a VENC channel; SYS UNEXIST for nothing (the simulator's choice).
    pub fn sys_get_bind_by_dest(&mut self, dst: &k_mpp_chn) -> MppResult<k_mpp_chn> {
        self.check("get_bind")?;
        if dst.mod_id != K_ID_VENC {
            return Err(sys(num::UNEXIST));
        }
        self.bound_to(dst.chn_id as u32).ok_or(sys(num::UNEXIST))
    }
    pub fn sys_mmap(&mut self, _phys: u64, _len: u32) -> Option<NonNull<u8>> {
        if self.fail.contains_key("mmap") {
            return None;
        }
        self.mapped += 1;
        NonNull::new(self.mem.as_mut_ptr())
    }
    pub fn sys_munmap(&mut self, _virt: NonNull<u8>, _len: u32) -> MppResult {
        self.check("munmap")?;
        self.mapped -= 1;
        Ok(())
    }
    pub fn vb_set_config(&mut self, config: &k_vb_config) -> MppResult {
        self.check("vb_set_config")?;
        self.vb_pools = config
            .comm_pool
            .iter()
            .filter(|p| p.blk_cnt > 0)
            .map(|p| (p.blk_size, p.blk_cnt))
            .collect();
        Ok(())
    }
    pub fn vb_init(&mut self) -> MppResult {
        self.check("vb_init")?;
        self.vb_inited = true;
        Ok(())
    }
    pub fn vb_exit(&mut self) -> MppResult {
        self.check("vb_exit")?;
        self.vb_inited = false;
        Ok(())
    }
    #[cfg(feature = "abi-2025")]
    pub fn vb_create_pool(&mut self, config: &k_vb_pool_config) -> MppResult<u32> {
        self.check("create_pool")?;
        self.next_pool += 1;
        self.pools
            .insert(self.next_pool, (config.blk_size, config.blk_cnt));
        Ok(self.next_pool)
    }
    #[cfg(feature = "abi-2025")]
    pub fn vb_destroy_pool(&mut self, pool: u32) -> MppResult {
        self.check("destroy_pool")?;
        assert!(
            !self.attached.values().any(|&p| p == pool),
            "destroying an attached pool"
        );
        self.pools.remove(&pool).map(|_| ()).ok_or(vb(num::UNEXIST))
    }
    #[cfg(feature = "abi-2025")]
    pub fn venc_attach_vb_pool(&mut self, chn: u32, pool: u32, buf_num: u32) -> MppResult {
        self.check("attach")?;
        assert_eq!(self.pools[&pool].1, buf_num);
        assert!(self.attached.insert(chn, pool).is_none(), "attached twice");
        Ok(())
    }
    /// The lowest channel neither requested nor created (the simulator's policy; with
    /// `request_ignores_created` the lowest not requested).
    #[cfg(k230_mpp_request_chn)]
    pub fn venc_request_chn(&mut self) -> MppResult<u32> {
        self.check("request")?;
        let ignore = self.request_ignores_created;
        let c = (0..4)
            .find(|&c| !self.requested[c] && (ignore || (!self.created[c] && !self.taken[c])))
            .ok_or(venc(num::NOBUF))?;
        self.requested[c] = true;
        Ok(c as u32)
    }
    #[cfg(k230_mpp_request_chn)]
    pub fn venc_release_chn(&mut self, chn: u32) -> MppResult {
        self.check("release_chn")?;
        let c = chn as usize;
        assert!(
            self.request_ignores_created || !self.created[c],
            "releasing a created channel"
        );
        assert!(self.requested[c], "releasing a channel not requested");
        self.requested[c] = false;
        Ok(())
    }
    #[cfg(feature = "abi-2025")]
    pub fn venc_detach_vb_pool(&mut self, chn: u32) -> MppResult {
        self.check("detach")?;
        if self.started[chn as usize] {
            return Err(venc(num::NOT_PERM));
        }
        self.attached
            .remove(&chn)
            .map(|_| ())
            .ok_or(venc(num::UNEXIST))
    }
}

/// A handle on one [`FakeState`]; clones share it, as the module state and an unlocked
/// wait share the one MPP.
#[derive(Clone)]
pub struct Fake(Rc<RefCell<FakeState>>);

impl Fake {
    /// A fresh fake.
    pub fn new() -> Self {
        Fake(Rc::new(RefCell::new(FakeState::new())))
    }

    /// Its state, to script and inspect.
    pub fn st(&self) -> RefMut<'_, FakeState> {
        self.0.borrow_mut()
    }
}

/// Forwards every [`Mpp`] method of a handle type to the state `$get` gives.
macro_rules! forward_mpp {
    ($t:ty, |$s:ident| $get:expr) => {
        impl Mpp for $t {
            fn venc_create_chn(&mut self, chn: u32, attr: &k_venc_chn_attr) -> MppResult {
                let $s = self;
                $get.venc_create_chn(chn, attr)
            }
            fn venc_destroy_chn(&mut self, chn: u32) -> MppResult {
                let $s = self;
                $get.venc_destroy_chn(chn)
            }
            fn venc_start_chn(&mut self, chn: u32) -> MppResult {
                let $s = self;
                $get.venc_start_chn(chn)
            }
            fn venc_stop_chn(&mut self, chn: u32) -> MppResult {
                let $s = self;
                $get.venc_stop_chn(chn)
            }
            fn venc_enable_idr(&mut self, chn: u32, enable: bool) -> MppResult {
                let $s = self;
                $get.venc_enable_idr(chn, enable)
            }
            fn venc_set_rotation(&mut self, chn: u32, rotation: k_rotation) -> MppResult {
                let $s = self;
                $get.venc_set_rotation(chn, rotation)
            }
            fn venc_set_mirror(&mut self, chn: u32, mirror: k_venc_mirror) -> MppResult {
                let $s = self;
                $get.venc_set_mirror(chn, mirror)
            }
            fn venc_query_packs(&mut self, chn: u32) -> MppResult<u32> {
                let $s = self;
                $get.venc_query_packs(chn)
            }
            fn venc_query_status(&mut self, chn: u32) -> MppResult<k_venc_chn_status> {
                let $s = self;
                $get.venc_query_status(chn)
            }
            fn venc_request_idr(&mut self, chn: u32) -> MppResult {
                let $s = self;
                $get.venc_request_idr(chn)
            }
            fn venc_get_stream(
                &mut self,
                chn: u32,
                packs: &mut [k_venc_pack],
                timeout_ms: i32,
            ) -> MppResult<usize> {
                let $s = self;
                $get.venc_get_stream(chn, packs, timeout_ms)
            }
            fn venc_release_stream(&mut self, chn: u32, packs: &mut [k_venc_pack]) -> MppResult {
                let $s = self;
                $get.venc_release_stream(chn, packs)
            }
            fn venc_send_frame(
                &mut self,
                chn: u32,
                frame: &mut k_video_frame_info,
                timeout_ms: i32,
            ) -> MppResult {
                let $s = self;
                $get.venc_send_frame(chn, frame, timeout_ms)
            }
            fn sys_bind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
                let $s = self;
                $get.sys_bind(src, dst)
            }
            fn sys_unbind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
                let $s = self;
                $get.sys_unbind(src, dst)
            }
            fn sys_get_bind_by_dest(&mut self, dst: &k_mpp_chn) -> MppResult<k_mpp_chn> {
                let $s = self;
                $get.sys_get_bind_by_dest(dst)
            }
            fn sys_mmap(&mut self, phys: u64, len: u32) -> Option<NonNull<u8>> {
                let $s = self;
                $get.sys_mmap(phys, len)
            }
            fn sys_munmap(&mut self, virt: NonNull<u8>, len: u32) -> MppResult {
                let $s = self;
                $get.sys_munmap(virt, len)
            }
            fn vb_set_config(&mut self, config: &k_vb_config) -> MppResult {
                let $s = self;
                $get.vb_set_config(config)
            }
            fn vb_init(&mut self) -> MppResult {
                let $s = self;
                $get.vb_init()
            }
            fn vb_exit(&mut self) -> MppResult {
                let $s = self;
                $get.vb_exit()
            }
            #[cfg(feature = "abi-2025")]
            fn vb_create_pool(&mut self, config: &k_vb_pool_config) -> MppResult<u32> {
                let $s = self;
                $get.vb_create_pool(config)
            }
            #[cfg(feature = "abi-2025")]
            fn vb_destroy_pool(&mut self, pool: u32) -> MppResult {
                let $s = self;
                $get.vb_destroy_pool(pool)
            }
            #[cfg(feature = "abi-2025")]
            fn venc_attach_vb_pool(&mut self, chn: u32, pool: u32, buf_num: u32) -> MppResult {
                let $s = self;
                $get.venc_attach_vb_pool(chn, pool, buf_num)
            }
            #[cfg(feature = "abi-2025")]
            fn venc_detach_vb_pool(&mut self, chn: u32) -> MppResult {
                let $s = self;
                $get.venc_detach_vb_pool(chn)
            }
            #[cfg(k230_mpp_request_chn)]
            fn venc_request_chn(&mut self) -> MppResult<u32> {
                let $s = self;
                $get.venc_request_chn()
            }
            #[cfg(k230_mpp_request_chn)]
            fn venc_release_chn(&mut self, chn: u32) -> MppResult {
                let $s = self;
                $get.venc_release_chn(chn)
            }
        }
    };
}
forward_mpp!(Fake, |s| s.0.borrow_mut());
