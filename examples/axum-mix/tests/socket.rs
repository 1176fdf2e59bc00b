//! The mixed app over a real socket, served by `axum::serve`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running server; stops (gracefully) when dropped.
struct Running {
    addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
    _public: tempfile::TempDir,
}

async fn serve() -> Running {
    let public = tempfile::tempdir().unwrap();
    std::fs::write(public.path().join("index.html"), "<h1>static index</h1>").unwrap();
    std::fs::write(public.path().join("style.css"), "body { color: red }").unwrap();
    let app = axum_mix::app(public.path()).unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Running {
        addr,
        _stop: stop,
        _public: public,
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// One HTTP/1.0 request (so the body is delimited by the close, never chunked).
async fn get(addr: SocketAddr, path: &str) -> Reply {
    let exchange = async {
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.0\r\nHost: test\r\n\r\n");
        conn.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        conn.read_to_end(&mut raw).await.unwrap();
        raw
    };
    let raw = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .expect("the server answers");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a full response");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

#[tokio::test]
async fn the_existing_routes_still_answer() {
    let server = serve().await;
    let reply = get(server.addr, "/api/health").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn key_adder_reaches_an_axum_handler_through_the_environ() {
    let server = serve().await;
    let reply = get(server.addr, "/api/hello").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, axum_mix::HELLO_KEY.1);
}

#[tokio::test]
async fn a_panicking_handler_gives_a_generic_500_and_the_server_lives_on() {
    let server = serve().await;
    let reply = get(server.addr, "/api/panic").await;
    assert_eq!(reply.status, 500);
    assert!(
        !reply.body.contains("the /api/panic handler failed"),
        "production pages never show the message: {}",
        reply.body
    );
    assert_eq!(get(server.addr, "/api/health").await.body, "ok");
}

#[tokio::test]
async fn static_files_answer_what_no_route_matched() {
    let server = serve().await;
    let index = get(server.addr, "/").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, "<h1>static index</h1>");
    let css = get(server.addr, "/style.css").await;
    assert_eq!(css.body, "body { color: red }");
    assert!(css.head.contains("content-type: text/css"), "{}", css.head);
    assert!(
        css.head.contains("etag:"),
        "static-files' caching headers: {}",
        css.head
    );
}

#[tokio::test]
async fn a_path_nobody_has_is_404() {
    let server = serve().await;
    assert_eq!(get(server.addr, "/nowhere.html").await.status, 404);
}

#[tokio::test]
async fn rewritten_legacy_routes_win_and_the_rest_fall_through_to_the_legacy_service() {
    let server = serve().await;
    let new = get(server.addr, "/legacy/users").await;
    assert_eq!(new.status, 200);
    assert_eq!(new.body, "users, from the new axum code");
    // axum's `nest_service` strips the prefix before the cascade sees the path.
    let old = get(server.addr, "/legacy/orders/7").await;
    assert_eq!(old.status, 200);
    assert_eq!(old.body, "legacy: /orders/7");
}

#[tokio::test]
async fn a_gateway_controller_is_an_axum_route_service() {
    let server = serve().await;
    let reply = get(server.addr, "/gateway/hello").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "Hello World!"));
    // A Gateway `Response::new` is text, as an axum `String` is.
    assert!(reply
        .head
        .contains("content-type: text/plain; charset=utf-8"));
}

#[tokio::test]
async fn urls_under_axum_nest_service_carry_the_stripped_prefix() {
    let server = serve().await;
    let links = get(server.addr, "/legacy/greet/links").await;
    assert_eq!(
        (links.status, links.body.as_str()),
        (200, "/legacy/greet/show/3")
    );
    // The generated link leads back to the controller, through axum's nest.
    let shown = get(server.addr, &links.body).await;
    assert_eq!((shown.status, shown.body.as_str()), (200, "Hello 3"));
}

#[tokio::test]
async fn a_name_from_the_url_is_answered_as_text_not_markup() {
    let server = serve().await;
    let reply = get(server.addr, "/legacy/greet/show/%3Cb%3Ex%3C%2Fb%3E").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "Hello <b>x</b>"));
    assert!(
        reply
            .head
            .contains("content-type: text/plain; charset=utf-8"),
        "{}",
        reply.head
    );
}
