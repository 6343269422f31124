//! `multimedia.rtsp_server` of the simulator: the servers a script made, their sessions, and
//! the C functions `boards/unix_sim/modmultimedia.c` binds (`sim/include/k230_sim_rtsp.h`).
//!
//! Each Python `rtsp_server` object owns a handle here ([`k230_sim_rtsp_new`]). With the
//! crate's `rtsp` feature (on by default) an initialised handle holds a
//! [`k230_sim_rtsp::Server`] (GStreamer's gst-rtsp-server); without it (`--no-default-features`,
//! the riscv64 build) `rtspserver_init` fails with [`UNAVAILABLE`] and a message saying so.
//!
//! As on the board (neighbours facts 4.1): `rtspserver_init(port)` listens (-1 when it cannot,
//! e.g. the port is in use), `rtspserver_createsession(name, video_type, enable_audio)` adds
//! `/<name>` (0 also when it exists; -1 for an unknown video type), `rtspserver_start()`
//! answers clients, `rtspserver_stop()` closes every client and stops answering,
//! `rtspserver_deinit()` closes the socket. The timestamp given with the data is ignored:
//! the server stamps what it gets with its own clock. Differences, on purpose: calls in the
//! wrong state and bad arguments are exceptions (the board crashes or misbehaves), an unknown
//! session is -1 for every call that names one, and the server listens on 127.0.0.1 unless
//! `K230_SIM_RTSP_ADDRESS` names another address ([`ADDRESS_ENV`]).
//!
//! Starting a server switches the sensor clock to realtime
//! ([`crate::policy::Switches::realtime_clock`]) until the last started server stops (the
//! clock the script had comes back then), so that clients get frames at the sensor's rate.
//!
//! What a client that cannot keep up loses: [`crate::policy::RTSP_DROP_REST_OF_GOP`],
//! [`crate::policy::RTSP_CLIENT_QUEUE`].

use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Environment variable naming the address the servers listen on (read by each
/// `rtspserver_init`); default [`DEFAULT_ADDRESS`]: a camera stream is not exposed to the
/// network unless asked for. `0.0.0.0` (or `::`) listens on every interface.
pub const ADDRESS_ENV: &str = "K230_SIM_RTSP_ADDRESS";
/// The address the servers listen on by default.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1";

/// `multi_media_type.media_h264`.
pub const MEDIA_H264: i32 = 0;
/// `multi_media_type.media_h265`.
pub const MEDIA_H265: i32 = 1;
/// `multi_media_type.media_mjpeg`.
pub const MEDIA_MJPEG: i32 = 2;

/// Status: done.
pub const OK: i32 = 0;
/// Status: the board's -1 (port in use, unknown session or video type, ...): the message
/// says why; the binding prints it and returns -1.
pub const FAIL: i32 = -1;
/// Status: a bad argument (the binding raises ValueError with the message).
pub const BAD_ARG: i32 = -2;
/// Status: a call in the wrong state, e.g. before `rtspserver_init` (RuntimeError).
pub const STATE: i32 = -3;
/// Status: this simulator was built without RTSP (RuntimeError).
pub const UNAVAILABLE: i32 = -4;

/// Longest session name.
pub const MAX_NAME: usize = 128;

/// A failed call: status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    /// [`FAIL`], [`BAD_ARG`], [`STATE`] or [`UNAVAILABLE`].
    pub code: i32,
    /// What went wrong, for the script's author.
    pub msg: String,
}

fn fail<T>(code: i32, msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail {
        code,
        msg: msg.into(),
    })
}

/// The codec of a session, for telling key pieces apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// H.264.
    H264,
    /// H.265.
    H265,
    /// JPEG pictures.
    Mjpeg,
}

impl Codec {
    fn from_media_type(t: i32) -> Option<Codec> {
        match t {
            MEDIA_H264 => Some(Codec::H264),
            MEDIA_H265 => Some(Codec::H265),
            MEDIA_MJPEG => Some(Codec::Mjpeg),
            _ => None,
        }
    }

    #[cfg(feature = "rtsp")]
    fn video(self) -> k230_sim_rtsp::Video {
        match self {
            Codec::H264 => k230_sim_rtsp::Video::H264,
            Codec::H265 => k230_sim_rtsp::Video::H265,
            Codec::Mjpeg => k230_sim_rtsp::Video::Jpeg,
        }
    }
}

