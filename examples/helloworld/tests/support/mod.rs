//! Starting the real helloworld binary for a test.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

/// The helloworld binary Cargo built for these tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_helloworld");

/// The server process (killed on drop) and its base URL.
pub(crate) struct Running(
    #[allow(dead_code)] pub(crate) tokio::process::Child,
    pub(crate) String,
);

/// Serves the config file at `path` on a free port of 127.0.0.1.
pub(crate) async fn serve(path: &str) -> Running {
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", path, "--bind", "127.0.0.1:0"])
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
    Running(child, format!("http://{addr}"))
}
