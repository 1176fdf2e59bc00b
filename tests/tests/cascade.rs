//! Cascade over real sockets: body replay for every size, chunked uploads, spill
//! files that vanish however the request ends, 413 over the cap; and axum.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gw_cascade::{cascade, Cascade};
use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body, BoxError, IntoResponse, Response};
use gw_server::Server;
use http::StatusCode;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

mod support;

type Req = http::Request<Body>;
type Log = Arc<Mutex<Vec<(&'static str, Vec<u8>)>>>;

/// A running test server; shut down (and awaited) on drop of the sender.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(mut self) {
        let _ = self.stop.take().map(|tx| tx.send(()));
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
    }
}

async fn serve<S, B>(service: S) -> Running
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .quiet()
        .drain_timeout(Duration::from_secs(2))
        // The replay tests send bodies of many MiB; the cascade's own limits apply.
        .max_request_body(None);
    let addr = server.local_addr();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .serve_with_shutdown(service, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running {
        addr,
        stop: Some(tx),
        task,
    }
}

/// Open descriptors of this process that point into `dir` (spill files are
/// unlinked, so the directory listing alone would always look empty).
fn open_files_in(dir: &Path) -> usize {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_dir("/proc/self/fd")
            .map(|fds| {
                fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                    .filter(|target| target.starts_with(dir))
                    .count()
            })
            .unwrap_or(0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        0
    }
}

/// Waits (at most 10 s) until no spill file is open or named in `dir`.
async fn assert_spill_dir_clean(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_files_in(dir) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        open_files_in(dir),
        0,
        "a spill file is still open in {}",
        dir.display()
    );
    let names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(names.is_empty(), "spill dir not empty: {names:?}");
}

/// A member that reads up to `limit` bytes (all when `None`), logs them under
/// `name`, and answers 404.
fn reader(
    log: &Log,
    name: &'static str,
    limit: Option<usize>,
) -> impl tower::Service<Req, Response = http::Response<Body>, Error = Infallible, Future: Send>
       + Clone
       + Send
       + Sync {
    let log = log.clone();
    app_fn(move |req: Req| {
        let log = log.clone();
        async move {
            let mut body = req.into_body();
            let mut got = Vec::new();
            while limit.is_none_or(|n| got.len() < n) {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        got.extend_from_slice(&frame.into_data().unwrap_or_default())
                    }
                    Some(Err(e)) => {
                        log.lock()
                            .unwrap()
                            .push((name, format!("error: {e}").into_bytes()));
                        return StatusCode::NOT_FOUND.into_response();
                    }
                    None => break,
                }
            }
            log.lock().unwrap().push((name, got));
            StatusCode::NOT_FOUND.into_response()
        }
    })
}

/// The last member: echoes the body and says how many spill files were open.
fn echo(
    spill_dir: &Path,
) -> impl tower::Service<Req, Response = http::Response<Body>, Error = Infallible, Future: Send>
       + Clone
       + Send
       + Sync {
    let dir = spill_dir.to_path_buf();
    app_fn(move |req: Req| {
        let dir = dir.clone();
        async move {
            let mut stream = req.into_body();
            let mut body = Vec::new();
            while let Some(frame) = stream.frame().await {
                match frame {
                    Ok(frame) => body.extend_from_slice(&frame.into_data().unwrap_or_default()),
                    Err(e) => {
                        return Response::text(format!("error: {e}"))
                            .with_status(StatusCode::BAD_REQUEST)
                            .into_http()
                    }
                }
            }
            // Counted while the body, and so its spill file, is still alive.
            let open = open_files_in(&dir);
            drop(stream);
            Response::new(body)
                .header(
                    http::HeaderName::from_static("x-spill-open"),
                    http::HeaderValue::from(open),
                )
                .into_http()
        }
    })
}

