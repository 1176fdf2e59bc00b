//! An in-process test client: the twin of WebTest's `TestApp`.
//!
//! It sends requests straight into a service (no socket), collects the body, and
//! offers assertions that print the response when they fail. Every service it
//! drives is wrapped in a strict [`crate::lint::Lint`], so a test that passes
//! also proves the responses obey HTTP's rules.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use gw_core::test_client::TestClient;
//! use gw_core::{app_fn, Body};
//!
//! let client = TestClient::new(app_fn(|_req: http::Request<Body>| async { "Hello World!" }));
//! client.get("/hello").send().await
//!     .assert_status(200)
//!     .assert_header("content-type", "text/plain; charset=utf-8")
//!     .assert_body("Hello World!");
//! # }
//! ```

use std::fmt;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::lint::{Lint, LintLayer};
use crate::{Body, BoxError};

/// Drives a service in-process. Cheap to clone when the service is.
#[derive(Clone, Debug)]
pub struct TestClient<S> {
    service: Lint<S>,
}

impl<S> TestClient<S> {
    /// A client for `service`, checked by a strict [`Lint`].
    pub fn new(service: S) -> Self {
        TestClient {
            service: LintLayer::strict().layer(service),
        }
    }

    /// A client whose Lint uses `layer`'s mode (for tests that expect violations).
    pub fn with_lint(service: S, layer: LintLayer) -> Self {
        TestClient {
            service: layer.layer(service),
        }
    }

    /// A GET request.
    pub fn get(&self, uri: &str) -> TestRequest<'_, S> {
        self.request(Method::GET, uri)
    }

    /// A HEAD request.
    pub fn head(&self, uri: &str) -> TestRequest<'_, S> {
        self.request(Method::HEAD, uri)
    }

    /// A POST request.
    pub fn post(&self, uri: &str) -> TestRequest<'_, S> {
        self.request(Method::POST, uri)
    }

    /// A request with any method.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest<'_, S> {
        let request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("TestClient: invalid request URI {uri:?}: {e}"));
        TestRequest {
            client: self,
            request,
        }
    }
}

/// A request being built by a [`TestClient`].
pub struct TestRequest<'a, S> {
    client: &'a TestClient<S>,
    request: http::Request<Body>,
}

impl<S> fmt::Debug for TestRequest<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestRequest")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl<S, ResB> TestRequest<'_, S>
where
    S: Service<http::Request<Body>, Response = http::Response<ResB>> + Clone,
    S::Error: Into<BoxError>,
    ResB: http_body::Body<Data = Bytes>,
    ResB::Error: Into<BoxError>,
{
    /// Adds a header. Panics on an invalid name or value: this is a test.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name)
            .unwrap_or_else(|e| panic!("invalid header name {name:?}: {e}"));
        let value = HeaderValue::try_from(value)
            .unwrap_or_else(|e| panic!("invalid header value {value:?}: {e}"));
        self.request.headers_mut().append(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        *self.request.body_mut() = body.into();
        self
    }

    /// Adds a request extension (an `Environ`, a `MountPrefix`, ...).
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.request.extensions_mut().insert(value);
        self
    }

    /// Sends the request and collects the whole response.
    ///
    /// Panics if the service fails or the body ends with an error; use
    /// [`try_send`](Self::try_send) to see those.
    pub async fn send(self) -> TestResponse {
        match self.try_send().await {
            Ok(res) => res,
            Err(e) => panic!("TestClient: request failed: {e}"),
        }
    }

    /// Sends the request; a service error or a body error is returned.
    pub async fn try_send(self) -> Result<TestResponse, BoxError> {
        let mut service = self.client.service.clone();
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .map_err(Into::into)?;
        let res = service.call(self.request).await.map_err(Into::into)?;
        let (parts, body) = res.into_parts();
        let (chunks, trailers) = crate::body::collect_frames(body)
            .await
            .map_err(Into::into)?;
        let body = if chunks.len() == 1 {
            chunks.into_iter().next().unwrap_or_default()
        } else {
            chunks
                .iter()
                .flat_map(|c| c.iter().copied())
                .collect::<Vec<u8>>()
                .into()
        };
        Ok(TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
            trailers,
        })
    }
}

/// A collected response, with assertions.
#[derive(Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    trailers: Option<HeaderMap>,
}

