//! Serve any tower Service over HTTP/1.1 and HTTP/2, and run an app from a config
//! file: the twin of `paster serve`, `paste.httpserver` and `paste.deploy`.
//!
//! # Example
//!
//! ```no_run
//! use gw_core::app_fn;
//! use gw_server::Server;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), gw_server::ServeError> {
//!     let app = app_fn(|_req: http::Request<gw_core::Body>| async { "Hello World!" });
//!     // Prints `serving on http://127.0.0.1:8000`; SIGINT or SIGTERM drains and exits.
//!     Server::bind("127.0.0.1:8000").await?.serve(app).await
//! }
//! ```
//!
//! # What the server defends against
//!
//! Every knob lives in [`ServerConfig`] (and in `[server.main]` of a config file,
//! read by [`ServerConfig::from_settings`]); the README lists each with its
//! default and the attack it stops. In short:
//!
//! - **Timeouts**: a first-byte timeout (hyper-util's protocol sniffing has none,
//!   hyper#3756), a header-read timeout (axum::serve sets none; ours costs nothing
//!   per request, where hyper's arms a timer for each head), a send timeout for
//!   responses the peer does not take (nginx's `send_timeout`), an idle timeout for keep-alive connections (hyper has none for
//!   HTTP/1, hyper#2355), HTTP/2 keep-alive pings, and an optional request
//!   deadline answered with 503, and a bound on the wait between request body
//!   bytes (slow POST; [`RequestBodyTimeoutLayer`] is the same for a service
//!   run by another server).
//! - **Limits**: a connection cap; at it the server sheds the least useful
//!   connection for a new one (idle first, then responses the peer has not
//!   taken for the longest: [`ConnectionShedding`]); header count and size (431); a body size
//!   (1 MiB by default: 413 for a larger `Content-Length`, and for a body of
//!   unknown length once its bytes pass it);
//!   HTTP/2 stream and reset-flood limits.
//! - **Host**: 400 and a close for an HTTP/1.1 request without `Host`, for any
//!   request with more than one or with an invalid value, and for an HTTP/2
//!   request with neither `:authority` nor `Host` (RFC 9112 §3.2).
//! - **Graceful drain** on SIGINT/SIGTERM: stop accepting, finish in-flight
//!   requests, end idle keep-alive connections at once, GOAWAY for HTTP/2,
//!   force-close at `drain_timeout`, exit 0. A second signal exits at once.
//! - **Access log** in Apache combined format with the bytes really sent and the
//!   latency, written off the request path ([`AccessLogTarget`]).
//! - **Proxies**: [`ClientInfo`] (client address and scheme) and [`PeerAddr`]
//!   in every request's [`RequestContext`](gw_core::RequestContext), the client
//!   from `Forwarded`/`X-Forwarded-*` only when the peer is one of the
//!   [`TrustedProxies`].
//! - **Listeners**: TCP (IPv4/IPv6), Unix sockets (stale files handled safely),
//!   systemd socket activation, several at once; TLS with rustls behind the `tls`
//!   feature.
//! - **Observability**: [`Stats`], lock-free counters you can mount as JSON.
//!
//! Beyond HTTP: [`frontend`] serves the same Service over FastCGI, SCGI and CGI;
//! [`deploy`] loads a stack from a config file (paste.deploy) and [`cli`] serves it
//! (`paster serve`, with `--check` and `--reload`).
#![forbid(unsafe_code)]

mod access_log;
mod body_timeout;
pub mod cli;
mod conn;
pub mod deploy;
mod error;
mod forwarded;
pub mod frontend;
mod host;
mod listener;
mod serve;
mod service;
mod settings;
mod shared;
mod shed;
mod stats;
#[cfg(feature = "tls")]
mod tls;

pub use access_log::AccessLogTarget;
pub use body_timeout::{
    BodyReadTimeout, BodyTooLarge, RequestBodyTimeout, RequestBodyTimeoutLayer, TimedBody,
    TimeoutFuture,
};
pub use error::ServeError;
pub use forwarded::{Cidr, CidrError, TrustedProxies};
pub use gw_core::{ClientInfo, PeerAddr, Scheme};
pub use listener::{ListenAddr, ListenSpec};
pub use serve::{shutdown_signal, Server};
pub use settings::{ServerConfig, TlsFiles, SETTINGS_KEYS};
pub use shed::{ConnectionShedding, QUIET_AT_LEAST};
pub use stats::{Stats, StatsSnapshot};

/// The examples of this crate's README.md, run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
