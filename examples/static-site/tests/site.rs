//! The static-site binary serving its site.toml over a real socket.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_static-site");
const DIR: &str = env!("CARGO_MANIFEST_DIR");

struct Running(tokio::process::Child, String);

async fn serve() -> Running {
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "serve",
            &format!("{DIR}/site.toml"),
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let addr = line.strip_prefix("serving on http://").unwrap().to_owned();
    Running(child, addr)
}

async fn get(addr: &str, path: &str) -> String {
    get_with(addr, path, "").await
}

/// A GET with `headers` (each line ending in CRLF) added.
async fn get_with(addr: &str, path: &str, headers: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn the_first_directory_that_has_the_file_answers() {
    let site = serve().await;
    let index = get(&site.1, "/").await;
    assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
    assert!(index.contains("Served from public/"), "{index}");
    let about = get(&site.1, "/about.html").await;
    assert!(about.contains("Served from shared/"), "{about}");
    let css = get(&site.1, "/style.css").await;
    assert!(
        css.contains("content-type: text/css; charset=utf-8\r\n"),
        "{css}"
    );
}

#[tokio::test]
async fn a_missing_page_is_the_sites_own_404_page_with_status_404() {
    let site = serve().await;
    let res = get(&site.1, "/nope").await;
    assert!(res.starts_with("HTTP/1.1 404 Not Found\r\n"), "{res}");
    assert!(
        res.contains("content-type: text/html; charset=utf-8\r\n"),
        "{res}"
    );
    assert!(res.contains("x-content-type-options: nosniff\r\n"), "{res}");
    let page = std::fs::read_to_string(format!("{DIR}/public/errors/404.html")).unwrap();
    assert!(res.ends_with(&format!("\r\n\r\n{page}")), "{res}");
    drop(site.0);
}

#[tokio::test]
async fn a_json_client_gets_problem_details_for_a_missing_page() {
    let site = serve().await;
    let res = get_with(&site.1, "/nope", "Accept: application/json\r\n").await;
    assert!(res.starts_with("HTTP/1.1 404 Not Found\r\n"), "{res}");
    assert!(
        res.contains("content-type: application/problem+json\r\n"),
        "{res}"
    );
    assert!(res.contains("\"status\":404"), "{res}");
    assert!(!res.contains("Page not found"), "not the HTML page: {res}");
}

#[test]
fn check_prints_the_stack_site_toml_builds() {
    let out = std::process::Command::new(BIN)
        .args(["serve", &format!("{DIR}/site.toml"), "--check"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let tree = String::from_utf8(out.stdout).unwrap().replace(DIR, "DIR");
    assert_eq!(
        tree,
        "pipeline.main\n\
         ├── filter.errors: error_catcher {debug = false, error_document_path = /errors/{status}.html, error_documents = 404}\n\
         ├── filter.greeting: key_adder {key = site.greeting, value = Hello from site.toml}\n\
         └── composite.site: cascade\n    \
             ├── app.public: static_files {root = DIR/public}\n    \
             └── app.shared: static_files {root = DIR/shared}\n\
         server.main: http {bind = 127.0.0.1:8000}\n\
         listen: 127.0.0.1:8000\n\
         config OK\n"
    );
}

/// The workspace root, as the READMEs' commands are run from it.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(DIR)
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The fenced blocks of `markdown` whose info string is `lang`, in order.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```\n").expect("a closed block");
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

#[test]
fn the_readmes_show_site_toml_as_it_is_and_what_check_prints() {
    let site = std::fs::read_to_string(format!("{DIR}/site.toml")).unwrap();
    let root = workspace_root();
    let out = std::process::Command::new(BIN)
        .args(["serve", "examples/static-site/site.toml", "--check"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(out.status.success());
    let check = String::from_utf8(out.stdout)
        .unwrap()
        .replace(&root.display().to_string(), "…");
    for readme in ["examples/static-site/README.md", "crates/server/README.md"] {
        let text = std::fs::read_to_string(root.join(readme)).unwrap();
        assert_eq!(
            blocks(&text, "toml"),
            std::slice::from_ref(&site),
            "{readme}: site.toml"
        );
        let shown = blocks(&text, "text")
            .into_iter()
            .find(|block| block.starts_with("pipeline.main\n"));
        assert_eq!(shown.as_deref(), Some(check.as_str()), "{readme}: --check");
    }
}

/// Runs one README command line (`cargo run -p static-site -- ARGS`) with the
/// built binary, from the workspace root, on a free port.
#[tokio::test]
async fn every_command_of_the_readme_runs() {
    let text = std::fs::read_to_string(format!("{DIR}/README.md")).unwrap();
    let commands = blocks(&text, "sh");
    let lines: Vec<&str> = commands[0].lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in lines {
        let args: Vec<&str> = line
            .strip_prefix("cargo run -p static-site -- ")
            .unwrap_or_else(|| panic!("not a static-site command: {line}"))
            .split_whitespace()
            .collect();
        if args.contains(&"--check") {
            let out = std::process::Command::new(BIN)
                .args(&args)
                .current_dir(workspace_root())
                .output()
                .unwrap();
            assert!(out.status.success(), "{line}");
            assert!(String::from_utf8_lossy(&out.stdout).ends_with("config OK\n"));
            continue;
        }
        let mut child = tokio::process::Command::new(BIN)
            .args(&args)
            .args(["--bind", "127.0.0.1:0"])
            .current_dir(workspace_root())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let addr = first.strip_prefix("serving on http://").unwrap().to_owned();
        let index = get(&addr, "/").await;
        assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{line}: {index}");
        assert!(get(&addr, "/nope")
            .await
            .starts_with("HTTP/1.1 404 Not Found\r\n"));
    }
}
