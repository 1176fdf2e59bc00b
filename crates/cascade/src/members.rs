//! The member lists a [`Cascade`](crate::Cascade) can hold.
//!
//! - [`Last`] and [`Or`] make the statically typed form: `Cascade::new(a).or(b).or(c)`
//!   is a `Cascade<Or<A, Or<B, Last<C>>>>`. Each member keeps its own service,
//!   future and body types; nothing is boxed and nothing is called through `dyn`.
//! - [`Probing`] wraps a member that implements [`gw_core::Probe`]: the
//!   cascade lends it the request instead of copying the head (the fast path).
//! - [`Dyn`] is a list of [`BoxMember`]s, for stacks built from a config file.

use std::sync::Arc;

use bytes::Bytes;
use std::task::{Context, Poll, Waker};

use gw_core::{Body, BoxError, Probe, Probed};
use tower_service::Service;

use crate::body::CascadeBody;
use crate::call::MemberCall;
use crate::config::CascadeConfig;
use crate::future::{BareVerdict, DynFuture, LastFuture, OrFuture, ProbeFuture};
use crate::handoff::Pending;
use crate::replay::ReplayBody;

/// A boxed member of a dynamic cascade: any service from `Request<Body>` to
/// `Response<Body>`. Make one with [`boxed`], or with
/// [`BoxApp::probing`](gw_core::BoxApp::probing) for a member that implements
/// [`Probe`]: the dynamic cascade then lends it requests without a body instead of
/// copying their head.
pub type BoxMember = gw_core::BoxApp;

/// Boxes a service as a [`BoxMember`]: its body and error types are erased.
///
/// ```
/// use gw_core::{app_fn, Body};
///
/// let member = gw_cascade::members::boxed(app_fn(|_req: http::Request<Body>| async { "hi" }));
/// # let _ = member;
/// ```
pub fn boxed<S, RB>(service: S) -> BoxMember
where
    S: Service<http::Request<Body>, Response = http::Response<RB>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    gw_core::BoxApp::new(service)
}

mod sealed {
    pub trait Sealed {}
}

/// A list of cascade members. Implemented by [`Last`], [`Or`] and [`Dyn`] only.
pub trait Members<B>: Clone + sealed::Sealed {
    /// The response body: one type for all members.
    type Body;
    /// The error of the members (all members of a static cascade share it).
    type Error;
    /// The response future.
    type Future: std::future::Future<Output = Result<http::Response<Self::Body>, Self::Error>>;

    /// Starts the cascade for one request. Each member is cloned only when the
    /// request reaches it (or, for the members after one whose answer is awaited,
    /// when that member is called).
    fn start(&mut self, pending: Pending<B>) -> Self::Future;

    /// Starts the cascade for a request as it arrived. The default takes it apart
    /// into a [`Pending`]; a probed first member looks at a request without a body
    /// as it is, so a hit moves nothing.
    #[doc(hidden)]
    #[inline(always)]
    fn begin(&mut self, req: http::Request<B>, config: &CascadeConfig) -> Self::Future
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        self.start(Pending::new(req, &config.replay, config.policy))
    }
}

/// Appends a member at the end of a list; used by [`Cascade::or`](crate::Cascade::or).
pub trait Append<N>: sealed::Sealed {
    /// The longer list.
    type Output;
    /// Appends `next`.
    fn append(self, next: N) -> Self::Output;
}

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

/// Calls the last member with the kept head and the replaying body.
#[inline(always)]
fn start_last<A, B>(member: &mut A, pending: Pending<B>) -> LastFuture<A, B>
where
    A: Service<http::Request<ReplayBody<B>>> + Clone,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let policy = pending.policy();
    LastFuture::new(MemberCall::start_ref(member, pending.into_last()), policy)
}

impl<A, B, RB> Members<B> for Last<A>
where
    A: Service<http::Request<ReplayBody<B>>, Response = http::Response<RB>> + Clone,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Body = RB;
    type Error = A::Error;
    type Future = LastFuture<A, B>;

    #[inline(always)]
    fn start(&mut self, pending: Pending<B>) -> Self::Future {
        start_last(&mut self.0, pending)
    }
}

