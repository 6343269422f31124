//! K230 MPP return codes: the one set of `K_ERR_*` values of the project, shared by the
//! core and the simulator, and [`MppError`], the failed-call newtype (after `EspError`).
//!
//! Encoding (`k_errno.h`): `K_DEF_ERR(mod, level, n) = 0xA0000000 | mod << 16 | level << 13 | n`;
//! every `K_ERR_*` uses level ERROR (4), so every code is negative as a `k_s32`.
#![forbid(unsafe_code)]

use core::fmt;
use core::num::NonZeroI32;

/// Constants and the function that names them, from one table.
macro_rules! named {
    ($(#[$doc:meta])* $m:ident { $($(#[$d:meta])* $c:ident = $v:literal $(as $n:literal)?,)* }) => {
        $(#[$doc])*
        pub mod $m {
            $($(#[$d])* pub const $c: u32 = $v;)*

            /// The name of a value, as in `K_ERR_<MOD>_<NAME>`.
            pub(super) const fn name(v: u32) -> Option<&'static str> {
                match v {
                    $($c => Some(named!(@name $c $($n)?)),)*
                    _ => None,
                }
            }
        }
    };
    (@name $c:ident $n:literal) => { $n };
    (@name $c:ident) => { stringify!($c) };
}

named! {
    /// Error numbers (the low 13 bits of a code: `K_ERR_<MOD>_<NAME>`).
    num {
        /// Invalid device id.
        INVALID_DEVID = 1,
        /// Invalid channel id.
        INVALID_CHNID = 2,
        /// Illegal parameter.
        ILLEGAL_PARAM = 3,
        /// Already exists.
        EXIST = 4,
        /// Does not exist.
        UNEXIST = 5,
        /// NULL pointer.
        NULL_PTR = 6,
        /// Not configured.
        NOT_CONFIG = 7,
        /// Not supported.
        NOT_SUPPORT = 8,
        /// Not permitted in this state.
        NOT_PERM = 9,
        /// Out of memory.
        NOMEM = 12,
        /// No buffer.
        NOBUF = 13,
        /// Buffer empty (no stream within the timeout).
        BUF_EMPTY = 14,
        /// Buffer full (no free output buffer within the timeout).
        BUF_FULL = 15,
        /// Not ready.
        NOTREADY = 16,
        /// Bad address.
        BADADDR = 17,
        /// Busy.
        BUSY = 18,
        /// Already written.
        OPT_ALREADY_WRITE = 19,
        /// VB: more than two pools (`K_ERR_VB_2MPOOLS`, BUTT + 1).
        VB_2MPOOLS = 64 as "2MPOOLS",
    }
}

named! {
    /// Module ids that appear in codes (`k_mod_id`, facts sheet 3.5).
    module {
        /// MMZ.
        MMZ = 2,
        /// MMZ user device.
        MMZ_USER_DEV = 3,
        /// Video buffers.
        VB = 4,
        /// System control (bind, mmap).
        SYS = 5,
        /// Video input.
        VI = 6,
        /// Video encoder.
        VENC = 9,
        /// Video decoder.
        VDEC = 10,
        /// Video output.
        VO = 11,
        /// DMA.
        DMA = 20,
        /// Camera capture.
        VICAP = 21,
        /// 2D engine.
        NONAI_2D = 24,
    }
}

/// `K_FAILED`, the generic failure some MPP calls return.
pub const K_FAILED: MppError = MppError(match NonZeroI32::new(-1) {
    Some(v) => v,
    None => panic!(),
});

/// A failed MPP call: its K230 code, never 0 (`K_SUCCESS`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MppError(NonZeroI32);

/// The code `K_DEF_ERR(module, K_ERR_LEVEL_ERROR, number)`.
pub const fn k_err(module: u32, number: u32) -> MppError {
    let code = (0xA000_0000u32 | (module << 16) | (4 << 13) | number) as i32;
    match NonZeroI32::new(code) {
        Some(v) => MppError(v),
        None => panic!("K230 codes are never 0"),
    }
}

/// A VENC code, e.g. `venc(num::BUSY)` is `K_ERR_VENC_BUSY`.
pub const fn venc(number: u32) -> MppError {
    k_err(module::VENC, number)
}

/// A VB code.
pub const fn vb(number: u32) -> MppError {
    k_err(module::VB, number)
}

/// A SYS code.
pub const fn sys(number: u32) -> MppError {
    k_err(module::SYS, number)
}

/// A VICAP code.
pub const fn vicap(number: u32) -> MppError {
    k_err(module::VICAP, number)
}

impl MppError {
    /// The error a `k_s32` return value stands for; `None` for `K_SUCCESS` (0).
    pub const fn from_code(code: i32) -> Option<Self> {
        match NonZeroI32::new(code) {
            Some(v) => Some(MppError(v)),
            None => None,
        }
    }

    /// `Ok(())` for 0, else the error.
    ///
    /// # Errors
    /// The code when it is not `K_SUCCESS`.
    pub const fn check(code: i32) -> Result<(), Self> {
        match Self::from_code(code) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// The raw code (negative as a `k_s32`).
    pub const fn code(self) -> i32 {
        self.0.get()
    }

    /// The module id (bits 23..16).
    pub const fn module(self) -> u32 {
        ((self.code() as u32) >> 16) & 0xFF
    }

    /// The error number (bits 12..0), e.g. [`num::BUF_EMPTY`].
    pub const fn number(self) -> u32 {
        (self.code() as u32) & 0x1FFF
    }

    /// Whether this is a code of the K_DEF_ERR form (app id 0xA0).
    const fn is_k230(self) -> bool {
        (self.code() as u32) & 0xFF00_0000 == 0xA000_0000
    }

    /// The symbolic name, e.g. `K_ERR_VENC_EXIST`, for `Display`.
    pub const fn name(self) -> Name {
        Name(self)
    }
}

/// Displays the symbolic name of a code: `K_ERR_VENC_EXIST`, `K_FAILED`, `K_ERR_VENC_77` for an
/// unknown number of a known module, `K_ERR_UNKNOWN` otherwise.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name(MppError);

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        if e == K_FAILED {
            return f.write_str("K_FAILED");
        }
        if !e.is_k230() {
            return f.write_str("K_ERR_UNKNOWN");
        }
        match (module::name(e.module()), num::name(e.number())) {
            (Some(m), Some(n)) => write!(f, "K_ERR_{m}_{n}"),
            (Some(m), None) => write!(f, "K_ERR_{m}_{}", e.number()),
            _ => f.write_str("K_ERR_UNKNOWN"),
        }
    }
}

/// `K_ERR_VENC_BUSY (0xa0098012)`.
impl fmt::Display for MppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#010x})", self.name(), self.code() as u32)
    }
}

