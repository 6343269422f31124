//! The exported C symbols: every function of `include/k230_mpp.h` and of
//! `sim/include/k230_sim.h`. Each one is thin: fault-injection check, pointer to
//! reference conversion, one call into the module that implements it, then a wake-up of
//! blocked waiters. None of them panics on any input.

use crate::err::{self, KResult};
use crate::state::{self, Sim};
use crate::stats::{self, K230SimStats};
use crate::vicap;
use crate::{codec, sys, vb, venc};
use k230_venc::mpp::*;
use std::ffi::{c_char, c_void, CStr};

/// Runs `f` unless a fault rule for `name` fires; records success; wakes waiters.
fn guarded(name: &'static str, f: impl FnOnce() -> k_s32) -> k_s32 {
    let g = state::global();
    let fault = g.lock().faults.check(name);
    if let Some(code) = fault {
        return code;
    }
    let r = f();
    if r == 0 {
        g.lock().faults.success(name);
    }
    g.notify();
    r
}

/// Runs `f` on the locked state and turns the result into a code.
fn with_sim(f: impl FnOnce(&mut Sim) -> KResult) -> k_s32 {
    err::code(f(&mut state::lock()))
}

// ---- VENC -------------------------------------------------------------------------------

/// Creates VENC channel `chn_num`.
///
/// # Safety
/// `attr` is NULL or points to a valid `k_venc_chn_attr`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_create_chn(
    chn_num: k_u32,
    attr: *const k_venc_chn_attr,
) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let attr = unsafe { attr.as_ref() };
    guarded("kd_mpi_venc_create_chn", || {
        with_sim(|s| venc::create_chn(s, chn_num, attr))
    })
}

/// Destroys VENC channel `chn_num` (it must be stopped).
///
/// # Safety
/// None: takes no pointers (unsafe only for uniformity of the C ABI surface).
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_destroy_chn(chn_num: k_u32) -> k_s32 {
    guarded("kd_mpi_venc_destroy_chn", || {
        with_sim(|s| venc::destroy_chn(s, chn_num))
    })
}

/// Starts receiving pictures on `chn_num`.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_start_chn(chn_num: k_u32) -> k_s32 {
    guarded("kd_mpi_venc_start_chn", || {
        with_sim(|s| venc::start_chn(s, chn_num))
    })
}

/// Stops receiving pictures on `chn_num` (repeat is fine).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_stop_chn(chn_num: k_u32) -> k_s32 {
    guarded("kd_mpi_venc_stop_chn", || {
        with_sim(|s| venc::stop_chn(s, chn_num))
    })
}

/// Reports the pack count of the next frame and channel statistics.
///
/// # Safety
/// `status` is NULL or points to a writable `k_venc_chn_status`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_query_status(
    chn_num: k_u32,
    status: *mut k_venc_chn_status,
) -> k_s32 {
    // SAFETY: NULL or valid and exclusive for the call, per the function contract.
    let status = unsafe { status.as_mut() };
    guarded("kd_mpi_venc_query_status", || {
        with_sim(|s| venc::query_status(s, chn_num, status))
    })
}

/// Gets the packs of one encoded frame (waits up to `milli_sec`; -1 forever, 0 never).
///
/// # Safety
/// `stream` is NULL or points to a valid `k_venc_stream` whose `pack` is NULL or points to
/// `pack_cnt` writable `k_venc_pack` entries.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_get_stream(
    chn_num: k_u32,
    stream: *mut k_venc_stream,
    milli_sec: k_s32,
) -> k_s32 {
    // SAFETY: NULL or valid and exclusive for the call, per the function contract.
    let stream = unsafe { stream.as_mut() };
    guarded("kd_mpi_venc_get_stream", || {
        err::code(venc::get_stream(
            state::global(),
            chn_num,
            stream,
            milli_sec,
        ))
    })
}

/// Releases a stream returned by `kd_mpi_venc_get_stream`.
///
/// # Safety
/// `stream` is NULL or points to a valid `k_venc_stream` whose `pack` is NULL or points to
/// at least one readable `k_venc_pack` when `pack_cnt > 0`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_release_stream(
    chn_num: k_u32,
    stream: *mut k_venc_stream,
) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let stream = unsafe { stream.as_ref() };
    guarded("kd_mpi_venc_release_stream", || {
        with_sim(|s| venc::release_stream(s, chn_num, stream))
    })
}

