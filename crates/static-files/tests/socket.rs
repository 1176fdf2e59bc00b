//! `StaticFiles` behind a real hyper server on 127.0.0.1, wrapped in Lint, fed
//! hyper's `Incoming` bodies; requests are written as raw bytes so that paths the
//! `http` crate would refuse to build still reach the server.

use std::net::SocketAddr;
use std::time::Duration;

use gw_core::lint::LintLayer;
use gw_static_files::{Embedded, StaticFiles};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::{Layer, ServiceExt};

async fn serve<S>(service: S) -> SocketAddr
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<gw_core::Body>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = LintLayer::strict().layer(service);
    tokio::spawn(async move {
        // Bounded: the test runtime ends, and with it this loop.
        while let Ok((stream, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| service.clone().oneshot(req));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

/// Sends one raw request with `Connection: close` and returns the whole answer.
async fn raw(addr: SocketAddr, request_line_and_headers: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let req = format!("{request_line_and_headers}\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out))
        .await
        .expect("the answer arrives within 30 s")
        .unwrap();
    out
}

fn split(answer: &[u8]) -> (String, &[u8]) {
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    (
        String::from_utf8_lossy(&answer[..at]).to_lowercase(),
        &answer[at + 4..],
    )
}

fn tree() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("public");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(outer.path().join("secret.txt"), "TOP SECRET").unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("sub/a.txt"), "A").unwrap();
    let big: Vec<u8> = (0..3 * 1024 * 1024 + 5).map(|i| (i % 253) as u8).collect();
    std::fs::write(root.join("big.bin"), &big).unwrap();
    (outer, root, big)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_traversal_requests_over_a_socket_never_escape() {
    let (_outer, root, _) = tree();
    let addr = serve(StaticFiles::new(&root).unwrap()).await;
    for target in [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/sub/..%2f..%2fsecret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..\\secret.txt",
        "/sub/..%5c..%5csecret.txt",
        "/secret.txt%00.html",
    ] {
        let answer = raw(addr, &format!("GET {target} HTTP/1.1")).await;
        let (head, body) = split(&answer);
        assert!(
            head.starts_with("http/1.1 404") || head.starts_with("http/1.1 400"),
            "{target}: {head}"
        );
        assert!(!body.windows(10).any(|w| w == b"TOP SECRET"), "{target}");
        assert!(
            !String::from_utf8_lossy(body).contains("public"),
            "{target}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_arrives_whole_and_in_ranges_over_a_socket() {
    let (_outer, root, big) = tree();
    let addr = serve(StaticFiles::new(&root).unwrap()).await;
    let answer = raw(addr, "GET /big.bin HTTP/1.1").await;
    let (head, body) = split(&answer);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains(&format!("content-length: {}", big.len())),
        "{head}"
    );
    assert!(
        body == big.as_slice(),
        "body differs ({} bytes)",
        body.len()
    );

    let answer = raw(addr, "GET /big.bin HTTP/1.1\r\nRange: bytes=-1000").await;
    let (head, body) = split(&answer);
    assert!(head.starts_with("http/1.1 206"), "{head}");
    assert_eq!(body, &big[big.len() - 1000..]);

    let answer = raw(addr, "HEAD /big.bin HTTP/1.1").await;
    let (head, body) = split(&answer);
    assert!(
        head.contains(&format!("content-length: {}", big.len())),
        "{head}"
    );
    assert!(body.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_redirect_and_embedded_assets_over_a_socket() {
    let (_outer, root, _) = tree();
    let addr = serve(StaticFiles::new(&root).unwrap()).await;
    let (head, _) = split(&raw(addr, "GET /sub?x=1 HTTP/1.1").await);
    assert!(head.starts_with("http/1.1 301"), "{head}");
    assert!(head.contains("location: /sub/?x=1"), "{head}");
    let answer = raw(addr, "POST /index.html HTTP/1.1\r\nContent-Length: 0").await;
    let (head, _) = split(&answer);
    assert!(head.starts_with("http/1.1 405"), "{head}");
    assert!(head.contains("allow: get, head"), "{head}");

    let assets = Embedded::new().file("javascripts/helpers.js", b"// helpers\n");
    let addr = serve(assets).await;
    let answer = raw(addr, "GET /javascripts/helpers.js HTTP/1.1").await;
    let (head, body) = split(&answer);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, b"// helpers\n");
}
