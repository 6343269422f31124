//! The CanMV IDE's preview, which holds a VENC channel beside the script (facts sheets:
//! venc 5.4, neighbours 6): the older firmware creates the fixed channel 3
//! (`policy::IDE_PREVIEW_FIXED_CHN`) for its JPEG frames, the 2025 generation requests one
//! (`kd_mpi_venc_request_chn`) and creates it. While the preview holds a channel, a script
//! that creates it by number gets the MPP's `K_ERR_VENC_EXIST`, and an implicit-channel
//! `Create(chnAttr)` gets another one. Switched with `K230_SIM_IDE_PREVIEW=1` (at start) or
//! `_k230sim.ide_preview(on)`; the simulated firmware stops it between scripts, as the 2026
//! firmware does.

use crate::err::KResult;
use crate::state::Sim;
use crate::{policy, venc};
use k230_venc::attr::{ChnAttr, PAYLOAD_JPEG};

/// Starts the preview (if not running) and returns its channel; or stops it (None).
///
/// # Errors
/// The K230 code of the create (or request) that failed: the preview then holds nothing,
/// as the firmware disables it for the rest of the script.
pub(crate) fn set_preview(sim: &mut Sim, on: bool) -> KResult<Option<u32>> {
    if !on {
        if let Some(c) = sim.ide_preview {
            // A step that fails leaves the preview holding what it still holds.
            venc::destroy_chn(sim, c)?;
            #[cfg(feature = "abi-2025")]
            venc::release_chn(sim, c)?;
            sim.ide_preview = None;
        }
        return Ok(None);
    }
    if let Some(c) = sim.ide_preview {
        return Ok(Some(c));
    }
    let (w, h) = policy::IDE_PREVIEW_SIZE;
    let mut attr = ChnAttr::new(PAYLOAD_JPEG, 0, w.into(), h.into());
    attr.mjpeg_quality_factor = 90;
    let mattr = attr
        .validate()
        .expect("the preview's attributes are valid")
        .to_mpp(1);
    #[cfg(not(feature = "abi-2025"))]
    let c = policy::IDE_PREVIEW_FIXED_CHN;
    #[cfg(feature = "abi-2025")]
    let c = venc::request_chn(sim)?;
    let created = venc::create_chn(sim, c, Some(&mattr));
    #[cfg(feature = "abi-2025")]
    if created.is_err() {
        venc::release_chn(sim, c)?;
    }
    created?;
    sim.ide_preview = Some(c);
    Ok(Some(c))
}

/// `K230_SIM_IDE_PREVIEW=1`: the preview runs from the start.
pub(crate) fn from_env(sim: &mut Sim) {
    if std::env::var("K230_SIM_IDE_PREVIEW").is_ok_and(|v| v == "1") {
        // A failure leaves the preview off, as on the board.
        let _ = set_preview(sim, true);
    }
}
