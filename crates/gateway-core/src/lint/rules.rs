//! The response rules `Lint` checks, as pure functions over a response head.

use std::fmt;

use http::header::{self, HeaderMap, HeaderName};
use http::{Method, StatusCode};

/// One broken HTTP rule found in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The body's length differs from its `Content-Length`.
    ContentLengthMismatch {
        /// The declared length.
        declared: u64,
        /// The bytes the body actually produced.
        actual: u64,
    },
    /// `Content-Length` is not a single non-negative integer.
    InvalidContentLength,
    /// A body was sent on a response that must not have one (HEAD, 1xx, 204, 304).
    BodyNotAllowed {
        /// Why no body is allowed: `"HEAD"` or the status.
        reason: String,
    },
    /// A header that a response with this status must not carry.
    HeaderNotAllowed {
        /// The header.
        name: HeaderName,
        /// The status.
        status: StatusCode,
    },
    /// A hop-by-hop header set by the app: only the server may set these.
    HopByHopHeader {
        /// The header.
        name: HeaderName,
    },
    /// A header value with control characters, or leading or trailing whitespace.
    InvalidHeaderValue {
        /// The header.
        name: HeaderName,
    },
    /// The body was polled again after it had reported its end.
    PolledAfterEnd,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::ContentLengthMismatch { declared, actual } => {
                write!(
                    f,
                    "Content-Length is {declared} but the body has {actual} bytes"
                )
            }
            Violation::InvalidContentLength => {
                f.write_str("Content-Length is not a single non-negative integer")
            }
            Violation::BodyNotAllowed { reason } => {
                write!(f, "a response to {reason} must not have a body")
            }
            Violation::HeaderNotAllowed { name, status } => {
                write!(f, "a {status} response must not carry {name}")
            }
            Violation::HopByHopHeader { name } => {
                write!(f, "hop-by-hop header {name} set by the app (RFC 9110 §7.6.1: only the server may)")
            }
            Violation::InvalidHeaderValue { name } => write!(
                f,
                "header {name} has control characters or surrounding whitespace (RFC 9110 §5.5)"
            ),
            Violation::PolledAfterEnd => f.write_str("the body was polled after it had ended"),
        }
    }
}

/// True when a response with this status to this method carries no body
/// (RFC 9110 §6.4.1).
pub fn body_forbidden(method: &Method, status: StatusCode) -> Option<String> {
    if *method == Method::HEAD {
        Some("HEAD".to_owned())
    } else if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        Some(status.to_string())
    } else {
        None
    }
}

// RFC 9110 §7.6.1 and RFC 9112 §6.1: connection-specific fields.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Checks a response head: status-dependent headers, hop-by-hop headers, header
/// values and the form of `Content-Length`.
pub fn check_head(status: StatusCode, headers: &HeaderMap) -> Vec<Violation> {
    let mut found = Vec::new();
    let bodiless_status = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    if bodiless_status {
        // RFC 9110 §8.6: no Content-Length on 1xx/204; on 304 it may only repeat the
        // 200's, which an app cannot know it does, so Rack::Lint forbids it too.
        for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
            if headers.contains_key(&name) {
                found.push(Violation::HeaderNotAllowed { name, status });
            }
        }
    }
    for name in HOP_BY_HOP {
        if headers.contains_key(name) {
            found.push(Violation::HopByHopHeader {
                name: HeaderName::from_static(name),
            });
        }
    }
    let mut seen_bad = Vec::<&HeaderName>::new();
    for (name, value) in headers {
        let bytes = value.as_bytes();
        let bad_char = bytes.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f);
        let padded = matches!(bytes.first(), Some(b' ' | b'\t'))
            || matches!(bytes.last(), Some(b' ' | b'\t'));
        if (bad_char || padded) && !seen_bad.contains(&name) {
            seen_bad.push(name);
            found.push(Violation::InvalidHeaderValue { name: name.clone() });
        }
    }
    if let Err(violation) = declared_length(headers) {
        found.push(violation);
    }
    found
}

/// The declared `Content-Length`: `Ok(None)` when absent, an error when it is not a
/// single decimal integer (RFC 9110 §8.6).
pub fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, Violation> {
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let digits = first.as_bytes();
    if values.next().is_some() || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Violation::InvalidContentLength);
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|text| text.parse().ok())
        .map(Some)
        .ok_or(Violation::InvalidContentLength)
}
