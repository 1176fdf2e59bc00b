//! `cargo xtask bench instructions [SCENARIO...]`: user-space instructions and heap
//! allocations per request, counted with valgrind's callgrind.
//!
//! Each server runs under `valgrind --tool=callgrind`. For each scenario it gets 400
//! warm-up requests, then its counters are zeroed (`callgrind_control -z`), then
//! exactly 5,000 requests are sent with `h2load -n 5000 -c 4` (`--h1` for HTTP/1.1),
//! then the counters are dumped (`callgrind_control -d`). Instructions per request are
//! the dump's total `Ir` divided by 5,000; allocations per request are the calls to
//! `__rust_alloc`, `__rust_realloc` and `__rust_alloc_zeroed` (the `calls=` lines of
//! the dump) divided by 5,000. The hot code is the machine code that runs on every
//! request: the distinct 64-byte lines of code whose instructions ran at least
//! 5,000 times in all (the dump is written with `--dump-instr=yes`, so each cost has
//! its address). Each server is started [`ROUNDS`] times, and each start counts
//! every scenario once; a cell shows the median round with the range of all
//! rounds. Unlike req/s on a shared machine, the counts barely move from round to
//! round. What moves them is mostly tokio's workers parking and waking between
//! requests as timing has it: up to about 1.5 % of a hello world's count between
//! starts of one server, a little less between rounds inside one start; hence a
//! new process per round.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::scenarios::Fixtures;
use super::server::{Expect, Probe};
use super::{parse, Env};
use crate::proc::{free_port, Endpoint, Guard};

/// Requests counted per scenario.
const REQUESTS: u32 = 5_000;
/// Requests before the counters are zeroed.
const WARMUP: u32 = 400;
/// Connections h2load opens.
const CONNECTIONS: u32 = 4;
/// Starts of each server, each counting every scenario once; a cell shows the
/// median round and the range.
const ROUNDS: usize = 3;

/// The requests one column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    Hello,
    Echo,
    Static,
    H2,
}

impl Scenario {
    const ALL: [Scenario; 4] = [
        Scenario::Hello,
        Scenario::Echo,
        Scenario::Static,
        Scenario::H2,
    ];

    fn name(self) -> &'static str {
        match self {
            Scenario::Hello => "hello",
            Scenario::Echo => "echo",
            Scenario::Static => "static",
            Scenario::H2 => "h2",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Scenario::Hello => "GET /hello",
            Scenario::Echo => "POST /echo 1 KiB",
            Scenario::Static => "GET 1 KiB file",
            Scenario::H2 => "h2c GET /hello",
        }
    }

    fn probe(self, fixtures: &Fixtures) -> Probe {
        let hello = |h2c| Probe::get("/hello", Expect::Bytes(b"Hello World!".to_vec()), h2c);
        match self {
            Scenario::Hello => hello(false),
            Scenario::H2 => hello(true),
            Scenario::Echo => Probe::post(
                "/echo",
                fixtures.post_body("1k"),
                Expect::SameAsFile(fixtures.post_body("1k")),
            ),
            Scenario::Static => Probe::get(
                "/1k.bin",
                Expect::SameAsFile(fixtures.www().join("1k.bin")),
                false,
            )
            .with_length(),
        }
    }

    /// The h2load command for `requests` requests to `port`.
    fn h2load(self, port: u16, requests: u32, fixtures: &Fixtures) -> Command {
        let mut command = Command::new("h2load");
        if self != Scenario::H2 {
            command.arg("--h1");
        }
        command.args([
            "-n".to_owned(),
            requests.to_string(),
            "-c".to_owned(),
            CONNECTIONS.to_string(),
        ]);
        let path = match self {
            Scenario::Hello | Scenario::H2 => "/hello",
            Scenario::Static => "/1k.bin",
            Scenario::Echo => {
                command
                    .arg("-d")
                    .arg(fixtures.post_body("1k"))
                    .args(["-H", "content-type: application/octet-stream"]);
                "/echo"
            }
        };
        command.arg(format!("http://127.0.0.1:{port}{path}"));
        command
    }
}