struct RawResponse {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

/// Sends one HTTP/1.1 request over a fresh connection and reads the response to EOF.
/// With `chunk`, the body goes out in chunked encoding, `chunk` bytes per chunk.
async fn raw_request(
    addr: SocketAddr,
    path: &str,
    body: &[u8],
    chunk: Option<usize>,
) -> RawResponse {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    match chunk {
        None => head.push_str(&format!("content-length: {}\r\n\r\n", body.len())),
        Some(_) => head.push_str("transfer-encoding: chunked\r\n\r\n"),
    }
    let body = body.to_vec();
    // Write while reading, so an early answer (413) is never stuck behind the upload.
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        match chunk {
            None => write.write_all(&body).await?,
            Some(size) => {
                for part in body.chunks(size) {
                    write
                        .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                        .await?;
                    write.write_all(part).await?;
                    write.write_all(b"\r\n").await?;
                }
                write.write_all(b"0\r\n\r\n").await?;
            }
        }
        write.flush().await?;
        Ok::<_, std::io::Error>(write)
    });
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), read.read_to_end(&mut raw))
        .await
        .expect("the response arrives within 60 s")
        .expect("reading the response");
    let _ = writer.await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&raw)));
    let headers = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = headers[9..12].parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if headers.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).unwrap().trim(), 16)
            .unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Members: all-reader, non-reader, half-reader, then the echo.
async fn replay_server(spill: &Path, log: &Log, half: usize) -> Running {
    serve(
        cascade!(
            reader(log, "all", None),
            reader(log, "none", Some(0)),
            reader(log, "half", Some(half)),
            echo(spill)
        )
        .spill_dir(spill)
        .replay_limit(32 << 20),
    )
    .await
}

#[tokio::test]
async fn every_reading_member_gets_identical_bytes_for_every_size() {
    const KIB64: usize = 64 * 1024;
    for len in [0, 10, KIB64 - 1, KIB64, KIB64 + 1, 10 << 20] {
        let spill = tempfile::tempdir().unwrap();
        let log = Log::default();
        let server = replay_server(spill.path(), &log, len / 2).await;
        let sent = pattern(len);
        let res = raw_request(server.addr, "/echo", &sent, None).await;
        assert_eq!(res.status, 200, "len {len}: {}", res.headers);
        assert!(
            res.body == sent,
            "len {len}: the echo differs ({} bytes back)",
            res.body.len()
        );
        let spilled: usize = res
            .headers
            .lines()
            .find_map(|l| l.strip_prefix("x-spill-open: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            spilled > 0,
            len > KIB64,
            "len {len}: spill files open during the last member"
        );
        {
            let log = log.lock().unwrap();
            let names: Vec<_> = log.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, ["all", "none", "half"], "len {len}");
            assert!(
                log[0].1 == sent,
                "len {len}: the first member's bytes differ"
            );
            assert!(log[1].1.is_empty(), "len {len}");
            assert!(
                log[2].1.len() >= len / 2 && sent.starts_with(&log[2].1),
                "len {len}"
            );
        }
        server.stop().await;
        assert_spill_dir_clean(spill.path()).await;
    }
}

#[tokio::test]
async fn a_chunked_upload_without_content_length_is_replayed() {
    let spill = tempfile::tempdir().unwrap();
    let log = Log::default();
    let server = replay_server(spill.path(), &log, 100_000).await;
    for (len, chunk) in [(5, 1), (200_000, 7_001), (3 << 20, 65_536)] {
        log.lock().unwrap().clear();
        let sent = pattern(len);
        let res = raw_request(server.addr, "/echo", &sent, Some(chunk)).await;
        assert_eq!(res.status, 200, "len {len}: {}", res.headers);
        assert!(res.body == sent, "len {len}: the echo differs");
        assert!(log.lock().unwrap()[0].1 == sent, "len {len}");
    }
    server.stop().await;
    assert_spill_dir_clean(spill.path()).await;
}

