//! The C entry points, exactly as the glue calls them, over the scripted MPP: every
//! entry point, null and length checks, each error kind's conversion, and the sliced
//! wait (timeout arithmetic, blocking, abort by the poll callback, the channel torn down
//! by another caller while a GetStream waits). Each test ends with [`script::done`]:
//! every expected call made, every resource given back.

use core::ffi::c_void;
use core::ptr::{null, null_mut};
use std::ffi::CStr;
use std::string::String;
use std::sync::atomic::{AtomicU32, Ordering};

use super::script::{self, done, expect, Call, Expect};
use super::*;
use crate::capi::*;
use crate::mpp::err::{num, venc};

fn new_err() -> VencError {
    VencError {
        kind: -7,
        code: -7,
        msg: [0x55; 200],
    }
}

fn msg(e: &VencError) -> String {
    let bytes: Vec<u8> = e.msg.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .expect("NUL-terminated")
        .to_str()
        .unwrap()
        .into()
}

/// The SetOutBufs expectations of the ABI generation.
fn out_bufs_calls() -> Vec<Expect> {
    if cfg!(feature = "abi-2025") {
        std::vec![Expect::new(Call::CreatePool)]
    } else {
        Vec::new()
    }
}

/// The Create expectations (H.264) of channel `chn`.
fn create_calls(chn: u32) -> Vec<Expect> {
    let mut v = Vec::new();
    if cfg!(feature = "abi-2025") {
        v.push(Expect::new(Call::Attach(chn)));
    }
    v.push(Expect::new(Call::CreateChn(chn)));
    v.push(Expect::new(Call::EnableIdr(chn)));
    v
}

/// The teardown expectations of a started channel `chn` with no stream held.
fn teardown_calls(chn: u32) -> Vec<Expect> {
    let mut v = std::vec![
        Expect::new(Call::StopChn(chn)),
        Expect::new(Call::DestroyChn(chn))
    ];
    // 2025 ABI: the destroy detached the pool; it is destroyed next.
    if cfg!(feature = "abi-2025") {
        v.push(Expect::new(Call::DestroyPool(1)));
    }
    v
}

/// Channel 0 created (H.264 640x480) and started through the entry points.
fn started() -> u32 {
    expect(out_bufs_calls());
    expect(create_calls(0));
    expect([Expect::new(Call::StartChn(0))]);
    let owner = venc_encoder_new();
    let mut err = new_err();
    assert_eq!(venc_set_out_bufs(0, 4, 640, 480, &mut err), 0);
    let attr = h264();
    // SAFETY: a valid attr and error struct.
    assert_eq!(unsafe { venc_create(owner, 0, &attr, &mut err) }, 0);
    assert_eq!(venc_start(0, &mut err), 0);
    owner
}

/// Tears everything down through the entry points and checks the script.
fn finish() {
    expect(teardown_calls(0));
    assert_eq!(venc_deinit_all(null_mut()), 0);
    done();
}

struct Got {
    ret: i32,
    token: u32,
    count: u32,
    packs: [PackInfo; PACK_CNT_MAX],
    err: VencError,
}

unsafe extern "C" fn never_stop(_ctx: *mut c_void) -> bool {
    false
}

/// Counts its calls in `*ctx` (an AtomicU32) and stops at the third.
unsafe extern "C" fn stop_at_third(ctx: *mut c_void) -> bool {
    // SAFETY: the tests pass a live AtomicU32 as the context.
    let n = unsafe { &*ctx.cast::<AtomicU32>() };
    n.fetch_add(1, Ordering::SeqCst) + 1 >= 3
}

fn get_stream(timeout: i64, held: u32, poll: VencPollFn, ctx: *mut c_void) -> Got {
    let mut g = Got {
        ret: 0,
        token: held,
        count: 99,
        packs: [PackInfo::default(); PACK_CNT_MAX],
        err: new_err(),
    };
    // SAFETY: all pointers are to live locals of the right size.
    g.ret = unsafe {
        venc_get_stream(
            0,
            timeout,
            &mut g.token,
            g.packs.as_mut_ptr(),
            &mut g.count,
            poll,
            ctx,
            &mut g.err,
        )
    };
    g
}

