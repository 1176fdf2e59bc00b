//! `cargo xtask fuzz [--seconds N] [TARGET...]`: builds the cargo-fuzz targets in
//! `fuzz/` and runs each for N seconds (default 60), one after the other, at low
//! priority, then prints each target's executions. CI runs every target for 20 s.
//!
//! cargo-fuzz is installed (`cargo install cargo-fuzz --locked`) when it is
//! missing. It needs nightly compiler flags: the nightly toolchain is used when
//! rustup has one; otherwise `RUSTC_BOOTSTRAP=1` lets the stable toolchain accept
//! them. Crashes land in `fuzz/artifacts/TARGET/`.

use std::path::Path;
use std::process::{Command, Stdio};

/// Every target in `fuzz/fuzz_targets/`, in the order they run.
pub(crate) const TARGETS: &[&str] = &[
    "static_path",
    "range_header",
    "conditional_headers",
    "route_pattern",
    "deploy_config",
    "fastcgi_record",
    "scgi_netstring",
];

/// Whether rustup has a nightly toolchain.
fn has_nightly() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `cargo` with the toolchain to fuzz with (`+nightly`, or stable with
/// `RUSTC_BOOTSTRAP=1`), under `nice -n 19` when `nice` is set.
fn cargo(nightly: bool, nice: bool) -> Command {
    let mut cargo = if nice {
        let mut c = Command::new("nice");
        c.args(["-n", "19", "cargo"]);
        c
    } else {
        Command::new("cargo")
    };
    if nightly {
        cargo.arg("+nightly");
    } else {
        cargo.env("RUSTC_BOOTSTRAP", "1");
    }
    cargo
}

/// libFuzzer's final `stat::number_of_executed_units: N`.
fn executions(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
}

pub(crate) fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds = 60u64;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds {value:?}: expected a whole number"))?;
            }
            name if TARGETS.contains(&name) => targets.push(name),
            other => {
                return Err(format!(
                    "unknown fuzz argument {other:?} (targets: {})",
                    TARGETS.join(", ")
                ))
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    crate::ensure_cargo_subcommand("fuzz", "cargo-fuzz")?;
    let nightly = has_nightly();
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let status = cargo(nightly, false)
        .args(["fuzz", "build", "-O"])
        .current_dir(&fuzz_dir)
        .status()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    if !status.success() {
        return Err(format!("cargo fuzz build failed with {status}"));
    }
    let mut failed = Vec::new();
    let mut figures = Vec::new();
    for target in targets {
        eprintln!("xtask: fuzzing {target} for {seconds} s");
        // Each target's corpus stays in fuzz/corpus/TARGET, so runs build on
        // each other.
        let out = cargo(nightly, true)
            .args(["fuzz", "run", "-O", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .current_dir(&fuzz_dir)
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        // libFuzzer reports on stderr; keep its last lines visible.
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        for line in tail.into_iter().rev() {
            eprintln!("  {line}");
        }
        if !out.status.success() {
            failed.push(target);
        }
        figures.push((target, executions(&stderr)));
    }
    eprintln!("xtask: fuzz executions ({seconds} s per target):");
    for (target, runs) in &figures {
        match runs {
            Some(n) => eprintln!(
                "  {target:<20} {n:>12} ({:.0}/s)",
                *n as f64 / seconds as f64
            ),
            None => eprintln!("  {target:<20} {:>12}", "no stats"),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets found crashes (see fuzz/artifacts/): {}",
            failed.join(", ")
        ))
    }
}
