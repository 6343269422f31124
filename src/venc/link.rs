//! Media links (`MediaManager.link`): `kd_mpi_sys_bind` of a source to a destination, kept
//! until unlinked, deinit or soft reset.
#![forbid(unsafe_code)]

use super::Venc;
use crate::error::{failed, Error, Failures, Result};
use crate::hal::Mpp;
use crate::mpp::functions as f;
use crate::mpp::{k_mpp_chn, K_ID_BUTT};
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
