//! The per-request adapter between hyper and the user's tower Service: records
//! who sent the request in its [`RequestContext`], hands the app a [`Body`]
//! watched by the body timeout and limit, enforces the request deadline, keeps
//! the counters, and feeds the access log.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::AtomicU8;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use gw_core::{BoxError, ClientInfo, PeerAddr, ReadyCall, RequestContext, Scheme};

use crate::access_log::{Record, RequestText};
use crate::body_timeout::{outcome, watch, BodyOutcome};
use crate::conn::ConnShared;

/// The hyper Service of one connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnService<S> {
    pub(crate) inner: S,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) scheme: Scheme,
    pub(crate) conn: Arc<ConnShared>,
}

/// Ends a request's accounting (and writes its log line) when dropped: after the
/// response body ends, or when hyper drops the future or body early.
#[derive(Debug)]
pub(crate) struct RequestGuard {
    conn: Arc<ConnShared>,
    log: Option<Box<LogState>>,
    /// The response head is out (counted in `ConnShared`'s send-timeout state).
    responding: bool,
    /// The body's last poll was pending: hyper waits on the app, not the peer.
    waiting_on_app: bool,
}

#[derive(Debug)]
struct LogState {
    record: Record,
    started: Instant,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if self.waiting_on_app {
            self.conn.body_waits_on_app(false);
        }
        if self.responding {
            self.conn.response_ended();
        }
        self.conn.request_finished();
        if let (Some(mut log), Some(access_log)) = (self.log.take(), &self.conn.server.access_log) {
            log.record.latency = log.started.elapsed();
            access_log.log(log.record);
        }
    }
}

impl RequestGuard {
    fn set_status(&mut self, status: StatusCode) {
        if let Some(log) = &mut self.log {
            log.record.status = status;
        }
    }

    fn response_started(&mut self) {
        self.responding = true;
        self.conn.response_started();
    }

    /// Notes whether the body's poll made hyper wait on the app.
    fn body_polled(&mut self, pending: bool) {
        if pending != self.waiting_on_app {
            self.waiting_on_app = pending;
            self.conn.body_waits_on_app(pending);
        }
        if !pending {
            self.conn.frame_sent();
        }
    }

    fn add_bytes(&mut self, n: usize) {
        if let Some(log) = &mut self.log {
            log.record.bytes += n as u64;
        }
    }
}

