//! `Lint`: a layer that checks a service's responses against HTTP's rules.
//!
//! The twin of `wsgiref.validate`, `paste.lint` and `Rack::Lint`. Wrap any service
//! with it; each response is checked for:
//!
//! - a `Content-Length` that differs from the body, or that is malformed;
//! - a body on a response to HEAD, or with status 1xx, 204 or 304;
//! - `Content-Type` or `Content-Length` on 1xx, 204 or 304;
//! - hop-by-hop headers (`Connection`, `Transfer-Encoding`, ...) set by the app;
//! - header values with control characters or surrounding whitespace;
//! - a body polled after it has ended.
//!
//! A HEAD response may declare the `Content-Length` of the GET it mirrors, so the
//! length check is skipped for HEAD; its body must still be empty.
//!
//! What happens on a violation is the [`Mode`]: panic (the default in debug builds,
//! so tests fail loudly), log through `tracing` at warn level (the default in release
//! builds), or collect into a [`Violations`] list for a test to inspect.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use gw_core::lint::{LintLayer, Violation};
//! use gw_core::{app_fn, Body};
//! use http_body_util::BodyExt;
//! use tower::{Layer, ServiceExt};
//!
//! let (layer, violations) = LintLayer::collect();
//! let app = layer.layer(app_fn(|_req: http::Request<Body>| async {
//!     http::Response::builder()
//!         .header("content-length", "99")
//!         .body(Body::from("short"))
//!         .unwrap()
//! }));
//! let res = app.oneshot(http::Request::new(Body::empty())).await.unwrap();
//! res.into_body().collect().await.unwrap();
//! assert_eq!(
//!     violations.take(),
//!     [Violation::ContentLengthMismatch { declared: 99, actual: 5 }]
//! );
//! # }
//! ```

mod body;
pub mod rules;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use http::Method;
use pin_project_lite::pin_project;

pub use body::LintBody;
pub use rules::Violation;

/// What `Lint` does on a violation.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Panic with the violation: for tests.
    Panic,
    /// Log at warn level through `tracing`: for production.
    Log,
    /// Append to a shared list: for tests that expect violations.
    Collect(Violations),
}

/// A shared list of violations, filled by a [`LintLayer::collect`] layer.
#[derive(Debug, Clone, Default)]
pub struct Violations(Arc<Mutex<Vec<Violation>>>);

impl Violations {
    /// Takes the violations seen so far.
    pub fn take(&self) -> Vec<Violation> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Reporter {
    mode: Mode,
}

impl Reporter {
    fn report(&self, violation: Violation) {
        match &self.mode {
            Mode::Panic => panic!("Lint: {violation}"),
            Mode::Log => tracing::warn!(target: "gateway::lint", "{violation}"),
            Mode::Collect(list) => list
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(violation),
        }
    }
}

/// The layer that applies [`Lint`].
#[derive(Debug, Clone)]
pub struct LintLayer {
    mode: Mode,
}

impl Default for LintLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl LintLayer {
    /// Panics on violations in debug builds, logs them in release builds.
    pub fn new() -> Self {
        let mode = if cfg!(debug_assertions) {
            Mode::Panic
        } else {
            Mode::Log
        };
        LintLayer { mode }
    }

    /// Panics on every violation.
    pub fn strict() -> Self {
        LintLayer { mode: Mode::Panic }
    }

    /// Logs every violation at warn level.
    pub fn log() -> Self {
        LintLayer { mode: Mode::Log }
    }

    /// Collects violations into the returned list.
    pub fn collect() -> (Self, Violations) {
        let list = Violations::default();
        (
            LintLayer {
                mode: Mode::Collect(list.clone()),
            },
            list,
        )
    }
}

impl<S> tower_layer::Layer<S> for LintLayer {
    type Service = Lint<S>;

    fn layer(&self, inner: S) -> Lint<S> {
        Lint {
            inner,
            reporter: Reporter {
                mode: self.mode.clone(),
            },
        }
    }
}

/// The service made by [`LintLayer`]: it checks each response of `S`.
#[derive(Debug, Clone)]
pub struct Lint<S> {
    inner: S,
    reporter: Reporter,
}

impl<S> Lint<S> {
    /// Wraps `inner`, with [`LintLayer::new`]'s mode.
    pub fn new(inner: S) -> Self {
        tower_layer::Layer::layer(&LintLayer::new(), inner)
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqB, ResB> tower_service::Service<http::Request<ReqB>> for Lint<S>
where
    S: tower_service::Service<http::Request<ReqB>, Response = http::Response<ResB>>,
    ResB: http_body::Body,
{
    type Response = http::Response<LintBody<ResB>>;
    type Error = S::Error;
    type Future = LintFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqB>) -> Self::Future {
        LintFuture {
            method: req.method().clone(),
            inner: self.inner.call(req),
            reporter: Some(self.reporter.clone()),
        }
    }
}

pin_project! {
    /// The response future of [`Lint`].
    pub struct LintFuture<F> {
        #[pin]
        inner: F,
        method: Method,
        reporter: Option<Reporter>,
    }
}

impl<F, ResB, E> Future for LintFuture<F>
where
    F: Future<Output = Result<http::Response<ResB>, E>>,
    ResB: http_body::Body,
{
    type Output = Result<http::Response<LintBody<ResB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = std::task::ready!(this.inner.poll(cx))?;
        let reporter = this
            .reporter
            .take()
            .expect("LintFuture polled after completion");
        for violation in rules::check_head(res.status(), res.headers()) {
            reporter.report(violation);
        }
        let no_body = rules::body_forbidden(this.method, res.status());
        let is_head = *this.method == Method::HEAD;
        let bodiless = no_body.is_some();
        let declared = rules::declared_length(res.headers())
            .ok()
            .flatten()
            .filter(|_| !is_head && !bodiless);
        Poll::Ready(Ok(
            res.map(|b| LintBody::new(b, reporter, declared, no_body))
        ))
    }
}

#[cfg(test)]
mod tests;
