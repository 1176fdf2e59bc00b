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
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
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
async fn a_missing_page_is_a_404_with_the_error_document() {
    let site = serve().await;
    let res = get(&site.1, "/nope").await;
    assert!(res.starts_with("HTTP/1.1 404 Not Found\r\n"), "{res}");
    assert!(
        res.contains("content-type: text/html; charset=utf-8\r\n"),
        "{res}"
    );
    assert!(res.contains("<title>404 Not Found</title>"), "{res}");
    drop(site.0);
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
         ├── filter.errors: error_catcher {debug = false, error_documents = 404}\n\
         ├── filter.greeting: key_adder {key = site.greeting, value = Hello from site.toml}\n\
         └── composite.site: cascade\n    \
             ├── app.public: static_files {root = DIR/public}\n    \
             └── app.shared: static_files {root = DIR/shared}\n\
         server.main: http {bind = 127.0.0.1:8000}\n\
         listen: 127.0.0.1:8000\n\
         config OK\n"
    );
}
