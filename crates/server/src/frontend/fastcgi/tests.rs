//! The connection driver over a real socket, spoken to by a raw FastCGI client: the
//! cases nginx never exercises (multiplexing, aborts, management records).

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use gw_core::{app_fn, Body};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::record::{self, ProtocolStatus, Record, RecordType};
use super::serve_connection;
use crate::frontend::listen::{FrontendConfig, Stream};

/// `/hello` answers "Hello World!"; `/echo` echoes the body; `/slow` answers after
/// 200 ms; `/panic` panics before the head; `/fail` fails after the head.
async fn handle(req: http::Request<Body>) -> http::Response<Body> {
    match req.uri().path() {
        "/echo" => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            http::Response::new(Body::from(body))
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            http::Response::new(Body::from("slow"))
        }
        "/panic" => panic!("boom"),
        "/fail" => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"partial")),
                Err(std::io::Error::other("broken")),
            ];
            http::Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        }
        _ => http::Response::new(Body::from("Hello World!")),
    }
}

/// A connected client, with the server's drain switch.
async fn connect() -> (TcpStream, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (drain_tx, drain_rx) = watch::channel(false);
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        serve_connection(
            Stream::Tcp(stream),
            app_fn(handle),
            Arc::new(FrontendConfig::default()),
            drain_rx,
        )
        .await;
    });
    (TcpStream::connect(addr).await.unwrap(), drain_tx)
}

fn begin(out: &mut BytesMut, id: u16, keep_conn: bool) {
    record::encode_record(
        out,
        RecordType::BeginRequest,
        id,
        &[0, 1, u8::from(keep_conn), 0, 0, 0, 0, 0],
    );
}

fn params(method: &str, path: &str, content_length: Option<usize>) -> BytesMut {
    let mut pairs = BytesMut::new();
    record::encode_pair(&mut pairs, b"REQUEST_METHOD", method.as_bytes());
    record::encode_pair(&mut pairs, b"PATH_INFO", path.as_bytes());
    record::encode_pair(&mut pairs, b"SERVER_PROTOCOL", b"HTTP/1.1");
    if let Some(len) = content_length {
        record::encode_pair(&mut pairs, b"CONTENT_LENGTH", len.to_string().as_bytes());
    }
    pairs
}

/// BEGIN_REQUEST and one PARAMS record for request `id`; the parameters not ended.
fn begin_with_params(
    out: &mut BytesMut,
    id: u16,
    keep_conn: bool,
    (method, path, content_length): (&str, &str, Option<usize>),
) {
    begin(out, id, keep_conn);
    let pairs = params(method, path, content_length);
    record::encode_record(out, RecordType::Params, id, &pairs);
}

/// A whole GET in one write, as nginx sends it.
fn get(out: &mut BytesMut, id: u16, path: &str, keep_conn: bool) {
    begin_with_params(out, id, keep_conn, ("GET", path, None));
    record::encode_record(out, RecordType::Params, id, &[]);
    record::encode_record(out, RecordType::Stdin, id, &[]);
}

/// Reads records until request `id` ends (or any END_REQUEST when `id` is None);
/// returns its stdout and its END_REQUEST content, with every record seen.
async fn read_until_end(stream: &mut TcpStream, buf: &mut BytesMut, id: u16) -> (Bytes, Bytes) {
    let mut stdout = BytesMut::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            while let Some(Record {
                kind,
                request_id,
                content,
            }) = record::parse_record(buf).unwrap()
            {
                if request_id != id {
                    continue;
                }
                match kind {
                    RecordType::Stdout => stdout.extend_from_slice(&content),
                    RecordType::EndRequest => return (stdout.freeze(), content),
                    _ => {}
                }
            }
            let n = stream.read_buf(buf).await.unwrap();
            assert!(n > 0, "the connection closed before request {id} ended");
        }
    })
    .await
    .expect("request ended in time")
}

/// Sends a whole GET for request `id` and reads its answer: stdout and END_REQUEST.
async fn exchange(
    client: &mut TcpStream,
    buf: &mut BytesMut,
    id: u16,
    path: &str,
    keep_conn: bool,
) -> (Bytes, Bytes) {
    let mut out = BytesMut::new();
    get(&mut out, id, path, keep_conn);
    client.write_all(&out).await.unwrap();
    read_until_end(client, buf, id).await
}

/// Reads records until `count` END_REQUESTs arrived, showing each record to `each`;
/// returns the END_REQUESTs in order.
async fn read_ends(
    client: &mut TcpStream,
    buf: &mut BytesMut,
    count: usize,
    mut each: impl FnMut(&Record),
) -> Vec<Record> {
    let mut ends = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            while let Some(rec) = record::parse_record(buf).unwrap() {
                each(&rec);
                if rec.kind == RecordType::EndRequest {
                    ends.push(rec);
                }
            }
            if ends.len() >= count {
                return;
            }
            assert!(
                client.read_buf(buf).await.unwrap() > 0,
                "the connection closed"
            );
        }
    })
    .await
    .expect("the requests ended in time");
    ends
}

