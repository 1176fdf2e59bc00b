//! Replays the hostile request corpus (`tests/corpus/*.http`, written by
//! `tests/corpus/generate.py`) over raw TCP against the helloworld stack in
//! production mode, from an untrusted peer (no trusted proxies).
//!
//! Each file's first line is its expectation (`# expect: 4xx|closed single`; see
//! the generator). Whatever a file expects, none may:
//! - crash the server or stop it answering `GET /hello` (checked after each file);
//! - return a file from outside the public root (`/etc/passwd`, helloworld's
//!   `Cargo.toml`, `production.toml`, `src/main.rs`);
//! - leak a path, a panic message or debug text;
//! - keep the connection open past the header and idle timeouts.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use support::stack::{self, raw_exchange, RawReply};
use tokio::sync::Semaphore;

/// What a file expects, from its first line.
#[derive(Debug, Clone)]
struct Expectation {
    alternatives: Vec<String>,
    single: bool,
    /// A known gap this file's accepted answer documents.
    known: Option<String>,
}

fn parse(path: &Path) -> (Expectation, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .expect("an expectation line");
    let line = std::str::from_utf8(&bytes[..newline]).unwrap();
    let spec = line
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{}: first line is not `# expect: ...`", path.display()));
    let mut words = spec.split_whitespace();
    let alternatives: Vec<String> = words
        .next()
        .expect("a status list")
        .split('|')
        .map(str::to_owned)
        .collect();
    let mut single = false;
    let mut known = None;
    for word in words {
        match word {
            "single" => single = true,
            w if w.starts_with("known=") => known = Some(w["known=".len()..].to_owned()),
            other => panic!("{}: unknown expectation word {other:?}", path.display()),
        }
    }
    let open_ok = alternatives.iter().any(|a: &String| a == "open");
    assert!(
        !open_ok || known.is_some(),
        "{}: `open` is only allowed for a known gap",
        path.display()
    );
    (
        Expectation {
            alternatives,
            single,
            known,
        },
        bytes[newline + 1..].to_vec(),
    )
}

/// The final statuses of every response in `text` (a status line at the start or
/// after a line break; 1xx interim responses are skipped).
fn statuses(text: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("HTTP/1.") {
        if i != 0 && !text[..i].ends_with('\n') {
            continue;
        }
        if let Some(code) = text.get(i + 9..i + 12).and_then(|c| c.parse::<u16>().ok()) {
            if code >= 200 {
                out.push(code);
            }
        }
    }
    out
}

fn accepts(alternative: &str, reply: &RawReply, first: Option<u16>) -> bool {
    match (alternative, first) {
        ("any", _) => true,
        ("open", _) => !reply.closed,
        ("closed", None) => reply.text.is_empty(),
        (class, Some(code)) if class.len() == 3 && class.ends_with("xx") => {
            class.as_bytes()[0] == b'0' + (code / 100) as u8
        }
        (exact, Some(code)) => exact.parse::<u16>() == Ok(code),
        _ => false,
    }
}

/// Text that must never reach an untrusted client in production.
const NEVER: &[(&str, &str)] = &[
    ("root:x:0:0", "/etc/passwd"),
    ("[package]", "a Cargo.toml"),
    ("[workspace]", "the workspace Cargo.toml"),
    ("[server.main]", "a config file"),
    ("fn main", "source code"),
    ("panicked", "a panic message"),
    (
        "boom from the fail controller",
        "the panic message of /fail",
    ),
    ("stack backtrace", "a backtrace"),
    ("RUST_BACKTRACE", "debug text"),
    ("/work/", "a server path"),
    ("examples/helloworld", "a server path"),
    ("<script>alert(1)", "reflected markup"),
];

fn check(name: &str, exp: &Expectation, reply: &RawReply) -> Result<String, String> {
    let all = statuses(&reply.text);
    let first = all.first().copied();
    let summary = format!(
        "{name}: {} -> {:?}{}",
        exp.alternatives.join("|"),
        all,
        if reply.closed { "" } else { " (open)" }
    );
    if !reply.closed && !exp.alternatives.iter().any(|a| a == "open") {
        return Err(format!(
            "{summary}: connection still open past the deadline"
        ));
    }
    if !exp.alternatives.iter().any(|a| accepts(a, reply, first)) {
        return Err(format!(
            "{summary}: unexpected answer {:?}",
            reply.text.chars().take(300).collect::<String>()
        ));
    }
    if exp.single && all.len() > 1 {
        return Err(format!("{summary}: a smuggled second request was answered"));
    }
    // Markup is only dangerous where a browser renders it: in an HTML response.
    let html = reply
        .text
        .to_ascii_lowercase()
        .contains("content-type: text/html");
    for (needle, what) in NEVER {
        let inert_markup = what.contains("markup") && !html;
        let documented =
            exp.known.as_deref() == Some("reflected-markup") && what.contains("markup");
        if reply.text.contains(needle) && !documented && !inert_markup {
            return Err(format!("{summary}: the response leaks {what} ({needle:?})"));
        }
    }
    Ok(summary)
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_corpus_has_at_least_200_files_each_with_an_expectation() {
    let files = corpus_files();
    assert!(files.len() >= 200, "only {} corpus files", files.len());
    for f in &files {
        let (exp, raw) = parse(f);
        assert!(
            !exp.alternatives.is_empty() && !raw.is_empty(),
            "{}",
            f.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_hostile_request_crashes_leaks_or_hangs_the_production_stack() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[global]\ndebug = false\n\n[app.main]\nuse = \"helloworld\"\npublic_dir = {:?}\n\n\
         [server.main]\nbind = \"127.0.0.1:0\"\nheader_read_timeout = \"2s\"\nidle_timeout = \"2s\"\n\
         body_read_timeout = \"2s\"\n",
        stack::public_dir().display().to_string()
    );
    let mut server = stack::start(dir.path(), &config).await;
    let addr = server.addr;
    // Header, body-read and idle timeouts 2 s checked every 0.5 s, plus a loaded machine.
    let deadline = Duration::from_secs(15);
    let gate = Arc::new(Semaphore::new(24));
    let mut tasks = Vec::new();
    for path in corpus_files() {
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let (exp, raw) = parse(&path);
            let reply = raw_exchange(addr, &raw, deadline).await;
            let verdict = check(&name, &exp, &reply).map(|summary| match &exp.known {
                Some(tag) => format!("{summary} [known gap: {tag}]"),
                None => summary,
            });
            // The server still answers after each file.
            let health = raw_exchange(
                addr,
                b"GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                deadline,
            )
            .await;
            let healthy =
                health.text.starts_with("HTTP/1.1 200") && health.text.ends_with("Hello World!");
            match (verdict, healthy) {
                (Ok(summary), true) => Ok(summary),
                (Ok(summary), false) => Err(format!(
                    "{summary}: /hello failed after it: {:?}",
                    health.text
                )),
                (Err(e), _) => Err(e),
            }
        }));
    }
    let mut failures = Vec::new();
    let mut passed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(summary) => {
                passed += 1;
                if summary.contains("[known gap") {
                    println!("corpus: {summary}");
                }
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(server.alive(), "the server died: {}", server.stderr());
    server.assert_healthy().await;
    println!("corpus: {passed} files passed, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
