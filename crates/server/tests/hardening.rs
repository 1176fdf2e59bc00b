//! The server's defences over real sockets: timeouts, limits, the connection cap,
//! the access log, trusted proxies and Unix sockets.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gw_core::app_fn;
use gw_server::{ClientInfo, PeerAddr, Server, ServerConfig, Stats, TrustedProxies};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A running in-process server; dropping the handle drains it.
struct Running {
    addr: SocketAddr,
    stats: Stats,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn hello_app() -> impl tower::Service<
    http::Request<gw_core::Body>,
    Response = http::Response<gw_core::Body>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
       + Send
       + 'static {
    app_fn(|req: http::Request<gw_core::Body>| async move {
        let client = ClientInfo::of(&req).copied();
        let peer = PeerAddr::of(&req);
        match req.uri().path() {
            "/client" => {
                let c = client.expect("ClientInfo is always set");
                format!(
                    "{} {} {} peer={}",
                    c.addr.map_or("-".to_owned(), |a| a.to_string()),
                    c.scheme,
                    c.forwarded,
                    peer.map_or("-".to_owned(), |p| p.0.ip().to_string())
                )
            }
            "/slow" => {
                tokio::time::sleep(Duration::from_millis(2000)).await;
                "slow".to_owned()
            }
            _ => "Hello World!".to_owned(),
        }
    })
}

async fn start(config: ServerConfig) -> Running {
    let mut config = config;
    config.announce = false;
    let server = Server::bind("127.0.0.1:0").await.unwrap().config(config);
    let addr = server.local_addr();
    let stats = server.stats();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(hello_app(), async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stats,
        stop: Some(stop),
    }
}

fn config() -> ServerConfig {
    ServerConfig::default()
}

/// Reads until EOF or error; returns what arrived and whether the peer closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_dropped_after_the_first_byte_timeout() {
    let mut c = config();
    c.first_byte_timeout = Duration::from_millis(300);
    let server = start(c).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let connected = Instant::now();
    let (data, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed, "the silent connection is closed");
    assert!(data.is_empty());
    assert!(
        connected.elapsed() >= Duration::from_millis(200),
        "closed by the timer, not at once"
    );
}

#[tokio::test]
async fn headers_sent_one_byte_at_a_time_are_cut_at_the_header_timeout() {
    let mut c = config();
    c.header_read_timeout = Duration::from_millis(500);
    c.first_byte_timeout = Duration::from_secs(30);
    c.idle_timeout = Duration::from_secs(30);
    let server = start(c).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut = false;
    for byte in request {
        if stream.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        // A read that sees EOF means the server hung up.
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(150), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                cut = true;
                break;
            }
            Ok(Ok(n)) => assert!(
                !buf[..n].starts_with(b"HTTP/1.1 200"),
                "a trickled request must not be served"
            ),
            Err(_) => {}
        }
    }
    assert!(
        cut,
        "the server closed the connection before the headers ended"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let mut c = config();
    c.idle_timeout = Duration::from_millis(400);
    let server = start(c).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (data, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    let text = String::from_utf8_lossy(&data);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("Hello World!"), "{text}");
    assert!(closed, "the idle keep-alive connection was closed");
    assert_eq!(server.stats.snapshot().connections_open, 0);
}

