//! HTTP/2 defences over a raw socket: keep-alive pings, the idle timeout, the
//! advertised stream limit, and the rapid-reset flood limit.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use gw_core::app_fn;
use gw_server::{Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const GOAWAY: u8 = 7;
const ACK: u8 = 1;

struct Frame {
    kind: u8,
    flags: u8,
    payload: Vec<u8>,
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Reads one frame; `None` on EOF or error.
async fn read_frame(stream: &mut TcpStream) -> Option<Frame> {
    let mut head = [0u8; 9];
    stream.read_exact(&mut head).await.ok()?;
    let len = (usize::from(head[0]) << 16) | (usize::from(head[1]) << 8) | usize::from(head[2]);
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload).await.ok()?;
    Some(Frame {
        kind: head[3],
        flags: head[4],
        payload,
    })
}

struct Running {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn start(mut config: ServerConfig) -> Running {
    config.announce = false;
    let server = Server::bind("127.0.0.1:0").await.unwrap().config(config);
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let app = app_fn(|_req: http::Request<gw_core::Body>| async { "Hello World!" });
    tokio::spawn(server.serve_with_shutdown(app, async move {
        let _ = stopped.await;
    }));
    Running { addr, _stop: stop }
}

/// Connects and sends the client preface and empty SETTINGS.
async fn handshake(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(PREFACE).await.unwrap();
    stream.write_all(&frame(SETTINGS, 0, 0, &[])).await.unwrap();
    stream
}

/// Reads frames (acknowledging SETTINGS, never PINGs) until EOF or `within`.
async fn frames_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<Frame>, bool) {
    let mut frames = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, read_frame(stream)).await {
            Ok(Some(f)) => {
                if f.kind == SETTINGS && f.flags & ACK == 0 {
                    let _ = stream.write_all(&frame(SETTINGS, ACK, 0, &[])).await;
                }
                frames.push(f);
            }
            Ok(None) => return (frames, true),
            Err(_) => return (frames, false),
        }
    }
}

fn goaway_code(frames: &[Frame]) -> Option<u32> {
    frames
        .iter()
        .find(|f| f.kind == GOAWAY)
        .map(|f| u32::from_be_bytes(f.payload[4..8].try_into().unwrap()))
}

#[tokio::test]
async fn unanswered_keep_alive_pings_close_the_connection() {
    let mut c = ServerConfig::default();
    c.http2_keep_alive_interval = Some(Duration::from_millis(200));
    c.http2_keep_alive_timeout = Duration::from_millis(300);
    let server = start(c).await;
    let mut stream = handshake(server.addr).await;
    let (frames, closed) = frames_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(
        frames.iter().any(|f| f.kind == PING && f.flags & ACK == 0),
        "the server pinged"
    );
    assert!(closed, "a client that never answers a ping is dropped");
}

#[tokio::test]
async fn an_idle_http2_connection_is_sent_goaway_and_closed() {
    let mut c = ServerConfig::default();
    c.http2_keep_alive_interval = None;
    c.idle_timeout = Duration::from_millis(400);
    let server = start(c).await;
    let mut stream = handshake(server.addr).await;
    let (frames, closed) = frames_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(goaway_code(&frames), Some(0), "GOAWAY with NO_ERROR");
    assert!(closed);
}

#[tokio::test]
async fn settings_advertise_the_concurrent_stream_limit() {
    let mut c = ServerConfig::default();
    c.http2_max_concurrent_streams = 7;
    let server = start(c).await;
    let mut stream = handshake(server.addr).await;
    let settings = tokio::time::timeout(Duration::from_secs(10), read_frame(&mut stream))
        .await
        .unwrap()
        .expect("the server's SETTINGS");
    assert_eq!(settings.kind, SETTINGS);
    let limit = settings
        .payload
        .chunks(6)
        .find(|p| u16::from_be_bytes([p[0], p[1]]) == 3)
        .map(|p| u32::from_be_bytes([p[2], p[3], p[4], p[5]]));
    assert_eq!(limit, Some(7));
}

#[tokio::test]
async fn a_rapid_reset_flood_gets_goaway_enhance_your_calm() {
    let mut c = ServerConfig::default();
    c.http2_max_pending_accept_reset_streams = 5;
    let server = start(c).await;
    let mut stream = handshake(server.addr).await;
    // HPACK static table: :method GET, :scheme http, :path /.
    let headers = [0x82, 0x86, 0x84];
    let mut flood = Vec::new();
    for i in 0..200u32 {
        let id = 1 + 2 * i;
        flood.extend(frame(HEADERS, 0x4 | 0x1, id, &headers));
        flood.extend(frame(RST_STREAM, 0, id, &8u32.to_be_bytes()));
    }
    let _ = stream.write_all(&flood).await;
    let (frames, _) = frames_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(goaway_code(&frames), Some(0xb), "ENHANCE_YOUR_CALM");
    let answered = frames.iter().filter(|f| f.kind == DATA).count();
    assert!(answered < 200, "the flood was cut short");
}
