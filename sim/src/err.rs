//! K230 error codes as the simulator returns them: `k_s32` values of the core's one set
//! (`k230_venc::mpp::err`), which defines the numbers, the modules and the encoding.

use k230_venc::mpp::err::{self as core_err};
use k230_venc::mpp::k_s32;

/// Error numbers (`K_ERR_*`).
pub use core_err::num;

/// A VENC (module 9) error code.
pub const fn venc(number: u32) -> k_s32 {
    core_err::venc(number).code()
}

/// A VB (module 4) error code.
pub const fn vb(number: u32) -> k_s32 {
    core_err::vb(number).code()
}

/// A SYS (module 5) error code.
pub const fn sys(number: u32) -> k_s32 {
    core_err::sys(number).code()
}

/// A VICAP (module 21) error code.
pub const fn vicap(number: u32) -> k_s32 {
    core_err::vicap(number).code()
}

/// `Result` with a K230 error code.
pub type KResult<T = ()> = Result<T, k_s32>;

/// Turns a `KResult<()>` into the C return value.
pub fn code(r: KResult) -> k_s32 {
    match r {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// A code as the K230 names it, with its value: `K_ERR_VENC_ILLEGAL_PARAM (0xa0098003)`.
pub fn name(code: k_s32) -> String {
    match core_err::MppError::from_code(code) {
        Some(e) => e.to_string(),
        None => format!("{code:#x}"),
    }
}
