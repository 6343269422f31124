//! Errors of the core.
//!
//! Every failure carries enough to build a clear Python exception: the argument and its
//! allowed values, the operation and the channel state, or the MPP call with its K230 code.
//! `kind()` tells the C glue which Python exception type to raise; `Display` writes the
//! message. The codes themselves and their names are [`crate::mpp::err`].
#![forbid(unsafe_code)]

use core::fmt;

use crate::mpp::err::MppError;
use crate::state::{advice, ChnState, Step};

/// Which Python exception an [`Error`] becomes (`VENC_ERR_*` in C).
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
    /// The glue's poll callback stopped a wait (it holds the exception to raise).
    Aborted = 6,
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
    /// `arg` must be one of `choices` (values of a C enum, named); `got` is the value given.
    OneOf {
        /// Argument name.
        arg: &'static str,
        /// The values allowed, with their names.
        choices: &'static [Named],
        /// The value given.
        got: i64,
    },
    /// `op` was given channel -1: the channel of an `Encoder` that has not requested one
    /// (`Encoder.chn` is -1 until `Create(chnAttr)`).
    NoChannel {
        /// The method, e.g. `Start`.
        op: &'static str,
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
    /// `op` is not allowed on channel `chn` in `state`; the message advises the calls that
    /// let it succeed ([`crate::state::advice`]).
    State {
        /// The API call (e.g. `Start`).
        op: &'static str,
        /// Channel number.
        chn: u32,
        /// The state the channel is in.
        state: ChnState,
        /// Whether the channel is an Encoder's own (the implicit-channel shape, whose calls
        /// take no channel number): the advice names `Start()` rather than `Start(0)`.
        implicit: bool,
    },
    /// `Create` of channel `chn`, which has no output buffers (no `SetOutBufs` for it).
    NoOutBufs {
        /// Channel number.
        chn: u32,
        /// `MediaManager.init()` was called already: SetOutBufs must come before it.
        media_inited: bool,
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
    /// No stream / no free buffer within the timeout.
    Timeout {
        /// The MPP code returned (e.g. K_ERR_VENC_BUF_EMPTY).
        err: MppError,
    },
    /// The caller's poll callback asked to stop waiting (Ctrl-C, the IDE's stop).
    Aborted,
    /// An MPP call failed with a K230 error code.
    Mpp {
        /// The MPP function.
        call: &'static str,
        /// The K230 code.
        err: MppError,
    },
    /// Several MPP calls of a teardown failed (one failure alone is an [`Error::Mpp`]); what
    /// they would have released is kept and retried by the next teardown.
    Teardown(Failures),
    /// `op` on channel `chn` is refused: an earlier release of the channel failed and is
    /// still pending.
    Pending {
        /// The API call.
        op: &'static str,
        /// Channel number.
        chn: u32,
        /// The release that failed.
        failed: Failure,
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
            Error::Range { .. }
            | Error::NoChannel { .. }
            | Error::OneOf { .. }
            | Error::Invalid { .. }
            | Error::Expected { .. } => ErrorKind::Value,
            Error::Type { .. } => ErrorKind::Type,
            Error::State { .. }
            | Error::NoOutBufs { .. }
            | Error::Order { .. }
            | Error::Capacity { .. } => ErrorKind::Runtime,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Aborted => ErrorKind::Aborted,
            Error::Mpp { .. } | Error::Map { .. } | Error::Teardown(_) => ErrorKind::Os,
            Error::Pending { .. } => ErrorKind::Runtime,
        }
    }

    /// The K230 code carried by the error, or 0.
    pub fn mpp_code(&self) -> i32 {
        match self {
            Error::Timeout { err } | Error::Mpp { err, .. } => err.code(),
            Error::Teardown(f) => f.first().map_or(0, |f| f.err.code()),
            Error::Map { .. } => crate::mpp::err::K_FAILED.code(),
            _ => 0,
        }
    }
}

