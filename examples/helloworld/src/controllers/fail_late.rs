//! `GET /fail_late`: a streaming controller that sends `partial`, then fails. The
//! client must see a truncated response, never a clean one.

use std::time::Duration;

use super::Controller;
use gw_core::{app_fn, Body, Response};

/// Sends `partial`, then ends the body with an error.
pub fn controller() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async {
        let (mut tx, body) = Body::channel();
        tokio::spawn(async move {
            if tx.send("partial").await.is_ok() {
                // Let `partial` reach the wire before the failure cuts the connection.
                tokio::time::sleep(Duration::from_millis(20)).await;
                tx.abort("the fail_late controller failed mid-stream").await;
            }
        });
        Response::html(body)
    })
}
