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

use crate::body::CascadeBody;
use crate::catch::{Policy, Verdict};
use crate::handoff::{Handoff, Judged, Lease, Pending, Settled};
use crate::list::Members;
use crate::replay::{ReplayBody, Shared};

type MemberRequest<B> = http::Request<ReplayBody<B>>;

pin_project! {
    /// The response future of a cascade's last member.
    pub struct LastFuture<A, B>
    where
        A: Service<MemberRequest<B>>,
    {
        #[pin]
        call: ReadyCall<A, MemberRequest<B>>,
        // The policy, shared: a pointer keeps the future small.
        shared: Arc<Shared>,
    }
}

impl<A, B> LastFuture<A, B>
where
    A: Service<MemberRequest<B>>,
{
    pub(crate) fn new(call: ReadyCall<A, MemberRequest<B>>, shared: Arc<Shared>) -> Self {
        LastFuture { call, shared }
    }
}

impl<A, B, RB> Future for LastFuture<A, B>
where
    A: Service<MemberRequest<B>, Response = http::Response<RB>>,
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
    pub struct OrFuture<A, R, B>
    where
        A: Service<MemberRequest<B>>,
        R: Members<B>,
    {
        #[pin]
        state: OrState<A, R, B>,
    }
}

pin_project! {
    #[project = OrStateProj]
    enum OrState<A, R, B>
    where
        A: Service<MemberRequest<B>>,
        R: Members<B>,
    {
        First {
            #[pin]
            call: ReadyCall<A, MemberRequest<B>>,
            rest: Option<R>,
            handoff: Option<Handoff<B>>,
        },
        Rest {
            #[pin]
            call: R::Future,
        },
    }
}

impl<A, R, B> OrFuture<A, R, B>
where
    A: Service<MemberRequest<B>>,
    R: Members<B>,
{
    pub(crate) fn new(call: ReadyCall<A, MemberRequest<B>>, rest: R, handoff: Handoff<B>) -> Self {
        OrFuture {
            state: OrState::First {
                call,
                rest: Some(rest),
                handoff: Some(handoff),
            },
        }
    }
}

impl<A, R, B, RA> Future for OrFuture<A, R, B>
where
    A: Service<MemberRequest<B>, Response = http::Response<RA>>,
    R: Members<B, Error = A::Error>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Output = Result<http::Response<CascadeBody<RA, R::Body>>, A::Error>;

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
                        Settled::Done => {
                            return Poll::Ready(outcome.map(|res| res.map(CascadeBody::first)))
                        }
                        Settled::Own(res) => {
                            drop(outcome);
                            return Poll::Ready(Ok(res.map(CascadeBody::own)));
                        }
                        Settled::Next(pending) => {
                            // Dropped before the next member is even called.
                            drop(outcome);
                            rest.take()
                                .expect("OrFuture polled after completion")
                                .start(pending)
                        }
                    }
                }
                OrStateProj::Rest { call } => {
                    return call
                        .poll(cx)
                        .map(|result| result.map(|res| res.map(CascadeBody::next)))
                }
            };
            state.set(OrState::Rest { call: next });
        }
    }
}

/// The response future of a dynamic cascade.
pub struct DynFuture<B> {
    members: Arc<[BoxApp]>,
    index: usize,
    state: DynState<B>,
    policy: Policy,
}

// `Call` (a member's request and the kept head) is the large state and the usual
// one; boxing it would cost an allocation per member called.
#[allow(clippy::large_enum_variant)]
enum DynState<B> {
    /// A member called with the request (and, before the last, a handoff to go on).
    Call {
        call: BoxAppFuture,
        /// `None` for the last member.
        handoff: Option<Handoff<B>>,
    },
    /// A probed member's answer, needing a wait; the cascade keeps the request.
    Probe {
        future: BoxAppFuture,
        kept: Option<Box<Pending<B>>>,
    },
    /// Settled at once.
    Done {
        outcome: Option<Result<http::Response<Body>, BoxError>>,
    },
}

// Nothing in it is ever pinned: its futures are boxed or `Unpin`, and the kept
// request is only moved.
impl<B> Unpin for DynFuture<B> {}

impl<B> std::fmt::Debug for DynFuture<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynFuture")
            .field("member", &self.index)
            .field("of", &self.members.len())
            .finish_non_exhaustive()
    }
}

