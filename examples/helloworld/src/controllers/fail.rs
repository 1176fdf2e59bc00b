//! `GET /fail`: a controller that panics, to show the error catcher's pages.

use super::Controller;
use gw_core::{app_fn, Body};

/// Panics with `boom from the fail controller`.
pub fn controller() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async { explode() })
}

/// The action's body: it never returns, but its type says what it would have.
fn explode() -> &'static str {
    panic!("boom from the fail controller")
}
