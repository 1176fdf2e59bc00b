use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError};
use http::header::{self, HeaderMap, HeaderValue};
use http::StatusCode;
use pin_project_lite::pin_project;
use tower_service::Service;

use super::body::DocumentBody;
use super::rules::{merge_headers, StatusSet, OPT_OUT_HEADER};
use super::{ErrorDocumentRequest, NoErrorDocument};
use crate::capture::RequestLine;
use crate::panic_hook::catch;
use crate::render::{negotiate, Format};
use crate::report::ErrorId;

/// The largest error page kept; a bigger one counts as a failed page.
const PAGE_LIMIT: usize = 64 * 1024;

/// What every request of one [`ErrorDocuments`](super::ErrorDocuments) shares.
pub(crate) struct Shared<P> {
    pub(crate) statuses: StatusSet,
    pub(crate) page: P,
    pub(crate) document_path: Arc<str>,
}

pub(crate) type PageFuture =
    Pin<Box<dyn Future<Output = Result<(HeaderMap, Bytes), String>> + Send>>;

pin_project! {
    /// The response future of [`ErrorDocuments`](super::ErrorDocuments).
    pub struct ResponseFuture<F, P> {
        #[pin]
        state: State<F>,
        shared: Arc<Shared<P>>,
        original: Option<RequestLine>,
        accept: Option<Box<[u8]>>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Inner { #[pin] future: F },
        // The parts wait in a box: the future stays small on the usual path.
        Page { parts: Option<Box<http::response::Parts>>, page: PageFuture, head: bool },
        Done,
    }
}

impl<F, P> ResponseFuture<F, P> {
    pub(crate) fn new(
        future: F,
        shared: Arc<Shared<P>>,
        original: Option<RequestLine>,
        accept: Option<Box<[u8]>>,
    ) -> Self {
        ResponseFuture {
            state: State::Inner { future },
            shared,
            original,
            accept,
        }
    }
}

impl<F, P, B, E, PB> Future for ResponseFuture<F, P>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: http_body::Body<Data = Bytes>,
    P: Service<http::Request<Body>, Response = http::Response<PB>> + Clone + Send + 'static,
    P::Future: Send + 'static,
    P::Error: Into<BoxError>,
    PB: http_body::Body<Data = Bytes> + Send + 'static,
    PB::Error: Into<BoxError>,
{
    type Output = Result<http::Response<DocumentBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Inner { future } => {
                    let res = match std::task::ready!(future.poll(cx)) {
                        Ok(res) => res,
                        Err(e) => {
                            this.state.set(State::Done);
                            return Poll::Ready(Err(e));
                        }
                    };
                    let (mut parts, body) = res.into_parts();
                    // The fast path: a status outside the set only loses the opt-out
                    // header, found by a scan that hashes nothing.
                    let wanted = if this.original.is_some() {
                        wants_document(&this.shared.statuses, &mut parts)
                    } else {
                        // An error-page request: passed through, opt-out header removed.
                        take_opt_out_header(&mut parts.headers);
                        false
                    };
                    let original = match this.original.take() {
                        Some(original) if wanted => original,
                        _ => {
                            this.state.set(State::Done);
                            let body = DocumentBody::original(body);
                            return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                        }
                    };
                    drop(body);
                    let head = original.method == http::Method::HEAD;
                    let accept = crate::capture::accept_value(this.accept.as_deref());
                    let about = about(&parts, &original, accept);
                    let page =
                        render_page(this.shared.page.clone(), &this.shared.document_path, about);
                    this.state.set(State::Page {
                        parts: Some(Box::new(parts)),
                        page,
                        head,
                    });
                }
                StateProj::Page { parts, page, head } => {
                    let rendered = std::task::ready!(page.as_mut().poll(cx));
                    let Some(mut parts) = parts.take().map(|parts| *parts) else {
                        panic!(
                            "gw_error_catcher::documents::ResponseFuture polled after it completed"
                        );
                    };
                    let page = finish_page(&mut parts, rendered, *head);
                    this.state.set(State::Done);
                    let body = DocumentBody::document(page);
                    return Poll::Ready(Ok(http::Response::from_parts(parts, body)));
                }
                StateProj::Done => {
                    panic!("gw_error_catcher::documents::ResponseFuture polled after it completed")
                }
            }
        }
    }
}

/// Removes the opt-out header; true if it was there. A response carries few
/// headers and the opt-out is rare, so a scan of the names (a standard name never
/// equals a custom one: one comparison each) is cheaper than hashing it.
pub(crate) fn take_opt_out_header(headers: &mut HeaderMap) -> bool {
    headers.keys().any(|name| *name == OPT_OUT_HEADER) && headers.remove(OPT_OUT_HEADER).is_some()
}

/// Whether a response gets a document: its status is in the set and it has not
/// opted out. The opt-out header is removed either way.
#[inline]
pub(crate) fn wants_document(statuses: &StatusSet, parts: &mut http::response::Parts) -> bool {
    let listed = statuses.contains(parts.status);
    let opted_out = take_opt_out_header(&mut parts.headers)
        || (listed && parts.extensions.get::<NoErrorDocument>().is_some());
    listed && !opted_out
}

/// What the page request says about the original request and response.
pub(crate) fn about(
    parts: &http::response::Parts,
    original: &RequestLine,
    accept: Option<HeaderValue>,
) -> ErrorDocumentRequest {
    ErrorDocumentRequest {
        status: parts.status,
        original_method: original.method.clone(),
        original_uri: original.uri(),
        error_id: parts.extensions.get::<ErrorId>().cloned(),
        accept,
    }
}

