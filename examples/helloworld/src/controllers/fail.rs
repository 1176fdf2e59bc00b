//! `GET /fail`: a controller that panics, to show the error catcher's pages.

use super::Controller;
use gateway_core::{app_fn, Body};

/// Panics with `boom from the fail controller`.
pub fn controller() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async {
        let message = "boom from the fail controller";
        if !message.is_empty() {
            panic!("{message}");
        }
        String::new()
    })
}