#[test]
fn every_entry_point_on_the_happy_path() {
    let _g = script::lock();
    let owner = started();
    let mut err = new_err();

    // MediaManager.init, link.
    expect([
        Expect::new(Call::VbSetConfig),
        Expect::new(Call::VbInit),
        Expect::new(Call::Bind),
    ]);
    assert_eq!(venc_media_init(&mut err), 0);
    let (src, dst) = ([6i64, 0, 0], [9i64, 0, 0]);
    let mut link = 0u32;
    // SAFETY: valid triples and out-parameter.
    assert_eq!(
        // SAFETY: live locals of the right size, or the NULL under test.
        unsafe { venc_link(src.as_ptr(), dst.as_ptr(), &mut link, &mut err) },
        0
    );
    assert_eq!(venc_is_linked(link), 1);

    // GetStream: header alone first, then the I pack that belongs to it; both mapped.
    expect([
        Expect::new(Call::QueryStatus(0)),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 0,
        })
        .packs(&[K_VENC_HEADER]),
        Expect::new(Call::QueryStatus(0)).packs(&[K_VENC_I_FRAME]),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 0,
        })
        .packs(&[K_VENC_I_FRAME]),
        Expect::new(Call::Mmap),
        Expect::new(Call::Mmap),
    ]);
    let g = get_stream(0, 0, Some(never_stop), null_mut());
    assert_eq!(g.ret, 0, "{}", msg(&g.err));
    assert_eq!(g.count, 2);
    assert_ne!(g.token, 0);
    assert_eq!(
        (
            g.packs[0].stream_type,
            g.packs[1].stream_type,
            g.packs[2].len
        ),
        (K_VENC_HEADER, K_VENC_I_FRAME, 0)
    );
    assert!(g.packs[0].virt != 0 && g.packs[0].len == 16 && g.packs[0].pts == 40_000);

    // ReleaseStream: unmapped, released per delivery, token cleared.
    expect([
        Expect::new(Call::Munmap),
        Expect::new(Call::Munmap),
        Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }),
        Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }),
    ]);
    let mut token = g.token;
    // SAFETY: valid pointers.
    assert_eq!(unsafe { venc_release_stream(0, &mut token, &mut err) }, 0);
    assert_eq!(token, 0);

    // SendFrame (the documented wait: 50 ms slices of at most 1000 ms).
    expect([Expect::new(Call::SendFrame {
        chn: 0,
        timeout: 50,
    })]);
    let f = frame_640x480();
    let b = frame_bytes(&f);
    // SAFETY: `b` is 224 readable bytes.
    let r = unsafe {
        venc_send_frame(
            0,
            b.as_ptr(),
            b.len(),
            VENC_SEND_TIMEOUT_MS,
            Some(never_stop),
            null_mut(),
            &mut err,
        )
    };
    assert_eq!(r, 0, "{}", msg(&err));

    // unlink, Stop, Destroy, MediaManager.deinit, the Encoder's finaliser.
    expect([Expect::new(Call::Unbind), Expect::new(Call::StopChn(0))]);
    if cfg!(feature = "abi-2025") {
        expect([Expect::new(Call::Detach(0))]);
    }
    assert_eq!(venc_unlink(link, &mut err), 0);
    assert_eq!(venc_is_linked(link), 0);
    assert_eq!(venc_stop(0, &mut err), 0);
    // A second Stop of a created channel is allowed (the detach is not repeated).
    expect([Expect::new(Call::StopChn(0))]);
    assert_eq!(venc_stop(0, &mut err), 0);
    expect([Expect::new(Call::DestroyChn(0))]);
    if cfg!(feature = "abi-2025") {
        expect([Expect::new(Call::DestroyPool(1))]);
    }
    assert_eq!(venc_destroy(0, &mut err), 0);
    expect([Expect::new(Call::VbExit)]);
    assert_eq!(venc_media_deinit(&mut err), 0);
    assert_eq!(venc_encoder_drop(owner), 0);
    done();
}

