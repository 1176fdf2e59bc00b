//! Starting, probing, measuring and stopping the servers under load.

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Env;
use crate::proc::free_port;

/// How a server is started.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A binary of the `gateway-bench` package: `target/release/BIN PORT ARGS...`.
    BenchBin {
        bin: &'static str,
        args: Vec<String>,
    },
    /// `target/release/helloworld serve examples/helloworld/production.toml --bind ...`.
    Helloworld,
    /// helloworld as a FastCGI server (production settings) on the port.
    HelloworldFastCgi,
    /// nginx with a config generated into a temporary directory, serving `root`
    /// with `open_file_cache`, `sendfile` on or off.
    Nginx { root: PathBuf, sendfile: bool },
    /// nginx in front of helloworld (production settings), which it reaches over
    /// `via`; both processes count towards CPU and RSS.
    NginxFront { via: Upstream },
    /// The Paste stack on waitress (`bench/paste_stack.py`) in the bench virtualenv.
    Paste,
}

/// How nginx reaches the helloworld behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upstream {
    /// `fastcgi_pass` over TCP, `fastcgi_keep_conn on`, keep-alive upstream.
    FastCgi,
    /// `proxy_pass` over HTTP/1.1 with keep-alive.
    Http,
}

/// One server taking part in a scenario.
#[derive(Debug, Clone)]
pub(crate) struct ServerSpec {
    /// The name shown in the table.
    pub(crate) label: &'static str,
    pub(crate) kind: Kind,
    /// The Gateway side (the subject), not an anchor.
    pub(crate) gateway: bool,
    /// How this server's design differs from the others' in this scenario (caches,
    /// system calls per request), written beside its figures.
    pub(crate) note: &'static str,
}

impl ServerSpec {
    pub(crate) fn gateway(label: &'static str, kind: Kind) -> Self {
        Self {
            label,
            kind,
            gateway: true,
            note: "",
        }
    }

    pub(crate) fn anchor(label: &'static str, kind: Kind) -> Self {
        Self {
            label,
            kind,
            gateway: false,
            note: "",
        }
    }

    /// Sets the design note written beside the figures.
    pub(crate) fn note(mut self, note: &'static str) -> Self {
        self.note = note;
        self
    }

    /// Why this server cannot be started at all, if it cannot (e.g. a binary that a
    /// crate has not added yet).
    pub(crate) fn missing(&self, env: &Env) -> Option<String> {
        match &self.kind {
            Kind::BenchBin { bin, .. } => {
                let path = env.release_dir.join(bin);
                (!path.exists()).then(|| {
                    format!(
                        "the `{bin}` binary is not in the gateway-bench package yet (see bench/Cargo.toml)"
                    )
                })
            }
            Kind::Helloworld | Kind::NginxFront { .. } => {
                let path = env.release_dir.join("helloworld");
                (!path.exists()).then(|| format!("{} was not built", path.display()))
            }
            Kind::HelloworldFastCgi => None,
            Kind::Nginx { .. } | Kind::Paste => None,
        }
    }

