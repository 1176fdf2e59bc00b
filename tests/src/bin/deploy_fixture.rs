//! A fixture binary built on `gw_server::cli`, for the deploy and reload tests.
//!
//! It registers one app, `message`, that answers its `message` setting with the
//! header `x-pid` (this process's id), and one filter, `header`, that adds
//! `name: value` to every response.

use std::path::PathBuf;
use std::process::ExitCode;

use gw_core::{app_fn, Body, BoxError, IntoResponse, Settings};
use gw_server::cli::{run, AppSpec};
use gw_server::deploy::{BoxApp, Registry};
use tower::ServiceExt;

fn message(settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&["message"])?;
    let message = settings.require("message")?.to_owned();
    let pid = std::process::id().to_string();
    let app = app_fn(move |_req: http::Request<Body>| {
        let mut res = message.clone().into_response();
        res.headers_mut()
            .insert("x-pid", pid.parse().expect("a pid is a header value"));
        async move { res }
    });
    Ok(BoxApp::new(app))
}

fn header(app: BoxApp, settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&["name", "value"])?;
    let name: http::HeaderName = settings
        .require("name")?
        .parse()
        .map_err(|_| settings.invalid("name", "a header name"))?;
    let value: http::HeaderValue = settings
        .require("value")?
        .parse()
        .map_err(|_| settings.invalid("value", "a header value"))?;
    Ok(BoxApp::new(app.map_response(
        move |mut res: http::Response<Body>| {
            res.headers_mut().insert(name.clone(), value.clone());
            res
        },
    )))
}

fn registry() -> Registry {
    Registry::new()
        .app("message", message)
        .filter("header", header)
}

fn main() -> ExitCode {
    run(AppSpec {
        name: "deploy_fixture",
        default_config: "[app.main]\nuse = \"message\"\nmessage = \"built in\"\n",
        default_config_path: PathBuf::from("deploy_fixture.toml"),
        registry,
    })
}
