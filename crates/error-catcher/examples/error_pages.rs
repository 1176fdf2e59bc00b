//! A small server that shows the error pages, for a browser or for the screenshot
//! script (`scripts/screenshots.sh`).
//!
//! ```text
//! cargo run -p gw-error-catcher --example error_pages -- 127.0.0.1:8077
//! ```
//!
//! - `/debug/fail`: a controller panics; the debug page (development).
//! - `/production/fail`: the same panic; the generic page (production).
//! - `/debug/missing`, `/production/missing`: a 404 error document.
//!
//! To show redaction, every request gets a demo `Cookie` and `Authorization` header
//! and a secret environ key before it reaches the stack.
//!
//! It serves with hyper-util directly, as this crate cannot depend on
//! gw-server.

use std::net::SocketAddr;

use gw_core::{app_fn, Body, Environ, EnvironKey, Response};
use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
use http::{HeaderValue, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::{Layer, ServiceExt};

struct Order {
    id: u32,
    lines: Vec<u32>,
}

fn load_order(id: u32) -> Order {
    Order {
        id,
        lines: Vec::new(),
    }
}

/// The "controller" that fails, as user code would: several frames deep.
fn order_total(order: &Order) -> u32 {
    let first = order.lines.first().copied();
    let first = first.unwrap_or_else(|| {
        panic!(
            "boom from the fail controller (order {} has no lines)",
            order.id
        )
    });
    first + order.lines.iter().skip(1).sum::<u32>()
}

async fn controller(req: http::Request<Body>) -> Response {
    let path = req.uri().path();
    if path.ends_with("/fail") {
        let total = order_total(&load_order(42));
        return Response::text(format!("total: {total}"));
    }
    if path.ends_with("/hello") {
        return Response::html("Hello World!");
    }
    Response::text("no such page").with_status(StatusCode::NOT_FOUND)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8077".to_owned())
        .parse()?;

    let stack = |debug: bool| {
        let catcher = ErrorCatcherLayer::new().debug(debug);
        ErrorDocumentsLayer::new().layer(catcher.layer(app_fn(controller)))
    };
    let debug = stack(true);
    let production = stack(false);
    let hello = EnvironKey::new("test.hello")?;
    let secret = EnvironKey::new("beaker.session.secret")?;

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("serving on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let (debug, production) = (debug.clone(), production.clone());
        let (hello, secret) = (hello.clone(), secret.clone());
        let service = tower::service_fn(move |req: http::Request<hyper::body::Incoming>| {
            let (debug, production) = (debug.clone(), production.clone());
            let (hello, secret) = (hello.clone(), secret.clone());
            async move {
                let (mut parts, body) = req.into_parts();
                // Demo secrets, to show that the debug page redacts them.
                parts
                    .headers
                    .insert("cookie", HeaderValue::from_static("session=4f9c2e7a1b"));
                parts.headers.insert(
                    "authorization",
                    HeaderValue::from_static("Bearer eyJhbGciOi"),
                );
                let mut req = http::Request::from_parts(parts, Body::new(body));
                let env = Environ::of_mut(&mut req);
                env.insert(hello, "Hello World");
                env.insert(secret, "s3cr3t");
                // Both stacks are infallible: errors are 500 pages.
                let res = if req.uri().path().starts_with("/debug/") {
                    debug.oneshot(req).await.map(|res| res.map(Body::new))
                } else {
                    production.oneshot(req).await.map(|res| res.map(Body::new))
                };
                res
            }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .await;
        });
    }
}