/// Puts the rendered page's headers (or the fallback's) into `parts`, merged, and
/// returns the body to send: empty for `HEAD`.
pub(crate) fn finish_page(
    parts: &mut http::response::Parts,
    rendered: Result<(HeaderMap, Bytes), String>,
    head: bool,
) -> Bytes {
    let (headers, page) = match rendered {
        Ok(rendered) => rendered,
        Err(reason) => {
            tracing::warn!(
                status = parts.status.as_u16(),
                reason = %reason,
                "error document failed; sending the plain-text fallback"
            );
            fallback(parts.status)
        }
    };
    merge_headers(&mut parts.headers, headers);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(page.len()));
    // As on the 500 page: the document's type is the one declared, never sniffed.
    parts.headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // HEAD: the headers of the GET, Content-Length included, no body.
    if head {
        Bytes::new()
    } else {
        page
    }
}

/// Error documents rendered by an [`ErrorCatcher`](crate::ErrorCatcher) itself
/// ([`ErrorCatcherLayer::error_documents`](crate::ErrorCatcherLayer::error_documents)):
/// the statuses, and the page service behind a type-erased renderer.
#[derive(Clone)]
pub(crate) struct Documents {
    statuses: StatusSet,
    render: Arc<dyn Fn(ErrorDocumentRequest) -> PageFuture + Send + Sync>,
}

impl Documents {
    /// `render` calls the page service for one document (see [`render_page`]).
    pub(crate) fn new(
        statuses: StatusSet,
        render: impl Fn(ErrorDocumentRequest) -> PageFuture + Send + Sync + 'static,
    ) -> Self {
        Documents {
            statuses,
            render: Arc::new(render),
        }
    }

    /// Whether a response to `original` gets a document (removing the opt-out
    /// header either way); if so, the page being rendered and whether it is `HEAD`.
    #[inline]
    pub(crate) fn page_for(
        &self,
        parts: &mut http::response::Parts,
        original: &RequestLine,
        accept: Option<&[u8]>,
    ) -> Option<(PageFuture, bool)> {
        if !wants_document(&self.statuses, parts) {
            return None;
        }
        let accept = crate::capture::accept_value(accept);
        let page = (self.render)(about(parts, original, accept));
        Some((page, original.method == http::Method::HEAD))
    }

    pub(crate) fn statuses(&self) -> &StatusSet {
        &self.statuses
    }
}

/// The built-in document for `status` in `format`, with its headers.
pub(crate) fn builtin(
    status: StatusCode,
    format: Format,
    error_id: Option<&str>,
) -> (HeaderMap, String) {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, format.content_type());
    if format == Format::Html {
        // The page has no script and no external asset: forbid both.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(crate::render::CSP),
        );
    }
    let body = super::page::render(status, format, error_id);
    (headers, body)
}

/// The minimal page sent when the error page itself fails.
fn fallback(status: StatusCode) -> (HeaderMap, Bytes) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    (headers, Bytes::from(text))
}

/// Calls the page service and collects its page, catching every way it can fail.
pub(crate) fn render_page<P, PB>(mut page: P, path: &str, about: ErrorDocumentRequest) -> PageFuture
where
    P: Service<http::Request<Body>, Response = http::Response<PB>> + Send + 'static,
    P::Future: Send + 'static,
    P::Error: Into<BoxError>,
    PB: http_body::Body<Data = Bytes> + Send + 'static,
    PB::Error: Into<BoxError>,
{
    let code = about.status.as_u16();
    let uri = format!(
        "{}?code={code}",
        path.replace("{status}", &code.to_string())
    );
    let mut request = http::Request::new(Body::empty());
    if let Some(accept) = &about.accept {
        request.headers_mut().insert(header::ACCEPT, accept.clone());
    }
    let format = negotiate(about.accept.as_ref());
    let (status, error_id) = (about.status, about.error_id.clone());
    match uri.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(e) => {
            return Box::pin(std::future::ready(Err(format!(
                "bad page URI {uri:?}: {e}"
            ))))
        }
    }
    request.extensions_mut().insert(about);
    Box::pin(CatchPanic {
        inner: async move {
            poll_fn(|cx| page.poll_ready(cx))
                .await
                .map_err(|e| format!("page service not ready: {}", e.into()))?;
            let res = page
                .call(request)
                .await
                .map_err(|e| format!("page service failed: {}", e.into()))?;
            if !res.status().is_success() {
                return Err(format!("page service answered {}", res.status()));
            }
            let (parts, body) = res.into_parts();
            let mut body = std::pin::pin!(body);
            let mut page = Vec::new();
            while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
                let frame = frame.map_err(|e| format!("page body failed: {}", e.into()))?;
                if let Ok(data) = frame.into_data() {
                    if page.len() + data.len() > PAGE_LIMIT {
                        return Err(format!("page is larger than {PAGE_LIMIT} bytes"));
                    }
                    page.extend_from_slice(&data);
                }
            }
            let html = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
            if html && format != Format::Html {
                // An HTML page for a client that asked for JSON or text: the
                // built-in document of its format instead.
                let id = error_id.as_ref().map(ErrorId::as_str);
                let (headers, body) = builtin(status, format, id);
                return Ok((headers, Bytes::from(body)));
            }
            Ok((parts.headers, Bytes::from(page)))
        },
    })
}

pin_project! {
    struct CatchPanic<F> {
        #[pin]
        inner: F,
    }
}

impl<F, T> Future for CatchPanic<F>
where
    F: Future<Output = Result<T, String>>,
{
    type Output = Result<T, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch(|| inner.poll(cx)) {
            Ok(poll) => poll,
            Err(panic) => Poll::Ready(Err(format!("page service panicked: {}", panic.message))),
        }
    }
}