/// How a counted server is started.
#[derive(Debug, Clone)]
enum Start {
    /// A `gateway-bench` binary: `BIN PORT ARGS...`.
    Bench(&'static str, Vec<String>),
    /// `helloworld serve examples/helloworld/production.toml --bind ... --set ...`.
    Helloworld(Vec<String>),
    /// nginx in one process (`master_process off`), so that its worker is counted.
    Nginx { open_file_cache: bool },
}

/// One row of the table.
#[derive(Debug, Clone)]
struct Subject {
    label: &'static str,
    start: Start,
    scenarios: &'static [Scenario],
}

fn subjects(fixtures: &Fixtures) -> Vec<Subject> {
    use Scenario::{Echo, Hello, Static, H2};
    let www = fixtures.www().display().to_string();
    vec![
        Subject {
            label: "raw hyper (`service_fn`, auto builder)",
            start: Start::Bench("raw-hyper", vec![]),
            scenarios: &[Hello, Echo, H2],
        },
        Subject {
            label: "axum, one route returning `&'static str`",
            start: Start::Bench("axum-hello", vec![]),
            scenarios: &[Hello, Echo, H2],
        },
        Subject {
            label: "axum + ServeDir static-first",
            start: Start::Bench("axum-static-first", vec![www.clone()]),
            scenarios: &[Hello, Static],
        },
        Subject {
            label: "tower-http ServeDir",
            start: Start::Bench("servedir", vec![www.clone()]),
            scenarios: &[Static],
        },
        Subject {
            label: "nginx, no open_file_cache",
            start: Start::Nginx {
                open_file_cache: false,
            },
            scenarios: &[Static],
        },
        Subject {
            label: "nginx, open_file_cache",
            start: Start::Nginx {
                open_file_cache: true,
            },
            scenarios: &[Static],
        },
        Subject {
            label: "**`gw_server::Server`, trivial handler**",
            start: Start::Bench("gw-server", vec![]),
            scenarios: &[Hello, H2],
        },
        Subject {
            label: "**static-files (`gw-static`)**",
            start: Start::Bench("gw-static", vec![www.clone()]),
            scenarios: &[Static],
        },
        Subject {
            label: "**helloworld, `production.toml`**",
            start: Start::Helloworld(vec!["--set".into(), format!("public_dir={www}")]),
            scenarios: &[Hello, Echo, Static, H2],
        },
    ]
}

/// One cell of the table: not served (`None`), counted, or why counting failed.
type Cell = Option<Result<Counts, String>>;

/// What one dump counted, per request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Counts {
    /// Instructions per request: the median round's.
    pub(crate) instructions: f64,
    /// The fewest and the most instructions per request of all rounds.
    pub(crate) instructions_range: (f64, f64),
    pub(crate) allocations: Option<f64>,
    /// The hot code, in KiB.
    pub(crate) hot_code_kib: f64,
}

/// `cargo xtask bench instructions ...`.
pub(crate) fn instructions(args: &[String]) -> Result<(), String> {
    let mut selected: Vec<Scenario> = Vec::new();
    for arg in args {
        match Scenario::ALL.iter().find(|s| s.name() == arg) {
            Some(s) => selected.push(*s),
            None if arg == "-h" || arg == "--help" => {
                println!(
                    "usage: cargo xtask bench instructions [hello echo static h2]\n\
                     Counts instructions and allocations per request under callgrind \
                     ({WARMUP} warm-up requests, then {REQUESTS} counted)."
                );
                return Ok(());
            }
            None => return Err(format!("unknown scenario `{arg}`: hello echo static h2")),
        }
    }
    let all = selected.is_empty();
    if all {
        selected = Scenario::ALL.to_vec();
    }
    crate::proc::ensure_tools(&[
        ("valgrind", "valgrind"),
        ("callgrind_control", "valgrind"),
        ("h2load", "nghttp2-client"),
        ("nginx", "nginx"),
        ("curl", "curl"),
    ])?;
    let env = super::prepare(false)?;
    let fixtures = Fixtures::create(&env)?;
    let dump_dir = env.out_dir.join("callgrind");
    let _ = fs::remove_dir_all(&dump_dir);
    fs::create_dir_all(&dump_dir).map_err(|e| format!("{}: {e}", dump_dir.display()))?;

    let subjects = subjects(&fixtures);
    let mut rows: Vec<(&Subject, Vec<Cell>)> = Vec::new();
    for subject in &subjects {
        let wanted: Vec<Scenario> = selected
            .iter()
            .copied()
            .filter(|s| subject.scenarios.contains(s))
            .collect();
        let mut cells: Vec<Cell> = vec![None; selected.len()];
        if !wanted.is_empty() {
            // Per wanted scenario: each round's dump, or the first failure.
            let mut rounds: Vec<Result<Vec<(Dump, PathBuf)>, String>> =
                vec![Ok(Vec::new()); wanted.len()];
            for round in 1..=ROUNDS {
                eprintln!(
                    "xtask: callgrind: {} (round {round} of {ROUNDS})",
                    subject.label
                );
                let results = count_subject(subject, &wanted, &env, &fixtures, &dump_dir, round)
                    .unwrap_or_else(|e| wanted.iter().map(|s| (*s, Err(e.clone()))).collect());
                for (i, (scenario, result)) in results.into_iter().enumerate() {
                    match (&mut rounds[i], result) {
                        (Ok(done), Ok(dump)) => done.push(dump),
                        (slot @ Ok(_), Err(e)) => {
                            eprintln!("xtask:   {}: {e}", scenario.title());
                            *slot = Err(e);
                        }
                        (Err(_), _) => {}
                    }
                }
            }
            for (scenario, result) in wanted.iter().zip(rounds) {
                let i = selected.iter().position(|s| s == scenario).unwrap_or(0);
                let label = subject.label;
                cells[i] = Some(result.and_then(|dumps| {
                    summarize(dumps, &dump_dir, &slug(label), *scenario, &subject.start)
                }));
            }
        }
        rows.push((subject, cells));
    }

    let failed = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter())
        .any(|c| matches!(c, Some(Err(_))));
    let table = markdown(
        &selected,
        &rows,
        &super::commit(&env.root),
        &crate::proc::command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
    );
    println!("{table}");
    let path = env.out_dir.join("instructions.md");
    fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!(
        "xtask: wrote {}; callgrind dumps in {}",
        path.display(),
        dump_dir.display()
    );
    if failed {
        return Err("some counts failed; BENCHMARKS.md left as it was".into());
    }
    if all {
        super::splice_into_benchmarks_md(&env.root, BEGIN, END, &table)?;
    } else {
        eprintln!("xtask: BENCHMARKS.md left as it was (only a run of every scenario updates it)");
    }
    Ok(())
}

