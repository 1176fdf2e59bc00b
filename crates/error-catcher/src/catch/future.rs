use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gateway_core::BoxError;
use http_body::Frame;
use pin_project_lite::pin_project;

use super::body::CatchBody;
use super::layer::Config;
use crate::panic_hook::catch;
use crate::report::{ErrorKind, Failure, RequestSummary};

/// What a request needs to report a failure: moved from the future to the body.
pub(crate) struct RequestContext {
    pub(crate) config: Arc<Config>,
    pub(crate) request: RequestSummary,
}

pin_project! {
    /// The response future of [`ErrorCatcher`](super::ErrorCatcher).
    ///
    /// It polls the inner future, then (by default) the body's first frame, each
    /// inside `catch_unwind`, so that everything that fails before the headers go
    /// out becomes a 500 page.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
        context: Option<RequestContext>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Calling { #[pin] future: F },
        AwaitingFirstFrame { parts: Option<http::response::Parts>, body: Option<B> },
        Failed { failure: Option<Failure> },
        Done,
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn called(future: F, request: RequestSummary, config: Arc<Config>) -> Self {
        ResponseFuture {
            state: State::Calling { future },
            context: Some(RequestContext { config, request }),
        }
    }

    pub(crate) fn failed(failure: Failure, request: RequestSummary, config: Arc<Config>) -> Self {
        ResponseFuture {
            state: State::Failed {
                failure: Some(failure),
            },
            context: Some(RequestContext { config, request }),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    E: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Output = Result<http::Response<CatchBody<B>>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Calling { future } => {
                    let failure = match catch(|| future.poll(cx)) {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(Ok(res))) => {
                            let (parts, body) = res.into_parts();
                            let wait = this
                                .context
                                .as_ref()
                                .is_some_and(|c| c.config.wait_for_first_frame);
                            if !wait || body.is_end_stream() {
                                let context = keep_if_streaming(&body, this.context.take());
                                let body = CatchBody::inner(body, None, context);
                                this.state.set(State::Done);
                                return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                            }
                            this.state.set(State::AwaitingFirstFrame {
                                parts: Some(parts),
                                body: Some(body),
                            });
                            continue;
                        }
                        Ok(Poll::Ready(Err(error))) => Failure::Error {
                            kind: ErrorKind::ServiceError,
                            error_type: std::any::type_name::<E>(),
                            error: error.into(),
                        },
                        Err(panic) => Failure::Panic(ErrorKind::PanicInFuture, panic),
                    };
                    this.state.set(State::Failed {
                        failure: Some(failure),
                    });
                }
                StateProj::AwaitingFirstFrame { parts, body } => {
                    let Some(inner) = body.as_mut() else {
                        unreachable_state();
                    };
                    let polled = catch(|| Pin::new(&mut *inner).poll_frame(cx));
                    let first: Option<Frame<Bytes>> = match polled {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(Some(Ok(frame)))) => {
                            if frame.data_ref().is_some_and(Bytes::is_empty) {
                                continue;
                            }
                            Some(frame)
                        }
                        Ok(Poll::Ready(None)) => None,
                        Ok(Poll::Ready(Some(Err(error)))) => {
                            let failure = Failure::Error {
                                kind: ErrorKind::BodyError,
                                error_type: std::any::type_name::<B::Error>(),
                                error: error.into(),
                            };
                            *body = None;
                            this.state.set(State::Failed {
                                failure: Some(failure),
                            });
                            continue;
                        }
                        Err(panic) => {
                            let failure = Failure::Panic(ErrorKind::PanicInBody, panic);
                            // Dropping a body that panicked may panic again.
                            let dropped = body.take();
                            let _ = catch(move || drop(dropped));
                            this.state.set(State::Failed {
                                failure: Some(failure),
                            });
                            continue;
                        }
                    };
                    let ended = first.is_none();
                    let (Some(parts), Some(inner)) = (parts.take(), body.take()) else {
                        unreachable_state();
                    };
                    let context = if ended {
                        None
                    } else {
                        keep_if_streaming(&inner, this.context.take())
                    };
                    let mut body = CatchBody::inner(inner, first, context);
                    if ended {
                        body.mark_ended();
                    }
                    this.state.set(State::Done);
                    return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                }
                StateProj::Failed { failure } => {
                    let (Some(failure), Some(context)) = (failure.take(), this.context.take())
                    else {
                        unreachable_state();
                    };
                    this.state.set(State::Done);
                    return Poll::Ready(Ok(super::error_response(failure, &context)));
                }
                StateProj::Done => unreachable_state(),
            }
        }
    }
}

/// The context a body needs to report a failure after the headers: none for a
/// body that has already ended (a fixed body, once its only frame is buffered), so
/// the common case allocates nothing.
fn keep_if_streaming<B: http_body::Body>(
    body: &B,
    context: Option<RequestContext>,
) -> Option<Box<RequestContext>> {
    if body.is_end_stream() {
        None
    } else {
        context.map(Box::new)
    }
}

#[cold]
fn unreachable_state() -> ! {
    panic!("error_catcher::ResponseFuture polled after it completed")
}
