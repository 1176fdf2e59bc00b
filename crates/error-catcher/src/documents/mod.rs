//! [`ErrorDocuments`]: replace the body of chosen error statuses with a page.
//!
//! The twin of Pylons' `StatusCodeRedirect` and Paste's `errordocument`. For each
//! response whose status is in the set (by default 400, 401, 403, 404 and 500), the
//! body is replaced by the response of an error-page service, called internally:
//!
//! - the **status is kept**; the page's own status only tells whether it worked;
//! - **headers are merged**, not dropped: `WWW-Authenticate`, `Allow`, `Location`,
//!   `Retry-After` and every other header of the original survive, `Set-Cookie`
//!   from both is kept, and the body-describing headers (`Content-Type`,
//!   `Content-Length`...) come from the page;
//! - a service **opts out** per response with the [`NoErrorDocument`] response
//!   extension, or the `x-no-error-document` response header, which is removed
//!   before the response is sent (the debug page of an
//!   [`ErrorCatcher`](crate::ErrorCatcher) opts out this way);
//! - a page that fails (an `Err`, a panic, a non-2xx status, a body error, or a body
//!   over 64 KiB) gives a minimal plain-text page instead, such as `404 Not Found`;
//!   it is never retried, and the internal request carries an
//!   [`ErrorDocumentRequest`] extension that makes every `ErrorDocuments` pass it
//!   through, so using the application itself as the page service cannot loop;
//! - a `HEAD` request gets the merged headers and an empty body.
//!
//! The internal request is a `GET` of the document path (default
//! `/error/document`) with `?code=NNN`, like Pylons' error controller receives;
//! `{status}` in the path is replaced by the status code, so
//! `/errors/{status}.html` asks for `/errors/404.html`. It carries the original
//! request's `Accept` header.
//!
//! # Formats
//!
//! Documents follow the client's `Accept` header: a browser gets HTML, a client
//! that prefers `application/json` (or `application/problem+json`) gets an
//! RFC 9457 problem details document, one that prefers `text/plain` gets text;
//! each names the status and carries the error id of a caught 500.
//! [`DefaultErrorPage`] renders all three. A page service of your own gets the
//! `Accept` header and may answer in any format; when it answers HTML to a client
//! that asked for JSON or text, the built-in document of that format is sent
//! instead, so an API mixed into the stack never hands its clients an HTML page.
//!
//! Every document is sent with `X-Content-Type-Options: nosniff`; the default HTML
//! page also with a `Content-Security-Policy` that forbids scripts and external
//! assets (it needs none), as the 500 page is.
//!
//! # Where to put it
//!
//! Outside the [`ErrorCatcher`](crate::ErrorCatcher), as in the Pylons template, so
//! the catcher's production 500 is rendered by your error page too. The page gets
//! the catcher's [`ErrorId`](crate::ErrorId) in
//! [`ErrorDocumentRequest::error_id`], and the default page shows it.
//!
//! Or let the catcher serve the documents itself, with the same rules:
//! [`ErrorCatcherLayer::error_documents`](crate::ErrorCatcherLayer::error_documents).
//! That is one layer instead of two, and the cheaper choice on the non-error path
//! (one request capture, one response future and one body wrapper instead of two).

mod body;
pub(crate) mod future;
mod layer;
mod page;
pub(crate) mod rules;
mod service;

pub use body::DocumentBody;
pub(crate) use future::Documents;
pub use future::ResponseFuture;
pub use layer::{ErrorDocumentsLayer, InvalidDocumentPath};
pub use page::DefaultErrorPage;
pub use service::ErrorDocuments;

use crate::report::ErrorId;

/// A response extension that keeps a response's own body under
/// [`ErrorDocuments`].
///
/// ```
/// use gw_error_catcher::NoErrorDocument;
///
/// let mut res = http::Response::new(gw_core::Body::from("{\"error\":\"no such user\"}"));
/// *res.status_mut() = http::StatusCode::NOT_FOUND;
/// res.extensions_mut().insert(NoErrorDocument);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoErrorDocument;

/// The request extension of an error-page request: what the page is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDocumentRequest {
    /// The status of the original response.
    pub status: http::StatusCode,
    /// The original request's method.
    pub original_method: http::Method,
    /// The original request's URI.
    pub original_uri: http::Uri,
    /// The [`ErrorCatcher`](crate::ErrorCatcher)'s error id, for a caught 500.
    pub error_id: Option<ErrorId>,
    /// The original request's `Accept` header, also sent on the page request, so
    /// a page service can answer in the format the client asked for.
    pub accept: Option<http::HeaderValue>,
}

#[cfg(test)]
mod tests;
