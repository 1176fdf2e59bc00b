//! "Static files first", in process: a cascade whose first member is a real
//! `StaticFiles` (and `Embedded`), against the member called directly.
//!
//! - `file_hit`: `GET /index.html` (1 KiB, from the memory cache). Direct
//!   `StaticFiles` vs `cascade!(Probing(files), app)` (the fast path) vs
//!   `cascade!(files, app)` (a plain member: the head is copied first).
//! - `app_after_misses`: `GET /hello`, answered by the app after `StaticFiles` and
//!   `Embedded` both miss. Direct app vs the probed 3-member cascade (helloworld's
//!   shape) vs the plain one.
//! - The same two for the dynamic (config-built) cascade, `Cascade::dynamic`, whose
//!   members are boxed: a `StaticFiles` boxed with `BoxApp::probing` (probed) or
//!   `BoxApp::new` (plain), against the boxed member called directly.
//!
//! After criterion's report, best-of-rounds ratios are printed. With
//! `--instructions get|wire` it only calls each `measured_*` function 10 000
//! times, for callgrind:
//! `valgrind --tool=callgrind --toggle-collect='*measured_hit_probed*' BENCH_BINARY --instructions wire`.

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
use gw_cascade::members::Dyn;
use gw_cascade::members::{Last, Or};
use gw_cascade::{cascade, Cascade, Probing};
use gw_core::{Body, BoxApp, Response};
use gw_static_files::{Embedded, StaticFiles};
use tower_service::Service;

/// The application: `Hello World!` as text/html.
#[derive(Clone, Copy)]
struct App;

impl<B> Service<http::Request<B>> for App {
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

const HEADERS: [(&str, &str); 6] = [
    ("host", "localhost:8000"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
    ),
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    ("accept-language", "en-US,en;q=0.5"),
    ("accept-encoding", "gzip, deflate, br"),
    ("connection", "keep-alive"),
];

/// A browser-like GET as hyper hands it over: URI and header values are slices of
/// one shared read buffer.
fn wire(path: &'static str) -> http::Request<Body> {
    let joined: Vec<u8> = HEADERS
        .iter()
        .map(|(_, v)| v.as_bytes())
        .collect::<Vec<_>>()
        .join(&b'\n');
    let buf = Bytes::from(joined);
    let mut builder = http::Request::builder()
        .uri(http::Uri::from_maybe_shared(Bytes::from_static(path.as_bytes())).unwrap());
    let mut at = 0;
    for (name, value) in HEADERS {
        let v = http::HeaderValue::from_maybe_shared(buf.slice(at..at + value.len())).unwrap();
        builder = builder.header(name, v);
        at += value.len() + 1;
    }
    builder.body(Body::empty()).unwrap()
}

/// The same GET, each header value its own allocation.
fn get(path: &'static str) -> http::Request<Body> {
    let mut builder = http::Request::builder().uri(path);
    for (name, value) in HEADERS {
        builder = builder.header(name, value);
    }
    builder.body(Body::empty()).unwrap()
}

fn hit_wire() -> http::Request<Body> {
    wire("/index.html")
}
fn hit_get() -> http::Request<Body> {
    get("/index.html")
}
fn app_wire() -> http::Request<Body> {
    wire("/hello")
}
fn app_get() -> http::Request<Body> {
    get("/hello")
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

struct Members {
    _dir: tempfile::TempDir,
    files: StaticFiles,
    embedded: Embedded,
}

fn members() -> Members {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), vec![b'a'; 1024]).unwrap();
    std::fs::create_dir(dir.path().join("css")).unwrap();
    std::fs::write(dir.path().join("css/site.css"), "body { margin: 0 }").unwrap();
    // No rescan during the run (there is no runtime to run one in the background).
    let files = StaticFiles::new(dir.path())
        .unwrap()
        .revalidate_interval(Duration::from_secs(3600));
    // The first request scans the tree (inline: no runtime here).
    let res = call(&mut files.clone(), hit_get());
    assert_eq!(res.status(), 200);
    let embedded = Embedded::new().file("javascripts/helpers.js", b"function hello() {}\n");
    Members {
        _dir: dir,
        files,
        embedded,
    }
}

type PlainHit = Cascade<Or<StaticFiles, Last<App>>>;
type ProbedHit = Cascade<Or<Probing<StaticFiles>, Last<App>>>;
type PlainThree = Cascade<Or<StaticFiles, Or<Embedded, Last<App>>>>;
type ProbedThree = Cascade<Or<Probing<StaticFiles>, Or<Probing<Embedded>, Last<App>>>>;

