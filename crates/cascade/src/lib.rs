//! Try each service in turn until one answers with a status other than 404: Paste's
//! `Cascade` and `Rack::Cascade` for tower, with the request body replayed to each.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use gw_cascade::cascade;
//! use gw_core::test_client::TestClient;
//! use gw_core::{app_fn, Body, Response};
//! use http::StatusCode;
//! use http_body_util::BodyExt;
//!
//! type Req = http::Request<Body>;
//!
//! // Static files: only /index.html exists.
//! let public = app_fn(|req: Req| async move {
//!     match req.uri().path() {
//!         "/index.html" => Response::html("<h1>Welcome</h1>").into_http(),
//!         _ => StatusCode::NOT_FOUND.into_response(),
//!     }
//! });
//! // The application: echoes the body it receives.
//! let app = app_fn(|req: Req| async move {
//!     let body = req.into_body().collect().await.unwrap().to_bytes();
//!     Response::text(body)
//! });
//!
//! let client = TestClient::new(cascade!(public, app));
//! client.get("/index.html").send().await.assert_body("<h1>Welcome</h1>");
//! client.post("/echo").body("ping").send().await.assert_body("ping");
//! # }
//! # use gw_core::IntoResponse;
//! ```
//!
//! # Catch statuses
//!
//! A member *misses* when its status is in the catch set: `{404}` by default, as in
//! Paste; any set of 4xx/5xx statuses with [`Cascade::catch`] (for example
//! [`CatchSet::RACK`], `{404, 405}`). A missed response is dropped at once, before the
//! next member is called, so its body never holds a file, a socket or a task.
//! When every member misses, the **last** member's response is sent as it is.
//!
//! A member can make a caught status final, so that the rest are not tried: it
//! inserts the [`Final`] response extension, or sets the header `x-cascade: stop`,
//! which the cascade removes before sending. This is Rack's `X-Cascade: pass`
//! inverted: Rack skips only the members that ask for it; here a caught status skips
//! unless the member asks to stay.
//!
//! An `Err` from a member ends the cascade with that error, unless
//! [`errors_as_misses`](Cascade::errors_as_misses) is on.
//!
//! # Request body replay
//!
//! Every member sees the same method, URI, version, headers, extensions (including
//! [`gw_core::Environ`]) and body bytes. Every member gets an
//! `http::Request<gw_core::Body>`; when the client sent a body, a member that may
//! miss reads it through a recording:
//!
//! - a request without a body costs nothing: no copy, no shared state;
//! - only the bytes a member actually reads are kept. A member that misses without
//!   reading costs no copy, and the next one reads straight from the connection;
//! - a member after a miss gets the kept bytes first, then reads on from the
//!   connection where the previous one stopped;
//! - kept bytes stay in memory up to `replay_threshold` (64 KiB by default); beyond
//!   it they go to a temporary file in `spill_dir` (the system temp dir by
//!   default) as they arrive, written on tokio's blocking pool so the worker thread
//!   never waits on the disk (while one write is in flight, at most 64 KiB more
//!   gather in memory, then the reading member waits for the disk). The file is unlinked as soon as it is created, so it disappears
//!   however the request ends: success, error, client disconnect, panic, even a
//!   killed process;
//! - the members before the last may read at most `replay_limit` bytes (16 MiB by
//!   default) between them. A member that reads past it gets a body error
//!   ([`ReplayError::LimitExceeded`]) and the client gets `413 Payload Too Large`
//!   with a plain-text explanation. The last member records nothing, so it is not
//!   limited: an upload that only the last member reads is never copied;
//! - chunked bodies (no `Content-Length`) and trailers replay like any other;
//! - a member that answers (a status that is not caught) stops the recording, so it
//!   may stream a body of any size; a member that missed but kept its body and
//!   reads it later gets [`ReplayError::Detached`];
//! - if a member reads past the limit or the spill file fails (a full or
//!   read-only `spill_dir`), the cascade answers 413 or 507 Insufficient Storage itself, whatever that member answered: its answer was built on a
//!   body it could not read whole.
//!
//! The cost that remains on every request given to a plain member that could miss
//! is one copy of the request head (method, URI, headers, extensions), kept for the
//! next member, like Paste's `environ.copy()`. The fast path below removes it.
//!
//! # The fast path: `Probing` members
//!
//! A tower service takes its request by value, so before a plain member is called
//! the cascade must copy the head, in case the member misses. A member that
//! implements [`gw_core::Probe`] can be put in the cascade as
//! [`Probing(member)`](Probing) instead: the cascade *lends* it the request
//! (`&mut`), and the member
//!
//! - declines without building anything ([`Probed::Miss`](gw_core::Probed::Miss),
//!   a 404 nobody built): the same request, unchanged, goes to the next member;
//! - answers at once ([`Probed::Ready`](gw_core::Probed::Ready)): the answer is
//!   judged like any other (a caught status still goes on, `x-cascade: stop` and
//!   [`Final`] still count), with the request still in the cascade's hands;
//! - or returns a future that owns what it needs
//!   ([`Probed::Pending`](gw_core::Probed::Pending)): the cascade keeps the
//!   request meanwhile, so a 404 found late (a file deleted since it was indexed)
//!   still goes on to the next member, with no copy made by the cascade.
//!
//! No head is copied on a hit or on a miss; the body is recorded as for any member
//! (a probed member may take it with `std::mem::take` and read it in its future,
//! and the next member still gets every byte; a miss that read nothing hands the
//! next member the same recording, untouched). A member whose
//! [`Probe::READS_BODY`](gw_core::Probe::READS_BODY) is `false` promises never to
//! touch the body: it is lent the client's body as it is, and nothing is recorded. `gw_static_files::StaticFiles` and
//! `Embedded` implement `Probe`: use `cascade!(Probing(files), Probing(assets), app)`.
//! The member is lent the request every member gets, `Request<gw_core::Body>`, so
//! it implements `Probe` for that request type (one generic over its request
//! body does). The cascade takes the plain path for a `Probing` member when the
//! member is not ready at once, and when 404 is not in the catch set (a `Miss`
//! must then be a real 404 response). As the last member, a `Probing` member is
//! simply called.
//!
//! Use it for every member but the last that implements `Probe`. A plain member
//! keeps working as before; both kinds mix freely in one cascade. In the dynamic
//! form, a member boxed with
//! [`BoxApp::probing`](gw_core::BoxApp::probing) gets the same fast path. The
//! crate README shows the hot path in one table.
//!
//! Every member, of either form, is a service over `http::Request<gw_core::Body>`,
//! the body type of every Gateway crate, whatever the cascade itself receives
//! (hyper's `Incoming`, axum's `Body`, [`gw_core::Body`]...: a `gw_core::Body`
//! is passed on as it is, any other body is wrapped once). Services generic over
//! their request body, such as an axum `Router` or Gateway's own services, fit
//! as they are. A member that reads a body another member read before it reads
//! the recording first; one that reads a body no member touched reads the
//! client's own.
//!
//! # Two forms
//!
//! - **Static**: [`Cascade::new(a).or(b).or(c)`](Cascade::or) or
//!   [`cascade!(a, b, c)`](cascade!), with [`Probing`] around the members that
//!   can be probed. No member is boxed and none is dynamically dispatched. The
//!   cascade answers with a [`gw_core::Body`]: a member's `gw_core::Body` (what
//!   every Gateway service answers with) goes out as it is, any other response
//!   body is boxed once (an allocation per response it answers; an axum
//!   `Router` member pays it). A cascade of one member answers with that
//!   member's own body. All members share one error type
//!   (`Infallible` for most), and the cascade has that error type, so it fits axum's
//!   `fallback_service` and `route_service`.
//! - **Dynamic**: [`Cascade::dynamic`] over a list of [`gw_core::BoxApp`]s, or
//!   [`Cascade::from_settings`] for a config file; see [`CascadeConfig`] for the keys
//!   (`catch`, `replay_threshold`, `replay_limit`, `spill_dir`, `errors_as_misses`).
//!
//! # Differences from Paste's Cascade and Rack::Cascade
//!
//! | | Paste `paste.cascade` | `Rack::Cascade` | this crate |
//! |---|---|---|---|
//! | default catch | `(404,)` | `[404, 405]` | `{404}`; any 4xx/5xx set |
//! | all miss | last response | last response (since rack#1551) | last response, unchanged |
//! | caught body | drained, closed if it has `close` | closed (rack#463) | dropped before the next member runs |
//! | body replay | only with `CONTENT_LENGTH > 0`, whole body copied up front (4 KiB in memory, then a temp file); chunked bodies are not copied | none: the input is not rewound | lazy: only what members read; 64 KiB in memory then an unlinked temp file; chunked works; hard cap with 413 |
//! | opt-out | none | `X-Cascade: pass` to be skipped | `x-cascade: stop` or [`Final`] to be kept; header stripped |
//! | errors | `paste.httpexceptions` of a caught status are caught | raised | `Err` ends the cascade, or is a miss with `errors_as_misses` |
//! | no members | - | 404 | an error when the cascade is built |
//! | HEAD | not special | not special | not special: members answer HEAD themselves |
//! | readiness | - | - | members are readied in the future, only when reached |
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod catch;
mod config;
mod error;
pub mod future;
mod handoff;
mod list;
pub mod members;
mod replay;
mod service;

pub use catch::{CatchSet, Final, CASCADE_HEADER, STOP};
pub use config::{CascadeConfig, SETTINGS_KEYS};
pub use error::{CascadeError, ReplayError};
pub use handoff::Carry;
pub use members::Probing;
pub use service::{Cascade, CascadeLayer};

/// Builds a statically typed cascade: `cascade!(a, b, c)` is
/// `Cascade::new(a).or(b).or(c)`.
///
/// ```
/// use gw_core::{app_fn, Body};
/// use http::StatusCode;
///
/// let miss = app_fn(|_req: http::Request<Body>| async { StatusCode::NOT_FOUND });
/// let hit = app_fn(|_req: http::Request<Body>| async { "hit" });
/// let cascade = gw_cascade::cascade!(miss, miss, hit).catch(gw_cascade::CatchSet::RACK);
/// # let _ = cascade;
/// ```
#[macro_export]
macro_rules! cascade {
    ($first:expr $(, $next:expr)* $(,)?) => {
        $crate::Cascade::new($first)$(.or($next))*
    };
}

#[cfg(test)]
mod tests;

/// The examples of this crate's README.md, run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
