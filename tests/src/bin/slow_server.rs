//! A fixture server for shutdown tests: `GET /slow?ms=N` answers after N ms.
//!
//! Usage: `slow_server DRAIN_MS`; it binds 127.0.0.1:0 and prints `serving on ...`.

use std::time::Duration;

use gw_core::app_fn;
use gw_server::Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let drain_ms: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let app = app_fn(|req: http::Request<gw_core::Body>| async move {
        let ms = gateway_tests::query_ms(req.uri());
        tokio::time::sleep(Duration::from_millis(ms)).await;
        format!("slept {ms} ms")
    });
    let server = Server::bind("127.0.0.1:0")
        .await?
        .drain_timeout(Duration::from_millis(drain_ms));
    server.serve(app).await?;
    Ok(())
}
