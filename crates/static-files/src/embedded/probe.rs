//! [`Embedded`] as a [`Probe`]: everything is in memory, so a probe is always
//! answered at once.

use gw_core::{Body, Probe, Probed};
use http::{Request, Response};

use super::Embedded;
use crate::future::ResponseFuture;
use crate::lookup::{lookup, Lookup};
use crate::respond;

/// An unknown path is [`Probed::Miss`] (no 404 built); anything else is
/// [`Probed::Ready`]: embedded assets never wait, and never copy the request.
impl<B> Probe<Request<B>> for Embedded {
    /// Answers from the path and headers: the body is never touched.
    const READS_BODY: bool = false;

    fn probe(&mut self, req: &mut Request<B>) -> Probed<Response<Body>, ResponseFuture> {
        match lookup(self.index(), req, self.config()) {
            Lookup::Missing => Probed::Miss,
            Lookup::Done(res) => Probed::Ready(res),
            // Every embedded representation is in memory.
            Lookup::File(entry) => Probed::Ready(
                respond::from_memory(&entry, req, self.config())
                    .unwrap_or_else(|_| respond::not_found()),
            ),
        }
    }
}
