//! FastCGI, SCGI, HTTP proxying and CGI, each behind its real peer: nginx for the
//! first three (`fastcgi_pass` over TCP and a Unix socket, `scgi_pass`,
//! `proxy_pass` with keep-alive upstreams), and CGI run the way a web server runs
//! it. The same app answers every path.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use support::nginx;

const APP: &str = env!("CARGO_BIN_EXE_frontend_app");

struct Stack {
    _nginx: nginx::Nginx,
    _apps: Vec<support::Running>,
    _sock_dir: tempfile::TempDir,
    base: String,
}

/// nginx with one location per path, each mounted under its own prefix.
async fn stack() -> Stack {
    let sock_dir = tempfile::tempdir().unwrap();
    let sock = sock_dir.path().join("fcgi.sock");
    let fcgi =
        support::start_with_prefix(APP, &["fastcgi", "127.0.0.1:0"], "serving fastcgi on ").await;
    let fcgi_unix = support::start_with_prefix(
        APP,
        &["fastcgi", &format!("unix:{}", sock.display())],
        "serving fastcgi on ",
    )
    .await;
    let scgi = support::start_with_prefix(APP, &["scgi", "127.0.0.1:0"], "serving scgi on ").await;
    let http = support::start(APP, &["http", "127.0.0.1:0"]).await;
    let fastcgi_location = |prefix: &str, pass: &str| {
        format!(
            "location {prefix}/ {{
                include /etc/nginx/fastcgi_params;
                fastcgi_split_path_info ^({prefix})(/.*)$;
                fastcgi_param SCRIPT_NAME $fastcgi_script_name;
                fastcgi_param PATH_INFO $fastcgi_path_info;
                fastcgi_keep_conn on;
                fastcgi_pass {pass};
            }}"
        )
    };
    let upstreams = format!(
        "upstream fcgi_tcp {{ server {}; keepalive 4; }}
         upstream app_http {{ server {}; keepalive 4; }}",
        fcgi.addr_text, http.addr
    );
    let server = format!(
        "{}
        {}
        location /scgi/ {{
            include /etc/nginx/scgi_params;
            scgi_param SCRIPT_NAME /scgi;
            if ($uri ~ ^/scgi(/.*)$) {{ set $app_path $1; }}
            scgi_param PATH_INFO $app_path;
            scgi_buffering off;
            scgi_pass {};
        }}
        location /http/ {{
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_buffering off;
            # Stream the request body to the app, so an app that answers while it
            # reads cannot deadlock against nginx sending the whole body first.
            proxy_request_buffering off;
            proxy_pass http://app_http/;
        }}",
        fastcgi_location("/fcgi", "fcgi_tcp"),
        fastcgi_location("/fcgi-unix", &format!("unix:{}", sock.display())),
        scgi.addr_text,
    );
    let nginx = nginx::start(&upstreams, &server);
    let base = format!("http://127.0.0.1:{}", nginx.port);
    Stack {
        _nginx: nginx,
        _apps: vec![fcgi, fcgi_unix, scgi, http],
        _sock_dir: sock_dir,
        base,
    }
}

const PATHS: [&str; 4] = ["/fcgi", "/fcgi-unix", "/scgi", "/http"];

