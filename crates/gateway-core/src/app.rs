//! Writing an app: an async function or a struct, returning anything [`IntoResponse`].
//!
//! The seed document shows a Pylons controller written four ways. Here they are:
//!
//! ```
//! use std::convert::Infallible;
//! use std::future::{ready, Ready};
//! use std::task::{Context, Poll};
//! use gw_core::{app_fn, Body, IntoResponse, Response};
//!
//! // 1. A function.
//! let hello = app_fn(|_req: http::Request<Body>| async { "Hello World!" });
//!
//! // 2. A function that yields chunks.
//! let stream = app_fn(|_req: http::Request<Body>| async {
//!     Response::html(Body::from_chunks(["Hello ", "World!"]))
//! });
//!
//! // 3. A Response object.
//! let response = app_fn(|_req: http::Request<Body>| async { Response::new("Hello World!") });
//!
//! // 4. A struct implementing Service.
//! #[derive(Clone)]
//! struct Classy;
//! impl<B> tower_service::Service<http::Request<B>> for Classy {
//!     type Response = http::Response<Body>;
//!     type Error = Infallible;
//!     type Future = Ready<Result<Self::Response, Infallible>>;
//!     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
//!         Poll::Ready(Ok(()))
//!     }
//!     fn call(&mut self, _req: http::Request<B>) -> Self::Future {
//!         ready(Ok("Hello World!".into_response()))
//!     }
//! }
//! # let _ = (hello, stream, response, Classy);
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::{Body, IntoResponse};

/// Makes an app from an async function of the request.
///
/// The function may return anything that implements [`IntoResponse`]. The service
/// never fails (`Error = Infallible`) and works for any request body type the
/// function accepts.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_core::{app_fn, Body};
/// use tower::ServiceExt;
///
/// let app = app_fn(|req: http::Request<Body>| async move { format!("you asked for {}", req.uri()) });
/// let res = app.oneshot(http::Request::new(Body::empty())).await.unwrap();
/// assert_eq!(res.status(), 200);
/// # }
/// ```
pub fn app_fn<F>(f: F) -> AppFn<F> {
    AppFn { f }
}

/// The service made by [`app_fn`].
#[derive(Clone, Copy)]
pub struct AppFn<F> {
    f: F,
}

impl<F> std::fmt::Debug for AppFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppFn")
            .field("f", &std::any::type_name::<F>())
            .finish()
    }
}

impl<F, B, Fut, R> tower_service::Service<http::Request<B>> for AppFn<F>
where
    F: FnMut(http::Request<B>) -> Fut,
    Fut: Future<Output = R>,
    R: IntoResponse,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = AppFnFuture<Fut>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        AppFnFuture {
            inner: (self.f)(req),
        }
    }
}

pin_project! {
    /// The response future of [`AppFn`].
    pub struct AppFnFuture<Fut> {
        #[pin]
        inner: Fut,
    }
}

impl<Fut, R> Future for AppFnFuture<Fut>
where
    Fut: Future<Output = R>,
    R: IntoResponse,
{
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx).map(|r| Ok(r.into_response()))
    }
}
