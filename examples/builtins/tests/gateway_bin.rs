//! The `gateway` binary: any config file, or `./public` when given none, over a
//! real socket.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_gateway");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

struct Running {
    _child: tokio::process::Child,
    addr: String,
}

async fn start(args: &[&str], dir: &Path) -> Running {
    let mut child = tokio::process::Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the server printed its address")
        .unwrap()
        .unwrap();
    let addr = line.strip_prefix("serving on http://").unwrap().to_owned();
    Running {
        _child: child,
        addr,
    }
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
async fn serves_another_examples_config_file_unchanged() {
    let site = format!("{EXAMPLES}/static-site/site.toml");
    let running = start(
        &["serve", &site, "--bind", "127.0.0.1:0"],
        Path::new(EXAMPLES),
    )
    .await;
    let index = get(&running.addr, "/").await;
    assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
    assert!(index.contains("Served from public/"), "{index}");
    let about = get(&running.addr, "/about.html").await;
    assert!(about.contains("Served from shared/"), "{about}");
}

#[tokio::test]
async fn without_a_config_serves_public_of_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("public")).unwrap();
    std::fs::write(dir.path().join("public/index.html"), "<p>from here</p>").unwrap();
    let running = start(&["serve", "--bind", "127.0.0.1:0"], dir.path()).await;
    let index = get(&running.addr, "/").await;
    assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
    assert!(index.ends_with("<p>from here</p>"), "{index}");
    let missing = get(&running.addr, "/nope").await;
    assert!(
        missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{missing}"
    );
}

#[test]
fn a_bad_config_names_the_file_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[app.main]\nuse = \"no_such_factory\"\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", config.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("no_such_factory"), "{stderr}");
}