fn body_of(stdout: &[u8]) -> &[u8] {
    let at = stdout
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a CGI head");
    &stdout[at + 4..]
}

const COMPLETE: [u8; 8] = [0, 0, 0, 0, ProtocolStatus::RequestComplete as u8, 0, 0, 0];

/// Reads until EOF or a reset; true when the peer closed (cleanly or not).
async fn closed(stream: &mut TcpStream) -> bool {
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink))
        .await
        .is_ok()
}

#[tokio::test]
async fn a_get_in_one_packet_is_answered_and_the_connection_kept() {
    let (mut client, _drain) = connect().await;
    let mut buf = BytesMut::new();
    for _ in 0..3 {
        let (stdout, end) = exchange(&mut client, &mut buf, 1, "/hello", true).await;
        assert!(stdout.starts_with(b"Status: 200 OK\r\n"), "{stdout:?}");
        assert_eq!(body_of(&stdout), b"Hello World!");
        assert_eq!(&end[..], &COMPLETE);
    }
}

#[tokio::test]
async fn params_and_stdin_split_across_records_and_writes_make_one_request() {
    let (mut client, _drain) = connect().await;
    let body = vec![b'x'; 100_000];
    let pairs = params("POST", "/echo", Some(body.len()));
    let mut out = BytesMut::new();
    begin(&mut out, 1, true);
    let (first, second) = pairs.split_at(7);
    record::encode_record(&mut out, RecordType::Params, 1, first);
    record::encode_record(&mut out, RecordType::Params, 1, second);
    record::encode_record(&mut out, RecordType::Params, 1, &[]);
    record::encode_stream(&mut out, RecordType::Stdin, 1, &body);
    record::encode_record(&mut out, RecordType::Stdin, 1, &[]);
    // Byte by byte at first, then in odd slices.
    for chunk in out[..40].chunks(1).chain(out[40..].chunks(999)) {
        client.write_all(chunk).await.unwrap();
    }
    let mut buf = BytesMut::new();
    let (stdout, end) = read_until_end(&mut client, &mut buf, 1).await;
    assert_eq!(body_of(&stdout), &body[..]);
    assert_eq!(&end[..], &COMPLETE);
}

#[tokio::test]
async fn an_empty_stdin_sent_later_still_ends_a_get() {
    let (mut client, _drain) = connect().await;
    let mut out = BytesMut::new();
    begin_with_params(&mut out, 1, true, ("GET", "/hello", None));
    record::encode_record(&mut out, RecordType::Params, 1, &[]);
    client.write_all(&out).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut stdin = BytesMut::new();
    record::encode_record(&mut stdin, RecordType::Stdin, 1, &[]);
    client.write_all(&stdin).await.unwrap();
    let mut buf = BytesMut::new();
    let (stdout, end) = read_until_end(&mut client, &mut buf, 1).await;
    assert_eq!(body_of(&stdout), b"Hello World!");
    assert_eq!(&end[..], &COMPLETE);
}

#[tokio::test]
async fn multiplexed_requests_run_concurrently_and_each_ends() {
    let (mut client, _drain) = connect().await;
    let mut out = BytesMut::new();
    get(&mut out, 1, "/slow", true);
    get(&mut out, 2, "/hello", true);
    client.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    // Request 2 ends while the slow request 1 still runs.
    let ends = read_ends(&mut client, &mut buf, 2, |_| {}).await;
    let ids: Vec<u16> = ends.iter().map(|end| end.request_id).collect();
    assert_eq!(ids, [2, 1]);
}

#[tokio::test]
async fn abort_request_ends_the_request_and_the_connection_serves_on() {
    let (mut client, _drain) = connect().await;
    let mut out = BytesMut::new();
    get(&mut out, 1, "/slow", true);
    record::encode_record(&mut out, RecordType::AbortRequest, 1, &[]);
    client.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    let (stdout, end) = read_until_end(&mut client, &mut buf, 1).await;
    assert!(stdout.is_empty(), "the aborted response wrote {stdout:?}");
    assert_eq!(
        &end[..4],
        &[0, 0, 0, 1],
        "app status 1 for an aborted request"
    );
    // The same id serves a new request; the aborted one never answers.
    let (stdout, end) = exchange(&mut client, &mut buf, 1, "/hello", true).await;
    assert_eq!(body_of(&stdout), b"Hello World!");
    assert_eq!(&end[..], &COMPLETE);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = BytesMut::new();
    let more = tokio::time::timeout(Duration::from_millis(100), client.read_buf(&mut extra)).await;
    assert!(more.is_err(), "unexpected bytes after the abort: {extra:?}");
}

