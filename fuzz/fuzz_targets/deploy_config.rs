//! Feeds arbitrary text to the deploy config loader as a config file: TOML parsing,
//! `${...}` substitution, `use` and reference resolution, cycles and `[server.*]`
//! settings. Invariants:
//!
//! - nothing panics;
//! - every failure is an `Error` whose message starts with the file it is about
//!   (an absolute path: every file resolves against `/fuzz/site.toml`) and says why;
//! - loading is deterministic: the same text gives the same outcome and message;
//! - a comment line appended to a file that loads changes nothing.
#![no_main]

use gw_core::{app_fn, Body, Settings};
use gw_server::deploy::{BoxApp, Loader, Registry};
use libfuzzer_sys::fuzz_target;

fn registry() -> Registry {
    Registry::new()
        .app("text", |settings: &Settings| {
            settings.check_known(&["body", "debug"])?;
            let body = settings.get("body").unwrap_or("hi").to_owned();
            Ok(BoxApp::new(app_fn(move |_req: http::Request<Body>| {
                let body = body.clone();
                async move { body }
            })))
        })
        .default_app("text")
}

/// The outcome of loading `text` as the app and as the server: `Ok(())` or the
/// error message, for each.
fn outcome(registry: &Registry, text: &str) -> (Result<(), String>, Result<(), String>) {
    let mut loader = Loader::new(registry).embed("/fuzz/site.toml", text);
    let app = loader
        .load_app("config:/fuzz/site.toml#main")
        .map(drop)
        .map_err(|e| e.to_string());
    let server = loader
        .load_server("config:/fuzz/site.toml#main")
        .map(drop)
        .map_err(|e| e.to_string());
    (app, server)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let registry = registry();
    let first = outcome(&registry, text);
    for message in [&first.0, &first.1].into_iter().filter_map(|r| r.as_ref().err()) {
        let (file, reason) = message
            .split_once(": ")
            .unwrap_or_else(|| panic!("no `FILE: reason` in {message:?}"));
        assert!(file.starts_with('/'), "{message:?} does not start with a file");
        assert!(!reason.trim().is_empty(), "{message:?} gives no reason");
    }
    assert_eq!(outcome(&registry, text), first, "loading is not deterministic");
    if first.0.is_ok() {
        let commented = format!("{text}\n# a comment\n");
        assert!(
            outcome(&registry, &commented).0.is_ok(),
            "a trailing comment broke a config that loads"
        );
    }
});
