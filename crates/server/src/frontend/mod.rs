//! FastCGI, SCGI and CGI front ends: serve the same tower Service behind a web
//! server, the way flup served a WSGI app.
//!
//! Every front end maps the CGI variables to an `http::Request<gateway_core::Body>`
//! the same way (see [`cgi_env`]): `SCRIPT_NAME` becomes the
//! [`MountPrefix`](gateway_core::MountPrefix), `PATH_INFO` the path, `REMOTE_ADDR` the
//! [`PeerAddr`](crate::PeerAddr), `HTTPS` the scheme, and the body is never read
//! past `CONTENT_LENGTH`.
//!
//! | front end | type | listens on |
//! |---|---|---|
//! | FastCGI (responder) | [`FastCgiServer`] | `HOST:PORT` or `unix:/path` |
//! | SCGI | [`ScgiServer`] | `HOST:PORT` or `unix:/path` |
//! | CGI | [`run_cgi`] | the process environment, stdin and stdout |
//!
//! A matching nginx location, with the app mounted under `/app/`:
//!
//! ```nginx
//! location /app/ {
//!     include fastcgi_params;
//!     fastcgi_param SCRIPT_NAME /app;
//!     fastcgi_split_path_info ^(/app)(/.*)$;
//!     fastcgi_param PATH_INFO $fastcgi_path_info;
//!     fastcgi_keep_conn on;
//!     fastcgi_pass 127.0.0.1:9000;
//! }
//! ```
//!
//! # A response that fails midway
//!
//! Once the head is sent the status cannot change, so the front end cuts the
//! connection and the web server must pass the cut on to the client:
//!
//! - FastCGI: the connection closes without `FCGI_END_REQUEST` (with a TCP reset over
//!   TCP). nginx aborts the client's response in its default buffered mode. With
//!   `fastcgi_buffering off` over a Unix socket, nginx 1.22 takes the close as a
//!   normal end, so keep buffering on there (tested in `tests/tests/frontends.rs`).
//! - SCGI: the end of the connection is the end of the response, so the cut is a TCP
//!   reset; over a Unix socket it is only detectable with a Content-Length.
//! - CGI: the process exits non-zero; what the web server makes of it is its own
//!   business.

pub mod cgi;
pub mod cgi_env;
pub mod fastcgi;
mod listen;
mod respond;
pub mod scgi;

pub use cgi::run_cgi;
pub use fastcgi::FastCgiServer;
pub use listen::FrontendConfig;
pub use scgi::ScgiServer;
