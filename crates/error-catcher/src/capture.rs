//! What both layers keep of a request before it is moved into the inner service:
//! the request line, taken as cheaply as it can be.
//!
//! Both layers need the method and the URI after `call` (the catcher for its
//! report, the documents layer for the page request), and by then the request
//! belongs to the inner service. A server request's target is nearly always
//! origin-form (`/path?query`), and its text is copied out, once, into a
//! `Box<str>`: a clone of the request's own `PathAndQuery` (or of any header
//! value) would share hyper's read buffer, and while anything shares it hyper
//! cannot reuse that buffer for the connection's next request and allocates a
//! new one (measured: one allocation and about 300 instructions per request
//! more than the copy). The full URI is kept only for the other forms.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};

/// A request's method and target.
#[derive(Debug, Clone)]
pub(crate) struct RequestLine {
    pub(crate) method: Method,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    /// Origin-form: no scheme, no authority (the usual server request), copied.
    Path(Box<str>),
    /// Absolute-form, authority-form or `*`: rare, kept whole.
    Uri(Box<Uri>),
}

impl RequestLine {
    #[inline]
    pub(crate) fn capture<B>(req: &http::Request<B>) -> Self {
        let uri = req.uri();
        let target = match uri.path_and_query() {
            Some(path) if uri.scheme().is_none() && uri.authority().is_none() => {
                Target::Path(path.as_str().into())
            }
            _ => Target::Uri(Box::new(uri.clone())),
        };
        RequestLine {
            method: req.method().clone(),
            target,
        }
    }

    /// The request's URI, rebuilt (cold path: only when a report or a page needs it).
    pub(crate) fn uri(&self) -> Uri {
        match &self.target {
            // It parsed as a request target once; a default is never expected.
            Target::Path(path) => Uri::try_from(&**path).unwrap_or_default(),
            Target::Uri(uri) => (**uri).clone(),
        }
    }
}

/// The first `Accept` value, found by a scan of the header names (a standard name
/// compares in one step) rather than by hashing: a request carries few headers.
/// Copied, for the reason in the module's header.
#[inline]
pub(crate) fn accept(headers: &HeaderMap) -> Option<Bytes> {
    headers
        .iter()
        .find(|(name, _)| *name == http::header::ACCEPT)
        .map(|(_, value)| Bytes::copy_from_slice(value.as_bytes()))
}

/// A copied `Accept` value as a header value again (on the error path only).
pub(crate) fn accept_value(accept: Option<&Bytes>) -> Option<HeaderValue> {
    accept.and_then(|bytes| HeaderValue::from_maybe_shared(bytes.clone()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(uri: &str) -> RequestLine {
        let req = http::Request::builder()
            .method(Method::PUT)
            .uri(uri)
            .body(())
            .unwrap();
        RequestLine::capture(&req)
    }

    /// Nothing captured shares the request's bytes: once the request is gone,
    /// the buffer its target and `Accept` were parsed from is the caller's alone
    /// (what lets hyper reuse its read buffer).
    #[test]
    fn the_capture_shares_no_bytes_with_the_request() {
        let buffer = bytes::Bytes::from(b"/a/b?x=1text/html".to_vec());
        let path = http::uri::PathAndQuery::from_maybe_shared(buffer.slice(..8)).unwrap();
        let accept = HeaderValue::from_maybe_shared(buffer.slice(8..)).unwrap();
        let req = http::Request::builder()
            .uri(http::Uri::from(path))
            .header(http::header::ACCEPT, accept)
            .body(())
            .unwrap();
        let line = RequestLine::capture(&req);
        let accepted = super::accept(req.headers());
        drop(req);
        assert!(
            buffer.try_into_mut().is_ok(),
            "a capture still shares the buffer"
        );
        assert_eq!(line.uri(), "/a/b?x=1");
        assert_eq!(accepted.unwrap(), "text/html");
    }

    #[test]
    fn origin_form_keeps_the_path_and_query() {
        let line = line("/a/b?x=1");
        assert!(matches!(line.target, Target::Path(_)));
        assert_eq!(line.method, Method::PUT);
        assert_eq!(line.uri(), "/a/b?x=1");
    }

    #[test]
    fn absolute_and_authority_forms_keep_the_whole_uri() {
        assert_eq!(
            line("http://example.com/a?x=1").uri(),
            "http://example.com/a?x=1"
        );
        let connect = line("example.com:443");
        assert!(matches!(connect.target, Target::Uri(_)));
        assert_eq!(connect.uri(), "example.com:443");
    }

    #[test]
    fn accept_is_the_first_value_or_none() {
        let mut headers = HeaderMap::new();
        assert!(accept(&headers).is_none());
        headers.insert("host", HeaderValue::from_static("h"));
        headers.append("accept", HeaderValue::from_static("text/plain"));
        headers.append("accept", HeaderValue::from_static("text/html"));
        assert_eq!(accept(&headers).unwrap(), "text/plain");
    }
}
