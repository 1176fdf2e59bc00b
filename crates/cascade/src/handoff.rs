//! Passing one request from member to member: the request head kept for the next
//! member, and the recorded body.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use gw_core::Body;
use http::{header, HeaderValue, StatusCode};

use crate::catch::Policy;
use crate::replay::{lock, Failure, ReplayBody, ReplayState, Shared, Slot};

/// What a cascade carries with a request from one member to the next: its
/// policy, its replay limits and where the request's body stands.
///
/// It is opaque: [`Members`](crate::members::Members) implementations receive it,
/// with the request, and hand both on; nothing else can be done with it. The
/// request travels beside it, not in it, so that the request alone is moved from
/// member to member (a move of 256 bytes or less costs a few instructions less
/// than a larger one).
pub struct Carry {
    /// The cascade's policy and replay limits.
    shared: Arc<Shared>,
    /// Where the request's body stands.
    body: Recording,
}

/// Where the body of a request in a cascade stands.
enum Recording {
    /// The client sent no body: nothing to record, ever.
    None,
    /// The request holds the client's body itself: no member read from it.
    Fresh,
    /// The request holds a view of this recording: lent to the member trying
    /// now, or to one that declined without reading from it (the next member
    /// is then lent the same).
    Lent(Slot),
    /// After a member read from the body and missed: the recording, rewound.
    /// The request's body is empty until the next member gets its view.
    Rewound(Box<ReplayState>),
}

impl std::fmt::Debug for Carry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = match self.body {
            Recording::None => "none",
            Recording::Fresh => "fresh",
            Recording::Lent(_) => "lent",
            Recording::Rewound(_) => "rewound",
        };
        f.debug_struct("Carry").field("body", &body).finish()
    }
}

/// The cascade's handle on the recording of a body lent to a member that may
/// miss (`None`: the client sent no body).
pub(crate) struct Lease(Option<Slot>);

impl Lease {
    /// Nothing lent.
    pub(crate) fn none() -> Self {
        Lease(None)
    }

    /// The recording lent, if any.
    #[cfg(test)]
    pub(crate) fn slot(&self) -> Option<&Slot> {
        self.0.as_ref()
    }
}

/// A request kept by the cascade while a member works on it, with what it carries.
pub(crate) struct Pending {
    pub(crate) req: http::Request<Body>,
    pub(crate) carry: Carry,
}

/// What the cascade keeps while a plain member (given the request by value) is
/// working: a copy of the head, to go on with if it misses, and the lease.
pub(crate) struct Handoff {
    head: http::request::Parts,
    carry: Carry,
    lease: Lease,
}

/// How a lent member's outcome settles the cascade (see [`Carry::judge`]).
pub(crate) enum Judged {
    /// Send the member's outcome (response or error) as it is.
    Done,
    /// Drop the outcome; the cascade answers by itself (413 and friends).
    Own(http::Response<Bytes>),
    /// Drop the outcome at once, then try the next member with the request.
    Next,
}

/// The verdict on a member's outcome, before anything is built for it.
enum Verdict {
    Done,
    Failed(Failure),
    Next,
}

/// How a member's outcome settles the cascade. The outcome itself stays with the
/// caller, judged in place: on the answer path a response is never moved for it.
pub(crate) enum Settled {
    /// Send the member's outcome (response or error) as it is.
    Done,
    /// Drop the outcome; the cascade answers by itself (413 and friends).
    Own(http::Response<Bytes>),
    /// Drop the outcome at once, then try the next member with this.
    Next(Pending),
}

