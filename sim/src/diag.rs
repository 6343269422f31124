//! Diagnostics on stderr: what the simulator knows and a board would not say, one line each
//! (`k230 sim: ...`), rate-limited by their callers; off with `K230_SIM_DIAG=0`. They never
//! change what an MPP call returns.

use std::sync::OnceLock;
use std::time::Duration;

/// Environment variable: `0` turns the diagnostics off.
pub const DIAG_ENV: &str = "K230_SIM_DIAG";
/// A get_stream or send_frame that has waited this long (over consecutive calls, as the core
/// waits in slices) is explained.
pub const STUCK_AFTER: Duration = Duration::from_secs(3);
/// While it stays stuck, the explanation is repeated at most this often.
pub const REPEAT_EVERY: Duration = Duration::from_secs(30);
/// A wait with no deadline (`milli_sec` -1) wakes this often to see whether it is stuck.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// Whether diagnostics are on (read once).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var(DIAG_ENV).map_or(true, |v| v != "0"))
}

/// Prints `msg` as one diagnostic line, if diagnostics are on.
pub fn say(msg: &str) {
    if enabled() {
        eprintln!("k230 sim: {msg}");
    }
}
