//! The channel lifecycle: `SetOutBufs`, `Create`, `Start`, `Stop`, `Destroy`, and the
//! teardown that finalisers and deinit-all use.
#![forbid(unsafe_code)]

use super::{chn_index, chn_of, ChnStatus, Venc, CHN_COUNT};
use crate::attr::{ChnAttr, Codec};
use crate::error::{failed, Error, Failure, Failures, Result};
use crate::hal::Mpp;
use crate::mpp::functions as f;
use crate::range::in_range;
use crate::state::ChnState;

/// Output buffers one channel may have (`VB_SINGLE_MAX_BLKS`).
pub const MAX_OUT_BUFS: i64 = 256;

/// Output buffers requested by `SetOutBufs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutBufs {
    /// Number of buffers.
    pub count: u32,
    /// Picture width they are sized for.
    pub width: u32,
    /// Picture height they are sized for.
    pub height: u32,
}

impl OutBufs {
    /// `SetOutBufs`'s `buf_num`, `width` and `height`, checked.
    ///
    /// # Errors
    /// Range errors naming the argument.
    pub fn check(buf_num: i64, width: i64, height: i64) -> Result<OutBufs> {
        Ok(OutBufs {
            count: in_range("buf_num", "in 1..256", buf_num, 1, MAX_OUT_BUFS)?,
            // The codec is not known yet: the largest picture of any (JPEG); Create checks
            // the picture against its codec's limits (4096 x 4096 for H.264 / H.265).
            width: in_range(
                "width",
                "in 128..8192 (8192 for JPEG; Create allows H.264/H.265 pictures up to 4096)",
                width,
                128,
                8192,
            )?,
            height: in_range(
                "height",
                "in 64..8192 (8192 for JPEG; Create allows H.264/H.265 pictures up to 4096)",
                height,
                64,
                8192,
            )?,
        })
    }
}

/// The error of an implicit-channel Create(chnAttr) without SetOutBufs(buf_num, width, height).
const NO_OUT_BUFS_IMPLICIT: Error = Error::Order {
    what: "Create(chnAttr): call SetOutBufs(buf_num, width, height) on this Encoder first",
};

impl<M: Mpp> Venc<M> {
    /// `Encoder.SetOutBufs(chn, buf_num, width, height)`.
    ///
    /// # Errors
    /// Range errors for the arguments; [`Error::Order`] after `MediaManager.init()`.
    pub fn set_out_bufs(&mut self, chn: i64, buf_num: i64, width: i64, height: i64) -> Result<()> {
        let c = chn_index(chn)?;
        let OutBufs {
            count,
            width,
            height,
        } = OutBufs::check(buf_num, width, height)?;
        // A VB exit that failed at the end of the previous script is retried first, so that
        // the next script's usual start (SetOutBufs, then MediaManager.init()) works.
        self.retry_vb_exit()?;
        if self.media_inited {
            return Err(Error::Order {
                what: "SetOutBufs: MediaManager.init() was called already (SetOutBufs comes before it); \
                       call MediaManager.deinit() first, or, to start over after an earlier run, \
                       media.vencoder.deinit_all()",
            });
        }
        let old = self.chns[c].outbufs.replace(OutBufs {
            count,
            width,
            height,
        });
        let r = self.bufs_configured(c);
        if r.is_err() {
            // The configuration the pool still has stays the channel's.
            self.chns[c].outbufs = old;
        }
        r
    }

    /// `Encoder.Create(chn, chnAttr)` on behalf of `owner`.
    ///
    /// # Errors
    /// Range/Invalid for `chn` and the attributes; State unless the channel is
    /// free; Order without SetOutBufs; Mpp when the driver refuses.
    pub fn create(&mut self, owner: u32, chn: i64, attr: &ChnAttr) -> Result<()> {
        let c = chn_index(chn)?;
        let cfg = attr.validate()?;
        self.create_on(owner, c, &cfg)
    }

