//! A scripted fake MPP in the style of embedded-hal-mock: the test lists the calls it
//! expects, in order, each with its reply (success, a K230 code, packs) and optionally an
//! action run during the call (another caller's work while a wait is blocked). Each call
//! is checked against the next expectation; [`done`] checks that every expectation was
//! used and that every resource the fake handed out (channels, streams, mappings, binds,
//! VB, pools) was given back.
//!
//! The script is global, as the module state the C entry points drive is: [`Scripted`] is
//! a unit handle (the `Platform` of test builds), and [`lock`] serialises the tests. A call
//! out of script is recorded, answered with `K_FAILED`, and reported by [`done`]: a panic
//! inside an `extern "C"` entry point would abort the whole test binary.

extern crate std;

use std::boxed::Box;
use std::collections::{HashMap, HashSet, VecDeque};
use std::format;
use std::ptr::NonNull;
use std::string::String;
use std::sync::{Mutex, MutexGuard};
use std::vec::Vec;

use crate::hal::{Mpp, MppError, MppResult};
use crate::mpp::*;

/// One expected MPP call, with the arguments that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `kd_mpi_venc_create_chn(chn, ..)`.
    CreateChn(u32),
    /// `kd_mpi_venc_destroy_chn(chn)`.
    DestroyChn(u32),
    /// `kd_mpi_venc_start_chn(chn)`.
    StartChn(u32),
    /// `kd_mpi_venc_stop_chn(chn)`.
    StopChn(u32),
    /// `kd_mpi_venc_enable_idr(chn, true)`.
    EnableIdr(u32),
    /// `kd_mpi_venc_request_idr(chn)`.
    RequestIdr(u32),
    /// `kd_mpi_venc_set_rotation(chn, rotation)`.
    SetRotation(u32, k_rotation),
    /// `kd_mpi_venc_set_mirror(chn, mirror)`.
    SetMirror(u32, k_venc_mirror),
    /// `kd_mpi_venc_query_status(chn, ..)`.
    QueryStatus(u32),
    /// `kd_mpi_venc_get_stream(chn, room for `room` packs, timeout)`.
    GetStream { chn: u32, room: usize, timeout: i32 },
    /// `kd_mpi_venc_release_stream(chn, `packs` packs)`.
    ReleaseStream { chn: u32, packs: usize },
    /// `kd_mpi_venc_send_frame(chn, .., timeout)`.
    SendFrame { chn: u32, timeout: i32 },
    /// `kd_mpi_sys_bind`.
    Bind,
    /// `kd_mpi_sys_unbind`.
    Unbind,
    /// `kd_mpi_sys_get_bind_by_dest(VENC chn)` (succeeds with VI device 0, channel 0).
    GetBindByDest(u32),
    /// `kd_mpi_sys_mmap`.
    Mmap,
    /// `kd_mpi_sys_munmap`.
    Munmap,
    /// `kd_mpi_vb_set_config`.
    VbSetConfig,
    /// `kd_mpi_vb_init`.
    VbInit,
    /// `kd_mpi_vb_exit`.
    VbExit,
    /// `kd_mpi_vb_create_pool`.
    CreatePool,
    /// `kd_mpi_vb_destory_pool(pool)`.
    DestroyPool(u32),
    /// `kd_mpi_venc_attach_vb_pool(chn, ..)`.
    Attach(u32),
    /// `kd_mpi_venc_detach_vb_pool(chn)`.
    Detach(u32),
    /// `kd_mpi_venc_request_chn` (succeeds with the lowest channel not requested).
    #[cfg_attr(not(k230_mpp_request_chn), allow(dead_code))]
    RequestChn,
    /// `kd_mpi_venc_release_chn(chn)`.
    #[cfg_attr(not(k230_mpp_request_chn), allow(dead_code))]
    ReleaseChn(u32),
}

/// What an expected call answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Success (a pool call: pool 1; query: 0 packs; mmap: an address).
    Ok,
    /// This K230 code (mmap: NULL).
    Err(MppError),
    /// get_stream: packs of these types; query_status: this many packs.
    Packs(Vec<u32>),
}

type Action = Box<dyn FnOnce() + Send>;

/// One expectation.
pub struct Expect {
    call: Call,
    reply: Reply,
    during: Option<Action>,
}

impl Expect {
    /// Expects `call`, which succeeds.
    pub fn new(call: Call) -> Self {
        Expect {
            call,
            reply: Reply::Ok,
            during: None,
        }
    }

