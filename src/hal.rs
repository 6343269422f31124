//! A small safe boundary over the MPP calls the core makes.
//!
//! [`Mpp`] has one method per vendor function, with typed arguments and
//! `Result` returns; [`K230Mpp`] implements it over the `extern "C"`
//! functions of [`crate::mpp`] (resolved by the K230 SDK libraries on the
//! board, by the `sim/` crate on a PC). Core tests plug in a fake.

use core::ptr::NonNull;

use crate::mpp::*;

pub use crate::mpp::err::MppError;

/// Result of one MPP call.
pub type MppResult<T = ()> = core::result::Result<T, MppError>;

/// The name of the function [`Mpp::venc_attach_vb_pool`] calls, for errors: the SDK built
/// against decides (`functions::ALTERNATIVES`, build.rs).
#[cfg(not(k230_mpp_calls = "kd_mpi_venc_attach_vb_pool_ex"))]
pub const VENC_ATTACH_CALL: &str = functions::VENC_ATTACH_VB_POOL;
/// The name of the function [`Mpp::venc_attach_vb_pool`] calls (here the SDK's `_ex` form).
#[cfg(k230_mpp_calls = "kd_mpi_venc_attach_vb_pool_ex")]
pub const VENC_ATTACH_CALL: &str = functions::VENC_ATTACH_VB_POOL_EX;

/// Converts a `k_s32` return value.
#[inline]
pub fn code(ret: k_s32) -> MppResult {
    MppError::check(ret)
}

/// The MPP operations the core needs. Contracts follow the K230 MPP docs.
///
/// Implementations are cheap handles (`Clone`): GetStream and SendFrame wait on a copy
/// outside the module lock while other calls go on through the one in the module state.
pub trait Mpp: Clone {
    /// `kd_mpi_venc_create_chn`.
    fn venc_create_chn(&mut self, chn: u32, attr: &k_venc_chn_attr) -> MppResult;
    /// `kd_mpi_venc_destroy_chn`: the channel must be stopped.
    fn venc_destroy_chn(&mut self, chn: u32) -> MppResult;
    /// `kd_mpi_venc_start_chn`.
    fn venc_start_chn(&mut self, chn: u32) -> MppResult;
    /// `kd_mpi_venc_stop_chn`: repeated stops succeed.
    fn venc_stop_chn(&mut self, chn: u32) -> MppResult;
    /// `kd_mpi_venc_set_rotation`: after create, before start.
    fn venc_set_rotation(&mut self, chn: u32, rotation: k_rotation) -> MppResult;
    /// `kd_mpi_venc_set_mirror`: after create, before start.
    fn venc_set_mirror(&mut self, chn: u32, mirror: k_venc_mirror) -> MppResult;
    /// `kd_mpi_venc_enable_idr`.
    fn venc_enable_idr(&mut self, chn: u32, enable: bool) -> MppResult;
    /// `kd_mpi_venc_query_status`: returns `cur_packs`, the packs of the next frame.
    fn venc_query_packs(&mut self, chn: u32) -> MppResult<u32>;
    /// `kd_mpi_venc_query_status`: the whole status (`Encoder.QueryStatus`).
    fn venc_query_status(&mut self, chn: u32) -> MppResult<k_venc_chn_status>;
    /// `kd_mpi_venc_request_idr`: the next encoded frame is an IDR.
    fn venc_request_idr(&mut self, chn: u32) -> MppResult;
    /// `kd_mpi_venc_get_stream` into `packs` (its length is `pack_cnt`);
    /// returns how many entries the driver filled.
    fn venc_get_stream(
        &mut self,
        chn: u32,
        packs: &mut [k_venc_pack],
        timeout_ms: i32,
    ) -> MppResult<usize>;
    /// `kd_mpi_venc_release_stream` of packs obtained by one `venc_get_stream`.
    fn venc_release_stream(&mut self, chn: u32, packs: &mut [k_venc_pack]) -> MppResult;
    /// `kd_mpi_venc_send_frame`.
    fn venc_send_frame(
        &mut self,
        chn: u32,
        frame: &mut k_video_frame_info,
        timeout_ms: i32,
    ) -> MppResult;
    /// `kd_mpi_sys_bind`.
    fn sys_bind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult;
    /// `kd_mpi_sys_unbind`.
    fn sys_unbind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult;
    /// `kd_mpi_sys_get_bind_by_dest`: the source bound to `dst`. What the MPP returns for a
    /// destination nothing is bound to is not documented (an error, or some source).
    fn sys_get_bind_by_dest(&mut self, dst: &k_mpp_chn) -> MppResult<k_mpp_chn>;
    /// `kd_mpi_sys_mmap` (non-cached); `None` when the driver returns NULL.
    fn sys_mmap(&mut self, phys: u64, len: u32) -> Option<NonNull<u8>>;
    /// `kd_mpi_sys_munmap`.
    fn sys_munmap(&mut self, virt: NonNull<u8>, len: u32) -> MppResult;
    /// `kd_mpi_vb_set_config`.
    fn vb_set_config(&mut self, config: &k_vb_config) -> MppResult;
    /// `kd_mpi_vb_init`.
    fn vb_init(&mut self) -> MppResult;
    /// `kd_mpi_vb_exit`.
    fn vb_exit(&mut self) -> MppResult;
    /// `kd_mpi_vb_create_pool`: the new pool id.
    #[cfg(feature = "abi-2025")]
    fn vb_create_pool(&mut self, config: &k_vb_pool_config) -> MppResult<u32>;
    /// `kd_mpi_vb_destory_pool` (the SDK's spelling).
    #[cfg(feature = "abi-2025")]
    fn vb_destroy_pool(&mut self, pool: u32) -> MppResult;
    /// `kd_mpi_venc_request_chn`: a channel nobody has requested or created.
    #[cfg(k230_mpp_request_chn)]
    fn venc_request_chn(&mut self) -> MppResult<u32>;
    /// `kd_mpi_venc_release_chn`: gives a requested channel back.
    #[cfg(k230_mpp_request_chn)]
    fn venc_release_chn(&mut self, chn: u32) -> MppResult;
    /// `kd_mpi_venc_attach_vb_pool`: `buf_num` blocks of `pool` become the channel's output buffers.
    #[cfg(feature = "abi-2025")]
    fn venc_attach_vb_pool(&mut self, chn: u32, pool: u32, buf_num: u32) -> MppResult;
    /// `kd_mpi_venc_detach_vb_pool`.
    #[cfg(feature = "abi-2025")]
    fn venc_detach_vb_pool(&mut self, chn: u32) -> MppResult;
}