    /// `Encoder.Create(chnAttr)` (the implicit-channel shape) on behalf of `owner`, with the
    /// output buffers its `SetOutBufs(buf_num, width, height)` asked for: takes a channel
    /// (`kd_mpi_venc_request_chn` in the 2025 ABI, else the lowest one nobody uses, passing
    /// over one the MPP says exists already, such as the IDE preview's), gives it those
    /// buffers and creates it. A failed Create gives the channel back. Returns the channel.
    ///
    /// # Errors
    /// As [`Venc::create`]; Order without SetOutBufs; Capacity when no channel is free;
    /// Mpp when the request fails.
    pub fn create_requested(
        &mut self,
        owner: u32,
        bufs: Option<OutBufs>,
        attr: &ChnAttr,
    ) -> Result<usize> {
        // One channel an Encoder: Encoder.chn must name one.
        if let Ok(c) = usize::try_from(self.owner_chn(owner)) {
            self.creatable(c)?;
        }
        let cfg = attr.validate()?;
        let bufs = bufs.ok_or(NO_OUT_BUFS_IMPLICIT)?;
        self.retry_vb_exit()?;
        let mut last = None;
        while let Some(c) = self.request_chn(last)? {
            self.chns[c].requested = true;
            self.chns[c].outbufs = Some(bufs);
            let r = self
                .bufs_configured(c)
                .and_then(|()| self.create_on(owner, c, &cfg));
            let Err(e) = r else {
                return Ok(c);
            };
            let mut fs = Failures::new();
            fs.add(Err(e));
            self.give_back(c, &mut fs);
            let exists = crate::mpp::err::venc(crate::mpp::err::num::EXIST);
            let taken = matches!(e, Error::Mpp { call, err } if call == f::VENC_CREATE_CHN && err == exists);
            if !(taken && cfg!(not(k230_mpp_request_chn))) {
                return Err(fs.result().err().unwrap_or(e));
            }
            // Someone else (the IDE preview) created it: try the next one.
            last = Some(c);
        }
        Err(Error::Capacity {
            what: "Create(chnAttr): no VENC channel is free",
            max: CHN_COUNT as u32,
        })
    }

    /// Whether channel `c` is free for an implicit-channel Create: free, nothing pending,
    /// not requested, and not set up by number (SetOutBufs(chn, ...) of the documented shape).
    fn unclaimed(&self, c: usize) -> bool {
        let ch = &self.chns[c];
        ch.state == ChnState::Free && ch.pending.is_none() && !ch.requested && ch.outbufs.is_none()
    }

    /// A channel for [`Venc::create_requested`] (after `after`, if given): the lowest one
    /// nobody uses.
    #[cfg(not(k230_mpp_request_chn))]
    fn request_chn(&mut self, after: Option<usize>) -> Result<Option<usize>> {
        let first = after.map_or(0, |c| c + 1);
        Ok((first..CHN_COUNT).find(|&c| self.unclaimed(c)))
    }

    /// A channel for [`Venc::create_requested`]: the one `kd_mpi_venc_request_chn` hands out.
    /// One the core already uses (an MPP that does not know about channels created or set
    /// up by number) is given back after the request is repeated; one the MPP hands out a
    /// second time, or one out of range, ends the requests. A give-back the MPP refuses is
    /// kept in the ledger (the channel stays marked requested, given back with it later).
    #[cfg(k230_mpp_request_chn)]
    fn request_chn(&mut self, _after: Option<usize>) -> Result<Option<usize>> {
        let mut unusable = [false; CHN_COUNT];
        let mut fs = Failures::new();
        let mut got = None;
        for _ in 0..=CHN_COUNT {
            let chn = match self.mpp.venc_request_chn() {
                Ok(chn) => chn,
                Err(e) => {
                    fs.add(Err(failed(f::VENC_REQUEST_CHN)(e)));
                    break;
                }
            };
            let c = chn as usize;
            if c >= CHN_COUNT {
                fs.add(
                    self.mpp
                        .venc_release_chn(chn)
                        .map_err(failed(f::VENC_RELEASE_CHN)),
                );
                break;
            }
            if self.unclaimed(c) {
                got = Some(c);
                break;
            }
            if unusable[c] || self.chns[c].requested {
                break; // handed out twice: the MPP has nothing else
            }
            unusable[c] = true;
        }
        for c in (0..CHN_COUNT).filter(|&c| unusable[c]) {
            if let Err(e) = self.mpp.venc_release_chn(c as u32) {
                self.chns[c].requested = true;
                fs.add(Err(failed(f::VENC_RELEASE_CHN)(e)));
            }
        }
        match got {
            Some(c) => Ok(Some(c)),
            None => fs.result().map(|()| None),
        }
    }

