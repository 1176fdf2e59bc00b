//! Response futures.
//!
//! Each member is readied only when the request reaches it: called (or probed) at
//! once, in place, if it is ready; else cloned and readied inside the future
//! ([`gw_core::ReadyCall`]). So `Cascade::poll_ready` never waits on a member that
//! the request may never reach, and a member that is not ready delays only the
//! requests that get as far as it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxApp, BoxAppFuture, BoxError, Probed, ReadyCall};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::catch::Policy;
use crate::handoff::{Carry, Handoff, Judged, Lease, Pending, Settled};
use crate::list::Members;
use crate::replay::Shared;

type MemberRequest = http::Request<Body>;

pin_project! {
    /// The response future of a cascade's last member.
    pub struct LastFuture<A>
    where
        A: Service<MemberRequest>,
    {
        #[pin]
        call: ReadyCall<A, MemberRequest>,
        // The policy, shared: a pointer keeps the future small.
        shared: Arc<Shared>,
    }
}

impl<A> LastFuture<A>
where
    A: Service<MemberRequest>,
{
    pub(crate) fn new(call: ReadyCall<A, MemberRequest>, shared: Arc<Shared>) -> Self {
        LastFuture { call, shared }
    }
}

impl<A, RB> Future for LastFuture<A>
where
    A: Service<MemberRequest, Response = http::Response<RB>>,
{
    type Output = Result<http::Response<RB>, A::Error>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // Cleaned where it lies: the answer is not moved out and back.
        let mut answer = this.call.poll(cx);
        if let Poll::Ready(Ok(res)) = &mut answer {
            this.shared.policy.finish(res);
        }
        answer
    }
}

pin_project! {
    /// The response future of a member that may miss, followed by the rest.
    pub struct OrFuture<A, R>
    where
        A: Service<MemberRequest>,
        R: Members,
    {
        #[pin]
        state: OrState<A, R>,
    }
}

pin_project! {
    #[project = OrStateProj]
    enum OrState<A, R>
    where
        A: Service<MemberRequest>,
        R: Members,
    {
        First {
            #[pin]
            call: ReadyCall<A, MemberRequest>,
            rest: Option<R>,
            handoff: Option<Handoff>,
        },
        Rest {
            #[pin]
            call: R::Future,
        },
    }
}

impl<A, R> OrFuture<A, R>
where
    A: Service<MemberRequest>,
    R: Members,
{
    pub(crate) fn new(call: ReadyCall<A, MemberRequest>, rest: R, handoff: Handoff) -> Self {
        OrFuture {
            state: OrState::First {
                call,
                rest: Some(rest),
                handoff: Some(handoff),
            },
        }
    }
}

impl<A, R, RA> Future for OrFuture<A, R>
where
    A: Service<MemberRequest, Response = http::Response<RA>>,
    R: Members<Error = A::Error>,
    RA: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    RA::Error: Into<gw_core::BoxError>,
    R::Body: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <R::Body as http_body::Body>::Error: Into<gw_core::BoxError>,
{
    type Output = Result<http::Response<Body>, A::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                OrStateProj::First {
                    call,
                    rest,
                    handoff,
                } => {
                    let mut outcome = ready!(call.poll(cx));
                    let handoff = handoff.take().expect("OrFuture polled after completion");
                    match handoff.settle(&mut outcome) {
                        Settled::Done => return Poll::Ready(outcome.map(|res| res.map(Body::new))),
                        Settled::Own(res) => {
                            drop(outcome);
                            return Poll::Ready(Ok(res.map(Body::from)));
                        }
                        Settled::Next(Pending { req, carry }) => {
                            // Dropped before the next member is even called.
                            drop(outcome);
                            rest.take()
                                .expect("OrFuture polled after completion")
                                .start(req, carry)
                        }
                    }
                }
                OrStateProj::Rest { call } => {
                    return call
                        .poll(cx)
                        .map(|result| result.map(|res| res.map(Body::new)))
                }
            };
            state.set(OrState::Rest { call: next });
        }
    }
}