pub(crate) const BEGIN: &str =
    "<!-- instructions-table:begin (generated by `cargo xtask bench instructions`; do not edit) -->";
pub(crate) const END: &str = "<!-- instructions-table:end -->";

/// One round's count of one scenario: the parsed dump and where the dump is.
type Round = Result<(Dump, PathBuf), String>;

/// A subject's label as a file name.
fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The cell of one scenario from its rounds: the median round's counts and the
/// range of all. The median round's dump is kept as `SLUG.SCENARIO.out`, for
/// reading; the others are removed.
fn summarize(
    mut rounds: Vec<(Dump, PathBuf)>,
    dump_dir: &Path,
    slug: &str,
    scenario: Scenario,
    start: &Start,
) -> Result<Counts, String> {
    rounds.sort_by_key(|(counted, _)| counted.instructions);
    let (Some((lowest, _)), Some((highest, _))) = (rounds.first(), rounds.last()) else {
        return Err("no round was counted".into());
    };
    let range = (lowest.instructions, highest.instructions);
    let (counted, dump) = rounds.swap_remove(rounds.len() / 2);
    let _ = fs::rename(
        &dump,
        dump_dir.join(format!("{slug}.{}.out", scenario.name())),
    );
    for (_, other) in rounds {
        let _ = fs::remove_file(other);
    }
    let per_request = |n: u64| n as f64 / f64::from(REQUESTS);
    Ok(Counts {
        instructions: per_request(counted.instructions),
        instructions_range: (per_request(range.0), per_request(range.1)),
        // nginx allocates from its own pools: no Rust allocator to count.
        allocations: (!matches!(start, Start::Nginx { .. }))
            .then(|| per_request(counted.allocations)),
        hot_code_kib: (counted.hot_lines * CODE_LINE) as f64 / 1024.0,
    })
}

