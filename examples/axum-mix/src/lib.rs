//! An existing axum app that adopts Gateway's crates without giving up its Router.
//!
//! The app already has its own [`axum::Router`] (`/api/...`). It adds, one line each:
//!
//! | Gateway crate | how it joins the Router | what it gives |
//! |---|---|---|
//! | `error-catcher` | `.layer(ErrorCatcherLayer)` | a 500 page for a panicking handler instead of a reset connection |
//! | `key-adder` | `.layer(KeyAdderLayer)` | `test.hello` in the [`Environ`] of every request |
//! | `cascade` | `.nest_service("/legacy", Cascade::new(new_router).or(mapper).or(legacy_app))` | new handlers take over a legacy service route by route; whatever they answer 404 to still reaches the legacy service |
//! | `controller-router` | a Routes [`Mapper`] in that cascade, wrapped in [`StrippedPrefix`] | `Urls` inside `/legacy` generates `/legacy/...`: the prefix axum stripped becomes the [`MountPrefix`](gw_core::MountPrefix) |
//! | `gw-core` | `.route_service("/gateway/hello", app_fn(..))` | a Gateway controller as an axum route |
//! | `static-files` | `.fallback_service(StaticFiles)` | files from `public/` for every path no route matched |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let public = tempfile::tempdir().unwrap();
//! let app: axum::Router = axum_mix::app(public.path()).unwrap();
//! # drop(app);
//! # }
//! ```
#![forbid(unsafe_code)]

use std::path::Path;

use axum::extract::OriginalUri;
use axum::routing::get;
use axum::Router;
use gw_cascade::Cascade;
use gw_controller_router::{Actions, Mapper, Router as Routes, Urls};
use gw_core::{app_fn, Body, BoxError, Environ, Response, StrippedPrefix};
use gw_error_catcher::ErrorCatcherLayer;
use gw_static_files::StaticFiles;

/// What a Gateway app must be to sit in an axum Router: a cloneable, thread-safe
/// Service from `Req` to a response with a Gateway [`Body`].
pub trait App<Req>:
    tower::Service<
        Req,
        Response = http::Response<gw_core::Body>,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<Req, S> App<Req> for S where
    S: tower::Service<
            Req,
            Response = http::Response<gw_core::Body>,
            Error = std::convert::Infallible,
            Future: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// The key [`app`] sets with key-adder, and its value.
pub const HELLO_KEY: (&str, &str) = ("test.hello", "Hello from key-adder");

/// The app as it was before Gateway: an ordinary axum Router.
pub fn existing_routes() -> Router {
    Router::new()
        .route("/api/health", get(|| async { "ok" }))
        .route(
            "/api/hello",
            // Reads the environ key the key-adder layer sets (empty without it).
            get(|req: axum::extract::Request| async move {
                Environ::of(&req)
                    .and_then(|env| env.get(HELLO_KEY.0))
                    .unwrap_or("")
                    .to_owned()
            }),
        )
        .route("/api/panic", get(panicking_handler))
}

/// A Gateway controller (any tower Service) mounted as an axum route, the other
/// direction of the mix.
fn gateway_controller() -> impl App<axum::extract::Request> {
    app_fn(|_req: axum::extract::Request| async { Response::new("Hello World!") })
}

/// A handler with a bug, to show the error catcher at work.
async fn panicking_handler() -> &'static str {
    panic!("the /api/panic handler failed")
}

/// The legacy service that `/legacy` used to be, whole: any tower Service (here a
/// Gateway function app). It answers every path it knows with `legacy: PATH`.
pub fn legacy_app() -> impl App<http::Request<Body>> {
    app_fn(|req: http::Request<Body>| async move {
        Response::text(format!("legacy: {}", req.uri().path()))
    })
}

/// The routes rewritten so far, in axum. Paths they do not have answer 404 and
/// fall through to [`legacy_app`].
pub fn rewritten_routes() -> Router {
    Router::new().route("/users", get(|| async { "users, from the new axum code" }))
}

/// A Pylons-style controller under Routes' default routes: `/greet/show/{id}`
/// greets the id (as text: a name from the URL is never markup), `/greet/links`
/// generates a link to `greet/show/3`. A path with no controller answers 404, so
/// the cascade goes on to [`legacy_app`].
pub fn mapped_routes() -> Result<Routes, BoxError> {
    Ok(Routes::new(Mapper::new().default_routes()?).controller(
        "greet",
        Actions::new()
            .action("show", |_req, args| async move {
                format!("Hello {}", args.get("id").unwrap_or_default())
            })
            .action("links", |req, _args| async move {
                Urls::of(&req)
                    .and_then(|urls| urls.url_for("greet", "show", &[("id", "3")]).ok())
                    .unwrap_or_default()
            }),
    ))
}

/// The whole app: [`existing_routes`] with Gateway's crates mixed in.
///
/// `public_dir` must be a directory; its files answer every path no route matched.
pub fn app(public_dir: &Path) -> Result<Router, BoxError> {
    let public = StaticFiles::new(public_dir)?;
    let legacy = Cascade::new(rewritten_routes())
        .or(mapped_routes()?)
        .or(legacy_app());
    let key_adder = gw_key_adder::KeyAdderLayer::new(HELLO_KEY.0, HELLO_KEY.1)?;

    Ok(existing_routes()
        .route_service("/gateway/hello", gateway_controller())
        // axum strips `/legacy` and keeps the URI as it came in `OriginalUri`;
        // `StrippedPrefix` turns the difference into the mount prefix `Urls` uses.
        .nest_service("/legacy", StrippedPrefix::<_, OriginalUri>::new(legacy))
        .fallback_service(public)
        // Layers apply to the routes, the nested service and the fallback; the last
        // one added is the outermost, so the catcher sees the key-adder's panics too.
        .layer(key_adder)
        .layer(ErrorCatcherLayer::new().debug(false)))
}