fn plain<B>(status: StatusCode, text: &'static str) -> Response<ResponseBody<B>> {
    let mut res = Response::new(ResponseBody::fixed(Bytes::from_static(text.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

impl<S, B> hyper::service::Service<Request<Incoming>> for ConnService<S>
where
    S: tower::Service<Request<gw_core::Body>, Response = Response<B>> + Clone,
    S::Error: Into<BoxError>,
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody<B>>;
    type Error = BoxError;
    type Future = ResponseFuture<ReadyCall<S, Request<gw_core::Body>>, B>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let (mut parts, incoming) = req.into_parts();
        let server = &self.conn.server;
        self.conn.request_started();
        let peer_ip = self.peer.map(|p| p.ip());
        let client = if server.trusted_proxies.is_empty() {
            ClientInfo {
                addr: peer_ip,
                scheme: self.scheme,
                forwarded: false,
            }
        } else {
            server
                .trusted_proxies
                .client_info(peer_ip, self.scheme, &parts.headers)
        };
        let log = server.access_log.as_ref().map(|_| {
            Box::new(LogState {
                record: Record {
                    client: client.addr,
                    time: SystemTime::now(),
                    method: parts.method.clone(),
                    text: RequestText::capture(&parts.uri, &parts.headers),
                    version: parts.version,
                    // Replaced by the real status; stays 500 when no response
                    // was produced (the service failed or the client left).
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    bytes: 0,
                    latency: Duration::ZERO,
                },
                started: Instant::now(),
            })
        });
        let guard = RequestGuard {
            conn: self.conn.clone(),
            log,
            responding: false,
            waiting_on_app: false,
        };
        // RFC 9112 §3.2: a missing, repeated or invalid Host gets 400 (and a close,
        // so nothing else on this connection is read with the same doubt).
        let refusal = match crate::host::check(parts.version, &parts.uri, &parts.headers) {
            Err(problem) => Some((StatusCode::BAD_REQUEST, problem.message())),
            // A body of unknown length is counted as it arrives (see
            // `body_timeout::watch`); a declared length is judged here.
            Ok(()) => match (server.max_request_body, incoming.size_hint().exact()) {
                (Some(limit), Some(n)) if n > limit => {
                    Some((StatusCode::PAYLOAD_TOO_LARGE, "Request body too large\n"))
                }
                _ => None,
            },
        };
        if let Some((status, text)) = refusal {
            let mut response = plain(status, text);
            if parts.version <= http::Version::HTTP_11 {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return ResponseFuture {
                state: State::Ready {
                    response: Some(response),
                },
                guard: Some(guard),
                body_failed: None,
            };
        }

        // One extension entry per request, which the layers further in add to.
        // Built where it is boxed (the context is larger than the request
        // head): `insert` would take it by value first.
        let peer = self.peer.map(PeerAddr);
        parts
            .extensions
            .get_or_insert_with(|| RequestContext::with_client(peer, client));
        // The app gets one body type: empty when nothing follows the head (no
        // box, no timer), else hyper's watched by the body timeout and limit.
        let (body, body_failed) = if incoming.is_end_stream() {
            (gw_core::Body::empty(), None)
        } else {
            let (timed, failed) =
                watch(incoming, server.body_read_timeout, server.max_request_body);
            (gw_core::Body::new(timed), failed)
        };
        let deadline = server.request_timeout.map(tokio::time::sleep);
        ResponseFuture {
            state: State::Call {
                call: ReadyCall::new(self.inner.clone(), Request::from_parts(parts, body)),
                deadline: OptionSleep { sleep: deadline },
            },
            guard: Some(guard),
            body_failed,
        }
    }
}

pin_project! {
    struct OptionSleep {
        #[pin]
        sleep: Option<Sleep>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Call {
            #[pin]
            call: F,
            #[pin]
            deadline: OptionSleep,
        },
        Ready {
            response: Option<Response<ResponseBody<B>>>,
        },
    }
}

pin_project! {
    /// The response future of [`ConnService`].
    pub(crate) struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
        guard: Option<RequestGuard>,
        // How a watched request body ended (see `body_timeout::watch`).
        body_failed: Option<Arc<AtomicU8>>,
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
{
    type Output = Result<Response<ResponseBody<B>>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.state.project() {
            StateProj::Call { call, deadline } => match call.poll(cx) {
                Poll::Ready(Ok(res)) => match outcome(this.body_failed.as_ref()) {
                    BodyOutcome::Fine => res.map(ResponseBody::inner),
                    BodyOutcome::Failed => {
                        let mut res = res.map(ResponseBody::inner);
                        res.headers_mut()
                            .insert(header::CONNECTION, HeaderValue::from_static("close"));
                        res
                    }
                    BodyOutcome::TooLarge => {
                        let mut res =
                            plain(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large\n");
                        res.headers_mut()
                            .insert(header::CONNECTION, HeaderValue::from_static("close"));
                        res
                    }
                },
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Pending => {
                    let Some(sleep) = deadline.project().sleep.as_pin_mut() else {
                        return Poll::Pending;
                    };
                    if sleep.poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    tracing::warn!("request_timeout passed: answering 503");
                    let mut res = plain(StatusCode::SERVICE_UNAVAILABLE, "Request timed out\n");
                    res.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    res
                }
            },
            StateProj::Ready { response } => response
                .take()
                .expect("ResponseFuture polled after completion"),
        };
        let mut guard = this
            .guard
            .take()
            .expect("ResponseFuture polled after completion");
        guard.set_status(response.status());
        guard.response_started();
        response.body_mut().guard = Some(guard);
        Poll::Ready(Ok(response))
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Inner { #[pin] body: B },
        Fixed { data: Option<Bytes> },
    }
}

pin_project! {
    /// The response body the server hands hyper: the service's body (or one of the
    /// server's own short answers), counting bytes for the access log and ending
    /// the request's accounting when it is dropped.
    pub(crate) struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
        guard: Option<RequestGuard>,
    }
}

impl<B> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody").finish_non_exhaustive()
    }
}

impl<B> ResponseBody<B> {
    fn inner(body: B) -> Self {
        ResponseBody {
            kind: Kind::Inner { body },
            guard: None,
        }
    }

    fn fixed(data: Bytes) -> Self {
        ResponseBody {
            kind: Kind::Fixed { data: Some(data) },
            guard: None,
        }
    }
}

impl<B> Body for ResponseBody<B>
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
        let this = self.project();
        let polled = match this.kind.project() {
            KindProj::Inner { body } => body
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(Into::into))),
            KindProj::Fixed { data } => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
        };
        if let Some(guard) = this.guard.as_mut() {
            guard.body_polled(polled.is_pending());
        }
        let frame = match polled {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => {
                // The body is done: end the request now, not at drop.
                this.guard.take();
                return Poll::Ready(None);
            }
            Poll::Pending => return Poll::Pending,
        };
        if let (Some(data), Some(guard)) = (frame.data_ref(), this.guard.as_mut()) {
            guard.add_bytes(data.len());
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Fixed { data } => data.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Fixed { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
        }
    }
}