/// Encodes one user frame (waits up to `milli_sec` for a free output buffer).
///
/// # Safety
/// `frame` is NULL or points to a valid `k_video_frame_info`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_send_frame(
    chn_num: k_u32,
    frame: *mut k_video_frame_info,
    milli_sec: k_s32,
) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let frame = unsafe { frame.as_ref() };
    guarded("kd_mpi_venc_send_frame", || {
        err::code(venc::send_frame(state::global(), chn_num, frame, milli_sec))
    })
}

/// Enables IDR frames at GOP boundaries.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_enable_idr(chn_num: k_u32, idr_enable: k_bool) -> k_s32 {
    guarded("kd_mpi_venc_enable_idr", || {
        with_sim(|s| venc::enable_idr(s, chn_num, idr_enable))
    })
}

/// Turns the channel's pictures (after create, before start; 90 and 270 code them
/// `height` x `width`).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_set_rotation(chn_num: k_u32, rotation: k_rotation) -> k_s32 {
    guarded("kd_mpi_venc_set_rotation", || {
        with_sim(|s| venc::set_rotation(s, chn_num, rotation))
    })
}

/// Mirrors the channel's pictures (after create, before start).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_set_mirror(chn_num: k_u32, mirror: k_venc_mirror) -> k_s32 {
    guarded("kd_mpi_venc_set_mirror", || {
        with_sim(|s| venc::set_mirror(s, chn_num, mirror))
    })
}

/// Makes the next output frame an IDR.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_request_idr(chn_num: k_u32) -> k_s32 {
    guarded("kd_mpi_venc_request_idr", || {
        with_sim(|s| venc::request_idr(s, chn_num))
    })
}

/// ABI 2025: uses blocks of a VB pool as the channel's output buffers.
///
/// # Safety
/// None: takes no pointers.
#[cfg(feature = "abi-2025")]
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_attach_vb_pool(
    chn_num: k_u32,
    pool_id: k_u32,
    buff_num: k_u32,
) -> k_s32 {
    guarded("kd_mpi_venc_attach_vb_pool", || {
        with_sim(|s| venc::attach_vb_pool(s, chn_num, pool_id, buff_num))
    })
}

/// ABI 2025, as some SDKs export it (their `kd_mpi_venc_attach_vb_pool(chn, pool)` is a static
/// inline wrapper over it): `kd_mpi_venc_attach_vb_pool` with a signed block count; a
/// negative count is an illegal parameter.
///
/// # Safety
/// None: takes no pointers.
#[cfg(feature = "abi-2025")]
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_attach_vb_pool_ex(
    chn_num: k_u32,
    pool_id: k_u32,
    buff_num: k_s32,
) -> k_s32 {
    guarded("kd_mpi_venc_attach_vb_pool_ex", || {
        with_sim(|s| {
            let n = u32::try_from(buff_num).map_err(|_| err::venc(err::num::ILLEGAL_PARAM))?;
            venc::attach_vb_pool(s, chn_num, pool_id, n)
        })
    })
}

/// ABI 2025: a free channel for the caller, in `*chn_num`.
///
/// # Safety
/// `chn_num` is NULL or writable.
#[cfg(feature = "abi-2025")]
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_request_chn(chn_num: *mut k_u32) -> k_s32 {
    guarded("kd_mpi_venc_request_chn", || {
        // SAFETY: NULL or writable, per the function contract.
        let Some(out) = (unsafe { chn_num.as_mut() }) else {
            return err::venc(err::num::NULL_PTR);
        };
        with_sim(|s| {
            *out = venc::request_chn(s)?;
            Ok(())
        })
    })
}

/// ABI 2025: gives back a channel of `kd_mpi_venc_request_chn`.
///
/// # Safety
/// None: takes no pointers.
#[cfg(feature = "abi-2025")]
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_release_chn(chn_num: k_u32) -> k_s32 {
    guarded("kd_mpi_venc_release_chn", || {
        with_sim(|s| venc::release_chn(s, chn_num))
    })
}

/// ABI 2025: detaches the pool attached with `kd_mpi_venc_attach_vb_pool`.
///
/// # Safety
/// None: takes no pointers.
#[cfg(feature = "abi-2025")]
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_venc_detach_vb_pool(chn_num: k_u32) -> k_s32 {
    guarded("kd_mpi_venc_detach_vb_pool", || {
        with_sim(|s| venc::detach_vb_pool(s, chn_num))
    })
}

// ---- SYS --------------------------------------------------------------------------------