/// Starts `subject` under callgrind and counts each scenario in turn: one round.
/// Each scenario's dump is left as `SLUG.SCENARIO.rROUND.out`.
fn count_subject(
    subject: &Subject,
    scenarios: &[Scenario],
    env: &Env,
    fixtures: &Fixtures,
    dump_dir: &Path,
    round: usize,
) -> Result<Vec<(Scenario, Round)>, String> {
    let port = free_port()?;
    let slug = slug(subject.label);
    let out_file = dump_dir.join(format!("{slug}.r{round}.out"));
    let log = dump_dir.join(format!("{slug}.r{round}.log"));
    let (program, args, _dir) = command(subject, env, port)?;
    let log_file = fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
    let mut valgrind = Command::new("valgrind");
    valgrind
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg("--compress-strings=no")
        .arg("--compress-pos=no")
        .arg("--dump-instr=yes")
        .arg(&program)
        .args(&args)
        .current_dir(&env.root)
        .env("TOKIO_WORKER_THREADS", "2")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err);
    let guard = Guard::spawn(
        subject.label,
        &mut valgrind,
        &Endpoint::Tcp(port),
        Some(&log),
        Duration::from_secs(180),
    )?;
    let pid = guard.pid().to_string();
    let mut results = Vec::new();
    for (n, scenario) in scenarios.iter().enumerate() {
        let result = (|| -> Result<(Dump, PathBuf), String> {
            scenario
                .probe(fixtures)
                .check(subject.label, port, &env.out_dir)
                .map_err(|f| f.message)?;
            h2load(scenario.h2load(port, WARMUP, fixtures), WARMUP)?;
            callgrind_control(&["-z", &pid])?;
            h2load(scenario.h2load(port, REQUESTS, fixtures), REQUESTS)?;
            callgrind_control(&["-d", &pid])?;
            // callgrind numbers its dumps from 1, one per `callgrind_control -d`.
            let dump = PathBuf::from(format!("{}.{}", out_file.display(), n + 1));
            let text = wait_for_dump(&dump, Duration::from_secs(120))?;
            let kept = dump_dir.join(format!("{slug}.{}.r{round}.out", scenario.name()));
            let _ = fs::rename(&dump, &kept);
            Ok((parse_dump(&text, u64::from(REQUESTS))?, kept))
        })();
        results.push((*scenario, result));
    }
    drop(guard);
    Ok(results)
}

fn command(
    subject: &Subject,
    env: &Env,
    port: u16,
) -> Result<(PathBuf, Vec<String>, Option<PathBuf>), String> {
    Ok(match &subject.start {
        Start::Bench(bin, args) => {
            let mut all = vec![port.to_string()];
            all.extend(args.iter().cloned());
            (env.release_dir.join(bin), all, None)
        }
        Start::Helloworld(extra) => {
            let mut all = vec![
                "serve".to_owned(),
                env.root
                    .join("examples/helloworld/production.toml")
                    .display()
                    .to_string(),
                "--bind".to_owned(),
                format!("127.0.0.1:{port}"),
            ];
            all.extend(extra.iter().cloned());
            (env.release_dir.join("helloworld"), all, None)
        }
        Start::Nginx { open_file_cache } => {
            let dir = env.out_dir.join("tmp").join(format!("nginx-cg-{port}"));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let conf = dir.join("nginx.conf");
            let cache = if *open_file_cache {
                "open_file_cache max=1000 inactive=60s;\n    open_file_cache_valid 60s;\n"
            } else {
                ""
            };
            let text = format!(
                "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_requests 100000000;
    {cache}{temp}    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        location / {{ }}
    }}
}}
",
                d = dir.display(),
                temp = crate::proc::nginx_temp_paths(&dir),
                www = env.out_dir.join("www").display(),
            );
            fs::write(&conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;
            (
                env.nginx.clone(),
                vec![
                    "-p".into(),
                    dir.display().to_string(),
                    "-c".into(),
                    conf.display().to_string(),
                    "-e".into(),
                    dir.join("error.log").display().to_string(),
                ],
                Some(dir),
            )
        }
    })
}

/// Runs h2load and checks that exactly `requests` requests succeeded with 2xx.
fn h2load(mut command: Command, requests: u32) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run h2load: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let out = parse::h2load(&text)?;
    if !output.status.success() || out.failed > 0 || out.succeeded != u64::from(requests) {
        return Err(format!(
            "h2load: {} of {requests} succeeded, {} failed or not 2xx",
            out.succeeded, out.failed
        ));
    }
    Ok(())
}

