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
         server.main: http {bind = 127.0.0.1:8000, max_request_body = 1MiB}\n\
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

/// `site.toml` with its directories named absolutely, written to `dir` as
/// `site.toml`, after `edit`.
fn site_copy(dir: &std::path::Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let text = std::fs::read_to_string(format!("{DIR}/site.toml"))
        .unwrap()
        .replace("${here}", DIR);
    let path = dir.join("site.toml");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

#[test]
fn a_fractional_max_age_is_refused_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = site_copy(dir.path(), |text| {
        text.replace(
            "[app.public]\nuse = \"static_files\"\n",
            "[app.public]\nuse = \"static_files\"\nmax_age = 1.5\n",
        )
    });
    let out = std::process::Command::new(BIN)
        .args(["serve", path.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("max_age"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("site.toml:{line}:")),
        "names the file and line {line}: {err}"
    );
    assert!(
        err.contains("setting max_age = \"1.5\": expected a whole number of seconds"),
        "{err}"
    );
}

#[tokio::test]
async fn a_reload_that_changes_bind_warns_that_it_needs_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = site_copy(dir.path(), |text| text);
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "serve",
            path.to_str().unwrap(),
            "--reload",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), stdout.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let addr = first.strip_prefix("serving on http://").unwrap().to_owned();

    // The watcher takes its first look at the file once it serves; until the
    // reload shows in the log, change `bind` again (a new port each time), so a
    // change made before that first look is not missed.
    let config_dir = dir.path().to_owned();
    let editor = tokio::spawn(async move {
        for port in 18001.. {
            site_copy(&config_dir, |text| {
                text.replace(
                    "bind = \"127.0.0.1:${PORT:-8000}\"",
                    &format!("bind = \"127.0.0.1:{port}\""),
                )
            });
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let warning = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains("which a reload cannot apply") {
                return line;
            }
        }
        panic!("the server exited without the warning");
    })
    .await
    .expect("a warning within the reload poll");
    editor.abort();
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("(bind)"), "{warning}");
    assert!(warning.contains("until it is restarted"), "{warning}");
    // Still serving on the address it started with.
    assert!(get(&addr, "/").await.starts_with("HTTP/1.1 200 OK\r\n"));
}

#[test]
fn the_error_catcher_readmes_config_section_loads() {
    let readme =
        std::fs::read_to_string(workspace_root().join("crates/error-catcher/README.md")).unwrap();
    let [section] = &blocks(&readme, "toml")[..] else {
        panic!("one toml block in the error-catcher README");
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    let config = format!(
        "[pipeline.main]\npipeline = [\"errors\", \"public\"]\n\n{section}\n\
         [app.public]\nuse = \"static_files\"\nroot = \"{DIR}/public\"\n"
    );
    std::fs::write(&path, config).unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", path.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{tree}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tree.contains("filter.errors: error_catcher {"), "{tree}");
}
