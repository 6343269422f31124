//! k230-sim-rtsp: the RTSP server behind the simulator's `multimedia.rtsp_server`, over
//! GStreamer's gst-rtsp-server.
//!
//! One [`Server`] listens on one TCP port (RTSP over TCP; the media go over RTP/RTCP on UDP or
//! interleaved in the TCP connection, as each client asks). Each session is a mount point
//! `/<name>` whose media is built per client (not shared), from a launch line of the shape
//!
//! ```text
//! ( appsrc name=vsrc ! h264parse ! rtph264pay name=pay0   [ appsrc name=asrc ! rtppcmupay name=pay1 ] )
//! ```
//!
//! (`h265parse ! rtph265pay` for H.265, `jpegparse ! rtpjpegpay` for MJPEG). The sender hands
//! each piece of stream it gets ([`Server::send_video`], [`Server::send_audio`]) to every
//! client's `appsrc` at once, as one buffer, without waiting for anything: `appsrc` only
//! queues it, and its own streaming thread feeds the client's pipeline. `appsrc` stamps each
//! buffer with the pipeline clock when it arrives (`do-timestamp`), so the sender's timestamps
//! play no part, as with the board's live555 server (which stamps what it pops with the wall
//! clock).
//!
//! What a client that cannot keep up loses is the caller's choice ([`QueuePolicy`]): each
//! client has a queue of at most [`QueuePolicy::items`] buffers (its `appsrc`); when it is
//! full, either the rest of the group of pictures is dropped for that client (the buffer that
//! did not fit and everything after it up to the next key buffer: the client sees the pictures
//! it has, a gap, then a clean restart at the next IDR), or the oldest buffer in the queue is
//! dropped (`appsrc` `leaky-type=downstream`, the board's rule). A client that joins late is
//! first given the next key buffer (parameter sets or an IDR), so its first picture decodes.
//!
//! GStreamer is initialised by the first [`Server::bind`], not before (a program that never
//! serves RTSP starts no GStreamer thread). The server's own main loop (a thread) runs between
//! [`Server::start`] and [`Server::stop`]; the socket is bound by [`Server::bind`] and closed
//! when the [`Server`] is dropped.

#![deny(missing_docs)]

use gst::glib;
use gst::prelude::*;
use gst_rtsp_server::prelude::*;
use gst_rtsp_server::{RTSPFilterResult, RTSPMediaFactory, RTSPServer};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

/// The video codec of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Video {
    /// H.264 Annex-B byte stream (RTP payload as RFC 6184).
    H264,
    /// H.265 Annex-B byte stream (RFC 7798).
    H265,
    /// Baseline JPEG pictures (RFC 2435).
    Jpeg,
}

impl Video {
    /// The GStreamer elements a session of this codec needs (parser, payloader).
    pub fn elements(self) -> [&'static str; 2] {
        match self {
            Video::H264 => ["h264parse", "rtph264pay"],
            Video::H265 => ["h265parse", "rtph265pay"],
            Video::Jpeg => ["jpegparse", "rtpjpegpay"],
        }
    }

    fn launch(self) -> &'static str {
        match self {
            Video::H264 => {
                "appsrc name=vsrc caps=video/x-h264,stream-format=byte-stream ! h264parse \
                 ! rtph264pay name=pay0 pt=96 config-interval=-1"
            }
            Video::H265 => {
                "appsrc name=vsrc caps=video/x-h265,stream-format=byte-stream ! h265parse \
                 ! rtph265pay name=pay0 pt=96 config-interval=-1"
            }
            Video::Jpeg => {
                "appsrc name=vsrc caps=image/jpeg,framerate=0/1 ! jpegparse ! rtpjpegpay name=pay0 pt=26"
            }
        }
    }
}

/// The audio track a session may have: G.711 µ-law, 8000 Hz, mono (RTP PCMU).
const AUDIO_LAUNCH: &str = "appsrc name=asrc caps=audio/x-mulaw,rate=8000,channels=1 \
                            ! rtppcmupay name=pay1 pt=0";
/// G.711 µ-law silence.
const MULAW_SILENCE: u8 = 0xff;
/// 20 ms of 8000 Hz audio.
const PRIMING_BYTES: usize = 160;
/// Elements of the audio track.
pub const AUDIO_ELEMENTS: [&str; 1] = ["rtppcmupay"];