/// Whether a piece of stream starts a group of pictures a decoder can start from: it holds
/// parameter sets (H.264 SPS / PPS; H.265 VPS / SPS / PPS) or an IDR / IRAP picture (H.265
/// types 16..21). Every JPEG picture does. The piece is Annex-B (NAL units after 00 00 01 or
/// 00 00 00 01 start codes); one without a start code is read as one NAL unit.
pub fn is_key(codec: Codec, data: &[u8]) -> bool {
    let syntax = match codec {
        Codec::H264 => crate::nal::Syntax::H264,
        Codec::H265 => crate::nal::Syntax::H265,
        Codec::Mjpeg => return true,
    };
    crate::nal::units(data).iter().any(|u| {
        let t = syntax.nal_type(&data[u.payload..u.end]);
        syntax.is_key(t) || syntax.is_parameter_set(t)
    })
}

/// Checks a session name: 1..=[`MAX_NAME`] characters from `A-Z a-z 0-9 - _ . ~ /`, not
/// starting or ending with `/` (it becomes the URL's path).
pub fn check_name(name: &str) -> Result<(), Fail> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-_.~/".contains(c);
    if name.is_empty() || name.len() > MAX_NAME {
        return fail(
            BAD_ARG,
            format!("session name must have 1 to {MAX_NAME} characters"),
        );
    }
    if !name.chars().all(ok_char) || name.starts_with('/') || name.ends_with('/') {
        return fail(
            BAD_ARG,
            format!(
                "session name {name:?}: use letters, digits and - _ . ~ / (not first or last), \
                 it becomes the URL's path"
            ),
        );
    }
    Ok(())
}

/// The host part of the URLs: the listening address, or for an unspecified one (`0.0.0.0`,
/// `::`) this machine's address on its default route (found without sending anything),
/// else 127.0.0.1; an IPv6 address in brackets.
fn url_host(addr: IpAddr) -> String {
    let addr = if addr.is_unspecified() {
        // connect() on a UDP socket only picks the route and the local address.
        std::net::UdpSocket::bind("0.0.0.0:0")
            .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
            .and_then(|s| s.local_addr())
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]))
    } else {
        addr
    };
    match addr {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

/// A session as the script created it.
#[derive(Clone, Copy, Debug)]
struct Session {
    #[cfg_attr(not(feature = "rtsp"), allow(dead_code))]
    codec: Codec,
    audio: bool,
}

/// An initialised server.
struct Inited {
    #[cfg(feature = "rtsp")]
    server: k230_sim_rtsp::Server,
    host: String,
    port: u16,
    sessions: HashMap<String, Session>,
    started: bool,
}

/// All handles; the clock the script had before the first started server.
#[derive(Default)]
struct Registry {
    next: u32,
    /// Handle -> its server (None: not initialised).
    slots: HashMap<u32, Option<Inited>>,
    started: u32,
    clock_before: bool,
}

fn registry() -> MutexGuard<'static, Registry> {
    static REG: OnceLock<Mutex<Registry>> = OnceLock::new();
    REG.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    fn inited(&mut self, h: u32, call: &str) -> Result<&mut Inited, Fail> {
        match self.slots.get_mut(&h) {
            Some(Some(s)) => Ok(s),
            _ => fail(
                STATE,
                format!("{call}: the server is not initialised (call rtspserver_init(port) first)"),
            ),
        }
    }

    /// A server starts: the first one switches the sensor clock to realtime.
    fn clock_hold(&mut self) {
        if self.started == 0 {
            let mut sim = crate::state::lock();
            self.clock_before = sim.switches.realtime_clock;
            sim.set_switch(crate::policy::CLOCK_SWITCH, true);
        }
        self.started += 1;
    }

    /// A server stops: after the last one the clock is what it was.
    fn clock_release(&mut self) {
        self.started = self.started.saturating_sub(1);
        if self.started == 0 {
            let before = self.clock_before;
            crate::state::lock().set_switch(crate::policy::CLOCK_SWITCH, before);
        }
    }

    fn stop(&mut self, h: u32) {
        let Some(Some(s)) = self.slots.get_mut(&h) else {
            return;
        };
        if !s.started {
            return;
        }
        #[cfg(feature = "rtsp")]
        s.server.stop();
        s.started = false;
        self.clock_release();
    }

    fn deinit(&mut self, h: u32) {
        self.stop(h);
        if let Some(slot) = self.slots.get_mut(&h) {
            // Dropping the server closes its socket.
            *slot = None;
        }
    }
}

/// A new handle (never 0), not initialised.
pub fn new_handle() -> u32 {
    let mut r = registry();
    loop {
        r.next = r.next.wrapping_add(1);
        let h = r.next;
        if h != 0 && !r.slots.contains_key(&h) {
            r.slots.insert(h, None);
            return h;
        }
    }
}