/// Binds a VI channel (source) to a VENC channel (destination).
///
/// # Safety
/// Each pointer is NULL or points to a valid `k_mpp_chn`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_sys_bind(
    src_chn: *mut k_mpp_chn,
    dest_chn: *mut k_mpp_chn,
) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let (src, dst) = unsafe { (src_chn.as_ref(), dest_chn.as_ref()) };
    guarded("kd_mpi_sys_bind", || with_sim(|s| sys::bind(s, src, dst)))
}

/// Removes a bind.
///
/// # Safety
/// Each pointer is NULL or points to a valid `k_mpp_chn`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_sys_unbind(
    src_chn: *mut k_mpp_chn,
    dest_chn: *mut k_mpp_chn,
) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let (src, dst) = unsafe { (src_chn.as_ref(), dest_chn.as_ref()) };
    guarded("kd_mpi_sys_unbind", || {
        with_sim(|s| sys::unbind(s, src, dst))
    })
}

/// The source bound to a destination (`*src_chn`).
///
/// # Safety
/// Each pointer is NULL or points to a valid `k_mpp_chn`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_sys_get_bind_by_dest(
    dest_chn: *mut k_mpp_chn,
    src_chn: *mut k_mpp_chn,
) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract; `src_chn` is only written.
    let (dst, src) = unsafe { (dest_chn.as_ref(), src_chn.as_mut()) };
    guarded("kd_mpi_sys_get_bind_by_dest", || {
        with_sim(|s| sys::get_bind_by_dest(s, dst, src))
    })
}

/// Host pointer of `[phys_addr, phys_addr + size)` inside one MMZ allocation, or NULL.
///
/// # Safety
/// None: takes no pointers. The returned pointer is valid for `size` bytes while the
/// allocation lives.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_sys_mmap(phys_addr: k_u64, size: k_u32) -> *mut c_void {
    let g = state::global();
    let fault = g.lock().faults.check("kd_mpi_sys_mmap");
    if fault.is_some() {
        return std::ptr::null_mut();
    }
    let mut sim = g.lock();
    let p = sys::mmap(&mut sim, phys_addr, size);
    if !p.is_null() {
        sim.faults.success("kd_mpi_sys_mmap");
    }
    p.cast()
}

/// Ends a mapping made by `kd_mpi_sys_mmap`.
///
/// # Safety
/// None: the pointer is only compared, never dereferenced.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_sys_munmap(virt_addr: *mut c_void, _size: k_u32) -> k_s32 {
    guarded("kd_mpi_sys_munmap", || {
        with_sim(|s| sys::munmap(s, virt_addr as *const u8))
    })
}

// ---- VB ---------------------------------------------------------------------------------

/// Stores the common-pool configuration (before `kd_mpi_vb_init`).
///
/// # Safety
/// `config` is NULL or points to a valid `k_vb_config`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_vb_set_config(config: *const k_vb_config) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let config = unsafe { config.as_ref() };
    guarded("kd_mpi_vb_set_config", || {
        with_sim(|s| vb::set_config(s, config))
    })
}

/// Allocates the configured common pools.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_vb_init() -> k_s32 {
    guarded("kd_mpi_vb_init", || with_sim(vb::init))
}

/// Frees the common pools.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_vb_exit() -> k_s32 {
    guarded("kd_mpi_vb_exit", || with_sim(vb::exit))
}

/// Creates a private pool; returns its id or `VB_INVALID_POOLID` (-1).
///
/// # Safety
/// `config` is NULL or points to a valid `k_vb_pool_config`.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_vb_create_pool(config: *mut k_vb_pool_config) -> k_s32 {
    // SAFETY: NULL or valid, per the function contract.
    let config = unsafe { config.as_ref() };
    let g = state::global();
    let fault = g.lock().faults.check("kd_mpi_vb_create_pool");
    if let Some(code) = fault {
        return code;
    }
    let mut sim = g.lock();
    let id = vb::create_pool(&mut sim, config);
    if id >= 0 {
        sim.faults.success("kd_mpi_vb_create_pool");
    }
    id
}

/// Destroys a private pool.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn kd_mpi_vb_destory_pool(pool_id: k_u32) -> k_s32 {
    guarded("kd_mpi_vb_destory_pool", || {
        with_sim(|s| vb::destroy_pool(s, pool_id))
    })
}

// ---- k230_sim.h -------------------------------------------------------------------------

/// Stops sensor `dev` and forgets its configuration.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_reset(dev: i32) -> i32 {
    notify_after(with_sim(|s| vicap::reset(s, dev)))
}

/// Sets the frame size of sensor channel (`dev`, `chn`).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_set_framesize(
    dev: i32,
    chn: i32,
    width: u32,
    height: u32,
) -> i32 {
    with_sim(|s| vicap::set_framesize(s, dev, chn, width, height))
}