/// An [`Error::Mpp`] naming the failed `call` (one of [`crate::mpp::functions`]).
pub fn failed(call: &'static str) -> impl Fn(MppError) -> Error {
    move |err| Error::Mpp { call, err }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Range { arg, allowed, got } => {
                write!(f, "{arg} must be {allowed} (got {})", Got(got))
            }
            Error::OneOf { arg, choices, got } => {
                write!(f, "{arg} must be ")?;
                for (i, c) in choices.iter().enumerate() {
                    let sep = match i {
                        0 => "",
                        _ if i + 1 == choices.len() => " or ",
                        _ => ", ",
                    };
                    write!(f, "{sep}{} ({}{})", c.name, c.value, c.note)?;
                }
                write!(f, " (got {})", Got(got))
            }
            Error::Expected {
                arg,
                want,
                what,
                got,
            } => write!(f, "{arg} must be {want} ({what}) (got {})", Got(got)),
            Error::NoChannel { op } => {
                write!(
                    f,
                    "{op}: no channel requested yet (chn -1: Encoder.chn is -1 until \
                     Create(chnAttr) requests one)"
                )?;
                write_steps(f, advice(op, ChnState::Free).steps, 0, true)?;
                f.write_str(" first, or name a channel 0..3")
            }
            Error::Invalid { arg, why } => write!(f, "{arg}: {why}"),
            Error::Type { arg, expected } => write!(f, "{arg} must be {expected}"),
            Error::State {
                op,
                chn,
                state,
                implicit,
            } => {
                let a = advice(op, state);
                if implicit {
                    write!(f, "{op}(): channel {chn} (Encoder.chn) is {}", state.name())?;
                } else {
                    write!(f, "{op}({chn}): channel {chn} is {}", state.name())?;
                }
                if !a.note.is_empty() {
                    write!(f, " ({})", a.note)?;
                }
                write_steps(f, a.steps, chn, implicit)?;
                if !a.steps.is_empty() {
                    write!(f, " first{}", a.tail)?;
                }
                match (op, implicit) {
                    ("Create", true) => f.write_str(", or use another Encoder"),
                    ("Create", false) => f.write_str(
                        ", or use another channel (media.vencoder.deinit_all() releases \
                         every channel, to start over)",
                    ),
                    _ => Ok(()),
                }
            }
            Error::NoOutBufs { chn, media_inited } => {
                write!(
                    f,
                    "Create({chn}): channel {chn} has no output buffers; call "
                )?;
                if media_inited {
                    write!(
                        f,
                        "MediaManager.deinit(), then SetOutBufs({chn}, buf_num, width, height), \
                         then MediaManager.init() first (SetOutBufs comes before MediaManager.init())"
                    )
                } else {
                    write!(
                        f,
                        "SetOutBufs({chn}, buf_num, width, height) first (before MediaManager.init())"
                    )
                }
            }
            Error::Order { what } => f.write_str(what),
            Error::Capacity { what, max } => write!(f, "{what} (at most {max})"),
            Error::Timeout { err } => write!(f, "no data within the timeout: {err}"),
            Error::Aborted => f.write_str("the wait was interrupted"),
            Error::Mpp { call, err } => write!(f, "{call} failed: {err}"),
            Error::Teardown(ref fs) => {
                for (i, x) in fs.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "; " };
                    write!(f, "{sep}{} failed: {}", x.call, x.err)?;
                }
                if fs.more > 0 {
                    write!(f, "; and {} more", fs.more)?;
                }
                f.write_str(" (what they release is kept; media.vencoder.deinit_all() retries it)")
            }
            Error::Pending { op, chn, failed } => write!(
                f,
                "{op}({chn}): an earlier release of channel {chn} failed ({} failed: {}); \
                 media.vencoder.deinit_all() retries it",
                failed.call, failed.err
            ),
            Error::Map { phys, len } => {
                write!(f, "kd_mpi_sys_mmap({phys:#x}, {len}) returned NULL")
            }
        }
    }
}

