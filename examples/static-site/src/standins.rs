//! TODO(lead): temporary stand-ins for the cascade, static-files, key-adder and
//! error-catcher crates, which export nothing yet on this branch. Each reads the
//! same settings the real `from_settings` is expected to read and rejects unknown
//! keys the same way. Delete this module when the crates land (see `registry`).

use std::path::{Component, Path, PathBuf};

use gateway_core::{app_fn, Body, BoxError, Environ, EnvironKey, IntoResponse, Settings};
use gateway_server::deploy::{box_app, BoxApp};
use http::{Method, StatusCode};
use tower::ServiceExt;

/// `static_files`: the files under `root`; `/` is `index.html`.
pub(crate) fn static_files(settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&["root"])?;
    let root = settings
        .get_path("root")?
        .ok_or_else(|| settings.error("root", gateway_core::SettingsErrorKind::Missing))?;
    if !root.is_dir() {
        return Err(settings.invalid("root", "an existing directory").into());
    }
    Ok(box_app(app_fn(move |req: http::Request<Body>| {
        let root = root.clone();
        async move {
            if req.method() != Method::GET && req.method() != Method::HEAD {
                return StatusCode::METHOD_NOT_ALLOWED.into_response();
            }
            let Some(file) = file_for(&root, req.uri().path()) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            match tokio::fs::read(&file).await {
                Ok(bytes) => {
                    let mut res = http::Response::new(Body::from(bytes));
                    let content_type = match file.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("css") => "text/css",
                        Some("js") => "text/javascript",
                        _ => "application/octet-stream",
                    };
                    res.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static(content_type),
                    );
                    res
                }
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }
    })))
}

fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let file = root.join(relative);
    Some(if file.is_dir() {
        file.join("index.html")
    } else {
        file
    })
}

/// `key_adder`: sets environ `key` to `value`; a key without a `.` is refused.
pub(crate) fn key_adder(app: BoxApp, settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&["key", "value"])?;
    let key = EnvironKey::new(settings.require("key")?)
        .map_err(|e| settings.invalid("key", e.to_string()))?;
    let value = settings.require("value")?.to_owned();
    Ok(BoxApp::new(app.map_request(
        move |mut req: http::Request<Body>| {
            Environ::of_mut(&mut req).insert(key.clone(), value.clone());
            req
        },
    )))
}

/// `error_catcher`: a generic 500 page for errors; the page at
/// `error_document_path` (with `{status}` filled in) for `error_documents` statuses,
/// keeping the original status.
pub(crate) fn error_catcher(app: BoxApp, settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&["debug", "error_documents", "error_document_path"])?;
    let _debug = settings.get_bool("debug")?.unwrap_or(false);
    let statuses: Vec<u16> = settings
        .get_list("error_documents")
        .unwrap_or_default()
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| settings.invalid("error_documents", "a list of HTTP statuses"))?;
    let path = settings
        .get("error_document_path")
        .unwrap_or("/error/{status}")
        .to_owned();
    Ok(box_app(app_fn(move |req: http::Request<Body>| {
        let app = app.clone();
        let statuses = statuses.clone();
        let path = path.clone();
        async move {
            let method = req.method().clone();
            let res = match app.clone().oneshot(req).await {
                Ok(res) => res,
                Err(_) => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "<h1>Server Error</h1>")
                        .into_response()
                }
            };
            let status = res.status();
            if !statuses.contains(&status.as_u16()) {
                return res;
            }
            let document = path.replace("{status}", status.as_str());
            let Ok(mut retry) = http::Request::builder()
                .method(method)
                .uri(document)
                .body(Body::empty())
            else {
                return res;
            };
            *retry.method_mut() = Method::GET;
            match app.oneshot(retry).await {
                Ok(mut page) if page.status().is_success() => {
                    *page.status_mut() = status;
                    page
                }
                _ => res,
            }
        }
    })))
}

/// `cascade`: the first member whose status is not in `catch` (default 404).
/// Body-less requests only: the real crate replays bodies.
pub(crate) fn cascade(members: Vec<BoxApp>, settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&["catch"])?;
    let catch: Vec<u16> = settings
        .get_list("catch")
        .unwrap_or_else(|| vec!["404".into()])
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| settings.invalid("catch", "a list of HTTP statuses"))?;
    Ok(box_app(app_fn(move |req: http::Request<Body>| {
        let members = members.clone();
        let catch = catch.clone();
        async move {
            let (parts, _body) = req.into_parts();
            let mut last = StatusCode::NOT_FOUND.into_response();
            for member in members {
                let req = http::Request::from_parts(parts.clone(), Body::empty());
                last = match member.oneshot(req).await {
                    Ok(res) => res,
                    Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                };
                if !catch.contains(&last.status().as_u16()) {
                    break;
                }
            }
            last
        }
    })))
}
