//! `POST /echo`: the request body back, byte for byte, after the cascade.

use super::Controller;
use gateway_core::{app_fn, Body, Response};
use http::{header, HeaderValue};

/// Streams the request body back as the response body.
pub fn controller() -> impl Controller {
    app_fn(|req: http::Request<Body>| async move {
        Response::new(req.into_body()).header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )
    })
}
