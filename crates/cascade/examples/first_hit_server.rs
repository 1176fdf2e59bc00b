//! A tiny hello-world server, called directly or as the first member of a cascade,
//! for measuring the first-hit overhead over HTTP with a load generator such as `wrk`.
//!
//! ```text
//! cargo run --release -p cascade --example first_hit_server -- direct 127.0.0.1:8093
//! cargo run --release -p cascade --example first_hit_server -- cascade 127.0.0.1:8094
//! wrk -t2 -c64 -d5s http://127.0.0.1:8093/hello
//! ```
//!
//! `direct` serves the app alone; `cascade` serves `cascade!(app, miss)`, the app
//! answering first. Both use hyper's HTTP/1 connection directly on a two-worker
//! tokio runtime (this crate cannot depend on gateway-server), so the only
//! difference between them is the cascade.

use std::net::SocketAddr;

use cascade::cascade;
use gateway_core::{app_fn, Response};
use http::StatusCode;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::Service;

async fn hello<B>(_req: http::Request<B>) -> Response {
    Response::html("Hello World!")
}

async fn miss<B>(_req: http::Request<B>) -> StatusCode {
    StatusCode::NOT_FOUND
}

fn serve<S, RB>(listener: tokio::net::TcpListener, service: S)
where
    S: Service<http::Request<hyper::body::Incoming>, Response = http::Response<RB>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    RB: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    RB::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "cascade".to_owned());
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:8093".to_owned())
        .parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("{variant}: listening on http://{}", listener.local_addr()?);
        match variant.as_str() {
            "direct" => serve(listener, app_fn(hello)),
            "cascade" => serve(listener, cascade!(app_fn(hello), app_fn(miss))),
            other => return Err(format!("unknown variant {other:?}: direct or cascade").into()),
        }
        std::future::pending::<()>().await;
        Ok(())
    })
}