#[test]
fn null_pointers_and_wrong_lengths_are_type_errors_without_mpp_calls() {
    let _g = script::lock();
    let mut err = new_err();
    // SAFETY: the NULL is what is tested; the rest is valid (so for every call below).
    let r = unsafe { venc_create(1, 0, null(), &mut err) };
    assert_eq!((r, err.kind), (VENC_ERR_TYPE, VENC_ERR_TYPE));
    assert_eq!(msg(&err), "chnAttr must be given (NULL pointer)");
    // SAFETY: live locals of the right size, or the NULL under test.
    let r = unsafe { venc_send_frame(0, null(), 224, 0, None, null_mut(), &mut err) };
    assert_eq!(
        (r, msg(&err).as_str()),
        (VENC_ERR_TYPE, "frame_info must be given (NULL pointer)")
    );
    let short = [0u8; 100];
    // SAFETY: live locals of the right size, or the NULL under test.
    let r = unsafe {
        venc_send_frame(
            0,
            short.as_ptr(),
            short.len(),
            0,
            None,
            null_mut(),
            &mut err,
        )
    };
    assert_eq!(r, VENC_ERR_TYPE);
    assert!(msg(&err).contains("224-byte"), "{}", msg(&err));
    let (mut token, mut count) = (0u32, 0u32);
    let mut packs = [PackInfo::default(); PACK_CNT_MAX];
    for (t, p, c) in [
        (null_mut(), packs.as_mut_ptr(), &mut count as *mut u32),
        (&mut token as *mut u32, null_mut(), &mut count as *mut u32),
        (&mut token as *mut u32, packs.as_mut_ptr(), null_mut()),
    ] {
        // SAFETY: live locals of the right size, or the NULL under test.
        let r = unsafe { venc_get_stream(0, 0, t, p, c, None, null_mut(), &mut err) };
        assert_eq!(
            (r, msg(&err).as_str()),
            (VENC_ERR_TYPE, "streamData must be given (NULL pointer)")
        );
    }
    // SAFETY: live locals of the right size, or the NULL under test.
    let r = unsafe { venc_release_stream(0, null_mut(), &mut err) };
    assert_eq!(r, VENC_ERR_TYPE);
    let t = [0i64; 3];
    // SAFETY: live locals of the right size, or the NULL under test.
    let r = unsafe { venc_link(null(), t.as_ptr(), &mut token, &mut err) };
    assert_eq!(r, VENC_ERR_TYPE);
    // SAFETY: live locals of the right size, or the NULL under test.
    let r = unsafe { venc_link(t.as_ptr(), t.as_ptr(), null_mut(), &mut err) };
    assert_eq!(r, VENC_ERR_TYPE);
    // A NULL error report is allowed: the status alone comes back.
    assert_eq!(venc_start(7, null_mut()), VENC_ERR_VALUE);
    done();
}

#[test]
fn each_error_kind_reaches_c_with_its_code_and_message() {
    let _g = script::lock();
    let mut err = new_err();
    // ValueError: no code.
    assert_eq!(venc_start(4, &mut err), VENC_ERR_VALUE);
    assert_eq!((err.kind, err.code), (VENC_ERR_VALUE, 0));
    assert_eq!(
        msg(&err),
        "chn must be in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3) (got 4)"
    );
    // RuntimeError: the state and what to do.
    assert_eq!(venc_start(0, &mut err), VENC_ERR_RUNTIME);
    assert_eq!(
        msg(&err),
        "Start(0): channel 0 is not created; call Create first"
    );
    // OSError: the MPP call, the code and its name.
    expect(out_bufs_calls());
    expect([Expect::new(if cfg!(feature = "abi-2025") {
        Call::Attach(0)
    } else {
        Call::CreateChn(0)
    })
    .with_error(venc(num::EXIST))]);
    assert_eq!(venc_set_out_bufs(0, 4, 640, 480, &mut err), 0);
    let attr = h264();
    // SAFETY: valid pointers.
    assert_eq!(unsafe { venc_create(1, 0, &attr, &mut err) }, VENC_ERR_OS);
    assert_eq!((err.kind, err.code as u32), (VENC_ERR_OS, 0xa009_8004));
    assert!(
        msg(&err).ends_with("failed: K_ERR_VENC_EXIST (0xa0098004)"),
        "{}",
        msg(&err)
    );
    // Timeout: the code, not an exception.
    expect(create_calls(0));
    expect([Expect::new(Call::StartChn(0))]);
    // SAFETY: valid pointers.
    assert_eq!(unsafe { venc_create(1, 0, &attr, &mut err) }, 0);
    assert_eq!(venc_start(0, &mut err), 0);
    expect([
        Expect::new(Call::QueryStatus(0)),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 0,
        })
        .with_error(venc(num::BUF_EMPTY)),
    ]);
    let g = get_stream(0, 0, None, null_mut());
    assert_eq!((g.ret, g.err.code), (VENC_ERR_TIMEOUT, VENC_BUF_EMPTY));
    assert_eq!((g.token, g.count), (0, 99), "outputs untouched on failure");
    // A message longer than the buffer is cut, still NUL-terminated.
    let e = Error::Order { what: "x" };
    assert_eq!(e.kind() as i32, VENC_ERR_RUNTIME);
    finish();
}