#[tokio::test]
async fn a_body_over_the_replay_limit_gets_413_and_leaves_no_spill_file() {
    let spill = tempfile::tempdir().unwrap();
    let log = Log::default();
    let server = serve(
        cascade!(reader(&log, "all", None), echo(spill.path()))
            .spill_dir(spill.path())
            .replay_limit(1 << 20),
    )
    .await;
    let res = raw_request(server.addr, "/echo", &pattern((1 << 20) + 1), None).await;
    assert_eq!(res.status, 413, "{}", res.headers);
    assert!(res
        .headers
        .contains("content-type: text/plain; charset=utf-8"));
    let text = String::from_utf8_lossy(&res.body);
    assert!(text.contains("larger than 1048576 bytes"), "{text}");
    server.stop().await;
    assert_spill_dir_clean(spill.path()).await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_no_spill_file() {
    let spill = tempfile::tempdir().unwrap();
    let log = Log::default();
    let server =
        serve(cascade!(reader(&log, "all", None), echo(spill.path())).spill_dir(spill.path()))
            .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 10485760\r\n\r\n")
        .await
        .unwrap();
    stream.write_all(&pattern(1 << 20)).await.unwrap();
    // Wait until the first member has spilled, then vanish.
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_files_in(spill.path()) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        open_files_in(spill.path()) > 0,
        "the upload spilled before the disconnect"
    );
    drop(stream);
    assert_spill_dir_clean(spill.path()).await;
    server.stop().await;
}

#[tokio::test]
async fn a_member_that_panics_after_a_spill_leaves_no_spill_file() {
    let spill = tempfile::tempdir().unwrap();
    let log = Log::default();
    let boom = app_fn(|_req: Req| async {
        if true {
            panic!("member panicked on purpose");
        }
        StatusCode::OK
    });
    let server = serve(cascade!(reader(&log, "all", None), boom).spill_dir(spill.path())).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 1048576\r\n\r\n")
        .await
        .unwrap();
    write.write_all(&pattern(1 << 20)).await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut rest)).await;
    assert!(!String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"));
    assert_eq!(
        log.lock().unwrap()[0].1.len(),
        1 << 20,
        "the first member read (and spilled) it all"
    );
    assert_spill_dir_clean(spill.path()).await;
    server.stop().await;
}

#[tokio::test]
async fn an_upload_only_the_last_member_reads_is_never_copied() {
    let spill = tempfile::tempdir().unwrap();
    let log = Log::default();
    // A tiny cap: it would be hit at once if the body were recorded.
    let server = serve(
        cascade!(reader(&log, "none", Some(0)), echo(spill.path()))
            .spill_dir(spill.path())
            .replay_limit(16)
            .replay_threshold(16),
    )
    .await;
    let sent = pattern(2 << 20);
    let res = raw_request(server.addr, "/upload", &sent, None).await;
    assert_eq!(res.status, 200);
    assert!(res.body == sent);
    assert!(res.headers.contains("x-spill-open: 0"));
    server.stop().await;
}

#[tokio::test]
async fn replay_works_over_h2c_too() {
    let spill = tempfile::tempdir().unwrap();
    let log = Log::default();
    let server = replay_server(spill.path(), &log, 1000).await;
    let sent = pattern(300 * 1024);
    let req = http::Request::post(format!("http://{}/echo", server.addr))
        .body(http_body_util::Full::new(Bytes::from(sent.clone())))
        .unwrap();
    let res = support::h2c().request(req).await.unwrap();
    assert_eq!(res.version(), http::Version::HTTP_2);
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(body == sent, "the echo differs over h2c");
    assert!(log.lock().unwrap()[0].1 == sent);
    server.stop().await;
    assert_spill_dir_clean(spill.path()).await;
}

// ---- axum ----

