//! Gateway's shared vocabulary: what every Gateway crate, and every app, speaks.
//!
//! A WSGI application is `app(environ, start_response)`; its Gateway twin is a
//! [`tower_service::Service`] from `http::Request<B>` to `http::Response<Body>`.
//! This crate holds the pieces all Gateway crates agree on:
//!
//! | item | WSGI / Paste twin |
//! |---|---|
//! | [`Body`] | the response iterable (a fixed body, or chunks that are `yield`ed) |
//! | [`RequestContext`] | the environ: what the layers record about a request, in one extension entry |
//! | [`Environ`], [`EnvironKey`] | the environ's namespaced keys (`test.hello`) |
//! | [`MountPrefix`] | `SCRIPT_NAME` |
//! | [`StrippedPrefix`] | `SCRIPT_NAME` set from what an outer router (axum's `nest_service`) stripped |
//! | [`RoutingArgs`] | `wsgiorg.routing_args` |
//! | [`Settings`] | a paste.deploy section's `local_conf`, with `asbool` and friends |
//! | [`app_fn`], [`Response`], [`IntoResponse`], [`Html`] | writing an app without `start_response` |
//! | [`Probe`], [`Probed`] | answering from a borrowed request (a cascade's fast path) |
//! | [`BoxApp`] | one boxed, cloneable type for any app, that keeps a `Probe` when asked |
//! | [`ReadyCall`] | one call of a service, made at once when the service is ready |
//! | [`lint::Lint`] | `wsgiref.validate`, `paste.lint`, `Rack::Lint` |
//! | `test_client::TestClient` (feature `test-util`) | WebTest's `TestApp` |
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use gw_core::{app_fn, Body, Environ, Response};
//! use tower::ServiceExt;
//!
//! // A controller that reads an environ key set by a middleware.
//! let app = app_fn(|req: http::Request<Body>| async move {
//!     let greeting = Environ::of(&req).and_then(|env| env.get("test.hello")).unwrap_or("nobody");
//!     Response::text(greeting.to_owned())
//! });
//!
//! let res = app.oneshot(http::Request::new(Body::empty())).await.unwrap();
//! assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
//! # }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod app;
mod body;
mod boxed;
mod client;
mod context;
mod environ;
pub mod lint;
mod mount;
mod probe;
mod ready_call;
mod response;
mod routing_args;
pub mod settings;
mod stripped_prefix;
#[cfg(feature = "test-util")]
pub mod test_client;

pub use app::{app_fn, AppFn, AppFnFuture};
pub use body::{Body, BodyClosed, BodySender};
pub use boxed::{BoxApp, BoxAppFuture};
pub use client::{ClientInfo, PeerAddr, Scheme};
pub use context::RequestContext;
pub use environ::{Environ, EnvironKey, KeyError};
pub use mount::MountPrefix;
pub use probe::{Probe, Probed};
pub use ready_call::ReadyCall;
pub use response::{Html, IntoResponse, InvalidHeader, Response};
pub use routing_args::RoutingArgs;
pub use settings::{Settings, SettingsError, SettingsErrorKind};
pub use stripped_prefix::{StrippedPrefix, StrippedPrefixLayer};

/// The error type of boxed bodies and services: any error that can cross threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The examples of this crate's README.md, run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
