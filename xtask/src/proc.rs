//! Processes the xtasks start: found on PATH, given free loopback ports, waited for,
//! and stopped (SIGTERM, then SIGKILL) when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// `name` on PATH or in the sbin directories (Debian's nginx lives in /usr/sbin).
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The trimmed stdout of a command that succeeded.
pub(crate) fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// True when this process runs as root (nginx then needs `user root;`).
pub(crate) fn is_root() -> bool {
    command_line("id", &["-u"]).as_deref() == Some("0")
}

/// A free loopback port (bound and released at once).
pub(crate) fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free loopback port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// The main context of an nginx config run in the foreground from `dir` (pid file,
/// error log), with `user root;` when run as root (else the workers could not reach
/// the servers' Unix sockets).
pub(crate) fn nginx_main(dir: &Path, is_root: bool, worker_connections: u32) -> String {
    let dir = dir.display();
    let user = if is_root { "user root;\n" } else { "" };
    format!(
        "{user}worker_processes 2;
daemon off;
master_process on;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {worker_connections}; }}
"
    )
}

/// The http-level temp paths, all under `dir`.
pub(crate) fn nginx_temp_paths(dir: &Path) -> String {
    let dir = dir.display();
    ["client_body", "proxy", "fastcgi", "scgi", "uwsgi"]
        .map(|kind| format!("    {kind}_temp_path {dir}/{kind};\n"))
        .concat()
}

/// Where a started process listens, to wait for it.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    /// `127.0.0.1:PORT`.
    Tcp(u16),
    /// A Unix socket path.
    Unix(PathBuf),
}

impl Endpoint {
    fn accepts(&self) -> bool {
        match self {
            Endpoint::Tcp(port) => TcpStream::connect(("127.0.0.1", *port)).is_ok(),
            Endpoint::Unix(path) => std::os::unix::net::UnixStream::connect(path).is_ok(),
        }
    }
}

/// A child process, stopped with SIGTERM (then SIGKILL after 10 s) when dropped, so
/// that nginx's master takes its workers with it.
#[derive(Debug)]
pub(crate) struct Guard {
    pub(crate) name: String,
    child: Child,
    log: Option<PathBuf>,
}

impl Guard {
    /// Spawns `command` and waits up to `limit` until `endpoint` accepts.
    pub(crate) fn spawn(
        name: impl Into<String>,
        command: &mut Command,
        endpoint: &Endpoint,
        log: Option<&Path>,
        limit: Duration,
    ) -> Result<Guard, String> {
        let name = name.into();
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {name} ({command:?}): {e}"))?;
        let mut guard = Guard {
            name,
            child,
            log: log.map(Path::to_path_buf),
        };
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = guard.child.try_wait() {
                return Err(format!(
                    "{} exited with {status} before it listened{}",
                    guard.name,
                    guard.log_tail()
                ));
            }
            if endpoint.accepts() {
                return Ok(guard);
            }
            if start.elapsed() > limit {
                return Err(format!(
                    "{} did not listen on {endpoint:?} within {limit:?}{}",
                    guard.name,
                    guard.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The last lines of the process's log, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        let Some(path) = &self.log else {
            return String::new();
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        format!("; log {}: {tail}", path.display())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        stop(&mut self.child, Duration::from_secs(10));
    }
}

/// SIGTERM, then SIGKILL if `child` has not exited within `grace`.
pub(crate) fn stop(child: &mut Child, grace: Duration) {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let start = Instant::now();
    while start.elapsed() < grace {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}
