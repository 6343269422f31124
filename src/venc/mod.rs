//! The module state: the four K230 VENC channels, the media (VB) setup and the media links.
//!
//! [`Venc`] owns the state and drives the MPP through the [`Mpp`] trait. Each public method
//! is one `media.vencoder` / `MediaManager` call (or one locked step of GetStream and
//! SendFrame, which [`crate::wait`] composes): it validates its arguments, checks the
//! channel state, then makes the MPP calls. Failures leave the channel usable (or cleanly
//! gone) and never leak a held stream, a mapping or a binding.
//!
//! One concern a file: [`channel`] (SetOutBufs, Create, Start, Stop, Destroy), [`stream`]
//! (held streams, the GetStream steps, ReleaseStream), [`send`] (the SendFrame steps),
//! [`outbuf`] (output buffers and VB for both ABI generations), [`link`] (media links).
//!
//! Fixed capacity everywhere: 4 channels, up to [`MAX_HELD`] unreleased streams per
//! channel of up to [`PACK_CNT_MAX`] packs each, [`MAX_LINKS`] links. No allocation, ever.
#![forbid(unsafe_code)]

pub mod channel;
pub mod link;
pub mod outbuf;
pub mod send;
pub mod stream;

use crate::error::{Failure, Failures, Result};
use crate::hal::Mpp;
use crate::mpp::VENC_MAX_CHN_NUMS;
use crate::range::in_range;
use crate::state::ChnState;

pub use channel::OutBufs;
pub use link::MAX_LINKS;
pub use send::SEND_TIMEOUT_MS;
pub use stream::{ChnStatus, PackInfo, MAX_HELD, PACK_CNT_MAX};

/// VENC channels (`VENC_MAX_CHN_NUMS`).
pub const CHN_COUNT: usize = VENC_MAX_CHN_NUMS as usize;

/// One VENC channel as the core tracks it.
struct Channel {
    state: ChnState,
    /// The `Encoder` object that created it (its finaliser tears it down), 0 for none.
    owner: u32,
    /// Picture size of the created channel.
    size: (u32, u32),
    /// What SetOutBufs asked for.
    outbufs: Option<OutBufs>,
    /// 2025 ABI: the private VB pool holding the output buffers, and whether it is attached.
    #[cfg(feature = "abi-2025")]
    pool: Option<u32>,
    #[cfg(feature = "abi-2025")]
    attached: bool,
    /// Streams the script holds, and streams whose release failed (token 0: a free slot);
    /// the last slot only ever takes a stream kept after a failed release.
    held: [stream::Held; MAX_HELD + 1],
    /// Bumped by every successful destroy: a GetStream that began before it knows its
    /// stream went with the channel.
    generation: u32,
    /// The last release of the channel itself that the MPP refused (stop or destroy),
    /// until a teardown gets it through.
    pending: Option<Failure>,
    /// Taken by `Create(chnAttr)` (the implicit-channel shape): `kd_mpi_venc_request_chn`
    /// in the 2025 ABI, the core's own pick otherwise; given back when it is destroyed.
    requested: bool,
    /// A JPEG channel (every picture a key frame: RequestIDR has nothing to do).
    jpeg: bool,
}

impl Channel {
    const EMPTY: Channel = Channel {
        state: ChnState::Free,
        owner: 0,
        size: (0, 0),
        outbufs: None,
        #[cfg(feature = "abi-2025")]
        pool: None,
        #[cfg(feature = "abi-2025")]
        attached: false,
        held: [stream::Held::EMPTY; MAX_HELD + 1],
        generation: 0,
        pending: None,
        requested: false,
        jpeg: false,
    };

    /// Back to free after a destroy (the SetOutBufs configuration stays; the destroy
    /// detached the pool).
    fn forget(&mut self) {
        self.state = ChnState::Free;
        self.owner = 0;
        self.pending = None;
        self.generation = self.generation.wrapping_add(1);
        #[cfg(feature = "abi-2025")]
        {
            self.attached = false;
        }
    }
}

/// The encoder module state over an MPP implementation.
pub struct Venc<M> {
    mpp: M,
    chns: [Channel; CHN_COUNT],
    links: link::Links,
    media_inited: bool,
    /// The VB exit that failed, until one gets through.
    vb_exit_failed: Option<Failure>,
    serial: u32,
    next_owner: u32,
}

/// The channel number of an `Encoder` without a channel (`Encoder.chn` before
/// `Create(chnAttr)`).
pub const NO_CHN: i64 = -1;

/// Checks a channel number.
///
/// # Errors
/// [`crate::error::Error::Range`] outside 0..3.
pub fn chn_index(chn: i64) -> Result<usize> {
    in_range(
        "chn",
        "in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3)",
        chn,
        0,
        CHN_COUNT as i64 - 1,
    )
}

