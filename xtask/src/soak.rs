//! `cargo xtask soak [--seconds N]`: the long soak (default 300 s) of the
//! helloworld stack, `tests/tests/soak.rs` with `GATEWAY_SOAK_SECS` set. The test is
//! `#[ignore]`d so `cargo test` stays short; this runs it with `--ignored`. CI runs
//! it for 60 s.

use std::process::Command;

pub(crate) fn soak(args: &[String]) -> Result<(), String> {
    let seconds = match args {
        [] => 300,
        [flag, value] if flag == "--seconds" => value
            .parse::<u64>()
            .map_err(|_| format!("--seconds {value:?}: expected a whole number"))?,
        _ => return Err("usage: cargo xtask soak [--seconds N]".to_owned()),
    };
    let status = Command::new("cargo")
        .args([
            "test",
            "-p",
            "gateway-tests",
            "--test",
            "soak",
            "--",
            "--ignored",
            "--nocapture",
        ])
        .env("GATEWAY_SOAK_SECS", seconds.to_string())
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the soak failed with {status}"))
    }
}