impl<B> DynFuture<B>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    pub(crate) fn new(members: Arc<[BoxApp]>, pending: Pending<B>) -> Self {
        let policy = pending.policy();
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
    /// [`BoxApp::probing`](gw_core::BoxApp::probing)) is lent a request that
    /// has no body, without a copy of the head; the others are called.
    fn begin(
        members: &[BoxApp],
        index: &mut usize,
        mut pending: Pending<B>,
        policy: Policy,
    ) -> DynState<B> {
        loop {
            // Only the member about to be tried is cloned.
            let mut member = members[*index].clone();
            if *index + 1 == members.len() {
                let (req, _) = pending.into_last();
                let call = member.call(req.map(Body::from));
                return DynState::Call {
                    call,
                    handoff: None,
                };
            }
            let probes = member.can_probe()
                && !pending.has_body()
                && policy.catch.contains(http::StatusCode::NOT_FOUND);
            if probes {
                let (mut req, shared) = pending.into_bare();
                match member.probe(&mut req) {
                    Some(Probed::Ready(mut res)) => {
                        if policy.judge(&mut res) == Verdict::Answer {
                            return DynState::Done {
                                outcome: Some(Ok(res)),
                            };
                        }
                        // Dropped before the next member is even called.
                        drop(res);
                    }
                    Some(Probed::Pending(future)) => {
                        return DynState::Probe {
                            future,
                            kept: Some(Box::new(Pending::bare(req, shared))),
                        }
                    }
                    Some(Probed::Miss) => {}
                    // Not ready at once: called instead, with the head back.
                    None => {
                        let pending = Pending::bare(req, shared);
                        let (req, handoff) = pending.split();
                        return DynState::Call {
                            call: member.call(req.map(Body::from)),
                            handoff: Some(handoff),
                        };
                    }
                }
                pending = Pending::bare(req, shared);
                *index += 1;
                continue;
            }
            let (req, handoff) = pending.split();
            return DynState::Call {
                call: member.call(req.map(Body::from)),
                handoff: Some(handoff),
            };
        }
    }
}

impl<B> Future for DynFuture<B>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
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
                    let pending = *kept.take().expect("DynFuture polled after completion");
                    let answered = this.policy.answers(&mut outcome);
                    if answered {
                        return Poll::Ready(outcome);
                    }
                    // Dropped before the next member is even called.
                    drop(outcome);
                    pending
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
    pub struct ProbeFuture<A, R, B>
    where
        A: Service<MemberRequest<B>>,
        R: Members<B>,
    {
        #[pin]
        state: ProbeState<A, R, B>,
    }
}

pin_project! {
    #[project = ProbeStateProj]
    enum ProbeState<A, R, B>
    where
        A: Service<MemberRequest<B>>,
        R: Members<B>,
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
            kept: Option<Box<(Pending<B>, Lease<B>, R)>>,
        },
        // The member missed: the rest of the cascade.
        Rest { #[pin] call: R::Future },
        // Not probed after all: the member is called as a plain one (cold, boxed).
        Plain { call: Pin<Box<OrFuture<A, R, B>>> },
    }
}

impl<A, R, B, RA> ProbeFuture<A, R, B>
where
    A: Service<MemberRequest<B>, Response = http::Response<RA>>,
    R: Members<B, Error = A::Error>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    #[inline(always)]
    fn from_state(state: ProbeState<A, R, B>) -> Self {
        ProbeFuture { state }
    }

    /// The member is called by value: the head is copied, as for a plain member.
    pub(crate) fn plain(member: A, rest: &R, pending: Pending<B>) -> Self {
        let (req, handoff) = pending.split();
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
    pub(crate) fn waiting(
        future: A::Future,
        pending: Pending<B>,
        lease: Lease<B>,
        rest: &R,
    ) -> Self {
        Self::from_state(ProbeState::Waiting {
            future,
            kept: Some(Box::new((pending, lease, rest.clone()))),
        })
    }
}

/// Judges a probed member's outcome after a wait; the request goes to the next
/// member on a miss, after the outcome is dropped.
fn settle<A, R, B, RA>(
    mut pending: Pending<B>,
    lease: Lease<B>,
    mut outcome: Result<http::Response<RA>, A::Error>,
    rest: &mut R,
) -> ProbeState<A, R, B>
where
    A: Service<MemberRequest<B>, Response = http::Response<RA>>,
    R: Members<B, Error = A::Error>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
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
                call: rest.start(pending),
            }
        }
    }
}

impl<A, R, B, RA> Future for ProbeFuture<A, R, B>
where
    A: Service<MemberRequest<B>, Response = http::Response<RA>>,
    R: Members<B, Error = A::Error>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Output = Result<http::Response<CascadeBody<RA, R::Body>>, A::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                ProbeStateProj::Answered { outcome } => {
                    let outcome = outcome.take().expect("ProbeFuture polled after completion");
                    return Poll::Ready(outcome.map(|res| res.map(CascadeBody::first)));
                }
                ProbeStateProj::Own { res } => {
                    let res = res.take().expect("ProbeFuture polled after completion");
                    return Poll::Ready(Ok(res.map(CascadeBody::own)));
                }
                ProbeStateProj::Rest { call } => {
                    return call
                        .poll(cx)
                        .map(|result| result.map(|res| res.map(CascadeBody::next)))
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
