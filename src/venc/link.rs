//! Media links (`MediaManager.link`): `kd_mpi_sys_bind` of a source to a destination, kept
//! until unlinked, deinit or soft reset.
#![forbid(unsafe_code)]

use super::Venc;
use crate::error::{failed, Error, Failures, Result};
use crate::hal::Mpp;
use crate::mpp::functions as f;
use crate::mpp::{k_mpp_chn, K_ID_BUTT, K_ID_VENC};
use crate::range::in_range;

/// Media links (`MAX_MEDIA_LINK_COUNT`).
pub const MAX_LINKS: usize = 8;

/// Tokens: low 4 bits = channel + 1 (stream) or 0xF (link), the rest a serial.
const LINK_TAG: u32 = 0xF;

pub(super) struct Link {
    token: u32,
    src: k_mpp_chn,
    dst: k_mpp_chn,
}

/// The bound links.
pub(super) type Links = heapless::Vec<Link, MAX_LINKS>;

impl<M: Mpp> Venc<M> {
    /// `MediaManager.link(src, dst)`: binds `(mod, dev, chn)` src to dst.
    ///
    /// # Errors
    /// Range for the tuple members; Capacity when [`MAX_LINKS`] links exist; Mpp.
    pub fn link(&mut self, src: [i64; 3], dst: [i64; 3]) -> Result<u32> {
        let s = mpp_chn(&SRC, src)?;
        let d = mpp_chn(&DST, dst)?;
        if self.links.is_full() {
            return Err(Error::Capacity {
                what: "MediaManager.link: too many links; delete one first",
                max: MAX_LINKS as u32,
            });
        }
        self.mpp.sys_bind(&s, &d).map_err(failed(f::SYS_BIND))?;
        let token = self.next_serial() | LINK_TAG;
        // Cannot fail: checked not full above, under the same lock.
        let _ = self.links.push(Link {
            token,
            src: s,
            dst: d,
        });
        Ok(token)
    }

    /// Unbinds the link `token` names; a link already gone is not an error
    /// (finalisers run after MediaManager.deinit()).
    ///
    /// # Errors
    /// Mpp: the link is kept (still bound in the MPP) and the next teardown retries it.
    pub fn unlink(&mut self, token: u32) -> Result<()> {
        let Some(i) = self
            .links
            .iter()
            .position(|l| token != 0 && l.token == token)
        else {
            return Ok(());
        };
        let l = &self.links[i];
        self.mpp
            .sys_unbind(&l.src, &l.dst)
            .map_err(failed(f::SYS_UNBIND))?;
        self.links.swap_remove(i);
        Ok(())
    }

    /// Whether the link `token` names is still bound.
    pub fn is_linked(&self, token: u32) -> bool {
        token != 0 && self.links.iter().any(|l| l.token == token)
    }

    /// Unbinds the source the MPP reports bound to VENC channel `c`
    /// (`kd_mpi_sys_get_bind_by_dest`), whoever bound it: a link of the core (then gone from
    /// its ledger too) or one the firmware made. Returns whether something was unbound. A
    /// failing query means nothing is known to be bound (what the MPP returns for a channel
    /// without a source is not documented) and is not an error; a failing unbind is, in `fs`.
    pub(super) fn unbind_venc_chn(&mut self, c: usize, fs: &mut Failures) -> bool {
        let dst = k_mpp_chn {
            mod_id: K_ID_VENC,
            // VENC_DEV_ID: the K230 has one encoder device.
            dev_id: 0,
            chn_id: c as i32,
        };
        let Ok(src) = self.mpp.sys_get_bind_by_dest(&dst) else {
            return false;
        };
        if let Err(e) = self.mpp.sys_unbind(&src, &dst) {
            fs.add(Err(failed(f::SYS_UNBIND)(e)));
            return false;
        }
        let same = |a: &k_mpp_chn, b: &k_mpp_chn| {
            (a.mod_id, a.dev_id, a.chn_id) == (b.mod_id, b.dev_id, b.chn_id)
        };
        // One unbind undoes one bind (the K230 binds a destination to one source at most).
        if let Some(i) = self
            .links
            .iter()
            .position(|l| same(&l.src, &src) && same(&l.dst, &dst))
        {
            self.links.swap_remove(i);
        }
        true
    }

    /// Unbinds every link; those the MPP refuses to unbind are kept.
    pub(super) fn unlink_all(&mut self, fs: &mut Failures) {
        let mpp = &mut self.mpp;
        self.links.retain(|l| {
            let r = mpp
                .sys_unbind(&l.src, &l.dst)
                .map_err(failed(f::SYS_UNBIND));
            let kept = r.is_err();
            fs.add(r);
            kept
        });
    }
}

/// The argument names of one side of a link, for messages.
struct Side {
    module: &'static str,
    device: &'static str,
    channel: &'static str,
}

const SRC: Side = Side {
    module: "src[0] (module id)",
    device: "src[1] (device id)",
    channel: "src[2] (channel id)",
};

const DST: Side = Side {
    module: "dst[0] (module id)",
    device: "dst[1] (device id)",
    channel: "dst[2] (channel id)",
};

fn mpp_chn(side: &Side, t: [i64; 3]) -> Result<k_mpp_chn> {
    Ok(k_mpp_chn {
        mod_id: in_range(
            side.module,
            "a module id in 0..24",
            t[0],
            0,
            K_ID_BUTT as i64 - 1,
        )?,
        dev_id: in_range(side.device, "in 0..2147483647", t[1], 0, i32::MAX as i64)?,
        chn_id: in_range(side.channel, "in 0..2147483647", t[2], 0, i32::MAX as i64)?,
    })
}
