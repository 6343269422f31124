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