/// Sets the pixel format of sensor channel (`dev`, `chn`): 31 (NV12), 3 (RGB888) or 46
/// (RGB888 planar).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_set_pixformat(
    dev: i32,
    chn: i32,
    pixel_format: u32,
) -> i32 {
    with_sim(|s| vicap::set_pixformat(s, dev, chn, pixel_format))
}

/// Sets the frame rate of sensor `dev` (1..120).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_set_fps(dev: i32, fps: u32) -> i32 {
    with_sim(|s| vicap::set_fps(s, dev, fps))
}

/// Starts sensor `dev`.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_start(dev: i32) -> i32 {
    notify_after(with_sim(|s| vicap::start(s, dev)))
}

/// Stops sensor `dev` and frees its claim (repeat is fine).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_stop(dev: i32) -> i32 {
    notify_after(with_sim(|s| vicap::stop(s, dev)))
}

/// Sets the mirror mask of sensor `dev` for its next start: 1 horizontal mirror, 2 vertical
/// flip.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_set_mirror(dev: i32, mask: u32) -> i32 {
    with_sim(|s| vicap::set_mirror(s, dev, mask))
}

/// Renders the next frame of sensor channel (`dev`, `chn`) and describes it in `out`, as
/// `kd_mpi_vicap_dump_frame` does.
///
/// # Safety
/// `out` is NULL or points to a writable `k_video_frame_info`.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_dump_frame(
    dev: i32,
    chn: i32,
    out: *mut k_video_frame_info,
) -> i32 {
    // SAFETY: NULL or valid and exclusive for the call, per the function contract.
    let out = unsafe { out.as_mut() };
    with_sim(|s| vicap::dump_frame(s, dev, chn, out))
}

/// Claims the CSI bus of sensor `dev` for a CanMV `Sensor` object: writes the claim's token
/// to `token` and returns 0, or VICAP `EXIST` if it is claimed and `force` is 0.
///
/// # Safety
/// `token` is NULL (then VICAP `NULL_PTR`) or points to a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_claim(dev: i32, force: i32, token: *mut u32) -> i32 {
    // SAFETY: NULL or valid and exclusive for the call, per the function contract.
    let Some(token) = (unsafe { token.as_mut() }) else {
        return err::vicap(err::num::NULL_PTR);
    };
    with_sim(|s| {
        *token = vicap::claim(s, dev, force != 0)?;
        Ok(())
    })
}

/// The token of the claim on sensor `dev`'s CSI bus, 0 if it is free.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_owner(dev: i32) -> u32 {
    vicap::owner(&state::lock(), dev)
}

/// Selects the sensor frame source for devices started from now on: the Y4M file `path`
/// (NUL-terminated), or the test pattern for NULL / "". Returns 0, or a VICAP code (the file
/// is opened and indexed now); `k230_sim_vicap_error` then describes the problem.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_set_source(path: *const c_char) -> i32 {
    let path = if path.is_null() {
        None
    } else {
        // SAFETY: non-NULL and NUL-terminated, per the function contract.
        let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
        use std::os::unix::ffi::OsStrExt;
        Some(std::path::Path::new(std::ffi::OsStr::from_bytes(bytes))).filter(|_| !bytes.is_empty())
    };
    with_sim(|s| vicap::set_source(s, path))
}

/// Text of the last sensor-source error (from `k230_sim_vicap_set_source` or a
/// `k230_sim_vicap_start` that could not use the Y4M file), "" if none. Valid until the next
/// VICAP call.
///
/// # Safety
/// None: takes no pointers. The result must not be freed.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_vicap_error() -> *const c_char {
    let sim = state::lock();
    // The CString lives in the global state, which is never dropped; it is replaced only
    // under the lock by later VICAP calls (the documented validity).
    sim.vicap_source.error.as_ptr()
}

fn notify_after(r: i32) -> i32 {
    state::global().notify();
    r
}

/// Makes `func` fail with `code` after `skip` more successful calls, `count` times.
///
/// # Safety
/// `func` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_fault_inject(
    func: *const c_char,
    code: i32,
    skip: u32,
    count: u32,
) -> i32 {
    if func.is_null() {
        return -1;
    }
    // SAFETY: non-NULL and NUL-terminated, per the function contract.
    let name = unsafe { CStr::from_ptr(func) };
    state::lock()
        .faults
        .inject(name.to_bytes(), code, skip, count)
}

