use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use gw_core::{Body, BoxError};

use crate::access_log::AccessLog;
use crate::conn::{ConnShared, CountingIo, Drain, Driver, Timeouts};
use crate::listener::{self, ListenAddr, ListenSpec, Listener};
use crate::service::ConnService;
use crate::shared::ServerShared;
use crate::shed::{ConnectionShedding, Shedder};
use crate::{Scheme, ServeError, ServerConfig, Stats};

/// An HTTP/1.1 and HTTP/2 server for any tower Service, on one or more listeners
/// (TCP, Unix sockets, systemd sockets), optionally over TLS.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use gw_core::app_fn;
/// use gw_server::{ClientInfo, Server};
/// use std::time::Duration;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let app = app_fn(|req: http::Request<gw_core::Body>| async move {
///     let client = ClientInfo::of(&req).unwrap();
///     format!("Hello {}!", client.addr.unwrap())
/// });
/// let server = Server::bind("127.0.0.1:0")
///     .await?
///     .idle_timeout(Duration::from_secs(5))
///     .max_connections(1000)
///     .quiet();
/// let addr = server.local_addr();
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let serving = tokio::spawn(server.serve_with_shutdown(app, async move {
///     let _ = stopped.await;
/// }));
///
/// let mut client = tokio::net::TcpStream::connect(addr).await?;
/// client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
/// let mut answer = String::new();
/// client.read_to_string(&mut answer).await?;
/// assert!(answer.starts_with("HTTP/1.1 200 OK"));
/// assert!(answer.ends_with("Hello 127.0.0.1!"));
///
/// stop.send(()).unwrap(); // drains, then `serve_with_shutdown` returns
/// serving.await??;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    listeners: Vec<Listener>,
    config: ServerConfig,
    stats: Stats,
}

impl Server {
    /// Binds `addr` (`HOST:PORT`, `[V6]:PORT`; a host name is resolved).
    pub async fn bind(addr: &str) -> Result<Server, ServeError> {
        let config = ServerConfig::default();
        let listeners = listener::bind_tcp(addr, config.backlog).await?;
        Ok(Server::from_listeners(listeners, config))
    }

    /// Opens every listener in `config.listen` (at least one is needed).
    pub async fn with_config(mut config: ServerConfig) -> Result<Server, ServeError> {
        let specs = std::mem::take(&mut config.listen);
        if specs.is_empty() {
            return Err(ServeError::Address {
                addr: String::new(),
                reason: "no listener configured (set `listen`)".to_owned(),
            });
        }
        let mut listeners = Vec::new();
        for spec in &specs {
            listeners.extend(listener::open(spec, config.backlog).await?);
        }
        Ok(Server::from_listeners(listeners, config))
    }

    /// Binds a Unix domain socket at `path`. A stale socket file (one nobody
    /// listens on) is replaced; a live socket or any other file is an error. The
    /// file is removed when the server stops.
    #[cfg(unix)]
    pub fn bind_unix(path: impl AsRef<Path>) -> Result<Server, ServeError> {
        let listener = listener::bind_unix(path.as_ref())?;
        Ok(Server::from_listeners(
            vec![listener],
            ServerConfig::default(),
        ))
    }

    /// Serves the sockets systemd (or `systemfd`, `systemd-socket-activate`) passed
    /// through `LISTEN_FDS` and `LISTEN_PID`.
    pub fn from_systemd() -> Result<Server, ServeError> {
        Ok(Server::from_listeners(
            listener::from_systemd()?,
            ServerConfig::default(),
        ))
    }

    /// Serves on a listener the caller already bound.
    pub fn from_std(listener: std::net::TcpListener) -> Result<Server, ServeError> {
        listener.set_nonblocking(true).map_err(ServeError::Io)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Io)?;
        Ok(Server::from_listeners(
            vec![Listener::Tcp(listener)],
            ServerConfig::default(),
        ))
    }

    fn from_listeners(listeners: Vec<Listener>, config: ServerConfig) -> Server {
        Server {
            listeners,
            config,
            stats: Stats::new(),
        }
    }

    /// Opens one more listener.
    pub async fn listen(mut self, spec: &ListenSpec) -> Result<Self, ServeError> {
        self.listeners
            .extend(listener::open(spec, self.config.backlog).await?);
        Ok(self)
    }

    /// The address of the first TCP listener (useful after binding port 0).
    ///
    /// # Panics
    /// When the server has no TCP listener; see [`local_addrs`](Self::local_addrs).
    pub fn local_addr(&self) -> SocketAddr {
        self.listeners
            .iter()
            .find_map(|l| match l.addr() {
                ListenAddr::Tcp(addr) => Some(addr),
                ListenAddr::Unix(_) => None,
            })
            .expect("the server has a TCP listener")
    }

    /// Where every listener listens.
    pub fn local_addrs(&self) -> Vec<ListenAddr> {
        self.listeners.iter().map(Listener::addr).collect()
    }

    /// The live counters of this server; clone it into a handler to expose them.
    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    /// Counts into `stats` instead of the server's own counters: create a
    /// [`Stats`] before the app (so a handler can report it), then hand it here.
    pub fn with_stats(mut self, stats: Stats) -> Self {
        self.stats = stats;
        self
    }

    /// Replaces the whole configuration. Listeners in `config.listen` are opened
    /// when serving starts.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the header-read timeout.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// Sets how long a new connection may stay silent.
    pub fn first_byte_timeout(mut self, timeout: Duration) -> Self {
        self.config.first_byte_timeout = timeout;
        self
    }

    /// Sets how long a connection may stay open with no request in progress.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// Sets the whole-request deadline (to the response head); past it, 503.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Sets how long in-flight requests may finish after a shutdown signal.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.config.drain_timeout = timeout;
        self
    }

    /// Sets the most connections served at once (at least 1).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.config.max_connections = max.clamp(1, u32::MAX as usize);
        self
    }

    /// Sets the largest accepted request body; larger gets 413 (a declared
    /// length before the app is called, a body of unknown length as its bytes
    /// arrive).
    pub fn max_request_body(mut self, max: Option<u64>) -> Self {
        self.config.max_request_body = max;
        self
    }

    /// Turns the `serving on ...` lines off.
    pub fn quiet(mut self) -> Self {
        self.config.announce = false;
        self
    }

    /// Sets how long a request body may go without a byte while the app waits
    /// for it (`None`: no bound); past it the body fails and the connection
    /// closes after the response.
    pub fn body_read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.body_read_timeout = timeout;
        self
    }

    /// Serves until SIGINT or SIGTERM, then drains. A second signal exits at once.
    ///
    /// The service gets every request with a [`gw_core::Body`], the same body
    /// type as the front ends and [`BoxApp`](gw_core::BoxApp), so a loaded app is
    /// served as it is; who sent the request is in its
    /// [`RequestContext`](gw_core::RequestContext) ([`ClientInfo::of`](crate::ClientInfo::of),
    /// [`PeerAddr::of`](crate::PeerAddr::of)).
    pub async fn serve<S, B>(self, service: S) -> Result<(), ServeError>
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError> + Send,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.serve_with_shutdown(service, shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then drains: stop accepting, finish
    /// in-flight requests, close idle keep-alive connections at once, send HTTP/2
    /// GOAWAY, and force-close what remains after `drain_timeout`.
    pub async fn serve_with_shutdown<S, B, F>(
        self,
        service: S,
        shutdown: F,
    ) -> Result<(), ServeError>
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError> + Send,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
        F: Future<Output = ()> + Send,
    {
        let Server {
            mut listeners,
            mut config,
            stats,
        } = self;
        for spec in std::mem::take(&mut config.listen) {
            listeners.extend(listener::open(&spec, config.backlog).await?);
        }
        let scheme = if config.tls.is_some() {
            Scheme::Https
        } else {
            Scheme::Http
        };
        #[cfg(feature = "tls")]
        let tls = match &config.tls {
            Some(files) => Some(crate::tls::acceptor(files)?),
            None => None,
        };
        for listener in &listeners {
            let addr = listener.addr();
            if config.announce {
                match &addr {
                    ListenAddr::Tcp(_) => println!("serving on {scheme}://{addr}"),
                    ListenAddr::Unix(_) => println!("serving on {addr}"),
                }
            }
            tracing::info!(%addr, "listening");
        }

        let access_log = match config.access_log {
            crate::AccessLogTarget::Off => None,
            ref target => Some(AccessLog::start(target, stats.clone()).map_err(ServeError::Io)?),
        };
        let drain = Arc::new(Drain::default());
        let ctx = Ctx {
            service,
            builder: hyper_builder(&config),
            server: Arc::new(ServerShared {
                stats: stats.clone(),
                access_log,
                trusted_proxies: config.trusted_proxies.clone(),
                max_request_body: config.max_request_body,
                request_timeout: config.request_timeout,
                body_read_timeout: config.body_read_timeout,
            }),
            drain: drain.clone(),
            timeouts: Timeouts {
                first_byte: config.first_byte_timeout,
                idle: config.idle_timeout,
                header: config.header_read_timeout,
                send: config.send_timeout,
            },
            shedding: config.connection_shedding,
            scheme,
            #[cfg(feature = "tls")]
            tls,
        };
        let max = config.max_connections.clamp(1, u32::MAX as usize);
        let slots = Arc::new(Semaphore::new(max));
        let accept_loops: Vec<_> = listeners
            .into_iter()
            .map(|listener| tokio::spawn(accept_loop(listener, ctx.clone(), slots.clone())))
            .collect();

        shutdown.await;

        for task in &accept_loops {
            task.abort();
        }
        for task in accept_loops {
            let _ = task.await;
        }
        tracing::info!(deadline = ?config.drain_timeout, "shutting down: draining in-flight requests");
        drain.start_draining();
        let all_closed = slots.acquire_many(max as u32);
        match tokio::time::timeout(config.drain_timeout, all_closed).await {
            Ok(_) => tracing::info!("drained"),
            Err(_) => {
                tracing::warn!("drain deadline passed: closing the remaining connections");
                drain.force_close();
                let _ =
                    tokio::time::timeout(Duration::from_secs(1), slots.acquire_many(max as u32))
                        .await;
            }
        }
        Ok(())
    }
}

