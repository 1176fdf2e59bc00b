//! Runs a real nginx on loopback with a config generated into a temporary directory.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx, stopped when dropped.
pub struct Nginx {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its workers; SIGKILL would orphan them.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The nginx binary: on PATH or Debian's /usr/sbin/nginx.
pub fn binary() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// A loopback port that was free a moment ago. nginx cannot be told to bind port 0
/// and report the port, so another process may take this one before nginx binds
/// it: [`start`] sees that (nginx exits with "Address already in use" before it
/// writes its pid file) and tries again with another port.
fn candidate_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts nginx with `server_body` inside `http { server { listen PORT; ... } }`
/// and `http_extra` (upstreams) at the http level.
pub fn start(http_extra: &str, server_body: &str) -> Nginx {
    let nginx =
        binary().expect("nginx is not installed: `apt-get install nginx` (.ci/run installs it)");
    for _ in 0..10 {
        if let Some(started) = try_start(nginx, http_extra, server_body) {
            return started;
        }
    }
    panic!("nginx found its port taken 10 times in a row");
}

/// One attempt on a fresh port: `None` when another process took the port first.
fn try_start(nginx: &str, http_extra: &str, server_body: &str) -> Option<Nginx> {
    let dir = tempfile::tempdir().unwrap();
    let port = candidate_port();
    let root = dir.path().display().to_string();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let user = if is_root { "user root;" } else { "" };
    let conf = format!(
        "{user}
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    scgi_temp_path {root}/scgi;
    uwsgi_temp_path {root}/uwsgi;
    client_max_body_size 64m;
    {http_extra}
    server {{
        listen 127.0.0.1:{port};
        {server_body}
    }}
}}
"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let child = Command::new(nginx)
        .args([
            "-p",
            &root,
            "-c",
            &format!("{root}/nginx.conf"),
            "-g",
            "daemon off;",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .expect("nginx starts");
    // nginx writes its pid file only once every listening socket is bound, so a
    // pid file with its pid means the port is nginx's, not another process's.
    let mut child = child;
    let pid_file = dir.path().join("nginx.pid");
    let started = Instant::now();
    loop {
        let written = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if written.trim() == child.id().to_string() {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = ["stderr.log", "error.log"]
                .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default())
                .join("\n");
            if log.contains("Address already in use") {
                return None;
            }
            panic!("nginx exited ({status}) before listening: {log}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nginx did not start within 30 s; see {root}/error.log"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Nginx { child, port, dir })
}

impl Nginx {
    /// The error log so far, for assertion messages.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}
