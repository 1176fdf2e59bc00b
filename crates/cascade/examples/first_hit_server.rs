//! A tiny hello-world server, called directly or as the first member of a cascade,
//! for measuring the first-hit overhead over HTTP with a load generator such as `wrk`.
//!
//! ```text
//! cargo run --release -p gw-cascade --example first_hit_server -- direct 127.0.0.1:8093
//! cargo run --release -p gw-cascade --example first_hit_server -- cascade 127.0.0.1:8094
//! wrk -t2 -c64 -d5s http://127.0.0.1:8093/hello
//! ```
//!
//! `direct` serves the app alone; `cascade` serves `cascade!(app, miss)`, the app
//! answering first; `probed` serves `cascade!(Probing(app), miss)`, the fast path
//! (the app implements `gw_core::Probe`); `hello` serves that app alone. Both use hyper's HTTP/1 connection directly on a two-worker
//! tokio runtime (this crate cannot depend on gw-server), so the only
//! difference between them is the cascade.

use std::net::SocketAddr;

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use gw_cascade::{cascade, Probing};
use gw_core::{app_fn, Body, Probe, Probed, Response};
use http::StatusCode;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::Service;

async fn hello<B>(_req: http::Request<B>) -> Response {
    Response::html("Hello World!")
}

/// `hello` as a service that can answer from a borrowed request.
#[derive(Clone, Copy)]
struct Hello;

impl<B> Service<http::Request<B>> for Hello {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _req: http::Request<B>) -> Self::Future {
        ready(Ok(Response::html("Hello World!").into_http()))
    }
}

impl<B> Probe<http::Request<B>> for Hello {
    fn probe(&mut self, _req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
        Probed::Ready(Response::html("Hello World!").into_http())
    }
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
            "hello" => serve(listener, Hello),
            "probed" => serve(listener, cascade!(Probing(Hello), app_fn(miss))),
            other => {
                return Err(
                    format!("unknown variant {other:?}: direct, cascade, hello or probed").into(),
                )
            }
        }
        std::future::pending::<()>().await;
        Ok(())
    })
}
