//! The scenarios: which servers, which probes, which loads. Each names its Gateway
//! side; when that side is not available yet the scenario is reported as such.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::load::Load;
use super::server::{Expect, Kind, Probe, ServerSpec, Upstream};
use super::Env;

/// Every scenario, in the order a full run measures them.
pub(crate) const NAMES: &[&str] = &[
    "hello", "server", "h2", "echo", "static", "fastcgi", "errors",
];

pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) load: Load,
    /// Overrides the timing's repeat count.
    pub(crate) repeats: Option<u32>,
    /// The probe (by [`Probe::key`]) whose response every response of this load
    /// must match in size.
    pub(crate) probe_key: Option<String>,
}

pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    /// The Gateway side first, then the anchors.
    pub(crate) servers: Vec<ServerSpec>,
    /// Requests every server must answer correctly before it is measured: every
    /// request a case sends.
    pub(crate) probes: Vec<Probe>,
    /// What the reader needs beside the figures (e.g. which server caches what).
    pub(crate) note: &'static str,
    pub(crate) cases: Vec<Case>,
}

/// Files the scenarios serve and post, made once under `target/bench/`.
pub(crate) struct Fixtures {
    /// 1k.bin, 64k.bin, 1m.bin, 100m.bin.
    www: PathBuf,
    /// post-1k.bin / post-1m.bin and their wrk scripts.
    post_dir: PathBuf,
}

const STATIC_FILES: &[(&str, usize)] = &[
    ("1k.bin", 1024),
    ("64k.bin", 64 * 1024),
    ("1m.bin", 1024 * 1024),
    ("100m.bin", 100 * 1024 * 1024),
];

const POST_BODIES: &[(&str, usize)] = &[("1k", 1024), ("1m", 1024 * 1024)];

impl Fixtures {
    pub(crate) fn create(env: &Env) -> Result<Fixtures, String> {
        let www = env.out_dir.join("www");
        let post_dir = env.out_dir.join("post");
        for dir in [&www, &post_dir] {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        for (name, size) in STATIC_FILES {
            write_pattern(&www.join(name), *size)?;
        }
        for (name, size) in POST_BODIES {
            let body = post_dir.join(format!("post-{name}.bin"));
            write_pattern(&body, *size)?;
            // wrk's Lua reads the same bytes the probe posts.
            let script = format!(
                "local f = assert(io.open(\"{}\", \"rb\"))\n\
                 wrk.method = \"POST\"\n\
                 wrk.body = f:read(\"*a\")\n\
                 f:close()\n\
                 wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n",
                body.display()
            );
            let lua = post_dir.join(format!("post-{name}.lua"));
            fs::write(&lua, script).map_err(|e| format!("{}: {e}", lua.display()))?;
        }
        Ok(Fixtures { www, post_dir })
    }

    /// The directory of the served files (1k.bin, 64k.bin, 1m.bin, 100m.bin).
    pub(crate) fn www(&self) -> &Path {
        &self.www
    }

    /// The body file `post-NAME.bin` (`1k` or `1m`).
    pub(crate) fn post_body(&self, name: &str) -> PathBuf {
        self.post_dir.join(format!("post-{name}.bin"))
    }

    fn post_script(&self, name: &str) -> PathBuf {
        self.post_dir.join(format!("post-{name}.lua"))
    }
}

/// Writes `size` bytes of printable, non-repeating-looking text unless the file is
/// already that size.
fn write_pattern(path: &Path, size: usize) -> Result<(), String> {
    if fs::metadata(path).is_ok_and(|m| m.len() == size as u64) {
        return Ok(());
    }
    let mut file = fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut state: u32 = 0x9e37_79b9;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut left = size;
    while left > 0 {
        for byte in chunk.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *byte = b'a' + (state % 26) as u8;
        }
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n])
            .map_err(|e| format!("{}: {e}", path.display()))?;
        left -= n;
    }
    Ok(())
}

fn bench_bin(bin: &'static str, args: &[&Path]) -> Kind {
    Kind::BenchBin {
        bin,
        args: args.iter().map(|p| p.display().to_string()).collect(),
    }
}

fn get_hello(h2c: bool) -> Probe {
    Probe::get("/hello", Expect::Bytes(b"Hello World!".to_vec()), h2c)
}

fn wrk(name: impl Into<String>, probe: &Probe, connections: u32, script: Option<PathBuf>) -> Case {
    Case {
        name: name.into(),
        load: Load::Wrk {
            path: probe.path.clone(),
            connections,
            script,
        },
        repeats: None,
        probe_key: Some(probe.key()),
    }
}

