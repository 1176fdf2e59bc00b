//! Replays the hostile request corpus (`tests/corpus/*.http`, written by
//! `tests/corpus/generate.py`) over raw TCP against the helloworld stack in
//! production mode, from an untrusted peer (no trusted proxies). The fixture's
//! `probe` app, mounted at `/probe`, answers what a request looked like after the
//! server and the router, so forged forwarding headers and `_method` tricks are
//! checked by what the app saw (`has=` words), not only by the status.
//!
//! What comes back is split into responses by their framing (status line, headers,
//! then a Content-Length, chunked or close-delimited body), so a second response
//! glued to the end of a body is counted wherever it starts.
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
    /// Text the first response's body must contain when that response is a 2xx.
    has: Vec<String>,
    /// What the first response's body must be when that response is a 2xx.
    is: Option<String>,
    /// The first response says `Connection: close` and the connection is closed.
    close: bool,
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
    for a in &alternatives {
        let class = a.len() == 3 && a.ends_with("xx") && a.as_bytes()[0].is_ascii_digit();
        let exact = a.len() == 3 && a.parse::<u16>().is_ok();
        assert!(
            class || exact || a == "closed" || a == "open" || a == "goaway",
            "{}: unknown alternative {a:?} (an exact status, a class such as 4xx, closed, goaway or open)",
            path.display()
        );
    }
    let mut single = false;
    let mut has = Vec::new();
    let mut is = None;
    let mut close = false;
    let mut known = None;
    for word in words {
        match word {
            "single" => single = true,
            "close" => close = true,
            w if w.starts_with("is=") => is = Some(w["is=".len()..].to_owned()),
            w if w.starts_with("has=") => has.push(w["has=".len()..].to_owned()),
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
            has,
            is,
            close,
            known,
        },
        bytes[newline + 1..].to_vec(),
    )
}

/// One response as its framing delimits it.
#[derive(Debug)]
struct Response {
    status: u16,
    body: Vec<u8>,
    /// The connection ended before the body its framing announced was complete.
    cut: bool,
    /// The response says `Connection: close`.
    close: bool,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits what came back into responses by their framing (RFC 9112 §6.3): a status
/// line and headers, then a body of `Content-Length` bytes, a chunked body, none
/// (1xx, 204, 304, or the answer to a HEAD), or everything up to the close. Whatever
/// follows a response must be another response: bytes glued to a body (a smuggled
/// request's answer, say) are found wherever they start. 1xx interim responses are
/// left out of the result.
fn split_responses(mut rest: &[u8], head_request: bool) -> Result<Vec<Response>, String> {
    let mut out: Vec<Response> = Vec::new();
    while !rest.is_empty() {
        let preview = || String::from_utf8_lossy(&rest[..rest.len().min(120)]).into_owned();
        if !rest.starts_with(b"HTTP/1.") {
            return Err(format!(
                "{} bytes after response {} are not a response: {:?}",
                rest.len(),
                out.len(),
                preview()
            ));
        }
        let head_end = find(rest, b"\r\n\r\n")
            .ok_or_else(|| format!("an unfinished response head: {:?}", preview()))?;
        let head = std::str::from_utf8(&rest[..head_end])
            .map_err(|_| format!("a response head that is not text: {:?}", preview()))?;
        let status: u16 = head
            .get(9..12)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("a status line without a status: {:?}", preview()))?;
        let mut lengths = Vec::new();
        let mut chunked = false;
        let mut close = false;
        for line in head.split("\r\n").skip(1) {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("a header line without a colon: {line:?}"))?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                lengths.push(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("a bad Content-Length {value:?}"))?,
                );
            } else if name.eq_ignore_ascii_case("connection") {
                close |= value
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("close"));
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().ends_with("chunked");
            }
        }
        lengths.dedup();
        if lengths.len() > 1 {
            return Err(format!(
                "a response with differing Content-Lengths: {head:?}"
            ));
        }
        let body_start = head_end + 4;
        let bodiless =
            status < 200 || status == 204 || status == 304 || (head_request && out.is_empty());
        let (body, consumed, cut) = if bodiless {
            (Vec::new(), body_start, false)
        } else if chunked {
            dechunk(&rest[body_start..]).map(|(b, used, cut)| (b, body_start + used, cut))?
        } else if let Some(&len) = lengths.first() {
            let available = rest.len() - body_start;
            let take = len.min(available);
            (
                rest[body_start..body_start + take].to_vec(),
                body_start + take,
                take < len,
            )
        } else {
            // Delimited by the close: the rest is this body.
            (rest[body_start..].to_vec(), rest.len(), false)
        };
        if status >= 200 {
            out.push(Response {
                status,
                body,
                cut,
                close,
            });
        }
        rest = &rest[consumed..];
    }
    Ok(out)
}

