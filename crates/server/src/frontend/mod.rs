//! FastCGI, SCGI and CGI front ends: serve the same tower Service behind a web
//! server, the way flup served a WSGI app.
//!
//! Every front end maps the CGI variables to an `http::Request<gw_core::Body>`
//! the same way (see [`cgi_env`]): `SCRIPT_NAME` becomes the
//! [`MountPrefix`](gw_core::MountPrefix), `PATH_INFO` the path, `REMOTE_ADDR` the
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
mod server;

pub use cgi::{run_cgi, serve_cgi};
pub use listen::FrontendConfig;
pub use server::{FastCgiServer, FrontendServer, Protocol, ScgiServer};

use std::sync::Arc;

use gw_core::{BoxError, Settings, SettingsError};

use crate::deploy::{BoxApp, ServeFuture};

impl FrontendConfig {
    /// The setting keys of the `fastcgi` and `scgi` servers.
    pub const SETTINGS_KEYS: [&'static str; 5] = [
        "bind",
        "drain_timeout",
        "max_connections",
        "max_requests_per_connection",
        "max_params_size",
    ];

    /// Reads the settings of a `[server.*]` section with `use = "fastcgi"` or
    /// `"scgi"`; `bind` is returned apart. Unknown keys are errors.
    pub fn from_settings(
        settings: &Settings,
    ) -> Result<(Option<String>, FrontendConfig), SettingsError> {
        settings.check_known(&Self::SETTINGS_KEYS)?;
        let d = FrontendConfig::default();
        let config = FrontendConfig {
            max_connections: settings
                .get_int("max_connections")?
                .unwrap_or(d.max_connections),
            max_requests_per_connection: settings
                .get_int("max_requests_per_connection")?
                .unwrap_or(d.max_requests_per_connection),
            max_params_size: settings
                .get_size("max_params_size")?
                .map_or(d.max_params_size, |n| n as usize),
            drain_timeout: settings
                .get_duration("drain_timeout")?
                .unwrap_or(d.drain_timeout),
            announce: true,
        };
        if config.max_connections == 0 {
            return Err(settings.invalid("max_connections", "a number of connections above 0"));
        }
        Ok((settings.get("bind").map(str::to_owned), config))
    }
}

type ServerFactory = Arc<dyn Fn(BoxApp, &Settings) -> Result<ServeFuture, BoxError> + Send + Sync>;

/// The front ends as deploy-config servers: `[server.main] use = "fastcgi"` (default
/// bind `127.0.0.1:9000`), `"scgi"` (default `127.0.0.1:4000`) and `"cgi"`.
pub(crate) fn builtin_servers() -> [(&'static str, ServerFactory); 3] {
    let fastcgi: ServerFactory = Arc::new(|app: BoxApp, settings: &Settings| {
        let (bind, config) = FrontendConfig::from_settings(settings)?;
        let bind = bind.unwrap_or_else(|| "127.0.0.1:9000".to_owned());
        let serve: ServeFuture = Box::pin(async move {
            Ok(FastCgiServer::bind(&bind)
                .await?
                .config(config)
                .serve(app)
                .await?)
        });
        Ok(serve)
    });
    let scgi: ServerFactory = Arc::new(|app: BoxApp, settings: &Settings| {
        let (bind, config) = FrontendConfig::from_settings(settings)?;
        let bind = bind.unwrap_or_else(|| "127.0.0.1:4000".to_owned());
        let serve: ServeFuture = Box::pin(async move {
            Ok(ScgiServer::bind(&bind)
                .await?
                .config(config)
                .serve(app)
                .await?)
        });
        Ok(serve)
    });
    let cgi: ServerFactory = Arc::new(|app: BoxApp, settings: &Settings| {
        settings.check_known(&[])?;
        let serve: ServeFuture = Box::pin(serve_cgi(app));
        Ok(serve)
    });
    [("fastcgi", fastcgi), ("scgi", scgi), ("cgi", cgi)]
}
