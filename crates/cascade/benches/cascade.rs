//! Cascade overhead, in process, against the member called directly.
//!
//! - `first_hit`: the first of two members answers (the "static file found" case),
//!   as a plain member (`cascade`) and on the borrowed-request fast path
//!   (`probed`: `cascade!(Probing(Hello), Miss)`, `Hello` implementing `Probe`).
//! - `third_hit`: two members miss cheaply (404, empty body), the third answers;
//!   plain, and with the two misses probed (`Probed::Miss`, no 404 built).
//! - `body_through_a_miss`: a 1 KiB POST; the first member misses without reading,
//!   the second reads the body.
//!
//! After criterion's report, a short best-of-rounds timing prints each case's
//! ratio to the direct call. Run: `cargo bench -p gw-cascade --bench cascade -- --warm-up-time 1 --measurement-time 3`.

// criterion_group! defines an undocumented function.
#![allow(missing_docs)]

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::hint::black_box;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, BatchSize, Criterion};
use futures_util::FutureExt;
use gw_cascade::members::{Last, Or};
use gw_cascade::{cascade, Cascade, Probing};
use gw_core::{Body, IntoResponse, Probe, Probed, Response};
use http::StatusCode;
use http_body_util::BodyExt;
use tower_service::Service;

/// A small controller: `Hello World!` as text/html.
#[derive(Clone, Copy)]
struct Hello;

impl<B> Service<http::Request<B>> for Hello {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _req: http::Request<B>) -> Self::Future {
        ready(Ok(Response::html("Hello World!").into_http()))
    }
}

/// The same answer from a borrowed request: a hit costs the cascade no head copy.
impl<B> Probe<http::Request<B>> for Hello {
    #[inline]
    fn probe(&mut self, _req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
        Probed::Ready(Response::html("Hello World!").into_http())
    }
}

/// A cheap miss: 404 with an empty body and no header.
#[derive(Clone, Copy)]
struct Miss;

impl<B> Service<http::Request<B>> for Miss {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _req: http::Request<B>) -> Self::Future {
        ready(Ok(StatusCode::NOT_FOUND.into_response()))
    }
}

/// Probed, a miss builds nothing at all.
impl<B> Probe<http::Request<B>> for Miss {
    #[inline]
    fn probe(&mut self, _req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
        Probed::Miss
    }
}

/// Reads the whole body, then answers with its length.
#[derive(Clone, Copy)]
struct Reader;

impl<B> Service<http::Request<B>> for Reader
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::fmt::Debug,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<http::Response<Body>, Infallible>> + Send>,
    >;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        Box::pin(async move {
            let n = req.into_body().collect().await.unwrap().to_bytes().len();
            Ok(Response::text(n.to_string()).into_http())
        })
    }
}

/// A browser-like GET.
fn get() -> http::Request<Body> {
    http::Request::builder()
        .uri("/hello?name=world")
        .header("host", "localhost:8000")
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
        )
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .header("accept-language", "en-US,en;q=0.5")
        .header("accept-encoding", "gzip, deflate, br")
        .header("connection", "keep-alive")
        .body(Body::empty())
        .unwrap()
}

/// The same GET as hyper hands it over: URI and header values are slices of the
/// shared read buffer, so cloning them bumps a reference count instead of copying.
fn get_from_wire() -> http::Request<Body> {
    let wire = Bytes::from(
        get()
            .headers()
            .iter()
            .map(|(_, v)| v.as_bytes())
            .collect::<Vec<_>>()
            .join(&b'\n'),
    );
    let mut builder = http::Request::builder()
        .uri(http::Uri::from_maybe_shared(Bytes::from_static(b"/hello?name=world")).unwrap());
    let mut at = 0;
    for (name, value) in get().headers() {
        let len = value.len();
        let shared = http::HeaderValue::from_maybe_shared(wire.slice(at..at + len)).unwrap();
        builder = builder.header(name, shared);
        at += len + 1;
    }
    builder.body(Body::empty()).unwrap()
}

/// A GET with no header at all: what is left is the cascade's own machinery.
fn bare() -> http::Request<Body> {
    let mut req = http::Request::new(Body::empty());
    *req.uri_mut() = http::Uri::from_static("/hello");
    req
}

fn post() -> http::Request<Body> {
    let (mut parts, _) = get().into_parts();
    parts.method = http::Method::POST;
    parts
        .headers
        .insert("content-length", "1024".parse().unwrap());
    http::Request::from_parts(parts, Body::from(vec![b'x'; 1024]))
}

