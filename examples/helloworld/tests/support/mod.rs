//! Starting the real helloworld binary for a test. Each test file uses part of
//! this module, so the parts one file leaves unused are not warned about.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

/// The helloworld binary Cargo built for these tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_helloworld");

/// The server process (killed on drop) and its base URL.
pub(crate) struct Running(pub(crate) tokio::process::Child, pub(crate) String);

/// Starts helloworld with `args` and returns it with the `HOST:PORT` it printed.
pub(crate) async fn start(args: &[&str]) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("helloworld starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let addr = line
        .strip_prefix("serving on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// Serves the config file at `path` on a free port of 127.0.0.1.
pub(crate) async fn serve(path: &str) -> Running {
    let (child, addr) = start(&["serve", path, "--bind", "127.0.0.1:0"]).await;
    Running(child, format!("http://{addr}"))
}
