//! The state of one VENC channel: a leaf module, so that the errors that name a state and
//! the channel logic that moves between states need not import each other.
#![forbid(unsafe_code)]

/// The state of one VENC channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChnState {
    /// Not created (or destroyed).
    Free,
    /// Created, not receiving frames (never started, or stopped).
    Created,
    /// Started: encodes frames.
    Started,
}

impl ChnState {
    /// The state in words, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            ChnState::Free => "not created",
            ChnState::Created => "created but not started",
            ChnState::Started => "started",
        }
    }
}

/// A call that a state error advises (rendered with the channel in the shape of the call:
/// `Start(0)` for a channel named by number, `Start()` for an Encoder's own channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `Create(chn, chnAttr)` / `Create(chnAttr)`.
    Create,
    /// `Start(chn)` / `Start()`.
    Start,
    /// `Stop(chn)` / `Stop()`.
    Stop,
    /// `Destroy(chn)` / `Destroy()`.
    Destroy,
    /// `GetStream(chn, streamData)` / `GetStream(streamData)`.
    GetStream,
}

/// What a call refused in some channel state should be preceded by: the calls that, made in
/// this order from that state, let it succeed. One table ([`advice`]) for every call and
/// state, so that no message advises a step that does not help (the Python suite follows
/// every piece of advice and checks the call then succeeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    /// Why the call cannot run, in parentheses after the state (may be empty).
    pub note: &'static str,
    /// The calls to make first.
    pub steps: &'static [Step],
    /// Said after the steps (may be empty).
    pub tail: &'static str,
}

/// The advice for `op` (the method name, e.g. `GetStream`) refused in `state`.
pub fn advice(op: &str, state: ChnState) -> Advice {
    use ChnState::{Created, Free, Started};
    use Step::{Create, Destroy, GetStream, Start, Stop};
    let (note, steps, tail): (&'static str, &'static [Step], &'static str) = match (op, state) {
        ("Create", Created) => ("", &[Destroy], ""),
        ("Create", Started) => ("", &[Stop, Destroy], ""),
        ("Start", Started) => ("already: nothing to do", &[Stop], " to start it again"),
        ("Stop", Free) => ("nothing to stop", &[Create], ""),
        ("Destroy", Free) => (
            "nothing to destroy: never created, or destroyed already",
            &[Create],
            "",
        ),
        ("Destroy", Started) => ("", &[Stop], ""),
        ("GetStream" | "SendFrame", Free) => ("", &[Create, Start], ""),
        ("GetStream" | "SendFrame", Created) => ("", &[Start], ""),
        // A stream to release comes from a GetStream of a started channel.
        ("ReleaseStream", Free) => ("", &[Create, Start, GetStream], ""),
        // Start, RequestIDR, QueryStatus on a channel not created.
        (_, Free) => ("", &[Create], ""),
        // Not reached: every call accepts the other states.
        _ => ("", &[], ""),
    };
    Advice { note, steps, tail }
}