/// A chunked body: (the data, the bytes it used, whether it was cut short).
fn dechunk(bytes: &[u8]) -> Result<(Vec<u8>, usize, bool), String> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(line_end) = find(&bytes[at..], b"\r\n") else {
            return Ok((body, bytes.len(), true));
        };
        let line = String::from_utf8_lossy(&bytes[at..at + line_end]).into_owned();
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("a bad chunk size line {line:?}"))?;
        at += line_end + 2;
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                let Some(end) = find(&bytes[at..], b"\r\n") else {
                    return Ok((body, bytes.len(), true));
                };
                at += end + 2;
                if end == 0 {
                    return Ok((body, at, false));
                }
            }
        }
        if bytes.len() < at + size + 2 {
            body.extend_from_slice(&bytes[at..bytes.len().min(at + size)]);
            return Ok((body, bytes.len(), true));
        }
        body.extend_from_slice(&bytes[at..at + size]);
        if &bytes[at + size..at + size + 2] != b"\r\n" {
            return Err("a chunk not followed by CRLF".to_owned());
        }
        at += size + 2;
    }
}

/// Whether `bytes` are HTTP/2 frames ending in a GOAWAY with an error code: the
/// answer to a connection preface followed by garbage.
fn is_h2_goaway_with_error(bytes: &[u8]) -> bool {
    let mut at = 0;
    let mut last_goaway_error = None;
    while at + 9 <= bytes.len() {
        let len = usize::from(bytes[at]) << 16
            | usize::from(bytes[at + 1]) << 8
            | usize::from(bytes[at + 2]);
        let kind = bytes[at + 3];
        let payload = at + 9;
        if payload + len > bytes.len() {
            return false;
        }
        if kind == 7 && len >= 8 {
            let code = &bytes[payload + 4..payload + 8];
            last_goaway_error = Some(code != [0, 0, 0, 0]);
        }
        at = payload + len;
    }
    at == bytes.len() && last_goaway_error == Some(true)
}

fn accepts(alternative: &str, reply: &RawReply, first: Option<u16>) -> bool {
    match (alternative, first) {
        ("open", _) => !reply.closed,
        ("goaway", None) => reply.closed && is_h2_goaway_with_error(&reply.bytes),
        ("closed", None) => reply.bytes.is_empty(),
        (class, Some(code)) if class.len() == 3 && class.ends_with("xx") => {
            class.as_bytes()[0] == b'0' + (code / 100) as u8
        }
        (exact, Some(code)) => exact.parse::<u16>() == Ok(code),
        _ => false,
    }
}

/// Text that must never reach an untrusted client in production, with what it
/// would reveal. The server's own paths are worked out here, not written in, so
/// the check holds wherever the repository is checked out.
fn never() -> Vec<(String, String)> {
    let mut never: Vec<(String, String)> = [
        ("root:x:0:0", "/etc/passwd"),
        ("[package]", "a Cargo.toml"),
        ("[workspace]", "the workspace Cargo.toml"),
        ("[server.main]", "a config file"),
        ("fn main", "source code"),
        (".rs:", "a source location"),
        ("panicked", "a panic message"),
        (
            "boom from the fail controller",
            "the panic message of /fail",
        ),
        ("stack backtrace", "a backtrace"),
        ("RUST_BACKTRACE", "debug text"),
        ("examples/helloworld", "a source path"),
        ("<script>alert(1)", "reflected markup"),
    ]
    .into_iter()
    .map(|(n, w)| (n.to_owned(), w.to_owned()))
    .collect();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in [workspace, std::env::temp_dir()] {
        for path in [dir.clone(), dir.canonicalize().unwrap_or(dir)] {
            never.push((path.display().to_string(), "a server path".to_owned()));
        }
    }
    never
}