const RAW_HYPER_NOTE: &str =
    "answers every GET from a static string and streams any POST body back: no routing";
const AXUM_NOTE: &str = "one `Router` with `/hello` (and `/echo`)";
const HELLOWORLD_NOTE: &str = "the whole project stack from `production.toml`: error catcher, \
     key adder, a cascade that probes the public directory, then the embedded assets (both \
     in-memory indexes: a miss makes no system call), then the routed controllers";

pub(crate) fn build(name: &str, env: &Env, fixtures: &Fixtures) -> Scenario {
    let public = env.root.join("examples/helloworld/public");
    let helloworld =
        || ServerSpec::gateway("helloworld (Gateway)", Kind::Helloworld).note(HELLOWORLD_NOTE);
    let raw_hyper =
        || ServerSpec::anchor("raw hyper", bench_bin("raw-hyper", &[])).note(RAW_HYPER_NOTE);
    let axum = || ServerSpec::anchor("axum", bench_bin("axum-hello", &[])).note(AXUM_NOTE);
    let hello_case = |probe: &Probe| vec![wrk("GET /hello, wrk, 64 connections", probe, 64, None)];
    match name {
        "hello" => {
            let probe = get_hello(false);
            Scenario {
                name: "hello",
                title: "GET /hello through the whole helloworld stack",
                servers: vec![
                    helloworld(),
                    raw_hyper(),
                    axum(),
                    ServerSpec::anchor(
                        "axum + ServeDir static-first",
                        bench_bin("axum-static-first", &[&public]),
                    )
                    .note("`ServeDir` tries the public directory first (a failed `open` per request), then a 50-route router"),
                    ServerSpec::anchor("Paste stack on waitress", Kind::Paste)
                        .note("Python: the same middleware order on waitress with 4 threads"),
                ],
                cases: hello_case(&probe),
                probes: vec![probe],
                note: "",
            }
        }
        "server" => {
            let probe = get_hello(false);
            Scenario {
                name: "server",
                title: "the bare server with a trivial handler",
                servers: vec![
                    ServerSpec::gateway("gw_server::Server", bench_bin("gw-server", &[]))
                        .note("`Server` with its default limits and timeouts around a handler that returns a static string"),
                    raw_hyper(),
                    ServerSpec::anchor("axum::serve", bench_bin("axum-hello", &[])).note(AXUM_NOTE),
                ],
                cases: hello_case(&probe),
                probes: vec![probe],
                note: "",
            }
        }
        "h2" => {
            let probe = get_hello(true);
            Scenario {
                name: "h2",
                title: "GET /hello over h2c through the whole helloworld stack",
                servers: vec![helloworld(), raw_hyper(), axum()],
                cases: vec![Case {
                    name: "GET /hello, h2load, 64 connections × 10 streams".into(),
                    load: Load::H2load {
                        path: "/hello".into(),
                        connections: 64,
                        streams: 10,
                    },
                    repeats: None,
                    probe_key: None,
                }],
                probes: vec![probe],
                note: "",
            }
        }
        "echo" => {
            let probe = |size: &str| {
                Probe::post(
                    "/echo",
                    fixtures.post_body(size),
                    Expect::SameAsFile(fixtures.post_body(size)),
                )
            };
            let (small, large) = (probe("1k"), probe("1m"));
            Scenario {
                name: "echo",
                title: "POST /echo: the request body back, after it passed through the cascade",
                servers: vec![helloworld(), raw_hyper(), axum()],
                cases: vec![
                    wrk(
                        "POST /echo 1 KiB, wrk, 64 connections",
                        &small,
                        64,
                        Some(fixtures.post_script("1k")),
                    ),
                    wrk(
                        "POST /echo 1 MiB, wrk, 8 connections",
                        &large,
                        8,
                        Some(fixtures.post_script("1m")),
                    ),
                ],
                probes: vec![small, large],
                note: "All three stream the body back as it arrives (chunked).",
            }
        }
        "static" => {
            let www = fixtures.www.as_path();
            let file_probe = |file: &str| {
                Probe::get(
                    &format!("/{file}"),
                    Expect::SameAsFile(www.join(file)),
                    false,
                )
                .with_length()
            };
            let probes: Vec<Probe> = STATIC_FILES.iter().map(|(f, _)| file_probe(f)).collect();
            let mut cases = Vec::new();
            for (file, label, connections) in [
                ("1k.bin", "1 KiB", 8),
                ("1k.bin", "1 KiB", 64),
                ("64k.bin", "64 KiB", 64),
                ("1m.bin", "1 MiB", 8),
            ] {
                cases.push(wrk(
                    format!("GET {label} file, wrk, {connections} connections"),
                    &file_probe(file),
                    connections,
                    None,
                ));
            }
            cases.push(Case {
                name: "one 100 MiB download, curl (p50 column = whole transfer time)".into(),
                load: Load::Download {
                    path: "/100m.bin".into(),
                    size: 100 * 1024 * 1024,
                },
                repeats: None,
                probe_key: None,
            });
            let nginx = |sendfile: bool, label: &'static str, note: &'static str| {
                ServerSpec::anchor(
                    label,
                    Kind::Nginx {
                        root: www.to_path_buf(),
                        sendfile,
                    },
                )
                .note(note)
            };
            Scenario {
                name: "static",
                title: "files from a directory",
                servers: vec![
                    ServerSpec::gateway("static-files (Gateway)", bench_bin("gw-static", &[www]))
                        .note("indexes the tree in memory and keeps files up to 64 KiB in memory with their headers: a small-file hit makes no file system call and one writev; a larger file's descriptor is kept open between requests (fstat'ed per request on the worker thread) and read in 60 KiB chunks (preadv2) into user space, 120 KiB at a time for a body with 2 MiB or more left"),
                    nginx(
                        true,
                        "nginx sendfile on",
                        "open_file_cache (descriptors and stat results kept 60 s), tcp_nopush off; each response's body goes out with sendfile(2), so the copy is done by the kernel, partly in softirq on the client's core, where the server CPU column does not see it",
                    ),
                    nginx(
                        false,
                        "nginx sendfile off",
                        "open_file_cache, tcp_nopush off (it only applies to sendfile); bodies are read(2) into a user-space buffer and written, as static-files does for large files",
                    ),
                    ServerSpec::anchor("tower-http ServeDir", bench_bin("servedir", &[www]))
                        .note("opens, stats and reads the file on every request, on tokio's blocking pool"),
                ],
                probes,
                cases,
                note: "Every server is 2 workers pinned to one core. Small files: static-files answers from memory, nginx from its descriptor cache plus the page cache, ServeDir from disk each time.",
            }
        }
        "fastcgi" => {
            let probe = get_hello(false);
            Scenario {
                name: "fastcgi",
                title: "GET /hello through nginx: FastCGI against HTTP proxying against no nginx",
                servers: vec![
                    ServerSpec::gateway(
                        "nginx → FastCGI → helloworld",
                        Kind::NginxFront {
                            via: Upstream::FastCgi,
                        },
                    )
                    .note("nginx `fastcgi_pass` with `fastcgi_keep_conn on` to helloworld's FastCGI server"),
                    ServerSpec::anchor(
                        "nginx → HTTP → helloworld",
                        Kind::NginxFront {
                            via: Upstream::Http,
                        },
                    )
                    .note("nginx `proxy_pass` over keep-alive HTTP/1.1 to helloworld's HTTP server"),
                    ServerSpec::anchor("helloworld direct", Kind::Helloworld).note(HELLOWORLD_NOTE),
                ],
                cases: hello_case(&probe),
                probes: vec![probe],
                note: "CPU and PSS of the fronted rows are nginx's and helloworld's together.",
            }
        }
        "errors" => {
            let probe = get_hello(false);
            Scenario {
                name: "errors",
                title: "GET /hello through helloworld's app with and without error-catcher",
                servers: vec![
                    ServerSpec::gateway(
                        "helloworld app (ErrorCatcher serving the documents)",
                        bench_bin("gw-errors", &[&public, Path::new("with")]),
                    ),
                    ServerSpec::anchor(
                        "helloworld app without error-catcher",
                        bench_bin("gw-errors", &[&public, Path::new("without")]),
                    ),
                    ServerSpec::anchor(
                        "helloworld app with two layers (ErrorDocuments + ErrorCatcher)",
                        bench_bin("gw-errors", &[&public, Path::new("two-layers")]),
                    ),
                ],
                // The layers' cost is a few per cent, inside one round's noise on
                // a shared machine (paired ratios move by ±10 % from round to
                // round): 15 rounds in a full and in a quick run, so that
                // the median settles (the note says so in the report).
                cases: hello_case(&probe)
                    .into_iter()
                    .map(|case| Case {
                        repeats: Some(15),
                        ..case
                    })
                    .collect(),
                probes: vec![probe],
                note: "The same app on `gw_server::Server` in all three rows; only the error layers differ. \
                       15 rounds, in a full run and in a quick one: the difference is smaller than \
                       one round's noise.",
            }
        }
        other => unreachable!("scenario {other} is not in NAMES"),
    }
}
