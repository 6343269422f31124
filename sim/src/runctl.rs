//! What `scripts/k230sim run` asks of a simulator run, through the environment:
//! - `K230_SIM_STOP_AFTER=N`: once any sensor channel has delivered its N-th frame, the
//!   process gets SIGINT, as when a user presses Stop in the CanMV IDE: the script's
//!   `KeyboardInterrupt` path runs, then (at exit) the firmware's between-scripts teardown;
//!   `k230_sim_stop_requested` tells the runner it was this stop;
//! - `K230_SIM_PROGRESS=<file>`: the newest sensor frame number is written there (`frames N`),
//!   at most every [`PROGRESS_EVERY`], for the runner's progress line;
//! - `K230_SIM_PATH_MAP=/sdcard=<dir>:/data=<dir>`: the board folders a file the simulator
//!   opens itself (an MP4 muxer's `file_name`) is looked up in ([`host_path`]), as the
//!   script's own files are through MicroPython's VFS mounts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Environment variable: stop (SIGINT) after this many sensor frames.
pub const STOP_AFTER_ENV: &str = "K230_SIM_STOP_AFTER";
/// Environment variable: board folder = host folder pairs, `:`-separated.
pub const PATH_MAP_ENV: &str = "K230_SIM_PATH_MAP";
/// Environment variable: the progress file.
pub const PROGRESS_ENV: &str = "K230_SIM_PROGRESS";
/// Shortest time between two writes of the progress file.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);

struct Ctl {
    stop_after: Option<u64>,
    progress: Option<std::path::PathBuf>,
}

fn ctl() -> &'static Ctl {
    static CTL: OnceLock<Ctl> = OnceLock::new();
    CTL.get_or_init(|| Ctl {
        stop_after: std::env::var(STOP_AFTER_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0),
        progress: std::env::var_os(PROGRESS_ENV)
            .filter(|p| !p.is_empty())
            .map(Into::into),
    })
}

static FRAMES: AtomicU64 = AtomicU64::new(0);
static STOPPED: AtomicBool = AtomicBool::new(false);
static LAST_WRITE: Mutex<Option<Instant>> = Mutex::new(None);

extern "C" {
    fn raise(sig: i32) -> i32;
}
const SIGINT: i32 = 2;

/// A sensor channel delivered its frame number `index` (0-based).
pub(crate) fn frame_taken(index: u64) {
    let c = ctl();
    if c.stop_after.is_none() && c.progress.is_none() {
        return;
    }
    let n = index + 1;
    let newest = FRAMES.fetch_max(n, Ordering::Relaxed).max(n);
    if let Some(path) = &c.progress {
        let mut last = LAST_WRITE.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.is_none_or(|t| now - t >= PROGRESS_EVERY) {
            *last = Some(now);
            // Best effort: a progress line is not worth failing a frame for.
            let tmp = path.with_extension("tmp");
            if std::fs::write(&tmp, format!("frames {newest}\n")).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
    if c.stop_after.is_some_and(|at| newest >= at) && !STOPPED.swap(true, Ordering::SeqCst) {
        // SAFETY: raise() with a valid signal number; the MicroPython port's SIGINT handler
        // only schedules a KeyboardInterrupt for its main thread.
        unsafe {
            raise(SIGINT);
        }
    }
}

/// Whether the stop of `K230_SIM_STOP_AFTER` was sent.
#[no_mangle]
pub extern "C" fn k230_sim_stop_requested() -> i32 {
    i32::from(STOPPED.load(Ordering::SeqCst))
}

/// Sensor frames delivered so far (the newest frame number of any channel).
#[no_mangle]
pub extern "C" fn k230_sim_frames_taken() -> u64 {
    FRAMES.load(Ordering::Relaxed)
}

/// The host path of a file name a script gave the simulator: under a board folder of
/// [`PATH_MAP_ENV`] (`/sdcard/x.mp4`, the folder itself or below it), the same name in the
/// host folder it maps to; any other name as it is.
pub fn host_path(name: &[u8]) -> Vec<u8> {
    let Some(map) = std::env::var_os(PATH_MAP_ENV) else {
        return name.to_vec();
    };
    use std::os::unix::ffi::OsStrExt;
    for pair in map.as_bytes().split(|&b| b == b':') {
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (board, host) = (&pair[..eq], &pair[eq + 1..]);
        if board.len() > 1
            && name.starts_with(board)
            && matches!(name.get(board.len()), None | Some(b'/'))
        {
            let mut out = host.to_vec();
            out.extend_from_slice(&name[board.len()..]);
            return out;
        }
    }
    name.to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn board_folders_map_to_host_folders() {
        // The variable is read on each call; this test owns it (no other test sets it).
        std::env::set_var(super::PATH_MAP_ENV, "/sdcard=/tmp/out/sdcard:/data=/tmp/d");
        let host = |n: &str| String::from_utf8(super::host_path(n.as_bytes())).unwrap();
        assert_eq!(host("/sdcard/a.mp4"), "/tmp/out/sdcard/a.mp4");
        assert_eq!(host("/sdcard"), "/tmp/out/sdcard");
        assert_eq!(host("/data/x/y.mp4"), "/tmp/d/x/y.mp4");
        assert_eq!(host("/sdcardx/a.mp4"), "/sdcardx/a.mp4");
        assert_eq!(host("rel.mp4"), "rel.mp4");
        std::env::remove_var(super::PATH_MAP_ENV);
        assert_eq!(host("/sdcard/a.mp4"), "/sdcard/a.mp4");
    }
}
