//! Which responses are misses: the catch set, and a member's way to say "final".
//!
//! This module is pure logic over a response head; it does no I/O.

use std::fmt;

use http::header::{HeaderName, HeaderValue};
use http::StatusCode;

use crate::CascadeError;

/// The header a member sets to mark a caught status as final: `x-cascade: stop`.
///
/// The cascade removes it before the response leaves. It is Rack's `X-Cascade: pass`
/// turned around: in Rack a member *asks* to be skipped; here a caught status skips by
/// default and a member *asks* to be kept.
pub const CASCADE_HEADER: HeaderName = HeaderName::from_static("x-cascade");

/// The value of [`CASCADE_HEADER`] that makes a caught response final.
pub const STOP: HeaderValue = HeaderValue::from_static("stop");

/// A response extension that marks a caught response as final.
///
/// A member that answers 404 on purpose (say, "no such user") and does not want the
/// rest of the cascade tried inserts it:
///
/// ```
/// let mut res = http::Response::new(());
/// *res.status_mut() = http::StatusCode::NOT_FOUND;
/// res.extensions_mut().insert(gw_cascade::Final);
/// ```
///
/// The header form, `x-cascade: stop`, does the same for members that can only set
/// headers (a proxy, a CGI script).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Final;

/// The set of statuses that mean "try the next member".
///
/// Only client and server errors (400–599) may be caught: a 1xx is not a final
/// answer, and a 2xx or 3xx is an answer. The default is `{404}`, as in Paste; Rack
/// uses `{404, 405}` ([`CatchSet::RACK`]).
///
/// ```
/// use gw_cascade::CatchSet;
///
/// let set = CatchSet::new([404, 405]).unwrap();
/// assert!(set.contains(http::StatusCode::METHOD_NOT_ALLOWED));
/// assert!(!set.contains(http::StatusCode::OK));
/// assert_eq!(set.to_string(), "404 405");
///
/// let err = CatchSet::new([302]).unwrap_err();
/// assert_eq!(err.to_string(), "catch status 302 is not a client or server error (400-599): a 302 is an answer");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CatchSet {
    // One bit per status 400..=599.
    bits: [u64; 4],
}

const FIRST: u16 = 400;
const LAST: u16 = 599;

impl CatchSet {
    /// `{404}`: Paste's default.
    pub const NOT_FOUND: CatchSet = CatchSet::single(404);

    /// `{404, 405}`: Rack's default.
    pub const RACK: CatchSet = CatchSet::single(404).with(405);

    /// No status is caught: the first member always answers.
    pub const NONE: CatchSet = CatchSet { bits: [0; 4] };

    const fn single(status: u16) -> CatchSet {
        CatchSet::NONE.with(status)
    }

    const fn with(mut self, status: u16) -> CatchSet {
        let i = (status - FIRST) as usize;
        self.bits[i / 64] |= 1 << (i % 64);
        self
    }

    /// A set of statuses; each must be in 400..=599.
    pub fn new(statuses: impl IntoIterator<Item = u16>) -> Result<CatchSet, CascadeError> {
        statuses
            .into_iter()
            .try_fold(CatchSet::NONE, |set, status| {
                if (FIRST..=LAST).contains(&status) {
                    Ok(set.with(status))
                } else {
                    Err(CascadeError::CatchStatus { status })
                }
            })
    }

    /// Parses a list such as `"404 405"` or `"404, 500"`.
    pub fn parse(list: &str) -> Result<CatchSet, CascadeError> {
        let mut statuses = Vec::new();
        for item in list.split(|c: char| c == ',' || c.is_whitespace()) {
            if item.is_empty() {
                continue;
            }
            let status = item.parse::<u16>().map_err(|_| CascadeError::CatchItem {
                item: item.to_owned(),
            })?;
            statuses.push(status);
        }
        CatchSet::new(statuses)
    }

    /// True if `status` is caught.
    #[inline]
    pub fn contains(&self, status: StatusCode) -> bool {
        let code = status.as_u16();
        if !(FIRST..=LAST).contains(&code) {
            return false;
        }
        let i = (code - FIRST) as usize;
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// True if no status is caught.
    pub fn is_empty(&self) -> bool {
        self.bits == [0; 4]
    }

    /// The caught statuses, in order.
    pub fn iter(&self) -> impl Iterator<Item = StatusCode> + '_ {
        (FIRST..=LAST)
            .filter_map(|code| StatusCode::from_u16(code).ok())
            .filter(|status| self.contains(*status))
    }
}

impl Default for CatchSet {
    fn default() -> Self {
        CatchSet::NOT_FOUND
    }
}

impl fmt::Display for CatchSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, status) in self.iter().enumerate() {
            if n > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", status.as_u16())?;
        }
        Ok(())
    }
}

impl fmt::Debug for CatchSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CatchSet {{{self}}}")
    }
}

/// How the cascade judges each member's outcome. Small and `Copy`, so every response
/// future carries its own without touching shared memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) catch: CatchSet,
    pub(crate) errors_as_misses: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            catch: CatchSet::NOT_FOUND,
            errors_as_misses: false,
        }
    }
}

/// What to do with a member's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Send it.
    Answer,
    /// Drop it and try the next member.
    Miss,
}

