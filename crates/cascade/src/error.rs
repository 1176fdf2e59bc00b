//! Errors found while a cascade is built, and errors its replayed bodies report.

use std::fmt;
use std::io;

use gw_core::SettingsError;

/// A cascade could not be built: each variant names the input and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CascadeError {
    /// A setting is unknown or has a bad value (the error names key and value).
    Settings(SettingsError),
    /// A catch status outside 400..=599.
    CatchStatus {
        /// The refused status.
        status: u16,
    },
    /// An item of a catch list that is not a number.
    CatchItem {
        /// The refused item.
        item: String,
    },
    /// A dynamic cascade was given no member.
    NoMembers,
}

impl fmt::Display for CascadeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CascadeError::Settings(e) => fmt::Display::fmt(e, f),
            CascadeError::CatchStatus { status } if *status < 400 && *status >= 200 => write!(
                f,
                "catch status {status} is not a client or server error (400-599): a {status} is an answer"
            ),
            CascadeError::CatchStatus { status } => write!(
                f,
                "catch status {status} is not a client or server error (400-599)"
            ),
            CascadeError::CatchItem { item } => write!(
                f,
                "catch item {item:?} is not a status number: write statuses like \"404 405\""
            ),
            CascadeError::NoMembers => {
                f.write_str("a cascade needs at least one member: the list is empty")
            }
        }
    }
}

impl std::error::Error for CascadeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CascadeError::Settings(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SettingsError> for CascadeError {
    fn from(e: SettingsError) -> Self {
        CascadeError::Settings(e)
    }
}

/// Why a replayed request body ended with an error. A member sees it as its body's
/// error (boxed); it can be downcast.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReplayError {
    /// The member read more than `replay_limit` bytes; the cascade answers 413.
    LimitExceeded {
        /// The configured cap, in bytes.
        limit: u64,
    },
    /// The spill file could not be created, written or read.
    Spill(io::Error),
    /// The client's body failed while an earlier member was reading it; this is the
    /// message of that error, replayed after the bytes that did arrive.
    Upstream(String),
    /// The cascade moved on to the next member, so this member's copy of the body
    /// can no longer be read.
    Detached,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::LimitExceeded { limit } => write!(
                f,
                "the request body is larger than the cascade's replay_limit of {limit} bytes"
            ),
            ReplayError::Spill(e) => write!(f, "the request body spill file failed: {e}"),
            ReplayError::Upstream(msg) => write!(f, "the request body failed: {msg}"),
            ReplayError::Detached => f.write_str(
                "the cascade has passed the request to its next member; this body is closed",
            ),
        }
    }
}

impl std::error::Error for ReplayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReplayError::Spill(e) => Some(e),
            _ => None,
        }
    }
}