    /// Gives back channel `c` if it was requested and is free: its pool, its SetOutBufs
    /// configuration and (with the MPP's allocation) the channel itself. A give-back the MPP
    /// refuses is kept: the channel stays requested (still `Encoder.chn` of its owner),
    /// pending, and Destroy, the finaliser and every teardown retry it.
    pub(super) fn give_back(&mut self, c: usize, fs: &mut Failures) {
        let ch = &self.chns[c];
        if !ch.requested || ch.state != ChnState::Free {
            return;
        }
        let r = self.bufs_release(c);
        let released = r.is_ok();
        fs.add(r);
        if !released {
            return;
        }
        self.chns[c].outbufs = None;
        #[cfg(k230_mpp_request_chn)]
        if let Err(err) = self.mpp.venc_release_chn(c as u32) {
            self.note(c, fs, f::VENC_RELEASE_CHN, err);
            return;
        }
        let ch = &mut self.chns[c];
        ch.requested = false;
        ch.pending = None;
        ch.owner = 0;
    }

    /// Refuses a Create of channel `c` unless it is free with no failed release pending
    /// (a stop, destroy or give-back the MPP refused).
    fn creatable(&self, c: usize) -> Result<()> {
        if let Some(failed) = self.chns[c].pending {
            return Err(Error::Pending {
                op: "Create",
                chn: c as u32,
                failed,
            });
        }
        self.need("Create", c, &[ChnState::Free])
    }

    /// Create of the free channel `c` with the checked attributes `cfg`.
    fn create_on(&mut self, owner: u32, c: usize, cfg: &crate::attr::EncConfig) -> Result<()> {
        self.creatable(c)?;
        let Some(bufs) = self.chns[c].outbufs else {
            return Err(Error::NoOutBufs {
                chn: c as u32,
                media_inited: self.media_inited,
            });
        };
        // 2025 ABI: the output buffers are blocks of the pool SetOutBufs sized; a larger
        // picture's frames would not fit in them.
        if cfg!(feature = "abi-2025")
            && cfg.width as u64 * cfg.height as u64 > bufs.width as u64 * bufs.height as u64
        {
            return Err(Error::Invalid {
                arg: "chnAttr",
                why: "the picture is larger than the output buffers SetOutBufs(chn, buf_num, width, height) sized for this channel",
            });
        }
        let mattr = cfg.to_mpp(bufs.count);
        self.bufs_attach(c)?;
        let chn32 = c as u32;
        if let Err(e) = self.mpp.venc_create_chn(chn32, &mattr) {
            let mut fs = Failures::new();
            fs.add(Err(failed(f::VENC_CREATE_CHN)(e)));
            fs.add(self.bufs_detach(c));
            return fs.result();
        }
        let ch = &mut self.chns[c];
        ch.state = ChnState::Created;
        ch.owner = owner;
        ch.size = (cfg.width, cfg.height);
        ch.jpeg = cfg.codec == Codec::Jpeg;
        if let Err(e) = self.configure(chn32, cfg) {
            // Undo the create; a destroy the MPP refuses leaves the channel created,
            // pending, for the next teardown, and is reported after the cause.
            let mut fs = Failures::new();
            fs.add(Err(e));
            self.destroy_chn(c, &mut fs, false);
            return fs.result();
        }
        Ok(())
    }

    /// The settings of a channel just created, before its start: IDR at every GOP start
    /// (H.264 / H.265, as current CanMV does), then rotation and mirror when the ChnAttrStr
    /// asks for them (the defaults make no call).
    fn configure(&mut self, chn: u32, cfg: &crate::attr::EncConfig) -> Result<()> {
        if cfg.codec != Codec::Jpeg {
            self.mpp
                .venc_enable_idr(chn, true)
                .map_err(failed(f::VENC_ENABLE_IDR))?;
        }
        if let Some(r) = cfg.orient.mpp_rotation() {
            self.mpp
                .venc_set_rotation(chn, r)
                .map_err(failed(f::VENC_SET_ROTATION))?;
        }
        if let Some(m) = cfg.orient.mpp_mirror() {
            self.mpp
                .venc_set_mirror(chn, m)
                .map_err(failed(f::VENC_SET_MIRROR))?;
        }
        Ok(())
    }

