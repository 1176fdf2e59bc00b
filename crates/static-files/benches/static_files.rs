#![allow(missing_docs)]
//! In-process cost of a hit (1 KiB, 64 KiB) and a miss: static-files against
//! tower-http's ServeDir. Run with
//! `cargo bench -p gw-static-files -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use http_body_util::{BodyExt, Empty};
use tower::ServiceExt;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("1k.txt"), vec![b'a'; 1024]).unwrap();
    std::fs::write(dir.path().join("64k.bin"), vec![b'b'; 64 * 1024]).unwrap();
    std::fs::write(dir.path().join("1m.bin"), vec![b'c'; 1024 * 1024]).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let ours = gw_static_files::StaticFiles::new(dir.path()).unwrap();
    let theirs = tower_http::services::ServeDir::new(dir.path());

    let req = |uri: &str| http::Request::get(uri).body(Empty::<Bytes>::new()).unwrap();

    for (name, uri) in [
        ("hit_1k", "/1k.txt"),
        ("hit_64k", "/64k.bin"),
        ("hit_1m", "/1m.bin"),
        ("miss", "/nope/missing.js"),
    ] {
        let mut group = c.benchmark_group(name);
        group.bench_function("static-files", |b| {
            b.to_async(&rt).iter(|| {
                let svc = ours.clone();
                let r = req(uri);
                async move {
                    let res = svc.oneshot(r).await.unwrap();
                    black_box(res.into_body().collect().await.unwrap().to_bytes())
                }
            })
        });
        group.bench_function("tower-http ServeDir", |b| {
            b.to_async(&rt).iter(|| {
                let svc = theirs.clone();
                let r = req(uri);
                async move {
                    let res = svc.oneshot(r).await.unwrap();
                    black_box(res.into_body().collect().await.unwrap().to_bytes())
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
