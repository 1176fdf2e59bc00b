use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use gw_core::{Body, BoxError};
use tower_layer::Layer;
use tower_service::Service;

use super::ErrorCatcher;
use crate::documents::future::render_page;
use crate::documents::{Documents, ErrorDocumentsLayer};
use crate::report::Reporter;

/// The settings an [`ErrorCatcher`] shares between requests.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) debug: bool,
    pub(crate) wait_for_first_frame: bool,
    /// Effective: the explicit choice, else `debug`.
    pub(crate) report_request_details: bool,
    pub(crate) details_chosen: bool,
    pub(crate) reporters: Vec<Arc<dyn Reporter>>,
    /// Error documents served by the catcher itself, if asked for.
    pub(crate) documents: Option<Documents>,
}

/// A [`Layer`] that wraps services in [`ErrorCatcher`].
///
/// Building it installs this crate's panic hook (once per process, chained to the
/// previous hook); see [`install_panic_hook`](crate::install_panic_hook).
///
/// ```
/// use gw_error_catcher::{ErrorCatcherLayer, JsonLinesReporter};
///
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("errors.jsonl");
/// let layer = ErrorCatcherLayer::new()          // production: a generic page
///     .debug(cfg!(debug_assertions))            // the debug page in dev builds
///     .reporter(JsonLinesReporter::new(&path)?); // and a JSON line per failure
/// assert_eq!(layer.is_debug(), cfg!(debug_assertions));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct ErrorCatcherLayer {
    pub(crate) config: Arc<Config>,
}

impl fmt::Debug for ErrorCatcherLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorCatcherLayer")
            .field("debug", &self.config.debug)
            .field("wait_for_first_frame", &self.config.wait_for_first_frame)
            .field("reporters", &self.config.reporters.len())
            .field(
                "error_documents",
                &self.config.documents.as_ref().map(Documents::statuses),
            )
            .finish()
    }
}

impl Default for ErrorCatcherLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrorCatcherLayer {
    /// A layer in production mode (`debug = false`) with no extra reporter: failures
    /// go to `tracing` and the client sees a generic page with an error id.
    pub fn new() -> Self {
        crate::panic_hook::install_panic_hook();
        ErrorCatcherLayer {
            config: Arc::new(Config {
                debug: false,
                wait_for_first_frame: true,
                report_request_details: false,
                details_chosen: false,
                reporters: Vec::new(),
                documents: None,
            }),
        }
    }

    /// Shows the debug page (message, source, backtrace, request) instead of the
    /// generic page. Never turn this on in production.
    pub fn debug(mut self, debug: bool) -> Self {
        let config = Arc::make_mut(&mut self.config);
        config.debug = debug;
        if !config.details_chosen {
            config.report_request_details = debug;
        }
        self
    }

    /// Whether reports carry the request's headers (secrets redacted) and environ.
    ///
    /// Defaults to the [`debug`](Self::debug) setting. Method, URI and error are
    /// always reported. Details cost a copy of the header map per request, on the
    /// success path too, which is why production leaves them out unless asked.
    pub fn report_request_details(mut self, details: bool) -> Self {
        let config = Arc::make_mut(&mut self.config);
        config.report_request_details = details;
        config.details_chosen = true;
        self
    }

    /// Adds a reporter; every failure is handed to each reporter in turn.
    pub fn reporter(mut self, reporter: impl Reporter) -> Self {
        Arc::make_mut(&mut self.config)
            .reporters
            .push(Arc::new(reporter));
        self
    }

    /// Whether the response waits for the body's first data frame before the
    /// headers go out (default `true`).
    ///
    /// Waiting is what lets a body that fails or panics before its first byte
    /// still become a 500 page. Its cost: a response whose body sends nothing for
    /// a while (a long poll, server-sent events that start idle) also holds its
    /// headers back until the first frame. Turn it off for such services; a body
    /// failure is then always treated as "after the headers". A fixed
    /// [`gw_core::Body`] is passed on untouched either way.
    pub fn wait_for_first_frame(mut self, wait: bool) -> Self {
        Arc::make_mut(&mut self.config).wait_for_first_frame = wait;
        self
    }

    /// Serves error documents too, as [`ErrorDocumentsLayer`] does outside the
    /// catcher, in one layer: the same statuses, page service, header merging,
    /// opt-outs, fallback and `HEAD` rule, and the catcher's own 500 is rendered
    /// as a document (with its error id) unless it is the debug page.
    ///
    /// `ErrorDocumentsLayer::new().layer(ErrorCatcherLayer::new().layer(app))` and
    /// `ErrorCatcherLayer::new().error_documents(ErrorDocumentsLayer::new()).layer(app)`
    /// answer alike; the second is cheaper on the non-error path (one request
    /// capture, one future, one body wrapper instead of two of each). Its page
    /// service must be `Sync`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
    /// use gw_core::{app_fn, test_client::TestClient, Body, Response};
    /// use http::StatusCode;
    /// use tower::Layer;
    ///
    /// let app = app_fn(|req: http::Request<Body>| async move {
    ///     match req.uri().path() {
    ///         "/" => Response::text("Hello World!"),
    ///         _ => Response::text("nothing here").with_status(StatusCode::NOT_FOUND),
    ///     }
    /// });
    /// let layer = ErrorCatcherLayer::new().error_documents(ErrorDocumentsLayer::new());
    /// let client = TestClient::new(layer.layer(app));
    /// client.get("/").send().await.assert_body("Hello World!");
    /// client.get("/missing").send().await
    ///     .assert_status(404)
    ///     .assert_body_contains("404 Not Found");
    /// # }
    /// ```
    ///
    /// [`ErrorDocumentsLayer`]: crate::ErrorDocumentsLayer
    pub fn error_documents<P, PB>(mut self, documents: ErrorDocumentsLayer<P>) -> Self
    where
        P: Service<http::Request<Body>, Response = http::Response<PB>>
            + Clone
            + Send
            + Sync
            + 'static,
        P::Future: Send + 'static,
        P::Error: Into<BoxError>,
        PB: http_body::Body<Data = Bytes> + Send + 'static,
        PB::Error: Into<BoxError>,
    {
        let (page, path) = (documents.page, documents.document_path);
        Arc::make_mut(&mut self.config).documents =
            Some(Documents::new(documents.statuses, move |about| {
                render_page(page.clone(), &path, about)
            }));
        self
    }

    /// True in debug mode.
    pub fn is_debug(&self) -> bool {
        self.config.debug
    }
}

impl<S> Layer<S> for ErrorCatcherLayer {
    type Service = ErrorCatcher<S>;

    fn layer(&self, inner: S) -> ErrorCatcher<S> {
        ErrorCatcher {
            inner,
            config: self.config.clone(),
            not_ready: None,
        }
    }
}