/// Deinitialises the handle's server and forgets the handle.
pub fn free_handle(h: u32) {
    let mut r = registry();
    r.deinit(h);
    r.slots.remove(&h);
}

/// `rtspserver_init(port)`: listens on [`ADDRESS_ENV`]'s address (default 127.0.0.1) and
/// `port` (0: a free one, which the URLs then name).
///
/// # Errors
/// [`BAD_ARG`] for a port outside 0..=65535, [`FAIL`] when already initialised, when the
/// address is not an IP address or the socket cannot be bound (port in use), [`UNAVAILABLE`]
/// without the `rtsp` feature, [`STATE`] for an unknown handle.
pub fn init(h: u32, port: i64) -> Result<(), Fail> {
    let Ok(port) = u16::try_from(port) else {
        return fail(BAD_ARG, format!("port {port} out of range 0..65535"));
    };
    #[cfg_attr(not(feature = "rtsp"), allow(unused_mut))]
    let mut r = registry();
    match r.slots.get(&h) {
        None => return fail(STATE, "rtspserver_init: this server was destroyed"),
        Some(Some(_)) => {
            return fail(
                FAIL,
                "rtspserver_init: already initialised (rtspserver_deinit() first)",
            )
        }
        Some(None) => {}
    }
    let text = std::env::var(ADDRESS_ENV).unwrap_or_else(|_| DEFAULT_ADDRESS.to_owned());
    let Ok(addr) = text.parse::<IpAddr>() else {
        return fail(
            FAIL,
            format!("rtspserver_init: {ADDRESS_ENV}={text:?} is not an IP address"),
        );
    };
    #[cfg(feature = "rtsp")]
    {
        let policy = k230_sim_rtsp::QueuePolicy {
            items: crate::policy::RTSP_CLIENT_QUEUE,
            drop_rest_of_gop: crate::policy::RTSP_DROP_REST_OF_GOP,
        };
        let server = match k230_sim_rtsp::Server::bind(&addr.to_string(), port, policy) {
            Ok(s) => s,
            Err(e @ k230_sim_rtsp::Error::Init(_)) => {
                return fail(UNAVAILABLE, format!("rtspserver_init: {e}"))
            }
            Err(e) => return fail(FAIL, format!("rtspserver_init: {e}")),
        };
        let port = server.port();
        r.slots.insert(
            h,
            Some(Inited {
                server,
                host: url_host(addr),
                port,
                sessions: HashMap::new(),
                started: false,
            }),
        );
        Ok(())
    }
    #[cfg(not(feature = "rtsp"))]
    {
        let _ = (addr, port, url_host);
        fail(
            UNAVAILABLE,
            "rtspserver_init: this simulator was built without RTSP (its cargo feature rtsp, \
             GStreamer's gst-rtsp-server; the riscv64 build leaves it out)",
        )
    }
}

/// `rtspserver_createsession(name, video_type, enable_audio)`: 0 also when the session
/// exists (its first codec stays, as on the board).
///
/// # Errors
/// [`BAD_ARG`] for a bad name, [`FAIL`] for an unknown video type or a codec whose GStreamer
/// elements are missing, [`STATE`] before init.
pub fn create_session(h: u32, name: &str, video_type: i64, audio: bool) -> Result<(), Fail> {
    check_name(name)?;
    let Some(codec) = i32::try_from(video_type)
        .ok()
        .and_then(Codec::from_media_type)
    else {
        return fail(
            FAIL,
            format!(
                "rtspserver_createsession: unknown video type {video_type} (multi_media_type.\
                 media_h264 0, media_h265 1, media_mjpeg 2)"
            ),
        );
    };
    let mut r = registry();
    let s = r.inited(h, "rtspserver_createsession")?;
    if s.sessions.contains_key(name) {
        return Ok(());
    }
    #[cfg(feature = "rtsp")]
    if let Err(e) = s.server.add_session(name, codec.video(), audio) {
        return fail(FAIL, format!("rtspserver_createsession: {e}"));
    }
    s.sessions.insert(name.to_owned(), Session { codec, audio });
    Ok(())
}

/// `rtspserver_getrtspurl(name)`: `rtsp://<host>:<port>/<name>` (`:<port>` left out for
/// 554, as live555 writes it).
///
/// # Errors
/// [`FAIL`] for an unknown session (the binding raises ValueError: the board crashes),
/// [`STATE`] before init.
pub fn url(h: u32, name: &str) -> Result<String, Fail> {
    let mut r = registry();
    let s = r.inited(h, "rtspserver_getrtspurl")?;
    if !s.sessions.contains_key(name) {
        return fail(
            FAIL,
            format!(
                "rtspserver_getrtspurl: no session {name:?} (rtspserver_createsession creates it)"
            ),
        );
    }
    Ok(if s.port == 554 {
        format!("rtsp://{}/{name}", s.host)
    } else {
        format!("rtsp://{}:{}/{name}", s.host, s.port)
    })
}

