//! `cargo xtask ci | bench | peers | scale-out | newcomer | fuzz | soak |
//! hostile-memory | mutants`: the project's
//! automation, in Rust so it runs wherever cargo does.

mod bench;
mod fuzz;
mod hostile_memory;
mod mutants;
mod newcomer;
mod peers;
mod proc;
mod scale_out;
mod soak;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench::bench(&args[1..]),
        Some("newcomer") => newcomer::newcomer(&args[1..]),
        Some("peers") => peers::peers(&args[1..]),
        Some("scale-out") => scale_out::scale_out(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("soak") => soak::soak(&args[1..]),
        Some("hostile-memory") => hostile_memory::hostile_memory(&args[1..]),
        Some("mutants") => mutants::mutants(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | bench [SCENARIO...] [--quick] [--anchors] [--no-pin] | bench instructions [SCENARIO...] | peers | scale-out | newcomer [--skip-tests] | fuzz [--seconds N] [TARGET...] | soak [--seconds N] | hostile-memory | mutants [GROUP...]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// fmt, clippy, tests and docs, in that order; the first failure stops the run.
fn ci() -> Result<(), String> {
    run("cargo", &["fmt", "--all", "--check"], &[])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    run("cargo", &["test", "--workspace", "--all-features"], &[])?;
    run(
        "cargo",
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok(())
}

/// Installs the crates.io crate `krate` unless `cargo SUBCOMMAND --version` runs.
fn ensure_cargo_subcommand(subcommand: &str, krate: &str) -> Result<(), String> {
    let present = Command::new("cargo")
        .args([subcommand, "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    run("cargo", &["install", krate, "--locked"], &[])
}

fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("xtask: running {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed with {status}",
            args.join(" ")
        ))
    }
}

/// The workspace root: xtask's parent directory.
pub(crate) fn workspace_root() -> Result<PathBuf, String> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "xtask has no parent directory".to_owned())
}

/// The target directory cargo builds into (honours `CARGO_TARGET_DIR`).
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |t| root.join(t))
}

/// Builds `package` in debug mode and returns the path of its binary of the same name.
pub(crate) fn build_debug(root: &Path, package: &str) -> Result<PathBuf, String> {
    eprintln!("xtask: building {package} (debug)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "-p", package])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {package} failed"));
    }
    Ok(target_dir(root).join("debug").join(package))
}
