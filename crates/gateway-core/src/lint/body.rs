use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use http_body::{Frame, SizeHint};
use pin_project_lite::pin_project;

use super::{Reporter, Violation};

pin_project! {
    /// A response body watched by [`Lint`](super::Lint): it counts bytes and checks
    /// them against the rules when the body ends.
    pub struct LintBody<B> {
        #[pin]
        inner: B,
        reporter: Reporter,
        declared: Option<u64>,
        seen: u64,
        no_body: Option<String>,
        ended: bool,
    }
}

impl<B> LintBody<B> {
    pub(super) fn new(
        inner: B,
        reporter: Reporter,
        declared: Option<u64>,
        no_body: Option<String>,
    ) -> Self {
        LintBody {
            inner,
            reporter,
            declared,
            seen: 0,
            no_body,
            ended: false,
        }
    }
}

impl<B: http_body::Body> http_body::Body for LintBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        if *this.ended {
            this.reporter.report(Violation::PolledAfterEnd);
            return Poll::Ready(None);
        }
        let frame = std::task::ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let len = data.remaining() as u64;
                    if len > 0 {
                        if let Some(reason) = this.no_body.take() {
                            this.reporter.report(Violation::BodyNotAllowed { reason });
                        }
                    }
                    *this.seen += len;
                }
            }
            // An error ends the body abnormally: the length can no longer be judged.
            Some(Err(_)) => *this.ended = true,
            None => {
                *this.ended = true;
                if let Some(declared) = *this.declared {
                    if declared != *this.seen {
                        this.reporter.report(Violation::ContentLengthMismatch {
                            declared,
                            actual: *this.seen,
                        });
                    }
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