#[tokio::test]
async fn an_axum_router_is_a_cascade_member_and_reads_the_replayed_body() {
    use axum::routing::{get, post};
    let router = axum::Router::new()
        .route("/api", get(|| async { "from axum" }))
        .route(
            "/upload",
            post(|body: String| async move { format!("axum got {body}") }),
        );
    let log = Log::default();
    let files = {
        let log = log.clone();
        app_fn(move |req: Req| {
            let log = log.clone();
            async move {
                if req.uri().path() == "/index.html" {
                    return Response::html("index").into_http();
                }
                let body = req.into_body().collect().await.unwrap().to_bytes();
                log.lock().unwrap().push(("files", body.to_vec()));
                StatusCode::NOT_FOUND.into_response()
            }
        })
    };
    let client = TestClient::new(cascade!(files, router));
    client.get("/index.html").send().await.assert_body("index");
    client
        .get("/api")
        .send()
        .await
        .assert_status(200)
        .assert_body("from axum");
    client
        .post("/upload")
        .body("payload")
        .send()
        .await
        .assert_body("axum got payload");
    assert_eq!(log.lock().unwrap().last().unwrap().1, b"payload");
    // axum's own 404 for an unknown path is the last response, sent as it is.
    client.get("/nowhere").send().await.assert_status(404);
}

#[tokio::test]
async fn a_cascade_is_an_axum_fallback_service() {
    use axum::routing::get;
    let public = app_fn(|req: Req| async move {
        match req.uri().path() {
            "/index.html" => Response::html("static index").into_http(),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    });
    let assets = app_fn(|req: Req| async move {
        match req.uri().path() {
            "/javascripts/helpers.js" => Response::new("// helpers").into_http(),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    });
    let echo = app_fn(|req: Req| async move {
        let body = req.into_body().collect().await.unwrap().to_bytes();
        Response::text(body)
    });
    let app = axum::Router::new()
        .route("/hello", get(|| async { "Hello World!" }))
        .fallback_service(cascade!(public, assets, echo));

    let client = TestClient::new(app.clone());
    client
        .get("/hello")
        .send()
        .await
        .assert_body("Hello World!");
    client
        .get("/index.html")
        .send()
        .await
        .assert_body("static index");
    client
        .get("/javascripts/helpers.js")
        .send()
        .await
        .assert_body("// helpers");
    client
        .post("/echo")
        .body("round trip")
        .send()
        .await
        .assert_body("round trip");

    // And the same app over a socket, with a body large enough to spill.
    let server = serve(app).await;
    let sent = pattern(300 * 1024);
    let res = raw_request(server.addr, "/echo", &sent, Some(10_000)).await;
    assert_eq!(res.status, 200);
    assert!(res.body == sent);
    server.stop().await;
}

#[tokio::test]
async fn a_dynamic_cascade_serves_over_a_socket() {
    let spill = tempfile::tempdir().unwrap();
    let swallow = app_fn(|req: http::Request<Body>| async move {
        let _ = req.into_body().collect().await;
        StatusCode::NOT_FOUND
    });
    let echo = app_fn(|req: http::Request<Body>| async move {
        Response::text(req.into_body().collect().await.unwrap().to_bytes())
    });
    let settings = gw_core::Settings::from_pairs([
        ("catch", "404 405"),
        ("replay_threshold", "4KiB"),
        ("spill_dir", spill.path().to_str().unwrap()),
    ]);
    let cascade = Cascade::from_settings(
        &settings,
        [gw_core::BoxApp::new(swallow), gw_core::BoxApp::new(echo)],
    )
    .unwrap();
    let server = serve(cascade).await;
    let sent = pattern(100_000);
    let res = raw_request(server.addr, "/echo", &sent, None).await;
    assert_eq!(res.status, 200);
    assert!(res.body == sent);
    server.stop().await;
    assert_spill_dir_clean(spill.path()).await;
}

/// GETs the public directory's `index.html` (`<h1>public</h1>`) and its large
/// `big.bin` (`big`), both answered by the file server.
async fn assert_public_files(client: &support::Client, index: &str, large: &str, big: &[u8]) {
    let (status, _, body) = support::get(client, index).await;
    assert_eq!(
        (status, &body[..]),
        (StatusCode::OK, &b"<h1>public</h1>"[..])
    );
    let (status, _, body) = support::get(client, large).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == big, "the large file arrives whole");
}

/// A config-built (dynamic) cascade whose file server is boxed with its probe
/// (`BoxApp::probing`, as the deploy `static_files` factory does), over a real
/// socket: a hit from memory, a large file from disk (a probe that waits), a miss
/// on to the app, a file deleted since the scan (a late 404) on to the app, and a
/// POST that the file server refuses with 405 (caught here) replayed whole to the
/// app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_built_cascade_lends_requests_to_its_file_server_over_a_socket() {
    let public = tempfile::tempdir().unwrap();
    std::fs::write(public.path().join("index.html"), "<h1>public</h1>").unwrap();
    let big = pattern(200 * 1024);
    std::fs::write(public.path().join("big.bin"), &big).unwrap();
    let files = gw_static_files::StaticFiles::new(public.path()).unwrap();
    let echo = app_fn(|req: http::Request<Body>| async move {
        let head = format!("{} {} ", req.method(), req.uri());
        let body = req.into_body().collect().await.unwrap().to_bytes();
        Response::text(format!("app: {head}{}", body.len()))
    });
    let settings = gw_core::Settings::from_pairs([("catch", "404 405")]);
    let members = [gw_core::BoxApp::probing(files), gw_core::BoxApp::new(echo)];
    let running = serve(Cascade::from_settings(&settings, members).unwrap()).await;
    let client = support::http1();
    let url = |path: &str| format!("http://{}{path}", running.addr);

    assert_public_files(&client, &url("/index.html"), &url("/big.bin"), &big).await;
    let (status, _, body) = support::get(&client, &url("/hello?x=1")).await;
    assert_eq!(
        (status, &body[..]),
        (StatusCode::OK, &b"app: GET /hello?x=1 0"[..])
    );
    std::fs::remove_file(public.path().join("big.bin")).unwrap();
    let (status, _, body) = support::get(&client, &url("/big.bin")).await;
    assert_eq!(
        (status, &body[..]),
        (StatusCode::OK, &b"app: GET /big.bin 0"[..])
    );
    let sent = pattern(100_000);
    let res = raw_request(running.addr, "/index.html", &sent, None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, b"app: POST /index.html 100000");
    running.stop().await;
}

