//! The cost of serving through `SharedApp` (the reloadable stack) instead of the
//! boxed stack itself: one atomic load and two reference-count bumps per request.
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items.

use criterion::{criterion_group, criterion_main, Criterion};
use gw_core::{app_fn, Body};
use gw_server::deploy::{BoxApp, SharedApp};
use tower::ServiceExt;

fn hello() -> BoxApp {
    BoxApp::new(app_fn(|_req: http::Request<Body>| async { "Hello World!" }))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let direct = hello();
    let shared = SharedApp::new(hello());
    let mut group = c.benchmark_group("request");
    group.bench_function("boxed stack", |b| {
        b.iter(|| {
            runtime
                .block_on(direct.clone().oneshot(http::Request::new(Body::empty())))
                .unwrap()
        })
    });
    group.bench_function("shared (reloadable) stack", |b| {
        b.iter(|| {
            runtime
                .block_on(shared.clone().oneshot(http::Request::new(Body::empty())))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
