//! `GET /classy`: a struct implementing Service, the twin of a class with `__call__`.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use gw_core::{Body, Html, IntoResponse};

/// A controller written as a struct.
#[derive(Debug, Clone, Copy)]
pub struct ClassyController;

impl<B> tower::Service<http::Request<B>> for ClassyController {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: http::Request<B>) -> Self::Future {
        ready(Ok(Html("Hello World!").into_response()))
    }
}
