//! error-catcher and key-adder behind the real server, over real sockets: what a
//! client actually receives when a response fails before or after its headers.

mod support;

use std::time::Duration;

use gw_core::{app_fn, Body, Environ, Response};
use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
use gw_key_adder::KeyAdderLayer;
use gw_server::Server;
use http::StatusCode;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::{Layer, ServiceBuilder};

/// The helloworld routes this crate pair is responsible for.
async fn app(req: http::Request<Body>) -> Response {
    match req.uri().path() {
        "/environ" => {
            let value = Environ::of(&req)
                .and_then(|e| e.get("test.hello"))
                .unwrap_or("");
            Response::text(value.to_owned())
        }
        "/fail" => panic!("boom from the fail controller"),
        "/fail_late" => {
            let (mut tx, body) = Body::channel();
            tokio::spawn(async move {
                let _ = tx.send("partial").await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                tx.abort("the stream broke").await;
            });
            Response::text(body)
        }
        "/panic_late" => Response::text(Body::new(PanicAfterFirstChunk {
            sent: false,
            // Let the first chunk reach the socket before the panic.
            delay: Box::pin(tokio::time::sleep(Duration::from_millis(20))),
        })),
        _ => Response::text("no such page").with_status(StatusCode::NOT_FOUND),
    }
}

/// A body that sends `partial`, then panics in `poll_frame`.
struct PanicAfterFirstChunk {
    sent: bool,
    delay: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for PanicAfterFirstChunk {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        if !self.sent {
            self.sent = true;
            return std::task::Poll::Ready(Some(Ok(http_body::Frame::data("partial".into()))));
        }
        std::task::ready!(std::future::Future::poll(self.delay.as_mut(), cx));
        panic!("panic while streaming");
    }
}

/// Serves the stack on 127.0.0.1:0; the server stops when the returned sender drops.
async fn serve(debug: bool) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let stack = ServiceBuilder::new()
        .layer(ErrorDocumentsLayer::new())
        .layer(ErrorCatcherLayer::new().debug(debug))
        .layer(KeyAdderLayer::new("test.hello", "Hello World").unwrap())
        .service(app_fn(app));
    let server = Server::bind("127.0.0.1:0").await.unwrap().quiet();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(stack, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// Sends a raw HTTP/1.1 request and reads until the server closes the connection
/// (at most 10 s).
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nAccept: text/html\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0_u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server closed the connection within 10 s");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_body_error_after_the_first_chunk_truncates_the_response_on_the_wire() {
    let (addr, _stop) = serve(true).await;
    for path in ["/fail_late", "/panic_late"] {
        let raw = raw_get(addr, path).await;
        assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{path}: {raw}");
        assert!(
            raw.to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{path}: {raw}"
        );
        assert!(raw.contains("partial"), "{path}: {raw}");
        // A clean chunked body ends with the zero-length chunk; a cut one does not.
        assert!(
            !raw.ends_with("0\r\n\r\n"),
            "{path}: the response ended cleanly: {raw:?}"
        );
        assert!(
            !raw.contains("<html"),
            "{path}: no error page is appended: {raw:?}"
        );
    }
}

#[tokio::test]
async fn an_http_client_sees_the_truncated_body_as_an_error() {
    let (addr, _stop) = serve(false).await;
    let res = support::http1()
        .get(format!("http://{addr}/fail_late").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let err = res.into_body().collect().await;
    assert!(err.is_err(), "the body must not complete cleanly");
}

#[tokio::test]
async fn fail_gives_the_debug_page_in_development_and_a_generic_one_in_production() {
    let (addr, _stop) = serve(true).await;
    let (status, _, body) = support::get(&support::http1(), &format!("http://{addr}/fail")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 500);
    assert!(body.contains("boom from the fail controller"), "{body}");
    assert!(body.contains("Backtrace"), "{body}");

    let (addr, _stop) = serve(false).await;
    let (status, _, body) = support::get(&support::http1(), &format!("http://{addr}/fail")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 500);
    assert!(!body.contains("boom"), "{body}");
    assert!(body.contains("error id"), "{body}");
}

#[tokio::test]
async fn environ_and_unknown_urls_behave_as_in_helloworld() {
    let (addr, _stop) = serve(false).await;
    let client = support::http1();
    let (status, _, body) = support::get(&client, &format!("http://{addr}/environ")).await;
    assert_eq!((status.as_u16(), &body[..]), (200, &b"Hello World"[..]));
    let (status, _, body) = support::get(&client, &format!("http://{addr}/nowhere")).await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("404 Not Found"));
}

#[tokio::test]
async fn both_layers_work_inside_axum_as_layer_and_fallback_service() {
    use axum::routing::get;
    use tower::ServiceExt;

    async fn fail() -> &'static str {
        panic!("boom from an axum handler")
    }
    let app = axum::Router::new()
        .route("/fail", get(fail))
        .route("/hello", get(|| async { "Hello World!" }))
        .fallback_service(ErrorDocumentsLayer::new().layer(app_fn(
            |_req: http::Request<axum::body::Body>| async { StatusCode::NOT_FOUND },
        )))
        .layer(ErrorCatcherLayer::new().debug(false));

    let call = |path: &'static str| {
        let app = app.clone();
        async move {
            let req = http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let (status, body) = call("/hello").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "Hello World!"));
    let (status, body) = call("/fail").await;
    assert_eq!(status, 500);
    assert!(!body.contains("boom"), "{body}");
    let (status, body) = call("/nowhere").await;
    assert_eq!(status, 404);
    assert!(body.contains("404 Not Found"), "{body}");
}