/// The response future of a dynamic cascade.
pub struct DynFuture {
    members: Arc<[BoxApp]>,
    index: usize,
    state: DynState,
    policy: Policy,
}

// `Call` (a member's request and the kept head) is the large state and the usual
// one; boxing it would cost an allocation per member called.
#[allow(clippy::large_enum_variant)]
enum DynState {
    /// A member called with the request (and, before the last, a handoff to go on).
    Call {
        call: BoxAppFuture,
        /// `None` for the last member.
        handoff: Option<Handoff>,
    },
    /// A probed member's answer, needing a wait; the cascade keeps the request
    /// and its lease on the body.
    Probe {
        future: BoxAppFuture,
        kept: Option<Box<(Pending, Lease)>>,
    },
    /// Settled at once.
    Done {
        outcome: Option<Result<http::Response<Body>, BoxError>>,
    },
}

// Nothing in it is ever pinned: its futures are boxed or `Unpin`, and the kept
// request is only moved.
impl Unpin for DynFuture {}

impl std::fmt::Debug for DynFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynFuture")
            .field("member", &self.index)
            .field("of", &self.members.len())
            .finish_non_exhaustive()
    }
}

impl DynFuture {
    pub(crate) fn new(members: Arc<[BoxApp]>, pending: Pending) -> Self {
        let policy = pending.carry.policy();
        let mut index = 0;
        let state = Self::begin(&members, &mut index, pending, policy);
        DynFuture {
            members,
            index,
            state,
            policy,
        }
    }

    /// Offers the request to the members from `index` on, until one must be
    /// waited for or answers at once. A member that can probe (boxed with
    /// [`BoxApp::probing`](gw_core::BoxApp::probing)) is lent the request, as
    /// [`Probing`](crate::Probing) members are; the others are called.
    fn begin(
        members: &[BoxApp],
        index: &mut usize,
        mut pending: Pending,
        policy: Policy,
    ) -> DynState {
        loop {
            // Only the member about to be tried is cloned.
            let mut member = members[*index].clone();
            if *index + 1 == members.len() {
                let Pending { mut req, carry } = pending;
                carry.into_last(&mut req);
                return DynState::Call {
                    call: member.call(req),
                    handoff: None,
                };
            }
            if member.can_probe() && policy.catch.contains(http::StatusCode::NOT_FOUND) {
                // As in a static cascade: a member that never touches the body
                // is lent it as it is.
                let lease = if member.probe_reads_body() {
                    pending.carry.lend(&mut pending.req)
                } else {
                    Lease::none()
                };
                match member.probe(&mut pending.req) {
                    // Moved once, as in a static cascade (see `Or<Probing<A>, R>`).
                    Some(Probed::Ready(res))
                        if pending.carry.answers_unjudged(&lease, res.status()) =>
                    {
                        return DynState::Done {
                            outcome: Some(Ok(res)),
                        }
                    }
                    Some(Probed::Ready(res)) => {
                        let mut outcome = Ok(res);
                        match pending.judge(lease, &mut outcome) {
                            Judged::Done => {
                                return DynState::Done {
                                    outcome: Some(outcome),
                                }
                            }
                            Judged::Own(res) => {
                                return DynState::Done {
                                    outcome: Some(Ok(res.map(Body::from))),
                                }
                            }
                            // Dropped before the next member is even called.
                            Judged::Next => drop(outcome),
                        }
                    }
                    Some(Probed::Pending(future)) => {
                        return DynState::Probe {
                            future,
                            kept: Some(Box::new((pending, lease))),
                        }
                    }
                    Some(Probed::Miss) => pending.carry.resume(&mut pending.req, lease),
                    // Not ready at once: called instead.
                    None => {
                        let Pending { mut req, mut carry } = pending;
                        carry.resume(&mut req, lease);
                        let (req, handoff) = carry.split(req);
                        return DynState::Call {
                            call: member.call(req),
                            handoff: Some(handoff),
                        };
                    }
                }
                *index += 1;
                continue;
            }
            let (req, handoff) = pending.carry.split(pending.req);
            return DynState::Call {
                call: member.call(req),
                handoff: Some(handoff),
            };
        }
    }
}

