//! The helloworld example project: the Pylons seed project rebuilt with Gateway.
//!
//! The layout follows a Pylons project: `config/middleware.rs` assembles the stack,
//! `config/routing.rs` maps URLs to controllers, `controllers/` holds them and
//! `public/` holds the static files.

pub mod config;
pub mod controllers;

use std::path::PathBuf;

use gw_server::cli::AppSpec;
use gw_server::deploy::Registry;

/// What the `helloworld` binary serves: its built-in config and its stack.
pub fn spec() -> AppSpec {
    AppSpec {
        name: "helloworld",
        default_config: include_str!("../development.toml"),
        default_config_path: PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/development.toml"
        )),
        registry,
    }
}

/// The factories helloworld's config files may `use`: the project's own app
/// (`helloworld`, also the default for `[app.*]` sections without `use`) and every
/// Gateway crate's (`static_files`, `key_adder`, `error_catcher`, `cascade`,
/// `urlmap`), so a config file can grow the stack without code.
pub fn registry() -> Registry {
    gateway_builtins::register(Registry::new())
        .app("helloworld", config::middleware::make_app)
        .default_app("helloworld")
}
