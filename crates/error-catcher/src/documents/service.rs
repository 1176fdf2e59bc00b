use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError};
use tower_service::Service;

use super::body::DocumentBody;
use super::future::{ResponseFuture, Shared};
use super::layer::ErrorDocumentsLayer;
use super::page::DefaultErrorPage;
use super::ErrorDocumentRequest;
use crate::capture::{accept, RequestLine};

/// A [`Service`] that replaces the body of chosen error statuses with an error
/// document. Build it with [`ErrorDocumentsLayer`]; the module docs list the rules.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_error_catcher::ErrorDocuments;
/// use gw_core::{app_fn, test_client::TestClient, Body, Response};
/// use http::{header, HeaderValue, StatusCode};
///
/// let app = app_fn(|_req: http::Request<Body>| async {
///     Response::text("who are you?")
///         .with_status(StatusCode::UNAUTHORIZED)
///         .header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"app\""))
/// });
/// let client = TestClient::new(ErrorDocuments::new(app));
/// client.get("/").send().await
///     .assert_status(401)
///     .assert_header("www-authenticate", "Basic realm=\"app\"")
///     .assert_body_contains("401 Unauthorized");
/// # }
/// ```
pub struct ErrorDocuments<S, P = DefaultErrorPage> {
    pub(crate) inner: S,
    pub(crate) shared: Arc<Shared<P>>,
}

impl<S: Clone, P> Clone for ErrorDocuments<S, P> {
    fn clone(&self) -> Self {
        ErrorDocuments {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<S: std::fmt::Debug, P> std::fmt::Debug for ErrorDocuments<S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorDocuments")
            .field("inner", &self.inner)
            .field("statuses", &self.shared.statuses)
            .field("document_path", &self.shared.document_path)
            .finish_non_exhaustive()
    }
}

impl<S> ErrorDocuments<S> {
    /// Wraps `inner` with the default statuses and page.
    pub fn new(inner: S) -> Self {
        tower_layer::Layer::layer(&ErrorDocumentsLayer::new(), inner)
    }

    /// The default layer, to configure further.
    pub fn layer() -> ErrorDocumentsLayer {
        ErrorDocumentsLayer::new()
    }
}

impl<S, P> ErrorDocuments<S, P> {
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

impl<S, P, ReqB, ResB, PB> Service<http::Request<ReqB>> for ErrorDocuments<S, P>
where
    S: Service<http::Request<ReqB>, Response = http::Response<ResB>>,
    ResB: http_body::Body<Data = Bytes>,
    ResB::Error: Into<BoxError>,
    P: Service<http::Request<Body>, Response = http::Response<PB>> + Clone + Send + 'static,
    P::Future: Send + 'static,
    P::Error: Into<BoxError>,
    PB: http_body::Body<Data = Bytes> + Send + 'static,
    PB::Error: Into<BoxError>,
{
    type Response = http::Response<DocumentBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, P>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqB>) -> Self::Future {
        // An error-page request passes through untouched: this is what makes using
        // the application itself as the page service loop-free.
        let (original, accept) = if req.extensions().get::<ErrorDocumentRequest>().is_some() {
            (None, None)
        } else {
            (Some(RequestLine::capture(&req)), accept(req.headers()))
        };
        ResponseFuture::new(self.inner.call(req), self.shared.clone(), original, accept)
    }
}
