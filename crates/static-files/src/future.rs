//! The response future shared by both services.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use gw_core::Body;
use http::Response;
use pin_project_lite::pin_project;

type BoxFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'static>>;

pin_project! {
    /// The response future of [`StaticFiles`](crate::StaticFiles) and
    /// [`Embedded`](crate::Embedded).
    ///
    /// A memory-cache hit, a miss, a redirect and every embedded asset are ready at
    /// once (no allocation, no task); only a file read from disk or a due
    /// revalidation waits, and only that path is boxed.
    pub struct ResponseFuture {
        #[pin]
        kind: Kind,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind {
        Ready { res: Option<Response<Body>> },
        Waiting { fut: BoxFuture },
    }
}

impl ResponseFuture {
    pub(crate) fn ready(res: Response<Body>) -> Self {
        ResponseFuture {
            kind: Kind::Ready { res: Some(res) },
        }
    }

    pub(crate) fn waiting(fut: impl Future<Output = Response<Body>> + Send + 'static) -> Self {
        ResponseFuture {
            kind: Kind::Waiting { fut: Box::pin(fut) },
        }
    }
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Ready { res } => match res.take() {
                Some(res) => Poll::Ready(Ok(res)),
                None => panic!("ResponseFuture polled after completion"),
            },
            KindProj::Waiting { fut } => fut.as_mut().poll(cx).map(Ok),
        }
    }
}
