//! `cargo xtask bench [SCENARIO...] [--quick] [--anchors] [--no-pin]`: every speed claim
//! measured against its anchor in the same run, with the same client, in rounds whose
//! order rotates; `cargo xtask bench instructions` counts instructions and allocations
//! per request under callgrind.
//!
//! The harness builds the release binaries (`gateway-bench`, `helloworld`), starts
//! each scenario's servers on loopback ports pinned to one core, probes every path a
//! case will load (status, `Content-Length`, bytes), loads them from the other core
//! with wrk (HTTP/1.1), h2load (h2c) or curl (one large download), and writes
//! `target/bench/latest.md`, `target/bench/latest.json`, one SVG chart per scenario
//! and, when every scenario was selected in a full run, the table section of
//! `BENCHMARKS.md` and the charts in `docs/bench/`.

mod chart;
mod instructions;
mod load;
pub(crate) mod parse;
mod report;
mod scenarios;
mod server;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use report::{CaseResult, Outcome, Report, Row, ScenarioResult};

/// The load tools and the Debian packages they come in.
const LOAD_TOOLS: &[(&str, &str)] = &[
    ("wrk", "wrk"),
    ("h2load", "nghttp2-client"),
    ("nginx", "nginx"),
    ("curl", "curl"),
];

/// The Python packages of the Paste anchor, pinned.
const PASTE_PINS: &[&str] = &[
    "Paste==3.10.1",
    "PasteDeploy==3.1.0",
    "Routes==2.5.1",
    "WebOb==1.8.11",
    "waitress==3.0.2",
];

/// How long and how often.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Seconds of each measured run.
    run_secs: u32,
    /// Seconds of the warm-up run each server gets before each case.
    warmup_secs: u32,
    /// Measured runs per server per case.
    repeats: u32,
}

impl Timing {
    const QUICK: Timing = Timing {
        run_secs: 3,
        warmup_secs: 1,
        repeats: 3,
    };
    const FULL: Timing = Timing {
        run_secs: 6,
        warmup_secs: 1,
        repeats: 5,
    };
}

/// Paths, tools and pinning, found once.
#[derive(Debug)]
pub(crate) struct Env {
    root: PathBuf,
    release_dir: PathBuf,
    out_dir: PathBuf,
    nginx: PathBuf,
    is_root: bool,
    clock_ticks: f64,
    server_cpu: Option<usize>,
    client_cpu: Option<usize>,
}

impl Env {
    /// The bench virtualenv's python, created with the pinned packages if needed.
    fn ensure_venv(&self) -> Result<PathBuf, String> {
        let venv = self.out_dir.join("venv");
        let python = venv.join("bin/python");
        let stamp = venv.join("gateway-pins.txt");
        let pins = PASTE_PINS.join("\n");
        if python.exists() && fs::read_to_string(&stamp).ok().as_deref() == Some(&pins) {
            return Ok(python);
        }
        eprintln!("xtask: creating the Paste virtualenv in {}", venv.display());
        run_quiet(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run_quiet(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PASTE_PINS),
        )?;
        fs::write(&stamp, pins).map_err(|e| format!("{}: {e}", stamp.display()))?;
        Ok(python)
    }

    /// The Paste stack's second static directory: the twin of helloworld's embedded
    /// `javascripts/helpers.js`.
    fn paste_js_dir(&self) -> Result<PathBuf, String> {
        let dir = self.out_dir.join("paste-js");
        let js = dir.join("javascripts");
        fs::create_dir_all(&js).map_err(|e| format!("{}: {e}", js.display()))?;
        fs::write(js.join("helpers.js"), "// WebHelpers twin\n")
            .map_err(|e| format!("{}: {e}", js.display()))?;
        Ok(dir)
    }
}