fn call<S>(service: &mut S, req: http::Request<Body>) -> S::Response
where
    S: Service<http::Request<Body>>,
    S::Error: std::fmt::Debug,
{
    service
        .call(req)
        .now_or_never()
        .expect("ready at once")
        .unwrap()
}

fn call_read<S, RB>(service: &mut S, req: http::Request<Body>) -> Bytes
where
    S: Service<http::Request<Body>, Response = http::Response<RB>>,
    S::Error: std::fmt::Debug,
    RB: http_body::Body<Data = Bytes>,
    RB::Error: std::fmt::Debug,
{
    let res = call(service, req);
    res.into_body()
        .collect()
        .now_or_never()
        .unwrap()
        .unwrap()
        .to_bytes()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("first_hit");
    group.bench_function("direct", |b| {
        let mut s = Hello;
        b.iter_batched(get, |req| call(&mut s, req), BatchSize::SmallInput)
    });
    group.bench_function("cascade", |b| {
        let mut s = cascade!(Hello, Miss);
        b.iter_batched(get, |req| call(&mut s, req), BatchSize::SmallInput)
    });
    group.bench_function("probed", |b| {
        let mut s = cascade!(Probing(Hello), Miss);
        b.iter_batched(get, |req| call(&mut s, req), BatchSize::SmallInput)
    });
    group.finish();

    let mut group = c.benchmark_group("third_hit");
    group.bench_function("direct", |b| {
        let mut s = Hello;
        b.iter_batched(get, |req| call(&mut s, req), BatchSize::SmallInput)
    });
    group.bench_function("cascade", |b| {
        let mut s = cascade!(Miss, Miss, Hello);
        b.iter_batched(get, |req| call(&mut s, req), BatchSize::SmallInput)
    });
    group.bench_function("probed", |b| {
        let mut s = cascade!(Probing(Miss), Probing(Miss), Hello);
        b.iter_batched(get, |req| call(&mut s, req), BatchSize::SmallInput)
    });
    group.finish();

    let mut group = c.benchmark_group("body_through_a_miss");
    group.bench_function("direct", |b| {
        let mut s = Reader;
        b.iter_batched(post, |req| call_read(&mut s, req), BatchSize::SmallInput)
    });
    group.bench_function("cascade", |b| {
        let mut s = cascade!(Miss, Reader);
        b.iter_batched(post, |req| call_read(&mut s, req), BatchSize::SmallInput)
    });
    group.finish();
}

/// Best-of-rounds nanoseconds per call, requests built outside the timed loop.
fn time<F: FnMut(http::Request<Body>)>(make: fn() -> http::Request<Body>, mut f: F) -> f64 {
    const BATCH: usize = 2_000;
    let mut best = f64::MAX;
    let until = Instant::now() + Duration::from_millis(600);
    while Instant::now() < until {
        let reqs: Vec<_> = (0..BATCH).map(|_| make()).collect();
        let start = Instant::now();
        for req in reqs {
            f(black_box(req));
        }
        best = best.min(start.elapsed().as_nanos() as f64 / BATCH as f64);
    }
    best
}

