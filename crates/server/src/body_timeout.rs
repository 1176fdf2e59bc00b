//! A bound on the wait between request body bytes.
//!
//! `header_read_timeout` covers only the request head, and the idle
//! timeout only connections with no request in progress. A client that sends a
//! head and then part of its body (a "slow POST" or R.U.D.Y. attack) would hold its
//! connection and the handler reading it for as long as it likes.
//! [`RequestBodyTimeout`] ends such a body with [`BodyReadTimeout`] once no bytes
//! have arrived for the configured time *while the app waits for them*: an app
//! busy with other work is never cut, and a body read to its end costs nothing
//! more. The response to a request whose body timed out or failed says
//! `Connection: close`, since the rest of that body is still on the wire.
//!
//! The same body wrapper also counts the bytes as they arrive against a
//! limit ([`RequestBodyTimeout::max_body`]): past it the body ends with
//! [`BodyTooLarge`] and the client gets `413 Payload Too Large` (with
//! `Connection: close`), whatever the app answered. This is how a body without a
//! `Content-Length` (HTTP/1.1 chunked, HTTP/2 DATA frames) is bounded; a declared
//! `Content-Length` over `max_request_body` is refused by the server before the
//! app is called.
//!
//! [`Server`](crate::Server) applies the same watch to every request body itself,
//! from `body_read_timeout` (default 30 s) and `max_request_body` (default
//! 1 MiB); the layer is for a service run by another server.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use gw_core::BoxError;

/// The error a [`TimedBody`] ends with when its client went quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyReadTimeout(pub Duration);

impl std::fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no request body bytes arrived within body_read_timeout ({:?})",
            self.0
        )
    }
}

impl std::error::Error for BodyReadTimeout {}

/// The error a [`TimedBody`] ends with when its bytes pass the limit set with
/// [`RequestBodyTimeout::max_body`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge(pub u64);

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body is larger than max_request_body ({} bytes)",
            self.0
        )
    }
}

impl std::error::Error for BodyTooLarge {}

/// What happened to a request body, shared by the body and the response future.
const BODY_OK: u8 = 0;
const BODY_FAILED: u8 = 1;
const BODY_TOO_LARGE: u8 = 2;

/// Applies [`RequestBodyTimeout`] to a service.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use gw_core::{app_fn, test_client::TestClient, Body, Response};
/// use gw_server::{RequestBodyTimeoutLayer, TimedBody};
/// use http_body_util::BodyExt;
/// use tower::Layer;
///
/// let echo = app_fn(|req: http::Request<TimedBody<Body>>| async move {
///     match req.into_body().collect().await {
///         Ok(body) => Response::text(body.to_bytes()),
///         Err(_) => Response::text("too slow").with_status(http::StatusCode::REQUEST_TIMEOUT),
///     }
/// });
/// let app = RequestBodyTimeoutLayer::new(Duration::from_secs(30)).layer(echo);
/// TestClient::new(app).post("/").body("hi").send().await.assert_body("hi");
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequestBodyTimeoutLayer {
    timeout: Duration,
    max_body: Option<u64>,
}

impl RequestBodyTimeoutLayer {
    /// Ends a request body after `timeout` without a byte while it is being read.
    pub fn new(timeout: Duration) -> Self {
        RequestBodyTimeoutLayer {
            timeout,
            max_body: None,
        }
    }

    /// Also ends a request body once more than `max` bytes arrived; see
    /// [`RequestBodyTimeout::max_body`].
    pub fn max_body(mut self, max: Option<u64>) -> Self {
        self.max_body = max;
        self
    }
}

impl<S> tower::Layer<S> for RequestBodyTimeoutLayer {
    type Service = RequestBodyTimeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestBodyTimeout::new(inner, self.timeout).max_body(self.max_body)
    }
}

/// Gives the inner service a request body that fails with [`BodyReadTimeout`]
/// when its client stops sending; see [`RequestBodyTimeoutLayer`].
#[derive(Debug, Clone)]
pub struct RequestBodyTimeout<S> {
    inner: S,
    timeout: Option<Duration>,
    max_body: Option<u64>,
}

