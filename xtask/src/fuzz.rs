//! `cargo xtask fuzz [--seconds N] [TARGET...]`: builds the cargo-fuzz targets in
//! `fuzz/` and runs each for N seconds (default 60), one after the other, at low
//! priority. cargo-fuzz needs nightly flags; `RUSTC_BOOTSTRAP=1` lets a stable
//! toolchain accept them. Crashes land in `fuzz/artifacts/TARGET/`.

use std::path::Path;
use std::process::Command;

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
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let status = Command::new("cargo")
        .args(["fuzz", "build", "-O"])
        .current_dir(&fuzz_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .status()
        .map_err(|e| format!("cannot start cargo fuzz (cargo install cargo-fuzz): {e}"))?;
    if !status.success() {
        return Err(format!("cargo fuzz build failed with {status}"));
    }
    let mut failed = Vec::new();
    for target in targets {
        eprintln!("xtask: fuzzing {target} for {seconds} s");
        let status = Command::new("nice")
            .args(["-n", "19", "cargo", "fuzz", "run", "-O", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .status()
            .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
        if !status.success() {
            failed.push(target);
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