/// Checks the channel `op` acts on, which may be `Encoder.chn` (SetOutBufs and Create, which
/// give a channel its set-up, use [`chn_index`]).
///
/// # Errors
/// [`crate::error::Error::NoChannel`] for [`NO_CHN`]; [`crate::error::Error::Range`] outside
/// 0..3.
pub fn chn_of(op: &'static str, chn: i64) -> Result<usize> {
    if chn == NO_CHN {
        return Err(crate::error::Error::NoChannel { op });
    }
    chn_index(chn)
}

impl<M: Mpp> Venc<M> {
    /// A module with every channel free, over `mpp`.
    pub const fn new(mpp: M) -> Self {
        Venc {
            mpp,
            chns: [Channel::EMPTY; CHN_COUNT],
            links: link::Links::new(),
            media_inited: false,
            vb_exit_failed: None,
            serial: 0,
            next_owner: 1,
        }
    }

    /// The MPP implementation (tests inspect their fake through this).
    pub fn mpp(&mut self) -> &mut M {
        &mut self.mpp
    }

    /// The state of channel `chn`.
    pub fn state(&self, chn: usize) -> ChnState {
        self.chns[chn].state
    }

    /// A new 26-bit serial, shifted past the 4 tag bits of a token, never 0.
    fn next_serial(&mut self) -> u32 {
        // 26 bits of serial, so that tokens never have the RESERVED or PENDING bit.
        self.serial = self.serial.wrapping_add(1) & 0x03FF_FFFF;
        if self.serial == 0 {
            self.serial = 1;
        }
        self.serial << 4
    }

    /// A new owner id for an `Encoder` object (its finaliser passes it to [`Venc::drop_owner`]).
    pub fn new_owner(&mut self) -> u32 {
        let id = self.next_owner;
        self.next_owner = self.next_owner.wrapping_add(1).max(1);
        id
    }

    /// `Encoder.chn`: the channel `owner` got from `Create(chnAttr)` and still has, or
    /// [`NO_CHN`].
    pub fn owner_chn(&self, owner: u32) -> i64 {
        self.chns
            .iter()
            .position(|ch| owner != 0 && ch.requested && ch.owner == owner)
            .map_or(NO_CHN, |c| c as i64)
    }

    /// Refuses `op` unless channel `c` is in one of the `ok` states; the error advises the
    /// calls that let it succeed ([`crate::state::advice`]).
    fn need(&self, op: &'static str, c: usize, ok: &[ChnState]) -> Result<()> {
        let ch = &self.chns[c];
        if ok.contains(&ch.state) {
            Ok(())
        } else {
            Err(crate::error::Error::State {
                op,
                chn: c as u32,
                state: ch.state,
                implicit: ch.requested,
            })
        }
    }

    /// Whether an `Encoder` other than `owner` holds channel `chn` (created on it, or
    /// requested for it and not given back), or, for [`NO_CHN`] (the implicit-channel
    /// Create), any channel. The glue runs the GC once when a Create fails while this is
    /// true: the holder may be an `Encoder` nothing references any more (a previous script's,
    /// when scripts run back to back in one interpreter), which its finaliser then frees.
    pub fn held_by_other(&self, owner: u32, chn: i64) -> bool {
        let held = |ch: &Channel| {
            ch.owner != 0 && ch.owner != owner && (ch.state != ChnState::Free || ch.requested)
        };
        if chn == NO_CHN {
            self.chns.iter().any(held)
        } else {
            chn_index(chn).is_ok_and(|c| held(&self.chns[c]))
        }
    }

    /// Finaliser of an `Encoder`: tears down every channel it created and still owns.
    ///
    /// # Errors
    /// The MPP failures (everything else is still torn down; what failed is kept).
    pub fn drop_owner(&mut self, owner: u32) -> Result<()> {
        let mut fs = Failures::new();
        for c in 0..CHN_COUNT {
            let ch = &self.chns[c];
            if owner != 0 && ch.owner == owner && (ch.state != ChnState::Free || ch.requested) {
                self.teardown(c, &mut fs);
            }
        }
        fs.result()
    }

    /// The hook a firmware runs between scripts: unbinds every link the core made, then for
    /// each channel releases its held streams, stops and destroys it and its pool; then exits
    /// VB; going on past failures. The order is the vendor's own (its VENC sample tears down
    /// unbind, stop, destroy, VB exit); a bind the core did not make that keeps the MPP from
    /// destroying a channel is unbound then (`channel.rs`, `destroy_chn`). What the MPP refuses is
    /// kept, and the next call retries it: once the cause is gone, one more `deinit_all`
    /// leaves nothing behind.
    ///
    /// # Errors
    /// Every MPP failure: [`crate::error::Error::Mpp`] for one, Teardown for several.
    pub fn deinit_all(&mut self) -> Result<()> {
        let mut fs = Failures::new();
        self.unlink_all(&mut fs);
        for c in 0..CHN_COUNT {
            self.teardown(c, &mut fs);
        }
        self.media_teardown(&mut fs);
        fs.result()
    }
}
