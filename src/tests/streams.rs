//! Streams and frames over the stateful fake: GetStream assembly, timeouts, held streams,
//! mapping failures, a GetStream outlived by its channel, SendFrame field checks.

use super::*;
use crate::venc::stream::{get_stream_wait, Held};

#[test]
fn header_and_i_come_in_one_get_stream_even_when_delivered_apart() {
    let mut v = at(ChnState::Started);
    // Nothing queued at query time: the core asks for one pack, gets the
    // header, then fetches the I pack that belongs to it.
    v.mpp().st().push_frame(0, &[K_VENC_HEADER, K_VENC_I_FRAME]);
    v.mpp().st().push_frame(0, &[K_VENC_P_FRAME]);
    let (t, n, packs) = get(&mut v, 0).unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        (packs[0].stream_type, packs[1].stream_type),
        (K_VENC_HEADER, K_VENC_I_FRAME)
    );
    assert_eq!(packs[0].pts, 33_333);
    assert_ne!(packs[0].virt, 0);
    assert_eq!(v.mpp().st().mapped, 2);
    rel(&mut v, 0, t).unwrap();
    assert_eq!(v.mpp().st().mapped, 0);
    assert!(v.mpp().st().outstanding.is_empty());
    // The P frame is not merged into anything.
    let (t, n, packs) = get(&mut v, t).unwrap();
    assert_eq!((n, packs[0].stream_type), (1, K_VENC_P_FRAME));
    rel(&mut v, 0, t).unwrap();
}

#[test]
fn empty_queue_is_a_timeout_with_the_buf_empty_code() {
    let mut v = at(ChnState::Started);
    let e = get(&mut v, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.mpp_code(), VENC_BUF_EMPTY);
    let e = get_timeout(&mut v, 0, -2).unwrap_err();
    assert!(
        e.to_string().starts_with("timeout must be -1 (block)"),
        "{e}"
    );
    let e = send(&mut v, &Default::default(), -1).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("timeout must be 0 (non-blocking)"),
        "{e}"
    );
}

#[test]
fn held_streams_are_tracked_and_never_leak() {
    let mut v = at(ChnState::Started);
    let mut tokens = Vec::new();
    for _ in 0..MAX_HELD {
        v.mpp().st().push_frame(0, &[K_VENC_P_FRAME]);
        tokens.push(get(&mut v, 0).unwrap().0);
    }
    v.mpp().st().push_frame(0, &[K_VENC_P_FRAME]);
    assert!(matches!(get(&mut v, 0), Err(Error::Capacity { .. })));
    // A StreamData that still holds a stream cannot take another.
    let e = get(&mut v, tokens[0]).unwrap_err();
    assert!(e.to_string().contains("call ReleaseStream"), "{e}");
    // Release with the wrong channel / nothing / twice.
    v.set_out_bufs(1, 2, 640, 480).unwrap();
    assert!(matches!(
        rel(&mut v, 1, tokens[0]),
        Err(Error::Invalid { arg: "chn", .. })
    ));
    assert!(rel(&mut v, 0, 0)
        .unwrap_err()
        .to_string()
        .contains("holds no stream"));
    rel(&mut v, 0, tokens[0]).unwrap();
    assert!(rel(&mut v, 0, tokens[0])
        .unwrap_err()
        .to_string()
        .contains("already released"));
    // Stop + Destroy releases the rest.
    v.stop(0).unwrap();
    v.destroy(0).unwrap();
    assert_eq!(v.mpp().st().mapped, 0);
    assert!(v.mpp().st().outstanding.is_empty());
    assert!(rel(&mut v, 0, tokens[1]).is_err());
}

#[test]
fn mmap_failure_releases_what_was_taken() {
    let mut v = at(ChnState::Started);
    v.mpp().st().push_frame(0, &[K_VENC_HEADER, K_VENC_I_FRAME]);
    v.mpp().st().fail.insert("mmap", K_FAILED);
    let e = get(&mut v, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Os);
    assert!(v.mpp().st().outstanding.is_empty());
    assert_eq!(v.mpp().st().mapped, 0);
}