/// `rtspserver_sendvideodata` / `rtspserver_sendaudiodata`: gives `data` (copied) to the
/// session's clients; never waits.
///
/// # Errors
/// [`FAIL`] for an unknown session or audio to a session without audio, [`STATE`] before
/// init.
pub fn send(h: u32, name: &str, audio: bool, data: &[u8]) -> Result<(), Fail> {
    let call = if audio {
        "rtspserver_sendaudiodata"
    } else {
        "rtspserver_sendvideodata"
    };
    let mut r = registry();
    let s = r.inited(h, call)?;
    let Some(sess) = s.sessions.get(name).copied() else {
        return fail(FAIL, format!("{call}: no session {name:?}"));
    };
    if audio && !sess.audio {
        return fail(
            FAIL,
            format!("{call}: session {name:?} has no audio (created with enable_audio False)"),
        );
    }
    #[cfg(feature = "rtsp")]
    {
        if audio {
            s.server.send_audio(name, data);
        } else {
            s.server.send_video(name, data, is_key(sess.codec, data));
        }
    }
    #[cfg(not(feature = "rtsp"))]
    let _ = data;
    Ok(())
}

/// `rtspserver_start()`: answers clients (nothing if started); the sensor clock turns
/// realtime.
///
/// # Errors
/// [`STATE`] before init, [`FAIL`] when the server thread cannot start.
pub fn start(h: u32) -> Result<(), Fail> {
    let mut r = registry();
    let s = r.inited(h, "rtspserver_start")?;
    if s.started {
        return Ok(());
    }
    #[cfg(feature = "rtsp")]
    if let Err(e) = s.server.start() {
        return fail(FAIL, format!("rtspserver_start: {e}"));
    }
    s.started = true;
    r.clock_hold();
    Ok(())
}

/// `rtspserver_stop()`: closes every client and stops answering (nothing if not started).
pub fn stop(h: u32) {
    registry().stop(h);
}

/// `rtspserver_destroysession(name)`: its clients get the end of the stream.
///
/// # Errors
/// [`FAIL`] for an unknown session, [`STATE`] before init.
pub fn destroy_session(h: u32, name: &str) -> Result<(), Fail> {
    let mut r = registry();
    let s = r.inited(h, "rtspserver_destroysession")?;
    if s.sessions.remove(name).is_none() {
        return fail(
            FAIL,
            format!("rtspserver_destroysession: no session {name:?}"),
        );
    }
    #[cfg(feature = "rtsp")]
    s.server.remove_session(name);
    Ok(())
}

/// `rtspserver_deinit()`: stops and closes the server (nothing if not initialised); the
/// handle may be initialised again.
pub fn deinit(h: u32) {
    registry().deinit(h);
}

/// The firmware's teardown between two scripts: every server stopped and closed.
pub fn deinit_all() {
    let mut r = registry();
    let handles: Vec<u32> = r.slots.keys().copied().collect();
    for h in handles {
        r.deinit(h);
    }
}

/// Servers initialised and not deinitialised (the live report's `rtsp_servers`).
pub fn live() -> u32 {
    registry().slots.values().filter(|s| s.is_some()).count() as u32
}

/// The counters of session `name` of server `h` (clients, pieces queued and dropped).
#[cfg(feature = "rtsp")]
pub fn counters(h: u32, name: &str) -> Option<k230_sim_rtsp::Counters> {
    let mut r = registry();
    let s = r.inited(h, "counters").ok()?;
    s.server.counters(name)
}

// ---- C interface (sim/include/k230_sim_rtsp.h) ---------------------------------------------

/// Writes `text` NUL-terminated into `out` (`cap` bytes), cut to fit (NULL or 0: nothing).
fn write_text(out: *mut c_char, cap: usize, text: &str) {
    if out.is_null() || cap == 0 {
        return;
    }
    let n = text.len().min(cap - 1);
    // SAFETY: `out` has room for `cap` bytes (caller's contract) and n + 1 <= cap.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), out.cast::<u8>(), n);
        *out.add(n) = 0;
    }
}

