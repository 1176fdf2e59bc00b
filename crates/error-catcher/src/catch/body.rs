use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::BoxError;
use http_body::{Frame, SizeHint};
use pin_project_lite::pin_project;

use super::context::RequestContext;
use crate::panic_hook::catch;
use crate::report::{dispatch, ErrorId, ErrorKind, Failure};

pin_project! {
    /// The response body of [`ErrorCatcher`](super::ErrorCatcher): the inner body
    /// passed through, or an error page.
    ///
    /// A failure once the headers are out (an error frame, or a panic in
    /// `poll_frame`) is reported, then the body ends with an [`AbortedResponse`]
    /// error, so the server aborts the connection and the client sees a truncated
    /// response. Nothing is appended to the body, unlike Paste's ErrorMiddleware.
    pub struct CatchBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Page { page: Option<Bytes> },
        Inner {
            #[pin]
            body: B,
            first: Buffered,
            ended: bool,
            context: Option<Box<RequestContext>>,
        },
    }
}

impl<B> fmt::Debug for CatchBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Page { .. } => f.write_str("CatchBody::Page"),
            Kind::Inner { .. } => f.write_str("CatchBody::Inner"),
        }
    }
}

impl<B> CatchBody<B> {
    pub(crate) fn page(page: Bytes) -> Self {
        CatchBody {
            kind: Kind::Page {
                page: (!page.is_empty()).then_some(page),
            },
        }
    }

    #[inline]
    pub(crate) fn inner(body: B, first: Buffered, context: Option<Box<RequestContext>>) -> Self {
        CatchBody {
            kind: Kind::Inner {
                body,
                first,
                ended: false,
                context,
            },
        }
    }

    /// The inner body has nothing more to give (it returned `None`, or says it is at
    /// its end): never poll it again.
    pub(crate) fn mark_ended(&mut self) {
        if let Kind::Inner { ended, .. } = &mut self.kind {
            *ended = true;
        }
    }
}

/// The frame read before the headers went out, kept small: the body is moved
/// with every response, so a whole `Frame` (which can hold a header map) would be
/// copied each time.
pub(crate) enum Buffered {
    Nothing,
    Data(Bytes),
    Trailers(Box<http::HeaderMap>),
}

impl Buffered {
    #[inline]
    fn take(&mut self) -> Option<Frame<Bytes>> {
        match std::mem::replace(self, Buffered::Nothing) {
            Buffered::Nothing => None,
            Buffered::Data(data) => Some(Frame::data(data)),
            Buffered::Trailers(trailers) => Some(Frame::trailers(*trailers)),
        }
    }

    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Buffered::Nothing)
    }

    fn data_len(&self) -> u64 {
        match self {
            Buffered::Data(data) => data.len() as u64,
            _ => 0,
        }
    }
}

/// The error a [`CatchBody`] ends with when the response fails after its headers
/// were sent. The failure itself has been reported under [`id`](Self::id).
#[derive(Debug, Clone)]
pub struct AbortedResponse {
    id: ErrorId,
}

impl AbortedResponse {
    /// The id the failure was reported under.
    pub fn id(&self) -> &ErrorId {
        &self.id
    }
}

impl fmt::Display for AbortedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response failed after its headers were sent (error id {})",
            self.id
        )
    }
}

impl std::error::Error for AbortedResponse {}

impl<B> http_body::Body for CatchBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Page { page } => Poll::Ready(page.take().map(|p| Ok(Frame::data(p)))),
            KindProj::Inner {
                body,
                first,
                ended,
                context,
            } => {
                if let Some(frame) = first.take() {
                    return Poll::Ready(Some(Ok(frame)));
                }
                if *ended {
                    return Poll::Ready(None);
                }
                let failure = match catch(|| body.poll_frame(cx)) {
                    Ok(Poll::Ready(Some(Err(error)))) => Failure::Error {
                        kind: ErrorKind::BodyError,
                        error_type: std::any::type_name::<B::Error>(),
                        error: error.into(),
                    },
                    Ok(Poll::Ready(None)) => {
                        *ended = true;
                        return Poll::Ready(None);
                    }
                    Ok(other) => return other.map_err(Into::into),
                    Err(panic) => Failure::Panic(ErrorKind::PanicInBody, panic),
                };
                *ended = true;
                let id = match context.take() {
                    Some(context) => {
                        let report = failure.into_report(&context.request, true);
                        dispatch(&report, &context.config.reporters);
                        report.id
                    }
                    None => ErrorId::generate(),
                };
                Poll::Ready(Some(Err(Box::new(AbortedResponse { id }))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Page { page } => page.is_none(),
            Kind::Inner {
                body, first, ended, ..
            } => first.is_none() && (*ended || body.is_end_stream()),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Page { page } => {
                SizeHint::with_exact(page.as_ref().map_or(0, |p| p.len() as u64))
            }
            Kind::Inner {
                body, first, ended, ..
            } => {
                let buffered = first.data_len();
                if *ended {
                    return SizeHint::with_exact(buffered);
                }
                let inner = body.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(inner.lower() + buffered);
                if let Some(upper) = inner.upper() {
                    hint.set_upper(upper + buffered);
                }
                hint
            }
        }
    }
}