fn callgrind_control(args: &[&str]) -> Result<(), String> {
    let output = Command::new("callgrind_control")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run callgrind_control: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "callgrind_control {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The dump's text once callgrind has finished writing it (its `totals:` line).
fn wait_for_dump(path: &Path, limit: Duration) -> Result<String, String> {
    let start = Instant::now();
    loop {
        if let Ok(text) = fs::read_to_string(path) {
            if text.lines().any(|l| l.starts_with("totals:")) {
                return Ok(text);
            }
        }
        if start.elapsed() > limit {
            return Err(format!(
                "no complete dump at {} within {limit:?}",
                path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The totals of one callgrind dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dump {
    pub(crate) instructions: u64,
    pub(crate) allocations: u64,
    /// The 64-byte lines of code whose instructions ran at least `per` times.
    pub(crate) hot_lines: u64,
}

/// The size of a line of the instruction cache (and of the lines counted as hot code).
const CODE_LINE: u64 = 64;

/// The Rust allocator's entry points; newer compilers mangle them into the `__rustc`
/// namespace (`__rustc::__rust_alloc` once demangled).
fn is_allocation(name: &str) -> bool {
    let name = name.rsplit("::").next().unwrap_or(name);
    matches!(
        name,
        "__rust_alloc" | "__rust_realloc" | "__rust_alloc_zeroed"
    )
}

/// Reads a dump written with `--compress-strings=no --compress-pos=no
/// --dump-instr=yes`: total `Ir` from `totals:` (or `summary:`), the calls into the
/// allocator from the `calls=` line after each `cfn=` naming it, and the lines of
/// code whose own instructions ran at least `per` times. A cost line is
/// `ADDRESS LINE Ir`; the one right after a `calls=` line is the call's inclusive
/// cost, charged to the call site, so it is not the site's own.
pub(crate) fn parse_dump(text: &str, per: u64) -> Result<Dump, String> {
    let mut instructions = None;
    let mut allocations = 0u64;
    let mut callee_is_alloc = false;
    let mut after_call = false;
    let mut lines: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line
            .strip_prefix("totals:")
            .or_else(|| line.strip_prefix("summary:"))
        {
            let first = rest.split_whitespace().next().unwrap_or("");
            instructions = Some(
                first
                    .parse::<u64>()
                    .map_err(|e| format!("callgrind totals `{line}`: {e}"))?,
            );
        } else if let Some(name) = line.strip_prefix("cfn=") {
            // With compressed strings a name may carry an `(id) ` prefix.
            let name = match name.strip_prefix('(') {
                Some(rest) => rest.split_once(") ").map_or(rest, |x| x.1),
                None => name,
            };
            callee_is_alloc = is_allocation(name.trim());
        } else if let Some(rest) = line.strip_prefix("calls=") {
            if callee_is_alloc {
                let n = rest.split_whitespace().next().unwrap_or("0");
                allocations += n
                    .parse::<u64>()
                    .map_err(|e| format!("callgrind `{line}`: {e}"))?;
            }
            callee_is_alloc = false;
            after_call = true;
        } else if let Some(hex) = line.strip_prefix("0x") {
            if std::mem::take(&mut after_call) {
                continue;
            }
            let mut fields = line.split_whitespace();
            let address = hex.split_whitespace().next().unwrap_or("");
            let address =
                u64::from_str_radix(address, 16).map_err(|e| format!("callgrind `{line}`: {e}"))?;
            let ir = fields
                .nth(2)
                .ok_or_else(|| format!("callgrind `{line}`: no Ir"))?
                .parse::<u64>()
                .map_err(|e| format!("callgrind `{line}`: {e}"))?;
            *lines.entry(address / CODE_LINE).or_default() += ir;
        }
    }
    Ok(Dump {
        instructions: instructions.ok_or("the callgrind dump has no totals line")?,
        allocations,
        hot_lines: lines.values().filter(|&&ir| ir >= per).count() as u64,
    })
}

fn markdown(
    scenarios: &[Scenario],
    rows: &[(&Subject, Vec<Cell>)],
    commit: &str,
    date: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Counted {date} at commit `{commit}` with `cargo xtask bench instructions`: \
         {WARMUP} warm-up requests, counters zeroed, {REQUESTS} requests over \
         {CONNECTIONS} keep-alive connections (`h2load --h1 -n {REQUESTS} -c {CONNECTIONS}`; \
         h2c without `--h1`), counters dumped; {ROUNDS} rounds, each a new start of \
         every server. Each cell is user-space instructions per request in thousands \
         (the median round, then the range of the rounds), then heap allocations per \
         request (calls to \
         `__rust_alloc`, `__rust_realloc`, `__rust_alloc_zeroed`), then the hot code: \
         the 64-byte lines of machine code whose instructions ran at least {REQUESTS} \
         times, in KiB; – where the server does not serve that request. nginx allocates from its own pools, so it has no \
         allocation count. Gateway rows are in bold.\n"
    );
    out.push_str("| server |");
    for s in scenarios {
        let _ = write!(out, " {} |", s.title());
    }
    out.push_str("\n|---|");
    for _ in scenarios {
        out.push_str("---|");
    }
    out.push('\n');
    for (subject, cells) in rows {
        let _ = write!(out, "| {} |", subject.label);
        for cell in cells {
            let text = match cell {
                None => "–".to_owned(),
                Some(Err(_)) => "FAILED".to_owned(),
                Some(Ok(c)) => cell_text(c),
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out
}

fn cell_text(c: &Counts) -> String {
    let instr = c.instructions / 1000.0;
    let (low, high) = (
        c.instructions_range.0 / 1000.0,
        c.instructions_range.1 / 1000.0,
    );
    let hot = c.hot_code_kib;
    let instr = format!("{instr:.2}k instr ({low:.2}–{high:.2}k)");
    match c.allocations {
        Some(a) => format!("{instr}, {a:.1} allocs, {hot:.0} KiB"),
        None => format!("{instr}, {hot:.0} KiB"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "version: 1
creator: callgrind-3.19.0
positions: instr line
events: Ir
fn=main
0x1000 5 6000
0x1010 5 4000
cfn=__rustc::__rust_alloc
calls=7 0x9000 0
0x1020 5 300000
cfn=hyper::proto::h1::role::encode
calls=2 0x9100 0
0x1024 5 40
cfn=__rust_realloc
calls=3 0x9200 0
0x1028 5 20
0x1040 6 4999
fn=other
0x2000 1 5000
cfn=(12) __rust_alloc_zeroed
calls=4 0x9300 0
0x2004 5 8
cfn=__rust_dealloc
calls=9 0x9400 0
0x2008 5 8
totals: 123456
";

    #[test]
    fn dump_gives_total_ir_and_allocator_calls_only() {
        let dump = parse_dump(DUMP, 5000).unwrap();
        assert_eq!(dump.instructions, 123_456);
        assert_eq!(dump.allocations, 7 + 3 + 4);
    }

    #[test]
    fn hot_lines_count_own_instructions_only() {
        // 0x1000..0x1040 ran 10,000 (the 300,000 after a call is the callee's),
        // 0x1040.. ran 4,999, 0x2000.. ran 5,000.
        assert_eq!(parse_dump(DUMP, 5000).unwrap().hot_lines, 2);
        assert_eq!(parse_dump(DUMP, 4999).unwrap().hot_lines, 3);
        assert_eq!(parse_dump(DUMP, 10_001).unwrap().hot_lines, 0);
    }

    #[test]
    fn dump_without_totals_is_an_error() {
        let text = DUMP.replace("totals: 123456\n", "");
        assert!(parse_dump(&text, 5000).is_err());
    }

    #[test]
    fn rounds_give_the_median_and_range_and_keep_the_median_dump() {
        let dir = std::env::temp_dir().join(format!("xtask-rounds-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let rounds: Vec<(Dump, PathBuf)> = [(3, 300_000), (1, 100_000), (2, 200_000)]
            .into_iter()
            .map(|(round, instructions)| {
                let path = dir.join(format!("s.hello.r{round}.out"));
                fs::write(&path, format!("round {round}")).unwrap();
                let dump = Dump {
                    instructions,
                    allocations: 5 * round,
                    hot_lines: 16,
                };
                (dump, path)
            })
            .collect();
        let start = Start::Bench("raw-hyper", Vec::new());
        let counts = summarize(rounds, &dir, "s", Scenario::Hello, &start).unwrap();
        assert_eq!(counts.instructions, 40.0);
        assert_eq!(counts.instructions_range, (20.0, 60.0));
        assert_eq!(counts.allocations, Some(10.0 / 5000.0));
        assert_eq!(
            fs::read_to_string(dir.join("s.hello.out")).unwrap(),
            "round 2"
        );
        assert!(!dir.join("s.hello.r1.out").exists());
        assert!(!dir.join("s.hello.r3.out").exists());
        let nginx = Start::Nginx {
            open_file_cache: false,
        };
        let none = summarize(Vec::new(), &dir, "s", Scenario::Hello, &nginx);
        assert!(none.is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cells_show_the_median_and_range_in_thousands() {
        let c = Counts {
            instructions: 9_049.6,
            instructions_range: (9_012.0, 9_131.0),
            allocations: Some(3.84),
            hot_code_kib: 52.3,
        };
        assert_eq!(
            cell_text(&c),
            "9.05k instr (9.01–9.13k), 3.8 allocs, 52 KiB"
        );
        let nginx = Counts {
            instructions: 21_000.0,
            instructions_range: (21_000.0, 21_004.0),
            allocations: None,
            hot_code_kib: 40.0,
        };
        assert_eq!(cell_text(&nginx), "21.00k instr (21.00–21.00k), 40 KiB");
    }
}
