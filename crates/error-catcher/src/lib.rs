//! Turn panics and errors into a 500 page, and give error statuses a proper page.
//!
//! The twin of Paste's `ErrorMiddleware` / WebError (which Pylons calls
//! `ErrorHandler`), Pylons' `StatusCodeRedirect` and Paste's `errordocument`. Two
//! layers:
//!
//! - [`ErrorCatcherLayer`] catches a panic in `call`, in the response future or
//!   while the body is polled, an `Err` from the service and an error frame from the
//!   body. Before the headers are sent it answers 500: a debug page in development
//!   (message, source location and lines, backtrace, request with secrets redacted,
//!   environ; HTML, JSON or text by `Accept`), a generic page with an error id in
//!   production. After the headers it aborts the response, so the client sees a
//!   truncated body, never error HTML glued to a 200. Every failure goes to
//!   `tracing` and to each [`Reporter`] (a [`JsonLinesReporter`] ships here).
//! - [`ErrorDocumentsLayer`] replaces the body of chosen statuses (400, 401, 403,
//!   404, 500 by default) with a page from any service, keeping the status and
//!   merging headers. [`ErrorCatcherLayer::error_documents`] has the catcher
//!   serve them itself: the same answers from one layer, cheaper on the
//!   non-error path.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
//! use gw_core::{app_fn, test_client::TestClient, Body, Response};
//! use http::StatusCode;
//! use tower::ServiceBuilder;
//!
//! let app = app_fn(|req: http::Request<Body>| async move {
//!     match req.uri().path() {
//!         "/fail" => panic!("boom from the fail controller"),
//!         "/hello" => Response::html("Hello World!"),
//!         _ => Response::text("no such page").with_status(StatusCode::NOT_FOUND),
//!     }
//! });
//! let app = ServiceBuilder::new()
//!     .layer(ErrorDocumentsLayer::new())            // outermost, as in Pylons
//!     .layer(ErrorCatcherLayer::new().debug(false)) // production
//!     .service(app);
//! let client = TestClient::new(app);
//!
//! client.get("/hello").send().await.assert_status(200).assert_body("Hello World!");
//! client.get("/nope").send().await.assert_status(404).assert_body_contains("404 Not Found");
//! let res = client.get("/fail").send().await;
//! res.assert_status(500).assert_body_lacks("boom");
//! let id = res.header("x-error-id").unwrap();
//! res.assert_body_contains(id); // the error document shows the catcher's error id
//! # }
//! ```
//!
//! # The panic hook
//!
//! To show where a panic happened and its backtrace, building an
//! [`ErrorCatcherLayer`] installs a process-wide panic hook, once, chained to the
//! hook that was there before; see [`install_panic_hook`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod capture;
mod catch;
mod documents;
mod panic_hook;
mod render;
mod report;
mod settings;

pub use catch::{AbortedResponse, ErrorCatcher, ErrorCatcherLayer, ResponseFuture};
/// The response future of [`ErrorDocuments`].
pub use documents::ResponseFuture as DocumentsFuture;
pub use documents::{
    DefaultErrorPage, DocumentBody, ErrorDocumentRequest, ErrorDocuments, ErrorDocumentsLayer,
    InvalidDocumentPath, NoErrorDocument,
};
pub use panic_hook::{install_panic_hook, SourceLocation};
pub use render::redact;
pub use report::{ErrorId, ErrorKind, ErrorReport, JsonLinesReporter, Reporter, RequestInfo};

/// The examples of this crate's README.md, run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