    /// `Encoder.Start(chn)`.
    ///
    /// # Errors
    /// State unless created and not started; Mpp.
    pub fn start(&mut self, chn: i64) -> Result<()> {
        let c = chn_of("Start", chn)?;
        self.need("Start", c, &[ChnState::Created])?;
        self.bufs_attach(c)?;
        self.mpp
            .venc_start_chn(c as u32)
            .map_err(failed(f::VENC_START_CHN))?;
        self.chns[c].state = ChnState::Started;
        Ok(())
    }

    /// The index of channel `chn`, which `op` needs created (started or not).
    fn created(&self, op: &'static str, chn: i64) -> Result<usize> {
        let c = chn_of(op, chn)?;
        self.need(op, c, &[ChnState::Created, ChnState::Started])?;
        Ok(c)
    }

    /// `Encoder.RequestIDR(chn)` (beyond the manual): the next encoded frame of an H.264 / H.265
    /// channel is an IDR with its parameter sets (`kd_mpi_venc_request_idr`). Allowed once
    /// the channel is created: before Start it applies to the first frame, which is an IDR
    /// anyway (the MPP documents "an IDR frame is produced immediately after the call"; its
    /// header's "after create, before start" allows both). A JPEG channel has nothing to do
    /// (every picture stands alone): no MPP call, no error.
    ///
    /// # Errors
    /// State unless created; Mpp.
    pub fn request_idr(&mut self, chn: i64) -> Result<()> {
        let c = self.created("RequestIDR", chn)?;
        if self.chns[c].jpeg {
            return Ok(());
        }
        self.mpp
            .venc_request_idr(c as u32)
            .map_err(failed(f::VENC_REQUEST_IDR))
    }

    /// `Encoder.QueryStatus(chn)` (beyond the manual): the channel's `kd_mpi_venc_query_status`.
    ///
    /// # Errors
    /// State unless created; Mpp.
    pub fn query_status(&mut self, chn: i64) -> Result<ChnStatus> {
        let c = self.created("QueryStatus", chn)?;
        let st = self
            .mpp
            .venc_query_status(c as u32)
            .map_err(failed(f::VENC_QUERY_STATUS))?;
        let info = st.stream_info;
        Ok(ChnStatus {
            cur_packs: st.cur_packs,
            end_of_stream: st.end_of_stream,
            release_pic_pts: st.release_pic_pts,
            pic_bytes: info.u32PicBytesNum,
            pic_count: info.u32PicCnt,
            start_qp: info.u32StartQp,
            mean_qp: info.u32MeanQp,
        })
    }

    /// `Encoder.Stop(chn)`: stopping a created channel again is allowed (as on the K230).
    /// Stream releases of the channel that failed earlier are retried first.
    ///
    /// # Errors
    /// State when the channel is not created; Mpp, or Teardown when several calls failed.
    pub fn stop(&mut self, chn: i64) -> Result<()> {
        let c = chn_of("Stop", chn)?;
        self.need("Stop", c, &[ChnState::Created, ChnState::Started])?;
        let mut fs = Failures::new();
        self.retry_pending_held(c, &mut fs);
        match self.mpp.venc_stop_chn(c as u32) {
            Ok(()) => {
                self.chns[c].state = ChnState::Created;
                // Best effort: the MPP refuses the detach while an encoded frame or a held
                // stream still sits in the pool; it then stays attached (the ledger says so),
                // a restart keeps it, and Destroy detaches it. Not an error of the Stop.
                let _ = self.bufs_detach(c);
            }
            // The stop's own failure comes first in the report.
            Err(err) => {
                let mut first = Failures::new();
                first.add(Err(failed(f::VENC_STOP_CHN)(err)));
                first.add(fs.result());
                return first.result();
            }
        }
        fs.result()
    }

