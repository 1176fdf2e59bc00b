//! `gateway`: `paster serve` without writing Rust.
//!
//! ```text
//! gateway serve CONFIG.toml [--check] [--reload] [--bind HOST:PORT] [--set KEY=VALUE]...
//! gateway                    # serves ./public on 127.0.0.1:8000
//! ```
//!
//! Every factory of the Gateway crates is registered (see the library's table), so
//! any config file that uses only those serves as it is.

use std::path::PathBuf;
use std::process::ExitCode;

use gw_server::cli::AppSpec;
use gw_server::deploy::Registry;

fn main() -> ExitCode {
    // Without a CONFIG, `${here}` is the directory the binary was started in, so a
    // bare `gateway` serves `./public`.
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    gw_server::cli::run(AppSpec {
        name: "gateway",
        default_config: include_str!("../default.toml"),
        default_config_path: here.join("gateway.toml"),
        registry: || gateway_builtins::register(Registry::new()),
    })
}