/// `MppError(K_ERR_VENC_BUSY (0xa0098012))`.
impl fmt::Debug for MppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MppError({self})")
    }
}

const _: () = {
    assert!(venc(num::INVALID_CHNID).code() as u32 == 0xa009_8002);
    assert!(venc(num::BUF_EMPTY).code() as u32 == 0xa009_800e);
    assert!(vb(num::UNEXIST).code() as u32 == 0xa004_8005);
    assert!(sys(num::NULL_PTR).code() as u32 == 0xa005_8006);
    assert!(vicap(num::NOTREADY).code() as u32 == 0xa015_8010);
    assert!(vb(num::VB_2MPOOLS).code() as u32 == 0xa004_8040);
};

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;
    use std::string::ToString;

    fn name(code: u32) -> std::string::String {
        MppError::from_code(code as i32).unwrap().name().to_string()
    }

    #[test]
    fn names_follow_the_k230_encoding() {
        assert_eq!(venc(num::EXIST).code() as u32, 0xa009_8004);
        assert_eq!(venc(num::EXIST).name().to_string(), "K_ERR_VENC_EXIST");
        assert_eq!(name(0xa009800e), "K_ERR_VENC_BUF_EMPTY");
        assert_eq!(name(0xa0048040), "K_ERR_VB_2MPOOLS");
        assert_eq!(name(0xa0058011), "K_ERR_SYS_BADADDR");
        assert_eq!(K_FAILED.name().to_string(), "K_FAILED");
        assert_eq!(name(5), "K_ERR_UNKNOWN");
        assert_eq!(name(0xa0638001), "K_ERR_UNKNOWN");
        assert_eq!(name(0xa009804d), "K_ERR_VENC_77");
    }

    #[test]
    fn display_gives_name_and_hex_code() {
        let e = venc(num::BUSY);
        assert_eq!(e.to_string(), "K_ERR_VENC_BUSY (0xa0098012)");
        assert_eq!(format!("{e:?}"), "MppError(K_ERR_VENC_BUSY (0xa0098012))");
        assert_eq!(MppError::check(0), Ok(()));
        assert_eq!(MppError::check(e.code()), Err(e));
        assert_eq!((e.module(), e.number()), (module::VENC, num::BUSY));
    }
}
