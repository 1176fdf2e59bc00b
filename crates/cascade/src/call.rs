//! Calling one member: ready it, call it, and poll its future.
//!
//! This is tower's `Oneshot` with one difference that matters on the hot path: a
//! member that is ready at once (the usual case) is called at once, so the
//! response future holds only the member's own future, not the member and the
//! request waiting for it. A member that is not ready yet is parked in a box (the
//! cold path) and readied inside the response future, with the task's waker, as
//! `Oneshot` would do.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use pin_project_lite::pin_project;
use tower_service::Service;

pin_project! {
    /// One member's call in progress.
    #[project = MemberCallProj]
    pub(crate) enum MemberCall<S, Req>
    where
        S: Service<Req>,
    {
        Called { #[pin] future: S::Future },
        Waiting { parked: Option<Box<(S, Req)>> },
        NotReady { error: Option<S::Error> },
    }
}

impl<S: Service<Req>, Req> MemberCall<S, Req> {
    /// Readies `member` and calls it if it is ready now; otherwise parks it.
    ///
    /// The readiness probe uses a no-op waker: a member that answers `Pending` is
    /// polled again, with the real waker, the first time this future is polled.
    #[inline]
    pub(crate) fn start(mut member: S, req: Req) -> Self {
        let mut cx = Context::from_waker(Waker::noop());
        match member.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => MemberCall::Called {
                future: member.call(req),
            },
            Poll::Ready(Err(error)) => MemberCall::NotReady { error: Some(error) },
            Poll::Pending => MemberCall::Waiting {
                parked: Some(Box::new((member, req))),
            },
        }
    }
}

impl<S: Service<Req> + Clone, Req> MemberCall<S, Req> {
    /// Like [`start`](MemberCall::start) on the cascade's own instance of the
    /// member: a member that is ready at once is called in place, not cloned; only
    /// one that is not ready yet is cloned, and the clone is parked.
    #[inline]
    pub(crate) fn start_ref(member: &mut S, req: Req) -> Self {
        let mut cx = Context::from_waker(Waker::noop());
        match member.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => MemberCall::Called {
                future: member.call(req),
            },
            Poll::Ready(Err(error)) => MemberCall::NotReady { error: Some(error) },
            Poll::Pending => MemberCall::Waiting {
                parked: Some(Box::new((member.clone(), req))),
            },
        }
    }
}

impl<S: Service<Req>, Req> Future for MemberCall<S, Req> {
    type Output = Result<S::Response, S::Error>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let future = match self.as_mut().project() {
                MemberCallProj::Called { future } => return future.poll(cx),
                MemberCallProj::NotReady { error } => {
                    let error = error.take().expect("MemberCall polled after completion");
                    return Poll::Ready(Err(error));
                }
                MemberCallProj::Waiting { parked } => {
                    let (member, _) =
                        &mut **parked.as_mut().expect("MemberCall polled after completion");
                    if let Err(error) = ready!(member.poll_ready(cx)) {
                        parked.take();
                        return Poll::Ready(Err(error));
                    }
                    let (mut member, req) = *parked.take().expect("checked above");
                    member.call(req)
                }
            };
            self.set(MemberCall::Called { future });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::future::{ready, Ready};

    /// Answers `Pending` to its first `n` readiness probes, waking at once.
    #[derive(Clone)]
    struct SlowToReady {
        pending: usize,
        called: bool,
    }

    impl Service<u8> for SlowToReady {
        type Response = u8;
        type Error = Infallible;
        type Future = Ready<Result<u8, Infallible>>;
        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            if self.pending > 0 {
                self.pending -= 1;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, req: u8) -> Self::Future {
            assert!(!self.called, "called twice");
            self.called = true;
            ready(Ok(req + 1))
        }
    }

    /// Fails its readiness check.
    struct Broken;

    impl Service<u8> for Broken {
        type Response = u8;
        type Error = &'static str;
        type Future = Ready<Result<u8, &'static str>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), &'static str>> {
            Poll::Ready(Err("broken"))
        }
        fn call(&mut self, _: u8) -> Self::Future {
            unreachable!("never called when not ready")
        }
    }

    #[tokio::test]
    async fn a_ready_member_is_called_at_once() {
        let call = MemberCall::start(
            SlowToReady {
                pending: 0,
                called: false,
            },
            1,
        );
        assert!(matches!(call, MemberCall::Called { .. }));
        assert_eq!(call.await, Ok(2));
    }

    #[tokio::test]
    async fn a_member_not_ready_yet_is_parked_then_readied_in_the_future() {
        let call = MemberCall::start(
            SlowToReady {
                pending: 3,
                called: false,
            },
            1,
        );
        assert!(matches!(call, MemberCall::Waiting { .. }));
        assert_eq!(call.await, Ok(2));
    }

    #[tokio::test]
    async fn a_readiness_error_is_the_outcome() {
        assert_eq!(MemberCall::start(Broken, 1).await, Err("broken"));
    }
}
