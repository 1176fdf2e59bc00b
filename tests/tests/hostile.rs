//! Hostile uploads against the helloworld stack run as a process (its cascade,
//! router and `/echo` controller): a 64 MiB POST is refused with 413 under the
//! default `max_request_body`, a chunked upload over it too, and with the limit
//! raised the same 64 MiB comes back byte for byte while the server's peak
//! resident memory stays within 48 MiB of where it started.

mod support;

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
