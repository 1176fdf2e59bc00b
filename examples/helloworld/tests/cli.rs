//! The helloworld binary's command line: serving, `--bind`, `--set`, and its errors.

use std::process::Command;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::BIN;
const DIR: &str = env!("CARGO_MANIFEST_DIR");

mod support;

/// The server process (killed on drop) and its `HOST:PORT`.
struct Running(#[allow(dead_code)] tokio::process::Child, String);

async fn serve(args: &[&str]) -> Running {
    let (child, addr) = support::start(args).await;
    Running(child, addr)
}

/// A raw HTTP/1.1 GET; returns the whole response text.
async fn raw_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn serve_development_config_answers_hello() {
    let config = format!("{DIR}/development.toml");
    let server = serve(&["serve", &config, "--bind", "127.0.0.1:0"]).await;
    let res = raw_get(&server.1, "/hello").await;
    assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
    assert!(
        res.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{res}"
    );
    assert!(res.ends_with("\r\n\r\nHello World!"), "{res}");
}

#[tokio::test]
async fn no_arguments_serve_the_built_in_config_on_port_8000_unless_bound_elsewhere() {
    // `helloworld serve --bind` without CONFIG uses the built-in development config.
    let server = serve(&["serve", "--bind", "127.0.0.1:0"]).await;
    assert!(raw_get(&server.1, "/hello").await.ends_with("Hello World!"));
}

#[test]
fn a_port_in_use_is_a_one_line_error_and_exit_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args(["serve", "--bind", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let last = stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("error: cannot listen on {addr}: the address is already in use")
    );
}

#[test]
fn a_bad_address_is_a_one_line_error_and_exit_1() {
    let out = Command::new(BIN)
        .args(["serve", "--bind", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim_end().lines().last().unwrap(),
        "error: bad address \"nonsense\": expected HOST:PORT, such as 127.0.0.1:8000 or [::1]:8000"
    );
}

#[test]
fn a_missing_config_file_is_named() {
    let out = Command::new(BIN)
        .args(["serve", "/nonexistent/dev.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: /nonexistent/dev.toml: cannot read the config file"),
        "{stderr}"
    );
}

#[test]
fn a_bad_set_value_names_the_key_and_the_value() {
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--set", "debug=perhaps"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("[app.main]: setting debug = \"perhaps\": expected a boolean"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_set_argument_is_a_usage_error() {
    let out = Command::new(BIN)
        .args(["serve", "--set", "novalue"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("expected KEY=VALUE"));
}
