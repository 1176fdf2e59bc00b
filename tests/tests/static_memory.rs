//! Large static files stream with bounded memory per connection: the helloworld
//! stack's resident memory while 64 clients download a 1 GiB file from its
//! `public/` directory grows by less than 64 MiB.
//!
//! Each client reads the first `PER_CLIENT` bytes of its download, then stops
//! reading with the connection open: the worst case for a server, because every
//! response is then stuck with whatever it has read ahead of a full socket. The
//! peak is sampled all along, through the stall. A server that read a file
//! faster than it could send it (or buffered a chunk per poll without waiting)
//! would hold gigabytes here.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::stack;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CLIENTS: usize = 64;
const FILE: u64 = 1 << 30;
const PER_CLIENT: usize = 8 << 20;
const BOUND_KIB: u64 = 64 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_downloads_of_a_1_gib_file_grow_rss_by_less_than_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    std::fs::create_dir(&public).unwrap();
    // Sparse: no gigabyte written to disk; reading it still fills every buffer.
    let file = std::fs::File::create(public.join("big.bin")).unwrap();
    file.set_len(FILE).unwrap();
    drop(file);
    let config = format!(
        "[global]\ndebug = false\n\n[app.main]\nuse = \"helloworld\"\npublic_dir = {:?}\n\n\
         [server.main]\nbind = \"127.0.0.1:0\"\n",
        public.display().to_string()
    );
    let server = stack::start(dir.path(), &config).await;
    // Warm up every path once (index scan, a whole small download) before the
    // baseline, so that the figure is what the downloads cost.
    server.assert_healthy().await;
    let (_, first) = download(server.addr, 1 << 20).await;
    assert_eq!(first, 1 << 20);
    let before = server.rss_kib();

    let peak = Arc::new(AtomicU64::new(before));
    let pid = server.pid;
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            // Bounded: at most 120 s of samples; aborted when the clients are done.
            for _ in 0..12_000 {
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(download(server.addr, PER_CLIENT)))
        .collect();
    let mut streams = Vec::new();
    for client in clients {
        let (stream, got) = tokio::time::timeout(Duration::from_secs(120), client)
            .await
            .expect("every client gets its share within 120 s")
            .unwrap();
        assert_eq!(got, PER_CLIENT, "a download ended early");
        streams.push(stream);
    }
    // Every client now stalls with its connection open.
    tokio::time::sleep(Duration::from_secs(1)).await;
    sampler.abort();
    let peak = peak.load(Ordering::Relaxed).max(server.rss_kib());
    drop(streams);
    println!(
        "static_memory: RSS {before} KiB before, peak {peak} KiB with {CLIENTS} downloads \
         ({} KiB growth)",
        peak.saturating_sub(before)
    );
    assert!(
        peak < before + BOUND_KIB,
        "RSS grew by {} KiB (bound {BOUND_KIB} KiB) with {CLIENTS} downloads",
        peak - before
    );
    server.assert_healthy().await;
}

/// GETs `/big.bin` and reads `want` bytes of its body (discarding them); returns
/// the open connection and how many body bytes arrived.
async fn download(addr: std::net::SocketAddr, want: usize) -> (TcpStream, usize) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let mut body = 0;
    while body < want {
        let n = stream
            .read(&mut buf[..(64 * 1024).min(want - body + 4096)])
            .await;
        let n = match n {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if head.ends_with(b"\r\n\r\n") {
            body += n;
            continue;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(head.starts_with(b"HTTP/1.1 200"), "{:?}", &head[..end]);
            body += head.len() - end - 4;
            head.truncate(end + 4);
        }
    }
    (stream, body.min(want))
}

fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
