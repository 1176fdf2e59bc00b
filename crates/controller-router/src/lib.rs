//! Routes-style URL mapping, controllers that are any tower Service, URL
//! generation and prefix mounts: the twin of Routes, Pylons' controller dispatch
//! and `paste.urlmap`.
//!
//! | item | twin |
//! |---|---|
//! | [`Mapper`], [`Route`] | Routes' `Mapper` and `map.connect(...)` |
//! | [`Router`] | `RoutesMiddleware` + Pylons' controller lookup |
//! | [`Actions`] | `WSGIController` (a controller with named actions) |
//! | [`Urls`] | `url()` / `routes.url` inside a controller |
//! | [`Mount`] | `paste.urlmap.URLMap` |
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), gw_controller_router::RouteError> {
//! use gw_controller_router::{Actions, Mapper, Mount, Route, Router, Urls};
//! use gw_core::{app_fn, test_client::TestClient, Body};
//! use http::Method;
//!
//! let mapper = Mapper::new()
//!     .route(
//!         Route::new(r"/archive/{year:\d{4}}-{month:\d{2}}")
//!             .name("archive")
//!             .defaults([("controller", "blog"), ("action", "archive")])
//!             .method(Method::GET),
//!     )?
//!     .resource("message", "messages")?
//!     .redirect("/old", "/hello")?
//!     .default_routes()?; // /{controller}/{action}/{id}, /{controller}/{action}, /{controller}
//!
//! let router = Router::new(mapper)
//!     // A controller is any tower Service: a function here...
//!     .controller("hello", app_fn(|_req: http::Request<Body>| async { "Hello World!" }))
//!     // ...or named actions, which read the routing args and generate URLs.
//!     .controller(
//!         "blog",
//!         Actions::new().action("archive", |req, args| async move {
//!             let urls = Urls::of(&req).expect("set by the router");
//!             let next = urls.url_for_route("archive", &[("year", "2025"), ("month", "01")]).unwrap();
//!             format!("{}-{} (next: {next})", args.get("year").unwrap(), args.get("month").unwrap())
//!         }),
//!     );
//!
//! // Mount the whole thing under /site: the prefix moves into the mount prefix.
//! let app = Mount::new().mount("/site", router).unwrap();
//!
//! let client = TestClient::new(app);
//! client.get("/site/hello").send().await.assert_body("Hello World!");
//! client.get("/site/archive/2024-12").send().await
//!     .assert_body("2024-12 (next: /site/archive/2025-01)");
//! client.get("/site/old").send().await
//!     .assert_status(302)
//!     .assert_header("location", "/site/hello");
//! client.get("/site/nobody").send().await.assert_status(404);
//! # Ok(()) }
//! ```
//!
//! # Pattern syntax
//!
//! | syntax | matches |
//! |---|---|
//! | `{name}` | one non-empty piece of a path segment, never a `/` |
//! | `{name:regex}` | the same, and the percent-decoded value must match `regex` in full |
//! | `{.format}` | an optional `.ext` at the very end (`/m/7` and `/m/7.json`) |
//! | `{*path}` | the rest of the path, `/` included, possibly empty; a whole segment, one per pattern |
//! | `/{*file}/login` | segments after a greedy variable match the path's last segments; the greedy value is what lies before them |
//! | `/archive/{year}-{month}` | static text between variables; a variable takes the shortest value that lets the rest match |
//! | `\{` | a literal `{` |
//!
//! A bad pattern or regex is a [`RouteError`] when the route is added, naming the
//! pattern and the byte position.
//!
//! # Matching
//!
//! - **Order.** The first route added that accepts the request wins, as in
//!   Routes' documentation. A prefix tree finds it without a linear scan; each
//!   node knows the smallest route index below it, and the search skips subtrees
//!   that cannot beat the best match so far. Regexes run only for requirements.
//! - **Methods.** [`Route::method`]/[`Route::methods`] restrict a route; `GET`
//!   also admits `HEAD` (Routes does not; HTTP says HEAD is GET without a body).
//!   A route whose method does not fit is passed over, and if nothing fits the
//!   answer is `404`, which a cascade passes over (no `405`, as in Routes).
//! - **Custom conditions** ([`Route::condition`]) see the request head and values.
//! - **Controller names.** Under a [`Router`], a `{controller}` matches only the
//!   name of a registered controller ([`Mapper::controllers`]): an unknown name
//!   lets a later route try, and a name with a `/` (`admin/user`) spans segments.
//! - **Trailing slash.** `/a/` and `/a` differ unless [`Mapper::strict_slashes`] is off.
//! - **Decoding.** Values are percent-decoded; literal text is compared with the raw
//!   path. A value that is not UTF-8 once decoded gives `400`.
//!
//! # Generation
//!
//! [`Mapper::url_for_route`] (by name), [`Mapper::url_for`] (by controller,
//! action and params) and [`Mapper::generate`] (by params alone) choose the
//! route as Routes does: its fixed values given and equal, its requirements and
//! method condition met, then the route whose keys are closest to those given,
//! then connect order. Params the route does not use become a percent-encoded
//! query string.
//! Inside a controller, [`Urls`] does the same with the mount prefix first. A URL
//! that cannot be produced, or would read back differently, is a
//! [`GenerationError`], never a wrong URL.
#![forbid(unsafe_code)]

mod actions;
mod controller;
mod generate;
mod mapper;
mod matcher;
mod mount;
mod pattern;
mod route;
mod router;
mod urls;

pub use actions::{Actions, ActionsFuture};
pub use controller::{BoxController, ControllerFuture, IntoController};
pub use generate::GenerationError;
pub use mapper::{Mapper, Match};
pub use mount::{Mount, MountError, MountFuture};
pub use pattern::PatternError;
pub use route::{Predicate, Route, RouteError};
pub use router::{OriginalMethod, ResponseFuture, Router};
pub use urls::Urls;

/// The examples of this crate's README.md, run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
