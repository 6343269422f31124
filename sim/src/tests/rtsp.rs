//! `multimedia.rtsp_server` below the binding: states, arguments, the port, the URL, key
//! pieces. (Clients and streams are tested from Python, python_tests/test_rtsp.py.)

use super::fixtures::setup;
use crate::rtsp::{self, Codec, BAD_ARG, FAIL, STATE, UNAVAILABLE};

#[test]
fn key_pieces() {
    let h264 = |nal: u8| [0, 0, 0, 1, nal, 0x88];
    assert!(rtsp::is_key(Codec::H264, &h264(0x67)));
    assert!(rtsp::is_key(Codec::H264, &h264(0x68)));
    assert!(rtsp::is_key(Codec::H264, &h264(0x65)));
    assert!(!rtsp::is_key(Codec::H264, &h264(0x41)));
    assert!(!rtsp::is_key(Codec::H264, &h264(0x06)));
    // SEI, then an IDR slice after a 3-byte start code.
    assert!(rtsp::is_key(
        Codec::H264,
        &[0, 0, 0, 1, 6, 1, 2, 0, 0, 1, 0x65, 9]
    ));
    let h265 = |t: u8| [0, 0, 1, t << 1, 1, 0xaf];
    for t in [19, 20, 21, 32, 33, 34] {
        assert!(rtsp::is_key(Codec::H265, &h265(t)), "{t}");
    }
    for t in [0, 1, 39] {
        assert!(!rtsp::is_key(Codec::H265, &h265(t)), "{t}");
    }
    // Without a start code: one NAL unit; empty: not a key.
    assert!(rtsp::is_key(Codec::H264, &[0x65, 1]));
    assert!(!rtsp::is_key(Codec::H264, &[]));
    assert!(rtsp::is_key(Codec::Mjpeg, &[0xff, 0xd8]));
}

#[test]
fn names() {
    for ok in ["test", "a", "cam/0", "x-y_z.1~"] {
        assert_eq!(rtsp::check_name(ok), Ok(()), "{ok}");
    }
    for bad in ["", "/x", "x/", "a b", "é", "a?b", &"n".repeat(129)] {
        assert_eq!(rtsp::check_name(bad).unwrap_err().code, BAD_ARG, "{bad}");
    }
}

#[cfg(feature = "rtsp")]
#[test]
fn states_arguments_port_and_url() {
    let _g = setup();
    let h = rtsp::new_handle();
    assert_eq!(rtsp::start(h).unwrap_err().code, STATE);
    assert_eq!(
        rtsp::create_session(h, "s", 0, false).unwrap_err().code,
        STATE
    );
    assert_eq!(rtsp::send(h, "s", false, b"x").unwrap_err().code, STATE);
    rtsp::stop(h);
    rtsp::deinit(h);
    assert_eq!(rtsp::init(h, 70000).unwrap_err().code, BAD_ARG);
    assert_eq!(rtsp::init(h, -1).unwrap_err().code, BAD_ARG);

    // A port in use: -1, and the handle stays usable.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let e = rtsp::init(h, i64::from(port)).unwrap_err();
    assert_eq!(e.code, FAIL, "{e:?}");
    drop(busy);
    rtsp::init(h, i64::from(port)).unwrap();
    assert_eq!(rtsp::init(h, 0).unwrap_err().code, FAIL);
    assert_eq!(rtsp::live(), 1);
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());

    rtsp::create_session(h, "cam", 1, true).unwrap();
    rtsp::create_session(h, "cam", 0, false).unwrap(); // exists: 0
    assert_eq!(
        rtsp::create_session(h, "x", 3, false).unwrap_err().code,
        FAIL
    );
    assert_eq!(
        rtsp::create_session(h, "a b", 0, false).unwrap_err().code,
        BAD_ARG
    );
    assert_eq!(
        rtsp::url(h, "cam").unwrap(),
        format!("rtsp://127.0.0.1:{port}/cam")
    );
    assert_eq!(rtsp::url(h, "nope").unwrap_err().code, FAIL);
    rtsp::send(h, "cam", false, &[0, 0, 0, 1, 0x40, 1]).unwrap();
    rtsp::send(h, "cam", true, &[0xff; 160]).unwrap();
    assert_eq!(rtsp::send(h, "nope", false, b"x").unwrap_err().code, FAIL);
    rtsp::create_session(h, "mute", 0, false).unwrap();
    assert_eq!(rtsp::send(h, "mute", true, b"x").unwrap_err().code, FAIL);
    rtsp::start(h).unwrap();
    rtsp::start(h).unwrap();
    rtsp::destroy_session(h, "mute").unwrap();
    assert_eq!(rtsp::destroy_session(h, "mute").unwrap_err().code, FAIL);

    // deinit closes the socket; the handle can listen again.
    rtsp::deinit(h);
    assert_eq!(rtsp::live(), 0);
    drop(std::net::TcpListener::bind(("127.0.0.1", port)).unwrap());
    rtsp::init(h, i64::from(port)).unwrap();
    rtsp::start(h).unwrap();
    // The teardown between scripts closes every server.
    rtsp::deinit_all();
    assert_eq!(rtsp::live(), 0);
    drop(std::net::TcpListener::bind(("127.0.0.1", port)).unwrap());
    rtsp::free_handle(h);
    assert_eq!(rtsp::init(h, 0).unwrap_err().code, STATE);
    let _ = UNAVAILABLE;
}

#[cfg(not(feature = "rtsp"))]
#[test]
fn without_the_feature_init_says_so() {
    let _g = setup();
    let h = rtsp::new_handle();
    let e = rtsp::init(h, 0).unwrap_err();
    assert_eq!(e.code, UNAVAILABLE);
    assert!(e.msg.contains("built without RTSP"), "{}", e.msg);
    assert_eq!(rtsp::live(), 0);
    rtsp::free_handle(h);
    let _ = (FAIL, STATE);
}
