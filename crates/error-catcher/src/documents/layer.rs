use std::sync::Arc;

use gw_core::{Settings, SettingsError};
use http::StatusCode;
use tower_layer::Layer;

use super::future::Shared;
use super::page::DefaultErrorPage;
use super::rules::StatusSet;
use super::ErrorDocuments;

/// The statuses that get an error document unless configured otherwise.
pub(crate) const DEFAULT_STATUSES: [u16; 5] = [400, 401, 403, 404, 500];

/// A [`Layer`] that wraps services in [`ErrorDocuments`].
///
/// `P` is the error-page service; [`DefaultErrorPage`] unless
/// [`page_service`](Self::page_service) sets another.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_error_catcher::ErrorDocumentsLayer;
/// use gw_core::{app_fn, test_client::TestClient, Body, Response};
/// use http::StatusCode;
/// use tower::Layer;
///
/// let app = app_fn(|_req: http::Request<Body>| async {
///     Response::text("gone").with_status(StatusCode::NOT_FOUND)
/// });
/// let client = TestClient::new(ErrorDocumentsLayer::new().layer(app));
/// let res = client.get("/missing").send().await;
/// res.assert_status(404)
///     .assert_header("content-type", "text/html; charset=utf-8")
///     .assert_body_contains("Not Found");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ErrorDocumentsLayer<P = DefaultErrorPage> {
    pub(crate) statuses: StatusSet,
    pub(crate) page: P,
    pub(crate) document_path: Arc<str>,
}

impl Default for ErrorDocumentsLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrorDocumentsLayer {
    /// Documents for 400, 401, 403, 404 and 500, rendered by [`DefaultErrorPage`].
    pub fn new() -> Self {
        let mut statuses = StatusSet::empty();
        for code in DEFAULT_STATUSES {
            if let Ok(status) = StatusCode::from_u16(code) {
                statuses.insert(status);
            }
        }
        ErrorDocumentsLayer {
            statuses,
            page: DefaultErrorPage::new(),
            document_path: Arc::from("/error/document"),
        }
    }

    /// A layer configured from settings.
    ///
    /// | key | meaning | default |
    /// |---|---|---|
    /// | `error_documents` | the statuses, e.g. `400 401 403 404 500`; empty for none | `400 401 403 404 500` |
    /// | `error_document_path` | the path of the internal page request; `{status}` becomes the code (`/errors/{status}.html`) | `/error/document` |
    ///
    /// It accepts the [`ErrorCatcherLayer`](crate::ErrorCatcherLayer)'s keys too, so
    /// one settings section can configure both layers; any other key is an error.
    ///
    /// ```
    /// use gw_error_catcher::ErrorDocumentsLayer;
    /// use gw_core::Settings;
    ///
    /// let settings = Settings::from_pairs([("error_documents", "404, 500")]);
    /// let layer = ErrorDocumentsLayer::from_settings(&settings)?;
    /// assert_eq!(layer.statuses().map(|s| s.as_u16()).collect::<Vec<_>>(), [404, 500]);
    ///
    /// let bad = Settings::from_pairs([("error_documents", "404 200")]);
    /// assert!(ErrorDocumentsLayer::from_settings(&bad).is_err());
    /// # Ok::<(), gw_core::SettingsError>(())
    /// ```
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        settings.check_known(crate::settings::KNOWN)?;
        let mut layer = ErrorDocumentsLayer::new();
        if let Some(list) = settings.get_list("error_documents") {
            let mut statuses = StatusSet::empty();
            for item in list {
                let status = item
                    .parse::<u16>()
                    .ok()
                    .filter(|code| (400..=599).contains(code))
                    .and_then(|code| StatusCode::from_u16(code).ok())
                    .ok_or_else(|| {
                        settings.invalid(
                            "error_documents",
                            format!("status codes from 400 to 599, separated by spaces or commas ({item:?} is not one)"),
                        )
                    })?;
                statuses.insert(status);
            }
            layer.statuses = statuses;
        }
        if let Some(path) = settings.get("error_document_path") {
            if !is_document_path(path) {
                return Err(settings.invalid(
                    "error_document_path",
                    "an absolute path without a query, such as /error/document",
                ));
            }
            layer.document_path = Arc::from(path);
        }
        Ok(layer)
    }
}

impl<P> ErrorDocumentsLayer<P> {
    /// Replaces the statuses that get a document.
    pub fn statuses_from(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        let mut set = StatusSet::empty();
        for status in statuses {
            set.insert(status);
        }
        self.statuses = set;
        self
    }

    /// Adds one status to the set.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.statuses.insert(status);
        self
    }

    /// The statuses that get a document, in order.
    pub fn statuses(&self) -> impl Iterator<Item = StatusCode> + '_ {
        self.statuses.iter()
    }

    /// Uses `page` to render documents: any `Service<http::Request<Body>>`, such as
    /// your router with a controller at the document path.
    pub fn page_service<Q>(self, page: Q) -> ErrorDocumentsLayer<Q> {
        ErrorDocumentsLayer {
            statuses: self.statuses,
            page,
            document_path: self.document_path,
        }
    }

    /// The path of the internal page request (default `/error/document`).
    /// `{status}` in it is replaced by the status code: `/errors/{status}.html`
    /// asks the page service for `/errors/404.html`.
    ///
    /// Fails, naming the path, unless it is an absolute path without a query.
    pub fn document_path(mut self, path: &str) -> Result<Self, InvalidDocumentPath> {
        if !is_document_path(path) {
            return Err(InvalidDocumentPath {
                path: path.to_owned(),
            });
        }
        self.document_path = Arc::from(path);
        Ok(self)
    }
}

impl<S, P: Clone> Layer<S> for ErrorDocumentsLayer<P> {
    type Service = ErrorDocuments<S, P>;

    fn layer(&self, inner: S) -> ErrorDocuments<S, P> {
        ErrorDocuments {
            inner,
            shared: Arc::new(Shared {
                statuses: self.statuses,
                page: self.page.clone(),
                document_path: self.document_path.clone(),
            }),
        }
    }
}

/// An absolute path without a query; `{status}` stands for a status code.
fn is_document_path(path: &str) -> bool {
    let path = path.replace("{status}", "404");
    path.starts_with('/') && !path.contains('?') && path.parse::<http::Uri>().is_ok()
}

/// A document path that is not an absolute path without a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDocumentPath {
    /// The rejected path.
    pub path: String,
}

impl std::fmt::Display for InvalidDocumentPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error document path {:?} is not an absolute path without a query, such as /error/document",
            self.path
        )
    }
}

impl std::error::Error for InvalidDocumentPath {}
