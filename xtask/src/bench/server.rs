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
    /// nginx with a config generated into a temporary directory, serving `root`.
    Nginx { root: PathBuf },
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
}

impl ServerSpec {
    pub(crate) fn gateway(label: &'static str, kind: Kind) -> Self {
        Self {
            label,
            kind,
            gateway: true,
        }
    }

    pub(crate) fn anchor(label: &'static str, kind: Kind) -> Self {
        Self {
            label,
            kind,
            gateway: false,
        }
    }

    /// Why this server cannot be started at all, if it cannot (e.g. a binary that a
    /// crate issue has not added yet).
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
                    (Kind::Nginx { root }, _) => (
                        String::new(),
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

/// nginx as an anchor or a front: sendfile on, 2 workers, no access log, `tcp_nopush
/// off` (with it on, 64 KiB keep-alive responses stall 40 ms at p99), everything it
/// writes under `dir`; `upstream` at the http level, `server_body` in the server.
fn nginx_conf(dir: &Path, port: u16, is_root: bool, upstream: &str, server_body: &str) -> String {
    format!(
        "{main}http {{
    access_log off;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
{temp}    types {{ text/html html; application/octet-stream bin; }}
    default_type application/octet-stream;
    {upstream}
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

    /// utime + stime of the server and its children (nginx's workers), in µs.
    pub(crate) fn cpu_us(&self, clock_ticks: f64) -> f64 {
        process_tree(self.pid())
            .iter()
            .filter_map(|&pid| cpu_ticks(pid))
            .sum::<u64>() as f64
            * 1e6
            / clock_ticks
            + self.backend.as_ref().map_or(0.0, |b| b.cpu_us(clock_ticks))
    }

    /// VmRSS of the server and its children, in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        process_tree(self.pid())
            .iter()
            .filter_map(|&pid| rss_kib(pid))
            .sum::<u64>()
            + self.backend.as_ref().map_or(0, |b| b.rss_kib())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        crate::proc::stop(&mut self.child, Duration::from_secs(5));
    }
}

/// `pid` and all its descendants.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
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
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &text[text.rfind(')')? + 1..];
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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

impl Probe {
    /// Runs the probe with curl; `Err` says what came back instead.
    pub(crate) fn check(&self, server: &Running, out_dir: &Path) -> Result<(), ProbeFailure> {
        self.run(server, out_dir).map_err(|message| ProbeFailure {
            absent: message.ends_with("status 404") || message.ends_with("status 405"),
            message,
        })
    }

    fn run(&self, server: &Running, out_dir: &Path) -> Result<(), String> {
        let body_path = out_dir
            .join("tmp")
            .join(format!("probe-{}.body", server.port));
        let mut command = Command::new("curl");
        command
            .args(["-s", "--max-time", "30", "-o"])
            .arg(&body_path)
            .args(["-w", "%{http_code} %{http_version}"]);
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
            .arg(server.url(&self.path))
            .output()
            .map_err(|e| format!("cannot run curl: {e}"))?;
        let written = String::from_utf8_lossy(&output.stdout).to_string();
        let method = if self.post.is_some() { "POST" } else { "GET" };
        let what = format!(
            "{method} {}{} on {}",
            self.path,
            if self.h2c { " (h2c)" } else { "" },
            server.label
        );
        let mut parts = written.split_whitespace();
        let status = parts.next().unwrap_or("none");
        let version = parts.next().unwrap_or("");
        if status != "200" {
            return Err(format!("{what} answered status {status}"));
        }
        if self.h2c && version != "2" {
            return Err(format!("{what} answered over HTTP/{version}"));
        }
        let body = fs::read(&body_path).unwrap_or_default();
        let _ = fs::remove_file(&body_path);
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
        Ok(())
    }
}
