//! [`StaticFiles`] as a [`Probe`]: answers from a borrowed request, so a cascade
//! in front of it copies nothing on a hit or a miss.

use gw_core::{Body, Probe, Probed};
use http::{Request, Response};

use super::{refresh_then_serve, serve_file, Freshness, StaticFiles};
use crate::future::ResponseFuture;
use crate::lookup::{lookup, Lookup};

/// - A path the index does not know (or that cannot exist: `..`, a dotfile when
///   they are hidden, a directory without an index file) is [`Probed::Miss`], with
///   no 404 built and no system call.
/// - A file held in memory or whose descriptor is kept open (see
///   [`StaticFiles::open_files`]), a 304, a 416, a redirect, a 405 or a listing
///   is [`Probed::Ready`], built from the borrowed request.
/// - A file that must be opened, or any request while the index is due for a
///   rescan (the first request, say), is [`Probed::Pending`]: only then are
///   the method and headers (or, for a rescan, the whole head) copied, into the
///   future. That future may still answer 404 (a file deleted since the last
///   scan); the caller, which kept the request, goes on with it.
impl<B> Probe<Request<B>> for StaticFiles {
    /// Answers from the path and headers: the body is never touched, not even
    /// by the future (which copies the head alone).
    const READS_BODY: bool = false;

    fn probe(&mut self, req: &mut Request<B>) -> Probed<Response<Body>, ResponseFuture> {
        let shared = &self.shared;
        let index = shared.current();
        match shared.freshness(&index) {
            Freshness::Fresh => {}
            Freshness::Aging => shared.refresh_in_background(),
            Freshness::Stale => {
                return Probed::Pending(refresh_then_serve(shared.clone(), copy_head(req)))
            }
        }
        let entry = match lookup(&index, req, &shared.config) {
            Lookup::Missing => return Probed::Miss,
            Lookup::Done(res) => return Probed::Ready(res),
            Lookup::File(entry) => entry,
        };
        match serve_file(shared, &entry, req) {
            Ok(res) => Probed::Ready(res),
            Err(disk) => Probed::Pending(ResponseFuture::waiting(
                disk.open_and_respond(shared.clone()),
            )),
        }
    }
}

/// The request head without the body, for a future that outlives the borrow.
fn copy_head<B>(req: &Request<B>) -> Request<()> {
    let mut head = Request::new(());
    *head.method_mut() = req.method().clone();
    *head.uri_mut() = req.uri().clone();
    *head.version_mut() = req.version();
    *head.headers_mut() = req.headers().clone();
    *head.extensions_mut() = req.extensions().clone();
    head
}
