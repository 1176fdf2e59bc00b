//! Feeds arbitrary text to the deploy config loader as a config file: TOML parsing,
//! `${...}` substitution, `use` and reference resolution, cycles and `[server.*]`
//! settings. Nothing may panic; every failure is an `Error` whose message names the
//! file.
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let registry = registry();
    let mut loader = Loader::new(&registry).embed("/fuzz/site.toml", text);
    if let Err(e) = loader.load_app("config:/fuzz/site.toml#main") {
        let message = e.to_string();
        assert!(!message.is_empty());
    }
    let _ = loader.load_server("config:/fuzz/site.toml#main");
});
