//! `GET /page` and `GET /page/broken`: templates rendered by a controller,
//! against the real binary over a real socket (curl), mounted under a prefix,
//! and read back by headless Chromium, as a user's browser reads them.

use std::process::{Command, Stdio};

const DIR: &str = env!("CARGO_MANIFEST_DIR");

mod support;
use support::serve;

/// A config that mounts helloworld under `/site` (debug on or off).
fn mounted_config(debug: bool) -> tempfile::TempPath {
    let text = format!(
        "[global]\ndebug = {debug}\n\n\
         [composite.main]\nuse = \"urlmap\"\n\"/site\" = \"hello\"\n\n\
         [app.hello]\nuse = \"helloworld\"\npublic_dir = \"{DIR}/public\"\n\n\
         [server.main]\nbind = \"127.0.0.1:0\"\n"
    );
    let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file.into_temp_path()
}

/// (status, lower-cased headers, body) from curl.
fn curl(url: &str) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-s", "-i", "--max-time", "20", url])
        .output()
        .expect("curl is installed (.ci/run installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// The DOM headless Chromium builds from `url`.
fn chromium_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            url,
        ])
        .stderr(Stdio::null())
        .output()
        .expect("chromium is installed (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_renders_escaped_values_and_generated_urls() {
    let app = serve(&format!("{DIR}/development.toml")).await;
    let (status, headers, body) = curl(&format!("{}/page?name=%3Cb%3EBob%3C/b%3E", app.1));
    assert_eq!(status, 200, "{body}");
    assert!(headers.contains("content-type: text/html"), "{headers}");
    assert!(
        body.contains("Hello, &lt;b&gt;Bob&lt;&#x2f;b&gt;!"),
        "the name is escaped: {body}"
    );
    assert!(!body.contains("<b>Bob"), "never as markup: {body}");
    // Attribute values are escaped too (`/` as `&#x2f;`, which a browser reads as `/`).
    assert!(
        body.contains("href=\"&#x2f;greet&#x2f;show&#x2f;3\""),
        "{body}"
    );
    assert!(
        body.contains("&#x2f;greet&#x2f;show&#x2f;4?q=a%26b"),
        "{body}"
    );
    let (_, _, plain) = curl(&format!("{}/page", app.1));
    assert!(plain.contains("Hello, World!"), "{plain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_in_a_mounted_page_start_with_the_prefix() {
    let config = mounted_config(true);
    let app = serve(config.to_str().unwrap()).await;
    let (status, _, body) = curl(&format!("{}/site/page", app.1));
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("href=\"&#x2f;site&#x2f;greet&#x2f;show&#x2f;3\""),
        "{body}"
    );
    assert!(
        body.contains("&#x2f;site&#x2f;javascripts&#x2f;helpers.js"),
        "{body}"
    );
    // The generated link leads where it says.
    let (status, _, linked) = curl(&format!("{}/site/greet/show/3", app.1));
    assert_eq!((status, linked.as_str()), (200, "3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_template_shows_its_name_and_line_in_development() {
    let app = serve(&format!("{DIR}/development.toml")).await;
    let (status, _, body) = curl(&format!("{}/page/broken", app.1));
    assert_eq!(status, 500);
    assert!(
        body.contains("template broken.html failed at line 4"),
        "{body}"
    );
    assert!(
        body.contains("no_such_function"),
        "and what went wrong: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_template_is_a_generic_page_in_production() {
    let app = serve(&format!("{DIR}/production.toml")).await;
    let (status, headers, body) = curl(&format!("{}/page/broken", app.1));
    assert_eq!(status, 500);
    assert!(!body.contains("broken.html"), "no template name: {body}");
    assert!(!body.contains("no_such_function"), "no message: {body}");
    assert!(headers.contains("x-error-id:"), "{headers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_reads_the_page_and_the_debug_page() {
    let config = mounted_config(true);
    let app = serve(config.to_str().unwrap()).await;
    let base = app.1.clone();

    let dom = tokio::task::spawn_blocking({
        let url = format!("{base}/site/page?name=%3Cscript%3Ealert(1)%3C/script%3E");
        move || chromium_dom(&url)
    })
    .await
    .unwrap();
    // The browser decoded the escaped attribute into the prefixed path...
    assert!(dom.contains("href=\"/site/greet/show/3\""), "{dom}");
    assert!(dom.contains("href=\"/site/page/broken\""), "{dom}");
    // ...and the name stayed text: no script element came from it.
    assert!(
        dom.contains("Hello, &lt;script&gt;alert(1)&lt;/script&gt;!"),
        "{dom}"
    );
    assert!(!dom.contains("<script>alert"), "{dom}");

    let debug =
        tokio::task::spawn_blocking(move || chromium_dom(&format!("{base}/site/page/broken")))
            .await
            .unwrap();
    assert!(
        debug.contains("template broken.html failed at line 4"),
        "{debug}"
    );
}
