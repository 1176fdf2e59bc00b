//! [`RequestContext`]: what the response future hands the body, so that either can
//! report a failure.

use std::sync::Arc;

use super::layer::Config;
use crate::documents::future::{take_opt_out_header, PageFuture};
use crate::report::RequestSummary;

/// What a request needs to report a failure: moved from the future to the body.
pub(crate) struct RequestContext {
    pub(crate) config: Arc<Config>,
    pub(crate) request: RequestSummary,
    /// The catcher serves error documents and this is not an error-page request.
    pub(crate) documents: bool,
}

impl RequestContext {
    /// The error document for this response, if it gets one (see
    /// [`Documents::page_for`]); the opt-out header is removed either way.
    #[inline]
    pub(super) fn page_for(&self, parts: &mut http::response::Parts) -> Option<(PageFuture, bool)> {
        let documents = self.config.documents.as_ref()?;
        if self.documents {
            documents.page_for(parts, self.request.line(), self.request.accept())
        } else {
            take_opt_out_header(&mut parts.headers);
            None
        }
    }
}
