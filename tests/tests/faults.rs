//! Fault injection against the helloworld stack (production mode):
//! - the cascade's spill directory is full or read-only while a large POST spills;
//! - a static file is truncated, rewritten or deleted while it streams;
//! - the access log cannot be written;
//! - ten thousand panics in a row.
//!
//! The tmpfs mounts need root; without it those cases are skipped with a loud
//! message on stderr.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use support::stack::{self, raw_exchange};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Mounts a tmpfs with `options` on `dir`; false (and a loud message) when it fails.
fn mount_tmpfs(dir: &Path, options: &str) -> bool {
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        // Fails unless GATEWAY_TEST_OPTOUT names tmpfs.
        support::opt_out_or_fail(
            "tmpfs",
            &format!(
                "cannot mount a tmpfs ({options}) on {}: spill failures need root (or CAP_SYS_ADMIN)",
                dir.display()
            ),
        );
    }
    ok
}

struct Unmount<'a>(&'a Path);

impl Drop for Unmount<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

/// POSTs `body` to /echo over raw TCP, writing and reading at once: a server that
/// answers before it has read the whole body (the 507) may close without reading
/// the rest, and the answer must still be seen.
async fn post(addr: std::net::SocketAddr, body: Vec<u8>) -> (StatusCode, Bytes) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let writer = tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
        write
    });
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), read.read_to_end(&mut got))
        .await
        .expect("the answer ends within 60 s")
        .ok();
    drop(writer.await);
    let head_end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(&got)))
        + 4;
    let status = std::str::from_utf8(&got[9..12])
        .unwrap()
        .parse::<u16>()
        .unwrap();
    (
        StatusCode::from_u16(status).unwrap(),
        Bytes::copy_from_slice(&got[head_end..]),
    )
}

async fn spill_failure_gives_507_and_the_server_keeps_serving(options: &str) {
    let dir = tempfile::tempdir().unwrap();
    let spill = dir.path().join("spill");
    std::fs::create_dir(&spill).unwrap();
    if !mount_tmpfs(&spill, options) {
        return;
    }
    let _unmount = Unmount(&spill);
    let server = stack::start(dir.path(), &stack::config(&spill, "")).await;
    for _ in 0..3 {
        let (status, body) = post(server.addr, vec![7u8; 4 << 20]).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(
            status,
            StatusCode::INSUFFICIENT_STORAGE,
            "{options}: {text}"
        );
        assert!(text.starts_with("507 Insufficient Storage\n"), "{text}");
        assert!(
            !text.contains(&*spill.to_string_lossy()),
            "the path leaked: {text}"
        );
    }
    // Bodies under the 64 KiB threshold never touch the disk.
    let small = (0..60_000u32).map(|i| i as u8).collect::<Vec<_>>();
    let (status, body) = post(server.addr, small.clone()).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &small[..]));
    server.assert_healthy().await;
    assert!(
        server.stderr().contains("spill file failed"),
        "the failure is logged: {}",
        server.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_spill_dir_gives_507_and_the_server_keeps_serving() {
    spill_failure_gives_507_and_the_server_keeps_serving("size=1m").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_spill_dir_gives_507_and_the_server_keeps_serving() {
    spill_failure_gives_507_and_the_server_keeps_serving("ro,size=1m").await;
}

const BIG: usize = 32 << 20;

/// Starts a GET of `/big.bin` (BIG bytes of `A`), reads its head and a little of
/// the body, runs `change` on the file, then reads on. Returns (declared length,
/// bytes received, whether every byte is `A`, whether the end was clean).
async fn stream_while(change: impl FnOnce(&Path)) -> (usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    std::fs::create_dir(&public).unwrap();
    let file = public.join("big.bin");
    std::fs::write(&file, vec![b'A'; BIG]).unwrap();
    let config = format!(
        "[global]\ndebug = false\n\n[app.main]\nuse = \"helloworld\"\npublic_dir = {:?}\n\n\
         [server.main]\nbind = \"127.0.0.1:0\"\n",
        public.display().to_string()
    );
    let server = stack::start(dir.path(), &config).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut got = vec![0u8; 64 * 1024];
    let n = stream.read(&mut got).await.unwrap();
    got.truncate(n);
    change(&file);
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut rest))
        .await
        .expect("the response ends within 60 s")
        .ok();
    got.extend_from_slice(&rest);
    let head_end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&got[..head_end]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    server.assert_healthy().await;
    (declared, got[head_end..].to_vec())
}