/// Removes every fault rule (and resets the fired count).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_fault_clear() {
    state::lock().faults.clear();
}

/// How many injected failures fired since the last `k230_sim_fault_clear`.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_fault_fired() -> u32 {
    state::lock().faults.fired()
}

/// Sets the run-time policy `name` (`policy::SWITCH_NAMES`) to `value` for channels created
/// from now on: 0, -1 for an unknown name, -2 for a value it does not take.
///
/// # Safety
/// `name` and `value` are NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_set_policy(name: *const c_char, value: *const c_char) -> i32 {
    // SAFETY: NUL-terminated, per the function contract.
    let (name, value) = unsafe { (CStr::from_ptr(name), CStr::from_ptr(value)) };
    let Some(i) = crate::policy::SWITCH_NAMES
        .iter()
        .position(|n| n.0.as_bytes() == name.to_bytes())
    else {
        return -1;
    };
    let (_, _, off, on) = crate::policy::SWITCH_NAMES[i];
    let flag = match value {
        v if v == off => false,
        v if v == on => true,
        _ => return -2,
    };
    state::lock().set_switch(i, flag);
    0
}

/// The current value of run-time policy `name`, or NULL for an unknown name (a static string).
///
/// # Safety
/// `name` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_policy(name: *const c_char) -> *const c_char {
    // SAFETY: NUL-terminated, per the function contract.
    let name = unsafe { CStr::from_ptr(name) };
    let Some(i) = crate::policy::SWITCH_NAMES
        .iter()
        .position(|n| n.0.as_bytes() == name.to_bytes())
    else {
        return std::ptr::null();
    };
    let (_, _, off, on) = crate::policy::SWITCH_NAMES[i];
    if *state::lock().switches.flag(i) {
        on.as_ptr()
    } else {
        off.as_ptr()
    }
}

/// The CanMV IDE preview's channel (`crate::ide`): `on` > 0 takes it, 0 gives it back, < 0
/// only tells; its number (or -1) in `*chn`.
///
/// # Safety
/// `chn` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_ide_preview(on: i32, chn: *mut i32) -> i32 {
    let r = {
        let mut sim = state::lock();
        if on < 0 {
            Ok(sim.ide_preview)
        } else {
            crate::ide::set_preview(&mut sim, on != 0)
        }
    };
    state::global().notify();
    // SAFETY: NULL or writable, per the function contract.
    if let Some(out) = unsafe { chn.as_mut() } {
        *out = r.ok().flatten().map_or(-1, |c| c as i32);
    }
    err::code(r.map(|_| ()))
}

/// Fills `out` with the current counters (no-op for NULL).
///
/// # Safety
/// `out` is NULL or points to a writable `k230_sim_stats`.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_get_stats(out: *mut K230SimStats) {
    // SAFETY: NULL or valid and exclusive for the call, per the function contract.
    if let Some(out) = unsafe { out.as_mut() } {
        *out = stats::collect(&state::lock());
    }
}

/// The pictures VENC channel `chn` dropped: `out[0]` by frame-rate conversion (the `drop`
/// frame-rate policy), `out[1]` because they did not fit in an output buffer, `out[2]` sensor
/// frames that came due under the realtime clock while every output buffer was full. 0, or
/// -1 when the channel is not created (`out` untouched).
///
/// # Safety
/// `out` is NULL or points to three writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_venc_drops(chn: u32, out: *mut u64) -> i32 {
    let Some(c) = venc::counters(chn) else {
        return -1;
    };
    if !out.is_null() {
        // SAFETY: three writable u64, per the function contract.
        unsafe {
            *out = c.dropped_rate;
            *out.add(1) = c.dropped_large;
            *out.add(2) = c.dropped_full;
        }
    }
    0
}

/// Selects the codec backend for channels created from now on: 0, -1 if unknown, or -2 if
/// this simulator was built without it (`libav` without the crate's `libav` feature).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_set_backend(name: *const c_char) -> i32 {
    if name.is_null() {
        return -1;
    }
    // SAFETY: non-NULL and NUL-terminated, per the function contract.
    let name = unsafe { CStr::from_ptr(name) };
    match codec::by_name(name.to_bytes()) {
        Some(b) => {
            state::lock().backend = b;
            0
        }
        None if codec::is_compiled_out(name.to_bytes()) => -2,
        None => -1,
    }
}

/// Name of the current backend (a static string).
///
/// # Safety
/// None: takes no pointers. The result must not be freed.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_backend() -> *const c_char {
    state::lock().backend.name().as_ptr()
}
