use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError};
use pin_project_lite::pin_project;

use super::body::{Buffered, CatchBody};
use super::context::RequestContext;
use crate::documents::future::{finish_page, PageFuture};
use crate::panic_hook::catch;
use crate::report::{ErrorKind, Failure};

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
        // Boxed: only a body whose first frame is not at hand gets here, and the
        // future stays small for the usual one that never does.
        AwaitingFirstFrame { waiting: Option<Box<(http::response::Parts, B)>> },
        Failed { failure: Option<Box<Failure>> },
        // The error document replacing the response's body.
        Page { parts: Option<Box<http::response::Parts>>, page: PageFuture, head: bool },
        Done,
    }
}

impl<F, B> ResponseFuture<F, B> {
    /// A future for the request `context` describes, before the inner service
    /// is called: [`calling`](Self::calling) or [`fail`](Self::fail) comes next.
    pub(crate) fn new(context: RequestContext) -> Self {
        ResponseFuture {
            state: State::Done,
            context: Some(context),
        }
    }

    /// Takes the inner service's future where it will stay: the catcher calls
    /// the inner service inside `catch_unwind` with this as the closure's
    /// work, so that the future is not copied out through the unwinding
    /// machinery's result (about 90 instructions per request through
    /// helloworld, measured with callgrind).
    pub(crate) fn calling(&mut self, future: F) {
        self.state = State::Calling { future };
    }

    pub(crate) fn fail(&mut self, failure: Failure) {
        self.state = State::Failed {
            failure: Some(Box::new(failure)),
        };
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    E: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Calling { future } => {
                    let failure = match catch(|| future.poll(cx)) {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(Ok(res))) => {
                            let (mut parts, mut body) = res.into_parts();
                            let document = match this.context.as_ref() {
                                Some(context) => context.page_for(&mut parts),
                                None => None,
                            };
                            if let Some((page, head)) = document {
                                drop_body(body);
                                this.state.set(State::Page {
                                    parts: Some(Box::new(parts)),
                                    page,
                                    head,
                                });
                                continue;
                            }
                            if let Some(body) = fixed(&mut body) {
                                this.state.set(State::Done);
                                return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                            }
                            let wait = this
                                .context
                                .as_ref()
                                .is_some_and(|c| c.config.wait_for_first_frame);
                            if !wait || body.is_end_stream() {
                                let body = unread(body, this.context);
                                this.state.set(State::Done);
                                return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                            }
                            // The usual body has its first frame at hand: take it now,
                            // without parking the response in the state machine.
                            match poll_first_frame(&mut body, cx) {
                                Poll::Ready(Ok(first)) => {
                                    this.state.set(State::Done);
                                    let body = with_first_frame(body, first, this.context);
                                    return Poll::Ready(Ok(http::Response::from_parts(
                                        parts, body,
                                    )));
                                }
                                Poll::Ready(Err(failure)) => {
                                    drop_body(body);
                                    failure
                                }
                                Poll::Pending => {
                                    this.state.set(State::AwaitingFirstFrame {
                                        waiting: Some(Box::new((parts, body))),
                                    });
                                    return Poll::Pending;
                                }
                            }
                        }
                        Ok(Poll::Ready(Err(error))) => Failure::Error {
                            kind: ErrorKind::ServiceError,
                            error_type: std::any::type_name::<E>(),
                            error: error.into(),
                        },
                        Err(panic) => Failure::Panic(ErrorKind::PanicInFuture, panic),
                    };
                    this.state.set(State::Failed {
                        failure: Some(Box::new(failure)),
                    });
                }
                StateProj::AwaitingFirstFrame { waiting } => {
                    let Some((_, inner)) = waiting.as_deref_mut() else {
                        unreachable_state();
                    };
                    match poll_first_frame(inner, cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(first)) => {
                            let Some(waiting) = waiting.take() else {
                                unreachable_state();
                            };
                            let (parts, inner) = *waiting;
                            this.state.set(State::Done);
                            let body = with_first_frame(inner, first, this.context);
                            return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                        }
                        Poll::Ready(Err(failure)) => {
                            if let Some(waiting) = waiting.take() {
                                drop_body(waiting.1);
                            }
                            this.state.set(State::Failed {
                                failure: Some(Box::new(failure)),
                            });
                        }
                    }
                }
                StateProj::Failed { failure } => {
                    let (Some(failure), Some(context)) = (failure.take(), this.context.take())
                    else {
                        unreachable_state();
                    };
                    let (mut parts, body) = super::error_response(*failure, &context).into_parts();
                    if let Some((page, head)) = context.page_for(&mut parts) {
                        this.state.set(State::Page {
                            parts: Some(Box::new(parts)),
                            page,
                            head,
                        });
                        continue;
                    }
                    this.state.set(State::Done);
                    return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                }
                StateProj::Page { parts, page, head } => {
                    let rendered = std::task::ready!(page.as_mut().poll(cx));
                    let Some(mut parts) = parts.take() else {
                        unreachable_state();
                    };
                    let page = finish_page(&mut parts, rendered, *head);
                    this.state.set(State::Done);
                    return Poll::Ready(Ok(http::Response::from_parts(*parts, Body::from(page))));
                }
                StateProj::Done => unreachable_state(),
            }
        }
    }
}

