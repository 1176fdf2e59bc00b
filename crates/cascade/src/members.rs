//! The member lists a [`Cascade`](crate::Cascade) can hold.
//!
//! - [`Last`] and [`Or`] make the statically typed form: `Cascade::new(a).or(b).or(c)`
//!   is a `Cascade<Or<A, Or<B, Last<C>>>>`. Each member keeps its own service,
//!   future and body types; nothing is boxed and nothing is called through `dyn`.
//! - [`Probing`] wraps a member that implements [`gw_core::Probe`]: the
//!   cascade lends it the request instead of copying the head (the fast path).
//! - [`Dyn`] is a list of [`BoxApp`]s, for stacks built from a config file.

use std::sync::Arc;

use bytes::Bytes;
use std::task::{Context, Poll, Waker};

use gw_core::{Body, BoxApp, BoxError, Probe, Probed, ReadyCall};
use tower_service::Service;

use crate::future::{DynFuture, LastFuture, OrFuture, ProbeFuture};
use crate::handoff::Pending;
use crate::handoff::{Carry, Judged, Lease};
use crate::list::sealed;
pub use crate::list::{Append, Members};

/// The last member of a static list: its response is returned whatever its status.
#[derive(Debug, Clone)]
pub struct Last<A>(pub(crate) A);

/// A member that may miss, followed by the rest of the list.
#[derive(Debug, Clone)]
pub struct Or<A, R> {
    pub(crate) first: A,
    pub(crate) rest: R,
}

impl<A> Last<A> {
    /// The member.
    pub fn get_ref(&self) -> &A {
        &self.0
    }
}

impl<A, R> Or<A, R> {
    /// The first member.
    pub fn first(&self) -> &A {
        &self.first
    }

    /// The members after it.
    pub fn rest(&self) -> &R {
        &self.rest
    }
}

impl<A> sealed::Sealed for Last<A> {}
impl<A, R> sealed::Sealed for Or<A, R> {}
impl sealed::Sealed for Dyn {}

impl<A, N> Append<N> for Last<A> {
    type Output = Or<A, Last<N>>;
    fn append(self, next: N) -> Self::Output {
        Or {
            first: self.0,
            rest: Last(next),
        }
    }
}

impl<A, R: Append<N>, N> Append<N> for Or<A, R> {
    type Output = Or<A, R::Output>;
    fn append(self, next: N) -> Self::Output {
        Or {
            first: self.first,
            rest: self.rest.append(next),
        }
    }
}

/// Calls the last member with the request.
#[inline(always)]
fn start_last<A>(member: &mut A, mut req: http::Request<Body>, carry: Carry) -> LastFuture<A>
where
    A: Service<http::Request<Body>> + Clone,
{
    let shared = carry.into_last(&mut req);
    LastFuture::new(ReadyCall::new_ref(member, req), shared)
}

impl<A, RB> Members for Last<A>
where
    A: Service<http::Request<Body>, Response = http::Response<RB>> + Clone,
{
    type Body = RB;
    type Error = A::Error;
    type Future = LastFuture<A>;

    #[inline(always)]
    fn start(&mut self, req: http::Request<Body>, carry: Carry) -> Self::Future {
        start_last(&mut self.0, req, carry)
    }
}

impl<A, R, RA> Members for Or<A, R>
where
    A: Service<http::Request<Body>, Response = http::Response<RA>> + Clone,
    R: Members<Error = A::Error>,
    RA: http_body::Body<Data = Bytes> + Send + 'static,
    RA::Error: Into<BoxError>,
    R::Body: http_body::Body<Data = Bytes> + Send + 'static,
    <R::Body as http_body::Body>::Error: Into<BoxError>,
{
    type Body = Body;
    type Error = A::Error;
    type Future = OrFuture<A, R>;

    #[inline(always)]
    fn start(&mut self, req: http::Request<Body>, carry: Carry) -> Self::Future {
        let (req, handoff) = carry.split(req);
        OrFuture::new(
            ReadyCall::new_ref(&mut self.first, req),
            self.rest.clone(),
            handoff,
        )
    }
}