impl Future for DynFuture {
    type Output = Result<http::Response<Body>, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            let pending = match &mut this.state {
                DynState::Done { outcome } => {
                    return Poll::Ready(outcome.take().expect("DynFuture polled after completion"))
                }
                DynState::Probe { future, kept } => {
                    let mut outcome = ready!(future.as_mut().poll(cx));
                    let (mut pending, lease) =
                        *kept.take().expect("DynFuture polled after completion");
                    match pending.judge(lease, &mut outcome) {
                        Judged::Done => return Poll::Ready(outcome),
                        Judged::Own(res) => {
                            drop(outcome);
                            return Poll::Ready(Ok(res.map(Body::from)));
                        }
                        Judged::Next => {
                            // Dropped before the next member is even called.
                            drop(outcome);
                            pending
                        }
                    }
                }
                DynState::Call { call, handoff } => {
                    let mut outcome = ready!(call.as_mut().poll(cx));
                    let Some(handoff) = handoff.take() else {
                        return Poll::Ready(outcome.map(|mut res| {
                            this.policy.finish(&mut res);
                            res
                        }));
                    };
                    match handoff.settle(&mut outcome) {
                        Settled::Done => return Poll::Ready(outcome),
                        Settled::Own(res) => {
                            drop(outcome);
                            return Poll::Ready(Ok(res.map(Body::from)));
                        }
                        Settled::Next(pending) => {
                            // Dropped before the next member is even called.
                            drop(outcome);
                            pending
                        }
                    }
                }
            };
            this.index += 1;
            this.state = Self::begin(&this.members, &mut this.index, pending, this.policy);
        }
    }
}

pin_project! {
    /// The response future of a probed member ([`Probing`](crate::Probing)) that may
    /// miss, followed by the rest.
    pub struct ProbeFuture<A, R>
    where
        A: Service<MemberRequest>,
        R: Members,
    {
        #[pin]
        state: ProbeState<A, R>,
    }
}