    /// Starts the server pinned (when pinning is on) and waits until it accepts.
    pub(crate) fn start(&self, env: &Env) -> Result<Running, String> {
        let backend = match &self.kind {
            Kind::NginxFront { via } => Some(Box::new(self.start_backend(env, *via)?)),
            _ => None,
        };
        let port = free_port()?;
        let (program, args, temp_dir) = self.command(env, port, backend.as_deref())?;
        let log_path = env.out_dir.join("logs").join(format!(
            "{}-{port}.log",
            self.label
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        ));
        let log = fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let mut command = match env.server_cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpu.to_string()).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        command
            .args(&args)
            .current_dir(&env.root)
            // helloworld sizes its runtime from the CPUs it may use; pinned to one core
            // it would get one worker. Every server gets two.
            .env("TOKIO_WORKER_THREADS", "2")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut running = Running {
            label: self.label,
            port,
            child,
            log_path,
            _temp_dir: temp_dir,
            backend,
        };
        running.wait_ready(Duration::from_secs(30))?;
        Ok(running)
    }

    /// The helloworld behind an nginx front: over FastCGI with a generated deploy
    /// config, or the HTTP server with production.toml.
    fn start_backend(&self, env: &Env, via: Upstream) -> Result<Running, String> {
        let kind = match via {
            Upstream::Http => Kind::Helloworld,
            Upstream::FastCgi => Kind::HelloworldFastCgi,
        };
        let label = match via {
            Upstream::Http => "helloworld behind nginx (HTTP)",
            Upstream::FastCgi => "helloworld behind nginx (FastCGI)",
        };
        ServerSpec::gateway(label, kind).start(env)
    }

    fn command(
        &self,
        env: &Env,
        port: u16,
        backend: Option<&Running>,
    ) -> Result<(PathBuf, Vec<String>, Option<PathBuf>), String> {
        Ok(match &self.kind {
            Kind::BenchBin { bin, args } => {
                let mut all = vec![port.to_string()];
                all.extend(args.iter().cloned());
                (env.release_dir.join(bin), all, None)
            }
            Kind::Helloworld => (
                env.release_dir.join("helloworld"),
                vec![
                    "serve".into(),
                    env.root
                        .join("examples/helloworld/production.toml")
                        .display()
                        .to_string(),
                    "--bind".into(),
                    format!("127.0.0.1:{port}"),
                ],
                None,
            ),
            Kind::HelloworldFastCgi => {
                let conf = env.out_dir.join("tmp").join(format!("fastcgi-{port}.toml"));
                let text = format!(
                    "[app.main]\nuse = \"helloworld\"\ndebug = false\npublic_dir = \"{}\"\n\n\
                     [server.main]\nuse = \"fastcgi\"\nbind = \"127.0.0.1:{port}\"\n",
                    env.root.join("examples/helloworld/public").display()
                );
                fs::write(&conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;
                (
                    env.release_dir.join("helloworld"),
                    vec!["serve".into(), conf.display().to_string()],
                    None,
                )
            }
            Kind::Nginx { .. } | Kind::NginxFront { .. } => {
                let dir = env.out_dir.join("tmp").join(format!("nginx-{port}"));
                let _ = fs::remove_dir_all(&dir);
                fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let conf = dir.join("nginx.conf");
                let (upstream, location) = match (&self.kind, backend) {
                    (Kind::Nginx { root, sendfile }, _) => (
                        format!(
                            "sendfile {};\n    open_file_cache max=1000 inactive=60s;\n    \
                             open_file_cache_valid 60s;",
                            if *sendfile { "on" } else { "off" }
                        ),
                        format!("root {};\n        location / {{ }}", root.display()),
                    ),
                    (Kind::NginxFront { via }, Some(backend)) => front_location(*via, backend.port),
                    _ => return Err("an nginx front without its backend".into()),
                };
                fs::write(
                    &conf,
                    nginx_conf(&dir, port, env.is_root, &upstream, &location),
                )
                .map_err(|e| format!("{}: {e}", conf.display()))?;
                (
                    env.nginx.clone(),
                    vec![
                        "-p".into(),
                        dir.display().to_string(),
                        "-c".into(),
                        conf.display().to_string(),
                        "-e".into(),
                        dir.join("error.log").display().to_string(),
                    ],
                    Some(dir),
                )
            }
            Kind::Paste => {
                let python = env.ensure_venv()?;
                (
                    python,
                    vec![
                        env.root.join("bench/paste_stack.py").display().to_string(),
                        port.to_string(),
                        env.root
                            .join("examples/helloworld/public")
                            .display()
                            .to_string(),
                        env.paste_js_dir()?.display().to_string(),
                    ],
                    None,
                )
            }
        })
    }
}

/// The upstream block and the server body of an nginx front to helloworld on
/// `backend_port`, mounted at the root.
fn front_location(via: Upstream, backend_port: u16) -> (String, String) {
    match via {
        Upstream::FastCgi => (
            format!("upstream backend {{ server 127.0.0.1:{backend_port}; keepalive 32; }}"),
            format!(
                "location / {{
{}            fastcgi_param SCRIPT_NAME \"\";
            fastcgi_param PATH_INFO $uri;
            fastcgi_keep_conn on;
            fastcgi_pass backend;
        }}",
                crate::peers::nginx::params("fastcgi_param")
            ),
        ),
        Upstream::Http => (
            format!("upstream backend {{ server 127.0.0.1:{backend_port}; keepalive 32; }}"),
            "location / {
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_pass http://backend;
        }"
            .to_owned(),
        ),
    }
}

/// nginx as an anchor or a front: 2 workers, no access log, `tcp_nopush off` (with it
/// on, 64 KiB keep-alive responses stall 40 ms at p99), everything it writes under
/// `dir`; `http_extra` (an upstream block, the file settings) at the http level,
/// `server_body` in the server. `sendfile` is on unless `http_extra` says otherwise.
fn nginx_conf(dir: &Path, port: u16, is_root: bool, http_extra: &str, server_body: &str) -> String {
    let sendfile = if http_extra.contains("sendfile ") {
        ""
    } else {
        "sendfile on;\n    "
    };
    format!(
        "{main}http {{
    access_log off;
    {sendfile}
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
{temp}    types {{ text/html html; application/octet-stream bin; }}
    default_type application/octet-stream;
    {http_extra}
    server {{
        listen 127.0.0.1:{port};
        {server_body}
    }}
}}
",
        main = crate::proc::nginx_main(dir, is_root, 4096),
        temp = crate::proc::nginx_temp_paths(dir),
    )
}

