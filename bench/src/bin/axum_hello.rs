//! `axum-hello PORT`: axum 0.8 `Router` on `axum::serve`, `GET /hello` answers
//! `Hello World!` and `POST /echo` streams the request body back.

use axum::routing::{get, post};

async fn hello() -> axum::response::Html<&'static str> {
    axum::response::Html(gateway_bench::HELLO)
}

async fn echo(body: axum::body::Body) -> axum::body::Body {
    body
}

fn main() {
    let port = gateway_bench::port_arg();
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::tokio_listener(port);
        let app = axum::Router::new()
            .route("/hello", get(hello))
            .route("/echo", post(echo));
        axum::serve(listener, app)
            .await
            .expect("axum::serve failed");
    });
}
