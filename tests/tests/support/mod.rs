//! Helpers shared by the socket tests: start a binary, find its address, talk HTTP.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub mod nginx;
pub mod stack;

/// The HTTP/1 and h2c client type of these helpers.
pub type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

/// A server process that is killed when dropped.
pub struct Running {
    pub child: Child,
    pub addr: SocketAddr,
    /// The address as printed (`HOST:PORT` or `unix:/path`).
    pub addr_text: String,
    /// The stdout lines printed after the address.
    pub lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Starts `program` and waits (at most 20 s) for its `serving on http://ADDR` (or
/// `https://ADDR`) line.
pub async fn start(program: &str, args: &[&str]) -> Running {
    start_matching(
        program,
        args,
        &["serving on http://", "serving on https://"],
    )
    .await
}

/// Starts `program` and waits (at most 20 s) for a line `PREFIX ADDR`.
pub async fn start_with_prefix(program: &str, args: &[&str], prefix: &str) -> Running {
    start_matching(program, args, &[prefix]).await
}

async fn start_matching(program: &str, args: &[&str], prefixes: &[&str]) -> Running {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.expect("reading stdout") {
            for prefix in prefixes {
                if let Some(addr) = line.strip_prefix(prefix) {
                    return addr.to_owned();
                }
            }
        }
        panic!("{program} exited before printing its address");
    })
    .await
    .expect("the server printed its address within 20 s");
    // Keep draining stdout so the child never blocks on a full pipe.
    let (send, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = send.send(line);
        }
    });
    let socket = addr
        .parse::<SocketAddr>()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    Running {
        child,
        addr: socket,
        addr_text: addr,
        lines: received,
    }
}

/// An HTTP/1.1 client.
pub fn http1() -> Client {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}

/// An HTTP/2 client with prior knowledge (h2c).
pub fn h2c() -> Client {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http()
}

/// GETs `url` and returns the status, version and body.
pub async fn get(client: &Client, url: &str) -> (http::StatusCode, http::Version, Bytes) {
    let res = client
        .get(url.parse().expect("a URL"))
        .await
        .expect("the request succeeds");
    let (parts, body) = res.into_parts();
    let body = body
        .collect()
        .await
        .expect("the body arrives whole")
        .to_bytes();
    (parts.status, parts.version, body)
}

/// Sends SIGTERM (or another signal) to a process.
pub fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("the child is running");
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

/// The environment variable that lets a machine knowingly skip tests it cannot run:
/// a comma-separated list of names such as `wrk,ipv6,tmpfs`.
pub const OPTOUT: &str = "GATEWAY_TEST_OPTOUT";

/// Called when a test cannot run here because `what` (a tool such as `wrk`, or a
/// facility such as `ipv6` or `tmpfs`) is missing. A test that cannot run fails:
/// a skip must never read as a pass. Only when [`OPTOUT`] names `what` does this
/// print why and return, so the caller returns without checking anything.
pub fn opt_out_or_fail(what: &str, why: &str) {
    let listed = std::env::var(OPTOUT)
        .unwrap_or_default()
        .split(',')
        .any(|w| w.trim() == what);
    assert!(
        listed,
        "{why}: this test cannot run here. Install what it needs (.ci/run does), or set \
         {OPTOUT}={what} to skip it knowingly"
    );
    eprintln!("\n*** OPTED OUT ({OPTOUT} names {what}): {why} ***\n");
}

/// Whether `program` can be started at all (`NotFound` and permission errors say
/// no; an exit status, even a failing one, says yes).
pub fn can_run(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}
