//! Listeners: TCP (IPv4 and IPv6), Unix domain sockets, and sockets handed over by
//! systemd (`LISTEN_FDS`/`LISTEN_PID`, as `systemfd` and `systemd-socket-activate`
//! do).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::net::{TcpListener, TcpSocket};

use crate::ServeError;

/// A listener to open, as written in the `listen` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenSpec {
    /// `HOST:PORT` or `[V6]:PORT` (optionally prefixed `tcp:`).
    Tcp(String),
    /// `unix:/path/to.sock`.
    Unix(PathBuf),
    /// `systemd`: every socket passed through `LISTEN_FDS`.
    Systemd,
}

impl ListenSpec {
    /// Parses `HOST:PORT`, `tcp:HOST:PORT`, `unix:PATH` or `systemd`.
    pub fn parse(raw: &str) -> Result<ListenSpec, String> {
        let raw = raw.trim();
        if raw == "systemd" || raw == "fd" {
            return Ok(ListenSpec::Systemd);
        }
        if let Some(path) = raw.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("a socket path after `unix:`".to_owned());
            }
            return Ok(ListenSpec::Unix(PathBuf::from(path)));
        }
        let addr = raw.strip_prefix("tcp:").unwrap_or(raw);
        match addr.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(ListenSpec::Tcp(addr.to_owned()))
            }
            _ => Err("HOST:PORT, [V6]:PORT, unix:PATH or systemd".to_owned()),
        }
    }
}

/// Where a listener listens, for logs and `serving on` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A TCP address.
    Tcp(SocketAddr),
    /// A Unix socket path (`None` for an unnamed socket from systemd).
    Unix(Option<PathBuf>),
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Tcp(addr) => write!(f, "{addr}"),
            ListenAddr::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            ListenAddr::Unix(None) => write!(f, "unix:(unnamed)"),
        }
    }
}

/// A bound listener.
#[derive(Debug)]
pub(crate) enum Listener {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(tokio::net::UnixListener, Option<UnixPathGuard>),
}

impl Listener {
    pub(crate) fn addr(&self) -> ListenAddr {
        match self {
            Listener::Tcp(l) => {
                ListenAddr::Tcp(l.local_addr().expect("a bound TCP listener has an address"))
            }
            #[cfg(unix)]
            Listener::Unix(l, guard) => ListenAddr::Unix(match guard {
                Some(guard) => Some(guard.0.clone()),
                None => l
                    .local_addr()
                    .ok()
                    .and_then(|a| a.as_pathname().map(Path::to_path_buf)),
            }),
        }
    }
}

/// Removes the socket file when the listener goes away.
#[derive(Debug)]
pub(crate) struct UnixPathGuard(PathBuf);

impl Drop for UnixPathGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Binds a TCP address with `backlog`.
pub(crate) async fn bind_tcp(addr: &str, backlog: u32) -> Result<Vec<Listener>, ServeError> {
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
        match bind_one(*candidate, backlog) {
            Ok(listener) => return Ok(vec![Listener::Tcp(listener)]),
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

fn bind_one(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Binds a Unix socket. An existing file at `path` is removed only when it is a
/// socket that nobody answers on (a leftover from a crash); a live socket or any
/// other file is an error, so a second server never steals a running one's path.
#[cfg(unix)]
pub(crate) fn bind_unix(path: &Path) -> Result<Listener, ServeError> {
    use std::os::unix::fs::FileTypeExt;
    let bind_error = |source: io::Error| ServeError::Bind {
        addr: format!("unix:{}", path.display()),
        source,
    };
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(bind_error(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the path exists and is not a socket",
            )));
        }
        match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => {
                return Err(bind_error(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    "another server is listening on this socket",
                )))
            }
            Err(_) => {
                tracing::info!(path = %path.display(), "removing a stale socket file");
                std::fs::remove_file(path).map_err(bind_error)?;
            }
        }
    }
    let listener = tokio::net::UnixListener::bind(path).map_err(bind_error)?;
    Ok(Listener::Unix(
        listener,
        Some(UnixPathGuard(path.to_path_buf())),
    ))
}

/// Takes every socket systemd (or `systemfd`) passed through `LISTEN_FDS`.
pub(crate) fn from_systemd() -> Result<Vec<Listener>, ServeError> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Err(ServeError::Address {
            addr: "systemd".to_owned(),
            reason: "no sockets were passed (LISTEN_FDS/LISTEN_PID are not set for this process)"
                .to_owned(),
        });
    }
    let mut listeners = Vec::new();
    for idx in 0..fds.len() {
        if let Ok(Some(tcp)) = fds.take_tcp_listener(idx) {
            tcp.set_nonblocking(true).map_err(ServeError::Io)?;
            listeners.push(Listener::Tcp(
                TcpListener::from_std(tcp).map_err(ServeError::Io)?,
            ));
            continue;
        }
        #[cfg(unix)]
        if let Ok(Some(unix)) = fds.take_unix_listener(idx) {
            unix.set_nonblocking(true).map_err(ServeError::Io)?;
            listeners.push(Listener::Unix(
                tokio::net::UnixListener::from_std(unix).map_err(ServeError::Io)?,
                None,
            ));
            continue;
        }
        return Err(ServeError::Address {
            addr: "systemd".to_owned(),
            reason: format!("passed socket {idx} is not a TCP or Unix stream listener"),
        });
    }
    Ok(listeners)
}

/// Opens what a [`ListenSpec`] names.
pub(crate) async fn open(spec: &ListenSpec, backlog: u32) -> Result<Vec<Listener>, ServeError> {
    match spec {
        ListenSpec::Tcp(addr) => bind_tcp(addr, backlog).await,
        #[cfg(unix)]
        ListenSpec::Unix(path) => Ok(vec![bind_unix(path)?]),
        #[cfg(not(unix))]
        ListenSpec::Unix(path) => Err(ServeError::Address {
            addr: format!("unix:{}", path.display()),
            reason: "Unix sockets need a Unix system".to_owned(),
        }),
        ListenSpec::Systemd => from_systemd(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn listen_specs_parse() {
        assert_eq!(ListenSpec::parse("systemd"), Ok(ListenSpec::Systemd));
        assert_eq!(
            ListenSpec::parse("unix:/run/app.sock"),
            Ok(ListenSpec::Unix("/run/app.sock".into()))
        );
        assert_eq!(
            ListenSpec::parse("tcp:[::1]:80"),
            Ok(ListenSpec::Tcp("[::1]:80".into()))
        );
        assert!(ListenSpec::parse("localhost").is_err());
    }

    #[tokio::test]
    async fn stale_socket_file_is_replaced_but_a_live_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sock");
        // A socket file with nobody listening: what a crash leaves behind.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let live = bind_unix(&path).expect("a stale socket is replaced");
        let err = bind_unix(&path).unwrap_err().to_string();
        assert!(err.contains("already in use"), "{err}");
        drop(live);
        assert!(
            !path.exists(),
            "the socket file is removed with the listener"
        );

        let regular = dir.path().join("data.txt");
        std::fs::write(&regular, "keep me").unwrap();
        let err = bind_unix(&regular).unwrap_err().to_string();
        assert!(err.contains("not a socket"), "{err}");
        assert_eq!(std::fs::read_to_string(&regular).unwrap(), "keep me");
    }
}
