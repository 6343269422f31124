//! K230 error codes: `K_DEF_ERR(mod, ERROR, n) = 0xA0000000 | mod << 16 | 4 << 13 | n`,
//! returned as `k_s32` (every code is negative).

use k230_venc::mpp::{k_s32, K_ID_SYS, K_ID_VB, K_ID_VENC, K_ID_VICAP};

/// Builds `K_DEF_ERR(module, K_ERR_LEVEL_ERROR, number)`.
pub const fn k_err(module: u32, number: u32) -> k_s32 {
    (0xA000_0000u32 | (module << 16) | (4 << 13) | number) as k_s32
}

/// Error numbers (`K_ERR_*`).
pub mod num {
    /// Invalid device id.
    pub const INVALID_DEVID: u32 = 1;
    /// Invalid channel id.
    pub const INVALID_CHNID: u32 = 2;
    /// Illegal parameter.
    pub const ILLEGAL_PARAM: u32 = 3;
    /// Already exists.
    pub const EXIST: u32 = 4;
    /// Does not exist.
    pub const UNEXIST: u32 = 5;
    /// NULL pointer.
    pub const NULL_PTR: u32 = 6;
    /// Not configured.
    pub const NOT_CONFIG: u32 = 7;
    /// Not supported.
    pub const NOT_SUPPORT: u32 = 8;
    /// Not permitted in this state.
    pub const NOT_PERM: u32 = 9;
    /// Out of memory.
    pub const NOMEM: u32 = 12;
    /// No buffer.
    pub const NOBUF: u32 = 13;
    /// Buffer empty.
    pub const BUF_EMPTY: u32 = 14;
    /// Buffer full.
    pub const BUF_FULL: u32 = 15;
    /// Not ready.
    pub const NOTREADY: u32 = 16;
    /// Bad address.
    pub const BADADDR: u32 = 17;
    /// Busy.
    pub const BUSY: u32 = 18;
}

/// A VENC (module 9) error code.
pub const fn venc(number: u32) -> k_s32 {
    k_err(K_ID_VENC, number)
}

/// A VB (module 4) error code.
pub const fn vb(number: u32) -> k_s32 {
    k_err(K_ID_VB, number)
}

/// A SYS (module 5) error code.
pub const fn sys(number: u32) -> k_s32 {
    k_err(K_ID_SYS, number)
}

/// A VICAP (module 21) error code.
pub const fn vicap(number: u32) -> k_s32 {
    k_err(K_ID_VICAP, number)
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

const _: () = {
    assert!(venc(num::INVALID_CHNID) as u32 == 0xa009_8002);
    assert!(venc(num::BUF_EMPTY) as u32 == 0xa009_800e);
    assert!(vb(num::UNEXIST) as u32 == 0xa004_8005);
    assert!(sys(num::NULL_PTR) as u32 == 0xa005_8006);
    assert!(vicap(num::NOTREADY) as u32 == 0xa015_8010);
};