impl Policy {
    /// Judges a response of a member that is not the last one. A caught response that
    /// a member marked final loses its control header and is answered.
    #[inline]
    pub(crate) fn judge<B>(&self, res: &mut http::Response<B>) -> Verdict {
        if !self.catch.contains(res.status()) {
            return Verdict::Answer;
        }
        let by_header = take_control_header(res.headers_mut());
        if by_header || res.extensions().get::<Final>().is_some() {
            Verdict::Answer
        } else {
            Verdict::Miss
        }
    }

    /// Cleans the last member's response: it is sent whatever its status, but a
    /// caught one loses the cascade's control header.
    /// True if a member's outcome is the answer: a response judged an answer
    /// ([`judge`](Policy::judge), which may strip the control header), or an error
    /// unless errors are misses.
    #[inline]
    pub(crate) fn answers<B, E>(&self, outcome: &mut Result<http::Response<B>, E>) -> bool {
        match outcome {
            Ok(res) => self.judge(res) == Verdict::Answer,
            Err(_) => !self.errors_as_misses,
        }
    }

    #[inline]
    pub(crate) fn finish<B>(&self, res: &mut http::Response<B>) {
        if self.catch.contains(res.status()) {
            take_control_header(res.headers_mut());
        }
    }
}

/// Removes every `x-cascade` header; true if one of them said `stop`.
fn take_control_header(headers: &mut http::HeaderMap) -> bool {
    if !headers.contains_key(CASCADE_HEADER) {
        return false;
    }
    let mut stop = false;
    if let http::header::Entry::Occupied(entry) = headers.entry(CASCADE_HEADER) {
        for value in entry.remove_entry_mult().1 {
            stop |= value
                .to_str()
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case("stop"));
        }
    }
    stop
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16) -> http::Response<()> {
        let mut res = http::Response::new(());
        *res.status_mut() = StatusCode::from_u16(status).unwrap();
        res
    }

    #[test]
    fn default_catches_only_404() {
        let set = CatchSet::default();
        assert_eq!(set.iter().map(|s| s.as_u16()).collect::<Vec<_>>(), [404]);
        assert!(!set.contains(StatusCode::METHOD_NOT_ALLOWED));
    }

    #[test]
    fn rack_set_catches_404_and_405() {
        assert_eq!(CatchSet::RACK.to_string(), "404 405");
        assert_eq!(CatchSet::RACK, CatchSet::new([405, 404]).unwrap());
    }

    #[test]
    fn edges_of_the_allowed_range_are_accepted_and_outside_refused() {
        let set = CatchSet::new([400, 599]).unwrap();
        assert!(set.contains(StatusCode::BAD_REQUEST));
        assert!(set.contains(StatusCode::from_u16(599).unwrap()));
        for bad in [100, 200, 399, 600, 999] {
            assert_eq!(
                CatchSet::new([bad]).unwrap_err(),
                CascadeError::CatchStatus { status: bad }
            );
        }
    }

    #[test]
    fn parse_takes_commas_and_spaces_and_names_a_bad_item() {
        assert_eq!(
            CatchSet::parse("404, 405 500").unwrap().to_string(),
            "404 405 500"
        );
        assert!(CatchSet::parse("").unwrap().is_empty());
        let err = CatchSet::parse("404 Not Found").unwrap_err();
        assert_eq!(err, CascadeError::CatchItem { item: "Not".into() });
    }

    #[test]
    fn uncaught_status_is_answered_and_keeps_its_headers() {
        let mut res = response(200);
        res.headers_mut().insert(CASCADE_HEADER, STOP);
        assert_eq!(Policy::default().judge(&mut res), Verdict::Answer);
        assert!(
            res.headers().contains_key(CASCADE_HEADER),
            "only caught responses are cleaned"
        );
    }

    #[test]
    fn caught_status_is_a_miss() {
        assert_eq!(Policy::default().judge(&mut response(404)), Verdict::Miss);
    }

    #[test]
    fn stop_header_makes_a_caught_status_final_and_is_stripped() {
        for value in ["stop", "STOP", " Stop "] {
            let mut res = response(404);
            res.headers_mut()
                .insert(CASCADE_HEADER, HeaderValue::from_str(value).unwrap());
            assert_eq!(
                Policy::default().judge(&mut res),
                Verdict::Answer,
                "{value:?}"
            );
            assert!(!res.headers().contains_key(CASCADE_HEADER));
        }
    }

    #[test]
    fn other_header_values_do_not_stop_but_are_stripped() {
        let mut res = response(404);
        res.headers_mut()
            .insert(CASCADE_HEADER, HeaderValue::from_static("pass"));
        assert_eq!(Policy::default().judge(&mut res), Verdict::Miss);
        assert!(!res.headers().contains_key(CASCADE_HEADER));
    }

    #[test]
    fn final_extension_makes_a_caught_status_final() {
        let mut res = response(404);
        res.extensions_mut().insert(Final);
        assert_eq!(Policy::default().judge(&mut res), Verdict::Answer);
    }

    #[test]
    fn last_member_loses_the_header_only_on_caught_statuses() {
        let policy = Policy::default();
        let mut caught = response(404);
        caught.headers_mut().insert(CASCADE_HEADER, STOP);
        policy.finish(&mut caught);
        assert!(!caught.headers().contains_key(CASCADE_HEADER));
        let mut ok = response(200);
        ok.headers_mut().insert(CASCADE_HEADER, STOP);
        policy.finish(&mut ok);
        assert!(ok.headers().contains_key(CASCADE_HEADER));
    }
}
