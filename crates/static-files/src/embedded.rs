//! [`Embedded`]: serve assets compiled into the binary.

mod probe;

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use gw_core::{Body, Probe, Probed};
use http::{Request, Response};
use tower_service::Service;

use crate::config::{BuildError, Config, ContentDisposition};
use crate::entry::{FileEntry, Index, Representation};
use crate::future::ResponseFuture;
use crate::path::check_segment;

/// Serves files compiled into the binary: the twin of Pylons' packaged WebHelpers
/// JavaScript and Paste's `PkgResourcesParser`, with the same HTTP rules as
/// [`StaticFiles`](crate::StaticFiles).
///
/// The ETag is a hash of the content, computed once; every request is answered
/// from memory with no filesystem I/O. Directories are implied by the paths;
/// `index.html` (see [`index_files`](Self::index_files)) answers a request ending
/// in `/`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_static_files::Embedded;
/// use tower::ServiceExt;
///
/// let assets = Embedded::new()
///     .file("javascripts/helpers.js", b"function hello() {}\n") // or include_bytes!(...)
///     .file("/css/site.css", b"body { margin: 0 }");
///
/// let res = assets.oneshot(http::Request::get("/javascripts/helpers.js").body(()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), 200);
/// assert!(res.headers()["etag"].to_str().unwrap().starts_with('"'));
/// # }
/// ```
///
/// A clone is a reference-count bump: the files, the configuration and the index
/// live behind one `Arc`.
#[derive(Clone, Debug, Default)]
pub struct Embedded {
    shared: Arc<Shared>,
}

/// What every clone of an [`Embedded`] shares.
#[derive(Debug, Default)]
struct Shared {
    files: Vec<(String, Bytes)>,
    config: Config,
    last_modified: Option<SystemTime>,
    /// Built on the first request, from the fields above.
    index: OnceLock<Index>,
}

/// A builder method on a shared `Embedded` copies what it changes; the index is
/// built afresh.
impl Clone for Shared {
    fn clone(&self) -> Self {
        Shared {
            files: self.files.clone(),
            config: self.config.clone(),
            last_modified: self.last_modified,
            index: OnceLock::new(),
        }
    }
}

impl Embedded {
    /// No files yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file at `path` (`"javascripts/helpers.js"`; a leading `/` is allowed).
    ///
    /// # Panics
    ///
    /// When the path is not clean (an empty, `.` or `..` segment, a backslash or
    /// control character); [`try_file`](Self::try_file) returns the error instead.
    /// Paths are normally literals, so this is a programming error found at startup.
    pub fn file(self, path: &str, contents: &'static [u8]) -> Self {
        self.file_bytes(path, Bytes::from_static(contents))
    }

    /// Like [`file`](Self::file) for contents built at run time.
    ///
    /// # Panics
    ///
    /// When the path is not clean, as [`file`](Self::file).
    pub fn file_bytes(self, path: &str, contents: impl Into<Bytes>) -> Self {
        match self.try_file(path, contents) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`file`](Self::file), returning a bad path as an error.
    pub fn try_file(mut self, path: &str, contents: impl Into<Bytes>) -> Result<Self, BuildError> {
        let clean = path.strip_prefix('/').unwrap_or(path);
        for segment in clean.split('/') {
            check_segment(segment, true).map_err(|reason| BuildError::InvalidEmbeddedPath {
                path: path.to_owned(),
                reason: reason.to_string(),
            })?;
        }
        let shared = self.edit();
        shared.files.retain(|(p, _)| p != clean);
        shared.files.push((clean.to_owned(), contents.into()));
        Ok(self)
    }

    /// The names tried for a request ending in `/`. Default: `index.html`.
    pub fn try_index_files<I, S>(mut self, names: I) -> Result<Self, BuildError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        Config::check_index_files(&names)?;
        self.edit().config.index_files = names;
        Ok(self)
    }

    /// The names tried for a request ending in `/`. Default: `index.html`.
    ///
    /// # Panics
    ///
    /// When a name is empty or contains `/`.
    pub fn index_files<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        match self.try_index_files(names) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    /// Sends `Cache-Control: public, max-age=N`. Default: no `Cache-Control`.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.edit().config.cache_control = Some(Config::max_age_value(max_age));
        self
    }

    /// Fingerprinted names get a year and `immutable`. Default: off.
    pub fn immutable_fingerprinted(mut self, on: bool) -> Self {
        self.edit().config.immutable_fingerprinted = on;
        self
    }

    /// Whether to send `Content-Disposition`. Default: none.
    pub fn content_disposition(mut self, disposition: ContentDisposition) -> Self {
        self.edit().config.content_disposition = disposition;
        self
    }

    /// A `Last-Modified` date for every file (for example the build time), which
    /// enables `If-Modified-Since`. Default: none; the content ETag is enough.
    pub fn last_modified(mut self, when: SystemTime) -> Self {
        self.edit().last_modified = Some(when);
        self
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.shared.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.shared.files.is_empty()
    }

    /// The shared state, for a builder method to change: copied first if another
    /// clone holds it, and its index dropped, to be built again.
    fn edit(&mut self) -> &mut Shared {
        let shared = Arc::make_mut(&mut self.shared);
        shared.index = OnceLock::new();
        shared
    }

    pub(crate) fn config(&self) -> &Config {
        &self.shared.config
    }

    pub(crate) fn index(&self) -> &Index {
        let shared = &*self.shared;
        shared.index.get_or_init(|| {
            let files = shared.files.iter().map(|(path, bytes)| {
                let name = path.rsplit('/').next().unwrap_or(path);
                let repr = Representation::in_memory(bytes.clone(), shared.last_modified);
                let entry = FileEntry::new(name, Arc::new(repr), Vec::new(), &shared.config);
                (path.as_str(), entry)
            });
            Index::of_files(files, &shared.config.index_files)
        })
    }
}

impl<B> Service<Request<B>> for Embedded {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The probe (see `embedded/probe.rs`) does the work; a miss is answered here.
        ResponseFuture::ready(match Probe::probe(self, &mut req) {
            Probed::Ready(res) => res,
            Probed::Pending(future) => return future,
            Probed::Miss => crate::lookup::missing(&req),
        })
    }
}