/// helloworld's `Cascade([public, embedded, router])`, its file servers on the
/// borrowed-request fast path (`Probing`), over a real socket: hits from memory and
/// from disk, a miss on to the embedded assets and to the router, a file deleted
/// since the scan (a late 404) on to the router, HEAD, and a body replayed to
/// `/echo` after both probed members declined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helloworld_serves_through_the_probed_file_servers() {
    let public = tempfile::tempdir().unwrap();
    std::fs::write(public.path().join("index.html"), "<h1>public</h1>").unwrap();
    let big: Vec<u8> = pattern(200 * 1024);
    std::fs::write(public.path().join("big.bin"), &big).unwrap();
    // Shadows the router's /hello until it is deleted; too large for the memory
    // cache, so it is opened (and found missing) in the probe's future.
    std::fs::write(public.path().join("hello"), pattern(100 * 1024)).unwrap();

    let settings = gw_core::Settings::from_pairs([("public_dir", public.path().to_str().unwrap())]);
    let app = helloworld::config::middleware::make_app(&settings).unwrap();
    let running = serve(app).await;
    let client = support::http1();
    let url = |path: &str| format!("http://{}{path}", running.addr);

    assert_public_files(&client, &url("/"), &url("/big.bin"), &big).await;
    let (status, _, body) = support::get(&client, &url("/javascripts/helpers.js")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, support::stack::helpers_js());
    let (status, _, body) = support::get(&client, &url("/hello")).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 100 * 1024));

    std::fs::remove_file(public.path().join("hello")).unwrap();
    let (status, _, body) = support::get(&client, &url("/hello")).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"Hello World!"[..]));

    let head = client
        .request(
            http::Request::head(url("/"))
                .body(http_body_util::Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], "15");
    let head_body = head.into_body().collect().await.unwrap().to_bytes();
    assert!(head_body.is_empty());

    let upload = pattern(100 * 1024 + 3);
    let echoed = raw_request(running.addr, "/echo", &upload, Some(7000)).await;
    assert_eq!(echoed.status, 200, "{}", echoed.headers);
    assert!(
        echoed.body == upload,
        "/echo answers the body byte for byte"
    );
    running.stop().await;
}
