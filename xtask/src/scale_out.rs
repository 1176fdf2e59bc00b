//! `cargo xtask scale-out`: `examples/scale-out/run.sh` under wrk while every
//! instance is drained and restarted in turn, over HTTP and over FastCGI. Passes
//! only with zero failed requests: no socket error, no non-2xx response.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench::parse;
use crate::proc;

/// How long wrk loads the balancer; the rolling restart must fit inside.
const LOAD_SECS: u64 = 14;
/// When the rolling restart starts, after the load did.
const RESTART_AFTER: Duration = Duration::from_secs(2);

/// `cargo xtask scale-out [http|fastcgi]...`.
pub(crate) fn scale_out(args: &[String]) -> Result<(), String> {
    let mut modes: Vec<&str> = Vec::new();
    for arg in args {
        match arg.as_str() {
            "http" | "fastcgi" => modes.push(arg),
            other => return Err(format!("unknown mode `{other}`: http or fastcgi")),
        }
    }
    if modes.is_empty() {
        modes = vec!["http", "fastcgi"];
    }
    let missing: Vec<&str> = ["nginx", "curl", "wrk"]
        .into_iter()
        .filter(|tool| proc::find_program(tool).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} not found: apt-get install nginx curl wrk",
            missing.join(", ")
        ));
    }
    let root = crate::workspace_root()?;
    let helloworld = crate::build_debug(&root, "helloworld")?;
    let mut failures = Vec::new();
    for mode in modes {
        match run_mode(&root, &helloworld, mode) {
            Ok(summary) => println!("scale-out {mode}: {summary}"),
            Err(e) => {
                println!("scale-out {mode}: FAILED: {e}");
                failures.push(mode);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "rolling restart dropped requests over {}",
            failures.join(", ")
        ))
    }
}

fn run_mode(root: &Path, helloworld: &Path, mode: &str) -> Result<String, String> {
    let run_dir =
        std::env::temp_dir().join(format!("gateway-scale-out-{}-{mode}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run_dir);
    let port = proc::free_port()?;
    let app_ports = format!("{} {}", proc::free_port()?, proc::free_port()?);
    let script = root.join("examples/scale-out/run.sh");
    let run_sh = |command: &str| -> Result<(), String> {
        let out = Command::new("bash")
            .arg(&script)
            .arg(command)
            .env("MODE", mode)
            .env("PORT", port.to_string())
            .env("APP_PORTS", &app_ports)
            .env("GATEWAY_BIN", helloworld)
            .env("RUN_DIR", &run_dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        let log = String::from_utf8_lossy(&out.stderr);
        for line in log.lines() {
            eprintln!("  {line}");
        }
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("run.sh {command} failed ({})", out.status))
        }
    };
    // One pid per instance, "" where an instance has no pid file.
    let pids = || -> Vec<String> {
        (1..=2)
            .map(|n| {
                std::fs::read_to_string(run_dir.join(format!("instance-{n}.pid")))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .collect()
    };

    eprintln!("xtask: scale-out over {mode}");
    let result = (|| {
        run_sh("start")?;
        let before = pids();
        let wrk = Command::new("wrk")
            .args([
                "-t1",
                "-c16",
                &format!("-d{LOAD_SECS}s"),
                "--timeout",
                "5s",
                "--latency",
            ])
            .arg(format!("http://127.0.0.1:{port}/hello"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start wrk: {e}"))?;
        let started = Instant::now();
        std::thread::sleep(RESTART_AFTER);
        let restart = run_sh("rolling-restart");
        let restart_done = started.elapsed();
        let out = wrk.wait_with_output().map_err(|e| format!("wrk: {e}"))?;
        restart?;
        let after = pids();
        let text = String::from_utf8_lossy(&out.stdout);
        let report = parse::wrk(&text)?;
        // Every instance must have been replaced: a new, running pid in each slot.
        let restarted = before.len() == after.len()
            && before
                .iter()
                .zip(&after)
                .all(|(old, new)| !old.is_empty() && !new.is_empty() && old != new);
        if !restarted {
            return Err(format!(
                "not every instance was restarted (pids before {before:?}, after {after:?})"
            ));
        }
        if restart_done >= Duration::from_secs(LOAD_SECS) {
            return Err(format!(
                "the rolling restart took {restart_done:?}, longer than the {LOAD_SECS} s load"
            ));
        }
        if report.requests == 0 || report.socket_errors > 0 || report.bad_status > 0 {
            return Err(format!(
                "{} requests, {} socket errors, {} non-2xx responses\n{text}",
                report.requests, report.socket_errors, report.bad_status
            ));
        }
        Ok(format!(
            "{} requests in {:.1} s, 0 socket errors, 0 non-2xx; both instances drained and \
             restarted (pids {} -> {}) within {:.1} s",
            report.requests,
            report.seconds,
            before.join(" "),
            after.join(" "),
            restart_done.as_secs_f64()
        ))
    })();
    let stopped = run_sh("stop");
    if result.is_ok() && stopped.is_ok() {
        let _ = std::fs::remove_dir_all(&run_dir);
    } else {
        eprintln!("xtask: logs kept in {}", run_dir.display());
    }
    let summary = result?;
    stopped?;
    Ok(summary)
}
