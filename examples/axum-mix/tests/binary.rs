//! The `axum-mix` binary as a user runs it: no tracing subscriber installed.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_axum-mix");

#[test]
fn without_a_subscriber_the_error_id_of_a_500_reaches_stderr() {
    let mut child = Command::new(BIN)
        .env("BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("serving on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.write_all(b"GET /api/panic HTTP/1.0\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.0 500"), "{reply}");
    let id = reply
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("x-error-id:"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_else(|| panic!("no error id in {reply}"));

    child.kill().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    let report = stderr
        .lines()
        .find(|l| l.contains(&format!("error_id={id}")))
        .unwrap_or_else(|| panic!("no stderr line with error id {id}:\n{stderr}"));
    assert!(report.contains("ERROR gw_error_catcher"), "{report}");
    assert!(report.contains("GET /api/panic"), "{report}");
    assert!(report.contains("the /api/panic handler failed"), "{report}");
}
