//! Listeners for the front ends (TCP or Unix socket) and their accept loop with a
//! graceful drain.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::ServeError;

/// Where a front end listens: `HOST:PORT`, or `unix:/path/to.sock`.
#[derive(Debug)]
pub(crate) enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

/// An accepted connection.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Listener {
    pub(crate) async fn bind(addr: &str) -> Result<Listener, ServeError> {
        if let Some(path) = addr.strip_prefix("unix:") {
            let path = PathBuf::from(path);
            remove_stale_socket(&path).map_err(|source| ServeError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
            let listener = UnixListener::bind(&path).map_err(|source| ServeError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
            return Ok(Listener::Unix(listener, path));
        }
        let addrs: Vec<_> = tokio::net::lookup_host(addr)
            .await
            .map_err(|_| ServeError::Address {
                addr: addr.to_owned(),
                reason: "expected HOST:PORT or unix:/path/to.sock".to_owned(),
            })?
            .collect();
        let mut last = None;
        for candidate in addrs {
            match TcpListener::bind(candidate).await {
                Ok(listener) => return Ok(Listener::Tcp(listener)),
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
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

    /// The address as `HOST:PORT` or `unix:/path`.
    pub(crate) fn local_addr(&self) -> String {
        match self {
            Listener::Tcp(l) => l.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            Listener::Unix(_, path) => format!("unix:{}", path.display()),
        }
    }

    async fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(l) => {
                let (stream, _) = l.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok(Stream::Tcp(stream))
            }
            Listener::Unix(l, _) => Ok(Stream::Unix(l.accept().await?.0)),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Removes a socket file left by a dead process. A path that is not a socket, or a
/// socket someone still listens on, is left alone (and bind then fails clearly).
fn remove_stale_socket(path: &std::path::Path) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the path exists and is not a socket",
        ));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "another process is listening on this socket",
        )),
        Err(_) => std::fs::remove_file(path),
    }
}

impl Stream {
    /// Closes the connection so the peer sees an abnormal end: a TCP reset where
    /// possible, so a web server never mistakes a cut response for a finished one.
    pub(crate) fn abort(self) {
        if let Stream::Tcp(tcp) = &self {
            // A zero linger makes close() send RST at once; tokio deprecates
            // set_linger because a non-zero linger blocks on drop, which zero does not.
            #[allow(deprecated)]
            let _ = tcp.set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Settings shared by the FastCGI and SCGI front ends.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FrontendConfig {
    /// Connections served at once; more wait in the kernel's backlog (default 1024).
    pub max_connections: usize,
    /// Requests multiplexed on one FastCGI connection (default 64; more get OVERLOADED).
    pub max_requests_per_connection: usize,
    /// The largest parameter block (headers) of one request (default 64 KiB).
    pub max_params_size: usize,
    /// How long in-flight requests may run after a shutdown signal (default 30 s).
    pub drain_timeout: Duration,
    /// Print `serving fastcgi on ADDR` when listening (default true).
    pub announce: bool,
}

impl Default for FrontendConfig {
    fn default() -> Self {
        FrontendConfig {
            max_connections: 1024,
            max_requests_per_connection: 64,
            max_params_size: 64 * 1024,
            drain_timeout: Duration::from_secs(30),
            announce: true,
        }
    }
}

/// Accepts connections until `shutdown`, running `serve_connection` for each; then
/// tells connections to finish (`draining` turns true) and waits for them up to the
/// drain deadline.
pub(crate) async fn accept_loop<F, Fut>(
    listener: Listener,
    config: Arc<FrontendConfig>,
    shutdown: impl Future<Output = ()>,
    serve_connection: F,
) where
    F: Fn(Stream, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (drain_tx, drain_rx) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Take a permit before accepting: past the cap, connections wait in the backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let task = serve_connection(stream, drain_rx.clone());
        connections.spawn(async move {
            task.await;
            drop(permit);
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = drain_tx.send(true);
    let drained = tokio::time::timeout(config.drain_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "drain deadline passed: closing {} connections",
            connections.len()
        );
        connections.abort_all();
    }
}
