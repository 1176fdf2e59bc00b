//! [`Probe`]: answer from a borrowed request, so a caller that may offer the same
//! request to someone else does not have to copy it first.

use tower_service::Service;

/// A service that can decide from a *borrowed* request whether it answers.
///
/// A tower service takes its request by value. A caller that wants to offer the
/// request to another service when this one answers `404` (a cascade: static files
/// first, the application after) must therefore copy the request head (method,
/// URI, headers, extensions) before every call, even though most calls answer. A
/// `Probe` lets such a caller skip the copy: it lends the request, and the service
/// either declines without building anything ([`Probed::Miss`]), answers at once
/// ([`Probed::Ready`]), or returns a future that owns everything it needs
/// ([`Probed::Pending`]). In each case the caller still owns the request afterwards.
///
/// # The contract
///
/// - `probe` is a call: it needs readiness from `poll_ready`, as `call` does, and
///   consumes it.
/// - The service must leave the request head (method, URI, version, headers,
///   extensions) as it found it. It may take the body (`std::mem::take`, or
///   `std::mem::replace` with an empty body), for example to read it in its future,
///   unless it says it never does ([`Probe::READS_BODY`]).
/// - [`Probed::Miss`] is a `404 Not Found` the service did not have to build: its
///   outcome must be the same as a `call` whose answer is a plain 404. A caller
///   that needs the actual response (one that does not treat 404 as "try someone
///   else") calls `call` instead.
/// - [`Probed::Ready`] and [`Probed::Pending`] answer exactly what `call` would
///   have answered for the same request.
/// - A future returned in [`Probed::Pending`] must not borrow the request: what it
///   needs (a header, the method), it clones. That copy is the service's own slow
///   path (a file read from disk, say), not paid on every request.
///
/// ```
/// use std::convert::Infallible;
/// use std::future::{ready, Ready};
/// use std::task::{Context, Poll};
/// use gw_core::{Probe, Probed};
/// use tower_service::Service;
///
/// /// Answers `/ping`, and nothing else.
/// #[derive(Clone)]
/// struct Ping;
///
/// impl<B> Service<http::Request<B>> for Ping {
///     type Response = http::Response<&'static str>;
///     type Error = Infallible;
///     type Future = Ready<Result<Self::Response, Infallible>>;
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
///         Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
///         let res = match self.probe(&mut req) {
///             Probed::Ready(res) => res,
///             Probed::Pending(fut) => return fut,
///             Probed::Miss => {
///                 let mut res = http::Response::new("");
///                 *res.status_mut() = http::StatusCode::NOT_FOUND;
///                 res
///             }
///         };
///         ready(Ok(res))
///     }
/// }
///
/// impl<B> Probe<http::Request<B>> for Ping {
///     fn probe(&mut self, req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
///         match req.uri().path() {
///             "/ping" => Probed::Ready(http::Response::new("pong")),
///             _ => Probed::Miss,
///         }
///     }
/// }
///
/// let mut req = http::Request::get("/ping").body(()).unwrap();
/// assert!(matches!(Ping.probe(&mut req), Probed::Ready(res) if *res.body() == "pong"));
/// let mut req = http::Request::get("/other").body(()).unwrap();
/// assert!(matches!(Ping.probe(&mut req), Probed::Miss));
/// // The request is still the caller's, untouched, for the next service.
/// assert_eq!(req.uri(), "/other");
/// ```
pub trait Probe<Request>: Service<Request> {
    /// False promises that `probe` never takes, reads or replaces the request's
    /// body, whatever it answers. A caller that may offer the request to someone
    /// else afterwards can then lend it with the client's body as it is, with
    /// nothing arranged to replay the body: a cascade records nothing for such a
    /// member. A file server, which answers from the path and headers alone, sets
    /// it to `false`. The default, `true`, is always safe.
    const READS_BODY: bool = true;

    /// Looks at a borrowed request and says whether, and how, this service answers.
    ///
    /// See the [trait docs](Probe) for the contract.
    fn probe(&mut self, req: &mut Request) -> Probed<Self::Response, Self::Future>;
}

/// What [`Probe::probe`] found.
#[derive(Debug)]
pub enum Probed<R, F> {
    /// Not this service's: a `404 Not Found` it did not build. The request is as it
    /// was (its body included).
    Miss,
    /// The answer, built without waiting. The caller still owns the request.
    Ready(R),
    /// The answer needs waiting (a disk read, a backend): the future owns what it
    /// needs. The caller still owns the request head; the body may have been taken.
    /// The answer may still turn out to be a 404 (a file deleted since it was seen).
    Pending(F),
}

impl<R, F> Probed<R, F> {
    /// True for [`Probed::Miss`].
    pub fn is_miss(&self) -> bool {
        matches!(self, Probed::Miss)
    }
}