impl<S> RequestBodyTimeout<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, timeout: Duration) -> Self {
        RequestBodyTimeout {
            inner,
            timeout: Some(timeout),
            max_body: None,
        }
    }

    /// Wraps `inner` with the timeout off when `timeout` is `None` (bodies pass
    /// through untimed), as a config that may turn it off wants.
    pub fn optional(inner: S, timeout: Option<Duration>) -> Self {
        RequestBodyTimeout {
            inner,
            timeout,
            max_body: None,
        }
    }

    /// Counts the body's bytes as they arrive and ends it with [`BodyTooLarge`]
    /// past `max` (`None`: no limit). The client then gets `413 Payload Too
    /// Large` and `Connection: close` in place of the app's answer, which was
    /// built on a body it could not read whole.
    pub fn max_body(mut self, max: Option<u64>) -> Self {
        self.max_body = max;
        self
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, B, ResBody> tower::Service<http::Request<B>> for RequestBodyTimeout<S>
where
    S: tower::Service<http::Request<TimedBody<B>>, Response = http::Response<ResBody>>,
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
    ResBody: From<&'static str>,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let (parts, body) = req.into_parts();
        let (body, failed) = watch(body, self.timeout, self.max_body);
        TimeoutFuture {
            inner: self.inner.call(http::Request::from_parts(parts, body)),
            failed,
        }
    }
}

/// Wraps a request body in a [`TimedBody`], with the flag that tells the
/// response future how the body ended (none for a body that has ended already or
/// is not watched: no timer, no shared flag).
pub(crate) fn watch<B: Body>(
    body: B,
    timeout: Option<Duration>,
    max_body: Option<u64>,
) -> (TimedBody<B>, Option<Arc<AtomicU8>>) {
    let watched = timeout.is_some() || max_body.is_some();
    let failed = (watched && !body.is_end_stream()).then(|| Arc::new(AtomicU8::new(BODY_OK)));
    let timed = TimedBody {
        body,
        sleep: None,
        timeout,
        max_body,
        received: 0,
        failed: failed.clone(),
    };
    (timed, failed)
}

/// How a watched request body ended, as far as the response is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyOutcome {
    /// Read to its end, not read, or not watched.
    Fine,
    /// Passed `max_body`: the client gets 413 whatever the app answered.
    TooLarge,
    /// Timed out or failed: the rest is still on the wire, so the connection closes.
    Failed,
}

pub(crate) fn outcome(failed: Option<&Arc<AtomicU8>>) -> BodyOutcome {
    match failed.map(|f| f.load(Ordering::Relaxed)) {
        Some(BODY_TOO_LARGE) => BodyOutcome::TooLarge,
        Some(BODY_FAILED) => BodyOutcome::Failed,
        _ => BodyOutcome::Fine,
    }
}

pin_project! {
    /// The response future of [`RequestBodyTimeout`].
    pub struct TimeoutFuture<F> {
        #[pin]
        inner: F,
        failed: Option<Arc<AtomicU8>>,
    }
}

impl<F> std::fmt::Debug for TimeoutFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeoutFuture").finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
    ResBody: From<&'static str>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.inner.poll(cx))?;
        match outcome(this.failed.as_ref()) {
            BodyOutcome::TooLarge => {
                res = http::Response::new(ResBody::from("Request body too large\n"));
                *res.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            BodyOutcome::Failed => {
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            BodyOutcome::Fine => {}
        }
        Poll::Ready(Ok(res))
    }
}

pin_project! {
    /// A request body that fails with [`BodyReadTimeout`] after its timeout passes
    /// with no frame while it is polled, and with [`BodyTooLarge`] once its bytes
    /// pass the limit.
    pub struct TimedBody<B> {
        #[pin]
        body: B,
        #[pin]
        sleep: Option<Sleep>,
        timeout: Option<Duration>,
        max_body: Option<u64>,
        received: u64,
        failed: Option<Arc<AtomicU8>>,
    }
}

