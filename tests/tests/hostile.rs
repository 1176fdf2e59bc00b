//! Hostile uploads against the helloworld stack run as a process (its cascade,
//! router and `/echo` controller): a 64 MiB POST is refused with 413 under the
//! default `max_request_body`, a chunked upload over it too, and with the limit
//! raised the same 64 MiB comes back byte for byte while the server's peak
//! resident memory stays within 48 MiB of where it started.
//!
//! The memory waves (`#[ignore]`d here, run by `cargo xtask hostile-memory` against
//! a release `helloworld` binary): four waves of zero-window HTTP/2 connections,
//! and 10 s after each the server's resident memory is back within 24 MiB of its
//! baseline.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::stack::{self, Stack};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIB64: usize = 64 << 20;

fn config(server_extra: &str) -> String {
    format!(
        "[global]\ndebug = false\n\n[app.main]\nuse = \"helloworld\"\npublic_dir = {:?}\n\n\
         [server.main]\nbind = \"127.0.0.1:0\"\n{server_extra}\n",
        stack::public_dir().display().to_string()
    )
}

/// Byte `i` of every upload: a pattern that shows a shifted or dropped chunk.
fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

/// The peak resident memory of the server so far, in KiB (`VmHWM`).
fn peak_kib(server: &Stack) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid)).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// POSTs `len` pattern bytes to `/echo`, chunked or with a Content-Length, in
/// 64 KiB writes; returns the response head and checks the body against the
/// pattern as it streams back (a mismatch panics). The upload stops early if the
/// server answers and closes first.
async fn post_echo(server: &Stack, len: usize, chunked: bool) -> (String, usize) {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {len}")
    };
    let head = format!("POST /echo HTTP/1.1\r\nHost: x\r\n{framing}\r\nConnection: close\r\n\r\n");
    let (mut read, mut write) = stream.split();
    let upload = async {
        write.write_all(head.as_bytes()).await?;
        let mut sent = 0;
        while sent < len {
            let n = (len - sent).min(64 * 1024);
            let chunk: Vec<u8> = (sent..sent + n).map(byte_at).collect();
            if chunked {
                write.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                write.write_all(&chunk).await?;
                write.write_all(b"\r\n").await?;
            } else {
                write.write_all(&chunk).await?;
            }
            sent += n;
        }
        if chunked {
            write.write_all(b"0\r\n\r\n").await?;
        }
        Ok::<_, std::io::Error>(())
    };
    let download = async {
        // The head first (everything up to the blank line), then the body.
        let mut pending = Vec::new();
        let mut head = None::<String>;
        let mut body = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            if head.is_none() {
                let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                head = Some(String::from_utf8_lossy(&pending[..end + 4]).into_owned());
                pending.drain(..end + 4);
            }
            if head
                .as_deref()
                .is_some_and(|h| h.starts_with("HTTP/1.1 200"))
            {
                for (k, b) in pending.iter().enumerate() {
                    assert_eq!(*b, byte_at(body + k), "echoed byte {} differs", body + k);
                }
            }
            body += pending.len();
            pending.clear();
        }
        (head.unwrap_or_default(), body)
    };
    let (_, got) = tokio::time::timeout(Duration::from_secs(300), async {
        tokio::join!(upload, download)
    })
    .await
    .expect("the exchange ends within 300 s");
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_post_and_a_chunked_upload_over_the_default_limit_get_413() {
    let dir = tempfile::tempdir().unwrap();
    let server = stack::start(dir.path(), &config("")).await;
    let (head, _) = post_echo(&server, MIB64, false).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let (head, _) = post_echo(&server, 2 << 20, true).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    // Under the limit, a chunked upload is echoed, never refused for its framing.
    let (head, body) = post_echo(&server, 300_000, true).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, 300_000);
    server.assert_healthy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_echo_with_the_limit_raised_comes_back_whole_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = stack::start(dir.path(), &config("max_request_body = \"128MiB\"")).await;
    // Warm up (the spill path too), then take the baseline.
    let (head, _) = post_echo(&server, 1 << 20, true).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let baseline = server.rss_kib();
    for chunked in [true, false] {
        let (head, body) = post_echo(&server, MIB64, chunked).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, MIB64, "the whole body came back");
    }
    let peak = peak_kib(&server);
    println!("64 MiB echo: baseline {baseline} KiB, peak {peak} KiB");
    assert!(
        peak < baseline + 48 * 1024,
        "peak RSS {peak} KiB against a baseline of {baseline} KiB"
    );
    server.assert_healthy().await;
}

// The memory waves: zero-window HTTP/2 connections, each with one GET whose
// answer can never be sent, hold server memory until they close; the `helloworld`
// binary must give that memory back to the system after each wave.

