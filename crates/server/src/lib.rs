//! Serve any tower Service over HTTP/1.1 and HTTP/2, and run an app from a config
//! file: the twin of `paster serve`, `paste.httpserver` and `paste.deploy`.
//!
//! # Example
//!
//! ```no_run
//! use gateway_core::app_fn;
//! use gateway_server::Server;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), gateway_server::ServeError> {
//!     let app = app_fn(|_req: http::Request<hyper::body::Incoming>| async { "Hello World!" });
//!     // Prints `serving on http://127.0.0.1:8000`; SIGINT or SIGTERM drains and exits.
//!     Server::bind("127.0.0.1:8000").await?.serve(app).await
//! }
//! ```
//!
//! # What this first cut does
//!
//! - HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on one port, through
//!   hyper-util's auto builder.
//! - A real timer, so hyper's header-read timeout works (`header_read_timeout`,
//!   default 30 s; axum::serve sets none).
//! - Graceful shutdown on SIGINT and SIGTERM: stop accepting, let in-flight requests
//!   finish, close idle keep-alive connections and send HTTP/2 GOAWAY, and give up
//!   after `drain_timeout` (default 30 s). A second signal exits at once.
//! - One-line errors for a bad or busy address.
//!
//! Production hardening (sniff and idle timeouts, connection caps, access log,
//! proxies, Unix sockets, TLS) is issue #8; the paste.deploy loader is issue #9.
#![forbid(unsafe_code)]

mod access_log;
pub mod cli;
pub mod config;
mod conn;
mod error;
mod forwarded;
mod listener;
mod serve;
mod service;
mod settings;
mod stats;
#[cfg(feature = "tls")]
mod tls;

pub use access_log::AccessLogTarget;
pub use error::ServeError;
pub use forwarded::{Cidr, CidrError, ClientInfo, Scheme, TrustedProxies};
pub use listener::{ListenAddr, ListenSpec};
pub use serve::{shutdown_signal, Server};
pub use service::PeerAddr;
pub use settings::{ServerConfig, TlsFiles, SETTINGS_KEYS};
pub use stats::{Stats, StatsSnapshot};
