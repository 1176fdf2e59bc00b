//! The helloworld binary plus one extra app for the reliability tests: its CLI is
//! exactly `helloworld`'s (`gw_server::cli::run(helloworld::spec())`), with the
//! factory `body_reader` added to the registry.
//!
//! `body_reader` reads the whole request body and then answers 404, so a cascade
//! `[body_reader, helloworld]` keeps (and spills past `replay_threshold`) every
//! body before helloworld sees it replayed: the soak and the fault tests use it to
//! drive the cascade's spill files through the real stack. `spilling_cascade` is
//! that cascade with all of its settings.

use std::process::ExitCode;

use gw_core::{app_fn, Body, BoxError, Settings};
use gw_server::cli::{run, AppSpec};
use gw_server::deploy::{BoxApp, Composite, Registry};
use http::StatusCode;
use http_body_util::BodyExt;

fn body_reader(settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&[])?;
    Ok(BoxApp::new(app_fn(|req: http::Request<Body>| async move {
        // A failed read (the cascade's limit or spill error) is the cascade's to
        // answer; this member only ever misses.
        let _ = req.into_body().collect().await;
        StatusCode::NOT_FOUND
    })))
}

/// The cascade with every `CascadeConfig` key (`spill_dir`, `replay_threshold`,
/// ...): the built-in `cascade` composite of the deploy loader reads only `apps`
/// and `catch`.
fn spilling_cascade(composite: &mut Composite<'_>) -> Result<BoxApp, BoxError> {
    let mut settings = composite.settings().clone();
    let names = settings
        .get_list("apps")
        .ok_or_else(|| settings.invalid("apps", "a list of apps"))?;
    settings.remove("apps");
    let mut apps = Vec::with_capacity(names.len());
    for name in names {
        apps.push(composite.load_reference("apps", &name)?);
    }
    Ok(BoxApp::new(gw_cascade::Cascade::from_settings(
        &settings, apps,
    )?))
}

fn registry() -> Registry {
    helloworld::registry()
        .app("body_reader", body_reader)
        .composite("spilling_cascade", spilling_cascade)
}

fn main() -> ExitCode {
    run(AppSpec {
        name: "helloworld_stack",
        registry,
        ..helloworld::spec()
    })
}