/// How much a client may lag and what it loses beyond that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuePolicy {
    /// Buffers (pieces of stream as the sender gave them) queued for one client at most.
    pub items: u32,
    /// When a client's queue is full: true drops the rest of the group of pictures for that
    /// client (resuming at the next key buffer); false drops the oldest queued buffer.
    pub drop_rest_of_gop: bool,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// GStreamer could not be initialised.
    Init(String),
    /// A GStreamer element a session needs is not installed.
    Missing(&'static str),
    /// The server could not listen on the address and port (port in use, bad address).
    Bind(String),
    /// Starting the main loop failed.
    Start(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Init(e) => write!(f, "GStreamer could not be initialised: {e}"),
            Error::Missing(e) => write!(
                f,
                "the GStreamer element {e} is not installed (gstreamer1.0-plugins-good / -bad; \
                 scripts/setup.sh installs them)"
            ),
            Error::Bind(e) => write!(f, "{e}"),
            Error::Start(e) => write!(f, "the server thread could not start: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Initialises GStreamer once (the first call; later calls return the first result).
fn init() -> Result<(), Error> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| gst::init().map_err(|e| e.to_string()))
        .clone()
        .map_err(Error::Init)
}

/// Fails with [`Error::Missing`] unless every element is installed (initialises GStreamer).
pub fn check_elements(names: &[&'static str]) -> Result<(), Error> {
    init()?;
    for &n in names {
        if gst::ElementFactory::find(n).is_none() {
            return Err(Error::Missing(n));
        }
    }
    Ok(())
}

/// What happened to the pieces of stream given to one session (all clients together).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Buffers queued for a client (one per client and piece).
    pub queued: u64,
    /// Buffers a client did not get because its queue was full, or that were dropped from it
    /// (queue full, `drop_rest_of_gop`), or because it was waiting for a key buffer.
    pub dropped: u64,
    /// Clients whose media was built (`media-configure`).
    pub clients: u64,
}

/// One client's `appsrc`.
struct Sink {
    app: glib::WeakRef<gst_app::AppSrc>,
    /// Waiting for a key buffer (just joined, or dropped the rest of a GOP).
    need_key: bool,
}

#[derive(Default)]
struct Session {
    video: Vec<Sink>,
    audio: Vec<Sink>,
    counters: Counters,
}

struct Shared {
    sessions: HashMap<String, Session>,
    policy: QueuePolicy,
}

type SharedRef = Arc<Mutex<Shared>>;

fn lock(s: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running main loop.
struct Running {
    main_loop: glib::MainLoop,
    thread: JoinHandle<()>,
}

/// An RTSP server on one port.
pub struct Server {
    server: RTSPServer,
    ctx: glib::MainContext,
    source: Option<glib::Source>,
    port: u16,
    shared: SharedRef,
    running: Option<Running>,
}

impl Server {
    /// Listens on `address` (an IP address) and `port` (0: a free port), initialising
    /// GStreamer first if needed. Clients are answered once [`Server::start`] runs.
    ///
    /// # Errors
    /// [`Error::Init`], or [`Error::Bind`] when the socket cannot be bound (port in use).
    pub fn bind(address: &str, port: u16, policy: QueuePolicy) -> Result<Server, Error> {
        init()?;
        let server = RTSPServer::new();
        server.set_address(address);
        server.set_service(&port.to_string());
        let ctx = glib::MainContext::new();
        let id = server.attach(Some(&ctx)).map_err(|_| {
            Error::Bind(format!(
                "cannot listen on {address} port {port} (in use, or not an address of this machine)"
            ))
        })?;
        let source = ctx.find_source_by_id(&id);
        let bound = u16::try_from(server.bound_port()).unwrap_or(port);
        Ok(Server {
            server,
            ctx,
            source,
            port: bound,
            shared: Arc::new(Mutex::new(Shared {
                sessions: HashMap::new(),
                policy,
            })),
            running: None,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the session `name` exists.
    pub fn has_session(&self, name: &str) -> bool {
        lock(&self.shared).sessions.contains_key(name)
    }

    /// Adds the session `name` (mount point `/<name>`); false if it exists already (nothing
    /// changes then).
    ///
    /// # Errors
    /// [`Error::Missing`] when an element the codec (or the audio track) needs is missing.
    pub fn add_session(&self, name: &str, video: Video, audio: bool) -> Result<bool, Error> {
        check_elements(&video.elements())?;
        if audio {
            check_elements(&AUDIO_ELEMENTS)?;
        }
        let mut sh = lock(&self.shared);
        if sh.sessions.contains_key(name) {
            return Ok(false);
        }
        let launch = if audio {
            format!("( {} {AUDIO_LAUNCH} )", video.launch())
        } else {
            format!("( {} )", video.launch())
        };
        let factory = RTSPMediaFactory::new();
        factory.set_launch(&launch);
        factory.set_shared(false);
        let weak = Arc::downgrade(&self.shared);
        let key = name.to_owned();
        factory.connect_media_configure(move |_, media| {
            let Some(shared) = weak.upgrade() else {
                return;
            };
            configure(&shared, &key, &media.element());
        });
        let mounts = self
            .server
            .mount_points()
            .ok_or(Error::Missing("mount points"))?;
        mounts.add_factory(&format!("/{name}"), factory);
        sh.sessions.insert(name.to_owned(), Session::default());
        Ok(true)
    }

    /// Removes the session `name`: no new client can open it, and its clients get the end of
    /// the stream. False if there is no such session.
    pub fn remove_session(&self, name: &str) -> bool {
        let Some(s) = lock(&self.shared).sessions.remove(name) else {
            return false;
        };
        if let Some(m) = self.server.mount_points() {
            m.remove_factory(&format!("/{name}"));
        }
        for sink in s.video.iter().chain(&s.audio) {
            if let Some(app) = sink.app.upgrade() {
                let _ = app.end_of_stream();
            }
        }
        true
    }

    /// The counters of session `name`.
    pub fn counters(&self, name: &str) -> Option<Counters> {
        lock(&self.shared).sessions.get(name).map(|s| s.counters)
    }

    /// Starts answering clients (the main loop thread); nothing if it runs already.
    ///
    /// # Errors
    /// [`Error::Start`] when the thread cannot be created.
    pub fn start(&mut self) -> Result<(), Error> {
        if self.running.is_some() {
            return Ok(());
        }
        let main_loop = glib::MainLoop::new(Some(&self.ctx), false);
        let (ml, ctx) = (main_loop.clone(), self.ctx.clone());
        let thread = std::thread::Builder::new()
            .name("k230-sim-rtsp".into())
            .spawn(move || {
                // The context is this thread's alone while the loop runs.
                let _ = ctx.with_thread_default(|| ml.run());
            })
            .map_err(|e| Error::Start(e.to_string()))?;
        self.running = Some(Running { main_loop, thread });
        Ok(())
    }

    /// Whether the main loop runs.
    pub fn is_started(&self) -> bool {
        self.running.is_some()
    }

    /// Closes every client connection and RTSP session (their pipelines stop), then stops the
    /// main loop and waits for its thread. The socket stays bound; [`Server::start`] again
    /// answers new clients. Nothing if not started.
    pub fn stop(&mut self) {
        let Some(r) = self.running.take() else {
            return;
        };
        self.close_clients();
        // A quit before the thread has entered run() would be lost: repeat it until the
        // thread has ended.
        while !r.thread.is_finished() {
            r.main_loop.quit();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = r.thread.join();
    }

    fn close_clients(&self) {
        {
            let mut sh = lock(&self.shared);
            for s in sh.sessions.values_mut() {
                for sink in s.video.drain(..).chain(s.audio.drain(..)) {
                    if let Some(app) = sink.app.upgrade() {
                        let _ = app.end_of_stream();
                    }
                }
            }
        }
        self.server
            .client_filter(Some(&mut |_, _| RTSPFilterResult::Remove));
        if let Some(pool) = self.server.session_pool() {
            pool.filter(Some(&mut |_, _| RTSPFilterResult::Remove));
        }
    }

    /// Gives one piece of the video stream of session `name` to its clients (copied once).
    /// `key`: the piece starts a group of pictures (parameter sets or an IDR picture; every
    /// JPEG picture). Never waits. None if there is no such session.
    pub fn send_video(&self, name: &str, data: &[u8], key: bool) -> Option<()> {
        self.send(name, data, Some(key))
    }

    /// Gives G.711 µ-law samples to the clients of session `name` (a session without audio
    /// drops them). Never waits. None if there is no such session.
    pub fn send_audio(&self, name: &str, data: &[u8]) -> Option<()> {
        self.send(name, data, None)
    }

    fn send(&self, name: &str, data: &[u8], key: Option<bool>) -> Option<()> {
        let mut sh = lock(&self.shared);
        let policy = sh.policy;
        let s = sh.sessions.get_mut(name)?;
        let sinks = if key.is_some() {
            &mut s.video
        } else {
            &mut s.audio
        };
        if sinks.is_empty() || data.is_empty() {
            return Some(());
        }
        let buf = gst::Buffer::from_slice(data.to_vec());
        let key = key.unwrap_or(true);
        let c = &mut s.counters;
        sinks.retain_mut(|sink| {
            let Some(app) = sink.app.upgrade() else {
                return false;
            };
            if sink.need_key && !key {
                c.dropped += 1;
                return true;
            }
            if policy.drop_rest_of_gop
                && app.current_level_buffers() >= u64::from(policy.items.max(1))
            {
                sink.need_key = true;
                c.dropped += 1;
                return true;
            }
            if !policy.drop_rest_of_gop
                && app.current_level_buffers() >= u64::from(policy.items.max(1))
            {
                // appsrc drops the oldest (leaky downstream) to make room.
                c.dropped += 1;
            }
            match app.push_buffer(buf.clone()) {
                Ok(_) => {
                    sink.need_key = false;
                    c.queued += 1;
                    true
                }
                // Not playing yet (being prepared): start again at a key buffer.
                Err(gst::FlowError::Flushing) => {
                    sink.need_key = true;
                    c.dropped += 1;
                    true
                }
                Err(_) => {
                    c.dropped += 1;
                    false
                }
            }
        });
        Some(())
    }
}

/// `media-configure`: a client's pipeline was built; its `appsrc`s join the session.
fn configure(shared: &Mutex<Shared>, name: &str, element: &gst::Element) {
    let Ok(bin) = element.clone().downcast::<gst::Bin>() else {
        return;
    };
    let mut sh = lock(shared);
    let policy = sh.policy;
    let Some(s) = sh.sessions.get_mut(name) else {
        return;
    };
    s.counters.clients += 1;
    for (src, list) in [("vsrc", &mut s.video), ("asrc", &mut s.audio)] {
        let Some(app) = bin
            .by_name(src)
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        else {
            continue;
        };
        app.set_is_live(true);
        app.set_format(gst::Format::Time);
        app.set_do_timestamp(true);
        app.set_block(false);
        app.set_max_bytes(0);
        app.set_max_buffers(u64::from(policy.items.max(1)));
        if !policy.drop_rest_of_gop {
            app.set_leaky_type(gst_app::AppLeakyType::Downstream);
        }
        if src == "asrc" {
            // The client's description (SDP) needs the audio track's caps, which flow only
            // with data: a new client's audio starts with 20 ms of silence, so that a session
            // with audio is described even while the script sends none.
            let primed = std::sync::atomic::AtomicBool::new(false);
            app.set_callbacks(
                gst_app::AppSrcCallbacks::builder()
                    .need_data(move |app, _| {
                        if !primed.swap(true, std::sync::atomic::Ordering::Relaxed) {
                            let _ = app.push_buffer(gst::Buffer::from_slice(vec![
                                MULAW_SILENCE;
                                PRIMING_BYTES
                            ]));
                        }
                    })
                    .build(),
            );
        }
        list.push(Sink {
            app: app.downgrade(),
            need_key: src == "vsrc",
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        {
            let names: Vec<String> = lock(&self.shared).sessions.keys().cloned().collect();
            for n in names {
                self.remove_session(&n);
            }
        }
        if let Some(src) = self.source.take() {
            src.destroy();
        }
        // Let the context drop what destroying the source released (the listening socket).
        while self.ctx.iteration(false) {}
    }
}
