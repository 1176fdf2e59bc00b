//! Passing one request from member to member: the request head kept for the next
//! member, and the recorded body.

use std::sync::Arc;

use bytes::Bytes;
use gw_core::BoxError;
use http::{header, HeaderValue, StatusCode};

use crate::catch::Policy;
use crate::replay::{lock, Failure, ReplayBody, ReplayState, Shared, Slot};

/// A request on its way through a cascade, before the next member gets it.
///
/// It is opaque: [`Members`](crate::members::Members) implementations receive it and
/// hand it on; nothing else can be done with it.
///
/// It holds the request whole, as the next member will get it: a probed member
/// is lent it in place, and after a miss the same request goes on, so the probe
/// path never takes the head apart. Its body is empty (the client sent none),
/// not read by any member yet, or the replay of what earlier members read.
pub struct Pending<B> {
    req: http::Request<ReplayBody<B>>,
    /// The cascade's policy and replay limits.
    shared: Arc<Shared>,
    /// A body no member has read is waiting: its recording starts when a
    /// member that may miss gets it.
    fresh: bool,
}

impl<B> std::fmt::Debug for Pending<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("method", self.req.method())
            .field("uri", self.req.uri())
            .finish_non_exhaustive()
    }
}

/// The cascade's handle on the recording of a body lent to a member that may
/// miss (`None`: the client sent no body).
pub(crate) struct Lease<B>(Option<Slot<B>>);

impl<B> Lease<B> {
    /// Nothing lent.
    pub(crate) fn none() -> Self {
        Lease(None)
    }
}

/// What the cascade keeps while a plain member (given the request by value) is
/// working: a copy of the head, to go on with if it misses, and the lease.
pub(crate) struct Handoff<B> {
    kept: Pending<B>,
    lease: Lease<B>,
}

/// How a lent member's outcome settles the cascade (see [`Pending::judge`]).
pub(crate) enum Judged {
    /// Send the member's outcome (response or error) as it is.
    Done,
    /// Drop the outcome; the cascade answers by itself (413 and friends).
    Own(http::Response<Bytes>),
    /// Drop the outcome at once, then try the next member with the request.
    Next,
}

/// How a member's outcome settles the cascade. The outcome itself stays with the
/// caller, judged in place: on the answer path a response is never moved for it.
pub(crate) enum Settled<B> {
    /// Send the member's outcome (response or error) as it is.
    Done,
    /// Drop the outcome; the cascade answers by itself (413 and friends).
    Own(http::Response<Bytes>),
    /// Drop the outcome at once, then try the next member with this.
    Next(Pending<B>),
}

