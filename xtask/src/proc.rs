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

    /// The process id (valgrind runs its tool in the same process as the program).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
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

/// Makes sure every `(program, Debian package)` is on PATH, installing the missing
/// packages with `apt-get install -y` when running as root (after one
/// `apt-get update` if the first install fails). Errors name what is still missing.
pub(crate) fn ensure_tools(tools: &[(&str, &str)]) -> Result<(), String> {
    let missing = |tools: &[(&str, &str)]| -> Vec<(String, String)> {
        tools
            .iter()
            .filter(|(program, _)| find_program(program).is_none())
            .map(|(p, k)| ((*p).to_owned(), (*k).to_owned()))
            .collect()
    };
    let first = missing(tools);
    if first.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<String> = first.iter().map(|(_, k)| k.clone()).collect();
    packages.dedup();
    if is_root() && find_program("apt-get").is_some() {
        eprintln!("xtask: installing {} with apt-get", packages.join(" "));
        let install = |packages: &[String]| {
            Command::new("apt-get")
                .args(["install", "-y", "-q"])
                .args(packages)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success())
        };
        if !install(&packages) {
            let _ = Command::new("apt-get").args(["update", "-q"]).status();
            install(&packages);
        }
    }
    let still = missing(tools);
    if still.is_empty() {
        Ok(())
    } else {
        let names: Vec<&str> = still.iter().map(|(p, _)| p.as_str()).collect();
        let packages: Vec<&str> = still.iter().map(|(_, k)| k.as_str()).collect();
        Err(format!(
            "{} not found; install with `apt-get install {}`",
            names.join(", "),
            packages.join(" ")
        ))
    }
}

/// `pid` and all its descendants, found through /proc.
pub(crate) fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            if let Some(ppid) = stat_fields(child).and_then(|f| f.get(1)?.parse().ok()) {
                parents.push((child, ppid));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    tree
}

/// The fields of /proc/PID/stat after the command name: state is `[0]`, ppid `[1]`,
/// utime `[11]`, stime `[12]`.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &text[text.rfind(')')? + 1..];
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime of one process, in clock ticks.
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// cutime + cstime of this process: the CPU of every child it has waited for, in
/// clock ticks. The difference across one client run is that client's CPU.
pub(crate) fn reaped_children_ticks() -> Option<u64> {
    let fields = stat_fields(std::process::id())?;
    Some(fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?)
}

/// The proportional set size of one process (`Pss:` of /proc/PID/smaps_rollup), KiB:
/// pages shared between processes count once in total.
pub(crate) fn pss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Busy and total clock ticks of the whole machine, all CPUs (first line of
/// /proc/stat; idle and iowait are the not-busy part).
pub(crate) fn system_ticks() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?.strip_prefix("cpu ")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}
