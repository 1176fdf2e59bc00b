//! Passing one request from member to member: the request head kept for the next
//! member, and the recorded body.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use gw_core::BoxError;
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};

use crate::catch::Policy;
use crate::replay::{lock, Failure, ReplayBody, ReplayConfig, ReplayState};

/// A request on its way through a cascade, before the next member gets it.
///
/// It is opaque: [`Members`](crate::members::Members) implementations receive it and
/// hand it on; nothing else can be done with it.
pub struct Pending<B> {
    parts: Parts,
    source: Source<B>,
    policy: Policy,
}

impl<B> std::fmt::Debug for Pending<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("method", &self.parts.method)
            .field("uri", &self.parts.uri)
            .finish_non_exhaustive()
    }
}

enum Source<B> {
    /// The client sent no body.
    Empty,
    /// No member has seen the body yet.
    Fresh { body: B, config: Arc<ReplayConfig> },
    /// An earlier member missed; this is what it left.
    Resumed(Box<ReplayState<B>>),
}

/// What the cascade keeps while a member that may miss is working.
pub(crate) struct Handoff<B> {
    parts: Parts,
    slot: Option<crate::replay::Slot<B>>,
    pub(crate) policy: Policy,
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
    pub(crate) fn new(req: http::Request<B>, config: &Arc<ReplayConfig>, policy: Policy) -> Self {
        let (parts, body) = req.into_parts();
        // A request without a body costs nothing: no recording, no shared state.
        let source = if body.is_end_stream() {
            Source::Empty
        } else {
            Source::Fresh {
                body,
                config: config.clone(),
            }
        };
        Pending {
            parts,
            source,
            policy,
        }
    }

    /// A request without a body that a boxed member probed (as a `Request<Body>`)
    /// and declined: the next member gets its head and an empty body.
    #[inline(always)]
    pub(crate) fn bare<X>(req: http::Request<X>, policy: Policy) -> Self {
        let (parts, _empty) = req.into_parts();
        Pending {
            parts,
            source: Source::Empty,
            policy,
        }
    }

    #[inline(always)]
    /// True if the client sent a body.
    pub(crate) fn has_body(&self) -> bool {
        !matches!(self.source, Source::Empty)
    }

    /// The request of a client that sent no body (see [`has_body`]) as a
    /// `Request<Body>` with an empty body, for a boxed member's probe.
    ///
    /// [`has_body`]: Pending::has_body
    pub(crate) fn into_bare(self) -> http::Request<gw_core::Body> {
        debug_assert!(!self.has_body(), "only for a request without a body");
        http::Request::from_parts(self.parts, gw_core::Body::empty())
    }

    pub(crate) fn policy(&self) -> Policy {
        self.policy
    }

    /// The request for the last member: the kept head, and a body that replays what
    /// was read before and then reads on without recording.
    pub(crate) fn into_last(self) -> http::Request<ReplayBody<B>> {
        let body = match self.source {
            Source::Empty => ReplayBody::empty(),
            Source::Fresh { body, .. } => ReplayBody::direct(body),
            Source::Resumed(mut state) => {
                state.stop_recording();
                ReplayBody::owned(state)
            }
        };
        http::Request::from_parts(self.parts, body)
    }

    /// The request for a member that may miss, and what the cascade keeps to carry on
    /// if it does: a copy of the head and a handle on the recording.
    pub(crate) fn split(self) -> (http::Request<ReplayBody<B>>, Handoff<B>) {
        let kept = self.parts.clone();
        let (body, slot) = share(self.source);
        let handoff = Handoff {
            parts: kept,
            slot,
            policy: self.policy,
        };
        (http::Request::from_parts(self.parts, body), handoff)
    }

    /// The request for a member that is probed: lent, not given, so no copy of the
    /// head is made. The body records as it would for any member that may miss.
    #[inline(always)]
    pub(crate) fn lend(self) -> Lent<B> {
        let (body, slot) = share(self.source);
        Lent {
            req: http::Request::from_parts(self.parts, body),
            slot,
            policy: self.policy,
        }
    }
}

/// The body a member that may miss reads, and the cascade's handle on its recording.
#[inline(always)]
fn share<B>(source: Source<B>) -> (ReplayBody<B>, Option<crate::replay::Slot<B>>)
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    match source {
        Source::Empty => (ReplayBody::empty(), None),
        Source::Fresh { body, config } => {
            let slot = Arc::new(Mutex::new(Some(ReplayState::new(body, config))));
            (ReplayBody::shared(slot.clone()), Some(slot))
        }
        Source::Resumed(state) => {
            let slot = Arc::new(Mutex::new(Some(*state)));
            (ReplayBody::shared(slot.clone()), Some(slot))
        }
    }
}

/// A request lent to a probed member (see [`gw_core::Probe`]): the cascade
/// keeps it, so it needs no copy of the head to go on after a miss.
pub(crate) struct Lent<B> {
    pub(crate) req: http::Request<ReplayBody<B>>,
    slot: Option<crate::replay::Slot<B>>,
    policy: Policy,
}

impl<B> Lent<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    /// What the cascade needs to judge the member's outcome. The member's view of
    /// the body (if it left it in the request) is dropped: the recording lives on
    /// in the slot.
    #[inline(always)]
    pub(crate) fn into_handoff(self) -> Handoff<B> {
        let (parts, _body) = self.req.into_parts();
        Handoff {
            parts,
            slot: self.slot,
            policy: self.policy,
        }
    }

    /// The member declined without answering: on to the next one.
    #[inline(always)]
    pub(crate) fn into_next(self) -> Pending<B> {
        self.into_handoff().next()
    }

    /// Judges a probed member's outcome, as [`Handoff::settle`] does. A request
    /// without a body (nothing recorded, nothing to fail) is judged in place: the
    /// answer path never moves the head.
    #[inline(always)]
    pub(crate) fn settle<R, E>(self, outcome: &mut Result<http::Response<R>, E>) -> Settled<B> {
        if self.slot.is_some() {
            return self.into_handoff().settle(outcome);
        }
        let answered = self.policy.answers(outcome);
        if answered {
            Settled::Done
        } else {
            Settled::Next(self.into_next())
        }
    }
}

impl<B> Handoff<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    /// Judges a member's outcome, in place. On `Own` and `Next` the caller drops the
    /// outcome before doing anything else: a caught body never holds a file, a
    /// socket or a task while the cascade goes on.
    pub(crate) fn settle<R, E>(self, outcome: &mut Result<http::Response<R>, E>) -> Settled<B> {
        let failure = self
            .slot
            .as_ref()
            .and_then(|slot| lock(slot).as_ref().and_then(ReplayState::failure));
        if let Some(failure) = failure {
            // The member's answer was built on a body it could not read whole.
            return Settled::Own(own_response(failure));
        }
        let answered = self.policy.answers(outcome);
        if answered {
            self.answered();
            return Settled::Done;
        }
        Settled::Next(self.next())
    }

    /// The member answered: no one will replay, so recording stops.
    fn answered(self) {
        if let Some(slot) = &self.slot {
            if let Some(state) = lock(slot).as_mut() {
                state.stop_recording();
            }
        }
    }

    /// Takes the recording from the member that missed (its body is detached) and
    /// rewinds it for the next one.
    fn next(self) -> Pending<B> {
        let source = match self.slot.and_then(|slot| lock(&slot).take()) {
            None => Source::Empty,
            Some(mut state) => {
                state.rewind();
                Source::Resumed(Box::new(state))
            }
        };
        Pending {
            parts: self.parts,
            source,
            policy: self.policy,
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