/// The `helloworld` binary the memory waves run against: `cargo xtask
/// hostile-memory` builds it in release mode and names it here.
const HELLOWORLD_BIN: &str = "GATEWAY_HELLOWORLD_BIN";
/// Connections per wave, each holding one stream.
const WAVE: usize = 4000;
/// Waves in a row; the memory must come back after every one.
const WAVES: usize = 4;
/// How far above its baseline the server's RSS may stay 10 s after a wave.
const RETURN_WITHIN_KIB: u64 = 24 * 1024;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const HEADERS: u8 = 1;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const ACK: u8 = 1;
const END_STREAM: u8 = 1;
const END_HEADERS: u8 = 4;
/// HPACK: `:method GET`, `:scheme http`, `:path /`, `:authority localhost`.
const GET_ROOT: &[u8] = b"\x82\x86\x84\x01\x09localhost";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = len.to_be_bytes()[1..].to_vec();
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Resident memory of process `pid` in KiB (`VmRSS`).
fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// One attacker: `SETTINGS_INITIAL_WINDOW_SIZE` = 0 and a GET; it acknowledges
/// SETTINGS, answers PINGs and holds the connection open until aborted. `held`
/// counts the attackers whose response head arrived: the server holds their
/// stream with an answer it cannot send.
async fn hold_a_stream(addr: std::net::SocketAddr, held: std::sync::Arc<AtomicUsize>) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    let mut hello = PREFACE.to_vec();
    hello.extend(frame(SETTINGS, 0, 0, &[0, 4, 0, 0, 0, 0]));
    hello.extend(frame(HEADERS, END_STREAM | END_HEADERS, 1, GET_ROOT));
    if stream.write_all(&hello).await.is_err() {
        return;
    }
    let mut counted = false;
    loop {
        let mut head = [0u8; 9];
        if stream.read_exact(&mut head).await.is_err() {
            return;
        }
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let mut payload = vec![0u8; len];
        if stream.read_exact(&mut payload).await.is_err() {
            return;
        }
        let (kind, flags) = (head[3], head[4]);
        let stream_id = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let reply = match kind {
            SETTINGS if flags & ACK == 0 => Some(frame(SETTINGS, ACK, 0, &[])),
            PING if flags & ACK == 0 => Some(frame(PING, ACK, 0, &payload)),
            HEADERS if stream_id == 1 && !counted => {
                counted = true;
                held.fetch_add(1, Ordering::Relaxed);
                None
            }
            _ => None,
        };
        if let Some(reply) = reply {
            if stream.write_all(&reply).await.is_err() {
                return;
            }
        }
    }
}

/// Lets this process, and the server it starts, open `need` descriptors: raises
/// the soft `RLIMIT_NOFILE` up to the hard one.
fn allow_descriptors(need: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum;
    assert!(
        hard.is_none_or(|h| h >= need),
        "the hard descriptor limit {hard:?} is under the {need} the memory waves need"
    );
    if limit.current.is_some_and(|soft| soft < need) {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard.unwrap_or(need)),
                maximum: hard,
            },
        )
        .expect("raising the soft descriptor limit");
    }
}

/// Waves of zero-window HTTP/2 connections against the `helloworld` binary named
/// by `GATEWAY_HELLOWORLD_BIN` (release-built by `cargo xtask hostile-memory`,
/// which runs this): 10 s after each wave closes, the server's RSS is back within
/// 24 MiB of where it started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a release helloworld binary: run by `cargo xtask hostile-memory`"]
async fn memory_returns_after_waves_of_zero_window_http2_connections() {
    let bin = std::env::var(HELLOWORLD_BIN).unwrap_or_else(|_| {
        panic!("{HELLOWORLD_BIN} names no helloworld binary: run `cargo xtask hostile-memory`")
    });
    allow_descriptors(WAVE as u64 + 1024);
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("waves.toml");
    std::fs::write(
        &config_path,
        config(&format!("max_connections = {}", WAVE + 500)),
    )
    .unwrap();
    let server = support::start(&bin, &["serve", config_path.to_str().unwrap()]).await;
    let pid = server.child.id().expect("the server runs");
    // Warm up: a few plain requests, then the baseline.
    let client = support::h2c();
    for _ in 0..10 {
        let (status, _, _) = support::get(&client, &format!("http://{}/", server.addr)).await;
        assert_eq!(status, 200);
    }
    drop(client);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = rss_of(pid);
    println!("baseline: {baseline} KiB");
    let mut after = Vec::new();
    for wave in 1..=WAVES {
        let held = std::sync::Arc::new(AtomicUsize::new(0));
        let attackers: Vec<_> = (0..WAVE)
            .map(|_| tokio::spawn(hold_a_stream(server.addr, held.clone())))
            .collect();
        // Wait (at most 20 s) until every attacker holds a stream, then hold
        // them a few seconds more.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while held.load(Ordering::Relaxed) < WAVE && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let holding = held.load(Ordering::Relaxed);
        let during = rss_of(pid);
        for attacker in &attackers {
            attacker.abort();
        }
        for attacker in attackers {
            let _ = attacker.await;
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        let rss = rss_of(pid);
        println!(
            "wave {wave}: {holding} of {WAVE} streams held, RSS {during} KiB during, \
             {rss} KiB 10 s after"
        );
        assert!(
            holding >= WAVE * 9 / 10,
            "wave {wave}: only {holding} of {WAVE} connections got their stream held"
        );
        after.push(rss);
    }
    for (wave, rss) in after.iter().enumerate() {
        assert!(
            *rss <= baseline + RETURN_WITHIN_KIB,
            "10 s after wave {}: RSS {rss} KiB, more than 24 MiB over the baseline of \
             {baseline} KiB (every wave: {after:?} KiB)",
            wave + 1
        );
    }
    // Still serving.
    let (status, _, _) = support::get(&support::h2c(), &format!("http://{}/", server.addr)).await;
    assert_eq!(status, 200);
}
