//! `cargo xtask newcomer [--skip-tests] [--keep]`: do what a newcomer does, on a
//! clean clone.
//!
//! 1. `git clone` this repository (its committed `HEAD`: uncommitted changes are
//!    not seen) into a fresh temporary directory.
//! 2. Run the README's two commands there: `cargo run -p helloworld` until it prints
//!    `serving on`, and `cargo test --workspace`.
//! 3. Run `curl` against every row of the helloworld contract (examples/helloworld/README.md; the same
//!    expectations as `examples/helloworld/tests/contract.rs`).
//! 4. Check every command in README.md and docs/guide.md: each `cargo ...` or
//!    `helloworld ...` line of their `sh` blocks. Cheap ones run (`serve ... --check`);
//!    for the others the package, test target or xtask subcommand must exist.
//!
//! The clone builds into this checkout's target directory (`CARGO_TARGET_DIR`, or
//! `<repo>/target`), so crates.io dependencies are not rebuilt; the workspace's own
//! crates are, because their path differs.
//!
//! `--skip-tests` skips `cargo test --workspace` (CI has just run the whole suite on
//! the same commit, so CI calls `cargo xtask newcomer --skip-tests`). `--keep` leaves
//! the clone in place for a look.
//!
//! If something already listens on 127.0.0.1:8000 (another checkout's helloworld),
//! the server is started with `-- serve --bind 127.0.0.1:0` instead of taking the
//! port, and the run says so.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the first `cargo run -p helloworld` may take to build and start.
const START_TIMEOUT: Duration = Duration::from_secs(900);

/// Runs the newcomer check with the given arguments.
pub(crate) fn newcomer(args: &[String]) -> Result<(), String> {
    let mut skip_tests = false;
    let mut keep = false;
    for arg in args {
        match arg.as_str() {
            "--skip-tests" => skip_tests = true,
            "--keep" => keep = true,
            other => {
                return Err(format!(
                    "newcomer: unknown argument {other:?} (expected --skip-tests or --keep)"
                ))
            }
        }
    }

    let repo = repo_root()?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"));
    let work = fresh_temp_dir()?;
    let clone = work.join("gateway");
    let result = run_all(&repo, &clone, &target_dir, skip_tests);
    if keep {
        eprintln!("newcomer: the clone is kept in {}", clone.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    result
}

fn run_all(repo: &Path, clone: &Path, target_dir: &Path, skip_tests: bool) -> Result<(), String> {
    step(&format!("git clone {} {}", repo.display(), clone.display()));
    let status = Command::new("git")
        .args(["clone", "--quiet"])
        .arg(repo)
        .arg(clone)
        .status()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !status.success() {
        return Err(format!("git clone failed with {status}"));
    }
    let cargo = Cargo {
        dir: clone.to_owned(),
        target_dir: target_dir.to_owned(),
    };

    let readme = read(&clone.join("README.md"))?;
    let guide = read(&clone.join("docs/guide.md"))?;
    let readme_commands = commands(&readme);
    for expected in ["cargo run -p helloworld", "cargo test --workspace"] {
        if !readme_commands.iter().any(|c| c == expected) {
            return Err(format!(
                "README.md no longer shows `{expected}` in a sh block"
            ));
        }
    }

    // The README's first command, and the contract against it.
    // The server's stderr (the build, then its error log) goes to a file, shown
    // only when something fails.
    let log = clone.with_file_name("helloworld.log");
    let started = Helloworld::start(&cargo, &log);
    let contract = started.and_then(|mut server| {
        let result = check_contract(clone, &server.base);
        server.stop();
        result
    });
    if let Err(e) = contract {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{e}\nthe last lines of its stderr:\n{}",
            tail.join("\n")
        ));
    }

    if skip_tests {
        step("cargo test --workspace: skipped (--skip-tests: CI ran the suite on this commit)");
    } else {
        cargo.run_ok(&["test", "--workspace"])?;
    }

    check_commands(&cargo, "README.md", &readme_commands)?;
    check_commands(&cargo, "docs/guide.md", &commands(&guide))?;
    // The two first-hour scenarios: an axum app adopting the crates, and a site
    // served from a config file without writing Rust.
    for file in [
        "examples/axum-mix/README.md",
        "examples/static-site/README.md",
    ] {
        check_commands(&cargo, file, &commands(&read(&clone.join(file))?))?;
    }
    step("newcomer: everything a newcomer meets works");
    Ok(())
}

fn step(text: &str) {
    eprintln!("xtask newcomer: {text}");
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The repository this xtask was built from.
fn repo_root() -> Result<PathBuf, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_owned)
        .ok_or_else(|| "xtask has no parent directory".to_owned())
}

