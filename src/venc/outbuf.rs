//! Output buffers and the VB setup, for both MPP ABI generations.
//!
//! 2024 ABI: `k_venc_attr.stream_buf_cnt` carries the count and the driver allocates the
//! buffers itself, so the per-channel steps do nothing; `MediaManager.init()` configures one
//! common VB pool per channel that SetOutBufs sized, as CanMV does. 2025 ABI: SetOutBufs
//! makes a private VB pool (`buf_num` blocks of ALIGN_UP(w*h*3/4, 4096), non-cached),
//! Create (and Start after a Stop) attaches it, Stop detaches it, Destroy destroys it, as
//! current CanMV does.
#![forbid(unsafe_code)]

use super::{Venc, CHN_COUNT};
use crate::attr::{align_up, stream_buf_size};
use crate::error::{failed, Error, Failure, Failures, Result};
use crate::hal::Mpp;
use crate::mpp::functions as f;
use crate::mpp::*;
use crate::state::ChnState;

/// Pools in the VB configuration (`VB_MAX_COMM_POOLS`).
const VB_POOLS: usize = VB_MAX_COMM_POOLS as usize;

#[cfg(not(feature = "abi-2025"))]
impl<M: Mpp> Venc<M> {
    pub(super) fn bufs_configured(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }

    pub(super) fn bufs_attach(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }

    pub(super) fn bufs_detach(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }

    pub(super) fn bufs_release(&mut self, _c: usize) -> Result<()> {
        Ok(())
    }
}

#[cfg(feature = "abi-2025")]
impl<M: Mpp> Venc<M> {
    /// A new SetOutBufs of a free channel replaces its pool at once (errors show here).
    pub(super) fn bufs_configured(&mut self, c: usize) -> Result<()> {
        if self.chns[c].state != ChnState::Free {
            // The pool in use stays until Destroy; the next Create makes one of the new size.
            return Ok(());
        }
        self.bufs_release(c)?;
        self.pool_for(c).map(|_| ())
    }

    fn pool_for(&mut self, c: usize) -> Result<u32> {
        if let Some(pool) = self.chns[c].pool {
            return Ok(pool);
        }
        let Some(b) = self.chns[c].outbufs else {
            return Err(Error::NoOutBufs {
                chn: c as u32,
                media_inited: self.media_inited,
            });
        };
        let cfg = k_vb_pool_config {
            blk_size: stream_buf_size(b.width, b.height) as _,
            blk_cnt: b.count,
            mode: VB_REMAP_MODE_NOCACHE,
            ..Default::default()
        };
        let pool = self
            .mpp
            .vb_create_pool(&cfg)
            .map_err(failed(f::VB_CREATE_POOL))?;
        self.chns[c].pool = Some(pool);
        Ok(pool)
    }

    pub(super) fn bufs_attach(&mut self, c: usize) -> Result<()> {
        if self.chns[c].attached {
            return Ok(());
        }
        let pool = self.pool_for(c)?;
        let count = self.chns[c].outbufs.map_or(0, |b| b.count);
        self.mpp
            .venc_attach_vb_pool(c as u32, pool, count)
            .map_err(failed(crate::hal::VENC_ATTACH_CALL))?;
        self.chns[c].attached = true;
        Ok(())
    }

    /// Detaching fails while a held stream or an encoded frame still sits in the pool; the
    /// pool then stays attached (Start finds it attached; Destroy detaches it).
    pub(super) fn bufs_detach(&mut self, c: usize) -> Result<()> {
        if self.chns[c].attached {
            self.mpp
                .venc_detach_vb_pool(c as u32)
                .map_err(failed(f::VENC_DETACH_VB_POOL))?;
            self.chns[c].attached = false;
        }
        Ok(())
    }

    /// Gives the pool of a free channel back: detaches it if it is still attached (a
    /// destroy detaches it; a failed Create may have left it attached), then destroys it.
    /// A call the MPP refuses keeps what it would have released.
    pub(super) fn bufs_release(&mut self, c: usize) -> Result<()> {
        self.bufs_detach(c)?;
        if let Some(pool) = self.chns[c].pool {
            self.mpp
                .vb_destroy_pool(pool)
                .map_err(failed(f::VB_DESTROY_POOL))?;
            self.chns[c].pool = None;
        }
        Ok(())
    }
}