async fn post(client: &support::Client, url: &str, body: Bytes) -> Result<(u16, Bytes), String> {
    let req = http::Request::post(url).body(Full::new(body)).unwrap();
    let res = client.request(req).await.map_err(|e| format!("{e:?}"))?;
    let status = res.status().as_u16();
    let body = res
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_serves_hello_and_streams() {
    let stack = stack().await;
    let client = support::http1();
    for path in PATHS {
        let (status, _, body) = support::get(&client, &format!("{}{path}/hello", stack.base)).await;
        assert_eq!(
            (status.as_u16(), &body[..]),
            (200, &b"Hello World!"[..]),
            "{path}/hello"
        );
        let (status, _, body) =
            support::get(&client, &format!("{}{path}/stream", stack.base)).await;
        assert_eq!(
            (status.as_u16(), &body[..]),
            (200, &b"Hello World!"[..]),
            "{path}/stream"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_bodies_of_0_b_100_kib_and_10_mib_come_back_byte_for_byte() {
    let stack = stack().await;
    let client = support::http1();
    for size in [0usize, 100 * 1024, 10 * 1024 * 1024] {
        let body: Bytes = (0..size)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into();
        for path in PATHS {
            let (status, echoed) =
                post(&client, &format!("{}{path}/echo", stack.base), body.clone())
                    .await
                    .unwrap();
            assert_eq!(status, 200, "{path} with {size} bytes");
            assert!(
                echoed == body,
                "{path}: {size} bytes sent, {} came back",
                echoed.len()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10_mib_body_streamed_back_while_read_does_not_deadlock() {
    // nginx sends the whole body before it reads the response, and stops sending
    // stdin once a FastCGI response head arrives: an app that answers while it reads
    // must stall neither side (regression: it did). The HTTP path is left out: a
    // full-duplex echo through an HTTP/1.1 proxy is not something HTTP/1.1 promises.
    let stack = stack().await;
    let client = support::http1();
    let body: Bytes = (0..10 * 1024 * 1024)
        .map(|i| (i % 241) as u8)
        .collect::<Vec<u8>>()
        .into();
    for path in ["/fcgi", "/fcgi-unix", "/scgi"] {
        let url = format!("{}{path}/echo_stream", stack.base);
        let echoed = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            post(&client, &url, body.clone()),
        )
        .await
        .unwrap_or_else(|_| panic!("{path}: the streamed echo of 10 MiB stalled"))
        .unwrap();
        assert_eq!(echoed.0, 200, "{path}");
        assert!(
            echoed.1 == body,
            "{path}: {} bytes came back",
            echoed.1.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_fails_midway_reaches_the_client_truncated() {
    let stack = stack().await;
    let client = support::http1();
    // `fail_late` ends its body with an error; `panic_late` panics while it streams.
    // Either way the client must never get a clean, complete 200: a 200 whose body is
    // cut, or (when a buffering web server had not sent the head yet) a 5xx.
    for path in PATHS {
        let routes = ["fail_late", "panic_late"];
        for route in routes {
            let url = format!("{}{path}/{route}", stack.base);
            let res = client.get(url.parse().unwrap()).await.unwrap();
            let status = res.status();
            let body = res.into_body().collect().await;
            let cut_200 = status == 200 && body.is_err();
            assert!(
                cut_200 || status.is_server_error(),
                "{path}/{route}: got {status} with {body:?}, a clean response"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_panics_gets_a_5xx_and_harms_no_other_request() {
    let stack = stack().await;
    let client = support::http1();
    for path in PATHS {
        let (status, _, body) =
            support::get(&client, &format!("{}{path}/panic_now", stack.base)).await;
        assert!(status.is_server_error(), "{path}: got {status}");
        assert!(
            !String::from_utf8_lossy(&body).contains("panicked"),
            "{path}: the panic message leaked: {body:?}"
        );
        let (status, _, body) = support::get(&client, &format!("{}{path}/hello", stack.base)).await;
        assert_eq!(
            (status.as_u16(), &body[..]),
            (200, &b"Hello World!"[..]),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_location_prefix_becomes_the_mount_prefix() {
    let stack = stack().await;
    let client = support::http1();
    for path in ["/fcgi", "/fcgi-unix", "/scgi"] {
        let (_, _, body) =
            support::get(&client, &format!("{}{path}/where?a=1&b=%20", stack.base)).await;
        assert_eq!(
            String::from_utf8_lossy(&body),
            format!("prefix={path} path=/where query=a=1&b=%20")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_address_and_scheme_arrive_through_the_web_server() {
    let stack = stack().await;
    let client = support::http1();
    for path in ["/fcgi", "/fcgi-unix", "/scgi"] {
        let (_, _, body) = support::get(&client, &format!("{}{path}/peer", stack.base)).await;
        assert_eq!(
            String::from_utf8_lossy(&body),
            "peer=127.0.0.1 scheme=http",
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_upstreams_carry_many_requests() {
    let stack = stack().await;
    let client = support::http1();
    for i in 0..200 {
        let path = PATHS[i % PATHS.len()];
        let (status, _, body) = support::get(
            &client,
            &format!("{}{path}/big?bytes={}", stack.base, i * 977),
        )
        .await;
        assert_eq!(
            (status.as_u16(), body.len()),
            (200, i * 977),
            "request {i} via {path}"
        );
    }
}

fn cgi(
    method: &str,
    path_info: &str,
    query: &str,
    body: &[u8],
) -> (std::process::ExitStatus, Vec<u8>) {
    let mut child = Command::new(APP)
        .arg("cgi")
        .env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("REQUEST_METHOD", method)
        .env("SCRIPT_NAME", "/cgi-bin/app")
        .env("PATH_INFO", path_info)
        .env("QUERY_STRING", query)
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("SERVER_NAME", "localhost")
        .env("SERVER_PORT", "80")
        .env("REMOTE_ADDR", "192.0.2.9")
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("CONTENT_TYPE", "application/octet-stream")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let owned = body.to_vec();
    // Send one byte more than CONTENT_LENGTH: the app must not read past it.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&owned);
        let _ = stdin.write_all(b"!");
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (out.status, out.stdout)
}

#[test]
fn cgi_answers_from_the_environment_and_stdin() {
    let (status, out) = cgi("GET", "/hello", "", b"");
    assert!(status.success());
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("Status: 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nHello World!"), "{text}");

    let (_, out) = cgi("GET", "/where", "x=1", b"");
    assert!(String::from_utf8(out)
        .unwrap()
        .ends_with("prefix=/cgi-bin/app path=/where query=x=1"));

    let (_, out) = cgi("GET", "/peer", "", b"");
    assert!(String::from_utf8(out)
        .unwrap()
        .ends_with("peer=192.0.2.9 scheme=http"));
}

#[test]
fn cgi_echoes_bodies_and_never_reads_past_content_length() {
    for size in [0usize, 100 * 1024, 10 * 1024 * 1024] {
        let body: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        let (status, out) = cgi("POST", "/echo", "", &body);
        assert!(status.success());
        let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert!(
            out[split..] == body[..],
            "{size} bytes: got {}",
            out.len() - split
        );
    }
}

#[test]
fn cgi_reports_a_body_failure_through_its_exit_code() {
    let (status, out) = cgi("GET", "/fail_late", "", b"");
    assert!(!status.success());
    assert!(String::from_utf8_lossy(&out).ends_with("partial"));
}
