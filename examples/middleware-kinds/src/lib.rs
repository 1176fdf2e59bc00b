//! The four things a middleware can do, one small layer each.
//!
//! The Pylons documentation lists them: a middleware can change the environ (the
//! request), the status, the HTTP headers, or the response body. Here each is a
//! tower [`Layer`](tower_layer::Layer) you can read in one screen:
//!
//! | kind | layer | what it does |
//! |---|---|---|
//! | the request | [`RequestIdLayer`] | numbers each request and puts the number in the [`Environ`](gw_core::Environ) under `example.request_id` |
//! | the status | [`not_found_as_gone`] | turns a 404 into a 410 Gone |
//! | the headers | [`powered_by`] | adds `x-powered-by: Gateway` to every response |
//! | the body | [`shout`] | upper-cases the response body, chunk by chunk, as it streams |
//!
//! They are used in `docs/guide.md`, whose code blocks this package also runs as
//! doc tests (`GuideDoctests`, compiled only under `cfg(doctest)`).
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use gw_core::{app_fn, test_client::TestClient, Body};
//! use middleware_kinds::{powered_by, shout};
//! use tower::ServiceBuilder;
//!
//! let app = ServiceBuilder::new()
//!     .layer(powered_by())
//!     .layer(shout())
//!     .service(app_fn(|_req: http::Request<Body>| async { "Hello World!" }));
//!
//! TestClient::new(app).get("/").send().await
//!     .assert_header("x-powered-by", "Gateway")
//!     .assert_body("HELLO WORLD!");
//! # }
//! ```
#![forbid(unsafe_code)]

mod body;
mod headers;
mod request;
mod status;

pub use body::shout;
pub use headers::powered_by;
pub use request::{RequestId, RequestIdLayer, REQUEST_ID_KEY};
pub use status::not_found_as_gone;

/// The code blocks of `docs/guide.md`, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
pub struct GuideDoctests;