fn run_quiet(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

use crate::proc::{command_line, find_program};

/// `cargo xtask bench ...`.
pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("instructions") {
        return instructions::instructions(&args[1..]);
    }
    let started = Instant::now();
    let mut timing = Timing::FULL;
    let mut anchors = false;
    let mut quick = false;
    let mut pin = true;
    let mut selected: Vec<&str> = Vec::new();
    let known = scenarios::NAMES;
    for arg in args {
        match arg.as_str() {
            "--quick" => {
                timing = Timing::QUICK;
                quick = true;
            }
            "--anchors" => anchors = true,
            "--no-pin" => pin = false,
            "-h" | "--help" => {
                println!(
                    "usage: cargo xtask bench [SCENARIO...] [--quick] [--anchors] [--no-pin]\n\
                     \x20      cargo xtask bench instructions [hello echo static h2]\n\
                     scenarios: {}\n\
                     --quick    {} s runs, {} s warm-up, {} rounds (default {} s, {} s, {})\n\
                     --anchors  measure a scenario's anchors even when its Gateway side is not yet available\n\
                     --no-pin   do not pin servers to CPU 0 and clients to CPU 1 (taskset)",
                    known.join(" "),
                    Timing::QUICK.run_secs,
                    Timing::QUICK.warmup_secs,
                    Timing::QUICK.repeats,
                    Timing::FULL.run_secs,
                    Timing::FULL.warmup_secs,
                    Timing::FULL.repeats,
                );
                return Ok(());
            }
            name if known.contains(&name) => {
                if !selected.contains(&name) {
                    selected.push(name);
                }
            }
            other => {
                return Err(format!(
                    "unknown scenario or flag `{other}`; scenarios: {}",
                    known.join(" ")
                ))
            }
        }
    }
    let all_selected = selected.is_empty();
    if all_selected {
        selected = known.to_vec();
    }

    crate::proc::ensure_tools(LOAD_TOOLS)?;
    let env = prepare(pin)?;
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let fixtures = scenarios::Fixtures::create(&env)?;

    let mut results = Vec::new();
    for name in &selected {
        let scenario = scenarios::build(name, &env, &fixtures);
        eprintln!("xtask: scenario `{}`", scenario.name);
        let outcome = run_scenario(&scenario, &env, timing, anchors);
        if let Outcome::NotYetAvailable(reason) | Outcome::Failed { reason, .. } = &outcome {
            eprintln!("xtask:   {reason}");
        }
        results.push(ScenarioResult {
            name: scenario.name,
            title: scenario.title,
            note: scenario.note,
            outcome,
        });
    }

    let mut command = String::from("cargo xtask bench");
    for arg in args {
        command.push(' ');
        command.push_str(arg);
    }
    let report = Report {
        date: command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        commit: commit(&env.root),
        command,
        machine: machine(cpus),
        method: method(&env, timing),
        wall_secs: started.elapsed().as_secs_f64(),
        scenarios: results,
    };
    let table = report::markdown(&report);
    println!("{table}");
    let md_path = env.out_dir.join("latest.md");
    let json_path = env.out_dir.join("latest.json");
    fs::write(&md_path, &table).map_err(|e| format!("{}: {e}", md_path.display()))?;
    fs::write(&json_path, report::json(&report))
        .map_err(|e| format!("{}: {e}", json_path.display()))?;
    eprintln!(
        "xtask: wrote {} and {}",
        md_path.display(),
        json_path.display()
    );
    let footer = format!(
        "cargo xtask bench, {} at commit {}; {}",
        report.date, report.commit, report.machine
    );
    let charts_dir = env.out_dir.join("charts");
    fs::create_dir_all(&charts_dir).map_err(|e| format!("{}: {e}", charts_dir.display()))?;
    let charts: Vec<(String, String)> = report
        .scenarios
        .iter()
        .filter_map(|s| Some((format!("{}.svg", s.name), chart::svg(s, &footer)?)))
        .collect();
    for (name, svg) in &charts {
        let path = charts_dir.join(name);
        fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    eprintln!(
        "xtask: wrote {} charts to {}",
        charts.len(),
        charts_dir.display()
    );
    if all_selected && !quick && report.complete() {
        splice_into_benchmarks_md(&env.root, report::BEGIN, report::END, &table)?;
        let docs = env.root.join("docs/bench");
        fs::create_dir_all(&docs).map_err(|e| format!("{}: {e}", docs.display()))?;
        for (name, svg) in &charts {
            let path = docs.join(name);
            fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        eprintln!("xtask: wrote the charts to {}", docs.display());
    } else {
        eprintln!(
            "xtask: BENCHMARKS.md left as it was (only a complete full run of every scenario updates it)"
        );
    }
    if report.complete() {
        Ok(())
    } else {
        Err("the run is incomplete: see the FAILED or anchors-only sections above".into())
    }
}

/// Builds the release binaries (`gateway-bench`, `helloworld`, with the release
/// profile's line tables) and finds the paths, tools and pinning every run needs.
fn prepare(pin: bool) -> Result<Env, String> {
    let root = crate::workspace_root()?;
    let target = crate::target_dir(&root);
    let out_dir = target.join("bench");
    for sub in ["logs", "tmp"] {
        fs::create_dir_all(out_dir.join(sub)).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    }
    eprintln!("xtask: building release binaries (gateway-bench, helloworld)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "-p",
            "gateway-bench",
            "-p",
            "helloworld",
        ])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the release build failed".into());
    }
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let pinned = pin && cpus >= 2 && find_program("taskset").is_some();
    Ok(Env {
        release_dir: target.join("release"),
        nginx: find_program("nginx").ok_or("nginx not found")?,
        is_root: crate::proc::is_root(),
        clock_ticks: command_line("getconf", &["CLK_TCK"])
            .and_then(|t| t.parse().ok())
            .unwrap_or(100.0),
        server_cpu: pinned.then_some(0),
        client_cpu: pinned.then_some(1),
        root,
        out_dir,
    })
}

