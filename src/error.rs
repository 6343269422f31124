//! Errors of the core, and the names of K230 MPP error codes.
//!
//! Every failure carries enough to build a clear Python exception: the
//! argument and its allowed range, the operation and the channel state, or
//! the MPP call with its K230 code. `kind()` tells the C glue which Python
//! exception type to raise; `Display` writes the message.

use core::fmt;

use crate::encoder::ChnState;

/// Which Python exception an [`Error`] becomes.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `ValueError`: an argument outside its allowed values.
    Value = 1,
    /// `TypeError`: an argument of the wrong kind.
    Type = 2,
    /// `RuntimeError`: a call in the wrong state or order.
    Runtime = 3,
    /// `OSError(code, message)`: the MPP refused; carries the K230 code.
    Os = 4,
    /// Not an exception: no data within the timeout (GetStream/SendFrame return the code).
    Timeout = 5,
}

/// A failure of a core operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `arg` is outside `allowed` (text such as "0..3"); `got` is the value given.
    Range {
        /// Argument name as the user wrote it (e.g. `chnAttr.pic_width`).
        arg: &'static str,
        /// The allowed values, in words.
        allowed: &'static str,
        /// The value given.
        got: i64,
    },
    /// `arg` does not fit the rest of the arguments; `why` explains.
    Invalid {
        /// Argument name.
        arg: &'static str,
        /// What is wrong and what to pass instead.
        why: &'static str,
    },
    /// `arg` must equal a value the channel was configured with.
    Expected {
        /// Argument name.
        arg: &'static str,
        /// The value it must have.
        want: i64,
        /// Where that value comes from.
        what: &'static str,
        /// The value given.
        got: i64,
    },
    /// `arg` is of the wrong kind; `expected` says what is needed.
    Type {
        /// Argument name.
        arg: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `op` is not allowed on channel `chn` in `state`; `hint` says what to do.
    State {
        /// The API call (e.g. `Start`).
        op: &'static str,
        /// Channel number.
        chn: u32,
        /// The state the channel is in.
        state: ChnState,
        /// What to call first.
        hint: &'static str,
    },
    /// A call out of order that is not about one channel (e.g. media already initialised).
    Order {
        /// The whole message.
        what: &'static str,
    },
    /// A fixed capacity is exhausted.
    Capacity {
        /// What ran out.
        what: &'static str,
        /// The capacity.
        max: u32,
    },
    /// No stream / no free buffer within the timeout; `code` is the MPP code.
    Timeout {
        /// K230 code returned (e.g. K_ERR_VENC_BUF_EMPTY).
        code: i32,
    },
    /// An MPP call failed with a K230 error code.
    Mpp {
        /// The MPP function.
        call: &'static str,
        /// The K230 code (negative as an `int`).
        code: i32,
    },
    /// `kd_mpi_sys_mmap` returned NULL for a stream pack.
    Map {
        /// Physical address that could not be mapped.
        phys: u64,
        /// Length asked for.
        len: u32,
    },
}

impl Error {
    /// The Python exception family.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Range { .. } | Error::Invalid { .. } | Error::Expected { .. } => {
                ErrorKind::Value
            }
            Error::Type { .. } => ErrorKind::Type,
            Error::State { .. } | Error::Order { .. } | Error::Capacity { .. } => {
                ErrorKind::Runtime
            }
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Mpp { .. } | Error::Map { .. } => ErrorKind::Os,
        }
    }

    /// The K230 code carried by the error, or 0.
    pub fn mpp_code(&self) -> i32 {
        match self {
            Error::Timeout { code } | Error::Mpp { code, .. } => *code,
            Error::Map { .. } => -1,
            _ => 0,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Range { arg, allowed, got } => {
                write!(f, "{arg} must be {allowed} (got {})", Got(got))
            }
            Error::Expected {
                arg,
                want,
                what,
                got,
            } => write!(f, "{arg} must be {want} ({what}) (got {})", Got(got)),
            Error::Invalid { arg, why } => write!(f, "{arg}: {why}"),
            Error::Type { arg, expected } => write!(f, "{arg} must be {expected}"),
            Error::State {
                op,
                chn,
                state,
                hint,
            } => {
                write!(f, "{op}({chn}): channel {chn} is {}; {hint}", state.name())
            }
            Error::Order { what } => f.write_str(what),
            Error::Capacity { what, max } => write!(f, "{what} (at most {max})"),
            Error::Timeout { code } => {
                write!(
                    f,
                    "no data within the timeout: {} ({:#010x})",
                    ErrName(code),
                    code as u32
                )
            }
            Error::Mpp { call, code } => {
                write!(
                    f,
                    "{call} failed: {} ({:#010x})",
                    ErrName(code),
                    code as u32
                )
            }
            Error::Map { phys, len } => {
                write!(f, "kd_mpi_sys_mmap({phys:#x}, {len}) returned NULL")
            }
        }
    }
}

