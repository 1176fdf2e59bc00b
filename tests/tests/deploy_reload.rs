//! `serve --reload` and SIGHUP over real sockets: config swaps and a binary
//! re-execution under `wrk` load lose no request; a bad config keeps the old stack.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const FIXTURE: &str = env!("CARGO_BIN_EXE_deploy_fixture");

/// A process id killed (SIGTERM) when dropped: the re-executed child is not ours to
/// wait for.
struct Pid(u32);

impl Drop for Pid {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.0.to_string())
            .status();
    }
}

struct Served {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    /// The server's stderr lines (also copied to the test's stderr).
    errors: mpsc::UnboundedReceiver<String>,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Writes `text` to `path` atomically, as editors and deploy tools do.
fn write_atomically(path: &Path, text: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn config(message: &str) -> String {
    format!(
        "[pipeline.main]\npipeline = [\"tag\", \"hello\"]\n\
         [filter.tag]\nuse = \"header\"\nname = \"x-message\"\nvalue = \"{message}\"\n\
         [app.hello]\nuse = \"message\"\nmessage = \"{message}\"\n\
         [server.main]\nbind = \"127.0.0.1:0\"\n"
    )
}

async fn next_line_with(lines: &mut mpsc::UnboundedReceiver<String>, prefix: &str) -> String {
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.recv().await {
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
        panic!("stdout closed before a line starting {prefix:?}");
    })
    .await;
    found.unwrap_or_else(|_| panic!("no line starting {prefix:?} within 60 s"))
}

async fn serve(binary: &Path, args: &[&str]) -> Served {
    let mut attempts = 0;
    let mut child = loop {
        let spawned = Command::new(binary)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        match spawned {
            Ok(child) => break child,
            // A freshly copied binary can be briefly busy while another test
            // thread's fork still holds the copy's file descriptor.
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("cannot start {}: {e}", binary.display()),
        }
    };
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let (tx, mut lines) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stdout.next_line().await {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let (tx, errors) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stderr.next_line().await {
            eprintln!("{line}");
            let _ = tx.send(line);
        }
    });
    let addr = next_line_with(&mut lines, "serving on http://").await;
    Served {
        child,
        lines,
        errors,
        addr,
    }
}

/// A raw GET on a fresh connection: (body, x-pid).
async fn get(addr: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let pid = head
        .lines()
        .find_map(|l| l.strip_prefix("x-pid: "))
        .unwrap_or_default()
        .to_owned();
    assert!(
        head.contains(&format!("x-message: {body}")),
        "filter and app come from one config: {head}"
    );
    (body.to_owned(), pid)
}

