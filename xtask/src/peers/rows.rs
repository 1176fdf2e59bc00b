//! The helloworld contract (examples/helloworld/README.md), row by row, as requests and the checks
//! their replies must pass. The app is mounted under `/app` on every path.

use std::path::Path;

/// The mount prefix every path puts the app under.
pub(crate) const PREFIX: &str = "/app";

/// The forged or forwarded client address the whoami rows send.
pub(crate) const FORWARDED_CLIENT: &str = "203.0.113.9";

/// A client address that is not a trusted proxy (Linux routes all of 127/8 to lo).
pub(crate) const UNTRUSTED_CLIENT: &str = "127.0.0.2";

/// One request of the contract and what its reply must show.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) name: String,
    /// Under the prefix, with any query.
    pub(crate) path: &'static str,
    /// `Some` makes it a POST with this body.
    pub(crate) post: Option<Vec<u8>>,
    pub(crate) headers: Vec<(&'static str, &'static str)>,
    /// The client's source address (curl's `--interface`, CGI's `REMOTE_ADDR`).
    pub(crate) from: &'static str,
    pub(crate) checks: Vec<Check>,
    /// False for rows that say nothing about a path run without a web server.
    pub(crate) cgi: bool,
}

/// One thing a reply must show.
#[derive(Debug, Clone)]
pub(crate) enum Check {
    Status(u16),
    Body(Vec<u8>),
    BodyContains(&'static str),
    BodyLacks(&'static str),
    /// A substring of the lower-cased header block.
    Header(&'static str),
    NoHeader(&'static str),
    /// The transfer must end in an error (curl exits non-zero, CGI exits non-zero).
    Cut,
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reply {
    /// The transfer ended normally (curl or the CGI process exited 0).
    pub(crate) clean: bool,
    pub(crate) status: u16,
    /// The header block, lower-cased.
    pub(crate) headers: String,
    pub(crate) body: Vec<u8>,
}

fn show(bytes: &[u8]) -> String {
    if bytes.len() <= 60
        && bytes
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\n')
    {
        format!("`{}`", String::from_utf8_lossy(bytes).replace('\n', "\\n"))
    } else {
        format!("{} bytes", bytes.len())
    }
}

/// How `got` differs from `want`.
fn body_diff(got: &[u8], want: &[u8]) -> String {
    let at = got.iter().zip(want).position(|(a, b)| a != b);
    match at {
        Some(i) => format!(
            "body {} instead of {}, first differing at byte {i}",
            show(got),
            show(want)
        ),
        None => format!("body {} instead of {}", show(got), show(want)),
    }
}

impl Row {
    fn get(name: &str, path: &'static str, checks: Vec<Check>) -> Row {
        Row {
            name: name.to_owned(),
            path,
            post: None,
            headers: Vec::new(),
            from: "127.0.0.1",
            checks,
            cgi: true,
        }
    }

    /// `Ok` when every check passes; otherwise what differed.
    pub(crate) fn verify(&self, reply: &Reply) -> Result<(), String> {
        let mut wrong = Vec::new();
        let cut_expected = self.checks.iter().any(|c| matches!(c, Check::Cut));
        if !cut_expected && !reply.clean {
            wrong.push("the transfer failed".to_owned());
        }
        for check in &self.checks {
            let bad = match check {
                Check::Status(s) => {
                    (reply.status != *s).then(|| format!("status {} instead of {s}", reply.status))
                }
                Check::Body(b) => (reply.body != *b).then(|| body_diff(&reply.body, b)),
                Check::BodyContains(s) => (!String::from_utf8_lossy(&reply.body).contains(s))
                    .then(|| format!("body {} lacks `{s}`", show(&reply.body))),
                Check::BodyLacks(s) => String::from_utf8_lossy(&reply.body)
                    .contains(s)
                    .then(|| format!("body shows `{s}`")),
                Check::Header(h) => (!reply.headers.contains(h))
                    .then(|| format!("no `{h}` in headers [{}]", one_line(&reply.headers))),
                Check::NoHeader(h) => reply
                    .headers
                    .contains(h)
                    .then(|| format!("`{h}` in headers [{}]", one_line(&reply.headers))),
                Check::Cut => reply
                    .clean
                    .then(|| "the transfer ended cleanly; it must be cut".to_owned()),
            };
            wrong.extend(bad);
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("; "))
        }
    }
}

fn one_line(headers: &str) -> String {
    headers
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Bytes that are not all alike, so an echo that drops or reorders shows.
pub(crate) fn pattern(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// Every contract row, as helloworld answers it under production settings
/// (`debug = false`).
pub(crate) fn all(helloworld_dir: &Path) -> Result<Vec<Row>, String> {
    use Check::*;
    let read = |rel: &str| {
        let path = helloworld_dir.join(rel);
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let hello = || Body(b"Hello World!".to_vec());
    let html = Header("content-type: text/html");
    let mut rows = vec![
        Row::get(
            "GET /",
            "/",
            vec![Status(200), Body(read("public/index.html")?)],
        ),
        Row::get(
            "GET /javascripts/helpers.js",
            "/javascripts/helpers.js",
            vec![
                Status(200),
                Header("content-type: text/javascript"),
                Body(read("assets/javascripts/helpers.js")?),
            ],
        ),
        Row::get(
            "GET /hello",
            "/hello",
            vec![Status(200), html.clone(), hello()],
        ),
        Row::get(
            "GET /stream (no Content-Length)",
            "/stream",
            vec![Status(200), NoHeader("content-length:"), hello()],
        ),
        Row::get("GET /response", "/response", vec![Status(200), hello()]),
        Row::get("GET /classy", "/classy", vec![Status(200), hello()]),
        Row::get(
            "GET /wrapped",
            "/wrapped",
            vec![
                Status(200),
                Body(b"<html>\n<body>\nHello World!\n</body>\n</html>".to_vec()),
            ],
        ),
        Row::get(
            "GET /environ",
            "/environ",
            vec![Status(200), Body(b"Hello World".to_vec())],
        ),
        Row::get(
            "GET /greet/show/42",
            "/greet/show/42",
            vec![Status(200), Body(b"42".to_vec())],
        ),
        Row::get(
            "GET /greet/links (prefix first)",
            "/greet/links",
            vec![Status(200), Body(b"/app/greet/show/3?q=x".to_vec())],
        ),
    ];
    for (label, size) in [
        ("0 B", 0),
        ("100 KiB", 100 * 1024),
        ("10 MiB", 10 * 1024 * 1024),
    ] {
        let body = pattern(size);
        rows.push(Row {
            name: format!("POST /echo {label}"),
            post: Some(body.clone()),
            ..Row::get("", "/echo", vec![Status(200), Body(body)])
        });
    }
    rows.extend([
        Row::get(
            "GET /fail (generic 500)",
            "/fail",
            vec![
                Status(500),
                Header("x-error-id:"),
                BodyLacks("boom"),
                BodyLacks("fail.rs"),
            ],
        ),
        Row::get(
            "GET /fail_late (cut short)",
            "/fail_late",
            vec![Status(200), Cut],
        ),
        Row::get(
            "GET /no/such/page (404 document)",
            "/no/such/page",
            vec![Status(404), html, BodyContains("404 Not Found")],
        ),
        Row {
            name: format!("whoami from {UNTRUSTED_CLIENT}, forged X-Forwarded-For"),
            headers: vec![("X-Forwarded-For", FORWARDED_CLIENT)],
            from: UNTRUSTED_CLIENT,
            ..Row::get(
                "",
                "/whoami",
                vec![Status(200), Body(UNTRUSTED_CLIENT.as_bytes().to_vec())],
            )
        },
        Row {
            name: format!("whoami via trusted 127.0.0.1, X-Forwarded-For {FORWARDED_CLIENT}"),
            headers: vec![("X-Forwarded-For", FORWARDED_CLIENT)],
            cgi: false,
            ..Row::get(
                "",
                "/whoami",
                vec![Status(200), Body(FORWARDED_CLIENT.as_bytes().to_vec())],
            )
        },
    ]);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &[u8], clean: bool) -> Reply {
        Reply {
            clean,
            status,
            headers: "content-type: text/html\r\n".into(),
            body: body.to_vec(),
        }
    }

    #[test]
    fn a_cut_row_fails_when_the_transfer_ends_cleanly() {
        let row = Row::get("x", "/fail_late", vec![Check::Status(200), Check::Cut]);
        assert!(row.verify(&reply(200, b"partial", false)).is_ok());
        assert!(row.verify(&reply(200, b"partial", true)).is_err());
    }

    #[test]
    fn any_other_row_fails_when_the_transfer_is_cut() {
        let row = Row::get("x", "/hello", vec![Check::Body(b"Hello World!".to_vec())]);
        assert!(row.verify(&reply(200, b"Hello World!", true)).is_ok());
        let err = row.verify(&reply(200, b"Hello World!", false)).unwrap_err();
        assert!(err.contains("transfer failed"), "{err}");
    }

    #[test]
    fn a_short_body_is_reported_by_size_and_first_difference() {
        assert_eq!(
            body_diff(b"Hello", b"Hello World!"),
            "body `Hello` instead of `Hello World!`"
        );
        assert_eq!(
            body_diff(&pattern(100), &[0u8; 100]),
            "body 100 bytes instead of 100 bytes, first differing at byte 1"
        );
    }

    #[test]
    fn header_checks_read_the_lower_cased_block() {
        let row = Row::get(
            "x",
            "/",
            vec![
                Check::Header("content-type: text/html"),
                Check::NoHeader("content-length:"),
            ],
        );
        assert!(row.verify(&reply(200, b"", true)).is_ok());
        let mut with_length = reply(200, b"", true);
        with_length.headers.push_str("content-length: 0\r\n");
        assert!(row.verify(&with_length).is_err());
    }
}