#[test]
fn a_get_stream_outlived_by_its_channel_gives_the_stream_back() {
    let mut v = at(ChnState::Started);
    v.mpp().st().push_frame(0, &[K_VENC_HEADER, K_VENC_I_FRAME]);
    // Thread A begins a GetStream and waits without the lock ...
    let (ticket, _) = v.get_stream_begin(0, -1, 0).unwrap();
    let mut h = Held::EMPTY;
    let got = get_stream_wait(v.mpp(), &ticket, 0, &mut h);
    assert!(got.is_ok());
    // ... meanwhile thread B tears the channel down (the finaliser, or deinit_all).
    v.deinit_all().unwrap();
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    let e = v
        .get_stream_finish(ticket, got, &mut h, &mut out)
        .unwrap_err();
    assert!(
        e.to_string().contains("destroyed while GetStream waited"),
        "{e}"
    );
    assert_eq!(v.mpp().st().mapped, 0);
    // The fake's channel is gone, so its release fails; nothing stays outstanding here.
    assert!(rel(&mut v, 0, 1).is_err());
}

#[test]
fn reserved_slots_count_against_the_held_limit_and_clear_on_failure() {
    let mut v = at(ChnState::Started);
    let (ticket, _) = v.get_stream_begin(0, 0, 0).unwrap();
    let mut h = Held::EMPTY;
    let got = get_stream_wait(v.mpp(), &ticket, 0, &mut h);
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    assert_eq!(
        v.get_stream_finish(ticket, got, &mut h, &mut out)
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
    // The reservation was given up: all MAX_HELD slots are usable again.
    for _ in 0..MAX_HELD {
        v.mpp().st().push_frame(0, &[K_VENC_P_FRAME]);
        get(&mut v, 0).unwrap();
    }
}

#[test]
fn send_frame_names_the_frame_field_that_is_wrong() {
    let mut v = at(ChnState::Started);
    type Spoil = fn(&mut k_video_frame_info);
    let cases: [(Spoil, &str); 5] = [
        (
            |f| f.v_frame.width = 800,
            "frame_info.v_frame.width must be 640 (the channel's pic_width) (got 800)",
        ),
        (
            |f| f.v_frame.height = 0,
            "frame_info.v_frame.height must be 480 (the channel's pic_height) (got 0)",
        ),
        (
            |f| f.v_frame.pixel_format = 0,
            "frame_info.v_frame.pixel_format must be Sensor.YUV420SP (",
        ),
        (
            |f| f.v_frame.phys_addr[0] = 0,
            "frame_info.v_frame.phys_addr[0]: is 0",
        ),
        (
            |f| f.v_frame.phys_addr[1] = 0,
            "frame_info.v_frame.phys_addr[1]: is 0",
        ),
    ];
    for (spoil, msg) in cases {
        let mut f = frame_640x480();
        spoil(&mut f);
        let e = send(&mut v, &f, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
        assert!(e.to_string().starts_with(msg), "{e}");
    }
    assert_eq!(v.mpp().st().sent, 0, "nothing reached the MPP");
    // ARGB input has one plane.
    let mut f = frame_640x480();
    f.v_frame.pixel_format = PIXEL_FORMAT_ARGB_8888;
    f.v_frame.phys_addr[1] = 0;
    send(&mut v, &f, 0).unwrap();
}

/// The pixel format values are those of the MPP headers built against (NV12 is 30 in the 2023
/// k230_sdk, 31 in the CanMV MPP; BGRA8888 exists only in the latter), and the message names
/// them: `make test` runs these tests against each real SDK tree it has.
#[test]
fn send_frame_takes_the_pixel_formats_of_the_headers_built_against() {
    let mut v = at(ChnState::Started);
    let nv12 = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    let mut allowed = format!("Sensor.YUV420SP ({nv12}, NV12)");
    #[cfg(k230_pixel_format_bgra_8888)]
    allowed.push_str(&format!(
        ", ARGB8888 ({PIXEL_FORMAT_ARGB_8888}) or BGRA8888 ({PIXEL_FORMAT_BGRA_8888})"
    ));
    #[cfg(not(k230_pixel_format_bgra_8888))]
    allowed.push_str(&format!(" or ARGB8888 ({PIXEL_FORMAT_ARGB_8888})"));
    #[cfg(not(k230_sdk_headers))]
    assert_eq!(
        allowed,
        "Sensor.YUV420SP (31, NV12), ARGB8888 (11) or BGRA8888 (17)"
    );
    // The other generation's NV12 value is refused with the list of this one's.
    let other = if nv12 == 31 { 30 } else { 31 };
    for (value, ok) in [
        (nv12, true),
        (other, false),
        (17, cfg!(k230_pixel_format_bgra_8888)),
    ] {
        let mut f = frame_640x480();
        f.v_frame.pixel_format = value;
        let r = send(&mut v, &f, 0);
        if ok {
            r.unwrap();
        } else {
            let e = r.unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("frame_info.v_frame.pixel_format must be {allowed} (got {value})")
            );
        }
    }
}
