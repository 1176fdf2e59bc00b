//! `cargo xtask hostile-memory`: builds `helloworld` in release mode and runs the
//! memory-waves check of `tests/tests/hostile.rs` against it: waves of
//! zero-window HTTP/2 connections, and 10 s after each wave the server's RSS must
//! be back within 24 MiB of its baseline. The test is `#[ignore]`d so `cargo test`
//! needs no release build; this names the binary and runs it with `--ignored`.

use std::process::Command;

pub(crate) fn hostile_memory(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask hostile-memory".to_owned());
    }
    let root = crate::workspace_root()?;
    crate::run("cargo", &["build", "--release", "-p", "helloworld"], &[])?;
    let bin = crate::target_dir(&root).join("release").join("helloworld");
    let status = Command::new("cargo")
        .args([
            "test",
            "-p",
            "gateway-tests",
            "--test",
            "hostile",
            "--",
            "--ignored",
            "--exact",
            "memory_returns_after_waves_of_zero_window_http2_connections",
            "--nocapture",
        ])
        .env("GATEWAY_HELLOWORLD_BIN", &bin)
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the memory waves failed with {status}"))
    }
}
