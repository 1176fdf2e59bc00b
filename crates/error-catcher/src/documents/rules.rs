//! The pure rules of error documents: which statuses, and how headers merge.

use http::header::{self, HeaderMap, HeaderName};
use http::StatusCode;

/// A set of status codes, stored as a bitmap: membership is one shift and mask.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatusSet([u64; 10]);

impl StatusSet {
    pub(crate) const fn empty() -> Self {
        StatusSet([0; 10])
    }

    pub(crate) fn insert(&mut self, status: StatusCode) {
        let code = usize::from(status.as_u16());
        if code < 640 {
            self.0[code / 64] |= 1 << (code % 64);
        }
    }

    pub(crate) fn contains(&self, status: StatusCode) -> bool {
        let code = usize::from(status.as_u16());
        code < 640 && self.0[code / 64] & (1 << (code % 64)) != 0
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = StatusCode> + '_ {
        (100..640_u16)
            .filter_map(|c| StatusCode::from_u16(c).ok())
            .filter(|s| self.contains(*s))
    }
}

impl std::fmt::Debug for StatusSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|s| s.as_u16()))
            .finish()
    }
}

/// Headers that describe the body. They are dropped from the original response and
/// taken from the error page, since the page is the body that is sent.
/// `Content-Security-Policy` governs the document sent, so it is the page's too.
const REPRESENTATION: [HeaderName; 9] = [
    header::CONTENT_SECURITY_POLICY,
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::CONTENT_RANGE,
    header::CONTENT_LOCATION,
    header::ETAG,
    header::LAST_MODIFIED,
];

/// The response header a service sets to keep its own body; it is never sent.
pub(crate) const OPT_OUT_HEADER: HeaderName = HeaderName::from_static("x-no-error-document");

/// Merges the error page's headers into the original response's headers.
///
/// - Representation headers (`Content-Type`, `Content-Length`, `ETag`...) come from
///   the page, since its body is the one sent.
/// - `Set-Cookie` from both is kept (the page's are appended).
/// - Every other original header wins (`WWW-Authenticate`, `Allow`, `Location`,
///   `Retry-After`, `Vary`...); the page only adds headers the original lacks.
///
/// Pylons' StatusCodeRedirect sends the page's headers alone, which loses the
/// challenge of a 401 and the `Allow` of a 405; Paste's errordocument lets the page
/// replace same-named headers. Here the original keeps its meaning.
pub(crate) fn merge_headers(original: &mut HeaderMap, page: HeaderMap) {
    for name in &REPRESENTATION {
        original.remove(name);
    }
    original.remove(header::TRANSFER_ENCODING);
    let mut last_name: Option<HeaderName> = None;
    let mut page_adds_name = false;
    for (name, value) in page {
        // `HeaderMap::into_iter` gives the name only for the first value of each.
        if let Some(name) = name {
            page_adds_name = name == header::SET_COOKIE
                || REPRESENTATION.contains(&name)
                || !original.contains_key(&name);
            if REPRESENTATION.contains(&name) {
                original.remove(&name);
            }
            last_name = Some(name);
        }
        if let (Some(name), true) = (&last_name, page_adds_name) {
            original.append(name.clone(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    fn all(map: &HeaderMap, name: &str) -> Vec<String> {
        map.get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn status_set_holds_what_was_inserted() {
        let mut set = StatusSet::empty();
        for code in [400, 404, 599] {
            set.insert(StatusCode::from_u16(code).unwrap());
        }
        assert!(set.contains(StatusCode::NOT_FOUND));
        assert!(!set.contains(StatusCode::OK));
        assert!(!set.contains(StatusCode::from_u16(999).unwrap()));
        assert_eq!(format!("{set:?}"), "{400, 404, 599}");
    }

    #[test]
    fn challenge_allow_location_retry_after_and_cookies_survive() {
        let mut original = map(&[
            ("www-authenticate", "Basic realm=\"x\""),
            ("allow", "GET, HEAD"),
            ("location", "/elsewhere"),
            ("retry-after", "120"),
            ("set-cookie", "a=1"),
            ("content-type", "application/octet-stream"),
            ("content-length", "3"),
            ("etag", "\"v1\""),
        ]);
        let page = map(&[
            ("content-type", "text/html; charset=utf-8"),
            ("content-length", "120"),
            ("set-cookie", "b=2"),
            ("allow", "POST"),
            ("cache-control", "no-cache"),
        ]);
        merge_headers(&mut original, page);
        assert_eq!(all(&original, "www-authenticate"), ["Basic realm=\"x\""]);
        assert_eq!(all(&original, "allow"), ["GET, HEAD"]);
        assert_eq!(all(&original, "location"), ["/elsewhere"]);
        assert_eq!(all(&original, "retry-after"), ["120"]);
        assert_eq!(all(&original, "set-cookie"), ["a=1", "b=2"]);
        assert_eq!(all(&original, "content-type"), ["text/html; charset=utf-8"]);
        assert_eq!(all(&original, "content-length"), ["120"]);
        assert_eq!(all(&original, "cache-control"), ["no-cache"]);
        assert!(original.get("etag").is_none());
    }
}
