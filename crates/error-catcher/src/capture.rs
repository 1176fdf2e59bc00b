//! What both layers keep of a request before it is moved into the inner service:
//! the request line, taken as cheaply as it can be.
//!
//! Both layers need the method and the URI after `call` (the catcher for its
//! report, the documents layer for the page request), and by then the request
//! belongs to the inner service. A whole [`http::Uri`] costs two reference counts
//! and 88 bytes that every future then carries; a server request's target is
//! nearly always origin-form (`/path?query`), which is one [`PathAndQuery`]: one
//! reference count. The full URI is kept only for the other forms.

use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderValue, Method, Uri};

/// A request's method and target.
#[derive(Debug, Clone)]
pub(crate) struct RequestLine {
    pub(crate) method: Method,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    /// Origin-form: no scheme, no authority (the usual server request).
    Path(PathAndQuery),
    /// Absolute-form, authority-form or `*`: rare, kept whole.
    Uri(Box<Uri>),
}

impl RequestLine {
    #[inline]
    pub(crate) fn capture<B>(req: &http::Request<B>) -> Self {
        let uri = req.uri();
        let target = match uri.path_and_query() {
            Some(path) if uri.scheme().is_none() && uri.authority().is_none() => {
                Target::Path(path.clone())
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
            Target::Path(path) => Uri::from(path.clone()),
            Target::Uri(uri) => (**uri).clone(),
        }
    }
}

/// The first `Accept` value, found by a scan of the header names (a standard name
/// compares in one step) rather than by hashing: a request carries few headers.
#[inline]
pub(crate) fn accept(headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .iter()
        .find(|(name, _)| *name == http::header::ACCEPT)
        .map(|(_, value)| value.clone())
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
