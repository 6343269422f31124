//! The C entry points, exactly as the glue calls them, over the scripted MPP: every
//! entry point, null and length checks, each error kind's conversion, and the sliced
//! wait (timeout arithmetic, blocking, abort by the poll callback, the channel torn down
//! by another caller while a wait runs). Each test ends with [`script::done`]: every
//! expected call made, every resource given back.

use core::ffi::c_void;
use core::ptr::{null, null_mut};
use std::ffi::CStr;
use std::string::String;
use std::sync::atomic::{AtomicU32, Ordering};

use super::script::{self, done, expect, Call, Expect};
use super::*;
use crate::capi::*;
use crate::mpp::err::{num, venc, MppError};

pub(super) fn new_err() -> VencError {
    VencError {
        kind: -7,
        code: -7,
        msg: [0x55; VENC_ERR_MSG_LEN],
    }
}

pub(super) fn msg(e: &VencError) -> String {
    let bytes: Vec<u8> = e.msg.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .expect("NUL-terminated")
        .to_str()
        .unwrap()
        .into()
}

/// Expectations that exist in the 2025 ABI generation only.
pub(super) fn abi_2025(calls: impl IntoIterator<Item = Call>) -> Vec<Expect> {
    if cfg!(feature = "abi-2025") {
        calls.into_iter().map(Expect::new).collect()
    } else {
        Vec::new()
    }
}

/// The Create expectations (H.264) of channel `chn`.
fn create_calls(chn: u32) -> Vec<Expect> {
    let mut v = abi_2025([Call::Attach(chn)]);
    v.push(Expect::new(Call::CreateChn(chn)));
    v.push(Expect::new(Call::EnableIdr(chn)));
    v
}

/// The teardown expectations of a started channel `chn` with no stream held (2025 ABI:
/// the destroy detaches the pool; it is destroyed next).
fn teardown_calls(chn: u32) -> Vec<Expect> {
    let mut v = std::vec![
        Expect::new(Call::StopChn(chn)),
        Expect::new(Call::DestroyChn(chn))
    ];
    v.extend(abi_2025([Call::DestroyPool(1)]));
    v
}

/// `kd_mpi_venc_get_stream` on channel 0 with room for one pack.
fn get_call(timeout: i32) -> Expect {
    Expect::new(Call::GetStream {
        chn: 0,
        room: 1,
        timeout,
    })
}

/// One GetStream slice of `timeout` ms on channel 0 that finds nothing.
fn empty_slice(timeout: i32) -> [Expect; 2] {
    [
        Expect::new(Call::QueryStatus(0)),
        get_call(timeout).with_error(venc(num::BUF_EMPTY)),
    ]
}

/// A GetStream on channel 0 that delivers a one-pack P frame and maps it.
fn p_frame(timeout: i32) -> [Expect; 3] {
    [
        Expect::new(Call::QueryStatus(0)),
        get_call(timeout).packs(&[K_VENC_P_FRAME]),
        Expect::new(Call::Mmap),
    ]
}

/// The release of one one-pack stream of channel 0.
fn release_one() -> [Expect; 2] {
    [
        Expect::new(Call::Munmap),
        Expect::new(Call::ReleaseStream { chn: 0, packs: 1 }),
    ]
}

/// A `kd_mpi_venc_send_frame` slice on channel 0.
fn send_call(timeout: i32) -> Expect {
    Expect::new(Call::SendFrame { chn: 0, timeout })
}

