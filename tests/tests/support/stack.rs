//! The helloworld stack as a process for the reliability tests (soak, faults,
//! corpus): a generated config file, the `helloworld_stack` fixture binary, its
//! stderr kept in a file, and the process figures (RSS, descriptors) from /proc.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// helloworld's `public/` directory.
pub fn public_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/helloworld/public")
}

/// helloworld's embedded `javascripts/helpers.js`.
pub fn helpers_js() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/helloworld/assets/javascripts/helpers.js"),
    )
    .expect("helpers.js is in the source tree")
}

/// A running `helloworld_stack`, killed when dropped.
pub struct Stack {
    pub child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    /// Where the server's stderr goes.
    pub stderr_path: PathBuf,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Writes `config` to `dir/stack.toml` and serves it; waits (at most 30 s) for the
/// `serving on http://ADDR` line.
pub async fn start(dir: &Path, config: &str) -> Stack {
    start_with_env(dir, config, &[]).await
}

/// [`start`] with extra environment variables for the server process.
pub async fn start_with_env(dir: &Path, config: &str, env: &[(&str, &str)]) -> Stack {
    let config_path = dir.join("stack.toml");
    std::fs::write(&config_path, config).unwrap();
    let stderr_path = dir.join("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_helloworld_stack"))
        .arg("serve")
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        // A panic's message, not a symbolized backtrace per panic: the panic tests
        // take twice as long when the caller's RUST_BACKTRACE=1 reaches the server.
        .env("RUST_BACKTRACE", "0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .kill_on_drop(true)
        .spawn()
        .expect("the helloworld_stack fixture starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(addr) = line.strip_prefix("serving on http://") {
                return addr.parse::<SocketAddr>().expect("an address");
            }
        }
        panic!(
            "the server exited before serving: {}",
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        );
    })
    .await
    .expect("the server announced its address within 30 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let pid = child.id().unwrap();
    Stack {
        child,
        addr,
        pid,
        stderr_path,
    }
}

impl Stack {
    /// The server's stderr so far.
    pub fn stderr(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.stderr_path) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Resident memory in KiB (`VmRSS` of /proc/PID/status).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Open file descriptors (entries of /proc/PID/fd).
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid))
            .unwrap()
            .count()
    }

    /// Open descriptors of deleted files in `dir`: the cascade's spill files, which
    /// are unlinked as soon as they are created, so a listing of `dir` never shows
    /// them while /proc/PID/fd does (`DIR/.tmpXXXX (deleted)` or, with O_TMPFILE,
    /// `DIR/#INODE (deleted)`).
    pub fn deleted_files_open_in(&self, dir: &Path) -> usize {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        std::fs::read_dir(format!("/proc/{}/fd", self.pid))
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| {
                let text = target.to_string_lossy();
                target.starts_with(&dir) && text.ends_with(" (deleted)")
            })
            .count()
    }

    /// The server's stderr lines that report a problem: a panic, or a log line at
    /// WARN or ERROR level. Lines containing any of `expected` (a deliberate panic's
    /// message, say) are left out.
    ///
    /// A panic is reported on two lines (`thread ... panicked at FILE:LINE:COL:`,
    /// then the message): they are judged together.
    pub fn stderr_problems(&self, expected: &[&str]) -> Vec<String> {
        let text = self.stderr();
        let lines: Vec<&str> = text.lines().collect();
        let mut problems = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let record = if line.contains("panicked at") {
                format!("{line} {}", lines.get(i + 1).unwrap_or(&""))
            } else if line.contains("ERROR") || line.contains("WARN") {
                (*line).to_owned()
            } else {
                continue;
            };
            if !expected.iter().any(|e| record.contains(e)) {
                problems.push(record);
            }
        }
        problems
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `GET /hello` on a fresh connection answers 200 `Hello World!` within 10 s.
    pub async fn assert_healthy(&self) {
        let reply = raw_exchange(
            self.addr,
            b"GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            Duration::from_secs(10),
        )
        .await;
        assert!(
            reply.text.starts_with("HTTP/1.1 200") && reply.text.ends_with("Hello World!"),
            "the server is not healthy: {:?}",
            reply.text
        );
    }
}

/// What a raw exchange got back.
#[derive(Debug)]
pub struct RawReply {
    /// The bytes as they came.
    pub bytes: Vec<u8>,
    /// The bytes, lossily as text.
    pub text: String,
    /// The server closed the connection (EOF or reset) before the deadline.
    pub closed: bool,
}

impl RawReply {
    /// The status code of the first response line, if there is one.
    pub fn status(&self) -> Option<u16> {
        self.text
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5))
            .and_then(|code| code.parse().ok())
    }
}

/// Sends `request` on a new connection and reads until the server closes or
/// `deadline` passes. Writing is not shut down: hyper drops a request whose client
/// half-closes.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8], deadline: Duration) -> RawReply {
    let mut out = Vec::new();
    let closed = tokio::time::timeout(deadline, async {
        let mut stream = TcpStream::connect(addr).await?;
        // A server may answer and close before reading everything: ignore write errors.
        let _ = stream.write_all(request).await;
        let mut buf = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return Ok::<_, std::io::Error>(()),
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.len() > 64 << 20 {
                        return Ok(());
                    }
                }
            }
        }
    })
    .await
    .is_ok();
    RawReply {
        text: String::from_utf8_lossy(&out).into_owned(),
        bytes: out,
        closed,
    }
}

/// A small deterministic generator (xorshift64*), so a run can be replayed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` pseudo-random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(len);
        v
    }
}

/// FNV-1a: the checksum the soak compares bodies by.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The config the reliability tests serve: a cascade `[body_reader, helloworld]`
/// (so request bodies are kept, and spilled to `spill_dir` past 64 KiB, before
/// helloworld sees them replayed) in production mode, with `server_extra` lines
/// added to `[server.main]`.
pub fn config(spill_dir: &Path, server_extra: &str) -> String {
    format!(
        r#"[global]
debug = false

[composite.main]
use = "spilling_cascade"
apps = ["reader", "hello"]
spill_dir = {spill:?}

[app.reader]
use = "body_reader"

[app.hello]
use = "helloworld"
public_dir = {public:?}

[server.main]
bind = "127.0.0.1:0"
# Uploads of up to 10 MiB (the soak) pass the default 1 MiB limit.
max_request_body = "16MiB"
{server_extra}
"#,
        spill = spill_dir.display().to_string(),
        public = public_dir().display().to_string(),
    )
}
