use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use gw_core::Body;
use http::{header, StatusCode};
use tower_service::Service;

use super::future::builtin;
use super::ErrorDocumentRequest;
use crate::render::{escape, negotiate, problem, text_page, Format, CSS};
use crate::report::ErrorId;

/// The default error-page service: a small document naming the status, with the
/// error id of a caught 500, in the format the request's `Accept` header prefers:
/// a self-contained HTML page (the default), an RFC 9457 problem details document
/// (`application/problem+json`) or plain text.
///
/// It shows no request data (Paste's 404 page leaked paths and, before 1.7.4,
/// allowed XSS through them).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_error_catcher::DefaultErrorPage;
/// use gw_core::test_client::TestClient;
///
/// let client = TestClient::new(DefaultErrorPage::new());
/// client.get("/error/document?code=403").send().await
///     .assert_status(200)
///     .assert_header("content-type", "text/html; charset=utf-8")
///     .assert_body_contains("403 Forbidden");
/// client.get("/error/document?code=404").header("accept", "application/json").send().await
///     .assert_header("content-type", "application/problem+json")
///     .assert_body_contains(r#""status":404"#);
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultErrorPage {
    _private: (),
}

impl DefaultErrorPage {
    /// The default page service.
    pub fn new() -> Self {
        DefaultErrorPage { _private: () }
    }
}

impl<B> Service<http::Request<B>> for DefaultErrorPage {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let about = req.extensions().get::<ErrorDocumentRequest>();
        let status = about
            .map(|a| a.status)
            .or_else(|| code_from_query(req.uri().query()))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let error_id = about.and_then(|a| a.error_id.as_ref());
        let format = negotiate(req.headers().get(header::ACCEPT));
        let (headers, body) = builtin(status, format, error_id.map(ErrorId::as_str));
        let mut res = http::Response::new(Body::from(body));
        *res.headers_mut() = headers;
        ready(Ok(res))
    }
}

fn code_from_query(query: Option<&str>) -> Option<StatusCode> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("code="))
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
}

fn explanation(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The server could not understand the request.",
        401 => "You need to sign in to see this page.",
        403 => "You do not have permission to see this page.",
        404 => "The page you asked for does not exist. Check the address for typos.",
        405 => "This page does not accept that kind of request.",
        500 => "Something went wrong on our side and the request could not be completed. The error has been logged.",
        503 => "The service is unavailable right now. Please try again later.",
        _ if status.is_client_error() => "The request could not be completed.",
        _ => "The server could not complete the request.",
    }
}

/// The document for `status` in `format`, with an optional error id.
pub(crate) fn render(status: StatusCode, format: Format, error_id: Option<&str>) -> String {
    match format {
        Format::Html => render_html(status, error_id),
        Format::Json => problem(status, explanation(status), error_id),
        Format::Text => text_page(status, explanation(status), error_id),
    }
}

fn render_html(status: StatusCode, error_id: Option<&str>) -> String {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let id = error_id
        .map(|id| {
            format!(
                "<p>If you contact support, please quote this error id: <code>{}</code></p>\n",
                escape(id)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <div class=\"card\">\n<div class=\"status\">Error {code}</div>\n<h1>{title}</h1>\n\
         <p>{text}</p>\n{id}</div>\n</body>\n</html>\n",
        title = escape(&title),
        code = status.as_u16(),
        text = explanation(status),
    )
}
