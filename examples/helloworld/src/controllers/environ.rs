//! `GET /environ`: reads the environ key that the key-adder layer set.

use super::Controller;
use gw_core::{app_fn, Body, Environ};

/// Answers the value of `test.hello` (`Hello World` in this project's stack).
pub fn controller() -> impl Controller {
    app_fn(|req: http::Request<Body>| async move {
        Environ::of(&req)
            .and_then(|env| env.get("test.hello"))
            .unwrap_or("test.hello is not set")
            .to_owned()
    })
}
