//! Measures what the server adds over raw hyper-util on the same hello handler.
//!
//! ```text
//! cargo run --release -p gw-server --example hello_overhead -- raw 127.0.0.1:8001
//! cargo run --release -p gw-server --example hello_overhead -- gateway 127.0.0.1:8002
//! wrk -t1 -c64 -d5s http://127.0.0.1:8001/   # then :8002
//! ```
//!
//! `raw` is the canonical hyper-util loop (accept, TokioIo, auto builder with a
//! timer, GracefulShutdown); `gateway` is `Server` with its default settings.

use std::convert::Infallible;

use bytes::Bytes;
use gw_server::Server;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;

async fn hello<B>(_req: http::Request<B>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    Ok(http::Response::new(Full::new(Bytes::from_static(
        b"Hello World!",
    ))))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "gateway".to_owned());
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8000".to_owned());
    if mode == "raw" {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        println!("serving on http://{}", listener.local_addr()?);
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let conn = builder
                .serve_connection_with_upgrades(
                    TokioIo::new(stream),
                    hyper::service::service_fn(hello::<Incoming>),
                )
                .into_owned();
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    }
    Server::bind(&addr)
        .await?
        .serve(tower::service_fn(hello::<gw_core::Body>))
        .await?;
    Ok(())
}