    /// The call fails with `e` (`.with_error` of embedded-hal-mock).
    pub fn with_error(mut self, e: MppError) -> Self {
        self.reply = Reply::Err(e);
        self
    }

    /// get_stream delivers packs of these types; query_status reports `types.len()`.
    pub fn packs(mut self, types: &[u32]) -> Self {
        self.reply = Reply::Packs(types.to_vec());
        self
    }

    /// Runs `f` while the call is in progress (the script is unlocked meanwhile, so
    /// `f` may call the C entry points as another thread would).
    pub fn during(mut self, f: impl FnOnce() + Send + 'static) -> Self {
        self.during = Some(Box::new(f));
        self
    }
}

#[derive(Default)]
struct Script {
    expect: VecDeque<Expect>,
    created: HashSet<u32>,
    /// Streams handed out and not released: first pack's phys -> (chn, packs).
    streams: HashMap<u64, (u32, usize)>,
    mapped: HashSet<usize>,
    binds: usize,
    vb: bool,
    pools: HashSet<u32>,
    requested: HashSet<u32>,
    next_phys: u64,
    /// The first call out of script or broken rule.
    failure: Option<String>,
}

impl Script {
    /// Records `what` as the test's failure unless `ok` (the first one counts).
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok && self.failure.is_none() {
            self.failure = Some(what());
        }
    }
}

static SCRIPT: Mutex<Option<Script>> = Mutex::new(None);
static SERIAL: Mutex<()> = Mutex::new(());

/// Memory the fake "maps" packs to.
static MEM: [u8; 64] = [0; 64];

fn script() -> MutexGuard<'static, Option<Script>> {
    SCRIPT.lock().unwrap_or_else(|p| p.into_inner())
}

/// Serialises the tests that use the global module state, and starts a fresh script
/// and module state.
pub fn lock() -> MutexGuard<'static, ()> {
    let g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    *script() = Some(Script {
        next_phys: 0x10_0000,
        ..Default::default()
    });
    *crate::capi::VENC.lock() = crate::venc::Venc::new(Scripted);
    g
}

/// Adds expectations, in order.
pub fn expect(list: impl IntoIterator<Item = Expect>) {
    script().as_mut().unwrap().expect.extend(list);
}

/// Checks that every expectation was used and every resource given back.
pub fn done() {
    let g = script();
    let s = g.as_ref().unwrap();
    if let Some(f) = &s.failure {
        panic!("scripted MPP: {f}");
    }
    let left: Vec<Call> = s.expect.iter().map(|e| e.call).collect();
    assert!(left.is_empty(), "expected calls not made: {left:?}");
    assert!(
        s.created.is_empty(),
        "channels not destroyed: {:?}",
        s.created
    );
    assert!(
        s.streams.is_empty(),
        "streams not released: {:?}",
        s.streams
    );
    assert!(
        s.mapped.is_empty(),
        "packs not unmapped: {}",
        s.mapped.len()
    );
    assert_eq!(s.binds, 0, "binds not unbound");
    assert!(!s.vb, "VB not exited");
    assert!(s.pools.is_empty(), "pools not destroyed: {:?}", s.pools);
    assert!(
        s.requested.is_empty(),
        "channels not released: {:?}",
        s.requested
    );
}

/// The MPP of test builds: every call goes through the script.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scripted;

impl Scripted {
    /// The handle.
    pub const NEW: Scripted = Scripted;

    /// Takes the next expectation, checks `call` against it, runs its action, then lets
    /// `apply` turn the reply into the result with the script's resources at hand.
    fn call<T>(&self, call: Call, apply: impl FnOnce(&mut Script, Reply) -> T) -> T {
        let e = {
            let mut g = script();
            let s = g.as_mut().expect("scripted MPP used outside a test");
            match s.expect.pop_front() {
                Some(e) if e.call == call => Some(e),
                next => {
                    let want = next.map(|e| e.call);
                    s.check(false, || {
                        format!("call {call:?} out of script (expected {want:?})")
                    });
                    None
                }
            }
        };
        let reply = match e {
            Some(e) => {
                if let Some(f) = e.during {
                    f();
                }
                e.reply
            }
            None => Reply::Err(crate::mpp::err::K_FAILED),
        };
        let mut g = script();
        apply(g.as_mut().unwrap(), reply)
    }

    /// A call whose success changes nothing the fake tracks.
    fn plain(&self, call: Call) -> MppResult {
        self.call(call, |_, r| status(r))
    }

