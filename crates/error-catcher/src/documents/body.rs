use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::BoxError;
use http_body::{Frame, SizeHint};
use pin_project_lite::pin_project;

pin_project! {
    /// The response body of [`ErrorDocuments`](super::ErrorDocuments): the original
    /// body, or an error document held in memory.
    #[derive(Debug)]
    pub struct DocumentBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<B> {
        Original { #[pin] body: B },
        Document { page: Option<Bytes> },
    }
}

impl<B> DocumentBody<B> {
    pub(crate) fn original(body: B) -> Self {
        DocumentBody {
            kind: Kind::Original { body },
        }
    }

    pub(crate) fn document(page: Bytes) -> Self {
        DocumentBody {
            kind: Kind::Document {
                page: (!page.is_empty()).then_some(page),
            },
        }
    }
}

impl<B> http_body::Body for DocumentBody<B>
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
            KindProj::Original { body } => body.poll_frame(cx).map_err(Into::into),
            KindProj::Document { page } => Poll::Ready(page.take().map(|p| Ok(Frame::data(p)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Original { body } => body.is_end_stream(),
            Kind::Document { page } => page.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Original { body } => body.size_hint(),
            Kind::Document { page } => {
                SizeHint::with_exact(page.as_ref().map_or(0, |p| p.len() as u64))
            }
        }
    }
}