/// A member that can answer from a borrowed request ([`gw_core::Probe`]), put
/// in a static cascade: `cascade!(Probing(files), app)`.
///
/// A plain member takes the request by value, so the cascade must copy the request
/// head (method, URI, headers, extensions) before calling it, in case it misses.
/// A probed member is *lent* the request instead: it declines without building a
/// 404 ([`Probed::Miss`]), answers at once
/// ([`Probed::Ready`]) or returns a future that owns
/// what it needs ([`Probed::Pending`]). In every case
/// the cascade still holds the request, so a hit costs no copy and a miss hands the
/// very same request to the next member.
///
/// The member is lent the request the cascade gives every member,
/// `Request<gw_core::Body>`: it implements [`Probe`] for that request type (a
/// member generic over its request body does). A request without a body costs no
/// recording.
///
/// The cascade falls back to the plain path, copying the head, in two cases: when
/// the member is not ready at once (it is readied in the response future, as any
/// member), and when 404 is not in the catch set (a `Miss` is a 404, which must
/// then be built and sent).
///
/// `Probing` is not a service itself; as the last member of a cascade it is
/// simply called.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::convert::Infallible;
/// use std::future::{ready, Ready};
/// use std::task::{Context, Poll};
/// use gw_cascade::{cascade, Probing};
/// use gw_core::test_client::TestClient;
/// use gw_core::{app_fn, Body, IntoResponse, Probe, Probed, Response};
/// use tower_service::Service;
///
/// /// Knows one path, answers it from memory.
/// #[derive(Clone)]
/// struct Robots;
///
/// impl<B> Service<http::Request<B>> for Robots {
///     type Response = http::Response<Body>;
///     type Error = Infallible;
///     type Future = Ready<Result<http::Response<Body>, Infallible>>;
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
///         Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
///         match self.probe(&mut req) {
///             Probed::Ready(res) => ready(Ok(res)),
///             Probed::Pending(fut) => fut,
///             Probed::Miss => ready(Ok(http::StatusCode::NOT_FOUND.into_response())),
///         }
///     }
/// }
///
/// impl<B> Probe<http::Request<B>> for Robots {
///     fn probe(&mut self, req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
///         if req.uri().path() == "/robots.txt" {
///             Probed::Ready(Response::text("User-agent: *\n").into_http())
///         } else {
///             Probed::Miss
///         }
///     }
/// }
///
/// let app = app_fn(|_req: http::Request<Body>| async { "the app" });
/// let client = TestClient::new(cascade!(Probing(Robots), app));
/// client.get("/robots.txt").send().await.assert_body("User-agent: *\n");
/// client.get("/elsewhere").send().await.assert_body("the app");
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Probing<A>(pub A);

impl<A> Probing<A> {
    /// The member.
    pub fn get_ref(&self) -> &A {
        &self.0
    }

    /// The member, mutably.
    pub fn get_mut(&mut self) -> &mut A {
        &mut self.0
    }

    /// The member, unwrapped.
    pub fn into_inner(self) -> A {
        self.0
    }
}

impl<A, RB> Members for Last<Probing<A>>
where
    A: Service<http::Request<Body>, Response = http::Response<RB>> + Clone,
{
    type Body = RB;
    type Error = A::Error;
    type Future = LastFuture<A>;

    /// The last member is called, not probed: no one comes after it.
    #[inline(always)]
    fn start(&mut self, req: http::Request<Body>, carry: Carry) -> Self::Future {
        start_last(&mut self.0 .0, req, carry)
    }
}

