use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use pin_project_lite::pin_project;
use tokio::net::TcpListener;
use tower::util::Oneshot;
use tower::ServiceExt;

use gateway_core::BoxError;

use crate::ServeError;

/// The address of the peer that opened the connection, put in every request's
/// extensions by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// Server settings. Every field has a safe default; see the crate docs for what each
/// one defends against.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// How long a client may take to send a request's headers (default 30 s). Stops
    /// slowloris clients holding connections open.
    pub header_read_timeout: Duration,
    /// How long in-flight requests may run after a shutdown signal (default 30 s).
    pub drain_timeout: Duration,
    /// Print `serving on http://ADDR` when the listener is up (default true).
    pub announce: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_read_timeout: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(30),
            announce: true,
        }
    }
}

/// An HTTP/1.1 and HTTP/2 (h2c prior knowledge) server for any tower Service.
///
/// ```no_run
/// # async fn run() -> Result<(), gateway_server::ServeError> {
/// use gateway_core::app_fn;
/// use gateway_server::Server;
///
/// let app = app_fn(|_req: http::Request<hyper::body::Incoming>| async { "Hello World!" });
/// Server::bind("127.0.0.1:8000").await?.serve(app).await
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    config: ServerConfig,
}

impl Server {
    /// Binds `addr` (`HOST:PORT`, `[V6]:PORT`; a host name is resolved).
    pub async fn bind(addr: &str) -> Result<Server, ServeError> {
        let addrs: Vec<SocketAddr> = match tokio::net::lookup_host(addr).await {
            Ok(addrs) => addrs.collect(),
            Err(e) => {
                let reason = if addr
                    .rsplit_once(':')
                    .is_none_or(|(_, port)| port.parse::<u16>().is_err())
                {
                    "expected HOST:PORT, such as 127.0.0.1:8000 or [::1]:8000".to_owned()
                } else {
                    format!("cannot resolve the host: {e}")
                };
                return Err(ServeError::Address {
                    addr: addr.to_owned(),
                    reason,
                });
            }
        };
        let mut last_error = None;
        for candidate in &addrs {
            match TcpListener::bind(candidate).await {
                Ok(listener) => {
                    return Ok(Server {
                        listener,
                        config: ServerConfig::default(),
                    })
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(match last_error {
            Some(source) => ServeError::Bind {
                addr: addr.to_owned(),
                source,
            },
            None => ServeError::Address {
                addr: addr.to_owned(),
                reason: "the host has no address".to_owned(),
            },
        })
    }

    /// Serves on a listener the caller already bound.
    pub fn from_std(listener: std::net::TcpListener) -> Result<Server, ServeError> {
        listener.set_nonblocking(true).map_err(ServeError::Io)?;
        let listener = TcpListener::from_std(listener).map_err(ServeError::Io)?;
        Ok(Server {
            listener,
            config: ServerConfig::default(),
        })
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has an address")
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the header-read timeout.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// Sets how long in-flight requests may finish after a shutdown signal.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.config.drain_timeout = timeout;
        self
    }

    /// Turns the `serving on ...` line off.
    pub fn quiet(mut self) -> Self {
        self.config.announce = false;
        self
    }

    /// Serves until SIGINT or SIGTERM, then drains. A second signal exits at once.
    pub async fn serve<S, B>(self, service: S) -> Result<(), ServeError>
    where
        S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.serve_with_shutdown(service, shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then drains.
    pub async fn serve_with_shutdown<S, B, F>(
        self,
        service: S,
        shutdown: F,
    ) -> Result<(), ServeError>
    where
        S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
        F: Future<Output = ()> + Send,
    {
        let Server { listener, config } = self;
        let addr = listener.local_addr().map_err(ServeError::Io)?;
        if config.announce {
            println!("serving on http://{addr}");
        }
        tracing::info!(%addr, "listening");

        let mut builder = auto::Builder::new(TokioExecutor::new());
        // Without a timer hyper silently disables its header-read timeout.
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout);
        builder.http2().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);

        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let service = PeerService {
                inner: service.clone(),
                peer: PeerAddr(peer),
            };
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
            });
        }

        drop(listener);
        tracing::info!(deadline = ?config.drain_timeout, "shutting down: draining in-flight requests");
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("drained"),
            () = tokio::time::sleep(config.drain_timeout) => {
                tracing::warn!("drain deadline passed: closing the remaining connections");
            }
        }
        Ok(())
    }
}

/// Resolves on the first SIGINT or SIGTERM; a second one exits the process at once.
pub async fn shutdown_signal() {
    first_signal().await;
    tracing::info!("shutdown signal received (send another to exit at once)");
    tokio::spawn(async {
        first_signal().await;
        tracing::warn!("second signal: exiting without draining");
        std::process::exit(130);
    });
}

async fn first_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
        let mut int = signal(SignalKind::interrupt()).expect("installing a SIGINT handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Adapts a tower Service to hyper: clones it per request and records the peer.
#[derive(Clone)]
struct PeerService<S> {
    inner: S,
    peer: PeerAddr,
}

impl<S, B> hyper::service::Service<http::Request<Incoming>> for PeerService<S>
where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>> + Clone,
    S::Error: Into<BoxError>,
{
    type Response = http::Response<B>;
    type Error = BoxError;
    type Future = PeerFuture<Oneshot<S, http::Request<Incoming>>>;

    fn call(&self, mut req: http::Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(self.peer);
        PeerFuture {
            inner: self.inner.clone().oneshot(req),
        }
    }
}

pin_project! {
    struct PeerFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, T, E> Future for PeerFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx).map_err(Into::into)
    }
}

impl ServerConfig {
    /// Reads `header_read_timeout` and `drain_timeout` (durations such as `30s`).
    /// Unknown keys are errors, so a typo is reported instead of ignored.
    pub fn from_settings(
        settings: &gateway_core::Settings,
    ) -> Result<ServerConfig, gateway_core::SettingsError> {
        settings.check_known(&["header_read_timeout", "drain_timeout"])?;
        let defaults = ServerConfig::default();
        Ok(ServerConfig {
            header_read_timeout: settings
                .get_duration("header_read_timeout")?
                .unwrap_or(defaults.header_read_timeout),
            drain_timeout: settings
                .get_duration("drain_timeout")?
                .unwrap_or(defaults.drain_timeout),
            announce: true,
        })
    }
}
