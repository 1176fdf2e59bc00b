//! The response body of a statically typed cascade: one of its members' bodies, or
//! the cascade's own short answer (413).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::BoxError;
use http_body::{Frame, SizeHint};
use pin_project_lite::pin_project;

pin_project! {
    /// Either the body of the member that answered first (`A`), the body of a later
    /// member (`N`, itself a `CascadeBody` when more members follow), or a short
    /// body written by the cascade itself. No boxing: members keep their own types.
    ///
    /// ```
    /// use gw_cascade::CascadeBody;
    /// use gw_core::Body;
    /// use http_body::Body as _;
    ///
    /// let body: CascadeBody<Body, Body> = CascadeBody::first(Body::from("hi"));
    /// assert_eq!(body.size_hint().exact(), Some(2));
    /// ```
    pub struct CascadeBody<A, N> {
        #[pin]
        kind: Kind<A, N>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<A, N> {
        First { #[pin] body: A },
        Next { #[pin] body: N },
        Own { chunk: Option<Bytes> },
    }
}

impl<A, N> CascadeBody<A, N> {
    /// The body of the first member.
    pub fn first(body: A) -> Self {
        CascadeBody {
            kind: Kind::First { body },
        }
    }

    /// The body of a later member.
    pub fn next(body: N) -> Self {
        CascadeBody {
            kind: Kind::Next { body },
        }
    }

    /// A body written by the cascade itself.
    pub fn own(chunk: Bytes) -> Self {
        CascadeBody {
            kind: Kind::Own {
                chunk: (!chunk.is_empty()).then_some(chunk),
            },
        }
    }
}

impl<A, N> std::fmt::Debug for CascadeBody<A, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::First { .. } => "First",
            Kind::Next { .. } => "Next",
            Kind::Own { .. } => "Own",
        };
        f.debug_tuple("CascadeBody").field(&kind).finish()
    }
}

impl<A, N> http_body::Body for CascadeBody<A, N>
where
    A: http_body::Body<Data = Bytes>,
    A::Error: Into<BoxError>,
    N: http_body::Body<Data = Bytes>,
    N::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::First { body } => body.poll_frame(cx).map_err(Into::into),
            KindProj::Next { body } => body.poll_frame(cx).map_err(Into::into),
            KindProj::Own { chunk } => Poll::Ready(chunk.take().map(|c| Ok(Frame::data(c)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::First { body } => body.is_end_stream(),
            Kind::Next { body } => body.is_end_stream(),
            Kind::Own { chunk } => chunk.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::First { body } => body.size_hint(),
            Kind::Next { body } => body.size_hint(),
            Kind::Own { chunk } => {
                SizeHint::with_exact(chunk.as_ref().map_or(0, |c| c.len() as u64))
            }
        }
    }
}