fn fresh_temp_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("gateway-newcomer-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The command lines of a markdown file's `sh` blocks that a newcomer would type:
/// those starting with `cargo ` or `helloworld `, without trailing comments.
fn commands(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_sh = None::<bool>;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_sh = match in_sh {
                None => Some(matches!(info.trim(), "sh" | "bash" | "shell" | "console")),
                Some(_) => None,
            };
            continue;
        }
        if in_sh != Some(true) {
            continue;
        }
        let command = trimmed.trim_start_matches("$ ");
        let command = command.split(" #").next().unwrap_or("").trim();
        if command.starts_with("cargo ") || command.starts_with("helloworld ") {
            found.push(command.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    found
}

/// cargo, run in the clone with the shared target directory.
struct Cargo {
    dir: PathBuf,
    target_dir: PathBuf,
}

impl Cargo {
    fn command(&self, args: &[&str]) -> Command {
        let mut command =
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
        command
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target_dir);
        command
    }

    fn run_ok(&self, args: &[&str]) -> Result<(), String> {
        step(&format!("cargo {}", args.join(" ")));
        let status = self
            .command(args)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`cargo {}` failed with {status}", args.join(" ")))
        }
    }

    fn output(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .command(args)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`cargo {}` failed with {}",
                args.join(" "),
                out.status
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// `cargo run -p helloworld`, running in the background.
struct Helloworld {
    child: Child,
    base: String,
}

impl Helloworld {
    fn start(cargo: &Cargo, log: &Path) -> Result<Self, String> {
        let log = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut args = vec!["run", "-p", "helloworld"];
        if std::net::TcpListener::bind("127.0.0.1:8000").is_err() {
            step("127.0.0.1:8000 is taken on this machine: adding `-- serve --bind 127.0.0.1:0`");
            args.extend(["--", "serve", "--bind", "127.0.0.1:0"]);
        }
        step(&format!(
            "cargo {} (until it prints `serving on`)",
            args.join(" ")
        ));
        let mut child = cargo
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("serving on ") {
                        step(&line);
                        return Ok(Helloworld {
                            child,
                            base: addr.trim().to_owned(),
                        });
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "`cargo {}` never printed `serving on` within {START_TIMEOUT:?}",
                        args.join(" ")
                    ));
                }
            }
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Helloworld {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What curl saw.
struct Reply {
    exit: Option<i32>,
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

fn curl(url: &str, extra: &[&str]) -> Result<Reply, String> {
    let body_file = std::env::temp_dir().join(format!(
        "gateway-newcomer-body-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let out = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "20",
            "-w",
            "%{http_code} %{content_type}",
            "-o",
        ])
        .arg(&body_file)
        .args(extra)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl (is it installed?): {e}"))?;
    let body = std::fs::read(&body_file).unwrap_or_default();
    let _ = std::fs::remove_file(&body_file);
    let written = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, content_type) = written.split_once(' ').unwrap_or((&written, ""));
    Ok(Reply {
        exit: out.status.code(),
        status: status.trim().parse().unwrap_or(0),
        content_type: content_type.trim().to_ascii_lowercase(),
        body,
    })
}

/// Every row of the helloworld contract (examples/helloworld/README.md), with curl.
fn check_contract(clone: &Path, base: &str) -> Result<(), String> {
    let project = clone.join("examples/helloworld");
    let index = std::fs::read(project.join("public/index.html"))
        .map_err(|e| format!("cannot read public/index.html: {e}"))?;
    let helpers = std::fs::read(project.join("assets/javascripts/helpers.js"))
        .map_err(|e| format!("cannot read assets/javascripts/helpers.js: {e}"))?;

    let mut failures = Vec::new();
    let mut check = |row: &str, ok: bool, saw: String| {
        if ok {
            step(&format!("contract: {row}: ok"));
        } else {
            failures.push(format!("{row}: {saw}"));
        }
    };
    let seen = |r: &Reply| {
        format!(
            "status {}, content-type {:?}, curl exit {:?}, body {:?}",
            r.status,
            r.content_type,
            r.exit,
            String::from_utf8_lossy(&r.body)
        )
    };

    let r = curl(&format!("{base}/"), &[])?;
    check(
        "GET / is public/index.html",
        r.status == 200 && r.body == index,
        seen(&r),
    );
    let r = curl(&format!("{base}/javascripts/helpers.js"), &[])?;
    check(
        "GET /javascripts/helpers.js is the embedded asset",
        r.status == 200 && r.body == helpers && r.content_type.starts_with("text/javascript"),
        seen(&r),
    );
    for path in ["/hello", "/stream", "/response", "/classy"] {
        let r = curl(&format!("{base}{path}"), &[])?;
        check(
            &format!("GET {path} is Hello World!"),
            r.status == 200 && r.body == b"Hello World!" && r.content_type.starts_with("text/html"),
            seen(&r),
        );
    }
    let texts: [(&str, &str); 4] = [
        ("/wrapped", "<html>\n<body>\nHello World!\n</body>\n</html>"),
        ("/environ", "Hello World"),
        ("/greet/show/42", "42"),
        ("/greet/links", "/greet/show/3?q=x"),
    ];
    for (path, expected) in texts {
        let r = curl(&format!("{base}{path}"), &[])?;
        check(
            &format!("GET {path} is {expected:?}"),
            r.status == 200 && r.body == expected.as_bytes(),
            seen(&r),
        );
    }
    let payload = "newcomer payload: \u{e9}\u{1F600} 0123456789";
    let r = curl(
        &format!("{base}/echo"),
        &[
            "--data-binary",
            payload,
            "-H",
            "content-type: application/octet-stream",
        ],
    )?;
    check(
        "POST /echo returns the body byte for byte",
        r.status == 200 && r.body == payload.as_bytes(),
        seen(&r),
    );
    // `cargo run -p helloworld` serves development.toml: debug is on.
    let r = curl(&format!("{base}/fail"), &[])?;
    check(
        "GET /fail is the 500 debug page",
        r.status == 500
            && String::from_utf8_lossy(&r.body).contains("boom from the fail controller"),
        seen(&r),
    );
    let r = curl(&format!("{base}/fail_late"), &[])?;
    check(
        "GET /fail_late is cut short after `partial`",
        r.status == 200 && r.body == b"partial" && r.exit != Some(0),
        seen(&r),
    );
    let r = curl(&format!("{base}/no/such/page"), &[])?;
    check(
        "anything else is a 404 error document",
        r.status == 404
            && r.content_type.starts_with("text/html")
            && String::from_utf8_lossy(&r.body).contains("404 Not Found"),
        seen(&r),
    );

    let r = curl(
        &format!("{base}/no/such/page"),
        &["-H", "accept: application/json"],
    )?;
    check(
        "a JSON client's 404 is problem details",
        r.status == 404
            && r.content_type.starts_with("application/problem+json")
            && String::from_utf8_lossy(&r.body).contains("\"status\":404"),
        seen(&r),
    );

    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "helloworld contract failures:\n  {}",
            failures.join("\n  ")
        ))
    }
}