/// A started server; stopped (TERM, then KILL) when dropped.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) label: &'static str,
    pub(crate) port: u16,
    child: Child,
    log_path: PathBuf,
    _temp_dir: Option<PathBuf>,
    /// The server behind this one (an nginx front's helloworld), stopped after it.
    backend: Option<Box<Running>>,
}

impl Running {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited with {status} before it listened; log: {}",
                    self.label,
                    self.log_tail()
                ));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "{} did not listen on port {} within {limit:?}; log: {}",
            self.label,
            self.port,
            self.log_tail()
        ))
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(5).collect();
        let tail: Vec<&str> = lines.into_iter().rev().collect();
        if tail.is_empty() {
            format!("(empty: {})", self.log_path.display())
        } else {
            tail.join(" | ")
        }
    }

    /// utime + stime of the server and its children (nginx's workers) and of the
    /// server behind it, in µs.
    pub(crate) fn cpu_us(&self, clock_ticks: f64) -> f64 {
        crate::proc::process_tree(self.pid())
            .iter()
            .filter_map(|&pid| crate::proc::cpu_ticks(pid))
            .sum::<u64>() as f64
            * 1e6
            / clock_ticks
            + self.backend.as_ref().map_or(0.0, |b| b.cpu_us(clock_ticks))
    }

    /// PSS of the server, its children and the server behind it, in KiB: shared
    /// pages (nginx's master and workers share most of theirs) count once.
    pub(crate) fn pss_kib(&self) -> u64 {
        crate::proc::process_tree(self.pid())
            .iter()
            .filter_map(|&pid| crate::proc::pss_kib(pid))
            .sum::<u64>()
            + self.backend.as_ref().map_or(0, |b| b.pss_kib())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        crate::proc::stop(&mut self.child, Duration::from_secs(5));
    }
}

/// A request that must succeed, byte for byte, before a server is measured.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub(crate) path: String,
    /// `Some` makes it a POST with this body.
    pub(crate) post: Option<PathBuf>,
    /// What the body must equal.
    pub(crate) expect: Expect,
    /// Speak h2c with prior knowledge.
    pub(crate) h2c: bool,
    /// The response must carry a `Content-Length` (files); when any response carries
    /// one it must equal the body's length.
    pub(crate) length_required: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Expect {
    Bytes(Vec<u8>),
    SameAsFile(PathBuf),
}

/// Why a probe failed.
#[derive(Debug, Clone)]
pub(crate) struct ProbeFailure {
    /// The server answered 404 or 405: the route does not exist (yet).
    pub(crate) absent: bool,
    pub(crate) message: String,
}

/// What a probe saw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probed {
    /// Header and body bytes of the response as curl received them: what each
    /// response under load should weigh.
    pub(crate) wire_bytes: u64,
}

impl Probe {
    pub(crate) fn get(path: &str, expect: Expect, h2c: bool) -> Probe {
        Probe {
            path: path.to_owned(),
            post: None,
            expect,
            h2c,
            length_required: false,
        }
    }

    pub(crate) fn post(path: &str, body: PathBuf, expect: Expect) -> Probe {
        Probe {
            path: path.to_owned(),
            post: Some(body),
            expect,
            h2c: false,
            length_required: false,
        }
    }

    /// Requires a `Content-Length` equal to the body's length.
    pub(crate) fn with_length(mut self) -> Probe {
        self.length_required = true;
        self
    }

    /// Names the request (method, path, body file) so that a load can find the
    /// probe that checked it.
    pub(crate) fn key(&self) -> String {
        let body = self
            .post
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        match body {
            Some(body) => format!("POST {} {body}", self.path),
            None => format!("GET {}", self.path),
        }
    }

    /// Runs the probe with curl against `127.0.0.1:port`; `Err` says what came back
    /// instead.
    pub(crate) fn check(
        &self,
        label: &str,
        port: u16,
        out_dir: &Path,
    ) -> Result<Probed, ProbeFailure> {
        self.run(label, port, out_dir)
            .map_err(|message| ProbeFailure {
                absent: message.ends_with("status 404") || message.ends_with("status 405"),
                message,
            })
    }