pin_project! {
    #[project = ProbeStateProj]
    enum ProbeState<A, R>
    where
        A: Service<MemberRequest>,
        R: Members,
    {
        // The member's outcome, settled as the answer.
        Answered {
            outcome: Option<Result<A::Response, A::Error>>,
        },
        // The cascade's own answer (413, 507).
        Own { res: Option<http::Response<Bytes>> },
        // The member's future; the cascade holds the lent request meanwhile. The
        // slow path: boxed, so the hit path's future stays small to move.
        Waiting {
            #[pin]
            future: A::Future,
            kept: Option<Box<(Pending, Lease, R)>>,
        },
        // The member missed: the rest of the cascade.
        Rest { #[pin] call: R::Future },
        // Not probed after all: the member is called as a plain one (cold, boxed).
        Plain { call: Pin<Box<OrFuture<A, R>>> },
    }
}

impl<A, R, RA> ProbeFuture<A, R>
where
    A: Service<MemberRequest, Response = http::Response<RA>>,
    R: Members<Error = A::Error>,
{
    #[inline(always)]
    fn from_state(state: ProbeState<A, R>) -> Self {
        ProbeFuture { state }
    }

    /// The member is called by value: the head is copied, as for a plain member.
    pub(crate) fn plain(member: A, rest: &R, req: http::Request<Body>, carry: Carry) -> Self {
        let (req, handoff) = carry.split(req);
        let call = OrFuture::new(ReadyCall::new(member, req), rest.clone(), handoff);
        Self::from_state(ProbeState::Plain {
            call: Box::pin(call),
        })
    }

    /// The member missed at once; the rest has started.
    #[inline(always)]
    pub(crate) fn rest(call: R::Future) -> Self {
        Self::from_state(ProbeState::Rest { call })
    }

    /// The member answered (or failed) at once. The outcome is put where the
    /// answer will be sent from first, then judged there
    /// ([`outcome_mut`](ProbeFuture::outcome_mut)): a hit moves the response
    /// once.
    #[inline(always)]
    pub(crate) fn answered(outcome: Result<http::Response<RA>, A::Error>) -> Self {
        Self::from_state(ProbeState::Answered {
            outcome: Some(outcome),
        })
    }

    /// The outcome of a future made by [`answered`](ProbeFuture::answered).
    #[inline(always)]
    pub(crate) fn outcome_mut(&mut self) -> &mut Result<http::Response<RA>, A::Error> {
        match &mut self.state {
            ProbeState::Answered {
                outcome: Some(outcome),
            } => outcome,
            _ => unreachable!("only called on an answered future"),
        }
    }

    /// The cascade's own answer (413, 507).
    pub(crate) fn own(res: http::Response<Bytes>) -> Self {
        Self::from_state(ProbeState::Own { res: Some(res) })
    }

    /// The member's answer needs waiting.
    pub(crate) fn waiting(future: A::Future, pending: Pending, lease: Lease, rest: &R) -> Self {
        Self::from_state(ProbeState::Waiting {
            future,
            kept: Some(Box::new((pending, lease, rest.clone()))),
        })
    }
}

/// Judges a probed member's outcome after a wait; the request goes to the next
/// member on a miss, after the outcome is dropped.
fn settle<A, R, RA>(
    mut pending: Pending,
    lease: Lease,
    mut outcome: Result<http::Response<RA>, A::Error>,
    rest: &mut R,
) -> ProbeState<A, R>
where
    A: Service<MemberRequest, Response = http::Response<RA>>,
    R: Members<Error = A::Error>,
{
    match pending.judge(lease, &mut outcome) {
        Judged::Done => ProbeState::Answered {
            outcome: Some(outcome),
        },
        Judged::Own(res) => {
            drop(outcome);
            ProbeState::Own { res: Some(res) }
        }
        Judged::Next => {
            // Dropped before the next member is even called.
            drop(outcome);
            ProbeState::Rest {
                call: rest.start(pending.req, pending.carry),
            }
        }
    }
}

impl<A, R, RA> Future for ProbeFuture<A, R>
where
    A: Service<MemberRequest, Response = http::Response<RA>>,
    R: Members<Error = A::Error>,
    RA: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    RA::Error: Into<gw_core::BoxError>,
    R::Body: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <R::Body as http_body::Body>::Error: Into<gw_core::BoxError>,
{
    type Output = Result<http::Response<Body>, A::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                ProbeStateProj::Answered { outcome } => {
                    let outcome = outcome.take().expect("ProbeFuture polled after completion");
                    return Poll::Ready(outcome.map(|res| res.map(Body::new)));
                }
                ProbeStateProj::Own { res } => {
                    let res = res.take().expect("ProbeFuture polled after completion");
                    return Poll::Ready(Ok(res.map(Body::from)));
                }
                ProbeStateProj::Rest { call } => {
                    return call
                        .poll(cx)
                        .map(|result| result.map(|res| res.map(Body::new)))
                }
                ProbeStateProj::Plain { call } => return call.as_mut().poll(cx),
                ProbeStateProj::Waiting { future, kept } => {
                    let outcome = ready!(future.poll(cx));
                    let (pending, lease, mut rest) =
                        *kept.take().expect("ProbeFuture polled after completion");
                    settle(pending, lease, outcome, &mut rest)
                }
            };
            state.set(next);
        }
    }
}