/// Replaces the text between `begin` and `end` in BENCHMARKS.md with `table`.
fn splice_into_benchmarks_md(
    root: &Path,
    begin: &str,
    end: &str,
    table: &str,
) -> Result<(), String> {
    let path = root.join("BENCHMARKS.md");
    let document = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let updated = report::splice(&document, begin, end, table)
        .ok_or_else(|| format!("{} lacks the markers `{begin}` ... `{end}`", path.display()))?;
    fs::write(&path, updated).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!(
        "xtask: updated {} between {begin} and {end}",
        path.display()
    );
    Ok(())
}

fn commit(root: &Path) -> String {
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let dirty = Command::new("git")
        // The files the bench itself writes do not make the measured code dirty.
        .args([
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!BENCHMARKS.md",
            ":!docs/bench",
        ])
        .current_dir(root)
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    if dirty {
        format!("{head}+dirty")
    } else {
        head
    }
}

fn machine(cpus: usize) -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|x| x.1.trim())
        })
        .unwrap_or("unknown CPU");
    let kernel = command_line("uname", &["-srm"]).unwrap_or_default();
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let kib: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.1} GiB RAM", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    format!("{cpus} × {model}{memory}, {kernel}, shared with other work")
}

fn method(env: &Env, timing: Timing) -> String {
    let pinning = match (env.server_cpu, env.client_cpu) {
        (Some(s), Some(c)) => {
            format!("servers pinned to CPU {s} and the client to CPU {c} with taskset")
        }
        _ => "no pinning (--no-pin, taskset missing, or a single CPU)".to_owned(),
    };
    format!(
        "{} s runs after a {} s warm-up per server and case, {} rounds, the order rotated each round (A B C, B C A, ...); \
         wrk -t1 --latency, h2load -t1 (latency percentiles from its --log-file), curl for the \
         download; {pinning}; every Rust server runs 2 tokio workers",
        timing.run_secs, timing.warmup_secs, timing.repeats
    )
}