/// The status of `r`, its message written to `msg`.
fn status(r: Result<(), Fail>, msg: *mut c_char, cap: usize) -> i32 {
    match r {
        Ok(()) => {
            write_text(msg, cap, "");
            OK
        }
        Err(f) => {
            write_text(msg, cap, &f.msg);
            f.code
        }
    }
}

/// The NUL-terminated `name` as UTF-8.
///
/// # Safety
/// `name` is NULL or NUL-terminated.
unsafe fn name_arg<'a>(name: *const c_char) -> Result<&'a str, Fail> {
    if name.is_null() {
        return fail(BAD_ARG, "session name missing");
    }
    // SAFETY: non-NULL and NUL-terminated, per the contract.
    unsafe { CStr::from_ptr(name) }
        .to_str()
        .or_else(|_| fail(BAD_ARG, "session name is not UTF-8"))
}

/// A new server handle (never 0), not initialised.
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_new() -> u32 {
    new_handle()
}

/// Deinitialises and forgets handle `h` (the finaliser).
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_free(h: u32) {
    free_handle(h);
}

/// See [`init`]. Status, message in `msg`.
///
/// # Safety
/// `msg` is NULL or has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_rtsp_init(
    h: u32,
    port: i64,
    msg: *mut c_char,
    cap: usize,
) -> i32 {
    status(init(h, port), msg, cap)
}

/// See [`create_session`]. Status, message in `msg`.
///
/// # Safety
/// `name` is NULL or NUL-terminated; `msg` is NULL or has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_rtsp_create_session(
    h: u32,
    name: *const c_char,
    video_type: i64,
    audio: i32,
    msg: *mut c_char,
    cap: usize,
) -> i32 {
    // SAFETY: forwarded contract.
    let r = unsafe { name_arg(name) }.and_then(|n| create_session(h, n, video_type, audio != 0));
    status(r, msg, cap)
}

/// See [`url`]: the URL (status 0) or the message in `out`.
///
/// # Safety
/// `name` is NULL or NUL-terminated; `out` is NULL or has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_rtsp_url(
    h: u32,
    name: *const c_char,
    out: *mut c_char,
    cap: usize,
) -> i32 {
    // SAFETY: forwarded contract.
    match unsafe { name_arg(name) }.and_then(|n| url(h, n)) {
        Ok(u) => {
            write_text(out, cap, &u);
            OK
        }
        Err(f) => {
            write_text(out, cap, &f.msg);
            f.code
        }
    }
}

/// See [`send`]: `len` bytes at `data` (copied before returning), video or (`audio` != 0)
/// audio. Status, message in `msg`.
///
/// # Safety
/// `name` is NULL or NUL-terminated; `data` is NULL (then `len` must be 0) or readable for
/// `len` bytes; `msg` is NULL or has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_rtsp_send(
    h: u32,
    name: *const c_char,
    audio: i32,
    data: *const u8,
    len: usize,
    msg: *mut c_char,
    cap: usize,
) -> i32 {
    let bytes: &[u8] = if data.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: readable for `len` bytes, per the contract.
        unsafe { std::slice::from_raw_parts(data, len) }
    };
    if data.is_null() && len != 0 {
        return status(fail(BAD_ARG, "data missing"), msg, cap);
    }
    // SAFETY: forwarded contract.
    let r = unsafe { name_arg(name) }.and_then(|n| send(h, n, audio != 0, bytes));
    status(r, msg, cap)
}

/// See [`start`]. Status, message in `msg`.
///
/// # Safety
/// `msg` is NULL or has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_rtsp_start(h: u32, msg: *mut c_char, cap: usize) -> i32 {
    status(start(h), msg, cap)
}

/// See [`stop`].
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_stop(h: u32) {
    stop(h);
}

/// See [`destroy_session`]. Status, message in `msg`.
///
/// # Safety
/// `name` is NULL or NUL-terminated; `msg` is NULL or has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_rtsp_destroy_session(
    h: u32,
    name: *const c_char,
    msg: *mut c_char,
    cap: usize,
) -> i32 {
    // SAFETY: forwarded contract.
    let r = unsafe { name_arg(name) }.and_then(|n| destroy_session(h, n));
    status(r, msg, cap)
}

/// See [`deinit`].
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_deinit(h: u32) {
    deinit(h);
}

/// See [`deinit_all`].
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_deinit_all() {
    deinit_all();
}

/// See [`live`].
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_live() -> u32 {
    live()
}

/// 1 if this simulator was built with RTSP (the `rtsp` feature), else 0.
#[no_mangle]
pub extern "C" fn k230_sim_rtsp_available() -> i32 {
    i32::from(cfg!(feature = "rtsp"))
}
