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
}

impl RequestContext {
    /// The error document for this response, if it gets one (see
    /// [`Documents::page_for`]); the opt-out header is removed either way.
    #[inline]
    pub(super) fn page_for(&self, parts: &mut http::response::Parts) -> Option<(PageFuture, bool)> {
        let documents = self.config.documents.as_ref()?;
        // An error-page request gets no document: using the application
        // itself as the page service cannot loop.
        if !self.request.is_error_page() {
            documents.page_for(parts, self.request.line(), self.request.accept())
        } else {
            take_opt_out_header(&mut parts.headers);
            None
        }
    }
}