    /// `Encoder.Destroy(chn)`: releases streams still held, then destroys. A stream or a
    /// destroy the MPP refuses is kept (the channel stays created) for the next teardown.
    ///
    /// # Errors
    /// State when not created (e.g. a second Destroy) or still started; Mpp, or Teardown
    /// when several calls failed.
    pub fn destroy(&mut self, chn: i64) -> Result<()> {
        let c = chn_of("Destroy", chn)?;
        if self.chns[c].state == ChnState::Free && self.chns[c].requested {
            // Destroyed, but the MPP refused to take the channel back: try again.
            let mut fs = Failures::new();
            self.give_back(c, &mut fs);
            return fs.result();
        }
        self.need("Destroy", c, &[ChnState::Created])?;
        let mut fs = Failures::new();
        self.release_all_held(c, &mut fs);
        self.destroy_chn(c, &mut fs, false);
        fs.result()
    }

    /// Stops and destroys channel `c` whatever its state, and then its pool; used by
    /// finalisers and deinit-all. A destroy refused while a bind targets the channel is retried
    /// after unbinding it (`destroy_chn`). A release the MPP refuses is recorded in `fs` and kept:
    /// the channel stays as the MPP has it (started, or created), marked pending, and the
    /// steps that depend on it wait for the next teardown.
    pub(super) fn teardown(&mut self, c: usize, fs: &mut Failures) {
        self.release_all_held(c, fs);
        if self.chns[c].state == ChnState::Started {
            match self.mpp.venc_stop_chn(c as u32) {
                Ok(()) => self.chns[c].state = ChnState::Created,
                Err(err) => return self.note(c, fs, f::VENC_STOP_CHN, err),
            }
        }
        if self.chns[c].state == ChnState::Created {
            self.destroy_chn(c, fs, true);
        } else if self.chns[c].requested {
            self.give_back(c, fs);
        } else {
            fs.add(self.bufs_release(c));
        }
    }

    /// `kd_mpi_venc_destroy_chn` of a created channel, then its pool.
    ///
    /// `unbind_if_refused` (the teardowns: finaliser, deinit-all, MediaManager.deinit()): a
    /// destroy the MPP refuses is tried once more after unbinding the source
    /// `kd_mpi_sys_get_bind_by_dest` reports bound to the channel, if there is one. Whether the
    /// K230 MPP destroys a channel a bind still targets is not documented (the simulator's
    /// `destroy_bound` policy has both); on the board the binds are usually the firmware's own
    /// (its C `MediaManager.link`), which the core does not know, and a teardown must free the
    /// channel either way. Where the MPP allows it nothing changes: no query, no unbind. The
    /// script's own Destroy does not do this: it reports the refusal (unbind first, as the
    /// vendor's clients do).
    fn destroy_chn(&mut self, c: usize, fs: &mut Failures, unbind_if_refused: bool) {
        let mut r = self.mpp.venc_destroy_chn(c as u32);
        if r.is_err() && unbind_if_refused && self.unbind_venc_chn(c, fs) {
            r = self.mpp.venc_destroy_chn(c as u32);
        }
        match r {
            Ok(()) => {
                // The destroyed channel took its streams with it: only mappings the MPP
                // refused to undo are left to release.
                self.streams_gone_with_channel(c);
                let owner = self.chns[c].owner;
                self.chns[c].forget();
                if self.chns[c].requested {
                    // Its owner keeps it until it is given back (Encoder.chn names it).
                    self.chns[c].owner = owner;
                    self.give_back(c, fs);
                } else {
                    fs.add(self.bufs_release(c));
                }
            }
            Err(err) => self.note(c, fs, f::VENC_DESTROY_CHN, err),
        }
    }

    /// Records a failed release of channel `c`.
    fn note(
        &mut self,
        c: usize,
        fs: &mut Failures,
        call: &'static str,
        err: crate::mpp::err::MppError,
    ) {
        let failure = Failure { call, err };
        self.chns[c].pending = Some(failure);
        fs.add(Err(Error::Mpp { call, err }));
    }
}
