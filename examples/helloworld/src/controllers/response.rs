//! `GET /response`: a controller that returns a Response object.

use super::Controller;
use gw_core::{app_fn, Body, Response};

/// `return Response('Hello World!')`
pub fn controller() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async { Response::html("Hello World!") })
}