/// The workspace's packages, and each one's targets (`kind:name`).
struct Metadata {
    packages: BTreeSet<String>,
    targets: BTreeSet<String>,
}

impl Metadata {
    /// Reads `cargo metadata` without a JSON parser: the `"name"` fields that follow
    /// a package's `"id"` and each target's `"kind"`.
    fn load(cargo: &Cargo) -> Result<Self, String> {
        let json = cargo.output(&["metadata", "--no-deps", "--format-version", "1"])?;
        Self::parse(&json)
    }

    fn parse(json: &str) -> Result<Self, String> {
        let mut packages = BTreeSet::new();
        let mut targets = BTreeSet::new();
        // Each package object starts with `{"name":"...","version"`.
        for piece in json.split("{\"name\":\"").skip(1) {
            let name = piece.split('"').next().unwrap_or("").to_owned();
            if piece[name.len()..].starts_with("\",\"version\"") {
                packages.insert(name);
            }
        }
        // Each target object has `"kind":["bin"],...,"name":"..."`.
        for piece in json.split("\"kind\":[\"").skip(1) {
            let kind = piece.split('"').next().unwrap_or("");
            if let Some(rest) = piece.split("\"name\":\"").nth(1) {
                let name = rest.split('"').next().unwrap_or("");
                targets.insert(format!("{kind}:{name}"));
            }
        }
        if packages.is_empty() {
            return Err("cargo metadata listed no packages".to_owned());
        }
        Ok(Metadata { packages, targets })
    }
}

/// The value after `flag` in `words`, if any.
fn value_of<'a>(words: &[&'a str], flag: &str) -> Vec<&'a str> {
    words
        .windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1])
        .collect()
}

