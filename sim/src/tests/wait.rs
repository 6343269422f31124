//! Blocking and timed waits: exhausted output buffers time out on both sides (get_stream,
//! send_frame), and a release or send_frame from another thread wakes a waiting get_stream.

use super::fixtures::*;
use k230_venc::mpp::*;
use std::time::{Duration, Instant};

#[test]
fn exhausted_buffers_time_out() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 5, 30, 30, 300, 2, 65536), 30);
    let a = get(0, 12, 0).unwrap();
    let b = get(0, 12, 0).unwrap();
    assert_eq!(get(0, 12, 0).code(), VENC_EMPTY);
    let t = Instant::now();
    assert_eq!(get(0, 12, 30).code(), VENC_EMPTY);
    assert_waited_30ms(t);
    assert_eq!(release(0, &a), 0);
    assert_eq!(release(0, &b), 0);
    assert_eq!(get(0, 12, 0).map(|p| p.len()), Ok(1));

    // send_frame side: one output buffer, held.
    started_channel(1, &h264_attr(320, 240, 5, 30, 30, 300, 1, 65536));
    let (f, _) = user_frame(320, 240, 320, 3, 99);
    assert_eq!(send(1, &f, 0), 0);
    let held = get(1, 12, 0).unwrap();
    assert_eq!(send(1, &f, 0), VENC_FULL);
    let t = Instant::now();
    assert_eq!(send(1, &f, 30), VENC_FULL);
    assert_waited_30ms(t);
    assert_eq!(release(1, &held), 0);
    assert_eq!(send(1, &f, 0), 0);
}

#[test]
fn release_from_another_thread_wakes_get_stream() {
    let _g = setup();
    bound_channel(0, &h264_attr(320, 240, 5, 30, 30, 300, 1, 65536), 30);
    let held = get(0, 12, 0).unwrap();
    let t = Instant::now();
    let th = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        release(0, &held)
    });
    let packs = get(0, 12, -1).unwrap();
    assert!(t.elapsed() >= Duration::from_millis(45));
    assert_eq!(th.join().unwrap(), 0);
    assert_eq!(packs[0].type_, K_VENC_P_FRAME);
    assert_eq!(release(0, &packs), 0);

    // An unbound channel: send_frame from another thread wakes a timed get_stream.
    started_channel(2, &small_attr());
    let th = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        let (f, _) = user_frame(320, 240, 320, 8, 1234);
        send(2, &f, -1)
    });
    let packs = get(2, 12, 2000).unwrap();
    assert_eq!(th.join().unwrap(), 0);
    let (n, y, uv, pts) = last_payload(&packs);
    assert_eq!((n, pts), (0, 1234));
    assert_eq!((y, uv), expected_hashes(320, 240, 8));
    assert_eq!(release(2, &packs), 0);
}