struct Stacks {
    files: StaticFiles,
    /// The dynamic form's anchors: the members boxed, called directly.
    boxed_files: BoxApp,
    boxed_app: BoxApp,
    dyn_plain_hit: Cascade<Dyn>,
    dyn_probed_hit: Cascade<Dyn>,
    dyn_plain_three: Cascade<Dyn>,
    dyn_probed_three: Cascade<Dyn>,
    plain_hit: PlainHit,
    probed_hit: ProbedHit,
    plain_three: PlainThree,
    probed_three: ProbedThree,
}

fn stacks(m: &Members) -> Stacks {
    let dynamic = |members: Vec<BoxApp>| Cascade::dynamic(members).unwrap();
    Stacks {
        files: m.files.clone(),
        boxed_files: BoxApp::new(m.files.clone()),
        boxed_app: BoxApp::new(App),
        dyn_plain_hit: dynamic(vec![BoxApp::new(m.files.clone()), BoxApp::new(App)]),
        dyn_probed_hit: dynamic(vec![BoxApp::probing(m.files.clone()), BoxApp::new(App)]),
        dyn_plain_three: dynamic(vec![
            BoxApp::new(m.files.clone()),
            BoxApp::new(m.embedded.clone()),
            BoxApp::new(App),
        ]),
        dyn_probed_three: dynamic(vec![
            BoxApp::probing(m.files.clone()),
            BoxApp::probing(m.embedded.clone()),
            BoxApp::new(App),
        ]),
        plain_hit: cascade!(m.files.clone(), App),
        probed_hit: cascade!(Probing(m.files.clone()), App),
        plain_three: cascade!(m.files.clone(), m.embedded.clone(), App),
        probed_three: cascade!(Probing(m.files.clone()), Probing(m.embedded.clone()), App),
    }
}