/// Polls until the server answers `want` (at most 30 s).
async fn wait_for_body(addr: &str, want: &str) -> String {
    for _ in 0..600 {
        let (body, pid) = get(addr).await;
        if body == want {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server never answered {want:?}");
}

fn copy_binary(to: &Path) {
    let tmp = to.with_extension("new");
    std::fs::copy(FIXTURE, &tmp).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_and_reexec_under_wrk_load_fail_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let binary: PathBuf = dir.path().join("app");
    copy_binary(&binary);
    let site = dir.path().join("site.toml");
    write_atomically(&site, config("v0").as_bytes());

    let mut served = serve(
        &binary,
        &[
            "serve",
            site.to_str().unwrap(),
            "--reload",
            "--reload-interval",
            "100ms",
        ],
    )
    .await;
    let addr = served.addr.clone();
    let (_, first_pid) = get(&addr).await;

    let wrk = Command::new("wrk")
        .args(["-t1", "-c16", "-d300s", &format!("http://{addr}/")])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("wrk is installed (apt-get install wrk)");
    let wrk_pid = wrk.id().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    for i in 1..=10 {
        let message = format!("v{i}");
        write_atomically(&site, config(&message).as_bytes());
        let pid = wait_for_body(&addr, &message).await;
        assert_eq!(
            pid, first_pid,
            "a config change does not restart the process"
        );
    }

    // "Rebuild" the binary: the new file takes over the socket.
    copy_binary(&binary);
    let new_pid = next_line_with(&mut served.lines, "handed over to pid ").await;
    let _child = Pid(new_pid.parse().unwrap());
    assert_ne!(new_pid, first_pid);
    for _ in 0..600 {
        if get(&addr).await.1 == new_pid {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = tokio::time::timeout(Duration::from_secs(60), served.child.wait())
        .await
        .expect("the old process drains and exits")
        .unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(get(&addr).await.1, new_pid);

    // The new process reloads too.
    write_atomically(&site, config("after re-exec").as_bytes());
    assert_eq!(wait_for_body(&addr, "after re-exec").await, new_pid);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // SIGINT makes wrk stop and print its summary.
    std::process::Command::new("kill")
        .args(["-INT", &wrk_pid.to_string()])
        .status()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), wrk.wait_with_output())
        .await
        .expect("wrk stops on SIGINT")
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    assert!(!report.contains("Socket errors"), "{report}");
    assert!(!report.contains("Non-2xx"), "{report}");
    let requests: u64 = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .map(|(n, _)| n.trim().parse().unwrap())
        .expect("a request count");
    assert!(requests > 100, "{report}");
}

#[tokio::test]
async fn an_invalid_new_config_is_reported_and_the_old_stack_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    write_atomically(&site, config("good").as_bytes());
    let served = serve(
        Path::new(FIXTURE),
        &[
            "serve",
            site.to_str().unwrap(),
            "--reload",
            "--reload-interval",
            "100ms",
        ],
    )
    .await;
    let mut served = served;
    // An edit made as soon as the server says it serves is seen: the watcher's
    // baseline is the files as the first load read them.
    write_atomically(&site, config("good2").as_bytes());
    wait_for_body(&served.addr, "good2").await;
    write_atomically(&site, b"[app.main]\nuse = \"mesage\"\n");
    // The report names the file and what is wrong in it.
    let report = next_line_with(&mut served.errors, "reload failed").await;
    assert!(
        report.contains("the previous stack keeps serving")
            && report.contains("site.toml")
            && report.contains("mesage"),
        "the report names the file and the unknown factory: {report}"
    );
    // After the failed reload the broken file was not swapped in.
    assert_eq!(get(&served.addr).await.0, "good2");
    write_atomically(&site, config("fixed").as_bytes());
    wait_for_body(&served.addr, "fixed").await;
}

#[tokio::test]
async fn sighup_reloads_without_reload_flag() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    write_atomically(&site, config("before").as_bytes());
    let served = serve(Path::new(FIXTURE), &["serve", site.to_str().unwrap()]).await;
    write_atomically(&site, config("after").as_bytes());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        get(&served.addr).await.0,
        "before",
        "no --reload: no polling"
    );
    let pid = served.child.id().unwrap();
    std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    wait_for_body(&served.addr, "after").await;
}

#[test]
fn check_prints_the_tree_and_exits_zero_without_binding() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    write_atomically(&site, config("v").as_bytes());
    let out = std::process::Command::new(FIXTURE)
        .args([
            "serve",
            site.to_str().unwrap(),
            "--bind",
            "127.0.0.1:1",
            "--check",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "pipeline.main\n\
         ├── filter.tag: header {name = x-message, value = v}\n\
         └── app.hello: message {message = v}\n\
         server.main: http {bind = 127.0.0.1:0}\n\
         listen: 127.0.0.1:1\n\
         config OK\n"
    );
}

#[test]
fn check_reports_a_bad_config_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    write_atomically(&site, b"[app.main]\nuse = \"mesage\"\n");
    let out = std::process::Command::new(FIXTURE)
        .args(["serve", site.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: {}:2:1 [app.main] use: no app factory named \"mesage\" (registered: message)\n",
            site.display()
        )
    );
}

#[test]
fn check_validates_the_server_section_too() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    let text = config("v").replace(
        "bind = \"127.0.0.1:0\"\n",
        "bind = \"127.0.0.1:0\"\ndrain_timeout = \"forever\"\n",
    );
    write_atomically(&site, text.as_bytes());
    let out = std::process::Command::new(FIXTURE)
        .args(["serve", site.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: {}:12:1 [server.main]: setting drain_timeout = \"forever\": expected a duration such as 250ms, 30s, 5m, 2h or 1d\n",
            site.display()
        )
    );
}

#[tokio::test]
async fn a_listening_socket_on_stdin_is_served_as_systemd_passes_it() {
    use std::os::fd::OwnedFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    write_atomically(&site, config("from stdin").as_bytes());
    let mut child = Command::new(FIXTURE)
        .args(["serve", site.to_str().unwrap(), "--bind", "127.0.0.1:1"])
        .env("GATEWAY_LISTENER", "stdin")
        .stdin(Stdio::from(OwnedFd::from(listener)))
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
    assert_eq!(
        line,
        format!("serving on http://{addr}"),
        "--bind is ignored"
    );
    assert_eq!(get(&addr).await.0, "from stdin");
}

#[test]
fn gateway_listener_without_a_socket_on_stdin_is_an_error() {
    let out = std::process::Command::new(FIXTURE)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("GATEWAY_LISTENER", "stdin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: GATEWAY_LISTENER=stdin, but standard input is not a listening TCP socket\n"
    );
}
