//! A tiny hello-world server, with or without the error layers, for measuring the
//! non-error path over HTTP with a load generator such as `wrk`.
//!
//! ```text
//! cargo run --release -p gw-error-catcher --example non_error_server -- bare 127.0.0.1:8091
//! cargo run --release -p gw-error-catcher --example non_error_server -- layers 127.0.0.1:8092
//! wrk -t2 -c64 -d5s http://127.0.0.1:8091/hello
//! ```
//!
//! `bare` serves the app alone; `layers` serves
//! `ErrorDocuments(ErrorCatcher(app))`, as helloworld stacks them. Both use hyper's
//! HTTP/1 connection directly on a two-worker tokio runtime (this crate cannot
//! depend on gw-server), so the only difference between them is the layers.

use std::net::SocketAddr;

use gw_core::{app_fn, Response};
use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::{Layer, Service};

async fn hello(_req: http::Request<hyper::body::Incoming>) -> Response {
    Response::html("Hello World!")
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
    let variant = args.next().unwrap_or_else(|| "layers".to_owned());
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:8091".to_owned())
        .parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("{variant}: listening on http://{}", listener.local_addr()?);
        let app = app_fn(hello);
        match variant.as_str() {
            "bare" => serve(listener, app),
            "layers" => serve(
                listener,
                ErrorDocumentsLayer::new().layer(ErrorCatcherLayer::new().layer(app)),
            ),
            other => return Err(format!("unknown variant {other:?}: bare or layers").into()),
        }
        std::future::pending::<()>().await;
        Ok(())
    })
}
