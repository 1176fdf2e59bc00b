//! Binding, and handing the listening socket to a re-executed binary.
//!
//! The socket travels as the new process's standard input: `Command::stdin` puts
//! it on fd 0 with close-on-exec cleared, so no `unsafe`, `fcntl` or extra crate is
//! needed, and the new process takes it back through the safe `stdin().as_fd()`.
//! systemd can start the binary the same way (`StandardInput=socket`, see
//! `examples/systemd/`). The new process reports that it is ready on a Unix socket
//! whose path the old one passes in [`READY_ENV`].

use std::io::Write;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gw_core::BoxError;

use crate::ServeError;

/// Set to `stdin` when standard input is the listening socket to serve on.
pub(super) const LISTENER_ENV: &str = "GATEWAY_LISTENER";
/// The Unix socket a re-executed process connects to once it serves.
pub(super) const READY_ENV: &str = "GATEWAY_READY_SOCKET";

/// Binds `addr` (`HOST:PORT`, `[V6]:PORT`, a host name is resolved).
pub(super) fn bind(addr: &str) -> Result<TcpListener, ServeError> {
    let bad = |reason: String| ServeError::Address {
        addr: addr.to_owned(),
        reason,
    };
    let addrs: Vec<SocketAddr> = match addr.to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(e) => {
            let port_ok = addr
                .rsplit_once(':')
                .is_some_and(|(_, port)| port.parse::<u16>().is_ok());
            return Err(bad(if port_ok {
                format!("cannot resolve the host: {e}")
            } else {
                "expected HOST:PORT, such as 127.0.0.1:8000 or [::1]:8000".to_owned()
            }));
        }
    };
    let mut last_error = None;
    for candidate in &addrs {
        match TcpListener::bind(candidate) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(match last_error {
        Some(source) => ServeError::Bind {
            addr: addr.to_owned(),
            source,
        },
        None => bad("the host has no address".to_owned()),
    })
}

/// The listening socket handed over on standard input, if [`LISTENER_ENV`] says so.
pub(super) fn inherited_listener() -> Result<Option<TcpListener>, BoxError> {
    if std::env::var_os(LISTENER_ENV).is_none_or(|v| v != "stdin") {
        return Ok(None);
    }
    let fd: OwnedFd = std::io::stdin().as_fd().try_clone_to_owned()?;
    let listener = TcpListener::from(fd);
    if listener.local_addr().is_err() {
        return Err(format!(
            "{LISTENER_ENV}=stdin, but standard input is not a listening TCP socket"
        )
        .into());
    }
    Ok(Some(listener))
}

/// Tells the process that started us (if any) that we are serving.
pub(super) fn notify_ready() {
    let Some(path) = std::env::var_os(READY_ENV) else {
        return;
    };
    let sent = std::os::unix::net::UnixStream::connect(&path)
        .and_then(|mut stream| stream.write_all(b"ready\n"));
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not tell the previous process that this one is ready");
    }
}

/// Starts `exe` with our arguments and `listener` as its standard input.
pub(super) fn spawn(exe: &Path, listener: &TcpListener, ready: &Path) -> std::io::Result<Child> {
    let socket = OwnedFd::from(listener.try_clone()?);
    Command::new(exe)
        .args(std::env::args_os().skip(1))
        .stdin(Stdio::from(socket))
        .env(LISTENER_ENV, "stdin")
        .env(READY_ENV, ready)
        .spawn()
}

/// A fresh path for the readiness socket.
pub(super) fn ready_path() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNT: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "gateway-ready-{}-{}.sock",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Waits until `child` reports ready on `ready`, exits, or `deadline` passes.
pub(super) async fn wait_ready(
    child: &mut Child,
    ready: &tokio::net::UnixListener,
    deadline: Duration,
) -> Result<(), String> {
    use tokio::io::AsyncReadExt;
    let give_up = tokio::time::Instant::now() + deadline;
    loop {
        tokio::select! {
            accepted = ready.accept() => {
                let (mut stream, _) = accepted.map_err(|e| e.to_string())?;
                let mut line = [0u8; 6];
                let read = tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut line)).await;
                if matches!(read, Ok(Ok(_))) && &line == b"ready\n" {
                    return Ok(());
                }
            }
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                    return Err(format!("it exited ({status})"));
                }
                if tokio::time::Instant::now() >= give_up {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("it was not ready within {deadline:?}"));
                }
            }
        }
    }
}