fn ratios() {
    println!("\nratios to the member called directly (best of rounds, ns per call):");
    let report = |name: &str, direct: f64, cascade: f64| {
        println!(
            "  {name:<22} direct {direct:>7.1} ns   cascade {cascade:>7.1} ns   ratio {:.3} ({:+.1}%)",
            cascade / direct,
            (cascade / direct - 1.0) * 100.0
        );
    };
    let (mut hello, mut first) = (Hello, cascade!(Hello, Miss));
    let direct = time(get, |r| drop(call(&mut hello, r)));
    let through = time(get, |r| drop(call(&mut first, r)));
    report("first_hit", direct, through);

    let direct = time(get_from_wire, |r| drop(call(&mut hello, r)));
    let through = time(get_from_wire, |r| drop(call(&mut first, r)));
    report("first_hit (wire GET)", direct, through);
    let direct = time(bare, |r| drop(call(&mut hello, r)));
    let through = time(bare, |r| drop(call(&mut first, r)));
    report("first_hit (bare GET)", direct, through);
    let clone = time(get, |r| drop(black_box(r.into_parts().0.clone())));
    let wire_clone = time(get_from_wire, |r| drop(black_box(r.into_parts().0.clone())));
    println!("  of which cloning the request head: {clone:.1} ns (wire GET: {wire_clone:.1} ns)");

    let mut probed = cascade!(Probing(Hello), Miss);
    for (name, make) in [
        ("probed first_hit", get as fn() -> http::Request<Body>),
        ("probed first_hit (wire)", get_from_wire),
        ("probed first_hit (bare)", bare),
    ] {
        let direct = time(make, |r| drop(call(&mut hello, r)));
        let through = time(make, |r| drop(call(&mut probed, r)));
        report(name, direct, through);
    }

    let mut third = cascade!(Miss, Miss, Hello);
    let direct = time(get, |r| drop(call(&mut hello, r)));
    let through = time(get, |r| drop(call(&mut third, r)));
    report("third_hit", direct, through);
    let direct = time(get_from_wire, |r| drop(call(&mut hello, r)));
    let through = time(get_from_wire, |r| drop(call(&mut third, r)));
    report("third_hit (wire GET)", direct, through);
    let mut third_probed = cascade!(Probing(Miss), Probing(Miss), Hello);
    let direct = time(get, |r| drop(call(&mut hello, r)));
    let through = time(get, |r| drop(call(&mut third_probed, r)));
    report("third_hit probed", direct, through);

    let (mut reader, mut read_through) = (Reader, cascade!(Miss, Reader));
    let direct = time(post, |r| drop(call_read(&mut reader, r)));
    let through = time(post, |r| drop(call_read(&mut read_through, r)));
    report("body_through_a_miss", direct, through);
}

type FirstHit = Cascade<Or<Hello, Last<Miss>>>;
type ProbedFirstHit = Cascade<Or<Probing<Hello>, Last<Miss>>>;
type ThirdHit = Cascade<Or<Miss, Or<Miss, Last<Hello>>>>;
type ProbedThirdHit = Cascade<Or<Probing<Miss>, Or<Probing<Miss>, Last<Hello>>>>;

/// One call per function, never inlined, so that an instruction counter can be
/// pointed at exactly one of them:
/// `valgrind --tool=callgrind --toggle-collect='*measured_first_hit_cascade*' BENCH_BINARY --instructions`.
#[inline(never)]
fn measured_first_hit_direct(service: &mut Hello, req: http::Request<Body>) {
    drop(call(service, req));
}

#[inline(never)]
fn measured_first_hit_cascade(service: &mut FirstHit, req: http::Request<Body>) {
    drop(call(service, req));
}

#[inline(never)]
fn measured_first_hit_probed(service: &mut ProbedFirstHit, req: http::Request<Body>) {
    drop(call(service, req));
}

#[inline(never)]
fn measured_third_hit_cascade(service: &mut ThirdHit, req: http::Request<Body>) {
    drop(call(service, req));
}

#[inline(never)]
fn measured_third_hit_probed(service: &mut ProbedThirdHit, req: http::Request<Body>) {
    drop(call(service, req));
}

/// Calls `f` 10 000 times, requests built beforehand.
fn ten_thousand(make: fn() -> http::Request<Body>, mut f: impl FnMut(http::Request<Body>)) {
    let reqs: Vec<_> = (0..10_000).map(|_| make()).collect();
    for req in reqs {
        f(black_box(req));
    }
}

/// `--instructions get|wire|bare`: calls each measured function 10 000 times on
/// that request, without timing; for callgrind (divide its count by 10 000).
fn instructions(kind: &str) {
    let make: fn() -> http::Request<Body> = match kind {
        "get" => get,
        "wire" => get_from_wire,
        "bare" => bare,
        other => panic!("--instructions takes get, wire or bare, not {other:?}"),
    };
    let mut direct = Hello;
    ten_thousand(make, |r| measured_first_hit_direct(&mut direct, r));
    let mut first = cascade!(Hello, Miss);
    ten_thousand(make, |r| measured_first_hit_cascade(&mut first, r));
    let mut probed = cascade!(Probing(Hello), Miss);
    ten_thousand(make, |r| measured_first_hit_probed(&mut probed, r));
    let mut third = cascade!(Miss, Miss, Hello);
    ten_thousand(make, |r| measured_third_hit_cascade(&mut third, r));
    let mut third_probed = cascade!(Probing(Miss), Probing(Miss), Hello);
    ten_thousand(make, |r| measured_third_hit_probed(&mut third_probed, r));
}

criterion_group!(cascade_benches, benches);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--instructions") {
        instructions(args.get(at + 1).map_or("wire", String::as_str));
        return;
    }
    cascade_benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
