//! Hostile clients over real sockets: a missing or doubled Host, bodies past the
//! limit (declared, chunked and HTTP/2), responses the peer never takes (the send
//! timeout), and clients that hold every connection slot without reading (shedding).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gw_core::{app_fn, Body};
use gw_server::{Server, ServerConfig};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DATA: u8 = 0;
const HEADERS: u8 = 1;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const ACK: u8 = 1;
const END_STREAM: u8 = 1;
const END_HEADERS: u8 = 4;
/// HPACK: `:method GET`, `:scheme http`, `:path /` from the static table.
const GET_ROOT: &[u8] = &[0x82, 0x86, 0x84];
/// HPACK: `:method POST`, `:scheme http`, `:path /`.
const POST_ROOT: &[u8] = &[0x83, 0x86, 0x84];
/// HPACK: `:authority localhost`, a literal with the static table's name.
const AUTHORITY: &[u8] = b"\x01\x09localhost";
/// 16 MiB: more than loopback socket buffers hold.
const BIG: usize = 16 << 20;

struct Running {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// `/` says hello, `/big` sends 16 MiB, `/slow` sends `a`, waits 2 s, sends `b`,
/// `/echo` reads the body and answers it; bodies are limited to `max_body`.
async fn start(mut config: ServerConfig, max_body: Option<u64>) -> Running {
    config.announce = false;
    config.max_request_body = max_body;
    let server = Server::bind("127.0.0.1:0").await.unwrap().config(config);
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let app = app_fn(|req: http::Request<Body>| async move {
        let body = match req.uri().path() {
            "/big" => Body::from(Bytes::from(vec![b'x'; BIG])),
            "/slow" => {
                let (mut tx, body) = Body::channel();
                tokio::spawn(async move {
                    let _ = tx.send("a").await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    let _ = tx.send("b").await;
                });
                body
            }
            "/echo" => match req.into_body().collect().await {
                Ok(body) => Body::from(body.to_bytes()),
                Err(e) => Body::from(e.to_string()),
            },
            _ => Body::from("Hello World!"),
        };
        http::Response::new(body)
    });
    tokio::spawn(server.serve_with_shutdown(app, async move {
        let _ = stopped.await;
    }));
    Running { addr, _stop: stop }
}

/// Reads until EOF, error or `within`; returns what arrived and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
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

async fn exchange(addr: SocketAddr, request: &[u8]) -> (String, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let (out, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

async fn read_frame(stream: &mut TcpStream) -> Option<Frame> {
    let mut head = [0u8; 9];
    stream.read_exact(&mut head).await.ok()?;
    let len = (usize::from(head[0]) << 16) | (usize::from(head[1]) << 8) | usize::from(head[2]);
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload).await.ok()?;
    Some(Frame {
        kind: head[3],
        flags: head[4],
        stream: u32::from_be_bytes([head[5] & 0x7f, head[6], head[7], head[8]]),
        payload,
    })
}

/// Opens an HTTP/2 connection whose client SETTINGS are `settings` (id, value).
async fn h2_connect(addr: SocketAddr, settings: &[(u16, u32)]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut payload = Vec::new();
    for (id, value) in settings {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    stream.write_all(PREFACE).await.unwrap();
    stream
        .write_all(&frame(SETTINGS, 0, 0, &payload))
        .await
        .unwrap();
    stream
}

/// Reads frames like a live client (acknowledging SETTINGS and answering PINGs,
/// never opening a window) until stream 1's response ends, the connection
/// closes, or `within`. Returns stream 1's header and data payloads and whether
/// the connection closed.
async fn h2_response(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Vec<u8>, bool) {
    let (mut head, mut data) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(next) = tokio::time::timeout(left, read_frame(stream)).await else {
            return (head, data, false);
        };
        let Some(f) = next else {
            return (head, data, true);
        };
        match f.kind {
            SETTINGS if f.flags & ACK == 0 => {
                let _ = stream.write_all(&frame(SETTINGS, ACK, 0, &[])).await;
            }
            PING if f.flags & ACK == 0 => {
                let _ = stream.write_all(&frame(PING, ACK, 0, &f.payload)).await;
            }
            HEADERS if f.stream == 1 => head.extend_from_slice(&f.payload),
            DATA if f.stream == 1 => data.extend_from_slice(&f.payload),
            _ => {}
        }
        if f.stream == 1 && f.flags & END_STREAM != 0 {
            return (head, data, false);
        }
    }
}

#[tokio::test]
async fn a_missing_doubled_or_invalid_host_gets_400_and_a_close() {
    let server = start(ServerConfig::default(), None).await;
    for request in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a b<script>\r\n\r\n",
        b"GET http://a.example/ HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
    ] {
        let (answer, closed) = exchange(server.addr, request).await;
        let shown = String::from_utf8_lossy(request);
        assert!(
            answer.starts_with("HTTP/1.1 400") || answer.starts_with("HTTP/1.0 400"),
            "{shown}: {answer}"
        );
        assert!(answer.contains("Host"), "{shown}: {answer}");
        assert!(closed, "{shown}: the connection is closed");
    }
    // HTTP/1.0 may leave Host out.
    let (answer, _) = exchange(server.addr, b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    let (answer, _) = exchange(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn an_http2_request_without_authority_or_host_gets_400() {
    let server = start(ServerConfig::default(), None).await;
    let mut stream = h2_connect(server.addr, &[]).await;
    stream
        .write_all(&frame(HEADERS, END_STREAM | END_HEADERS, 1, GET_ROOT))
        .await
        .unwrap();
    let (head, _, _) = h2_response(&mut stream, Duration::from_secs(10)).await;
    // HPACK static table: 0x8c is `:status 400`, 0x88 `:status 200`.
    assert_eq!(head.first(), Some(&0x8c), "{head:?}");

    let mut stream = h2_connect(server.addr, &[]).await;
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(AUTHORITY);
    stream
        .write_all(&frame(HEADERS, END_STREAM | END_HEADERS, 1, &block))
        .await
        .unwrap();
    let (head, data, _) = h2_response(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(head.first(), Some(&0x88), "{head:?}");
    assert_eq!(data, b"Hello World!");
}

#[tokio::test]
async fn a_chunked_body_is_counted_as_it_arrives_and_gets_413_past_the_limit() {
    let server = start(ServerConfig::default(), Some(1000)).await;
    let chunk = format!("1f4\r\n{}\r\n", "a".repeat(500));
    let under = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunk}{chunk}0\r\n\r\n"
    );
    let (answer, _) = exchange(server.addr, under.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(&"a".repeat(1000)), "echoed whole");

    let over = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{}0\r\n\r\n",
        chunk.repeat(10)
    );
    let (answer, closed) = exchange(server.addr, over.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(closed);
}

#[tokio::test]
async fn an_http2_body_without_length_gets_413_past_the_limit() {
    let server = start(ServerConfig::default(), Some(1000)).await;
    let mut stream = h2_connect(server.addr, &[]).await;
    let mut block = POST_ROOT.to_vec();
    block.extend_from_slice(AUTHORITY);
    // `/echo` instead of `/`: a literal `:path` (name index 4).
    block[2] = 0x04;
    block.insert(3, 5);
    block.splice(4..4, b"/echo".iter().copied());
    stream
        .write_all(&frame(HEADERS, END_HEADERS, 1, &block))
        .await
        .unwrap();
    for i in 0..4 {
        let flags = if i == 3 { END_STREAM } else { 0 };
        stream
            .write_all(&frame(DATA, flags, 1, &[b'a'; 500]))
            .await
            .unwrap();
    }
    let (_, data, _) = h2_response(&mut stream, Duration::from_secs(10)).await;
    let data = String::from_utf8_lossy(&data);
    assert_eq!(data, "Request body too large\n");
}

#[tokio::test]
async fn a_reader_that_stops_reading_is_closed_after_the_send_timeout() {
    let mut config = ServerConfig::default();
    config.send_timeout = Duration::from_millis(500);
    let server = start(config, None).await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // Read nothing while the send timeout runs out, then read what is left.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (out, closed) = read_until_closed(&mut stream, Duration::from_secs(30)).await;
    assert!(closed, "the connection is closed");
    assert!(
        out.len() < BIG,
        "the response was cut ({} bytes arrived)",
        out.len()
    );
}

#[tokio::test]
async fn a_zero_window_http2_stream_is_closed_after_the_send_timeout() {
    let mut config = ServerConfig::default();
    config.send_timeout = Duration::from_millis(500);
    let server = start(config, None).await;
    // SETTINGS_INITIAL_WINDOW_SIZE (4) = 0: no response byte may be sent.
    let mut stream = h2_connect(server.addr, &[(4, 0)]).await;
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(AUTHORITY);
    stream
        .write_all(&frame(HEADERS, END_STREAM | END_HEADERS, 1, &block))
        .await
        .unwrap();
    let (head, data, closed) = h2_response(&mut stream, Duration::from_secs(30)).await;
    assert_eq!(head.first(), Some(&0x88), "the head was sent");
    assert!(data.is_empty());
    assert!(closed, "the stalled connection is closed");
}

#[tokio::test]
async fn a_response_waiting_on_a_slow_app_is_not_cut_by_the_send_timeout() {
    let mut config = ServerConfig::default();
    config.send_timeout = Duration::from_millis(300);
    let server = start(config, None).await;
    let (answer, _) = exchange(
        server.addr,
        b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with("1\r\na\r\n1\r\nb\r\n0\r\n\r\n"),
        "{answer}"
    );
}

/// One attacker: a zero window and one GET whose body can never be sent; it
/// answers PINGs and SETTINGS so it looks alive, and holds until closed.
async fn hold_a_slot(addr: SocketAddr, closed: Arc<AtomicUsize>) {
    let mut stream = h2_connect(addr, &[(4, 0)]).await;
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(AUTHORITY);
    if stream
        .write_all(&frame(HEADERS, END_STREAM | END_HEADERS, 1, &block))
        .await
        .is_ok()
    {
        let (_, _, was_closed) = h2_response(&mut stream, Duration::from_secs(120)).await;
        if !was_closed {
            // The head came: keep holding (the window never opens).
            let _ = h2_response(&mut stream, Duration::from_secs(120)).await;
        }
    }
    closed.fetch_add(1, Ordering::Relaxed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_holding_every_slot_with_zero_windows_do_not_lock_out_others() {
    let mut config = ServerConfig::default();
    config.max_connections = 64;
    let server = start(config, None).await;
    let closed = Arc::new(AtomicUsize::new(0));
    let attackers: Vec<_> = (0..80)
        .map(|_| tokio::spawn(hold_a_slot(server.addr, closed.clone())))
        .collect();
    // Let every attacker connect and send its request.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut served = 0;
    for _ in 0..10 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (out, _) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
        if out.starts_with(b"HTTP/1.1 200") && out.ends_with(b"Hello World!") {
            served += 1;
        }
    }
    let shed = closed.load(Ordering::Relaxed);
    for attacker in attackers {
        attacker.abort();
    }
    assert!(served >= 9, "{served} of 10 normal requests served");
    assert!(shed >= 10, "attackers were shed ({shed})");
}