async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn too_many_headers_and_too_large_a_head_get_431() {
    let mut c = config();
    c.max_headers = 20;
    c.max_header_bytes = 8192;
    let server = start(c).await;
    let mut many = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
    for i in 0..30 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let answer = exchange(server.addr, many.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let answer = exchange(server.addr, big.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
}

#[tokio::test]
async fn a_declared_body_over_the_limit_gets_413_and_an_unsized_one_reaches_the_app() {
    let mut c = config();
    c.max_request_body = Some(100);
    let server = start(c).await;
    let answer = exchange(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    // A chunked body is counted as it arrives by `RequestBodyTimeout::max_body`
    // (tests/hostile.rs), never refused for having no length.
    let answer = exchange(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = exchange(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn the_request_deadline_answers_503() {
    let mut c = config();
    c.request_timeout = Some(Duration::from_millis(300));
    let server = start(c).await;
    let answer = exchange(server.addr, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_holds_with_2000_clients_against_500() {
    let mut c = config();
    c.max_connections = 500;
    c.backlog = 4096;
    let in_handler = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let app = {
        let in_handler = in_handler.clone();
        let most = most.clone();
        app_fn(move |_req: http::Request<gw_core::Body>| {
            let in_handler = in_handler.clone();
            let most = most.clone();
            async move {
                let now = in_handler.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                in_handler.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        })
    };
    c.announce = false;
    let server = Server::bind("127.0.0.1:0").await.unwrap().config(c);
    let addr = server.local_addr();
    let stats = server.stats();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(app, async move {
        let _ = stopped.await;
    }));

    let watcher = {
        let stats = stats.clone();
        tokio::spawn(async move {
            let mut most_open = 0;
            for _ in 0..600 {
                most_open = most_open.max(stats.snapshot().connections_open);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            most_open
        })
    };
    let clients: Vec<_> = (0..2000)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await?;
                stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .await?;
                let mut out = Vec::new();
                stream.read_to_end(&mut out).await?;
                Ok::<bool, std::io::Error>(out.starts_with(b"HTTP/1.1 200"))
            })
        })
        .collect();
    let mut served = 0;
    for client in clients {
        if let Ok(Ok(Ok(true))) = tokio::time::timeout(Duration::from_secs(60), client).await {
            served += 1;
        }
    }
    let most_open = watcher.await.unwrap();
    let _ = stop.send(());
    assert_eq!(served, 2000, "every client is served in the end");
    assert!(
        most.load(Ordering::SeqCst) <= 500,
        "handlers at once: {}",
        most.load(Ordering::SeqCst)
    );
    assert!(most_open <= 500, "connections open at once: {most_open}");
    assert!(
        most_open >= 100,
        "the cap was actually reached: {most_open}"
    );
    assert_eq!(stats.snapshot().connections_total, 2000);
}

#[tokio::test]
async fn the_access_log_writes_combined_lines_with_bytes_and_latency() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.log");
    let mut c = config();
    c.access_log = gw_server::AccessLogTarget::File(path.clone());
    let server = start(c).await;
    let answer = exchange(
        server.addr,
        b"GET /hello?x=1 HTTP/1.1\r\nHost: x\r\nReferer: http://r.example/\r\nUser-Agent: test \"agent\"\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"));
    let answer = exchange(server.addr, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"));
    let mut text = String::new();
    for _ in 0..100 {
        text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.lines().count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let line = regex::Regex::new(
        r#"^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET /hello\?x=1 HTTP/1\.1" 200 12 "http://r\.example/" "test \\"agent\\"" \d+$"#,
    )
    .unwrap();
    let head =
        regex::Regex::new(r#"^127\.0\.0\.1 - - \[[^\]]+\] "HEAD / HTTP/1\.1" 200 - "-" "-" \d+$"#)
            .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(line.is_match(lines[0]), "{}", lines[0]);
    assert!(head.is_match(lines[1]), "{}", lines[1]);
}

#[tokio::test]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let request = b"GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n";

    let mut trusting = config();
    trusting.trusted_proxies = "127.0.0.1".parse::<TrustedProxies>().unwrap();
    let server = start(trusting).await;
    let answer = exchange(server.addr, request).await;
    assert!(
        answer.ends_with("203.0.113.9 https true peer=127.0.0.1"),
        "{answer}"
    );

    let mut distrusting = config();
    distrusting.trusted_proxies = "10.0.0.0/8".parse::<TrustedProxies>().unwrap();
    let server = start(distrusting).await;
    let answer = exchange(server.addr, request).await;
    assert!(
        answer.ends_with("127.0.0.1 http false peer=127.0.0.1"),
        "{answer}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_unix_socket_serves_requests_and_its_file_is_removed_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sock");
    let server = Server::bind_unix(&path).unwrap().quiet();
    let stats = server.stats();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve_with_shutdown(hello_app(), async move {
        let _ = stopped.await;
    }));
    for path_query in ["/", "/client"] {
        let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
        stream
            .write_all(
                format!("GET {path_query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        if path_query == "/client" {
            assert!(out.ends_with("- http false peer=-"), "{out}");
        }
    }
    assert_eq!(stats.snapshot().requests_total, 2);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    assert!(!path.exists(), "the socket file is removed at shutdown");
}

#[tokio::test]
async fn ipv6_and_a_second_listener_serve_at_the_same_time() {
    let server = match Server::bind("[::1]:0").await {
        Ok(server) => server,
        Err(e) => {
            // A test that cannot run fails: only GATEWAY_TEST_OPTOUT naming ipv6 (a
            // comma-separated list) lets a machine without IPv6 loopback skip it.
            let opted_out = std::env::var("GATEWAY_TEST_OPTOUT")
                .unwrap_or_default()
                .split(',')
                .any(|w| w.trim() == "ipv6");
            assert!(
                opted_out,
                "no IPv6 loopback here ({e}): enable ::1, or set GATEWAY_TEST_OPTOUT=ipv6 to skip knowingly"
            );
            eprintln!(
                "\n*** OPTED OUT (GATEWAY_TEST_OPTOUT names ipv6): no IPv6 loopback ({e}) ***\n"
            );
            return;
        }
    };
    let v6 = server.local_addr();
    assert!(v6.is_ipv6());
    let server = server
        .listen(&gw_server::ListenSpec::Tcp("127.0.0.1:0".to_owned()))
        .await
        .unwrap()
        .quiet();
    let v4 = match server.local_addrs()[1] {
        gw_server::ListenAddr::Tcp(addr) => addr,
        ref other => panic!("unexpected listener {other}"),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(hello_app(), async move {
        let _ = stopped.await;
    }));
    let request = b"GET /client HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let answer = exchange(v6, request).await;
    assert!(answer.ends_with("::1 http false peer=::1"), "{answer}");
    let answer = exchange(v4, request).await;
    assert!(
        answer.ends_with("127.0.0.1 http false peer=127.0.0.1"),
        "{answer}"
    );
    let _ = stop.send(());
}
