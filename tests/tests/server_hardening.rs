//! The hardened server as a process: drain under `wrk` load, idle connections
//! ended at once on drain, HTTP/2 drain, socket activation, TLS against curl, and
//! the stats endpoint.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::{can_run, get, h2c, http1, opt_out_or_fail, signal, start, Running};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const SERVER: &str = env!("CARGO_BIN_EXE_hardened_server");

async fn final_stats(fixture: &mut Running) -> serde_json::Value {
    loop {
        let line = tokio::time::timeout(Duration::from_secs(10), fixture.lines.recv())
            .await
            .expect("the final stats line")
            .expect("stdout still open");
        if let Some(json) = line.strip_prefix("final stats ") {
            return serde_json::from_str(json).expect("stats JSON");
        }
    }
}

/// wrk's "Socket errors: connect C, read R, write W, timeout T" (zeros when absent).
fn socket_errors(output: &str) -> [u64; 4] {
    let mut errors = [0; 4];
    if let Some(line) = output.lines().find(|l| l.contains("Socket errors:")) {
        for (slot, name) in ["connect", "read", "write", "timeout"].iter().enumerate() {
            errors[slot] = line
                .split(',')
                .find_map(|part| {
                    part.trim()
                        .rsplit_once(' ')
                        .filter(|(n, _)| n.ends_with(name))
                })
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
        }
    }
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_under_wrk_load_fails_no_request_the_server_accepted() {
    if !can_run("wrk") {
        // Fails unless GATEWAY_TEST_OPTOUT names wrk.
        return opt_out_or_fail("wrk", "wrk is not installed (apt-get install wrk)");
    }
    let mut server = start(SERVER, &["drain_timeout=10s"]).await;
    let url = format!("http://{}/slow?ms=50", server.addr);
    let wrk = tokio::spawn(async move {
        Command::new("wrk")
            .args(["-t2", "-c32", "-d4s", &url])
            .output()
            .await
            .expect("running wrk")
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    signal(&server.child, "TERM");
    let exit = tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .expect("the server exits within its drain deadline")
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let stats = final_stats(&mut server).await;
    let output = wrk.await.unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    eprintln!("{text}");
    let completed = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("wrk reports its request count");
    assert!(completed > 0, "{text}");
    assert!(
        !text.contains("Non-2xx or 3xx responses"),
        "every answer was a success: {text}"
    );
    // Connect and write errors are expected: once the signal comes the listener is
    // closed, and wrk reports a refused non-blocking connect as a write error.
    let [_connect, _read, _write, timeout] = socket_errors(&text);
    assert_eq!(timeout, 0, "{text}");
    // Every request the server took in was answered in full: wrk counted as many
    // complete responses as the server counted requests.
    assert_eq!(
        stats["requests_total"].as_u64(),
        Some(completed),
        "server stats {stats} against wrk: {text}"
    );
    assert_eq!(stats["requests_in_flight"].as_u64(), Some(0));
}

#[tokio::test]
async fn drain_ends_idle_keep_alive_connections_at_once() {
    let mut server = start(SERVER, &["drain_timeout=10s"]).await;
    let addr = server.addr;
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    let url = format!("http://{addr}/slow?ms=5000");
    let mut slow = tokio::spawn(async move { get(&http1(), &url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server.child, "TERM");
    // An order of events, not a speed: the idle connection ends while the slow
    // request is still running (a server that kept idle connections until the
    // drain ended would close it only after the slow request).
    let read = tokio::select! {
        read = idle.read(&mut buf) => read,
        _ = &mut slow => panic!("the in-flight request finished before the idle connection was closed"),
    };
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    let (status, _, body) = slow.await.unwrap();
    assert_eq!((status.as_u16(), &body[..]), (200, &b"slept 5000 ms"[..]));
    assert!(server.child.wait().await.unwrap().success());
}

#[tokio::test]
async fn drain_lets_an_http2_stream_finish_and_exits_zero() {
    let mut server = start(SERVER, &["drain_timeout=10s"]).await;
    let url = format!("http://{}/slow?ms=1500", server.addr);
    let request = tokio::spawn(async move { get(&h2c(), &url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server.child, "TERM");
    let (status, version, body) = request.await.unwrap();
    assert_eq!(
        (status.as_u16(), version, &body[..]),
        (200, http::Version::HTTP_2, &b"slept 1500 ms"[..])
    );
    assert!(server.child.wait().await.unwrap().success());
}

#[tokio::test]
async fn stats_are_served_as_json() {
    let server = start(SERVER, &[]).await;
    let url = format!("http://{}/", server.addr);
    get(&http1(), &url).await;
    let (status, _, body) = get(&http1(), &format!("http://{}/stats", server.addr)).await;
    assert_eq!(status.as_u16(), 200);
    let stats: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(stats["requests_total"].as_u64(), Some(2), "{stats}");
    assert_eq!(stats["requests_in_flight"].as_u64(), Some(1), "{stats}");
    assert!(stats["bytes_in"].as_u64().unwrap() > 0);
    assert!(stats["connections_total"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn systemd_socket_activation_serves_on_the_passed_socket() {
    if !can_run("systemd-socket-activate") {
        // Fails unless GATEWAY_TEST_OPTOUT names systemd-socket-activate.
        return opt_out_or_fail(
            "systemd-socket-activate",
            "systemd-socket-activate is not installed (apt-get install systemd)",
        );
    }
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    // systemd-socket-activate binds, waits for a first connection, then execs the
    // server with the socket as fd 3, LISTEN_FDS=1 and LISTEN_PID set.
    let mut child = Command::new("systemd-socket-activate")
        .args(["-l", &listen, SERVER, "--systemd"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("starting systemd-socket-activate");
    let mut stream = None;
    for _ in 0..100 {
        if let Ok(s) = tokio::net::TcpStream::connect(&listen).await {
            stream = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut stream = stream.expect("the activation socket is listening");
    stream
        .write_all(b"GET /slow?ms=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_string(&mut answer))
        .await
        .expect("the activated server answers")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("slept 1 ms"), "{answer}");
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = out.next_line().await.unwrap().unwrap_or_default();
    assert_eq!(line, format!("serving on http://{listen}"));
    signal(&child, "TERM");
    assert!(child.wait().await.unwrap().success());
}

/// A self-signed certificate and key from the openssl command; `None` only when
/// the command is not installed. Any other failure fails the test with openssl's
/// own message.
fn openssl_self_signed(dir: &std::path::Path) -> Option<(String, String)> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    let out = match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        other => other.expect("running openssl"),
    };
    assert!(
        out.status.success(),
        "openssl could not make a certificate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((
        cert.to_str().unwrap().to_owned(),
        key.to_str().unwrap().to_owned(),
    ))
}

#[tokio::test]
async fn tls_serves_h2_and_http1_to_curl() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = openssl_self_signed(dir.path()) else {
        // Fails unless GATEWAY_TEST_OPTOUT names openssl.
        return opt_out_or_fail("openssl", "the openssl command is not installed");
    };
    let server = start(
        SERVER,
        &[&format!("tls_cert={cert}"), &format!("tls_key={key}")],
    )
    .await;
    let url = format!("https://localhost:{}/slow?ms=1", server.addr.port());
    let resolve = format!("localhost:{}:127.0.0.1", server.addr.port());
    for (flag, version) in [("--http2", "2"), ("--http1.1", "1.1")] {
        let out = Command::new("curl")
            .args(["-sS", "--cacert", &cert, "--resolve", &resolve, flag])
            .args(["-w", "\n%{http_version} %{http_code}", &url])
            .output()
            .await
            .expect("running curl");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "curl {flag}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text, format!("slept 1 ms\n{version} 200"), "curl {flag}");
    }
    // Plain HTTP on the TLS port is not served.
    let plain = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "5",
            &format!("http://127.0.0.1:{}/", server.addr.port()),
        ])
        .output()
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("Hello World!"));
}

#[tokio::test]
async fn a_bad_certificate_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, "not a certificate\n").unwrap();
    std::fs::write(&key, "not a key\n").unwrap();
    let out = Command::new(SERVER)
        .arg(format!("tls_cert={}", cert.display()))
        .arg(format!("tls_key={}", key.display()))
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad TLS file") && stderr.contains("cert.pem"),
        "{stderr}"
    );
}