fn check(
    name: &str,
    exp: &Expectation,
    raw: &[u8],
    reply: &RawReply,
    never: &[(String, String)],
) -> Result<String, String> {
    let summary = |all: &[u16]| {
        format!(
            "{name}: {} -> {:?}{}",
            exp.alternatives.join("|"),
            all,
            if reply.closed { "" } else { " (open)" }
        )
    };
    if exp.alternatives.iter().any(|a| a == "goaway") && accepts("goaway", reply, None) {
        return Ok(summary(&[]));
    }
    let responses = split_responses(&reply.bytes, raw.starts_with(b"HEAD "))
        .map_err(|e| format!("{}: {e}", summary(&[])))?;
    let all: Vec<u16> = responses.iter().map(|r| r.status).collect();
    let first = all.first().copied();
    let summary = summary(&all);
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
    if exp.close && !(reply.closed && responses.first().is_some_and(|r| r.close)) {
        return Err(format!(
            "{summary}: the answer must say `Connection: close` and close the connection"
        ));
    }
    if let Some(first) = responses.first().filter(|r| (200..300).contains(&r.status)) {
        let body = String::from_utf8_lossy(&first.body);
        if let Some(want) = &exp.is {
            if body != want.as_str() || first.cut {
                return Err(format!("{summary}: the body is not {want:?}: {body:?}"));
            }
        }
        for want in &exp.has {
            if !body.contains(want.as_str()) || first.cut {
                return Err(format!(
                    "{summary}: the body does not say {want:?}: {body:?}"
                ));
            }
        }
    }
    // Markup is only dangerous where a browser renders it: in an HTML response.
    let html = reply
        .text
        .to_ascii_lowercase()
        .contains("content-type: text/html");
    for (needle, what) in never {
        let inert_markup = what.contains("markup") && !html;
        let documented =
            exp.known.as_deref() == Some("reflected-markup") && what.contains("markup");
        if reply.text.contains(needle.as_str()) && !documented && !inert_markup {
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
fn a_response_glued_to_the_previous_body_is_seen() {
    // The smuggling case: a second response right after a Content-Length body, with
    // no line break before it.
    let glued = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
    let statuses: Vec<u16> = split_responses(glued, false)
        .unwrap()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 404]);
    // The same after a chunked body.
    let glued = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n";
    let got = split_responses(glued, false).unwrap();
    assert_eq!(got.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 400]);
    assert_eq!(got[0].body, b"hello");
    // A body longer than announced leaves bytes that are not a response.
    let overlong = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhello";
    assert!(split_responses(overlong, false).is_err());
    // 1xx interim responses are skipped, HEAD answers have no body.
    let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n";
    let got = split_responses(interim, true).unwrap();
    assert_eq!(got.iter().map(|r| r.status).collect::<Vec<_>>(), [200]);
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
    // helloworld at the root, and the fixture's `probe` (which answers what a
    // request looked like after the server and the router) at /probe.
    let config = format!(
        "[global]\ndebug = false\n\n[composite.main]\nuse = \"urlmap\"\n\"/\" = \"hello\"\n\
         \"/probe\" = \"probe\"\n\n[app.hello]\nuse = \"helloworld\"\npublic_dir = {:?}\n\n\
         [app.probe]\nuse = \"probe\"\n\n\
         [server.main]\nbind = \"127.0.0.1:0\"\nheader_read_timeout = \"2s\"\nidle_timeout = \"2s\"\n\
         body_read_timeout = \"2s\"\n",
        stack::public_dir().display().to_string()
    );
    let mut server = stack::start(dir.path(), &config).await;
    let addr = server.addr;
    // Header, body-read and idle timeouts 2 s checked every 0.5 s, plus a loaded machine.
    let deadline = Duration::from_secs(15);
    let gate = Arc::new(Semaphore::new(24));
    let never = Arc::new(never());
    let mut tasks = Vec::new();
    for path in corpus_files() {
        let gate = gate.clone();
        let never = never.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let (exp, raw) = parse(&path);
            let reply = raw_exchange(addr, &raw, deadline).await;
            let verdict =
                check(&name, &exp, &raw, &reply, &never).map(|summary| match &exp.known {
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