impl<B> std::fmt::Debug for TimedBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimedBody")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        match this.body.poll_frame(cx) {
            Poll::Ready(frame) => {
                // The clock restarts at the next wait.
                this.sleep.set(None);
                match &frame {
                    Some(Err(_)) => {
                        if let Some(failed) = this.failed {
                            failed.store(BODY_FAILED, Ordering::Relaxed);
                        }
                    }
                    Some(Ok(frame)) => {
                        if let (Some(max), Some(data)) = (*this.max_body, frame.data_ref()) {
                            *this.received += data.len() as u64;
                            if *this.received > max {
                                if let Some(failed) = this.failed {
                                    failed.store(BODY_TOO_LARGE, Ordering::Relaxed);
                                }
                                tracing::debug!(max, "request body passed max_request_body");
                                return Poll::Ready(Some(Err(BodyTooLarge(max).into())));
                            }
                        }
                    }
                    None => {}
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let Some(timeout) = *this.timeout else {
                    return Poll::Pending;
                };
                if this.sleep.is_none() {
                    let deadline = Instant::now() + timeout;
                    this.sleep.set(Some(tokio::time::sleep_until(deadline)));
                }
                let sleep = this.sleep.as_pin_mut().expect("set above");
                ready!(sleep.poll(cx));
                if let Some(failed) = this.failed {
                    failed.store(BODY_FAILED, Ordering::Relaxed);
                }
                tracing::debug!(?timeout, "request body stalled: ending it");
                Poll::Ready(Some(Err(BodyReadTimeout(timeout).into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{app_fn, test_client::TestClient, Body as GwBody};
    use http_body_util::BodyExt;
    use tower::{Layer, ServiceExt};

    fn echo() -> impl tower::Service<
        http::Request<TimedBody<GwBody>>,
        Response = http::Response<GwBody>,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone
           + Send
           + 'static {
        app_fn(|req: http::Request<TimedBody<GwBody>>| async move {
            match req.into_body().collect().await {
                Ok(body) => gw_core::Response::text(body.to_bytes()),
                Err(e) => gw_core::Response::text(e.to_string())
                    .with_status(http::StatusCode::REQUEST_TIMEOUT),
            }
            .into_http()
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_fails_and_the_connection_is_closed() {
        let app = RequestBodyTimeoutLayer::new(Duration::from_secs(5)).layer(echo());
        let (mut tx, body) = GwBody::channel();
        let sender = tokio::spawn(async move {
            tx.send("part").await.unwrap();
            // Never finishes: holds the sender open past the timeout.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(tx);
        });
        // Called directly, not through TestClient's Lint: `Connection` is the
        // server's to set, and this layer is part of the server.
        let res = app
            .oneshot(http::Request::post("/").body(body).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), 408);
        assert_eq!(res.headers()["connection"], "close");
        let text = res.into_body().collect().await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&text).contains("body_read_timeout"),
            "{text:?}"
        );
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_body_is_not_cut() {
        let app = RequestBodyTimeoutLayer::new(Duration::from_secs(5)).layer(echo());
        let (mut tx, body) = GwBody::channel();
        tokio::spawn(async move {
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_secs(4)).await;
                tx.send("tick ").await.unwrap();
            }
        });
        let res = TestClient::new(app).post("/").body(body).send().await;
        res.assert_status(200);
        res.assert_body("tick tick tick tick ");
        assert_eq!(res.header("connection"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn an_app_busy_before_it_reads_is_not_cut() {
        let slow_reader = app_fn(|req: http::Request<TimedBody<GwBody>>| async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let body = req.into_body().collect().await.unwrap().to_bytes();
            gw_core::Response::text(body).into_http()
        });
        let app = RequestBodyTimeoutLayer::new(Duration::from_secs(5)).layer(slow_reader);
        TestClient::new(app)
            .post("/")
            .body("all here")
            .send()
            .await
            .assert_body("all here");
    }
}
