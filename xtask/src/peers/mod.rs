//! `cargo xtask peers`: every helloworld contract row through every way a web server
//! can reach Gateway, against real nginx and a CGI run done the way a web server
//! does it.
//!
//! | path | how |
//! |---|---|
//! | `fastcgi-tcp` | nginx `fastcgi_pass` over TCP, `fastcgi_keep_conn on`, keep-alive upstream |
//! | `fastcgi-unix` | the same over a Unix socket |
//! | `scgi` | nginx `scgi_pass` |
//! | `http` | nginx `proxy_pass`, HTTP/1.1 keep-alive upstream, `trusted_proxies = 127.0.0.1` |
//! | `cgi` | one process per request: CGI variables in the environment, the body on stdin |
//!
//! The app is mounted under `/app` everywhere. FastCGI, SCGI and CGI carry the
//! prefix as `SCRIPT_NAME`. HTTP has no such variable, and Gateway's server reads no
//! `X-Forwarded-Prefix`, so nginx passes `/app/...` unchanged and the deploy config
//! mounts the app at `/app` itself (`[composite.*] use = "urlmap"`).
//!
//! nginx sends the whole request body before it reads a FastCGI or SCGI response
//! (and, over HTTP, unless `proxy_request_buffering off`). An app that answers while
//! it still reads, such as helloworld's streaming `POST /echo`, then stalls once the
//! socket buffers are full (about 4 MiB on loopback) unless the front end keeps
//! reading the body whether or not the app polls it. The 10 MiB echo row checks
//! exactly that.
//!
//! It installs nothing: nginx and curl must be there.

pub(crate) mod nginx;
mod rows;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::proc::{self, Endpoint, Guard};
use rows::{Reply, Row, PREFIX};

const INSTALL_HINT: &str = "apt-get install nginx curl";

/// How a path is reached.
enum Via {
    /// curl to nginx on this port.
    Nginx(u16),
    /// helloworld run as a CGI program with this config.
    Cgi(PathBuf),
}

struct PeerPath {
    name: &'static str,
    via: Via,
}