/// Channel 0 created (H.264 640x480) and started through the entry points.
fn started() -> u32 {
    expect(abi_2025([Call::CreatePool]));
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

/// Asserts a RuntimeError whose message starts with `start`.
fn assert_runtime(r: i32, err: &VencError, start: &str) {
    assert_eq!(r, VENC_ERR_RUNTIME);
    let m = msg(err);
    assert!(m.starts_with(start), "{m}");
}

/// Tears down channel 0, stopped but still created, and checks the script.
fn finish_stopped() {
    expect([Expect::new(Call::DestroyChn(0))]);
    expect(abi_2025([Call::DestroyPool(1)]));
    assert_eq!(venc_deinit_all(null_mut()), 0);
    done();
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

/// Counts its calls in `*ctx` (an AtomicU32); stops from the third on when asked to.
fn count_polls(ctx: *mut c_void) -> u32 {
    // SAFETY: the tests pass a live AtomicU32 as the context.
    unsafe { &*ctx.cast::<AtomicU32>() }.fetch_add(1, Ordering::SeqCst) + 1
}

unsafe extern "C" fn stop_at_third(ctx: *mut c_void) -> bool {
    count_polls(ctx) >= 3
}

unsafe extern "C" fn count_only(ctx: *mut c_void) -> bool {
    count_polls(ctx);
    false
}

fn ctx(n: &AtomicU32) -> *mut c_void {
    n as *const AtomicU32 as *mut c_void
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

/// SendFrame of a valid 640x480 frame on channel 0.
fn send_frame(timeout: i64, poll: VencPollFn, ctx: *mut c_void) -> (i32, VencError) {
    let f = frame_640x480();
    let b = frame_bytes(&f);
    let mut err = new_err();
    // SAFETY: `b` is the frame's readable bytes; the rest are live locals.
    let r = unsafe { venc_send_frame(0, b.as_ptr(), b.len(), timeout, poll, ctx, &mut err) };
    (r, err)
}

/// ReleaseStream of `*token` on `chn`.
fn release(chn: i64, token: &mut u32) -> (i32, VencError) {
    let mut err = new_err();
    // SAFETY: live locals.
    let r = unsafe { venc_release_stream(chn, token, &mut err) };
    (r, err)
}

/// MediaManager.link of two triples.
fn link(src: [i64; 3], dst: [i64; 3], token: &mut u32) -> (i32, VencError) {
    let mut err = new_err();
    // SAFETY: live locals of the right size.
    let r = unsafe { venc_link(src.as_ptr(), dst.as_ptr(), token, &mut err) };
    (r, err)
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
    let mut token = 0u32;
    assert_eq!(link([6, 0, 0], [9, 0, 0], &mut token).0, 0);
    assert_eq!(venc_is_linked(token), 1);

    // GetStream: what one get_stream delivers, as the MPP delivers it: here the first
    // parameter sets alone, then the I pack (never merged by the core).
    for t in [K_VENC_HEADER, K_VENC_I_FRAME] {
        expect([
            Expect::new(Call::QueryStatus(0)).packs(&[t]),
            get_call(0).packs(&[t]),
            Expect::new(Call::Mmap),
        ]);
        let g = get_stream(0, 0, Some(never_stop), null_mut());
        assert_eq!(g.ret, 0, "{}", msg(&g.err));
        assert_eq!((g.count, g.packs[0].stream_type), (1, t));
        assert_ne!(g.token, 0);
        assert!(g.packs[0].virt != 0 && g.packs[0].len == 16 && g.packs[0].pts == 40_000);

        // ReleaseStream: unmapped, released, token cleared.
        expect(release_one());
        let mut held = g.token;
        assert_eq!(release(0, &mut held).0, 0);
        assert_eq!(held, 0);
    }

    // SendFrame (the documented wait: 50 ms slices of at most 1000 ms).
    expect([send_call(50)]);
    let (r, err) = send_frame(VENC_SEND_TIMEOUT_MS, Some(never_stop), null_mut());
    assert_eq!(r, 0, "{}", msg(&err));

    // unlink, Stop (twice: allowed, the detach is not repeated), Destroy,
    // MediaManager.deinit, the Encoder's finaliser.
    let mut err = new_err();
    expect([Expect::new(Call::Unbind), Expect::new(Call::StopChn(0))]);
    expect(abi_2025([Call::Detach(0)]));
    expect([
        Expect::new(Call::StopChn(0)),
        Expect::new(Call::DestroyChn(0)),
    ]);
    expect(abi_2025([Call::DestroyPool(1)]));
    expect([Expect::new(Call::VbExit)]);
    assert_eq!(venc_unlink(token, &mut err), 0);
    assert_eq!(venc_is_linked(token), 0);
    assert_eq!(venc_stop(0, &mut err), 0);
    assert_eq!(venc_stop(0, &mut err), 0);
    assert_eq!(venc_destroy(0, &mut err), 0);
    assert_eq!(venc_media_deinit(&mut err), 0);
    assert_eq!(venc_encoder_drop(owner), 0);
    done();
}

#[test]
fn null_pointers_and_wrong_lengths_are_type_errors_without_mpp_calls() {
    let _g = script::lock();
    let mut err = new_err();
    let null_msg = |what: &str| std::format!("{what} must be given (NULL pointer)");
    // SAFETY: the NULL is what is tested; the rest is valid.
    let r = unsafe { venc_create(1, 0, null(), &mut err) };
    assert_eq!((r, err.kind), (VENC_ERR_TYPE, VENC_ERR_TYPE));
    assert_eq!(msg(&err), null_msg("Create: chnAttr"));
    // SAFETY: as above.
    let r = unsafe { venc_send_frame(0, null(), 224, 0, None, null_mut(), &mut err) };
    assert_eq!(
        (r, msg(&err)),
        (VENC_ERR_TYPE, null_msg("SendFrame: frame_info"))
    );
    let short = [0u8; 100];
    // SAFETY: `short` has the length passed.
    let r = unsafe { venc_send_frame(0, short.as_ptr(), 100, 0, None, null_mut(), &mut err) };
    assert_eq!(r, VENC_ERR_TYPE);
    assert!(msg(&err).contains("224-byte"), "{}", msg(&err));
    let (mut token, mut count) = (0u32, 0u32);
    let mut packs = [PackInfo::default(); PACK_CNT_MAX];
    let (t, p, c): (*mut u32, *mut PackInfo, *mut u32) =
        (&mut token, packs.as_mut_ptr(), &mut count);
    for (t, p, c) in [(null_mut(), p, c), (t, null_mut(), c), (t, p, null_mut())] {
        // SAFETY: as above.
        let r = unsafe { venc_get_stream(0, 0, t, p, c, None, null_mut(), &mut err) };
        assert_eq!(
            (r, msg(&err)),
            (VENC_ERR_TYPE, null_msg("GetStream: streamData"))
        );
    }
    // SAFETY: as above.
    let r = unsafe { venc_release_stream(0, null_mut(), &mut err) };
    assert_eq!(r, VENC_ERR_TYPE);
    let triple = [0i64; 3];
    // SAFETY: as above.
    let r = unsafe { venc_link(null(), triple.as_ptr(), &mut token, &mut err) };
    assert_eq!(r, VENC_ERR_TYPE);
    // SAFETY: as above.
    let r = unsafe { venc_link(triple.as_ptr(), triple.as_ptr(), null_mut(), &mut err) };
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
        "Start: chn must be in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3) (got 4)"
    );
    // RuntimeError: the state and what to do.
    assert_eq!(venc_start(0, &mut err), VENC_ERR_RUNTIME);
    assert_eq!(
        msg(&err),
        "Start(0): channel 0 is not created; call Create(0, chnAttr) first"
    );
    // OSError: the MPP call, the code and its name.
    let first = if cfg!(feature = "abi-2025") {
        Call::Attach(0)
    } else {
        Call::CreateChn(0)
    };
    expect(abi_2025([Call::CreatePool]));
    expect([Expect::new(first).with_error(venc(num::EXIST))]);
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
    // Timeout: the code, not an exception; the outputs are left alone.
    expect(create_calls(0));
    expect([Expect::new(Call::StartChn(0))]);
    expect(empty_slice(0));
    // SAFETY: valid pointers.
    assert_eq!(unsafe { venc_create(1, 0, &attr, &mut err) }, 0);
    assert_eq!(venc_start(0, &mut err), 0);
    let g = get_stream(0, 0, None, null_mut());
    assert_eq!((g.ret, g.err.code), (VENC_ERR_TIMEOUT, VENC_BUF_EMPTY));
    assert_eq!((g.token, g.count), (0, 99));
    finish();
}

#[test]
fn get_stream_waits_in_slices_until_its_timeout() {
    let _g = script::lock();
    started();
    // 120 ms: 50 + 50 + 20, polling between slices only.
    for slice in [50, 50, 20] {
        expect(empty_slice(slice));
    }
    let polls = AtomicU32::new(0);
    let g = get_stream(120, 0, Some(count_only), ctx(&polls));
    assert_eq!(g.ret, VENC_ERR_TIMEOUT);
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    // -1 blocks: slices of 50 ms until a stream comes.
    expect(empty_slice(50));
    expect(p_frame(50));
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_eq!((g.ret, g.count), (0, 1));
    // Below -1 is a ValueError before any MPP call.
    let g2 = get_stream(-2, 0, None, null_mut());
    assert_eq!(g2.ret, VENC_ERR_VALUE);
    let m = msg(&g2.err);
    assert!(
        m.starts_with("GetStream: timeout must be -1 (block)"),
        "{m}"
    );
    // A StreamData that still holds its stream is refused, its token left as it was.
    let g3 = get_stream(0, g.token, None, null_mut());
    assert_eq!((g3.ret, g3.token), (VENC_ERR_RUNTIME, g.token));
    expect(release_one());
    finish();
}

#[test]
fn the_poll_callback_stops_a_blocking_wait() {
    let _g = script::lock();
    started();
    for _ in 0..3 {
        expect(empty_slice(50));
    }
    let polls = AtomicU32::new(0);
    let g = get_stream(-1, 0, Some(stop_at_third), ctx(&polls));
    assert_eq!((g.ret, g.err.kind), (VENC_ERR_ABORTED, VENC_ERR_ABORTED));
    // The reservation was given up: the channel takes MAX_HELD streams again.
    for _ in 0..MAX_HELD {
        expect(p_frame(0));
        assert_eq!(get_stream(0, 0, None, null_mut()).ret, 0);
    }
    // deinit_all releases the held streams first.
    for _ in 0..MAX_HELD {
        expect(release_one());
    }
    finish();
}

#[test]
fn a_channel_torn_down_while_get_stream_waits_ends_the_wait() {
    let _g = script::lock();
    started();
    // Another caller tears the channel down during the first slice (the finaliser of the
    // Encoder on another thread, or deinit_all): the wait ends at the next check.
    let deinit = || assert_eq!(venc_deinit_all(null_mut()), 0);
    let [query, get] = empty_slice(50);
    expect([query, get.during(deinit)]);
    expect(teardown_calls(0));
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_eq!(g.ret, VENC_ERR_RUNTIME);
    assert_eq!(
        msg(&g.err),
        "GetStream: the channel was stopped and destroyed while GetStream waited"
    );
    // A stream that arrives as the channel goes went with the destroyed channel: only its
    // mapping is undone, nothing is released on the gone channel.
    started();
    let [query, get, map] = p_frame(50);
    expect([query, get.during(deinit)]);
    expect(teardown_calls(0));
    expect([map, Expect::new(Call::Munmap)]);
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_eq!(g.ret, VENC_ERR_RUNTIME);
    done();
}

#[test]
fn send_frame_waits_its_timeout_in_slices_and_can_be_stopped() {
    let _g = script::lock();
    started();
    let full = venc(num::BUF_FULL);
    // The documented 1000 ms: twenty slices of 50 ms.
    expect((0..20).map(|_| send_call(50).with_error(full)));
    let (r, err) = send_frame(VENC_SEND_TIMEOUT_MS, None, null_mut());
    assert_eq!((r, err.code), (VENC_ERR_TIMEOUT, full.code()));
    // Stopped by the callback at its third call.
    expect((0..3).map(|_| send_call(50).with_error(full)));
    let polls = AtomicU32::new(0);
    let (r, _) = send_frame(VENC_SEND_TIMEOUT_MS, Some(stop_at_third), ctx(&polls));
    assert_eq!(r, VENC_ERR_ABORTED);
    // Another MPP failure is an OSError at once.
    expect([send_call(0).with_error(venc(num::BADADDR))]);
    let (r, err) = send_frame(0, None, null_mut());
    assert_eq!(r, VENC_ERR_OS);
    let m = msg(&err);
    assert!(
        m.starts_with("kd_mpi_venc_send_frame failed: K_ERR_VENC_BADADDR"),
        "{m}"
    );
    // The channel stopped by another caller during the wait: the next check says so.
    let stop = || assert_eq!(venc_stop(0, null_mut()), 0);
    expect([send_call(50).with_error(full).during(stop)]);
    expect([Expect::new(Call::StopChn(0))]);
    expect(abi_2025([Call::Detach(0)]));
    let (r, err) = send_frame(VENC_SEND_TIMEOUT_MS, None, null_mut());
    assert_runtime(
        r,
        &err,
        "SendFrame(0): channel 0 is created but not started",
    );
    finish_stopped();
}

#[test]
fn release_stream_says_whether_the_stream_is_gone() {
    let _g = script::lock();
    started();
    expect(p_frame(0));
    let g = get_stream(0, 0, None, null_mut());
    assert_eq!(g.ret, 0);
    // The wrong channel: nothing released, the token stays.
    let mut token = g.token;
    assert_eq!(release(1, &mut token).0, VENC_ERR_VALUE);
    assert_eq!(token, g.token);
    // The MPP refuses the release: an OSError, and the script's hold ends (its token is
    // cleared); the core keeps the stream, pending, and the next teardown releases it.
    let [unmap, rel] = release_one();
    expect([unmap, rel.with_error(venc(num::ILLEGAL_PARAM))]);
    let (r, err) = release(0, &mut token);
    assert_eq!((r, token), (VENC_ERR_OS, 0));
    let m = msg(&err);
    assert!(m.starts_with("kd_mpi_venc_release_stream failed"), "{m}");
    // Nothing left to release for the script.
    token = g.token;
    let (r, err) = release(0, &mut token);
    assert_eq!(r, VENC_ERR_RUNTIME);
    assert!(msg(&err).contains("already released"), "{}", msg(&err));
    // The teardown retries the release (the pack was unmapped already) before the stop.
    expect([Expect::new(Call::ReleaseStream { chn: 0, packs: 1 })]);
    finish();
}

#[test]
fn links_and_owners_through_the_entry_points() {
    let _g = script::lock();
    let mut token = 5u32;
    let (r, err) = link([99, 0, 0], [9, 0, 0], &mut token);
    assert_eq!((r, token), (VENC_ERR_VALUE, 5));
    let m = msg(&err);
    assert!(
        m.starts_with("MediaManager.link: src[0] (module id) must be"),
        "{m}"
    );
    let perm: MppError = crate::mpp::err::sys(num::NOT_PERM);
    expect([Expect::new(Call::Bind).with_error(perm)]);
    let (r, err) = link([9, 0, 0], [9, 0, 0], &mut token);
    assert_eq!((r, err.code as u32), (VENC_ERR_OS, 0xa005_8009));
    // Unlinking an unknown link is not an error.
    assert_eq!(venc_unlink(12345, null_mut()), 0);
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

#[test]
fn a_channel_stopped_while_get_stream_waits_ends_the_wait() {
    let _g = script::lock();
    started();
    let stop = || assert_eq!(venc_stop(0, null_mut()), 0);
    let [query, get] = empty_slice(50);
    expect([query, get.during(stop)]);
    expect([Expect::new(Call::StopChn(0))]);
    expect(abi_2025([Call::Detach(0)]));
    let g = get_stream(-1, 0, Some(never_stop), null_mut());
    assert_runtime(
        g.ret,
        &g.err,
        "GetStream(0): channel 0 is created but not started",
    );
    finish_stopped();
}

#[test]
fn a_frame_of_any_other_size_is_a_type_error() {
    let _g = script::lock();
    started();
    let f = frame_640x480();
    let mut long = frame_bytes(&f).to_vec();
    long.push(0);
    let mut err = new_err();
    for len in [long.len(), long.len() - 2, 0] {
        // SAFETY: `long` holds at least `len` readable bytes.
        let r = unsafe { venc_send_frame(0, long.as_ptr(), len, 0, None, null_mut(), &mut err) };
        assert_eq!(r, VENC_ERR_TYPE, "{len} bytes");
        assert!(msg(&err).contains("224-byte"), "{}", msg(&err));
    }
    finish();
}

#[test]
fn a_call_out_of_script_is_reported_by_done_not_aborted() {
    let _g = script::lock();
    // No expectation: the entry point gets K_FAILED back and returns; done() names the call.
    let mut err = new_err();
    expect(abi_2025([Call::CreatePool]));
    assert_eq!(venc_set_out_bufs(0, 4, 640, 480, &mut err), 0);
    let attr = h264();
    // SAFETY: valid pointers.
    assert_eq!(unsafe { venc_create(1, 0, &attr, &mut err) }, VENC_ERR_OS);
    let report = std::panic::catch_unwind(done).expect_err("done() must fail");
    let text = report.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("out of script"), "{text}");
    // The next test's script::lock() starts from a fresh script and module state.
}

#[test]
fn the_implicit_channel_entry_points() {
    let _g = script::lock();
    let mut err = new_err();
    // SetOutBufs(buf_num, width, height) checks its arguments at once.
    assert_eq!(venc_check_out_bufs(0, 640, 480, &mut err), VENC_ERR_VALUE);
    assert_eq!(msg(&err), "SetOutBufs: buf_num must be in 1..256 (got 0)");
    assert_eq!(venc_check_out_bufs(4, 640, 480, &mut err), 0);
    let owner = venc_encoder_new();
    assert_eq!(venc_encoder_chn(owner), -1);
    let attr = h264();
    let bufs = [4i64, 640, 480];
    let mut chn = 99i64;
    // SAFETY: NULL is what is tested; the rest is valid.
    let r = unsafe { venc_create_requested(owner, bufs.as_ptr(), null(), &mut chn, &mut err) };
    assert_eq!((r, chn), (VENC_ERR_TYPE, 99));
    // SAFETY: valid pointers; no SetOutBufs (NULL bufs).
    let r = unsafe { venc_create_requested(owner, null(), &attr, &mut chn, &mut err) };
    assert_runtime(
        r,
        &err,
        "Create(chnAttr): call SetOutBufs(buf_num, width, height)",
    );
    // A method before Create names the missing channel.
    assert_eq!(
        venc_start(venc_encoder_chn(owner), &mut err),
        VENC_ERR_VALUE
    );
    assert!(
        msg(&err).starts_with("Start: no channel requested yet"),
        "{}",
        msg(&err)
    );
    // Create(chnAttr): the channel, its pool and the create.
    let mut calls = abi_2025([Call::RequestChn, Call::CreatePool]);
    calls.extend(create_calls(0));
    expect(calls);
    // SAFETY: valid pointers.
    let r = unsafe { venc_create_requested(owner, bufs.as_ptr(), &attr, &mut chn, &mut err) };
    assert_eq!((r, chn, venc_encoder_chn(owner)), (0, 0, 0));
    // Destroy gives it all back.
    expect([Expect::new(Call::DestroyChn(0))]);
    expect(abi_2025([Call::DestroyPool(1), Call::ReleaseChn(0)]));
    assert_eq!(venc_destroy(0, &mut err), 0);
    assert_eq!(venc_encoder_chn(owner), -1);
    done();
}
