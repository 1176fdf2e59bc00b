//! Entry points for the cargo-fuzz targets in `fuzz/`: thin wrappers over the pure
//! parsers, so the fuzzer drives exactly the code requests meet. Not a stable API.

use std::ops::Range;
use std::time::SystemTime;

use http::{HeaderMap, Method};

/// The path resolver: the decoded index key of a raw request path, or `None` when
/// the path is refused.
pub fn resolve_path(raw: &str, allow_dotfiles: bool) -> Option<String> {
    crate::path::resolve(raw, allow_dotfiles)
        .ok()
        .map(|p| p.key.into_owned())
}

/// The `Range` parser: `Ok(None)` means "ignore the header" (200), `Err(())` means
/// 416, `Ok(Some(ranges))` a 206 with these ranges.
#[allow(clippy::result_unit_err)]
pub fn parse_range(
    header: &str,
    size: u64,
    max_parts: usize,
) -> Result<Option<Vec<Range<u64>>>, ()> {
    match crate::range::parse(header, size, max_parts) {
        crate::range::RangeAnswer::Full => Ok(None),
        crate::range::RangeAnswer::Partial(r) => Ok(Some(r)),
        crate::range::RangeAnswer::Unsatisfiable => Err(()),
    }
}

/// The conditional-request evaluator: the status it decides (200 to proceed,
/// 206-eligible or not, 304 or 412) and whether a `Range` would be honoured.
pub fn evaluate_conditional(
    method: &Method,
    headers: &HeaderMap,
    etag: &str,
    last_modified: Option<SystemTime>,
    now: SystemTime,
) -> (u16, bool) {
    use crate::conditional::{evaluate, Outcome, Validators};
    match evaluate(
        method,
        headers,
        Validators {
            etag,
            last_modified,
        },
        now,
    ) {
        Outcome::Proceed { honour_range } => (200, honour_range),
        Outcome::NotModified => (304, false),
        Outcome::PreconditionFailed => (412, false),
    }
}
