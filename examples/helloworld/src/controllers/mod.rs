//! The controllers: each one any tower Service, "as long as you give it the same name".

use std::convert::Infallible;

use gw_core::Body;

pub mod classy;
pub mod echo;
pub mod environ;
pub mod fail;
pub mod fail_late;
pub mod greet;
pub mod hello;
pub mod page;
pub mod response;
pub mod stream;
pub mod whoami;
pub mod wrapped;

/// What every controller here is: a cloneable Service from a request to a response.
/// (`Sync` so a controller can also be an axum `route_service`.)
pub trait Controller:
    tower::Service<
        http::Request<Body>,
        Response = http::Response<Body>,
        Error = Infallible,
        Future: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Controller for S where
    S: tower::Service<
            http::Request<Body>,
            Response = http::Response<Body>,
            Error = Infallible,
            Future: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}
