//! [`ErrorCatcher`]: panics and errors become a 500 page, or an aborted response.
//!
//! # What is caught
//!
//! | failure | headers not sent yet | headers already sent |
//! |---|---|---|
//! | panic in the inner service's `call` | 500 page | (cannot happen) |
//! | panic in the response future | 500 page | (cannot happen) |
//! | `Err` from the response future | 500 page | (cannot happen) |
//! | `Err` from the inner `poll_ready` | 500 page on the next `call` | (cannot happen) |
//! | panic while the body is polled | 500 page | body ends with an error |
//! | error frame from the body | 500 page | body ends with an error |
//!
//! Every failure is reported the same way: to `tracing` at error level, then to
//! each [`Reporter`](crate::Reporter), under one [`ErrorId`](crate::ErrorId).
//!
//! # When the headers go out
//!
//! By default the response future polls the body for its first data frame before
//! it releases the headers, and hands that frame on untouched. So a body that
//! fails before sending any byte still turns into a 500 page, and a streaming body
//! still streams: only the wait for the first chunk moves before the headers. A
//! fixed [`gw_core::Body`] (bytes in memory, which cannot fail) is passed on as it
//! is, neither read nor wrapped, so it keeps its exact length and the server still
//! sends `Content-Length`. See
//! [`ErrorCatcherLayer::wait_for_first_frame`] for services that send headers long
//! before their first byte.
//!
//! # After the headers
//!
//! Paste's ErrorMiddleware appends the error page to a body that has already begun,
//! so a client gets a 200 with HTML glued to half a document. We never do that: the
//! body ends with an [`AbortedResponse`] error, which makes hyper close the
//! connection without the final chunk (HTTP/1.1) or reset the stream (HTTP/2). The
//! client sees a truncated response, which it can tell from a complete one.

mod body;
mod context;
mod future;
mod layer;
mod service;

pub use body::AbortedResponse;
pub use future::ResponseFuture;
pub use layer::ErrorCatcherLayer;
pub use service::ErrorCatcher;

use http::header::{self, HeaderValue};

use crate::documents::NoErrorDocument;
use crate::render::{self, negotiate, Format};
use crate::report::{dispatch, Failure};
use context::RequestContext;

/// Reports `failure` and builds the 500 response for it.
fn error_response(failure: Failure, context: &RequestContext) -> http::Response<gw_core::Body> {
    let report = failure.into_report(&context.request, false);
    dispatch(&report, &context.config.reporters);
    let format = negotiate(crate::capture::accept_value(context.request.accept()).as_ref());
    let page = if context.config.debug {
        render::debug(&report, format)
    } else {
        render::production(&report, format)
    };
    let mut res = http::Response::new(gw_core::Body::from(page));
    *res.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, format.content_type());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if format == Format::Html {
        // The pages have no script and no external asset: forbid both.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(render::CSP),
        );
    }
    if let Ok(id) = HeaderValue::from_str(report.id.as_str()) {
        headers.insert("x-error-id", id);
    }
    if context.config.debug {
        // Error documents must not hide the debug page behind a generic one.
        res.extensions_mut().insert(NoErrorDocument);
    }
    res.extensions_mut().insert(report.id);
    res
}

#[cfg(test)]
pub(crate) mod tests;
