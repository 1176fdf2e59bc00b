//! Every row of the helloworld contract (README.md), against the real binary over a
//! real socket, with curl as the client, under development.toml and production.toml.

use std::process::Command;

const DIR: &str = env!("CARGO_MANIFEST_DIR");

mod support;
use support::Running;

/// Serves `config`, a file of this example, on a free port.
async fn serve(config: &str) -> Running {
    support::serve(&format!("{DIR}/{config}")).await
}

struct Reply {
    exit: Option<i32>,
    status: u16,
    headers: String,
    body: Vec<u8>,
}

/// Runs curl; `extra` adds arguments (method, data).
fn curl(url: &str, extra: &[&str]) -> Reply {
    let headers = tempfile_path("headers");
    let out = Command::new("curl")
        .args(["-s", "-o", "-", "-D", &headers, "--max-time", "20"])
        .args(extra)
        .arg(url)
        .output()
        .expect("curl is installed (.ci/run installs it)");
    let header_text = std::fs::read_to_string(&headers).unwrap_or_default();
    let _ = std::fs::remove_file(&headers);
    let status = header_text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        exit: out.status.code(),
        status,
        headers: header_text.to_ascii_lowercase(),
        body: out.stdout,
    }
}

fn tempfile_path(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir()
        .join(format!(
            "helloworld-contract-{}-{tag}-{n}",
            std::process::id()
        ))
        .display()
        .to_string()
}

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// The rows that answer the same under both configs.
async fn common_rows(config: &str) {
    let app = serve(config).await;
    let base = app.1.clone();
    let row = |path: &str| curl(&format!("{base}{path}"), &[]);

    let index = row("/");
    assert_eq!(index.status, 200, "{config} /");
    assert_eq!(
        index.body,
        std::fs::read(format!("{DIR}/public/index.html")).unwrap(),
        "/ is public/index.html"
    );

    let js = row("/javascripts/helpers.js");
    assert_eq!(js.status, 200);
    assert!(
        js.headers.contains("content-type: text/javascript"),
        "{}",
        js.headers
    );
    assert_eq!(
        js.body,
        std::fs::read(format!("{DIR}/assets/javascripts/helpers.js")).unwrap()
    );

    for path in ["/hello", "/stream", "/response", "/classy"] {
        let reply = row(path);
        assert_eq!(
            (reply.status, text(&reply).as_str()),
            (200, "Hello World!"),
            "{config} {path}"
        );
        assert!(
            reply.headers.contains("content-type: text/html"),
            "{path}: {}",
            reply.headers
        );
    }
    let stream = row("/stream");
    assert!(
        stream.headers.contains("transfer-encoding: chunked"),
        "/stream is streamed: {}",
        stream.headers
    );

    assert_eq!(
        text(&row("/wrapped")),
        "<html>\n<body>\nHello World!\n</body>\n</html>"
    );
    assert_eq!(text(&row("/environ")), "Hello World");
    assert_eq!(text(&row("/greet/show/42")), "42");
    assert_eq!(text(&row("/greet/links")), "/greet/show/3?q=x");

    let payload: Vec<u8> = (0..1_048_576u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let file = tempfile_path("payload");
    std::fs::write(&file, &payload).unwrap();
    let echo = curl(
        &format!("{base}/echo"),
        &[
            "--data-binary",
            &format!("@{file}"),
            "-H",
            "content-type: application/octet-stream",
        ],
    );
    let _ = std::fs::remove_file(&file);
    assert_eq!(echo.status, 200);
    assert!(
        echo.body == payload,
        "POST /echo returned {} bytes, not the 1 MiB sent",
        echo.body.len()
    );

    // A small body arrives in one frame and goes back as it came.
    let sent = "one frame \u{1}\u{ff}";
    let small = curl(
        &format!("{base}/echo"),
        &[
            "--data-binary",
            sent,
            "-H",
            "content-type: application/octet-stream",
        ],
    );
    assert_eq!(small.status, 200);
    assert_eq!(small.body, sent.as_bytes());
    let length = format!("content-length: {}", sent.len());
    assert!(small.headers.contains(&length), "{}", small.headers);

    let late = row("/fail_late");
    assert_eq!(late.status, 200, "the head went out before the failure");
    assert_eq!(text(&late), "partial");
    assert_ne!(
        late.exit,
        Some(0),
        "curl must see the response cut short, not a clean end"
    );

    // No trusted proxy in these configs: a forged X-Forwarded-For is ignored.
    assert_eq!(text(&row("/whoami")), "127.0.0.1");
    let forged = curl(
        &format!("{base}/whoami"),
        &["-H", "X-Forwarded-For: 203.0.113.9"],
    );
    assert_eq!(
        text(&forged),
        "127.0.0.1",
        "an untrusted peer's header is ignored"
    );

    let missing = row("/no/such/page");
    assert_eq!(missing.status, 404);
    assert!(
        missing.headers.contains("content-type: text/html"),
        "{}",
        missing.headers
    );
    assert!(
        text(&missing).contains("404 Not Found"),
        "an HTML error document"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_contract_row_under_development() {
    common_rows("development.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_contract_row_under_production() {
    common_rows("production.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_shows_the_debug_page_in_development() {
    let app = serve("development.toml").await;
    let reply = curl(&format!("{}/fail", app.1), &[]);
    assert_eq!(reply.status, 500);
    assert!(
        text(&reply).contains("boom from the fail controller"),
        "the debug page shows the message"
    );
    assert!(text(&reply).contains("fail.rs"), "and where it happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_shows_a_generic_page_in_production() {
    let app = serve("production.toml").await;
    let reply = curl(&format!("{}/fail", app.1), &[]);
    assert_eq!(reply.status, 500);
    let body = text(&reply);
    assert!(
        !body.contains("boom"),
        "production never shows the panic message: {body}"
    );
    assert!(!body.contains("fail.rs"), "nor the source location");
    assert!(
        reply.headers.contains("x-error-id:"),
        "an error id to quote to the operators"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_answers_json_clients_with_problem_details_and_browsers_with_html() {
    let app = serve("production.toml").await;
    let json = ["-H", "accept: application/json"];
    let browser = [
        "-H",
        "accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ];
    for path in ["/no/such/page", "/fail"] {
        let url = format!("{}{path}", app.1);
        let reply = curl(&url, &json);
        assert!(
            reply
                .headers
                .contains("content-type: application/problem+json"),
            "{path}: {}",
            reply.headers
        );
        assert!(reply.headers.contains("x-content-type-options: nosniff"));
        let body = text(&reply);
        let status = if path == "/fail" { 500 } else { 404 };
        assert_eq!(reply.status, status, "{path}");
        assert!(body.contains(&format!("\"status\":{status}")), "{body}");
        assert!(body.contains("\"type\":\"about:blank\""), "{body}");
        assert!(!body.contains("boom"), "production never shows the message");
        if status == 500 {
            let id = reply
                .headers
                .lines()
                .find_map(|l| l.strip_prefix("x-error-id: "))
                .expect("an error id header")
                .trim();
            assert!(body.contains(&format!("\"error_id\":\"{id}\"")), "{body}");
        }

        let page = curl(&url, &browser);
        assert_eq!(page.status, status, "{path}");
        assert!(
            page.headers
                .contains("content-type: text/html; charset=utf-8"),
            "{}",
            page.headers
        );
        assert!(page
            .headers
            .contains("content-security-policy: default-src 'none'"));
        assert!(text(&page).contains(&format!("<title>{status} ")), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_serves_the_precompressed_copies_of_public_files() {
    let app = serve("production.toml").await;
    let index = std::fs::read(format!("{DIR}/public/index.html")).unwrap();
    for (encoding, sidecar) in [("gzip", "index.html.gz"), ("zstd", "index.html.zst")] {
        let url = format!("{}/", app.1);
        let raw = curl(&url, &["-H", &format!("accept-encoding: {encoding}")]);
        assert_eq!(raw.status, 200);
        assert!(
            raw.headers
                .contains(&format!("content-encoding: {encoding}")),
            "{}",
            raw.headers
        );
        assert!(
            raw.headers.contains("vary: accept-encoding"),
            "{}",
            raw.headers
        );
        assert_eq!(
            raw.body,
            std::fs::read(format!("{DIR}/public/{sidecar}")).unwrap(),
            "the committed {sidecar}, as it is"
        );
        // Decoded, the copy is today's index.html: a stale copy fails here.
        let decoded = curl(
            &url,
            &[
                "--compressed",
                "-H",
                &format!("accept-encoding: {encoding}"),
            ],
        );
        assert_eq!(
            decoded.body, index,
            "{sidecar} decodes to public/index.html"
        );
    }
    let plain = curl(&format!("{}/", app.1), &[]);
    assert_eq!(plain.body, index, "a client that accepts no encoding");
    assert!(
        !plain.headers.contains("content-encoding"),
        "{}",
        plain.headers
    );
}