#[test]
fn get_stream_waits_in_slices_until_its_timeout() {
    let _g = script::lock();
    started();
    // 120 ms: 50 + 50 + 20, polling between slices.
    let empty = venc(num::BUF_EMPTY);
    for slice in [50, 50, 20] {
        expect([
            Expect::new(Call::QueryStatus(0)),
            Expect::new(Call::GetStream {
                chn: 0,
                room: 1,
                timeout: slice,
            })
            .with_error(empty),
        ]);
    }
    let polls = AtomicU32::new(0);
    unsafe extern "C" fn count(ctx: *mut c_void) -> bool {
        // SAFETY: the test passes a live AtomicU32.
        unsafe { &*ctx.cast::<AtomicU32>() }.fetch_add(1, Ordering::SeqCst);
        false
    }
    let g = get_stream(120, 0, Some(count), &polls as *const _ as *mut c_void);
    assert_eq!(g.ret, VENC_ERR_TIMEOUT);
    assert_eq!(
        polls.load(Ordering::SeqCst),
        2,
        "polled between slices only"
    );
    // -1 blocks: slices of 50 ms until a stream comes.
    expect([
        Expect::new(Call::QueryStatus(0)),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 50,
        })
        .with_error(empty),
        Expect::new(Call::QueryStatus(0)).packs(&[K_VENC_P_FRAME]),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 50,
        })
        .packs(&[K_VENC_P_FRAME]),
        Expect::new(Call::Mmap),
    ]);
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_eq!((g.ret, g.count), (0, 1));
    // Below -1 is a ValueError before any MPP call.
    let held = g.token;
    let g2 = get_stream(-2, 0, None, null_mut());
    assert_eq!(g2.ret, VENC_ERR_VALUE);
    assert!(
        msg(&g2.err).starts_with("timeout must be -1 (block)"),
        "{}",
        msg(&g2.err)
    );
    // A StreamData that still holds its stream is refused (RuntimeError).
    let g3 = get_stream(0, held, None, null_mut());
    assert_eq!(g3.ret, VENC_ERR_RUNTIME);
    assert_eq!(g3.token, held, "the held token is left as it was");
    expect([
        Expect::new(Call::Munmap),
        Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }),
    ]);
    finish();
}

#[test]
fn the_poll_callback_stops_a_blocking_wait() {
    let _g = script::lock();
    started();
    let empty = venc(num::BUF_EMPTY);
    for _ in 0..3 {
        expect([
            Expect::new(Call::QueryStatus(0)),
            Expect::new(Call::GetStream {
                chn: 0,
                room: 1,
                timeout: 50,
            })
            .with_error(empty),
        ]);
    }
    let polls = AtomicU32::new(0);
    let g = get_stream(
        -1,
        0,
        Some(stop_at_third),
        &polls as *const _ as *mut c_void,
    );
    assert_eq!(g.ret, VENC_ERR_ABORTED);
    assert_eq!(g.err.kind, VENC_ERR_ABORTED);
    // The reservation was given up: the channel takes MAX_HELD streams again.
    for _ in 0..MAX_HELD {
        expect([
            Expect::new(Call::QueryStatus(0)),
            Expect::new(Call::GetStream {
                chn: 0,
                room: 1,
                timeout: 0,
            })
            .packs(&[K_VENC_P_FRAME]),
            Expect::new(Call::Mmap),
        ]);
        assert_eq!(get_stream(0, 0, None, null_mut()).ret, 0);
    }
    // deinit_all releases the held streams first.
    for _ in 0..MAX_HELD {
        expect([
            Expect::new(Call::Munmap),
            Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }),
        ]);
    }
    finish();
}