fn benches(c: &mut Criterion) {
    let m = members();
    let mut s = stacks(&m);
    let mut group = c.benchmark_group("file_hit");
    group.bench_function("direct", |b| {
        b.iter_batched(hit_wire, |r| call(&mut s.files, r), BatchSize::SmallInput)
    });
    group.bench_function("probed", |b| {
        b.iter_batched(
            hit_wire,
            |r| call(&mut s.probed_hit, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("plain", |b| {
        b.iter_batched(
            hit_wire,
            |r| call(&mut s.plain_hit, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("dynamic_direct", |b| {
        b.iter_batched(
            hit_wire,
            |r| call(&mut s.boxed_files, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("dynamic_probed", |b| {
        b.iter_batched(
            hit_wire,
            |r| call(&mut s.dyn_probed_hit, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("dynamic_plain", |b| {
        b.iter_batched(
            hit_wire,
            |r| call(&mut s.dyn_plain_hit, r),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("app_after_misses");
    group.bench_function("direct", |b| {
        b.iter_batched(app_wire, |r| call(&mut App, r), BatchSize::SmallInput)
    });
    group.bench_function("probed", |b| {
        b.iter_batched(
            app_wire,
            |r| call(&mut s.probed_three, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("plain", |b| {
        b.iter_batched(
            app_wire,
            |r| call(&mut s.plain_three, r),
            BatchSize::SmallInput,
        )
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
    let m = members();
    let mut s = stacks(&m);
    println!("\nratios to the member called directly (best of rounds, ns per call):");
    let report = |name: &str, direct: f64, through: f64| {
        println!(
            "  {name:<28} direct {direct:>7.1} ns   cascade {through:>7.1} ns   ratio {:.3} ({:+.1}%)",
            through / direct,
            (through / direct - 1.0) * 100.0
        );
    };
    for (label, make) in [("wire", hit_wire as fn() -> _), ("get", hit_get)] {
        let direct = time(make, |r| drop(call(&mut s.files, r)));
        let probed = time(make, |r| drop(call(&mut s.probed_hit, r)));
        let plain = time(make, |r| drop(call(&mut s.plain_hit, r)));
        report(&format!("file_hit probed ({label})"), direct, probed);
        report(&format!("file_hit plain ({label})"), direct, plain);
        let direct = time(make, |r| drop(call(&mut s.boxed_files, r)));
        let probed = time(make, |r| drop(call(&mut s.dyn_probed_hit, r)));
        let plain = time(make, |r| drop(call(&mut s.dyn_plain_hit, r)));
        report(
            &format!("dynamic file_hit probed ({label})"),
            direct,
            probed,
        );
        report(&format!("dynamic file_hit plain ({label})"), direct, plain);
    }
    for (label, make) in [("wire", app_wire as fn() -> _), ("get", app_get)] {
        let direct = time(make, |r| drop(call(&mut App, r)));
        let probed = time(make, |r| drop(call(&mut s.probed_three, r)));
        let plain = time(make, |r| drop(call(&mut s.plain_three, r)));
        report(
            &format!("app_after_misses probed ({label})"),
            direct,
            probed,
        );
        report(&format!("app_after_misses plain ({label})"), direct, plain);
        let direct = time(make, |r| drop(call(&mut s.boxed_app, r)));
        let probed = time(make, |r| drop(call(&mut s.dyn_probed_three, r)));
        let plain = time(make, |r| drop(call(&mut s.dyn_plain_three, r)));
        report(
            &format!("dynamic app_after_misses probed ({label})"),
            direct,
            probed,
        );
        report(
            &format!("dynamic app_after_misses plain ({label})"),
            direct,
            plain,
        );
    }
}

#[inline(never)]
fn measured_hit_direct(s: &mut StaticFiles, r: http::Request<Body>) {
    drop(call(s, r));
}
#[inline(never)]
fn measured_hit_probed(s: &mut ProbedHit, r: http::Request<Body>) {
    drop(call(s, r));
}
#[inline(never)]
fn measured_hit_plain(s: &mut PlainHit, r: http::Request<Body>) {
    drop(call(s, r));
}
#[inline(never)]
fn measured_app_direct(s: &mut App, r: http::Request<Body>) {
    drop(call(s, r));
}
#[inline(never)]
fn measured_app_probed(s: &mut ProbedThree, r: http::Request<Body>) {
    drop(call(s, r));
}
#[inline(never)]
fn measured_app_plain(s: &mut PlainThree, r: http::Request<Body>) {
    drop(call(s, r));
}

#[inline(never)]
fn measured_dyn_hit_direct(s: &mut BoxApp, r: http::Request<Body>) {
    black_box(1u8); // distinct bodies: no identical-code folding
    drop(call(s, r));
}
#[inline(never)]
fn measured_dyn_hit_probed(s: &mut Cascade<Dyn>, r: http::Request<Body>) {
    black_box(2u8); // distinct bodies: no identical-code folding
    drop(call(s, r));
}
#[inline(never)]
fn measured_dyn_hit_plain(s: &mut Cascade<Dyn>, r: http::Request<Body>) {
    black_box(3u8); // distinct bodies: no identical-code folding
    drop(call(s, r));
}
#[inline(never)]
fn measured_dyn_app_direct(s: &mut BoxApp, r: http::Request<Body>) {
    black_box(4u8); // distinct bodies: no identical-code folding
    drop(call(s, r));
}
#[inline(never)]
fn measured_dyn_app_probed(s: &mut Cascade<Dyn>, r: http::Request<Body>) {
    black_box(5u8); // distinct bodies: no identical-code folding
    drop(call(s, r));
}
#[inline(never)]
fn measured_dyn_app_plain(s: &mut Cascade<Dyn>, r: http::Request<Body>) {
    black_box(6u8); // distinct bodies: no identical-code folding
    drop(call(s, r));
}

fn ten_thousand(make: fn() -> http::Request<Body>, mut f: impl FnMut(http::Request<Body>)) {
    let reqs: Vec<_> = (0..10_000).map(|_| make()).collect();
    for req in reqs {
        f(black_box(req));
    }
}

/// `--instructions get|wire`: each measured function 10 000 times, untimed.
fn instructions(kind: &str) {
    let (hit, app): (fn() -> _, fn() -> _) = match kind {
        "get" => (hit_get, app_get),
        "wire" => (hit_wire, app_wire),
        other => panic!("--instructions takes get or wire, not {other:?}"),
    };
    let m = members();
    let mut s = stacks(&m);
    ten_thousand(hit, |r| measured_hit_direct(&mut s.files, r));
    ten_thousand(hit, |r| measured_hit_probed(&mut s.probed_hit, r));
    ten_thousand(hit, |r| measured_hit_plain(&mut s.plain_hit, r));
    ten_thousand(app, |r| measured_app_direct(&mut App, r));
    ten_thousand(app, |r| measured_app_probed(&mut s.probed_three, r));
    ten_thousand(app, |r| measured_app_plain(&mut s.plain_three, r));
    ten_thousand(hit, |r| measured_dyn_hit_direct(&mut s.boxed_files, r));
    ten_thousand(hit, |r| measured_dyn_hit_probed(&mut s.dyn_probed_hit, r));
    ten_thousand(hit, |r| measured_dyn_hit_plain(&mut s.dyn_plain_hit, r));
    ten_thousand(app, |r| measured_dyn_app_direct(&mut s.boxed_app, r));
    ten_thousand(app, |r| measured_dyn_app_probed(&mut s.dyn_probed_three, r));
    ten_thousand(app, |r| measured_dyn_app_plain(&mut s.dyn_plain_three, r));
}

criterion_group!(static_first, benches);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--instructions") {
        instructions(args.get(at + 1).map_or("wire", String::as_str));
        return;
    }
    static_first();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