/// The MPP of the platform the crate is linked against (K230 SDK or `sim/`).
#[derive(Debug, Default, Clone, Copy)]
pub struct K230Mpp;

impl K230Mpp {
    /// The handle (a unit: the MPP is the linked library's global state).
    pub const NEW: K230Mpp = K230Mpp;
}

/// The MPP the C entry points drive: the linked platform's, or under `cargo test` the
/// scripted fake, so that the entry points themselves are what the tests run.
#[cfg(not(test))]
pub type Platform = K230Mpp;
/// The MPP the C entry points drive: the linked platform's, or under `cargo test` the
/// scripted fake, so that the entry points themselves are what the tests run.
#[cfg(test)]
pub type Platform = crate::tests::script::Scripted;

impl Mpp for K230Mpp {
    fn venc_create_chn(&mut self, chn: u32, attr: &k_venc_chn_attr) -> MppResult {
        // SAFETY: `attr` is a valid, initialised struct for the duration of the call.
        code(unsafe { kd_mpi_venc_create_chn(chn, attr as *const _ as _) })
    }
    fn venc_destroy_chn(&mut self, chn: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_venc_destroy_chn(chn) })
    }
    fn venc_start_chn(&mut self, chn: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_venc_start_chn(chn) })
    }
    fn venc_stop_chn(&mut self, chn: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_venc_stop_chn(chn) })
    }
    fn venc_set_rotation(&mut self, chn: u32, rotation: k_rotation) -> MppResult {
        // SAFETY: scalar arguments only.
        code(unsafe { kd_mpi_venc_set_rotation(chn, rotation) })
    }
    fn venc_set_mirror(&mut self, chn: u32, mirror: k_venc_mirror) -> MppResult {
        // SAFETY: scalar arguments only.
        code(unsafe { kd_mpi_venc_set_mirror(chn, mirror) })
    }
    fn venc_enable_idr(&mut self, chn: u32, enable: bool) -> MppResult {
        let flag = if enable { K_TRUE } else { K_FALSE };
        // SAFETY: scalar arguments only.
        code(unsafe { kd_mpi_venc_enable_idr(chn, flag) })
    }
    fn venc_query_packs(&mut self, chn: u32) -> MppResult<u32> {
        Ok(self.venc_query_status(chn)?.cur_packs)
    }
    fn venc_query_status(&mut self, chn: u32) -> MppResult<k_venc_chn_status> {
        let mut status = k_venc_chn_status::default();
        // SAFETY: `status` is a valid out-parameter.
        code(unsafe { kd_mpi_venc_query_status(chn, &mut status) })?;
        Ok(status)
    }
    fn venc_request_idr(&mut self, chn: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_venc_request_idr(chn) })
    }
    fn venc_get_stream(
        &mut self,
        chn: u32,
        packs: &mut [k_venc_pack],
        timeout_ms: i32,
    ) -> MppResult<usize> {
        let mut stream = k_venc_stream {
            pack: packs.as_mut_ptr(),
            pack_cnt: packs.len() as u32,
        };
        // SAFETY: `stream.pack` points at `packs.len()` writable entries that outlive the call.
        code(unsafe { kd_mpi_venc_get_stream(chn, &mut stream, timeout_ms) })?;
        Ok((stream.pack_cnt as usize).min(packs.len()))
    }
    fn venc_release_stream(&mut self, chn: u32, packs: &mut [k_venc_pack]) -> MppResult {
        let mut stream = k_venc_stream {
            pack: packs.as_mut_ptr(),
            pack_cnt: packs.len() as u32,
        };
        // SAFETY: the same pack entries that get_stream filled, still alive.
        code(unsafe { kd_mpi_venc_release_stream(chn, &mut stream) })
    }
    fn venc_send_frame(
        &mut self,
        chn: u32,
        frame: &mut k_video_frame_info,
        timeout_ms: i32,
    ) -> MppResult {
        // SAFETY: `frame` is a valid struct for the duration of the call.
        code(unsafe { kd_mpi_venc_send_frame(chn, frame, timeout_ms) })
    }
    fn sys_bind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
        let (mut s, mut d) = (*src, *dst);
        // SAFETY: both point at valid local copies.
        code(unsafe { kd_mpi_sys_bind(&mut s, &mut d) })
    }
    fn sys_unbind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
        let (mut s, mut d) = (*src, *dst);
        // SAFETY: both point at valid local copies.
        code(unsafe { kd_mpi_sys_unbind(&mut s, &mut d) })
    }
    fn sys_get_bind_by_dest(&mut self, dst: &k_mpp_chn) -> MppResult<k_mpp_chn> {
        let mut d = *dst;
        let mut s = k_mpp_chn::default();
        // SAFETY: both point at valid locals; the MPP writes only `s`.
        code(unsafe { kd_mpi_sys_get_bind_by_dest(&mut d, &mut s) })?;
        Ok(s)
    }
    fn sys_mmap(&mut self, phys: u64, len: u32) -> Option<NonNull<u8>> {
        // SAFETY: the driver validates the address; NULL is handled.
        NonNull::new(unsafe { kd_mpi_sys_mmap(phys as k_u64, len) } as *mut u8)
    }
    fn sys_munmap(&mut self, virt: NonNull<u8>, len: u32) -> MppResult {
        // SAFETY: `virt`/`len` come from a successful kd_mpi_sys_mmap.
        code(unsafe { kd_mpi_sys_munmap(virt.as_ptr().cast(), len) })
    }
    fn vb_set_config(&mut self, config: &k_vb_config) -> MppResult {
        // SAFETY: `config` is a valid struct for the duration of the call.
        code(unsafe { kd_mpi_vb_set_config(config as *const _ as _) })
    }
    fn vb_init(&mut self) -> MppResult {
        // SAFETY: no arguments.
        code(unsafe { kd_mpi_vb_init() })
    }
    fn vb_exit(&mut self) -> MppResult {
        // SAFETY: no arguments.
        code(unsafe { kd_mpi_vb_exit() })
    }
    #[cfg(feature = "abi-2025")]
    fn vb_create_pool(&mut self, config: &k_vb_pool_config) -> MppResult<u32> {
        let mut c = *config;
        // SAFETY: `c` is a valid local copy for the duration of the call.
        let id = unsafe { kd_mpi_vb_create_pool(&mut c) };
        // A pool id, or VB_INVALID_POOLID (-1) / an error code (negative as k_s32).
        match MppError::from_code(id) {
            Some(e) if id < 0 => Err(e),
            _ => Ok(id as u32),
        }
    }
    #[cfg(feature = "abi-2025")]
    fn vb_destroy_pool(&mut self, pool: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_vb_destory_pool(pool) })
    }
    #[cfg(all(
        feature = "abi-2025",
        not(k230_mpp_calls = "kd_mpi_venc_attach_vb_pool_ex")
    ))]
    fn venc_attach_vb_pool(&mut self, chn: u32, pool: u32, buf_num: u32) -> MppResult {
        // SAFETY: scalar arguments only.
        code(unsafe { kd_mpi_venc_attach_vb_pool(chn, pool, buf_num) })
    }
    #[cfg(all(feature = "abi-2025", k230_mpp_calls = "kd_mpi_venc_attach_vb_pool_ex"))]
    fn venc_attach_vb_pool(&mut self, chn: u32, pool: u32, buf_num: u32) -> MppResult {
        // SetOutBufs keeps buf_num far below i32::MAX.
        let n = k_s32::try_from(buf_num).unwrap_or(k_s32::MAX);
        // SAFETY: scalar arguments only.
        code(unsafe { kd_mpi_venc_attach_vb_pool_ex(chn, pool, n) })
    }
    #[cfg(feature = "abi-2025")]
    fn venc_detach_vb_pool(&mut self, chn: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_venc_detach_vb_pool(chn) })
    }
    #[cfg(k230_mpp_request_chn)]
    fn venc_request_chn(&mut self) -> MppResult<u32> {
        let mut chn: k_u32 = 0;
        // SAFETY: `chn` is a valid local for the duration of the call.
        code(unsafe { kd_mpi_venc_request_chn(&mut chn) })?;
        Ok(chn)
    }
    #[cfg(k230_mpp_request_chn)]
    fn venc_release_chn(&mut self, chn: u32) -> MppResult {
        // SAFETY: scalar argument only.
        code(unsafe { kd_mpi_venc_release_chn(chn) })
    }
}