/// `cargo xtask peers`.
pub(crate) fn peers(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!(
            "`cargo xtask peers` takes no arguments, got `{arg}`"
        ));
    }
    let missing: Vec<&str> = ["nginx", "curl"]
        .into_iter()
        .filter(|tool| proc::find_program(tool).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!("{} not found: {INSTALL_HINT}", missing.join(", ")));
    }
    let nginx_bin = proc::find_program("nginx").ok_or(INSTALL_HINT)?;
    let root = crate::workspace_root()?;
    let helloworld = crate::build_debug(&root, "helloworld")?;
    let dir = std::env::temp_dir().join(format!("gateway-peers-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = run(&root, &helloworld, &nginx_bin, &dir);
    match &result {
        Ok(()) => {
            let _ = fs::remove_dir_all(&dir);
        }
        Err(_) => eprintln!("xtask: configs and logs kept in {}", dir.display()),
    }
    result
}

fn run(root: &Path, helloworld: &Path, nginx_bin: &Path, dir: &Path) -> Result<(), String> {
    let hello_dir = root.join("examples/helloworld");
    let rows = rows::all(&hello_dir)?;
    let sock = dir.join("fastcgi.sock");
    let fcgi_port = proc::free_port()?;
    let scgi_port = proc::free_port()?;
    let http_port = proc::free_port()?;
    let config = dir.join("peers.toml");
    let config_text = deploy_config(
        &hello_dir.join("public"),
        fcgi_port,
        &sock,
        scgi_port,
        http_port,
    );
    fs::write(&config, config_text).map_err(|e| format!("{}: {e}", config.display()))?;

    // The apps.
    let mut apps = Vec::new();
    for (server, name, endpoint) in [
        ("fastcgi_tcp", "main", Endpoint::Tcp(fcgi_port)),
        ("fastcgi_unix", "main", Endpoint::Unix(sock.clone())),
        ("scgi", "main", Endpoint::Tcp(scgi_port)),
        ("http", "mounted", Endpoint::Tcp(http_port)),
    ] {
        let log = dir.join(format!("{server}.log"));
        let out = fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(helloworld);
        command
            .arg("serve")
            .arg(&config)
            .args(["--name", name, "--server-name", server])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        apps.push(Guard::spawn(
            format!("helloworld ({server})"),
            &mut command,
            &endpoint,
            Some(&log),
            Duration::from_secs(30),
        )?);
    }

    // nginx, one server block per path.
    let sites: Vec<nginx::Site> = [
        nginx::Upstream::FastCgi(format!("127.0.0.1:{fcgi_port}")),
        nginx::Upstream::FastCgi(format!("unix:{}", sock.display())),
        nginx::Upstream::Scgi(format!("127.0.0.1:{scgi_port}")),
        nginx::Upstream::Http(format!("127.0.0.1:{http_port}")),
    ]
    .into_iter()
    .map(|upstream| {
        Ok(nginx::Site {
            port: proc::free_port()?,
            upstream,
        })
    })
    .collect::<Result<_, String>>()?;
    let nginx_conf = dir.join("nginx.conf");
    fs::write(&nginx_conf, nginx::conf(dir, &sites, proc::is_root()))
        .map_err(|e| format!("{}: {e}", nginx_conf.display()))?;
    let error_log = dir.join("error.log");
    let nginx_out = dir.join("nginx.out");
    let out = fs::File::create(&nginx_out).map_err(|e| format!("{}: {e}", nginx_out.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let nginx = Guard::spawn(
        "nginx",
        Command::new(nginx_bin)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&nginx_conf)
            .arg("-e")
            .arg(&error_log)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err),
        &Endpoint::Tcp(sites[sites.len() - 1].port),
        Some(&nginx_out),
        Duration::from_secs(15),
    )?;
    for site in &sites {
        wait_tcp(site.port)?;
    }

    let mut paths: Vec<PeerPath> = ["fastcgi-tcp", "fastcgi-unix", "scgi", "http"]
        .into_iter()
        .zip(&sites)
        .map(|(name, site)| PeerPath {
            name,
            via: Via::Nginx(site.port),
        })
        .collect();
    paths.push(PeerPath {
        name: "cgi",
        via: Via::Cgi(config.clone()),
    });
    let mut results: Vec<Vec<Option<Result<(), String>>>> = Vec::new();
    for row in &rows {
        let mut line = Vec::new();
        for path in &paths {
            let outcome = match &path.via {
                Via::Nginx(port) => {
                    Some(curl(*port, row, dir).and_then(|reply| row.verify(&reply)))
                }
                Via::Cgi(config) if row.cgi => {
                    Some(cgi(helloworld, config, row).and_then(|reply| row.verify(&reply)))
                }
                Via::Cgi(_) => None,
            };
            line.push(outcome);
        }
        results.push(line);
    }
    drop(nginx);
    drop(apps);

    let names: Vec<&str> = paths.iter().map(|p| p.name).collect();
    print!("{}", table(&rows, &names, &results));
    let failures: Vec<String> = rows
        .iter()
        .zip(&results)
        .flat_map(|(row, line)| {
            line.iter()
                .zip(&names)
                .filter_map(move |(outcome, path)| match outcome {
                    Some(Err(why)) => Some(format!("{path} / {}: {why}", row.name)),
                    _ => None,
                })
        })
        .collect();
    if failures.is_empty() {
        println!("\nall {} rows pass on every path", rows.len());
        Ok(())
    } else {
        println!();
        for failure in &failures {
            println!("FAIL {failure}");
        }
        Err(format!("{} checks failed", failures.len()))
    }
}

fn wait_tcp(port: u16) -> Result<(), String> {
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Err(format!("nothing listens on 127.0.0.1:{port}"))
}

/// The deploy config: the app (production settings), the app mounted at `/app` for
/// the HTTP path, and one server section per front end.
fn deploy_config(
    public: &Path,
    fcgi_port: u16,
    sock: &Path,
    scgi_port: u16,
    http_port: u16,
) -> String {
    format!(
        "# Generated by `cargo xtask peers`.
[app.main]
use = \"helloworld\"
debug = false
public_dir = \"{public}\"

# HTTP has no SCRIPT_NAME: the app mounts itself where nginx forwards it.
[composite.mounted]
use = \"urlmap\"
\"{PREFIX}\" = \"main\"

[server.fastcgi_tcp]
use = \"fastcgi\"
bind = \"127.0.0.1:{fcgi_port}\"

[server.fastcgi_unix]
use = \"fastcgi\"
bind = \"unix:{sock}\"

[server.scgi]
use = \"scgi\"
bind = \"127.0.0.1:{scgi_port}\"

[server.http]
bind = \"127.0.0.1:{http_port}\"
# nginx's client_max_body_size here is 64m: the 10 MiB echo row passes both.
max_request_body = \"64MiB\"
trusted_proxies = \"127.0.0.1\"

[server.cgi]
use = \"cgi\"
",
        public = public.display(),
        sock = sock.display(),
    )
}

/// One row through nginx with curl.
fn curl(port: u16, row: &Row, dir: &Path) -> Result<Reply, String> {
    let headers_file = dir.join("curl.headers");
    let body_file = dir.join("curl.body");
    let _ = fs::remove_file(&headers_file);
    let _ = fs::remove_file(&body_file);
    let mut command = Command::new("curl");
    command
        .args(["-s", "--max-time", "20", "--interface", row.from])
        .arg("-D")
        .arg(&headers_file)
        .arg("-o")
        .arg(&body_file);
    for (name, value) in &row.headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    if let Some(body) = &row.post {
        let post_file = dir.join("curl.post");
        fs::write(&post_file, body).map_err(|e| format!("{}: {e}", post_file.display()))?;
        command
            .args([
                "-H",
                "Content-Type: application/octet-stream",
                "--data-binary",
            ])
            .arg(format!("@{}", post_file.display()));
    }
    let status = command
        .arg(format!("http://127.0.0.1:{port}{PREFIX}{}", row.path))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    let headers = fs::read_to_string(&headers_file)
        .unwrap_or_default()
        .to_ascii_lowercase();
    // With `Expect: 100-continue` curl records the interim head too; the last counts.
    let last_head = headers
        .rsplit("http/")
        .next()
        .map(|h| format!("http/{h}"))
        .unwrap_or_default();
    Ok(Reply {
        clean: status.success(),
        status: last_head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        headers: last_head,
        body: fs::read(&body_file).unwrap_or_default(),
    })
}

/// One row as a CGI request: helloworld started per request the way a web server
/// starts a CGI program, mounted at `/app`.
fn cgi(helloworld: &Path, config: &Path, row: &Row) -> Result<Reply, String> {
    let (path_info, query) = row.path.split_once('?').unwrap_or((row.path, ""));
    let body = row.post.clone().unwrap_or_default();
    let mut command = Command::new(helloworld);
    command
        .arg("serve")
        .arg(config)
        .args(["--server-name", "cgi"])
        .env_clear()
        .env("RUST_LOG", "error")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("SERVER_SOFTWARE", "xtask-peers")
        .env("SERVER_NAME", "localhost")
        .env("SERVER_PORT", "80")
        .env(
            "REQUEST_METHOD",
            if row.post.is_some() { "POST" } else { "GET" },
        )
        .env("SCRIPT_NAME", PREFIX)
        .env("PATH_INFO", path_info)
        .env("QUERY_STRING", query)
        .env("REMOTE_ADDR", row.from)
        .env("HTTP_HOST", "localhost");
    if row.post.is_some() {
        command
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("CONTENT_TYPE", "application/octet-stream");
    }
    for (name, value) in &row.headers {
        command.env(
            format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
            value,
        );
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", helloworld.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("CGI run: {e}"))?;
    let _ = writer.join();
    let split = out
        .stdout
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            out.stdout
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        })
        .ok_or_else(|| {
            format!(
                "no header block in the CGI output ({} bytes, {})",
                out.stdout.len(),
                out.status
            )
        })?;
    let headers = String::from_utf8_lossy(&out.stdout[..split.0]).to_ascii_lowercase();
    let status = headers
        .lines()
        .find_map(|l| l.strip_prefix("status:"))
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(200);
    Ok(Reply {
        clean: out.status.success(),
        status,
        headers,
        body: out.stdout[split.1..].to_vec(),
    })
}

/// Rows × paths, `ok`, `FAIL` or `n/a`.
fn table(rows: &[Row], paths: &[&str], results: &[Vec<Option<Result<(), String>>>]) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}", "row");
    for path in paths {
        out.push_str(&format!(" | {path:^12}"));
    }
    out.push('\n');
    out.push_str(&"-".repeat(width + paths.len() * 15));
    out.push('\n');
    for (row, line) in rows.iter().zip(results) {
        out.push_str(&format!("{:width$}", row.name));
        for outcome in line {
            let cell = match outcome {
                Some(Ok(())) => "ok",
                Some(Err(_)) => "FAIL",
                None => "n/a",
            };
            out.push_str(&format!(" | {cell:^12}"));
        }
        out.push('\n');
    }
    out
}
