//! The sensor clock policy: realtime paces a bound channel by the wall clock and drops the
//! frames that come due while every output buffer is full; virtual (the default) does not
//! pace; starting an RTSP server switches to realtime until it stops.

use super::fixtures::*;
use crate::ffi::k230_sim_set_policy;
use std::time::{Duration, Instant};

fn set_clock(value: &std::ffi::CStr) {
    // SAFETY: both are NUL-terminated strings.
    let rc = unsafe { k230_sim_set_policy(c"clock".as_ptr(), value.as_ptr()) };
    assert_eq!(rc, 0);
}

fn realtime() -> bool {
    crate::state::lock().switches.realtime_clock
}

#[test]
fn realtime_paces_a_bound_channel() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 30, 30, 30, 300, 4, 65536), 30);
    set_clock(c"realtime");
    let t = Instant::now();
    let first = get(0, 12, 0).unwrap();
    assert_eq!(last_payload(&first).3, 0);
    assert_eq!(release(0, &first), 0);
    // Frame 1 is due 33 ms after the start: not yet without waiting.
    assert_eq!(get(0, 12, 0).code(), VENC_EMPTY);
    for k in 1..=9u64 {
        let packs = get(0, 12, 1000).unwrap();
        let (_, _, _, pts) = last_payload(&packs);
        assert_eq!(pts, k * 1_000_000 / 30, "frame {k}");
        assert_eq!(release(0, &packs), 0);
    }
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(290), "{took:?}");
    assert!(took < Duration::from_millis(900), "{took:?}");
    assert_eq!(crate::venc::counters(0).unwrap().dropped_full, 0);
    // A timeout shorter than the next frame's time runs out.
    let t = Instant::now();
    assert_eq!(get(0, 12, 5).code(), VENC_EMPTY);
    assert!(t.elapsed() >= Duration::from_millis(5));
}

#[test]
fn realtime_drops_frames_due_while_the_output_is_full() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 30, 30, 30, 300, 2, 65536), 30);
    set_clock(c"realtime");
    let held = get(0, 12, 0).unwrap();
    std::thread::sleep(Duration::from_millis(210));
    // Frames 1..=6 are due; one buffer is free: it takes frame 1, the rest are dropped.
    let next = get(0, 12, 0).unwrap();
    assert_eq!(last_payload(&next).3, 1_000_000 / 30);
    let c = crate::venc::counters(0).unwrap();
    assert!((4..=6).contains(&c.dropped_full), "{c:?}");
    assert_eq!(release(0, &held), 0);
    assert_eq!(release(0, &next), 0);
    // The next frame is one that came due after the drop.
    let later = get(0, 12, 1000).unwrap();
    assert!(
        last_payload(&later).3 >= 200_000,
        "{:?}",
        last_payload(&later)
    );
    assert_eq!(release(0, &later), 0);
}

#[test]
fn virtual_clock_does_not_pace_and_switching_counts_from_the_newest_frame() {
    let _g = setup();
    assert!(!realtime());
    bound_channel(0, &h264_attr(320, 240, 30, 30, 30, 300, 4, 65536), 30);
    let t = Instant::now();
    for _ in 0..60 {
        let packs = get(0, 12, 0).unwrap();
        assert_eq!(release(0, &packs), 0);
    }
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
    // Two seconds of sensor time taken at once; realtime now counts on from frame 59.
    set_clock(c"realtime");
    let t = Instant::now();
    let packs = get(0, 12, 1000).unwrap();
    assert_eq!(last_payload(&packs).3, 60 * 1_000_000 / 30);
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(release(0, &packs), 0);
    set_clock(c"virtual");
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(release(0, &packs), 0);
}

#[cfg(feature = "rtsp")]
#[test]
fn an_rtsp_server_holds_the_realtime_clock_while_started() {
    let _g = setup();
    let h = crate::rtsp::new_handle();
    crate::rtsp::init(h, 0).unwrap();
    assert!(!realtime());
    crate::rtsp::start(h).unwrap();
    assert!(realtime());
    crate::rtsp::stop(h);
    assert!(!realtime());
    // A script that chose realtime keeps it.
    set_clock(c"realtime");
    crate::rtsp::start(h).unwrap();
    crate::rtsp::free_handle(h);
    assert!(realtime());
}
