//! Lookup and generation speed, against matchit (the router inside axum).
//!
//! `cargo bench -p gw-controller-router --bench lookup -- --warm-up-time 1 --measurement-time 3`
//!
//! Both routers get the same routes: the 130 GitHub API routes that matchit's
//! README benchmarks (written out in `github_routes.txt`; the Routes syntax and
//! matchit's syntax agree for `{name}`), and a synthetic 1,000-route set. Each
//! iteration looks up every path of the set once. After criterion's report the
//! bench prints the time per lookup of both and their ratio.

// `criterion_group!` expands to an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use gw_controller_router::{Mapper, Route};
use http::Method;

const GITHUB: &str = include_str!("github_routes.txt");

fn github_patterns() -> Vec<String> {
    GITHUB
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// 1,000 routes: static prefixes shared in groups, with 0 to 2 variables.
fn thousand_patterns() -> Vec<String> {
    (0..1000)
        .map(|i| {
            let ns = i % 37;
            match i % 4 {
                0 => format!("/ns{ns}/res{i}"),
                1 => format!("/ns{ns}/res{i}/{{id}}"),
                2 => format!("/ns{ns}/res{i}/{{id}}/sub"),
                _ => format!("/ns{ns}/res{i}/{{id}}/items/{{item}}"),
            }
        })
        .collect()
}

/// A concrete path for a pattern: each `{var}` becomes a value.
fn fill(pattern: &str) -> String {
    let mut out = String::new();
    let mut in_var = false;
    for c in pattern.chars() {
        match c {
            '{' => {
                in_var = true;
                out.push_str("value1");
            }
            '}' => in_var = false,
            _ if in_var => {}
            _ => out.push(c),
        }
    }
    out
}

fn ours(patterns: &[String]) -> Mapper {
    let mut mapper = Mapper::new();
    for (i, p) in patterns.iter().enumerate() {
        mapper = mapper
            .route(Route::new(p.as_str()).name(format!("r{i}")))
            .unwrap();
    }
    mapper
}

fn theirs(patterns: &[String]) -> matchit::Router<usize> {
    let mut router = matchit::Router::new();
    for (i, p) in patterns.iter().enumerate() {
        router.insert(p.as_str(), i).unwrap();
    }
    router
}

fn check(mapper: &Mapper, router: &matchit::Router<usize>, patterns: &[String], paths: &[String]) {
    for path in paths {
        let a = mapper.recognize(&Method::GET, path).expect(path);
        let b = router.at(path).expect(path);
        assert_eq!(
            a.pattern(),
            patterns[*b.value],
            "both routers must agree on {path}"
        );
    }
}

#[inline(never)]
fn lookup_ours(mapper: &Mapper, paths: &[String]) -> usize {
    let mut n = 0;
    for path in paths {
        let m = mapper.recognize(&Method::GET, black_box(path)).unwrap();
        n += m.raw("owner").map_or(0, str::len) + m.raw("id").map_or(0, str::len);
    }
    n
}

#[inline(never)]
fn lookup_theirs(router: &matchit::Router<usize>, paths: &[String]) -> usize {
    let mut n = 0;
    for path in paths {
        let m = router.at(black_box(path)).unwrap();
        n += m.params.get("owner").map_or(0, str::len) + m.params.get("id").map_or(0, str::len);
    }
    n
}

struct Set {
    name: &'static str,
    mapper: Mapper,
    router: matchit::Router<usize>,
    paths: Vec<String>,
}

fn sets() -> Vec<Set> {
    [
        ("github_130", github_patterns()),
        ("synthetic_1000", thousand_patterns()),
    ]
    .into_iter()
    .map(|(name, patterns)| {
        let mapper = ours(&patterns);
        let router = theirs(&patterns);
        let paths: Vec<String> = patterns.iter().map(|p| fill(p)).collect();
        check(&mapper, &router, &patterns, &paths);
        Set {
            name,
            mapper,
            router,
            paths,
        }
    })
    .collect()
}

fn generation_mapper() -> Mapper {
    Mapper::new()
        .resource("message", "messages")
        .unwrap()
        .route(Route::new(r"/archive/{year:\d{4}}/{slug}").name("archive"))
        .unwrap()
        .default_routes()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    for set in sets() {
        let mut group = c.benchmark_group(set.name);
        group.bench_function("controller_router", |b| {
            b.iter(|| lookup_ours(&set.mapper, &set.paths))
        });
        group.bench_function("matchit", |b| {
            b.iter(|| lookup_theirs(&set.router, &set.paths))
        });
        group.finish();
    }
    let m = generation_mapper();
    let mut group = c.benchmark_group("generate");
    group.bench_function("url_for_route", |b| {
        b.iter(|| {
            m.url_for_route(
                black_box("archive"),
                &[("year", "2024"), ("slug", "hello world")],
            )
        })
    });
    group.bench_function("url_for_controller_action", |b| {
        b.iter(|| m.url_for(black_box("greet"), "show", &[("id", "3"), ("q", "x")]))
    });
    group.finish();
}

/// Time per call of `f`, over enough rounds to last about `budget`.
fn per_call(budget: Duration, calls_per_round: usize, mut f: impl FnMut() -> usize) -> Duration {
    let start = Instant::now();
    let mut rounds = 0u32;
    let mut sink = 0;
    while start.elapsed() < budget {
        sink += f();
        rounds += 1;
    }
    black_box(sink);
    start.elapsed() / (rounds * calls_per_round as u32)
}

fn print_ratios() {
    let budget = Duration::from_millis(700);
    println!("\nratios (controller-router / matchit, per lookup; target <= 1.5 at 130 routes):");
    for set in sets() {
        let n = set.paths.len();
        // The machine may be shared: alternate short rounds and keep each side's
        // best, so that a burst of load does not land on one side only.
        let (mut a, mut b) = (Duration::MAX, Duration::MAX);
        for _ in 0..7 {
            a = a.min(per_call(budget / 7, n, || {
                lookup_ours(&set.mapper, &set.paths)
            }));
            b = b.min(per_call(budget / 7, n, || {
                lookup_theirs(&set.router, &set.paths)
            }));
        }
        println!(
            "  {:<15} controller-router {:>8.1?}  matchit {:>8.1?}  ratio {:.2}",
            set.name,
            a,
            b,
            a.as_secs_f64() / b.as_secs_f64()
        );
    }
    let m = generation_mapper();
    let (mut by_name, mut by_action) = (Duration::MAX, Duration::MAX);
    for _ in 0..7 {
        by_name = by_name.min(per_call(budget / 7, 1, || {
            m.url_for_route("archive", &[("year", "2024"), ("slug", "hello world")])
                .map_or(0, |s| s.len())
        }));
        by_action = by_action.min(per_call(budget / 7, 1, || {
            m.url_for("greet", "show", &[("id", "3"), ("q", "x")])
                .map_or(0, |s| s.len())
        }));
    }
    println!("generation (target <= 1 µs per URL): by name {by_name:.1?}, by controller/action {by_action:.1?}");
}

criterion_group!(benches, bench);

/// One URL by name, for the instruction-count mode.
#[inline(never)]
fn generate_by_name(m: &Mapper) -> usize {
    m.url_for_route(
        black_box("archive"),
        &[("year", "2024"), ("slug", "hello world")],
    )
    .map_or(0, |s| s.len())
}

/// One URL by controller and action, for the instruction-count mode.
#[inline(never)]
fn generate_by_action(m: &Mapper) -> usize {
    m.url_for(black_box("greet"), "show", &[("id", "3"), ("q", "x")])
        .map_or(0, |s| s.len())
}

/// Instruction-count mode: `LOOKUP_COUNT=<set>:<ours|matchit>:<rounds>` runs
/// only that many rounds of lookups over the set and exits, for
/// `valgrind --tool=callgrind --toggle-collect=lookup::lookup_ours` (or
/// `lookup_theirs`): the collected instructions ÷ (rounds × paths) is the count
/// per lookup, free of criterion's own work and of machine load.
/// `LOOKUP_COUNT=generate:<name|action>:<rounds>` does the same for URL
/// generation (`--toggle-collect=lookup::generate_by_name` or `generate_by_action`).
fn count_mode(spec: &str) {
    let mut parts = spec.split(':');
    let (set, side, rounds) = (parts.next(), parts.next(), parts.next());
    let rounds: usize = rounds.and_then(|r| r.parse().ok()).unwrap_or(100);
    if set == Some("generate") {
        let m = generation_mapper();
        let mut sink = 0;
        for _ in 0..rounds {
            sink += match side {
                Some("action") => generate_by_action(&m),
                _ => generate_by_name(&m),
            };
        }
        println!("{rounds} generations, checksum {sink}");
        return;
    }
    let set = sets()
        .into_iter()
        .find(|s| Some(s.name) == set)
        .expect("LOOKUP_COUNT=<github_130|synthetic_1000>:<ours|matchit>:<rounds>");
    let mut sink = 0;
    for _ in 0..rounds {
        sink += match side {
            Some("matchit") => lookup_theirs(&set.router, &set.paths),
            _ => lookup_ours(&set.mapper, &set.paths),
        };
    }
    println!("{} lookups, checksum {sink}", rounds * set.paths.len());
}

fn main() {
    if let Ok(spec) = std::env::var("LOOKUP_COUNT") {
        count_mode(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