impl Carry {
    /// What a cascade under `shared` carries with a request whose body has
    /// `ended` already (the client sent none) or not. A request without a body
    /// records nothing, now or later.
    #[inline(always)]
    pub(crate) fn new(ended: bool, shared: &Arc<Shared>) -> Self {
        let body = if ended {
            Recording::None
        } else {
            Recording::Fresh
        };
        Carry {
            shared: shared.clone(),
            body,
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        self.shared.policy
    }

    /// Readies `req` for the last member, and returns the cascade's shared
    /// settings for its future. Its body records nothing: a body no member read
    /// from is the client's own, else a replay of what was read, which then
    /// reads on.
    #[inline(always)]
    pub(crate) fn into_last(self, req: &mut http::Request<Body>) -> Arc<Shared> {
        let state = match self.body {
            Recording::None | Recording::Fresh => None,
            // Taken from the slot: the view in the request is detached.
            Recording::Lent(slot) => match lock(&slot).take() {
                // The usual case (probes that declined): the client's own body,
                // taken without boxing the state first.
                Some(mut state) => match state.take_untouched() {
                    Some(live) => {
                        *req.body_mut() = live;
                        None
                    }
                    None => Some(Box::new(state)),
                },
                None => None,
            },
            Recording::Rewound(state) => Some(state),
        };
        if let Some(state) = state {
            *req.body_mut() = state.into_last_body();
        }
        self.shared
    }

    /// Lends `req`, in place, to a member that may miss: its body (if any)
    /// records as the member reads it.
    #[inline(always)]
    pub(crate) fn lend(&mut self, req: &mut http::Request<Body>) -> Lease {
        let state = match std::mem::replace(&mut self.body, Recording::None) {
            // The usual GET has no body: nothing to share.
            Recording::None => return Lease(None),
            Recording::Fresh => {
                let live = std::mem::take(req.body_mut());
                ReplayState::new(live, self.shared.clone())
            }
            Recording::Lent(slot) => {
                self.body = Recording::Lent(slot.clone());
                return Lease(Some(slot));
            }
            Recording::Rewound(state) => *state,
        };
        // Built where it will live, in the slot.
        let slot: Slot = Arc::new(Mutex::new(Some(state)));
        *req.body_mut() = Body::boxed(ReplayBody::shared(slot.clone()));
        self.body = Recording::Lent(slot.clone());
        Lease(Some(slot))
    }

    /// The request for a plain member that may miss, and what the cascade keeps to
    /// carry on if it does: a copy of the head and a handle on the recording.
    pub(crate) fn split(mut self, mut req: http::Request<Body>) -> (http::Request<Body>, Handoff) {
        let lease = self.lend(&mut req);
        let (parts, body) = req.into_parts();
        // Set again by `resume` from the lease, if the member misses.
        self.body = Recording::None;
        let handoff = Handoff {
            head: parts.clone(),
            carry: self,
            lease,
        };
        (http::Request::from_parts(parts, body), handoff)
    }

    /// After a miss: `req` gets its body back for the next member. A view the
    /// member kept is detached.
    #[inline(always)]
    pub(crate) fn resume(&mut self, req: &mut http::Request<Body>, lease: Lease) {
        let Some(slot) = lease.0 else {
            return;
        };
        let mut recording = lock(&slot);
        // A member that read nothing and left the body where it was lent (a
        // probe's miss): the body goes on as it is, and the next member is lent
        // the same recording.
        let in_place = req
            .body()
            .downcast_ref::<ReplayBody>()
            .is_some_and(|body| body.is_view_of(&slot));
        if in_place && recording.as_ref().is_some_and(ReplayState::untouched) {
            drop(recording);
            self.body = Recording::Lent(slot);
            return;
        }
        let state = recording.take();
        drop(recording);
        *req.body_mut() = Body::empty();
        self.body = match state {
            None => Recording::None,
            Some(mut state) => match state.take_untouched() {
                // No one read from it: the client's body goes back as it came.
                Some(live) => {
                    *req.body_mut() = live;
                    Recording::Fresh
                }
                None => {
                    state.rewind();
                    Recording::Rewound(Box::new(state))
                }
            },
        };
    }

    /// Judges the outcome of the member `req` was lent to, in place. On `Own`
    /// and `Next` the caller drops the outcome before doing anything else: a
    /// caught body never holds a file, a socket or a task while the cascade goes
    /// on. On `Next` the request has its body back, ready for the next member.
    #[inline(always)]
    pub(crate) fn judge<R, E>(
        &mut self,
        req: &mut http::Request<Body>,
        lease: Lease,
        outcome: &mut Result<http::Response<R>, E>,
    ) -> Judged {
        // Each answer is built where it is returned: a response is never moved
        // for it.
        match self.verdict(&lease, outcome) {
            Verdict::Done => Judged::Done,
            Verdict::Failed(failure) => Judged::Own(own_response(failure)),
            Verdict::Next => {
                self.resume(req, lease);
                Judged::Next
            }
        }
    }

    /// True if a response with `status`, from the member lent `lease`, is the
    /// answer as it is: no body was lent (so no recording can have failed) and
    /// the status is not caught (so there is no control header to take). What
    /// [`judge`](Carry::judge) would say, known without touching the response.
    #[inline(always)]
    pub(crate) fn answers_unjudged(&self, lease: &Lease, status: StatusCode) -> bool {
        lease.0.is_none() && !self.shared.policy.catch.contains(status)
    }

    /// The verdict on a member's outcome, for [`judge`](Carry::judge) and
    /// [`Handoff::settle`]; the request is not touched.
    #[inline(always)]
    fn verdict<R, E>(&self, lease: &Lease, outcome: &mut Result<http::Response<R>, E>) -> Verdict {
        if let Some(slot) = &lease.0 {
            let failure = lock(slot).as_ref().and_then(ReplayState::failure);
            if let Some(failure) = failure {
                // The member's answer was built on a body it could not read whole.
                return Verdict::Failed(failure);
            }
        }
        if self.shared.policy.answers(outcome) {
            // No one will replay, so recording stops.
            if let Some(slot) = &lease.0 {
                if let Some(state) = lock(slot).as_mut() {
                    state.stop_recording();
                }
            }
            return Verdict::Done;
        }
        Verdict::Next
    }
}

impl Pending {
    /// [`Carry::judge`] for a kept request.
    pub(crate) fn judge<R, E>(
        &mut self,
        lease: Lease,
        outcome: &mut Result<http::Response<R>, E>,
    ) -> Judged {
        self.carry.judge(&mut self.req, lease, outcome)
    }
}

impl Handoff {
    /// Judges a plain member's outcome, as [`Carry::judge`] does; on a miss the
    /// kept head goes on with the recording.
    pub(crate) fn settle<R, E>(self, outcome: &mut Result<http::Response<R>, E>) -> Settled {
        let Handoff {
            head,
            mut carry,
            lease,
        } = self;
        match carry.verdict(&lease, outcome) {
            Verdict::Done => Settled::Done,
            Verdict::Failed(failure) => Settled::Own(own_response(failure)),
            Verdict::Next => {
                let mut req = http::Request::from_parts(head, Body::empty());
                carry.resume(&mut req, lease);
                Settled::Next(Pending { req, carry })
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CatchSet, CASCADE_HEADER, STOP};

    /// `answers_unjudged` is a shortcut for `judge`: wherever it says "as it is",
    /// judging would have said the same and left the response untouched.
    #[test]
    fn an_unjudged_answer_is_what_judging_would_send() {
        let sets = [
            CatchSet::NOT_FOUND,
            CatchSet::RACK,
            CatchSet::NONE,
            CatchSet::new([404, 500, 503]).unwrap(),
        ];
        for catch in sets {
            let shared = Arc::new(Shared {
                policy: Policy {
                    catch,
                    errors_as_misses: false,
                },
                ..Shared::default()
            });
            let mut unjudged = 0;
            for code in 100..=599 {
                let status = StatusCode::from_u16(code).unwrap();
                let mut carry = Carry::new(true, &shared);
                let mut req = http::Request::new(Body::empty());
                let lease = carry.lend(&mut req);
                if !carry.answers_unjudged(&lease, status) {
                    assert!(catch.contains(status), "{code} is not caught by {catch}");
                    continue;
                }
                unjudged += 1;
                let mut res = http::Response::new(());
                *res.status_mut() = status;
                res.headers_mut().insert(CASCADE_HEADER, STOP);
                let before = res.headers().clone();
                let mut outcome: Result<_, ()> = Ok(res);
                assert!(matches!(
                    carry.judge(&mut req, lease, &mut outcome),
                    Judged::Done
                ));
                assert_eq!(outcome.unwrap().headers(), &before, "{code} under {catch}");
            }
            assert_eq!(unjudged, 500 - catch.iter().count(), "under {catch}");
        }
    }

    /// A request with a body is lent a recording, and its answer is always judged
    /// (a recording may have failed).
    #[test]
    fn an_answer_to_a_request_with_a_body_is_judged() {
        let shared = Arc::new(Shared::default());
        let mut carry = Carry::new(false, &shared);
        let mut req = http::Request::new(Body::from("a body"));
        let lease = carry.lend(&mut req);
        assert!(!carry.answers_unjudged(&lease, StatusCode::OK));
    }
}