impl fmt::Debug for TestResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut body = String::from_utf8_lossy(&self.body).into_owned();
        if body.len() > 2000 {
            let mut cut = 2000;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push_str("...");
        }
        f.debug_struct("TestResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The trailers, if the body sent any.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        self.trailers.as_ref()
    }

    /// One header as text; `None` when absent or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status in {self:?}"
        );
        self
    }

    /// Asserts that `name` has exactly `value`.
    #[track_caller]
    pub fn assert_header(&self, name: &str, value: &str) -> &Self {
        assert_eq!(self.header(name), Some(value), "header {name} in {self:?}");
        self
    }

    /// Asserts that `name` is absent.
    #[track_caller]
    pub fn assert_no_header(&self, name: &str) -> &Self {
        assert!(
            !self.headers.contains_key(name),
            "header {name} should be absent in {self:?}"
        );
        self
    }

    /// Asserts the whole body.
    #[track_caller]
    pub fn assert_body(&self, body: impl AsRef<[u8]>) -> &Self {
        assert_eq!(
            self.body.as_ref(),
            body.as_ref(),
            "body differs: got {:?}, want {:?}",
            String::from_utf8_lossy(&self.body),
            String::from_utf8_lossy(body.as_ref())
        );
        self
    }

    /// Asserts that the body contains `needle`.
    #[track_caller]
    pub fn assert_body_contains(&self, needle: &str) -> &Self {
        assert!(
            self.text().contains(needle),
            "body should contain {needle:?} in {self:?}"
        );
        self
    }

    /// Asserts that the body does not contain `needle`.
    #[track_caller]
    pub fn assert_body_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.text().contains(needle),
            "body should not contain {needle:?} in {self:?}"
        );
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{app_fn, Environ, EnvironKey, Response};

    fn echo() -> impl Service<
        http::Request<Body>,
        Response = http::Response<Body>,
        Error = std::convert::Infallible,
    > + Clone {
        app_fn(|req: http::Request<Body>| async move {
            let env = Environ::of(&req)
                .and_then(|e| e.get("test.hello"))
                .unwrap_or("-")
                .to_owned();
            let header = req
                .headers()
                .get("x-in")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            let method = req.method().clone();
            let body = crate::body::collect_frames(req.into_body())
                .await
                .unwrap()
                .0;
            let body: Vec<u8> = body.iter().flat_map(|c| c.iter().copied()).collect();
            let text = format!("{method} {header} {env} {}", String::from_utf8_lossy(&body));
            if method == Method::HEAD {
                return Response::text(Body::empty()).into_http();
            }
            Response::text(text)
                .header(
                    HeaderName::from_static("x-out"),
                    HeaderValue::from_static("yes"),
                )
                .into_http()
        })
    }

    #[tokio::test]
    async fn get_sends_headers_and_extensions() {
        let client = TestClient::new(echo());
        let mut env = Environ::new();
        env.insert(EnvironKey::new("test.hello").unwrap(), "hi");
        client
            .get("/")
            .header("x-in", "abc")
            .extension(env)
            .send()
            .await
            .assert_status(200)
            .assert_header("x-out", "yes")
            .assert_no_header("x-missing")
            .assert_body("GET abc hi ");
    }

    #[tokio::test]
    async fn post_sends_the_body() {
        let res = TestClient::new(echo())
            .post("/")
            .body("payload")
            .send()
            .await;
        res.assert_body_contains("payload").assert_body_lacks("GET");
        assert_eq!(res.text(), "POST - - payload");
    }

    #[tokio::test]
    async fn head_gets_an_empty_body() {
        let res = TestClient::new(echo()).head("/").send().await;
        assert!(res.bytes().is_empty());
    }

    #[tokio::test]
    async fn chunked_bodies_are_joined() {
        let client = TestClient::new(app_fn(|_: http::Request<Body>| async {
            Body::from_chunks(["a", "b", "c"])
        }));
        client.get("/").send().await.assert_body("abc");
    }

    #[tokio::test]
    async fn a_body_error_is_returned_by_try_send() {
        let client = TestClient::new(app_fn(|_: http::Request<Body>| async {
            let (mut tx, body) = Body::channel();
            tokio::spawn(async move {
                tx.send("partial").await.ok();
                tx.abort("late failure").await;
            });
            body
        }));
        let err = client.get("/").try_send().await.unwrap_err();
        assert_eq!(err.to_string(), "late failure");
    }

    #[tokio::test]
    #[should_panic(expected = "unexpected status")]
    async fn assert_status_fails_on_a_different_status() {
        TestClient::new(echo())
            .get("/")
            .send()
            .await
            .assert_status(404);
    }

    #[tokio::test]
    #[should_panic(expected = "body differs")]
    async fn assert_body_fails_on_a_different_body() {
        TestClient::new(echo())
            .get("/")
            .send()
            .await
            .assert_body("nope");
    }

    #[tokio::test]
    #[should_panic(expected = "Lint:")]
    async fn the_client_lints_every_response() {
        let client = TestClient::new(app_fn(|_: http::Request<Body>| async {
            Response::html("x")
                .header(http::header::CONTENT_LENGTH, HeaderValue::from_static("5"))
                .into_http()
        }));
        client.get("/").send().await;
    }
}
