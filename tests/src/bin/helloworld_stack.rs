//! The helloworld binary plus one extra app for the reliability tests: its CLI is
//! exactly `helloworld`'s (`gw_server::cli::run(helloworld::spec())`), with the
//! factory `body_reader` added to the registry.
//!
//! `body_reader` reads the whole request body and then answers 404, so a cascade
//! `[body_reader, helloworld]` keeps (and spills past `replay_threshold`) every
//! body before helloworld sees it replayed: the soak and the fault tests use it to
//! drive the cascade's spill files through the real stack. `spilling_cascade` is
//! that cascade with all of its settings.
//!
//! `probe` is a router with one controller, `seen`, that answers what the request
//! looked like once the server and the router were done with it: the method (after
//! any `_method` override) and the original one, the mount prefix, the path, the
//! `Host`, and the client address and scheme the server worked out. The hostile
//! corpus mounts it at `/probe` to check that forged forwarding headers and
//! `_method` tricks change none of these.

use std::process::ExitCode;

use gw_controller_router::{Mapper, OriginalMethod, Router};
use gw_core::{app_fn, Body, BoxError, MountPrefix, Settings};
use gw_server::cli::{run, AppSpec};
use gw_server::deploy::{BoxApp, Composite, Registry};
use gw_server::{ClientInfo, PeerAddr, Scheme};
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

fn probe(settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&[])?;
    let seen = app_fn(|req: http::Request<Body>| async move {
        let original = req
            .extensions()
            .get::<OriginalMethod>()
            .map_or_else(|| "-".to_owned(), |m| m.0.to_string());
        let info = ClientInfo::of(&req);
        let addr = info
            .and_then(|c| c.addr)
            .or_else(|| PeerAddr::of(&req).map(|p| p.0.ip()))
            .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
        let scheme = match info.map(|c| c.scheme) {
            Some(Scheme::Https) => "https",
            Some(Scheme::Http) => "http",
            None => "-",
        };
        let host = req.headers().get(http::header::HOST).map_or_else(
            || "-".to_owned(),
            |h| String::from_utf8_lossy(h.as_bytes()).into_owned(),
        );
        format!(
            "method={}; original={original}; prefix={}; path={}; host={host}; addr={addr}; \
             scheme={scheme}; forwarded={};\n",
            req.method(),
            MountPrefix::of(&req),
            req.uri().path(),
            info.is_some_and(|c| c.forwarded),
        )
    });
    let mapper = Mapper::new().default_routes()?;
    Ok(BoxApp::new(Router::new(mapper).controller("seen", seen)))
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
        .app("probe", probe)
        .composite("spilling_cascade", spilling_cascade)
}

fn main() -> ExitCode {
    run(AppSpec {
        name: "helloworld_stack",
        registry,
        ..helloworld::spec()
    })
}