#[test]
fn a_channel_torn_down_while_get_stream_waits_ends_the_wait() {
    let _g = script::lock();
    started();
    let empty = venc(num::BUF_EMPTY);
    // Another caller tears the channel down during the first slice (the finaliser of the
    // Encoder on another thread, or deinit_all): the wait ends at the next check.
    expect([
        Expect::new(Call::QueryStatus(0)),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 50,
        })
        .with_error(empty)
        .during(|| assert_eq!(venc_deinit_all(null_mut()), 0)),
    ]);
    expect(teardown_calls(0));
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_eq!(g.ret, VENC_ERR_RUNTIME);
    assert_eq!(
        msg(&g.err),
        "GetStream: the channel was stopped and destroyed while GetStream waited"
    );
    // A stream that arrives as the channel goes is given back, not leaked.
    started();
    expect([
        Expect::new(Call::QueryStatus(0)),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 50,
        })
        .packs(&[K_VENC_P_FRAME])
        .during(|| assert_eq!(venc_deinit_all(null_mut()), 0)),
    ]);
    expect(teardown_calls(0));
    expect([
        Expect::new(Call::Mmap),
        Expect::new(Call::Munmap),
        Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }),
    ]);
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_eq!(g.ret, VENC_ERR_RUNTIME);
    done();
}

#[test]
fn send_frame_waits_its_timeout_in_slices_and_can_be_stopped() {
    let _g = script::lock();
    started();
    let full = venc(num::BUF_FULL);
    let f = frame_640x480();
    let b = frame_bytes(&f);
    let mut err = new_err();
    // The documented 1000 ms: twenty slices of 50 ms.
    for _ in 0..20 {
        expect([Expect::new(Call::SendFrame {
            chn: 0,
            timeout: 50,
        })
        .with_error(full)]);
    }
    // SAFETY: `b` is 224 readable bytes.
    let r = unsafe {
        venc_send_frame(
            0,
            b.as_ptr(),
            b.len(),
            VENC_SEND_TIMEOUT_MS,
            None,
            null_mut(),
            &mut err,
        )
    };
    assert_eq!((r, err.code), (VENC_ERR_TIMEOUT, full.code()));
    // Stopped by the callback at its third call.
    for _ in 0..3 {
        expect([Expect::new(Call::SendFrame {
            chn: 0,
            timeout: 50,
        })
        .with_error(full)]);
    }
    let polls = AtomicU32::new(0);
    // SAFETY: as above; the context is a live AtomicU32.
    let r = unsafe {
        venc_send_frame(
            0,
            b.as_ptr(),
            b.len(),
            VENC_SEND_TIMEOUT_MS,
            Some(stop_at_third),
            &polls as *const _ as *mut c_void,
            &mut err,
        )
    };
    assert_eq!(r, VENC_ERR_ABORTED);
    // Another MPP failure is an OSError at once.
    expect([Expect::new(Call::SendFrame { chn: 0, timeout: 0 }).with_error(venc(num::BADADDR))]);
    // SAFETY: as above.
    let r = unsafe { venc_send_frame(0, b.as_ptr(), b.len(), 0, None, null_mut(), &mut err) };
    assert_eq!(r, VENC_ERR_OS);
    assert!(
        msg(&err).starts_with("kd_mpi_venc_send_frame failed: K_ERR_VENC_BADADDR"),
        "{}",
        msg(&err)
    );
    // The channel stopped by another caller during the wait: the next check says so.
    expect([Expect::new(Call::SendFrame {
        chn: 0,
        timeout: 50,
    })
    .with_error(full)
    .during(|| {
        let mut e = new_err();
        assert_eq!(venc_stop(0, &mut e), 0);
    })]);
    expect([Expect::new(Call::StopChn(0))]);
    if cfg!(feature = "abi-2025") {
        expect([Expect::new(Call::Detach(0))]);
    }
    // SAFETY: as above.
    let r = unsafe {
        venc_send_frame(
            0,
            b.as_ptr(),
            b.len(),
            VENC_SEND_TIMEOUT_MS,
            None,
            null_mut(),
            &mut err,
        )
    };
    assert_eq!(r, VENC_ERR_RUNTIME);
    assert!(
        msg(&err).starts_with("SendFrame(0): channel 0 is created but not started"),
        "{}",
        msg(&err)
    );
    expect([Expect::new(Call::DestroyChn(0))]);
    if cfg!(feature = "abi-2025") {
        expect([Expect::new(Call::DestroyPool(1))]);
    }
    assert_eq!(venc_deinit_all(null_mut()), 0);
    done();
}

