//! `GET /hello`: a plain function controller.

use super::Controller;
use gw_core::{app_fn, Body, Html};

/// `def HelloController(environ, start_response): return ['Hello World!']`
pub fn controller() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async { Html("Hello World!") })
}
