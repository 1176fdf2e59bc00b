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
}

pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    /// The Gateway side first, then the anchors.
    pub(crate) servers: Vec<ServerSpec>,
    /// Requests every server must answer correctly before it is measured.
    pub(crate) probes: Vec<Probe>,
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

    fn post_body(&self, name: &str) -> PathBuf {
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
    Probe {
        path: "/hello".into(),
        post: None,
        expect: Expect::Bytes(b"Hello World!".to_vec()),
        h2c,
    }
}

fn wrk(name: impl Into<String>, path: &str, connections: u32, script: Option<PathBuf>) -> Case {
    Case {
        name: name.into(),
        load: Load::Wrk {
            path: path.into(),
            connections,
            script,
        },
        repeats: None,
    }
}

pub(crate) fn build(name: &str, env: &Env, fixtures: &Fixtures) -> Scenario {
    let public = env.root.join("examples/helloworld/public");
    let helloworld = || ServerSpec::gateway("helloworld (Gateway)", Kind::Helloworld);
    let raw_hyper = || ServerSpec::anchor("raw hyper", bench_bin("raw-hyper", &[]));
    let axum = || ServerSpec::anchor("axum", bench_bin("axum-hello", &[]));
    match name {
        "hello" => Scenario {
            name: "hello",
            title: "GET /hello through the whole helloworld stack",
            servers: vec![
                helloworld(),
                raw_hyper(),
                axum(),
                ServerSpec::anchor(
                    "axum + ServeDir static-first",
                    bench_bin("axum-static-first", &[&public]),
                ),
                ServerSpec::anchor("Paste stack on waitress", Kind::Paste),
            ],
            probes: vec![get_hello(false)],
            cases: vec![wrk("GET /hello, wrk, 64 connections", "/hello", 64, None)],
        },
        "server" => Scenario {
            name: "server",
            title: "the bare server with a trivial handler",
            servers: vec![
                ServerSpec::gateway("gw_server::Server", bench_bin("gw-server", &[])),
                raw_hyper(),
                ServerSpec::anchor("axum::serve", bench_bin("axum-hello", &[])),
            ],
            probes: vec![get_hello(false)],
            cases: vec![wrk("GET /hello, wrk, 64 connections", "/hello", 64, None)],
        },
        "h2" => Scenario {
            name: "h2",
            title: "GET /hello over h2c through the whole helloworld stack",
            servers: vec![helloworld(), raw_hyper(), axum()],
            probes: vec![get_hello(true)],
            cases: vec![Case {
                name: "GET /hello, h2load, 64 connections × 10 streams".into(),
                load: Load::H2load {
                    path: "/hello".into(),
                    connections: 64,
                    streams: 10,
                },
                repeats: None,
            }],
        },
        "echo" => Scenario {
            name: "echo",
            title: "POST /echo: the request body back, after it passed through the cascade",
            servers: vec![helloworld(), raw_hyper(), axum()],
            probes: vec![Probe {
                path: "/echo".into(),
                post: Some(fixtures.post_body("1k")),
                expect: Expect::SameAsFile(fixtures.post_body("1k")),
                h2c: false,
            }],
            cases: vec![
                wrk(
                    "POST /echo 1 KiB, wrk, 64 connections",
                    "/echo",
                    64,
                    Some(fixtures.post_script("1k")),
                ),
                wrk(
                    "POST /echo 1 MiB, wrk, 8 connections",
                    "/echo",
                    8,
                    Some(fixtures.post_script("1m")),
                ),
            ],
        },
        "static" => {
            let www = fixtures.www.as_path();
            let mut cases = Vec::new();
            for (file, label) in [
                ("1k.bin", "1 KiB"),
                ("64k.bin", "64 KiB"),
                ("1m.bin", "1 MiB"),
            ] {
                for connections in [8, 64] {
                    cases.push(wrk(
                        format!("GET {label} file, wrk, {connections} connections"),
                        &format!("/{file}"),
                        connections,
                        None,
                    ));
                }
            }
            cases.push(Case {
                name: "one 100 MiB download, curl (p50 column = whole transfer time)".into(),
                load: Load::Download {
                    path: "/100m.bin".into(),
                },
                repeats: None,
            });
            Scenario {
                name: "static",
                title: "files from a directory",
                servers: vec![
                    // GATEWAY STATIC SIDE: `gw-static PORT DIR` serving `gw_static_files::
                    // StaticFiles::new(DIR)`; bench/Cargo.toml holds the binary to add.
                    ServerSpec::gateway("static-files (Gateway)", bench_bin("gw-static", &[www])),
                    ServerSpec::anchor(
                        "nginx",
                        Kind::Nginx {
                            root: www.to_path_buf(),
                        },
                    ),
                    ServerSpec::anchor("tower-http ServeDir", bench_bin("servedir", &[www])),
                ],
                probes: vec![Probe {
                    path: "/1k.bin".into(),
                    post: None,
                    expect: Expect::SameAsFile(www.join("1k.bin")),
                    h2c: false,
                }],
                cases,
            }
        }
        "fastcgi" => Scenario {
            name: "fastcgi",
            title: "GET /hello through nginx: FastCGI against HTTP proxying against no nginx",
            servers: vec![
                ServerSpec::gateway(
                    "nginx → FastCGI → helloworld",
                    Kind::NginxFront {
                        via: Upstream::FastCgi,
                    },
                ),
                ServerSpec::anchor(
                    "nginx → HTTP → helloworld",
                    Kind::NginxFront {
                        via: Upstream::Http,
                    },
                ),
                ServerSpec::anchor("helloworld direct", Kind::Helloworld),
            ],
            probes: vec![get_hello(false)],
            cases: vec![wrk("GET /hello, wrk, 64 connections", "/hello", 64, None)],
        },
        "errors" => Scenario {
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
            probes: vec![get_hello(false)],
            cases: vec![wrk("GET /hello, wrk, 64 connections", "/hello", 64, None)],
        },
        other => unreachable!("scenario {other} is not in NAMES"),
    }
}
