//! What both layers keep of a request before it is moved into the inner service:
//! the request line, taken as cheaply as it can be.
//!
//! Both layers need the method and the URI after `call` (the catcher for its
//! report, the documents layer for the page request), and by then the request
//! belongs to the inner service. A server request's target is nearly always
//! origin-form (`/path?query`), and its text is copied out, once: a clone of
//! the request's own `PathAndQuery` (or of any header value) would share
//! hyper's read buffer, and while anything shares it hyper cannot reuse that
//! buffer for the connection's next request and allocates a new one (measured
//! through helloworld's production app: 0.9 allocations and about 650
//! instructions per request more than the copy). A target of up to
//! [`INLINE`] bytes, most of them, is copied into the capture itself; a
//! longer one into a `Box<str>` (an allocation and its free, about 100
//! instructions more per request). The full URI is kept only for the other
//! forms.

use http::{HeaderMap, HeaderValue, Method, Uri};

/// A request's method and target.
#[derive(Debug, Clone)]
pub(crate) struct RequestLine {
    pub(crate) method: Method,
    target: Target,
}

/// The longest origin-form target kept without an allocation: the most that
/// fits, with its length and the variant's tag, in 24 bytes. The two boxed
/// forms alone would take 16; the 8 more are paid for in the response future
/// by keeping `Accept` as a boxed slice (see [`accept`]).
const INLINE: usize = 22;

#[derive(Debug, Clone)]
enum Target {
    /// Origin-form (no scheme, no authority: the usual server request) of up
    /// to [`INLINE`] bytes, copied here.
    Short { len: u8, bytes: [u8; INLINE] },
    /// Longer origin-form, copied.
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
                let text = path.as_str();
                match text.len() {
                    len @ ..=INLINE => {
                        let mut bytes = [0; INLINE];
                        bytes[..len].copy_from_slice(text.as_bytes());
                        Target::Short {
                            len: len as u8,
                            bytes,
                        }
                    }
                    _ => Target::Path(text.into()),
                }
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
            Target::Short { len, bytes } => {
                Uri::try_from(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Target::Path(path) => Uri::try_from(&**path).unwrap_or_default(),
            Target::Uri(uri) => (**uri).clone(),
        }
    }
}

/// The first `Accept` value, found by a scan of the header names (a standard name
/// compares in one step) rather than by hashing: a request carries few headers.
/// Copied, for the reason in the module's header, into a boxed slice: 16 bytes
/// in the response future where `Bytes` takes 32.
#[inline]
pub(crate) fn accept(headers: &HeaderMap) -> Option<Box<[u8]>> {
    headers
        .iter()
        .find(|(name, _)| *name == http::header::ACCEPT)
        .map(|(_, value)| value.as_bytes().into())
}

/// A copied `Accept` value as a header value again (on the error path only).
pub(crate) fn accept_value(accept: Option<&[u8]>) -> Option<HeaderValue> {
    accept.and_then(|bytes| HeaderValue::from_bytes(bytes).ok())
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
        assert_eq!(&*accepted.unwrap(), b"text/html");
    }

    #[test]
    fn origin_form_keeps_the_path_and_query() {
        let line = line("/a/b?x=1");
        assert!(matches!(line.target, Target::Short { .. }));
        assert_eq!(line.method, Method::PUT);
        assert_eq!(line.uri(), "/a/b?x=1");
    }

    /// Both sides of the inline limit, and the limit itself, give back the
    /// target as it came.
    #[test]
    fn short_and_long_targets_come_back_whole() {
        for len in [1, INLINE - 1, INLINE, INLINE + 1, 300] {
            let target = format!("/{}", "a".repeat(len - 1));
            let line = line(&target);
            assert_eq!(
                matches!(line.target, Target::Short { .. }),
                len <= INLINE,
                "{len}"
            );
            assert_eq!(line.uri(), &*target);
        }
    }

    /// The target stays at the 24 bytes its future was measured with: a larger
    /// one moves through more of `memcpy`'s size steps in every layer.
    #[test]
    fn the_target_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Target>(), 24);
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
        assert_eq!(&*accept(&headers).unwrap(), b"text/plain");
    }
}