/// Probes `server` with every probe; the wire size of each answer, by probe key.
fn probe_all(
    scenario: &scenarios::Scenario,
    server: &server::Running,
    env: &Env,
) -> Result<HashMap<String, u64>, server::ProbeFailure> {
    let mut sizes = HashMap::new();
    for probe in &scenario.probes {
        let probed = probe.check(server.label, server.port, &env.out_dir)?;
        sizes.insert(probe.key(), probed.wire_bytes);
    }
    Ok(sizes)
}

/// Starts the scenario's servers, probes them, and measures every case: each round
/// runs every server once, the order rotated by one server per round, so that each
/// server goes first as often as the others.
fn run_scenario(
    scenario: &scenarios::Scenario,
    env: &Env,
    timing: Timing,
    anchors: bool,
) -> Outcome {
    let (gateway, anchor_specs): (Vec<_>, Vec<_>) =
        scenario.servers.iter().partition(|s| s.gateway);
    // Is the Gateway side there at all?
    let mut anchors_only = None;
    for spec in &gateway {
        if let Some(reason) = spec.missing(env) {
            if !anchors {
                return Outcome::NotYetAvailable(reason);
            }
            anchors_only = Some(reason);
        }
    }
    let mut running = Vec::new();
    if anchors_only.is_none() {
        for spec in &gateway {
            let server = match spec.start(env) {
                Ok(server) => server,
                Err(reason) => {
                    return Outcome::Failed {
                        reason,
                        cases: Vec::new(),
                    }
                }
            };
            // A 404 where the probe expects an answer is a crate that has not landed
            // yet; any other wrong answer is a bug.
            match probe_all(scenario, &server, env) {
                Ok(sizes) => running.push((*spec, server, sizes)),
                Err(failure) if failure.absent && !anchors => {
                    return Outcome::NotYetAvailable(failure.message)
                }
                Err(failure) if failure.absent => anchors_only = Some(failure.message),
                Err(failure) => {
                    return Outcome::Failed {
                        reason: failure.message,
                        cases: Vec::new(),
                    }
                }
            }
        }
    }
    for spec in &anchor_specs {
        let server = match spec.start(env) {
            Ok(server) => server,
            Err(reason) => {
                return Outcome::Failed {
                    reason: format!("anchor {}: {reason}", spec.label),
                    cases: Vec::new(),
                }
            }
        };
        match probe_all(scenario, &server, env) {
            Ok(sizes) => running.push((*spec, server, sizes)),
            Err(failure) => {
                return Outcome::Failed {
                    reason: format!("anchor probe: {}", failure.message),
                    cases: Vec::new(),
                }
            }
        }
    }

    let mut cases = Vec::new();
    let n = running.len();
    for case in &scenario.cases {
        eprintln!("xtask:   {}", case.name);
        let mut rows: Vec<Row> = running
            .iter()
            .map(|(spec, server, _)| Row {
                label: server.label,
                gateway: spec.gateway,
                note: spec.note,
                samples: Vec::new(),
            })
            .collect();
        let repeats = case.repeats.unwrap_or(timing.repeats);
        let result = (|| -> Result<(), String> {
            let measure = |i: usize, seconds: u32| {
                let (_, server, sizes) = &running[i];
                let wire = case.probe_key.as_ref().and_then(|k| sizes.get(k).copied());
                case.load.measure(server, env, seconds, wire)
            };
            for i in 0..n {
                measure(i, timing.warmup_secs)?;
            }
            for round in 0..repeats as usize {
                for k in 0..n {
                    let i = (round + k) % n;
                    rows[i].samples.push(measure(i, timing.run_secs)?);
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => cases.push(CaseResult {
                name: case.name.clone(),
                rows,
            }),
            Err(reason) => {
                return Outcome::Failed {
                    reason: format!("{}: {reason}", case.name),
                    cases,
                }
            }
        }
    }
    drop(running);
    Outcome::Measured {
        cases,
        anchors_only,
    }
}
