//! `POST /echo`: the request body back, byte for byte, after the cascade.

use super::Controller;
use gw_core::{app_fn, Body, Response};
use http::{header, HeaderValue, StatusCode};
use http_body_util::BodyExt;

/// Reads the whole request body, then answers it.
///
/// It reads before it answers, as a Pylons action reading `wsgi.input` does. An echo
/// that answered while still reading would need a client and every proxy in between
/// to send and receive at once, which HTTP/1.1 does not promise: curl stops reading
/// while it uploads, and nginx sends a FastCGI body whole before it reads the answer.
pub fn controller() -> impl Controller {
    app_fn(|req: http::Request<Body>| async move {
        match req.into_body().collect().await {
            Ok(body) => Response::new(body.to_bytes()).header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            Err(_) => Response::text("the request body could not be read\n")
                .with_status(StatusCode::BAD_REQUEST),
        }
    })
}