    /// A setting of a created channel (the core makes it between create and start).
    fn created_only(&self, call: Call, chn: u32) -> MppResult {
        self.call(call, |s, r| {
            let known = s.created.contains(&chn);
            s.check(known, || format!("{call:?} on channel {chn}, not created"));
            status(r)
        })
    }
}

fn status(r: Reply) -> MppResult {
    match r {
        Reply::Err(e) => Err(e),
        _ => Ok(()),
    }
}

impl Mpp for Scripted {
    fn venc_create_chn(&mut self, chn: u32, _attr: &k_venc_chn_attr) -> MppResult {
        self.call(Call::CreateChn(chn), |s, r| {
            status(r)?;
            let new = s.created.insert(chn);
            s.check(new, || format!("channel {chn} created twice"));
            Ok(())
        })
    }
    fn venc_destroy_chn(&mut self, chn: u32) -> MppResult {
        self.call(Call::DestroyChn(chn), |s, r| {
            status(r)?;
            let known = s.created.remove(&chn);
            s.check(known, || format!("destroying channel {chn}, never created"));
            // As the simulator's DESTROY_RECLAIMS_HELD_STREAMS: the streams go with it.
            s.streams.retain(|_, &mut (c, _)| c != chn);
            Ok(())
        })
    }
    fn venc_start_chn(&mut self, chn: u32) -> MppResult {
        self.plain(Call::StartChn(chn))
    }
    fn venc_stop_chn(&mut self, chn: u32) -> MppResult {
        self.plain(Call::StopChn(chn))
    }
    fn venc_set_rotation(&mut self, chn: u32, rotation: k_rotation) -> MppResult {
        self.created_only(Call::SetRotation(chn, rotation), chn)
    }
    fn venc_set_mirror(&mut self, chn: u32, mirror: k_venc_mirror) -> MppResult {
        self.created_only(Call::SetMirror(chn, mirror), chn)
    }
    fn venc_enable_idr(&mut self, chn: u32, enable: bool) -> MppResult {
        self.call(Call::EnableIdr(chn), |s, r| {
            s.check(enable, || "enable_idr(false)".into());
            status(r)
        })
    }
    fn venc_query_packs(&mut self, chn: u32) -> MppResult<u32> {
        Ok(self.venc_query_status(chn)?.cur_packs)
    }
    fn venc_query_status(&mut self, chn: u32) -> MppResult<k_venc_chn_status> {
        self.call(Call::QueryStatus(chn), |_, r| match r {
            Reply::Err(e) => Err(e),
            Reply::Packs(p) => Ok(k_venc_chn_status {
                cur_packs: p.len() as u32,
                ..Default::default()
            }),
            Reply::Ok => Ok(k_venc_chn_status::default()),
        })
    }
    fn venc_request_idr(&mut self, chn: u32) -> MppResult {
        self.plain(Call::RequestIdr(chn))
    }
    fn venc_get_stream(
        &mut self,
        chn: u32,
        packs: &mut [k_venc_pack],
        timeout: i32,
    ) -> MppResult<usize> {
        let call = Call::GetStream {
            chn,
            room: packs.len(),
            timeout,
        };
        self.call(call, |s, r| {
            let types = match r {
                Reply::Err(e) => return Err(e),
                Reply::Packs(t) => t,
                Reply::Ok => Vec::new(),
            };
            let fits = types.len() <= packs.len();
            s.check(fits, || {
                "the script delivers more packs than there is room for".into()
            });
            let types = &types[..types.len().min(packs.len())];
            for (p, &t) in packs.iter_mut().zip(types) {
                *p = k_venc_pack {
                    phys_addr: s.next_phys as _,
                    len: 16,
                    pts: 40_000,
                    type_: t,
                };
                s.next_phys += 0x1000;
            }
            // A channel destroyed while the call ran (an action of the script) took the
            // stream it delivered with it.
            if !types.is_empty() && s.created.contains(&chn) {
                s.streams.insert(packs[0].phys_addr, (chn, types.len()));
            }
            Ok(types.len())
        })
    }
    fn venc_release_stream(&mut self, chn: u32, packs: &mut [k_venc_pack]) -> MppResult {
        let first = packs[0].phys_addr;
        let n = packs.len();
        self.call(Call::ReleaseStream { chn, packs: n }, |s, r| {
            // A refused release still ends the caller's hold in this fake's books only if
            // the reply is success.
            status(r)?;
            let known = s.streams.remove(&first) == Some((chn, n));
            s.check(known, || {
                format!("release of a stream not handed out ({first:#x})")
            });
            Ok(())
        })
    }
    fn venc_send_frame(
        &mut self,
        chn: u32,
        _frame: &mut k_video_frame_info,
        timeout: i32,
    ) -> MppResult {
        self.plain(Call::SendFrame { chn, timeout })
    }
    fn sys_bind(&mut self, _src: &k_mpp_chn, _dst: &k_mpp_chn) -> MppResult {
        self.call(Call::Bind, |s, r| {
            status(r)?;
            s.binds += 1;
            Ok(())
        })
    }
    fn sys_unbind(&mut self, _src: &k_mpp_chn, _dst: &k_mpp_chn) -> MppResult {
        self.call(Call::Unbind, |s, r| {
            status(r)?;
            s.check(s.binds > 0, || "unbind without a bind".into());
            s.binds = s.binds.saturating_sub(1);
            Ok(())
        })
    }
    fn sys_get_bind_by_dest(&mut self, dst: &k_mpp_chn) -> MppResult<k_mpp_chn> {
        self.call(Call::GetBindByDest(dst.chn_id as u32), |_, r| {
            status(r)?;
            Ok(k_mpp_chn {
                mod_id: K_ID_VI,
                dev_id: 0,
                chn_id: 0,
            })
        })
    }
    fn sys_mmap(&mut self, _phys: u64, _len: u32) -> Option<NonNull<u8>> {
        self.call(Call::Mmap, |s, r| {
            status(r).ok()?;
            // Distinct addresses inside MEM, one per live mapping.
            let base = MEM.as_ptr() as usize;
            let addr = (base..base + MEM.len()).find(|a| !s.mapped.contains(a))?;
            s.mapped.insert(addr);
            NonNull::new(addr as *mut u8)
        })
    }
    fn sys_munmap(&mut self, virt: NonNull<u8>, _len: u32) -> MppResult {
        self.call(Call::Munmap, |s, r| {
            status(r)?;
            let known = s.mapped.remove(&(virt.as_ptr() as usize));
            s.check(known, || "unmapping what is not mapped".into());
            Ok(())
        })
    }
    fn vb_set_config(&mut self, _config: &k_vb_config) -> MppResult {
        self.plain(Call::VbSetConfig)
    }
    fn vb_init(&mut self) -> MppResult {
        self.call(Call::VbInit, |s, r| {
            status(r)?;
            s.vb = true;
            Ok(())
        })
    }
    fn vb_exit(&mut self) -> MppResult {
        self.call(Call::VbExit, |s, r| {
            status(r)?;
            s.vb = false;
            Ok(())
        })
    }
    #[cfg(feature = "abi-2025")]
    fn vb_create_pool(&mut self, _config: &k_vb_pool_config) -> MppResult<u32> {
        self.call(Call::CreatePool, |s, r| {
            status(r)?;
            // The lowest free id, as a driver reuses them.
            let id = (1..).find(|p| !s.pools.contains(p)).unwrap();
            s.pools.insert(id);
            Ok(id)
        })
    }
    #[cfg(feature = "abi-2025")]
    fn vb_destroy_pool(&mut self, pool: u32) -> MppResult {
        self.call(Call::DestroyPool(pool), |s, r| {
            status(r)?;
            let known = s.pools.remove(&pool);
            s.check(known, || format!("destroying pool {pool}, never made"));
            Ok(())
        })
    }
    #[cfg(feature = "abi-2025")]
    fn venc_attach_vb_pool(&mut self, chn: u32, _pool: u32, _buf_num: u32) -> MppResult {
        self.plain(Call::Attach(chn))
    }
    #[cfg(feature = "abi-2025")]
    fn venc_detach_vb_pool(&mut self, chn: u32) -> MppResult {
        self.plain(Call::Detach(chn))
    }
    #[cfg(k230_mpp_request_chn)]
    fn venc_request_chn(&mut self) -> MppResult<u32> {
        self.call(Call::RequestChn, |s, r| {
            status(r)?;
            let c = (0..4).find(|c| !s.requested.contains(c)).unwrap_or(4);
            s.requested.insert(c);
            Ok(c)
        })
    }
    #[cfg(k230_mpp_request_chn)]
    fn venc_release_chn(&mut self, chn: u32) -> MppResult {
        self.call(Call::ReleaseChn(chn), |s, r| {
            status(r)?;
            let was = s.requested.remove(&chn);
            s.check(was, || format!("release of channel {chn}, not requested"));
            Ok(())
        })
    }
}
