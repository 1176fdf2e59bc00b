//! `GET /stream`: a controller that yields `Hello ` and then `World!`.

use super::Controller;
use gw_core::{app_fn, Body, Response};

/// The `yield` twin: each chunk goes out as its own frame.
pub fn controller() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async {
        Response::html(Body::from_chunks(["Hello ", "World!"]))
    })
}
