//! The one global simulator state: a `Mutex<Sim>` plus a `Condvar` for blocking waits,
//! created on first use. Every exported function locks it for its whole duration except
//! while waiting on the condvar.

use crate::arena::Arena;
use crate::codec::{self, Backend};
use crate::err::KResult;
use crate::fault::Faults;
use crate::sys::Bind;
use crate::vb::Vb;
use crate::venc::{self, Chn};
use crate::vicap::{self, Dev};
use k230_venc::mpp::k_s32;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Everything the simulator knows.
pub(crate) struct Sim {
    pub arena: Arena,
    pub vb: Vb,
    /// Bind record per VENC channel (dst), indexed by channel.
    pub binds: [Option<Bind>; venc::CHNS],
    pub venc: [Option<Box<Chn>>; venc::CHNS],
    pub vicap: [Dev; vicap::DEVS],
    pub faults: Faults,
    pub backend: &'static dyn Backend,
    /// Sensor frame source (test pattern or Y4M file) for devices started from now on.
    pub vicap_source: vicap::Source,
    /// ABI 2025: pool attached to each channel (`kd_mpi_venc_attach_vb_pool`).
    #[cfg(feature = "abi-2025")]
    pub attach: [Option<venc::Attach>; venc::CHNS],
    /// ABI 2025: channels handed out by `kd_mpi_venc_request_chn` and not released.
    #[cfg(feature = "abi-2025")]
    pub requested: [bool; venc::CHNS],
    /// The channel the simulated CanMV IDE preview holds (`crate::ide`).
    pub ide_preview: Option<u32>,
    /// Run-time policies for channels created from now on.
    pub switches: crate::policy::Switches,
}

impl Sim {
    fn new() -> Self {
        Sim {
            arena: Arena::new(),
            vb: Vb::default(),
            binds: [None; venc::CHNS],
            venc: Default::default(),
            vicap: Default::default(),
            faults: Faults::default(),
            backend: codec::default_backend(),
            vicap_source: vicap::Source::from_env(),
            #[cfg(feature = "abi-2025")]
            attach: [None; venc::CHNS],
            #[cfg(feature = "abi-2025")]
            requested: [false; venc::CHNS],
            ide_preview: None,
            switches: crate::policy::Switches::from_env(),
        }
    }

    /// Sets run-time switch `i` of [`crate::policy::SWITCH_NAMES`]; a clock turning realtime
    /// counts the running sensors' time from now ([`vicap::rebase_clock`]).
    pub fn set_switch(&mut self, i: usize, on: bool) {
        let flag = self.switches.flag(i);
        let was = *flag;
        *flag = on;
        if i == crate::policy::CLOCK_SWITCH && on && !was {
            vicap::rebase_clock(self);
        }
    }

    /// Frees everything and returns to the initial state (the arena region is kept).
    pub fn reset(&mut self) {
        vicap::reset_all(self);
        self.venc = Default::default();
        self.binds = [None; venc::CHNS];
        self.vb = Vb::default();
        self.faults = Faults::default();
        self.backend = codec::default_backend();
        self.vicap_source = vicap::Source::from_env();
        #[cfg(feature = "abi-2025")]
        {
            self.attach = [None; venc::CHNS];
            self.requested = [false; venc::CHNS];
        }
        self.ide_preview = None;
        self.switches = crate::policy::Switches::from_env();
        self.arena.reset();
    }
}

/// The lock and the condvar.
pub(crate) struct Global {
    sim: Mutex<Sim>,
    cv: Condvar,
}

static GLOBAL: OnceLock<Global> = OnceLock::new();

/// The global state, created on first use.
pub(crate) fn global() -> &'static Global {
    GLOBAL.get_or_init(|| {
        let mut sim = Sim::new();
        crate::ide::from_env(&mut sim);
        Global {
            sim: Mutex::new(sim),
            cv: Condvar::new(),
        }
    })
}

impl Global {
    /// Locks the state. A poisoned lock (a panicking test) is taken over as is.
    pub fn lock(&self) -> MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every blocked get_stream / send_frame so it re-checks its condition.
    pub fn notify(&self) {
        self.cv.notify_all();
    }

    /// Waits for a notification, until `deadline` (`None` = forever). Returns the guard and
    /// false once the deadline has passed.
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a, Sim>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, Sim>, bool) {
        match deadline {
            None => (self.cv.wait(guard).unwrap_or_else(|e| e.into_inner()), true),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return (guard, false);
                }
                let (g, _) = self
                    .cv
                    .wait_timeout(guard, d - now)
                    .unwrap_or_else(|e| e.into_inner());
                (g, true)
            }
        }
    }

    /// One round of a blocking call's wait: waits for a notification within `timeout` and
    /// returns the guard, with which the caller re-checks its condition; `Err(expired)` when
    /// the timeout does not allow waiting (0) or has run out.
    pub fn wait_within<'a>(
        &self,
        guard: MutexGuard<'a, Sim>,
        timeout: Timeout,
        expired: k_s32,
    ) -> KResult<MutexGuard<'a, Sim>> {
        if timeout.milli_sec == 0 {
            return Err(expired);
        }
        match self.wait(guard, timeout.deadline) {
            (guard, true) => Ok(guard),
            (_, false) => Err(expired),
        }
    }

    /// [`Global::wait_within`] that also wakes at `wake` (the realtime sensor's next frame):
    /// `Ok` then too, unless the timeout has run out by that time.
    pub fn wait_within_until<'a>(
        &self,
        guard: MutexGuard<'a, Sim>,
        timeout: Timeout,
        expired: k_s32,
        wake: Option<Instant>,
    ) -> KResult<MutexGuard<'a, Sim>> {
        let Some(wake) = wake.filter(|w| timeout.deadline.is_none_or(|d| *w < d)) else {
            return self.wait_within(guard, timeout, expired);
        };
        if timeout.milli_sec == 0 {
            return Err(expired);
        }
        Ok(self.wait(guard, Some(wake)).0)
    }
}

/// A K230 `milli_sec` argument of a blocking call (the caller has rejected values below
/// -1): -1 waits forever, 0 never waits, `n > 0` waits until `n` ms after [`Timeout::new`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeout {
    milli_sec: i32,
    /// `None` for -1 (forever).
    deadline: Option<Instant>,
}

impl Timeout {
    /// Starts the timeout now.
    pub fn new(milli_sec: i32) -> Self {
        Timeout {
            milli_sec,
            deadline: u64::try_from(milli_sec)
                .ok()
                .map(|ms| Instant::now() + Duration::from_millis(ms)),
        }
    }
}

/// Shortcut: lock the global state.
pub(crate) fn lock() -> MutexGuard<'static, Sim> {
    global().lock()
}