/// Polls a body for its first non-empty frame, catching a panic or an error frame.
/// `Buffered::Nothing`: the body ended without data.
#[inline]
fn poll_first_frame<B>(body: &mut B, cx: &mut Context<'_>) -> Poll<Result<Buffered, Failure>>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    loop {
        return match catch(|| Pin::new(&mut *body).poll_frame(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Some(Ok(frame)))) => match frame.into_data() {
                Ok(data) if data.is_empty() => continue,
                Ok(data) => Poll::Ready(Ok(Buffered::Data(data))),
                Err(frame) => match frame.into_trailers() {
                    Ok(trailers) => Poll::Ready(Ok(Buffered::Trailers(Box::new(trailers)))),
                    // A kind of frame this crate does not know: not passed on.
                    Err(_) => continue,
                },
            },
            Ok(Poll::Ready(None)) => Poll::Ready(Ok(Buffered::Nothing)),
            Ok(Poll::Ready(Some(Err(error)))) => Poll::Ready(Err(Failure::Error {
                kind: ErrorKind::BodyError,
                error_type: std::any::type_name::<B::Error>(),
                error: error.into(),
            })),
            Err(panic) => Poll::Ready(Err(Failure::Panic(ErrorKind::PanicInBody, panic))),
        };
    }
}

/// The body, taken out as it is, if it is a fixed [`Body`]: bytes in memory
/// cannot wait, fail or panic when polled, so there is nothing to watch and no
/// first frame to wait for.
#[inline]
fn fixed<B: 'static>(body: &mut B) -> Option<Body> {
    let ours = <dyn Any>::downcast_mut::<Body>(body)?;
    ours.as_bytes()?;
    Some(std::mem::take(ours))
}

/// Drops a body that failed; dropping a body that panicked may panic again.
fn drop_body<B>(body: B) {
    let _ = catch(move || drop(body));
}

/// The response body once its first frame is known. A body with nothing after
/// that frame is never polled again: its bytes (the usual fixed body) go out as
/// a fixed [`Body`], with no box and no context kept.
#[inline]
fn with_first_frame<B>(inner: B, first: Buffered, context: &mut Option<RequestContext>) -> Body
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let ended = first.is_none() || inner.is_end_stream();
    if !ended {
        return Body::new(CatchBody::new(inner, first, context.take().map(Box::new)));
    }
    match first {
        Buffered::Data(data) => {
            drop_body(inner);
            Body::from(data)
        }
        Buffered::Nothing => {
            drop_body(inner);
            Body::empty()
        }
        trailers @ Buffered::Trailers(_) => {
            let mut body = CatchBody::new(inner, trailers, None);
            body.mark_ended();
            Body::new(body)
        }
    }
}

/// The response body when the first frame is not waited for: a body that has
/// already ended is empty; any other keeps the context, to report a failure
/// after the headers.
fn unread<B>(body: B, context: &mut Option<RequestContext>) -> Body
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    if body.is_end_stream() {
        drop_body(body);
        Body::empty()
    } else {
        Body::new(CatchBody::new(
            body,
            Buffered::Nothing,
            context.take().map(Box::new),
        ))
    }
}

#[cold]
fn unreachable_state() -> ! {
    panic!("gw_error_catcher::ResponseFuture polled after it completed")
}
