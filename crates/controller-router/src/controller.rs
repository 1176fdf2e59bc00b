//! Turning any tower Service into a controller.

use std::convert::Infallible;

use bytes::Bytes;
use gw_core::{Body, BoxError, Response};
use http::StatusCode;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::util::BoxCloneSyncService;
use tower_service::Service;

/// A controller, boxed: any Service from `Request<Body>` to `Response<Body>`.
pub type BoxController = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, Infallible>;

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
    S::Error: Into<BoxError>,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    fn into_controller(self) -> BoxController {
        BoxCloneSyncService::new(Infallibly {
            inner: self,
            not_ready: false,
        })
    }
}

/// Makes a service infallible: an error becomes a logged `500`.
#[derive(Clone)]
struct Infallibly<S> {
    inner: S,
    /// `poll_ready` failed: the next call answers 500 without calling `inner`.
    not_ready: bool,
}

impl<S, RB> Service<http::Request<Body>> for Infallibly<S>
where
    S: Service<http::Request<Body>, Response = http::Response<RB>>,
    S::Error: Into<BoxError>,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = InfalliblyFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        match self.inner.poll_ready(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(err)) => {
                let err: BoxError = err.into();
                tracing::error!(error = %err, "controller not ready");
                self.not_ready = true;
                Poll::Ready(Ok(()))
            }
        }
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        if std::mem::take(&mut self.not_ready) {
            return InfalliblyFuture {
                state: State::Failed,
            };
        }
        InfalliblyFuture {
            state: State::Call {
                fut: self.inner.call(req),
            },
        }
    }
}

pin_project! {
    struct InfalliblyFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Call { #[pin] fut: F },
        Failed,
    }
}

impl<F, RB, E> Future for InfalliblyFuture<F>
where
    F: Future<Output = Result<http::Response<RB>, E>>,
    E: Into<BoxError>,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = match self.project().state.project() {
            StateProj::Call { fut } => fut,
            StateProj::Failed => return Poll::Ready(Ok(internal_error())),
        };
        fut.poll(cx).map(|result| {
            Ok(match result {
                Ok(res) => res.map(Body::new),
                Err(err) => {
                    let err: BoxError = err.into();
                    tracing::error!(error = %err, "controller failed");
                    internal_error()
                }
            })
        })
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