/// A value as the script gave it; the glue passes integers beyond 64 bits as the
/// nearest 64-bit limit, which is not worth quoting.
struct Got(i64);

impl fmt::Display for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            i64::MAX => f.write_str("a number beyond 64 bits"),
            i64::MIN => f.write_str("a negative number beyond 64 bits"),
            v => write!(f, "{v}"),
        }
    }
}

/// Result of core operations.
pub type Result<T> = core::result::Result<T, Error>;

/// Turns an MPP return code into a `Result`, naming the call on failure.
pub fn ck(call: &'static str, code: i32) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::Mpp { call, code })
    }
}

/// Builds a K230 error code: `0xA0000000 | module << 16 | level << 13 | number` (level ERROR = 4).
pub const fn k_err(module: u32, number: u32) -> i32 {
    (0xA000_0000u32 | (module << 16) | (4 << 13) | number) as i32
}

/// Module id of an MPP error code.
pub const fn err_module(code: i32) -> u32 {
    ((code as u32) >> 16) & 0xFF
}

/// Error number (low 13 bits) of an MPP error code.
pub const fn err_number(code: i32) -> u32 {
    (code as u32) & 0x1FFF
}

/// MPP error number of "no stream within the timeout" (K_ERR_*_BUF_EMPTY).
pub const ERR_BUF_EMPTY: u32 = 14;
/// MPP error number of "no free output buffer within the timeout" (K_ERR_*_BUF_FULL).
pub const ERR_BUF_FULL: u32 = 15;

fn module_name(module: u32) -> Option<&'static str> {
    Some(match module {
        2 => "MMZ",
        3 => "MMZ_USER_DEV",
        4 => "VB",
        5 => "SYS",
        6 => "VI",
        9 => "VENC",
        10 => "VDEC",
        11 => "VO",
        20 => "DMA",
        21 => "VICAP",
        24 => "NONAI_2D",
        _ => return None,
    })
}

fn number_name(number: u32) -> Option<&'static str> {
    Some(match number {
        1 => "INVALID_DEVID",
        2 => "INVALID_CHNID",
        3 => "ILLEGAL_PARAM",
        4 => "EXIST",
        5 => "UNEXIST",
        6 => "NULL_PTR",
        7 => "NOT_CONFIG",
        8 => "NOT_SUPPORT",
        9 => "NOT_PERM",
        12 => "NOMEM",
        13 => "NOBUF",
        14 => "BUF_EMPTY",
        15 => "BUF_FULL",
        16 => "NOTREADY",
        17 => "BADADDR",
        18 => "BUSY",
        19 => "OPT_ALREADY_WRITE",
        64 => "2MPOOLS",
        _ => return None,
    })
}

/// Displays the symbolic name of a K230 code, e.g. `K_ERR_VENC_EXIST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrName(pub i32);

impl fmt::Display for ErrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.0;
        if code == -1 {
            return f.write_str("K_FAILED");
        }
        if (code as u32) & 0xFF00_0000 != 0xA000_0000 {
            return f.write_str("K_ERR_UNKNOWN");
        }
        match (module_name(err_module(code)), number_name(err_number(code))) {
            (Some(m), Some(n)) => write!(f, "K_ERR_{m}_{n}"),
            (Some(m), None) => write!(f, "K_ERR_{m}_{}", err_number(code)),
            _ => f.write_str("K_ERR_UNKNOWN"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn names_follow_the_k230_encoding() {
        assert_eq!(k_err(9, 4) as u32, 0xa009_8004);
        assert_eq!(ErrName(k_err(9, 4)).to_string(), "K_ERR_VENC_EXIST");
        assert_eq!(
            ErrName(0xa009800eu32 as i32).to_string(),
            "K_ERR_VENC_BUF_EMPTY"
        );
        assert_eq!(
            ErrName(0xa0048040u32 as i32).to_string(),
            "K_ERR_VB_2MPOOLS"
        );
        assert_eq!(
            ErrName(0xa0058011u32 as i32).to_string(),
            "K_ERR_SYS_BADADDR"
        );
        assert_eq!(ErrName(-1).to_string(), "K_FAILED");
        assert_eq!(ErrName(5).to_string(), "K_ERR_UNKNOWN");
        assert_eq!(ErrName(0xa0638001u32 as i32).to_string(), "K_ERR_UNKNOWN");
    }

    #[test]
    fn messages_name_argument_range_and_code() {
        let e = Error::Range {
            arg: "chn",
            allowed: "in 0..3",
            got: -1,
        };
        assert_eq!(e.to_string(), "chn must be in 0..3 (got -1)");
        assert_eq!(e.kind(), ErrorKind::Value);
        let e = Error::Mpp {
            call: "kd_mpi_venc_create_chn",
            code: k_err(9, 4),
        };
        assert_eq!(
            e.to_string(),
            "kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)"
        );
        assert_eq!(e.kind(), ErrorKind::Os);
        assert_eq!(e.mpp_code() as u32, 0xa0098004);
    }
}