#[tokio::test]
async fn get_values_answers_what_it_knows_and_unknown_types_are_named() {
    let (mut client, _drain) = connect().await;
    let mut asked = BytesMut::new();
    for name in ["FCGI_MAX_CONNS", "FCGI_MPXS_CONNS", "NOT_A_VALUE"] {
        record::encode_pair(&mut asked, name.as_bytes(), b"");
    }
    let mut out = BytesMut::new();
    record::encode_record(&mut out, RecordType::GetValues, 0, &asked);
    record::encode_record(&mut out, RecordType::Other(42), 0, &[]);
    client.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    while got.len() < 2 {
        while let Some(rec) = record::parse_record(&mut buf).unwrap() {
            got.push(rec);
        }
        if got.len() < 2 {
            assert!(client.read_buf(&mut buf).await.unwrap() > 0);
        }
    }
    assert_eq!(got[0].kind, RecordType::GetValuesResult);
    let pairs = record::parse_pairs(&got[0].content).unwrap();
    let names: Vec<&[u8]> = pairs.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(names, [&b"FCGI_MAX_CONNS"[..], b"FCGI_MPXS_CONNS"]);
    assert_eq!(&pairs[1].1[..], b"1");
    assert_eq!(got[1].kind, RecordType::UnknownType);
    assert_eq!(got[1].content[0], 42);
}

#[tokio::test]
async fn without_keep_conn_the_connection_closes_after_the_response() {
    let (mut client, _drain) = connect().await;
    let mut buf = BytesMut::new();
    let (stdout, _) = exchange(&mut client, &mut buf, 1, "/hello", false).await;
    assert_eq!(body_of(&stdout), b"Hello World!");
    assert!(closed(&mut client).await, "the connection stayed open");
}

#[tokio::test]
async fn a_panic_before_the_head_is_a_500_and_the_connection_serves_on() {
    let (mut client, _drain) = connect().await;
    let mut buf = BytesMut::new();
    let (stdout, end) = exchange(&mut client, &mut buf, 1, "/panic", true).await;
    assert!(stdout.starts_with(b"Status: 500 "), "{stdout:?}");
    assert_eq!(&end[..], &COMPLETE);
    let (stdout, _) = exchange(&mut client, &mut buf, 1, "/hello", true).await;
    assert_eq!(body_of(&stdout), b"Hello World!");
}

#[tokio::test]
async fn a_body_failing_midway_cuts_the_connection_without_end_request() {
    let (mut client, _drain) = connect().await;
    let mut out = BytesMut::new();
    get(&mut out, 1, "/fail", true);
    client.write_all(&out).await.unwrap();
    let mut all = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut all))
        .await
        .expect("the connection was cut");
    let mut buf = BytesMut::from(&all[..]);
    while let Some(rec) = record::parse_record(&mut buf).unwrap() {
        assert_ne!(rec.kind, RecordType::EndRequest, "a cut response was ended");
    }
}

#[tokio::test]
async fn a_draining_connection_finishes_its_request_then_closes() {
    let (mut client, drain) = connect().await;
    let mut buf = BytesMut::new();
    let answer = exchange(&mut client, &mut buf, 1, "/slow", true);
    let ((stdout, end), ()) = tokio::join!(answer, async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        drain.send(true).unwrap();
    });
    assert_eq!(body_of(&stdout), b"slow");
    assert_eq!(&end[..], &COMPLETE);
    assert!(
        closed(&mut client).await,
        "the drained connection stayed open"
    );
}

#[tokio::test]
async fn aborting_one_of_two_multiplexed_requests_leaves_the_other_running() {
    for aborted in [1u16, 2] {
        let (mut client, _drain) = connect().await;
        let mut out = BytesMut::new();
        // Request 1 starts alone; request 2 runs beside it.
        get(&mut out, 1, "/slow", true);
        get(&mut out, 2, "/slow", true);
        record::encode_record(&mut out, RecordType::AbortRequest, aborted, &[]);
        client.write_all(&out).await.unwrap();
        let mut buf = BytesMut::new();
        let ends = read_ends(&mut client, &mut buf, 2, |rec| {
            if rec.kind == RecordType::Stdout && !rec.content.is_empty() {
                assert_ne!(rec.request_id, aborted, "the aborted request answered");
            }
        })
        .await;
        let ended: Vec<(u16, u8)> = ends
            .iter()
            .map(|end| (end.request_id, end.content[3]))
            .collect();
        let other = 3 - aborted;
        assert_eq!(ended, [(aborted, 1), (other, 0)], "aborted {aborted}");
    }
}

#[tokio::test]
async fn a_peer_that_stops_sending_mid_request_gets_the_connection_closed() {
    // One request waits for the rest of its body, another for its parameters: once
    // the peer stops sending, neither can complete, and the connection must close
    // instead of waiting for them forever.
    let (mut client, _drain) = connect().await;
    let mut out = BytesMut::new();
    begin_with_params(&mut out, 1, true, ("POST", "/echo", Some(10)));
    record::encode_record(&mut out, RecordType::Params, 1, &[]);
    record::encode_record(&mut out, RecordType::Stdin, 1, b"12345");
    begin_with_params(&mut out, 2, true, ("GET", "/hello", None));
    client.write_all(&out).await.unwrap();
    client.shutdown().await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut rest))
        .await
        .expect("the connection closed")
        .unwrap();
    let mut buf = BytesMut::from(&rest[..]);
    while let Some(rec) = record::parse_record(&mut buf).unwrap() {
        assert_ne!(
            rec.kind,
            RecordType::EndRequest,
            "an incomplete request ended"
        );
    }
}
