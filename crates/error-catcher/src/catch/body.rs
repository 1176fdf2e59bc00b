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
    /// The body of a response whose headers [`ErrorCatcher`](super::ErrorCatcher)
    /// has let out while the inner body goes on: the first frame, read before the
    /// headers, then the rest of the inner body. It is boxed in a
    /// [`gw_core::Body`]; a body that ended with its first frame is not wrapped at
    /// all (its bytes become a fixed `Body`).
    ///
    /// A failure once the headers are out (an error frame, or a panic in
    /// `poll_frame`) is reported, then the body ends with an [`AbortedResponse`]
    /// error, so the server aborts the connection and the client sees a truncated
    /// response. Nothing is appended to the body, unlike Paste's ErrorMiddleware.
    pub(crate) struct CatchBody<B> {
        #[pin]
        body: B,
        first: Buffered,
        ended: bool,
        context: Option<Box<RequestContext>>,
    }
}

impl<B> CatchBody<B> {
    #[inline]
    pub(crate) fn new(body: B, first: Buffered, context: Option<Box<RequestContext>>) -> Self {
        CatchBody {
            body,
            first,
            ended: false,
            context,
        }
    }

    /// The inner body has nothing more to give (it returned `None`, or says it is at
    /// its end): never poll it again.
    pub(crate) fn mark_ended(&mut self) {
        self.ended = true;
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

/// The error the [`ErrorCatcher`](super::ErrorCatcher)'s response body ends
/// with when the response fails after its headers were sent. The failure itself
/// has been reported under [`id`](Self::id).
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
        let this = self.project();
        if let Some(frame) = this.first.take() {
            return Poll::Ready(Some(Ok(frame)));
        }
        if *this.ended {
            return Poll::Ready(None);
        }
        let failure = match catch(|| this.body.poll_frame(cx)) {
            Ok(Poll::Ready(Some(Err(error)))) => Failure::Error {
                kind: ErrorKind::BodyError,
                error_type: std::any::type_name::<B::Error>(),
                error: error.into(),
            },
            Ok(Poll::Ready(None)) => {
                *this.ended = true;
                return Poll::Ready(None);
            }
            Ok(other) => return other.map_err(Into::into),
            Err(panic) => Failure::Panic(ErrorKind::PanicInBody, panic),
        };
        *this.ended = true;
        let id = match this.context.take() {
            Some(context) => {
                let report = failure.into_report(&context.request, true);
                dispatch(&report, &context.config.reporters);
                report.id
            }
            None => ErrorId::generate(),
        };
        Poll::Ready(Some(Err(Box::new(AbortedResponse { id }))))
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && (self.ended || self.body.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let buffered = self.first.data_len();
        if self.ended {
            return SizeHint::with_exact(buffered);
        }
        let inner = self.body.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower() + buffered);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + buffered);
        }
        hint
    }
}
