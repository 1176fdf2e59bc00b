use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError};
use tower_service::Service;

use super::context::RequestContext;
use super::future::ResponseFuture;
use super::layer::{Config, ErrorCatcherLayer};
use crate::panic_hook::catch;
use crate::report::{ErrorKind, Failure, RequestSummary};

/// A [`Service`] that turns panics and errors of the inner service into 500
/// responses. Build it with [`ErrorCatcherLayer`].
///
/// Its error type is [`Infallible`]: an `Err` from the inner service becomes a 500
/// page, so the catcher fits wherever axum wants an infallible service.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_error_catcher::ErrorCatcherLayer;
/// use gw_core::{app_fn, test_client::TestClient, Body};
/// use tower::Layer;
///
/// let app = app_fn(|_req: http::Request<Body>| async {
///     if true { panic!("the database is on fire") }
///     "unreachable"
/// });
/// let client = TestClient::new(ErrorCatcherLayer::new().layer(app));
/// let res = client.get("/").send().await;
/// res.assert_status(500).assert_body_lacks("on fire");
/// assert!(res.header("x-error-id").is_some());
/// # }
/// ```
pub struct ErrorCatcher<S> {
    pub(crate) inner: S,
    pub(crate) config: Arc<Config>,
    /// The error of a failed `poll_ready`, answered as a 500 by the next `call`.
    pub(crate) not_ready: Option<BoxError>,
}

impl<S: Clone> Clone for ErrorCatcher<S> {
    fn clone(&self) -> Self {
        ErrorCatcher {
            inner: self.inner.clone(),
            config: self.config.clone(),
            not_ready: None,
        }
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for ErrorCatcher<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorCatcher")
            .field("inner", &self.inner)
            .field("debug", &self.config.debug)
            .finish()
    }
}

impl<S> ErrorCatcher<S> {
    /// Wraps `inner` in production mode; see [`ErrorCatcherLayer`] for the options.
    pub fn new(inner: S) -> Self {
        tower_layer::Layer::layer(&ErrorCatcherLayer::new(), inner)
    }

    /// The layer that builds this service, for [`tower::ServiceBuilder`]-style use.
    ///
    /// [`tower::ServiceBuilder`]: https://docs.rs/tower/latest/tower/struct.ServiceBuilder.html
    pub fn layer() -> ErrorCatcherLayer {
        ErrorCatcherLayer::new()
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqB, ResB> Service<http::Request<ReqB>> for ErrorCatcher<S>
where
    S: Service<http::Request<ReqB>, Response = http::Response<ResB>>,
    S::Error: Into<BoxError>,
    ResB: http_body::Body<Data = Bytes> + Unpin + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture<S::Future, ResB>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // An inner service that fails to become ready is answered by the next `call`
        // with a 500 page, since this service's own error type is `Infallible`.
        if self.not_ready.is_none() {
            match self.inner.poll_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => self.not_ready = Some(e.into()),
            }
        }
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn call(&mut self, req: http::Request<ReqB>) -> Self::Future {
        let request = RequestSummary::capture(&req, self.config.report_request_details);
        let mut response = ResponseFuture::new(RequestContext {
            config: self.config.clone(),
            request,
        });
        if let Some(error) = self.not_ready.take() {
            response.fail(Failure::Error {
                kind: ErrorKind::ServiceError,
                error_type: std::any::type_name::<S::Error>(),
                error,
            });
            return response;
        }
        let inner = &mut self.inner;
        if let Err(panic) = catch(|| response.calling(inner.call(req))) {
            response.fail(Failure::Panic(ErrorKind::PanicInCall, panic));
        }
        response
    }
}