impl<M: Mpp> Venc<M> {
    /// `MediaManager.init()`: one VB pool per channel configured by SetOutBufs
    /// (`buf_num` blocks of `ALIGN_UP(w*h*3/4, 4096)`, non-cached, as CanMV), then VB init.
    ///
    /// # Errors
    /// Order when already initialised; Mpp.
    pub fn media_init(&mut self) -> Result<()> {
        // The previous script's VB exit failed: retry it, so that a new script is not
        // blocked by a leftover that can be released now.
        self.retry_vb_exit()?;
        if self.media_inited {
            return Err(Error::Order {
                what: "MediaManager.init() was already called; call MediaManager.deinit() first",
            });
        }
        let mut cfg = k_vb_config {
            max_pool_cnt: VB_POOLS as u32,
            ..Default::default()
        };
        // 2024 ABI: the output buffers are common pools, as CanMV configures them. 2025 ABI:
        // each channel has its own private pool (made by SetOutBufs), none here.
        let common = if cfg!(feature = "abi-2025") {
            0
        } else {
            CHN_COUNT
        };
        let sized = self.chns.iter().take(common).filter_map(|ch| ch.outbufs);
        for (pool, b) in cfg.comm_pool.iter_mut().zip(sized) {
            pool.blk_size = align_up(stream_buf_size(b.width, b.height) as u64, 4096) as _;
            pool.blk_cnt = b.count;
            pool.mode = VB_REMAP_MODE_NOCACHE;
        }
        self.mpp
            .vb_set_config(&cfg)
            .map_err(failed(f::VB_SET_CONFIG))?;
        self.mpp.vb_init().map_err(failed(f::VB_INIT))?;
        self.media_inited = true;
        Ok(())
    }

    /// Retries a VB exit that failed, if there is one.
    ///
    /// # Errors
    /// Mpp when it fails again.
    pub(super) fn retry_vb_exit(&mut self) -> Result<()> {
        if self.media_inited && self.vb_exit_failed.is_some() {
            self.mpp.vb_exit().map_err(failed(f::VB_EXIT))?;
            self.media_inited = false;
            self.vb_exit_failed = None;
        }
        Ok(())
    }

    /// `MediaManager.deinit()`: unbinds every link, retries the releases that failed earlier
    /// (kept streams, channels whose teardown failed), destroys the pools of free channels,
    /// exits VB and (once VB has exited) forgets the SetOutBufs configuration of free
    /// channels. What the MPP refuses is kept and retried by the next teardown (a failed VB
    /// exit also by the next `SetOutBufs` or `MediaManager.init()`).
    ///
    /// # Errors
    /// Every MPP failure (everything else is still torn down).
    pub fn media_deinit(&mut self) -> Result<()> {
        let mut fs = Failures::new();
        self.unlink_all(&mut fs);
        // Releases that failed earlier: streams kept by the core, and the channels whose
        // teardown failed (what a finaliser could not release).
        for c in 0..CHN_COUNT {
            self.retry_pending_held(c, &mut fs);
            if self.chns[c].pending.is_some() {
                self.teardown(c, &mut fs);
            }
        }
        self.media_teardown(&mut fs);
        fs.result()
    }

    /// The media part of a teardown, after the links and the channels: the pools of free
    /// channels, then VB.
    pub(super) fn media_teardown(&mut self, fs: &mut Failures) {
        for c in 0..CHN_COUNT {
            if self.chns[c].state == ChnState::Free {
                fs.add(self.bufs_release(c));
            }
        }
        if self.media_inited {
            match self.mpp.vb_exit() {
                Ok(()) => {
                    self.media_inited = false;
                    self.vb_exit_failed = None;
                }
                Err(err) => {
                    let call = f::VB_EXIT;
                    self.vb_exit_failed = Some(Failure { call, err });
                    fs.add(Err(Error::Mpp { call, err }));
                }
            }
        }
        // While VB stays initialised (its exit failed), the configuration it was set up with
        // stays too: the channels can still be created on it.
        if !self.media_inited {
            for ch in self.chns.iter_mut().filter(|ch| ch.state == ChnState::Free) {
                ch.outbufs = None;
            }
        }
    }
}