impl<A, R, RA> Members for Or<Probing<A>, R>
where
    A: Probe<http::Request<Body>, Response = http::Response<RA>> + Clone,
    R: Members<Error = A::Error>,
    RA: http_body::Body<Data = Bytes> + Send + 'static,
    RA::Error: Into<BoxError>,
    R::Body: http_body::Body<Data = Bytes> + Send + 'static,
    <R::Body as http_body::Body>::Error: Into<BoxError>,
{
    type Body = Body;
    type Error = A::Error;
    type Future = ProbeFuture<A, R>;

    #[inline(always)]
    fn start(&mut self, mut req: http::Request<Body>, mut carry: Carry) -> Self::Future {
        // A `Miss` is a 404 nobody built: only worth it when 404 means "go on".
        if !carry.policy().catch.contains(http::StatusCode::NOT_FOUND) {
            return ProbeFuture::plain(self.first.0.clone(), &self.rest, req, carry);
        }
        // The cascade's own instance is probed: the probe borrows the request and
        // the member, so neither is cloned. Its readiness is used at once.
        let member = &mut self.first.0;
        let mut cx = Context::from_waker(Waker::noop());
        // The member answered at once (or failed its readiness check), or not.
        let (lease, outcome) = match member.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => {
                // The request stays where it is: lent in place, handed on in place.
                // A member that never touches the body is lent the body as it
                // is, with nothing recorded.
                let lease = if A::READS_BODY {
                    carry.lend(&mut req)
                } else {
                    Lease::none()
                };
                match member.probe(&mut req) {
                    Probed::Miss => {
                        carry.resume(&mut req, lease);
                        return ProbeFuture::rest(self.rest.start(req, carry));
                    }
                    // The usual hit: moved once, from where the probe left it into
                    // the future. Judging it in place first would cost two more
                    // copies of the response (46 instructions, 1.3 % of a hit on
                    // a small file), and the verdict is known without it.
                    Probed::Ready(res) if carry.answers_unjudged(&lease, res.status()) => {
                        return ProbeFuture::answered(Ok(res));
                    }
                    Probed::Ready(res) => (lease, Ok(res)),
                    Probed::Pending(future) => {
                        let kept = Pending { req, carry };
                        return ProbeFuture::waiting(future, kept, lease, &self.rest);
                    }
                }
            }
            Poll::Ready(Err(error)) => (Lease::none(), Err(error)),
            // A clone is readied in the future, on the plain path.
            Poll::Pending => {
                return ProbeFuture::plain(member.clone(), &self.rest, req, carry);
            }
        };
        // Judged where it will be sent from: the response is moved once more.
        let mut future = ProbeFuture::answered(outcome);
        match carry.judge(&mut req, lease, future.outcome_mut()) {
            Judged::Done => future,
            // A caught answer is dropped before anything else happens.
            Judged::Own(res) => {
                drop(future);
                ProbeFuture::own(res)
            }
            Judged::Next => {
                drop(future);
                ProbeFuture::rest(self.rest.start(req, carry))
            }
        }
    }
}

/// A list of boxed members, for cascades built at run time.
#[derive(Clone)]
pub struct Dyn {
    pub(crate) members: Arc<[BoxApp]>,
}

impl std::fmt::Debug for Dyn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dyn")
            .field("members", &self.members.len())
            .finish()
    }
}

impl Dyn {
    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True if there is no member (a built cascade always has one).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl<N, RB> Append<N> for Dyn
where
    N: Service<http::Request<Body>, Response = http::Response<RB>> + Clone + Send + Sync + 'static,
    N::Error: Into<BoxError>,
    N::Future: Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Output = Dyn;
    fn append(self, next: N) -> Dyn {
        let members = self
            .members
            .iter()
            .cloned()
            .chain([BoxApp::new(next)])
            .collect();
        Dyn { members }
    }
}

impl Members for Dyn {
    type Body = Body;
    type Error = BoxError;
    type Future = DynFuture;

    fn start(&mut self, req: http::Request<Body>, carry: Carry) -> Self::Future {
        DynFuture::new(self.members.clone(), Pending { req, carry })
    }
}
