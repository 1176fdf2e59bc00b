//! Shared plumbing for the load-test servers that `cargo xtask bench` starts.
//!
//! Every binary in this package takes a port as its first argument, binds
//! `127.0.0.1:PORT`, prints `listening on http://127.0.0.1:PORT` and serves until it
//! is killed. All of them use the same runtime: multi-thread tokio with two workers,
//! so that no server wins by having more threads than another.
//!
//! This package is bench-only: no library crate depends on it.
//!
//! # Example
//!
//! ```
//! let body = gateway_bench::HELLO;
//! assert_eq!(body, "Hello World!");
//! let runtime = gateway_bench::runtime();
//! runtime.block_on(async { /* serve here */ });
//! ```
#![forbid(unsafe_code)]

use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

/// The body every hello endpoint answers, the same bytes as helloworld's `/hello`.
pub const HELLO: &str = "Hello World!";

/// The number of tokio worker threads every bench server runs.
pub const WORKERS: usize = 2;

/// The runtime every bench server runs on: multi-thread, [`WORKERS`] workers.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("cannot build the tokio runtime")
}

/// The port given as the first command-line argument; exits with usage on error.
pub fn port_arg() -> u16 {
    match std::env::args().nth(1).map(|s| s.parse::<u16>()) {
        Some(Ok(port)) => port,
        _ => usage(),
    }
}

/// The directory given as the second command-line argument; exits with usage on error.
pub fn dir_arg() -> PathBuf {
    match std::env::args().nth(2) {
        Some(dir) if std::path::Path::new(&dir).is_dir() => PathBuf::from(dir),
        _ => usage(),
    }
}

fn usage() -> ! {
    let program = std::env::args().next().unwrap_or_default();
    eprintln!("usage: {program} PORT [DIR]");
    std::process::exit(2)
}

/// Binds `127.0.0.1:port` and prints the `listening on` line.
pub fn std_listener(port: u16) -> StdTcpListener {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = StdTcpListener::bind(addr).unwrap_or_else(|e| panic!("cannot bind {addr}: {e}"));
    listener
        .set_nonblocking(true)
        .expect("cannot make the listener non-blocking");
    println!("listening on http://{addr}");
    listener
}

/// Binds `127.0.0.1:port` as a tokio listener; call inside the runtime.
pub fn tokio_listener(port: u16) -> tokio::net::TcpListener {
    tokio::net::TcpListener::from_std(std_listener(port)).expect("cannot register the listener")
}

/// A `200 text/html` response carrying [`HELLO`].
pub fn hello_response() -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Full::new(Bytes::from_static(HELLO.as_bytes())))
        .expect("static response")
}

/// The canonical hyper 1 serve loop: accept, `TokioIo`, hyper-util's auto builder
/// (HTTP/1.1 and h2c), one task per connection. No graceful shutdown: the harness
/// kills the process, so this never returns.
pub async fn serve_hyper<S, B>(listener: tokio::net::TcpListener, service: S)
where
    S: hyper::service::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        let service = service.clone();
        tokio::spawn(async move {
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