impl<A, R, B, RA> Members<B> for Or<A, R>
where
    A: Service<http::Request<ReplayBody<B>>, Response = http::Response<RA>> + Clone,
    R: Members<B, Error = A::Error>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Body = CascadeBody<RA, R::Body>;
    type Error = A::Error;
    type Future = OrFuture<A, R, B>;

    #[inline(always)]
    fn start(&mut self, pending: Pending<B>) -> Self::Future {
        let (req, handoff) = pending.split();
        OrFuture::new(
            MemberCall::start_ref(&mut self.first, req),
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
/// A request without a body is probed as it arrived (`Request<B>`) by the first
/// member: the probe's result is written into the response future and judged
/// there, so a hit moves neither the request nor the response. A request with a
/// body, and a probed member after a miss, are lent the request with the cascade's
/// recording body (`Request<ReplayBody<B>>`). So the member implements
/// [`Probe`] for both request types, as any member generic
/// over its request body does.
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
/// use gw_cascade::{cascade, Probing, ReplayBody};
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
/// let app = app_fn(|_req: http::Request<ReplayBody<Body>>| async { "the app" });
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

impl<A, B, RB> Members<B> for Last<Probing<A>>
where
    A: Service<http::Request<ReplayBody<B>>, Response = http::Response<RB>> + Clone,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Body = RB;
    type Error = A::Error;
    type Future = LastFuture<A, B>;

    /// The last member is called, not probed: no one comes after it.
    #[inline(always)]
    fn start(&mut self, pending: Pending<B>) -> Self::Future {
        start_last(&mut self.0 .0, pending)
    }
}

impl<A, R, B, RA> Members<B> for Or<Probing<A>, R>
where
    A: Probe<http::Request<ReplayBody<B>>, Response = http::Response<RA>>
        + Probe<http::Request<B>, Response = http::Response<RA>, Error = ProbeError<A, B>>
        + Clone,
    R: Members<B, Error = ProbeError<A, B>>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Body = CascadeBody<RA, R::Body>;
    type Error = ProbeError<A, B>;
    type Future = ProbeFuture<A, R, B>;

    #[inline(always)]
    fn start(&mut self, pending: Pending<B>) -> Self::Future {
        // A `Miss` is a 404 nobody built: only worth it when 404 means "go on".
        if !pending.policy().catch.contains(http::StatusCode::NOT_FOUND) {
            return ProbeFuture::plain(self.first.0.clone(), &self.rest, pending);
        }
        // The cascade's own instance is probed: the probe borrows the request and
        // the member, so neither is cloned. Its readiness is used at once.
        let member = &mut self.first.0;
        let mut cx = Context::from_waker(Waker::noop());
        match Service::<http::Request<ReplayBody<B>>>::poll_ready(member, &mut cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(error)) => {
                return ProbeFuture::settled(pending.lend(), Err(error), &mut self.rest)
            }
            // A clone is readied in the future, on the plain path.
            Poll::Pending => return ProbeFuture::plain(member.clone(), &self.rest, pending),
        }
        let mut lent = pending.lend();
        match Probe::<http::Request<ReplayBody<B>>>::probe(member, &mut lent.req) {
            Probed::Miss => ProbeFuture::rest(self.rest.start(lent.into_next())),
            Probed::Ready(res) => ProbeFuture::settled(lent, Ok(res), &mut self.rest),
            Probed::Pending(future) => ProbeFuture::waiting(future, lent, &self.rest),
        }
    }

    /// A request without a body is probed as it arrived: nothing is taken apart or
    /// moved before the member has looked at it, and a hit moves only its response.
    /// A request with a body goes through [`start`](Members::start), lent with a
    /// recording body.
    #[inline(always)]
    fn begin(&mut self, mut req: http::Request<B>, config: &CascadeConfig) -> Self::Future {
        let policy = config.policy;
        if !req.body().is_end_stream() || !policy.catch.contains(http::StatusCode::NOT_FOUND) {
            return begin_cold(self, req, config, None);
        }
        let member = &mut self.first.0;
        let mut cx = Context::from_waker(Waker::noop());
        match Service::<http::Request<B>>::poll_ready(member, &mut cx) {
            Poll::Ready(Ok(())) => {}
            not_ready => return begin_cold(self, req, config, Some(not_ready)),
        }
        let mut future = ProbeFuture::probe_bare(member, &mut req);
        match future.judge_probe(policy) {
            BareVerdict::Answer => future,
            BareVerdict::GoOn => {
                // A caught response is dropped before the next member is called.
                drop(future);
                ProbeFuture::rest(self.rest.start(Pending::bare(req, policy)))
            }
            BareVerdict::Wait => {
                future.wait_bare(req, policy, &self.rest);
                future
            }
        }
    }
}

/// A request that cannot be probed as it arrived: one with a body (lent with a
/// recording body), one for a cascade that does not catch 404 (called), or one
/// whose member is not ready at once (readied in the future, or failed).
#[cold]
#[inline(never)]
fn begin_cold<A, R, B, RA>(
    this: &mut Or<Probing<A>, R>,
    req: http::Request<B>,
    config: &CascadeConfig,
    readiness: Option<Poll<Result<(), ProbeError<A, B>>>>,
) -> ProbeFuture<A, R, B>
where
    A: Probe<http::Request<ReplayBody<B>>, Response = http::Response<RA>>
        + Probe<http::Request<B>, Response = http::Response<RA>, Error = ProbeError<A, B>>
        + Clone,
    R: Members<B, Error = ProbeError<A, B>>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let policy = config.policy;
    match readiness {
        None => this.start(Pending::new(req, &config.replay, policy)),
        Some(Poll::Ready(Err(error))) => {
            ProbeFuture::settled_bare(Err(error), req, policy, &mut this.rest)
        }
        // Not ready at once: a clone is readied in the future, on the plain path.
        Some(Poll::Pending) => {
            let pending = Pending::new(req, &config.replay, policy);
            ProbeFuture::plain(this.first.0.clone(), &this.rest, pending)
        }
        Some(Poll::Ready(Ok(()))) => unreachable!("a ready member is probed in `begin`"),
    }
}

/// The error of a probed member.
type ProbeError<A, B> = <A as Service<http::Request<ReplayBody<B>>>>::Error;

/// A list of boxed members, for cascades built at run time.
#[derive(Clone)]
pub struct Dyn {
    pub(crate) members: Arc<[BoxMember]>,
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
        let members = self.members.iter().cloned().chain([boxed(next)]).collect();
        Dyn { members }
    }
}

impl<B> Members<B> for Dyn
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Body = Body;
    type Error = BoxError;
    type Future = DynFuture<B>;

    fn start(&mut self, pending: Pending<B>) -> Self::Future {
        DynFuture::new(self.members.clone(), pending)
    }
}
