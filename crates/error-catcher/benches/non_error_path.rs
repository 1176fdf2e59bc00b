#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items.
//! The non-error path: a hello-world request through the bare app, through each
//! layer alone, through `ErrorDocuments(ErrorCatcher(app))`, and through the
//! catcher serving the documents itself (`ErrorCatcherLayer::error_documents`).
//! The crate's target is a throughput ratio of at least 0.97 for the last two
//! against the bare app, over HTTP through a whole stack (`cargo xtask bench
//! errors`); this bench shows where the instructions go.
//!
//! ```text
//! cargo bench -p gw-error-catcher --bench non_error_path -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! On a loaded machine wall time is noisy; for a load-independent comparison, count
//! instructions instead (`valgrind --tool=callgrind` on the bench binary with
//! `--profile-time 1` and a filter).

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use gw_core::{app_fn, Body, Response};
use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
use http_body_util::BodyExt;
use tower::{Layer, Service, ServiceExt};

/// A browser-like request head, as hyper's read buffer holds it.
const HEAD: &[u8] = b"/hello?name=world\n127.0.0.1:8000\nMozilla/5.0 (X11; Linux x86_64) bench\ntext/html,application/xhtml+xml,*/*;q=0.8\ngzip, deflate, br\nen-US,en;q=0.9\nsession=4f9c2e7a1b";

/// A request built the way hyper builds one: the URI and the header values are
/// slices of one shared buffer, so cloning them is a reference-count increment.
fn request(head: &Bytes) -> http::Request<Body> {
    let mut parts = head.split(|b| *b == b'\n').scan(0, |start, piece| {
        let slice = head.slice(*start..*start + piece.len());
        *start += piece.len() + 1;
        Some(slice)
    });
    let mut next = || parts.next().expect("HEAD has seven lines");
    let mut req = http::Request::new(Body::empty());
    *req.uri_mut() = http::Uri::from_maybe_shared(next()).expect("a valid URI");
    let headers = req.headers_mut();
    for name in [
        http::header::HOST,
        http::header::USER_AGENT,
        http::header::ACCEPT,
        http::header::ACCEPT_ENCODING,
        http::header::ACCEPT_LANGUAGE,
        http::header::COOKIE,
    ] {
        let value = http::HeaderValue::from_maybe_shared(next()).expect("a valid value");
        headers.insert(name, value);
    }
    req
}

async fn one<S, B>(service: &S, head: &Bytes) -> Bytes
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Clone,
    S::Error: std::fmt::Debug,
    B: http_body::Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let res = service.clone().oneshot(request(head)).await.unwrap();
    res.into_body().collect().await.unwrap().to_bytes()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let app = app_fn(|_req: http::Request<Body>| async { Response::html("Hello World!") });
    let catcher = ErrorCatcherLayer::new().layer(app);
    let documents = ErrorDocumentsLayer::new().layer(app);
    let both = ErrorDocumentsLayer::new().layer(ErrorCatcherLayer::new().layer(app));
    let in_one = ErrorCatcherLayer::new()
        .error_documents(ErrorDocumentsLayer::new())
        .layer(app);
    // A buffer read from a socket is heap-allocated, and shared once cloned.
    let head = Bytes::from(HEAD.to_vec());
    let _shared = head.clone();

    let mut group = c.benchmark_group("non_error_path");
    group.bench_function("bare", |b| b.iter(|| runtime.block_on(one(&app, &head))));
    group.bench_function("error_catcher", |b| {
        b.iter(|| runtime.block_on(one(&catcher, &head)))
    });
    group.bench_function("error_documents", |b| {
        b.iter(|| runtime.block_on(one(&documents, &head)))
    });
    group.bench_function("error_catcher_and_documents", |b| {
        b.iter(|| runtime.block_on(one(&both, &head)))
    });
    group.bench_function("error_catcher_with_documents", |b| {
        b.iter(|| runtime.block_on(one(&in_one, &head)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