fn check_commands(cargo: &Cargo, file: &str, commands: &[String]) -> Result<(), String> {
    let metadata = Metadata::load(cargo)?;
    let xtask_main = xtask_usage(cargo)?;
    let mut failures = Vec::new();
    for command in commands {
        let outcome = check_command(cargo, &metadata, &xtask_main, command);
        match outcome {
            Ok(how) => step(&format!("{file}: `{command}`: {how}")),
            Err(e) => failures.push(format!("{file}: `{command}`: {e}")),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// The dispatch of `xtask/src/main.rs`, where each subcommand is a `Some("NAME")` arm.
fn xtask_usage(cargo: &Cargo) -> Result<String, String> {
    read(&cargo.dir.join("xtask/src/main.rs"))
}

fn check_command(
    cargo: &Cargo,
    metadata: &Metadata,
    xtask_main: &str,
    command: &str,
) -> Result<String, String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    // `helloworld ARGS` is the binary a `cargo install` or `cargo run -p helloworld --` gives.
    let (cargo_args, program_args): (Vec<&str>, Vec<&str>) = if words[0] == "helloworld" {
        (vec!["run", "-q", "-p", "helloworld"], words[1..].to_vec())
    } else {
        let split = words.iter().position(|w| *w == "--").unwrap_or(words.len());
        (
            words[1..split].to_vec(),
            words
                .get(split + 1..)
                .map(<[&str]>::to_vec)
                .unwrap_or_default(),
        )
    };
    for package in value_of(&cargo_args, "-p")
        .into_iter()
        .chain(value_of(&cargo_args, "--package"))
    {
        if !metadata.packages.contains(package) {
            return Err(format!("no package {package:?} in the workspace"));
        }
    }
    for (flag, kind) in [
        ("--test", "test"),
        ("--bench", "bench"),
        ("--example", "example"),
        ("--bin", "bin"),
    ] {
        for name in value_of(&cargo_args, flag) {
            if !metadata.targets.contains(&format!("{kind}:{name}")) {
                return Err(format!("no {kind} target {name:?}"));
            }
        }
    }
    match cargo_args.first().copied() {
        Some("xtask") => {
            let sub = cargo_args.get(1).copied().unwrap_or("");
            if sub.is_empty() || xtask_main.contains(&format!("Some(\"{sub}\")")) {
                Ok(format!("`cargo xtask {sub}` is a subcommand"))
            } else {
                Err(format!(
                    "`cargo xtask` has no subcommand {sub:?} in xtask/src/main.rs"
                ))
            }
        }
        Some("run") if program_args.first() == Some(&"serve") => {
            // Serve commands run for real with `--check`: it loads the config and
            // the flags, prints the stack and exits without binding.
            let mut args = cargo_args.clone();
            args.push("--");
            args.extend(&program_args);
            if !program_args.contains(&"--check") {
                args.push("--check");
            }
            cargo.output(&args).map(|_| "ran with --check".to_owned())
        }
        Some("run")
            if program_args
                .iter()
                .any(|a| *a == "--help" || *a == "--check") =>
        {
            let mut args = cargo_args.clone();
            args.push("--");
            args.extend(&program_args);
            cargo.output(&args).map(|_| "ran".to_owned())
        }
        Some("run") => {
            // A server that would run until stopped: it must build.
            let mut args = vec!["build"];
            args.extend(&cargo_args[1..]);
            cargo
                .output(&args)
                .map(|_| "builds (a server: not left running)".to_owned())
        }
        Some("test" | "bench" | "doc" | "clippy" | "build" | "check" | "fmt") => {
            Ok("its packages and targets exist".to_owned())
        }
        Some(other) => Err(format!("unknown cargo subcommand {other:?}")),
        None => Err("empty command".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_taken_from_sh_blocks_only_without_comments() {
        let markdown =
            "```sh\ncargo run -p helloworld   # serves\n$ cargo test --workspace\nls\n```\n\
                        ```rust\ncargo run -p nothing\n```\n";
        assert_eq!(
            commands(markdown),
            ["cargo run -p helloworld", "cargo test --workspace"]
        );
    }

    #[test]
    fn metadata_lists_packages_and_their_targets() {
        let json = r#"{"packages":[{"name":"helloworld","version":"0.1.0","id":"x","targets":[{"kind":["bin"],"crate_types":["bin"],"name":"helloworld","src_path":"/a"},{"kind":["test"],"crate_types":["bin"],"name":"contract","src_path":"/b"}],"features":{}}],"workspace_members":[]}"#;
        let metadata = Metadata::parse(json).unwrap();
        assert_eq!(metadata.packages.iter().collect::<Vec<_>>(), ["helloworld"]);
        assert!(metadata.targets.contains("bin:helloworld"));
        assert!(metadata.targets.contains("test:contract"));
        assert!(!metadata.targets.contains("test:helloworld"));
    }

    #[test]
    fn value_of_finds_every_occurrence() {
        let words = ["test", "-p", "a", "--test", "t", "-p", "b"];
        assert_eq!(value_of(&words, "-p"), ["a", "b"]);
        assert_eq!(value_of(&words, "--bench"), Vec::<&str>::new());
    }
}