impl<B> Pending<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    #[inline(always)]
    pub(crate) fn new(req: http::Request<B>, shared: &Arc<Shared>) -> Self {
        let (parts, body) = req.into_parts();
        // A request without a body records nothing and boxes nothing.
        let (body, fresh) = if body.is_end_stream() {
            (ReplayBody::empty(), false)
        } else {
            (ReplayBody::direct(body), true)
        };
        Pending {
            req: http::Request::from_parts(parts, body),
            shared: shared.clone(),
            fresh,
        }
    }

    /// A request without a body that a boxed member probed (as a `Request<Body>`)
    /// and declined: the next member gets its head and an empty body.
    #[inline(always)]
    pub(crate) fn bare<X>(req: http::Request<X>, shared: Arc<Shared>) -> Self {
        Pending {
            req: req.map(|_empty| ReplayBody::empty()),
            shared,
            fresh: false,
        }
    }

    /// True if the client sent a body.
    #[inline(always)]
    pub(crate) fn has_body(&self) -> bool {
        self.req.body().has_body()
    }

    /// The request of a client that sent no body (see [`has_body`]) as a
    /// `Request<Body>` with an empty body, for a boxed member's probe.
    ///
    /// [`has_body`]: Pending::has_body
    pub(crate) fn into_bare(self) -> (http::Request<gw_core::Body>, Arc<Shared>) {
        debug_assert!(!self.has_body(), "only for a request without a body");
        (self.req.map(|_empty| gw_core::Body::empty()), self.shared)
    }

    pub(crate) fn policy(&self) -> Policy {
        self.shared.policy
    }

    /// The request for the last member (a body that replays what was read
    /// before and then reads on without recording), and the cascade's shared
    /// settings for the last member's future.
    #[inline(always)]
    pub(crate) fn into_last(mut self) -> (http::Request<ReplayBody<B>>, Arc<Shared>) {
        self.req.body_mut().stop_recording();
        (self.req, self.shared)
    }

    /// Lends the request, in place, to a member that may miss: its body (if any)
    /// records as the member reads it. A probed member is then given
    /// [`request_mut`](Pending::request_mut).
    #[inline(always)]
    pub(crate) fn lend(&mut self) -> Lease<B> {
        // The usual GET has no body: nothing to share, and no call to find out.
        if !self.has_body() {
            return Lease(None);
        }
        let fresh = std::mem::take(&mut self.fresh);
        Lease(self.req.body_mut().share(fresh.then_some(&self.shared)))
    }

    /// The request, as lent to a probed member.
    #[inline(always)]
    pub(crate) fn request_mut(&mut self) -> &mut http::Request<ReplayBody<B>> {
        &mut self.req
    }

    /// The request for a plain member that may miss, and what the cascade keeps to
    /// carry on if it does: a copy of the head and a handle on the recording.
    pub(crate) fn split(mut self) -> (http::Request<ReplayBody<B>>, Handoff<B>) {
        let lease = self.lend();
        let (parts, body) = self.req.into_parts();
        let kept = Pending {
            req: http::Request::from_parts(parts.clone(), ReplayBody::empty()),
            shared: self.shared,
            fresh: false,
        };
        (
            http::Request::from_parts(parts, body),
            Handoff { kept, lease },
        )
    }

    /// After a miss: the request gets back the recording, rewound for the next
    /// member (the member that missed keeps a detached view, if any).
    #[inline(always)]
    pub(crate) fn resume(&mut self, lease: Lease<B>) {
        let Some(slot) = lease.0 else {
            return;
        };
        // A member that read nothing (a probe's miss): the body goes on shared,
        // and the next member is lent the same recording.
        if self.req.body().is_untouched_share(&slot) {
            return;
        }
        let body = match lock(&slot).take() {
            None => ReplayBody::empty(),
            Some(mut state) => {
                state.rewind();
                ReplayBody::owned(Box::new(state))
            }
        };
        *self.req.body_mut() = body;
    }

    /// Judges the outcome of the member this request was lent to, in place. On
    /// `Own` and `Next` the caller drops the outcome before doing anything else: a
    /// caught body never holds a file, a socket or a task while the cascade goes on.
    /// On `Next` the request has its body back, ready for the next member.
    #[inline(always)]
    pub(crate) fn judge<R, E>(
        &mut self,
        lease: Lease<B>,
        outcome: &mut Result<http::Response<R>, E>,
    ) -> Judged {
        if let Some(slot) = &lease.0 {
            let failure = lock(slot).as_ref().and_then(ReplayState::failure);
            if let Some(failure) = failure {
                // The member's answer was built on a body it could not read whole.
                return Judged::Own(own_response(failure));
            }
        }
        if self.shared.policy.answers(outcome) {
            // No one will replay, so recording stops.
            if let Some(slot) = &lease.0 {
                if let Some(state) = lock(slot).as_mut() {
                    state.stop_recording();
                }
            }
            return Judged::Done;
        }
        self.resume(lease);
        Judged::Next
    }
}

impl<B> Handoff<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    /// Judges a plain member's outcome, as [`Pending::judge`] does; on a miss the
    /// kept head goes on with the recording.
    pub(crate) fn settle<R, E>(self, outcome: &mut Result<http::Response<R>, E>) -> Settled<B> {
        let Handoff { mut kept, lease } = self;
        match kept.judge(lease, outcome) {
            Judged::Done => Settled::Done,
            Judged::Own(res) => Settled::Own(res),
            Judged::Next => Settled::Next(kept),
        }
    }
}

fn own_response(failure: Failure) -> http::Response<Bytes> {
    let (status, text) = match failure {
        Failure::OverLimit(limit) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "413 Payload Too Large\n\nThe request body is larger than {limit} bytes, the most \
                 this server keeps so that it can offer the request to more than one handler.\n"
            ),
        ),
        // RFC 4918 §11.5: the server cannot store what it needs to complete the
        // request. A full or read-only spill directory is not the client's fault,
        // nor a bug: 507 says so, and the body names no path or OS error.
        Failure::Spill => (
            StatusCode::INSUFFICIENT_STORAGE,
            "507 Insufficient Storage\n\nThe server has no room to keep the request body \
             so that it can offer it to more than one handler. Try again later, or send a \
             smaller body.\n"
                .to_owned(),
        ),
    };
    let mut res = http::Response::new(Bytes::from(text));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}