/// Writes `; call A, then B` for the advised `steps` on channel `chn`, in the shape of the
/// call: `Start(0)`, or `Start()` for an Encoder's own channel (`implicit`).
fn write_steps(
    f: &mut fmt::Formatter<'_>,
    steps: &[Step],
    chn: u32,
    implicit: bool,
) -> fmt::Result {
    for (i, step) in steps.iter().enumerate() {
        f.write_str(if i == 0 { "; call " } else { ", then " })?;
        match (step, implicit) {
            (Step::Create, true) => f.write_str("Create(chnAttr)")?,
            (Step::Create, false) => write!(f, "Create({chn}, chnAttr)")?,
            (Step::GetStream, true) => f.write_str("GetStream(streamData)")?,
            (Step::GetStream, false) => write!(f, "GetStream({chn}, streamData)")?,
            (s, true) => write!(f, "{s:?}()")?,
            (s, false) => write!(f, "{s:?}({chn})")?,
        }
    }
    Ok(())
}

/// A value of a C enum and the name a script knows it by (`note`: more words, such as
/// ", NV12", printed after the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    /// The value, as the MPP headers built against define it.
    pub value: u32,
    /// Its name in scripts.
    pub name: &'static str,
    /// Printed after the value, e.g. ", NV12"; usually "".
    pub note: &'static str,
}

/// One failed MPP call: which, and its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The MPP function (one of [`crate::mpp::functions`]).
    pub call: &'static str,
    /// Its K230 code.
    pub err: MppError,
}

/// The MPP failures of a sequence that goes on past them (a teardown): the first
/// [`Failures::KEPT`] with their calls, and a count of the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    list: [Option<Failure>; Failures::KEPT],
    len: u8,
    more: u16,
}

impl Failures {
    /// Failures named one by one in the message.
    pub const KEPT: usize = 4;

    /// None yet.
    pub const fn new() -> Self {
        Failures {
            list: [None; Failures::KEPT],
            len: 0,
            more: 0,
        }
    }

    /// Adds the failure of `r`, if any (an MPP failure, or those of a nested teardown).
    pub fn add(&mut self, r: Result<()>) {
        match r {
            Ok(()) => {}
            Err(Error::Mpp { call, err }) => self.push(Failure { call, err }),
            Err(Error::Teardown(fs)) => {
                for x in fs.iter() {
                    self.push(*x);
                }
                self.more = self.more.saturating_add(fs.more);
            }
            Err(Error::Map { .. }) => self.push(Failure {
                call: crate::mpp::functions::SYS_MMAP,
                err: crate::mpp::err::K_FAILED,
            }),
            // Teardown steps fail only in MPP calls; anything else is kept as a failure
            // without a code of its own.
            Err(_) => self.push(Failure {
                call: "teardown",
                err: crate::mpp::err::K_FAILED,
            }),
        }
    }

    fn push(&mut self, x: Failure) {
        match self.list.get_mut(self.len as usize) {
            Some(slot) => {
                *slot = Some(x);
                self.len += 1;
            }
            None => self.more = self.more.saturating_add(1),
        }
    }

    /// The failures named one by one.
    pub fn iter(&self) -> impl Iterator<Item = &Failure> {
        self.list.iter().flatten()
    }

    /// The first failure.
    pub fn first(&self) -> Option<Failure> {
        self.list[0]
    }

    /// Nothing failed: `Ok`; one failure: its [`Error::Mpp`]; several: [`Error::Teardown`].
    pub fn result(self) -> Result<()> {
        match (self.len, self.first()) {
            (0, _) | (_, None) => Ok(()),
            (1, Some(Failure { call, err })) if self.more == 0 => Err(Error::Mpp { call, err }),
            _ => Err(Error::Teardown(self)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpp::err::{num, venc};
    extern crate std;
    use std::string::ToString;

    #[test]
    fn messages_name_argument_range_and_code() {
        let e = Error::Range {
            arg: "chn",
            allowed: "in 0..3",
            got: -1,
        };
        assert_eq!(e.to_string(), "chn must be in 0..3 (got -1)");
        assert_eq!(e.kind(), ErrorKind::Value);
        let e = failed(crate::mpp::functions::VENC_CREATE_CHN)(venc(num::EXIST));
        assert_eq!(
            e.to_string(),
            "kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)"
        );
        assert_eq!(e.kind(), ErrorKind::Os);
        assert_eq!(e.mpp_code() as u32, 0xa0098004);
    }
}