/// The client can tell: either the body is whole and right, or it is short.
fn assert_detectable(what: &str, declared: usize, body: &[u8]) {
    assert_eq!(declared, BIG, "{what}: Content-Length");
    if body.len() == declared {
        assert!(
            body.iter().all(|&b| b == b'A'),
            "{what}: a full-length body with the wrong bytes (silently wrong)"
        );
    } else {
        assert!(body.len() < declared, "{what}: more bytes than declared");
    }
    println!("faults: {what}: {} of {declared} bytes", body.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_truncated_while_it_streams_gives_a_short_body() {
    let (declared, body) = stream_while(|f| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(f)
            .unwrap()
            .set_len(1 << 20)
            .unwrap()
    })
    .await;
    assert_detectable("truncated", declared, &body);
    assert!(body.len() < declared, "the truncation must show");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_rewritten_larger_while_it_streams_is_never_silently_wrong() {
    let (declared, body) = stream_while(|f| std::fs::write(f, vec![b'B'; BIG * 2]).unwrap()).await;
    assert_detectable("rewritten larger", declared, &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_grown_while_it_streams_is_whole_or_short() {
    let (declared, body) = stream_while(|f| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(f).unwrap();
        file.write_all(&vec![b'C'; 1 << 20]).unwrap();
    })
    .await;
    assert_detectable("grown", declared, &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_deleted_while_it_streams_is_whole_or_short() {
    let (declared, body) = stream_while(|f| std::fs::remove_file(f).unwrap()).await;
    assert_detectable("deleted", declared, &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_access_log_does_not_affect_requests() {
    let dir = tempfile::tempdir().unwrap();
    let spill = dir.path().join("spill");
    std::fs::create_dir(&spill).unwrap();
    // /dev/full: opening works, every write fails with ENOSPC.
    let server = stack::start(
        dir.path(),
        &stack::config(&spill, "access_log = \"/dev/full\""),
    )
    .await;
    let client = support::http1();
    for i in 0..500 {
        let (status, _, body) =
            support::get(&client, &format!("http://{}/hello", server.addr)).await;
        assert_eq!(
            (status, &body[..]),
            (StatusCode::OK, &b"Hello World!"[..]),
            "request {i}"
        );
    }
    server.assert_healthy().await;
    let stderr = server.stderr();
    // Known gap (SECURITY.md): the access-log writer stops quietly on a write error.
    println!(
        "faults: access log on /dev/full: 500 requests fine; error reported on stderr: {}",
        stderr.contains("access")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_panics_leave_the_server_healthy_and_memory_flat() {
    let dir = tempfile::tempdir().unwrap();
    let spill = dir.path().join("spill");
    std::fs::create_dir(&spill).unwrap();
    let server = stack::start(dir.path(), &stack::config(&spill, "")).await;
    let client = support::http1();
    let url = format!("http://{}/fail", server.addr);
    let mut rss = Vec::new();
    const TASKS: usize = 8;
    for round in 0..10 {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let client = client.clone();
                let url = url.clone();
                tokio::spawn(async move {
                    for _ in 0..1000 / TASKS {
                        let (status, _, body) = support::get(&client, &url).await;
                        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
                        assert!(!String::from_utf8_lossy(&body).contains("boom"));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        rss.push(server.rss_kib());
        if round == 0 {
            server.assert_healthy().await;
        }
    }
    server.assert_healthy().await;
    println!("faults: RSS (KiB) after each 1000 panics: {rss:?}");
    let after_first = rss[0];
    let last = *rss.last().unwrap();
    assert!(
        last <= after_first + 8 * 1024,
        "memory grows with panics: {after_first} -> {last} KiB"
    );
    // The connection a panic happened on is still good.
    let reply = raw_exchange(
        server.addr,
        b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    )
    .await;
    assert!(reply.text.starts_with("HTTP/1.1 500"), "{}", reply.text);
    assert!(reply.text.ends_with("Hello World!"), "{}", reply.text);
}
