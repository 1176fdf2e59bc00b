//! The listening side every socket front end shares: bind, settings, serve, drain.

use std::sync::Arc;

use bytes::Bytes;
use gw_core::{Body, BoxError};

use super::listen::{accept_loop, FrontendConfig, Listener};
use super::{fastcgi, scgi};
use crate::ServeError;

/// The wire protocol a [`FrontendServer`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// FastCGI, responder role ([`FastCgiServer`]).
    FastCgi,
    /// SCGI ([`ScgiServer`]).
    Scgi,
}

impl Protocol {
    /// The protocol's name as the deploy config spells it: `fastcgi` or `scgi`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::FastCgi => "fastcgi",
            Protocol::Scgi => "scgi",
        }
    }
}

/// A FastCGI or SCGI server for any tower Service, listening on TCP or a Unix
/// socket. Made by [`FastCgiServer::bind`], [`ScgiServer::bind`] or
/// [`FrontendServer::bind`].
///
/// Past `max_connections`, new connections wait in the listen backlog. On shutdown
/// it stops accepting, lets requests in flight finish for `drain_timeout`, and
/// then cuts what remains.
#[derive(Debug)]
pub struct FrontendServer {
    protocol: Protocol,
    listener: Listener,
    config: FrontendConfig,
}

impl FrontendServer {
    /// Binds `HOST:PORT` or `unix:/path/to.sock` for `protocol`.
    pub async fn bind(protocol: Protocol, addr: &str) -> Result<Self, ServeError> {
        Ok(FrontendServer {
            protocol,
            listener: Listener::bind(addr).await?,
            config: FrontendConfig::default(),
        })
    }

    /// The protocol served.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The listening address.
    pub fn local_addr(&self) -> String {
        self.listener.local_addr()
    }

    /// Replaces the settings.
    pub fn config(mut self, config: FrontendConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves until SIGINT or SIGTERM, then drains.
    pub async fn serve<S, B>(self, service: S) -> Result<(), ServeError>
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.serve_with_shutdown(service, crate::shutdown_signal())
            .await
    }

    /// Serves until `shutdown` completes, then drains.
    pub async fn serve_with_shutdown<S, B>(
        self,
        service: S,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServeError>
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        if self.config.announce {
            println!(
                "serving {} on {}",
                self.protocol.name(),
                self.listener.local_addr()
            );
        }
        let config = Arc::new(self.config);
        let conn_config = config.clone();
        let protocol = self.protocol;
        accept_loop(self.listener, config, shutdown, move |stream, draining| {
            let service = service.clone();
            let config = conn_config.clone();
            async move {
                match protocol {
                    Protocol::FastCgi => {
                        fastcgi::serve_connection(stream, service, config, draining).await;
                    }
                    Protocol::Scgi => {
                        scgi::serve_connection(stream, service, config.max_params_size).await;
                    }
                }
            }
        })
        .await;
        Ok(())
    }
}

/// The FastCGI front end (responder role): `FastCgiServer::bind(addr)` gives a
/// [`FrontendServer`] speaking FastCGI.
///
/// ```no_run
/// # async fn run() -> Result<(), gw_server::ServeError> {
/// use gw_core::{app_fn, Body};
/// use gw_server::frontend::FastCgiServer;
///
/// let app = app_fn(|_req: http::Request<Body>| async { "Hello World!" });
/// // nginx: fastcgi_pass 127.0.0.1:9000;  or  unix:/run/app.sock
/// FastCgiServer::bind("127.0.0.1:9000").await?.serve(app).await
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FastCgiServer;

impl FastCgiServer {
    /// Binds `HOST:PORT` or `unix:/path/to.sock`.
    pub async fn bind(addr: &str) -> Result<FrontendServer, ServeError> {
        FrontendServer::bind(Protocol::FastCgi, addr).await
    }
}

/// The SCGI front end: `ScgiServer::bind(addr)` gives a [`FrontendServer`] speaking
/// SCGI.
///
/// ```no_run
/// # async fn run() -> Result<(), gw_server::ServeError> {
/// use gw_core::{app_fn, Body};
/// use gw_server::frontend::ScgiServer;
///
/// let app = app_fn(|_req: http::Request<Body>| async { "Hello World!" });
/// // nginx: scgi_pass 127.0.0.1:9001;
/// ScgiServer::bind("127.0.0.1:9001").await?.serve(app).await
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ScgiServer;

impl ScgiServer {
    /// Binds `HOST:PORT` or `unix:/path/to.sock`.
    pub async fn bind(addr: &str) -> Result<FrontendServer, ServeError> {
        FrontendServer::bind(Protocol::Scgi, addr).await
    }
}