/// hyper's built-in limit on request header fields.
const HYPER_MAX_HEADERS: usize = 100;

fn hyper_builder(config: &ServerConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The HTTP/1 header-read timeout is the connection driver's (conn.rs), not
    // hyper's: hyper's allocates and arms a timer for every request head, which
    // cost ~3% of a hello-world request; the driver's checks cost nothing per
    // request. So hyper gets no HTTP/1 timer and no header_read_timeout.
    let mut http1 = builder.http1();
    http1.max_buf_size(config.max_header_bytes.max(8192));
    // hyper already stops at 100 headers; asking for a count, even 100, makes it
    // build its header arrays element by element on every request (~3% of a
    // hello-world request), so only ask for a different one.
    if config.max_headers != HYPER_MAX_HEADERS {
        http1.max_headers(config.max_headers);
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(config.http2_keep_alive_interval)
        .keep_alive_timeout(config.http2_keep_alive_timeout)
        .max_concurrent_streams(config.http2_max_concurrent_streams)
        .max_pending_accept_reset_streams(config.http2_max_pending_accept_reset_streams)
        .max_local_error_reset_streams(config.http2_max_local_error_reset_streams)
        .max_header_list_size(u32::try_from(config.max_header_bytes).unwrap_or(u32::MAX));
    builder
}

/// The tower Services the server can run (a shorthand for the bounds of
/// [`Server::serve`]).
trait App<B>:
    tower::Service<
        http::Request<Body>,
        Response = http::Response<B>,
        Error: Into<BoxError> + Send,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S, B> App<B> for S where
    S: tower::Service<
            http::Request<Body>,
            Response = http::Response<B>,
            Error: Into<BoxError> + Send,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// The response bodies the server can send.
trait ResponseBody: http_body::Body<Data = Bytes, Error: Into<BoxError>> + Send + 'static {}

impl<B> ResponseBody for B where
    B: http_body::Body<Data = Bytes, Error: Into<BoxError>> + Send + 'static
{
}

/// What every connection of a running server needs; each accept loop has a copy.
#[derive(Clone)]
struct Ctx<S> {
    service: S,
    builder: auto::Builder<TokioExecutor>,
    server: Arc<ServerShared>,
    drain: Arc<Drain>,
    timeouts: Timeouts,
    shedding: ConnectionShedding,
    scheme: Scheme,
    #[cfg(feature = "tls")]
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl<S> Ctx<S> {
    /// The future that serves one accepted connection to its end.
    fn connection<IO, B>(
        &self,
        io: IO,
        peer: Option<SocketAddr>,
        scheme: Scheme,
        permit: OwnedSemaphorePermit,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        S: App<B>,
        B: ResponseBody,
    {
        let shared = Arc::new(ConnShared::new(self.server.clone()));
        let service = ConnService {
            inner: self.service.clone(),
            peer,
            scheme,
            conn: shared.clone(),
        };
        let io = TokioIo::new(CountingIo::new(io, shared.clone()));
        let conn = self
            .builder
            .serve_connection_with_upgrades(io, service)
            .into_owned();
        Driver::new(conn, shared, self.drain.clone(), self.timeouts, permit)
    }
}

async fn accept_loop<S, B>(listener: Listener, ctx: Ctx<S>, slots: Arc<Semaphore>)
where
    S: App<B>,
    B: ResponseBody,
{
    let mut shedder = Shedder::new(ctx.shedding);
    loop {
        // Without shedding: a free slot first, then accept, so past the cap
        // connections wait in the kernel's backlog and cost this process nothing.
        // With it: accept, then find a slot, shedding a connection if need be.
        let early = if shedder.policy() == ConnectionShedding::Off {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            Some(permit)
        } else {
            None
        };
        let accepted = match &listener {
            Listener::Tcp(l) => l.accept().await.map(|(s, peer)| Accepted::Tcp(s, peer)),
            #[cfg(unix)]
            Listener::Unix(l, _) => l.accept().await.map(|(s, _)| Accepted::Unix(s)),
        };
        let accepted = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = match early {
            Some(permit) => permit,
            None => match shedder.slot(&slots, &ctx.drain).await {
                Some(permit) => permit,
                None => return,
            },
        };
        match accepted {
            Accepted::Tcp(stream, peer) => {
                let _ = stream.set_nodelay(true);
                #[cfg(feature = "tls")]
                if let Some(acceptor) = ctx.tls.clone() {
                    let ctx = ctx.clone();
                    let handshake_timeout = ctx.timeouts.first_byte;
                    tokio::spawn(async move {
                        match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await
                        {
                            Ok(Ok(tls)) => {
                                ctx.connection(tls, Some(peer), Scheme::Https, permit).await;
                            }
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed")
                            }
                            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                        }
                    });
                    continue;
                }
                tokio::spawn(ctx.connection(stream, Some(peer), ctx.scheme, permit));
            }
            #[cfg(unix)]
            Accepted::Unix(stream) => {
                tokio::spawn(ctx.connection(stream, None, ctx.scheme, permit));
            }
        }
    }
}

/// A connection accepted from one of the listeners.
enum Accepted {
    Tcp(tokio::net::TcpStream, SocketAddr),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
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
