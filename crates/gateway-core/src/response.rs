//! A small `Response` builder, the twin of Pylons' `Response('Hello World!')`.

use std::fmt;

use http::header::{self, HeaderName, HeaderValue};
use http::StatusCode;

use crate::Body;

/// A response under construction: status, headers and body, always valid.
///
/// `Response::new(body)` gives `200` with `Content-Type: text/plain; charset=utf-8`;
/// markup is asked for by name, with [`Response::html`] or [`Html`]. There is no
/// `start_response`: the response is a value.
///
/// ```
/// use gw_core::Response;
/// use http::{header, HeaderValue, StatusCode};
///
/// assert_eq!(Response::new("1 < 2").into_http().headers()["content-type"], "text/plain; charset=utf-8");
///
/// let res = Response::html("<p>Hello World!</p>")
///     .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
///     .into_http();
/// assert_eq!(res.status(), StatusCode::OK);
/// assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
///
/// let gone = Response::status(StatusCode::GONE).into_http();
/// assert_eq!(gone.status(), 410);
/// ```
pub struct Response {
    inner: http::Response<Body>,
}

const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

impl Response {
    /// `200 OK`, `text/plain; charset=utf-8`, with `body`.
    ///
    /// Pylons' `Response('...')` defaults to `text/html`; here text stays text, so
    /// a value echoed from the request is never taken for markup.
    pub fn new(body: impl Into<Body>) -> Self {
        Self::text(body)
    }

    /// `200 OK`, `text/html; charset=utf-8`.
    pub fn html(body: impl Into<Body>) -> Self {
        Self::with_type(body, HTML)
    }

    /// `200 OK`, `text/plain; charset=utf-8`.
    pub fn text(body: impl Into<Body>) -> Self {
        Self::with_type(body, TEXT)
    }

    /// `200 OK` with `body` and its `Content-Type` (WebOb's
    /// `Response(body, content_type=...)`): one header insert, where
    /// [`new`](Self::new) followed by [`header`](Self::header) sets the type twice.
    ///
    /// ```
    /// use gw_core::Response;
    /// use http::HeaderValue;
    ///
    /// let res = Response::with_type(vec![0u8, 1, 2], HeaderValue::from_static("application/octet-stream"))
    ///     .into_http();
    /// assert_eq!(res.headers()["content-type"], "application/octet-stream");
    /// assert_eq!(res.headers().len(), 1);
    /// ```
    pub fn with_type(body: impl Into<Body>, content_type: HeaderValue) -> Self {
        let mut inner = http::Response::new(body.into());
        inner
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
        Response { inner }
    }

    /// An empty response with `status`.
    pub fn status(status: StatusCode) -> Self {
        let mut inner = http::Response::new(Body::empty());
        *inner.status_mut() = status;
        Response { inner }
    }

    /// Changes the status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        *self.inner.status_mut() = status;
        self
    }

    /// Sets a header, replacing any value it had.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.inner.headers_mut().insert(name, value);
        self
    }

    /// Adds a header value, keeping earlier ones (for `Set-Cookie`).
    pub fn append_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.inner.headers_mut().append(name, value);
        self
    }

    /// Sets a header from strings, failing if either is not valid HTTP.
    pub fn try_header(self, name: &str, value: &str) -> Result<Self, InvalidHeader> {
        let invalid = || InvalidHeader {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        let name = HeaderName::try_from(name).map_err(|_| invalid())?;
        let value = HeaderValue::try_from(value).map_err(|_| invalid())?;
        Ok(self.header(name, value))
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        *self.inner.body_mut() = body.into();
        self
    }

    /// The finished `http::Response`.
    pub fn into_http(self) -> http::Response<Body> {
        self.inner
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.inner.status())
            .field("headers", self.inner.headers())
            .finish_non_exhaustive()
    }
}

impl From<Response> for http::Response<Body> {
    fn from(res: Response) -> Self {
        res.into_http()
    }
}

/// A header name or value given as text was not valid HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidHeader {
    /// The header name as given.
    pub name: String,
    /// The value as given.
    pub value: String,
}

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid header {:?}: {:?}", self.name, self.value)
    }
}

impl std::error::Error for InvalidHeader {}

/// Values a controller may return: they become an `http::Response<Body>`.
///
/// | returned | response |
/// |---|---|
/// | `&'static str`, `String` | 200 `text/plain; charset=utf-8` |
/// | [`Body`] | 200 `text/plain; charset=utf-8`, streamed |
/// | [`Html`]`(T)` | 200 `text/html; charset=utf-8` |
/// | `StatusCode` | that status, empty body |
/// | `(StatusCode, T)` | `T`'s response with that status |
/// | [`Response`], `http::Response<Body>` | as built |
/// | `Result<T, E>` | either side's response |
///
/// Pylons answers a returned string as `text/html`. Gateway answers it as
/// `text/plain`, as axum does, so that `format!("Hello {name}")` with a name
/// taken from the URL cannot inject markup; wrap markup in [`Html`].
///
/// ```
/// use gw_core::{Html, IntoResponse};
///
/// let text = format!("Hello {}", "<b>x</b>").into_response();
/// assert_eq!(text.headers()["content-type"], "text/plain; charset=utf-8");
/// let page = Html("<h1>Hello</h1>").into_response();
/// assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
/// ```
pub trait IntoResponse {
    /// Converts into a response.
    fn into_response(self) -> http::Response<Body>;
}

impl IntoResponse for http::Response<Body> {
    fn into_response(self) -> http::Response<Body> {
        self
    }
}

impl IntoResponse for Response {
    fn into_response(self) -> http::Response<Body> {
        self.inner
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> http::Response<Body> {
        Response::text(self).inner
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> http::Response<Body> {
        Response::text(self).inner
    }
}

impl IntoResponse for String {
    fn into_response(self) -> http::Response<Body> {
        Response::text(self).inner
    }
}

/// Markup: the wrapped body is answered as `text/html; charset=utf-8`.
///
/// The twin of axum's `Html`. Whatever goes inside must already be escaped.
///
/// ```
/// use gw_core::{Html, IntoResponse};
///
/// let res = Html(String::from("<p>Hello World!</p>")).into_response();
/// assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> http::Response<Body> {
        Response::html(self.0).inner
    }
}

impl<T: Into<Body>> From<Html<T>> for Response {
    fn from(html: Html<T>) -> Self {
        Response::html(html.0)
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> http::Response<Body> {
        Response::status(self).inner
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> http::Response<Body> {
        let mut res = self.1.into_response();
        *res.status_mut() = self.0;
        res
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> http::Response<Body> {
        match self {
            Ok(ok) => ok.into_response(),
            Err(err) => err.into_response(),
        }
    }
}