#[test]
fn release_stream_says_whether_the_stream_is_gone() {
    let _g = script::lock();
    started();
    let mut err = new_err();
    expect([
        Expect::new(Call::QueryStatus(0)),
        Expect::new(Call::GetStream {
            chn: 0,
            room: 1,
            timeout: 0,
        })
        .packs(&[K_VENC_P_FRAME]),
        Expect::new(Call::Mmap),
    ]);
    let g = get_stream(0, 0, None, null_mut());
    assert_eq!(g.ret, 0);
    // The wrong channel: nothing released, the token stays.
    let mut token = g.token;
    // SAFETY: valid pointers.
    assert_eq!(
        // SAFETY: live locals of the right size, or the NULL under test.
        unsafe { venc_release_stream(1, &mut token, &mut err) },
        VENC_ERR_VALUE
    );
    assert_eq!(token, g.token);
    // The MPP refuses the release: an OSError, and the stream is gone all the same (the
    // core unmapped it and forgot it; the fake still counts it, so it is settled below).
    expect([
        Expect::new(Call::Munmap),
        Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }).with_error(venc(num::ILLEGAL_PARAM)),
    ]);
    // SAFETY: valid pointers.
    assert_eq!(
        // SAFETY: live locals of the right size, or the NULL under test.
        unsafe { venc_release_stream(0, &mut token, &mut err) },
        VENC_ERR_OS
    );
    assert_eq!(token, 0);
    assert!(
        msg(&err).starts_with("kd_mpi_venc_release_stream failed"),
        "{}",
        msg(&err)
    );
    // Nothing left to release.
    token = g.token;
    // SAFETY: valid pointers.
    assert_eq!(
        // SAFETY: live locals of the right size, or the NULL under test.
        unsafe { venc_release_stream(0, &mut token, &mut err) },
        VENC_ERR_RUNTIME
    );
    assert!(msg(&err).contains("already released"), "{}", msg(&err));
    // Settle the fake's books for the refused release (the real driver would keep it).
    expect([Expect::new(Call::ReleaseStream { chn: 0, packs: 1 })]);
    let mut p = [k_venc_pack {
        phys_addr: g.packs[0].phys as _,
        len: 16,
        pts: 0,
        type_: K_VENC_P_FRAME,
    }];
    crate::hal::Mpp::venc_release_stream(&mut script::Scripted, 0, &mut p).unwrap();
    finish();
}

#[test]
fn links_and_owners_through_the_entry_points() {
    let _g = script::lock();
    let mut err = new_err();
    let bad = [99i64, 0, 0];
    let ok = [9i64, 0, 0];
    let mut token = 5u32;
    // SAFETY: valid pointers.
    let r = unsafe { venc_link(bad.as_ptr(), ok.as_ptr(), &mut token, &mut err) };
    assert_eq!((r, token), (VENC_ERR_VALUE, 5));
    assert!(
        msg(&err).starts_with("src[0] (module id) must be"),
        "{}",
        msg(&err)
    );
    expect([Expect::new(Call::Bind).with_error(crate::mpp::err::sys(num::NOT_PERM))]);
    // SAFETY: valid pointers.
    let r = unsafe { venc_link(ok.as_ptr(), ok.as_ptr(), &mut token, &mut err) };
    assert_eq!((r, err.code as u32), (VENC_ERR_OS, 0xa005_8009));
    // Unlinking an unknown link is not an error.
    assert_eq!(venc_unlink(12345, &mut err), 0);
    // Owners are distinct; dropping one that owns nothing does nothing.
    let (a, b) = (venc_encoder_new(), venc_encoder_new());
    assert_ne!(a, b);
    assert_eq!(venc_encoder_drop(a), 0);
    // The finaliser of the owner tears down what it created.
    let owner = started();
    expect(teardown_calls(0));
    assert_eq!(venc_encoder_drop(owner), 0);
    done();
}
