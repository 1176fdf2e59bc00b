//! [`ReadyCall`]: tower's `Oneshot`, without the request's stay in the future.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use pin_project_lite::pin_project;
use tower_service::Service;

pin_project! {
    /// One call of a service: readied, called, and its future polled.
    ///
    /// This is tower's `Oneshot` with one difference that matters on a hot path:
    /// a service that is ready at once (the usual case) is called at once, when
    /// the `ReadyCall` is made, so the future holds only the service's own
    /// future, not the service and the request waiting for their first poll. A
    /// service that is not ready yet is parked in a box (the cold path) and
    /// readied inside the future, with the task's waker, as `Oneshot` does.
    ///
    /// The readiness check at creation uses a no-op waker: a service that
    /// answers `Pending` there is polled again, with the real waker, the first
    /// time the future is polled. The server and the cascade call their services
    /// with it; [`BoxApp`] does the same inside its one box. A readiness error
    /// is kept in the future until it is polled, so it must be `Send` for the
    /// future to be.
    ///
    /// [`BoxApp`]: crate::BoxApp
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use gw_core::{app_fn, ReadyCall};
    ///
    /// let app = app_fn(|req: http::Request<()>| async move { req.uri().path().to_owned() });
    /// let res = ReadyCall::new(app, http::Request::get("/here").body(()).unwrap()).await.unwrap();
    /// assert_eq!(res.status(), 200);
    /// # }
    /// ```
    pub struct ReadyCall<S, Req>
    where
        S: Service<Req>,
    {
        #[pin]
        state: State<S, Req>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, Req>
    where
        S: Service<Req>,
    {
        Called { #[pin] future: S::Future },
        Waiting { parked: Option<Box<(S, Req)>> },
        NotReady { error: Option<S::Error> },
    }
}

impl<S: Service<Req>, Req> std::fmt::Debug for ReadyCall<S, Req> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Called { .. } => "Called",
            State::Waiting { .. } => "Waiting",
            State::NotReady { .. } => "NotReady",
        };
        f.debug_tuple("ReadyCall").field(&state).finish()
    }
}

impl<S: Service<Req>, Req> ReadyCall<S, Req> {
    /// Readies `service` and calls it with `req` if it is ready now; otherwise
    /// parks both, to be readied when the future is first polled.
    #[inline]
    pub fn new(mut service: S, req: Req) -> Self {
        let mut cx = Context::from_waker(Waker::noop());
        let state = match service.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => State::Called {
                future: service.call(req),
            },
            Poll::Ready(Err(error)) => State::NotReady { error: Some(error) },
            Poll::Pending => State::Waiting {
                parked: Some(Box::new((service, req))),
            },
        };
        ReadyCall { state }
    }

    /// True once the service has been called (it was ready at once).
    pub fn is_called(&self) -> bool {
        matches!(self.state, State::Called { .. })
    }
}

impl<S: Service<Req> + Clone, Req> ReadyCall<S, Req> {
    /// Like [`new`](ReadyCall::new) on a service the caller keeps: one that is
    /// ready at once is called in place, not cloned; only one that is not ready
    /// yet is cloned, and the clone is parked.
    #[inline]
    pub fn new_ref(service: &mut S, req: Req) -> Self {
        let mut cx = Context::from_waker(Waker::noop());
        let state = match service.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => State::Called {
                future: service.call(req),
            },
            Poll::Ready(Err(error)) => State::NotReady { error: Some(error) },
            Poll::Pending => State::Waiting {
                parked: Some(Box::new((service.clone(), req))),
            },
        };
        ReadyCall { state }
    }
}

impl<S: Service<Req>, Req> Future for ReadyCall<S, Req> {
    type Output = Result<S::Response, S::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let future = match state.as_mut().project() {
                StateProj::Called { future } => return future.poll(cx),
                StateProj::NotReady { error } => {
                    let error = error.take().expect("ReadyCall polled after completion");
                    return Poll::Ready(Err(error));
                }
                StateProj::Waiting { parked } => {
                    let (service, _) =
                        &mut **parked.as_mut().expect("ReadyCall polled after completion");
                    if let Err(error) = ready!(service.poll_ready(cx)) {
                        parked.take();
                        return Poll::Ready(Err(error));
                    }
                    let (mut service, req) = *parked.take().expect("checked above");
                    service.call(req)
                }
            };
            state.set(State::Called { future });
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

    fn slow(pending: usize) -> SlowToReady {
        SlowToReady {
            pending,
            called: false,
        }
    }

    #[tokio::test]
    async fn a_ready_service_is_called_at_once() {
        let call = ReadyCall::new(slow(0), 1);
        assert!(call.is_called());
        assert_eq!(call.await, Ok(2));
    }

    #[tokio::test]
    async fn a_service_not_ready_yet_is_parked_then_readied_in_the_future() {
        let call = ReadyCall::new(slow(3), 1);
        assert!(!call.is_called());
        assert_eq!(call.await, Ok(2));
    }

    #[tokio::test]
    async fn by_reference_a_ready_service_is_called_in_place_and_a_slow_one_cloned() {
        let mut ready_now = slow(0);
        assert_eq!(ReadyCall::new_ref(&mut ready_now, 1).await, Ok(2));
        assert!(ready_now.called, "the caller's own instance was called");

        let mut later = slow(2);
        assert_eq!(ReadyCall::new_ref(&mut later, 1).await, Ok(2));
        assert!(!later.called, "a clone was readied and called");
    }

    #[tokio::test]
    async fn a_readiness_error_is_the_outcome() {
        assert_eq!(ReadyCall::new(Broken, 1).await, Err("broken"));
    }
}