    fn run(&self, label: &str, port: u16, out_dir: &Path) -> Result<Probed, String> {
        let body_path = out_dir.join("tmp").join(format!("probe-{port}.body"));
        let head_path = out_dir.join("tmp").join(format!("probe-{port}.head"));
        let mut command = Command::new("curl");
        command
            .args(["-s", "--max-time", "60", "-o"])
            .arg(&body_path)
            .arg("-D")
            .arg(&head_path)
            .args([
                "-w",
                "%{http_code} %{http_version} %{size_header} %{size_download}",
            ]);
        if self.h2c {
            command.arg("--http2-prior-knowledge");
        }
        if let Some(post) = &self.post {
            command
                .arg("-H")
                .arg("Content-Type: application/octet-stream")
                .arg("--data-binary")
                .arg(format!("@{}", post.display()));
        }
        let output = command
            .arg(format!("http://127.0.0.1:{port}{}", self.path))
            .output()
            .map_err(|e| format!("cannot run curl: {e}"))?;
        let written = String::from_utf8_lossy(&output.stdout).to_string();
        let method = if self.post.is_some() { "POST" } else { "GET" };
        let what = format!(
            "{method} {}{} on {label}",
            self.path,
            if self.h2c { " (h2c)" } else { "" },
        );
        let parts: Vec<&str> = written.split_whitespace().collect();
        let status = parts.first().copied().unwrap_or("none");
        let version = parts.get(1).copied().unwrap_or("");
        let header_bytes: u64 = parts.get(2).and_then(|v| v.parse().ok()).unwrap_or(0);
        if status != "200" {
            return Err(format!("{what} answered status {status}"));
        }
        if self.h2c && version != "2" {
            return Err(format!("{what} answered over HTTP/{version}"));
        }
        let body = fs::read(&body_path).unwrap_or_default();
        let head = fs::read_to_string(&head_path).unwrap_or_default();
        let _ = fs::remove_file(&body_path);
        let _ = fs::remove_file(&head_path);
        let expected = match &self.expect {
            Expect::Bytes(bytes) => bytes.clone(),
            Expect::SameAsFile(path) => {
                fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?
            }
        };
        if body != expected {
            return Err(format!(
                "{what} answered {} bytes that differ from the {} expected",
                body.len(),
                expected.len()
            ));
        }
        match (content_length(&head), self.length_required) {
            (Some(length), _) if length != body.len() as u64 => {
                return Err(format!(
                    "{what} said Content-Length {length} but sent {} bytes",
                    body.len()
                ))
            }
            (None, true) => return Err(format!("{what} sent no Content-Length")),
            _ => {}
        }
        Ok(Probed {
            wire_bytes: wire_bytes(header_bytes, body.len() as u64, &head),
        })
    }
}

/// What a response weighs on an HTTP/1.1 connection: its head, its body, and for a
/// chunked body the framing of one chunk and the last chunk (curl counts neither;
/// a body sent in more chunks adds a few bytes per chunk, well inside the tolerance
/// the load check allows).
pub(crate) fn wire_bytes(header_bytes: u64, body: u64, head: &str) -> u64 {
    let chunked = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
        })
    });
    let framing = match (chunked, body) {
        (false, _) => 0,
        (true, 0) => 5,
        (true, n) => format!("{n:x}").len() as u64 + 4 + 5,
    };
    header_bytes + body + framing
}

/// The `Content-Length` of the last response head in a `curl -D` dump.
pub(crate) fn content_length(head: &str) -> Option<u64> {
    let last = head
        .split("\r\n\r\n")
        .filter(|block| !block.trim().is_empty())
        .last()?;
    last.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_is_read_from_the_last_head_in_any_case() {
        let head = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 1024\r\n\r\n";
        assert_eq!(content_length(head), Some(1024));
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(content_length(chunked), None);
        assert_eq!(
            content_length("HTTP/2 200\r\nContent-Length: 12\r\n\r\n"),
            Some(12)
        );
    }

    #[test]
    fn chunked_responses_weigh_their_framing() {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        // "c\r\nHello World!\r\n0\r\n\r\n"
        assert_eq!(wire_bytes(170, 12, head), 170 + 12 + 10);
        assert_eq!(
            wire_bytes(100, 12, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"),
            112
        );
    }

    #[test]
    fn probe_keys_tell_method_path_and_body_apart() {
        let get = Probe::get("/echo", Expect::Bytes(Vec::new()), false);
        let post = Probe::post(
            "/echo",
            PathBuf::from("/x/post-1k.bin"),
            Expect::Bytes(Vec::new()),
        );
        assert_eq!(get.key(), "GET /echo");
        assert_eq!(post.key(), "POST /echo post-1k.bin");
    }
}
