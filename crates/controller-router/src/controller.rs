//! Turning any tower Service into a controller.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError, ReadyCall, Response};
use http::StatusCode;
use tower_service::Service;

/// The boxed future of one controller call, as the router and actions hold it.
/// It never fails; its output is already the `Result` a Service's future gives,
/// so a holder hands it on as it came, without moving the response.
pub(crate) type BoxResponse =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

/// A controller, boxed: any Service from `Request<Body>` to `Response<Body>`.
///
/// Cloning it is a reference-count bump. Each call clones the service inside
/// and calls it with [`gw_core::ReadyCall`]: at once when it is ready (the usual
/// case), else readied in the future; all in one boxed future, the one box
/// between the router and the controller.
#[derive(Clone)]
pub struct BoxController {
    inner: Arc<dyn Dispatch>,
}

impl fmt::Debug for BoxController {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoxController").finish_non_exhaustive()
    }
}

impl BoxController {
    /// Calls the controller without cloning the box: what the router, a mount and
    /// an action do with each request.
    pub(crate) fn dispatch(&self, req: http::Request<Body>) -> ControllerFuture {
        ControllerFuture {
            inner: self.inner.dispatch(req),
        }
    }
}

impl Service<http::Request<Body>> for BoxController {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = ControllerFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Readiness is awaited per call, on the call's own clone of the service.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> ControllerFuture {
        self.dispatch(req)
    }
}

/// The response future of a [`BoxController`]: never fails (a controller's error
/// is a logged `500`).
pub struct ControllerFuture {
    inner: BoxResponse,
}

impl ControllerFuture {
    pub(crate) fn into_inner(self) -> BoxResponse {
        self.inner
    }
}

impl fmt::Debug for ControllerFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControllerFuture").finish_non_exhaustive()
    }
}

impl Future for ControllerFuture {
    type Output = Result<http::Response<Body>, Infallible>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// What can be a controller, an action or a mounted app: any cloneable, shareable
/// Service from `Request<Body>` whose response body is an
/// `http_body::Body<Data = Bytes>` (its type is `RB`, inferred).
///
/// The service is boxed: its response body becomes a [`Body`]; an error becomes a
/// logged `500 Internal Server Error` (the error never escapes the router).
pub trait IntoController<RB>: Send + Sync + 'static {
    /// Boxes the service.
    fn into_controller(self) -> BoxController;
}

impl<S, RB> IntoController<RB> for S
where
    S: Service<http::Request<Body>, Response = http::Response<RB>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    fn into_controller(self) -> BoxController {
        BoxController {
            inner: Arc::new(Controller(self)),
        }
    }
}

/// A controller's call through `&self`, so the box is shared, never cloned.
trait Dispatch: Send + Sync {
    fn dispatch(&self, req: http::Request<Body>) -> BoxResponse;
}

struct Controller<S>(S);

impl<S, RB> Dispatch for Controller<S>
where
    S: Service<http::Request<Body>, Response = http::Response<RB>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    fn dispatch(&self, req: http::Request<Body>) -> BoxResponse {
        // Called at once when it is ready (the usual case): the box holds only
        // the service's future.
        Box::pin(Answer {
            call: ReadyCall::new(self.0.clone(), req),
        })
    }
}

pin_project_lite::pin_project! {
    /// A controller's call, its response body made ours and an error made a
    /// logged `500`.
    struct Answer<S>
    where
        S: Service<http::Request<Body>>,
    {
        #[pin]
        call: ReadyCall<S, http::Request<Body>>,
    }
}

impl<S, RB> Future for Answer<S>
where
    S: Service<http::Request<Body>, Response = http::Response<RB>>,
    S::Error: Into<BoxError>,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Output = Result<http::Response<Body>, Infallible>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Ok(match std::task::ready!(self.project().call.poll(cx)) {
            Ok(res) => res.map(Body::new),
            Err(err) => {
                // Not ready, or failed when called: either way a logged 500.
                let err: BoxError = err.into();
                tracing::error!(error = %err, "controller failed");
                internal_error()
            }
        }))
    }
}

pub(crate) fn internal_error() -> http::Response<Body> {
    Response::text("Internal Server Error")
        .with_status(StatusCode::INTERNAL_SERVER_ERROR)
        .into_http()
}

/// The plain 404 a router or mount answers when nothing takes the request, so that
/// a cascade moves on.
pub(crate) fn not_found() -> http::Response<Body> {
    Response::text("Not Found")
        .with_status(StatusCode::NOT_FOUND)
        .into_http()
}

pub(crate) fn bad_request(why: &'static str) -> http::Response<Body> {
    Response::text(why)
        .with_status(StatusCode::BAD_REQUEST)
        .into_http()
}
