//! [`StaticFiles`]: serve a directory tree.

pub(crate) mod listing;
mod probe;
mod scan;

use std::convert::Infallible;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use gw_core::{Body, Probe, Probed, Settings};
use http::request::Parts;
use http::{Request, Response};
use tower_service::Service;

use crate::config::{BuildError, Config, ContentDisposition, Dotfiles, Symlinks};
use crate::encoding::Encoding;
use crate::entry::{Due, FileEntry, Index, Representation, Source};
use crate::future::ResponseFuture;
use crate::lookup::{lookup, Lookup};
use crate::open_files::{still_linked, Budget, DiskFile};
use crate::respond::{self, Payload};

/// Serves the files under a root directory: the twin of Paste's
/// `StaticURLParser` + `FileApp`, and of tower-http's `ServeDir`.
///
/// The tree is indexed in memory, so a request for a missing file is one hash
/// lookup (no system call), and files up to [`cache_file_max`](Self::cache_file_max)
/// are served from memory. See the [crate docs](crate) for every HTTP rule.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use gw_static_files::StaticFiles;
/// use std::time::Duration;
/// use tower::ServiceExt;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("index.html"), "<h1>Hi</h1>")?;
///
/// let files = StaticFiles::new(dir.path())?
///     .max_age(Duration::from_secs(3600))
///     .immutable_fingerprinted(true);
///
/// let res = files.oneshot(http::Request::get("/").body(())?).await?;
/// assert_eq!(res.status(), 200);
/// assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
/// assert_eq!(res.headers()["cache-control"], "public, max-age=3600");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct StaticFiles {
    shared: Arc<Shared>,
}

struct Shared {
    root: PathBuf,
    config: Config,
    index: RwLock<Arc<Index>>,
    scan_lock: Arc<tokio::sync::Mutex<()>>,
    /// The bound on the descriptors kept open (see `open_files.rs`).
    open_files: Arc<Budget>,
}

impl std::fmt::Debug for StaticFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticFiles")
            .field("root", &self.shared.root)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

/// The keys [`StaticFiles::from_settings`] reads.
pub const SETTINGS_KEYS: &[&str] = &[
    "root",
    "index_files",
    "max_age",
    "cache_control",
    "immutable",
    "dotfiles",
    "symlinks",
    "precompressed",
    "listing",
    "content_disposition",
    "cache_size",
    "cache_file_max",
    "revalidate",
    "chunk_size",
    "max_ranges",
    "open_files",
];

impl StaticFiles {
    /// Serves `root`, which must be an existing directory.
    ///
    /// The tree is scanned on the first request (on the blocking pool), not here,
    /// so the builder methods below cost nothing.
    pub fn new(root: impl AsRef<Path>) -> Result<Self, BuildError> {
        let given = root.as_ref();
        let not_dir = |reason: String| BuildError::RootNotADirectory {
            path: given.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(given).map_err(|e| not_dir(e.to_string()))?;
        if !meta.is_dir() {
            return Err(not_dir("not a directory".into()));
        }
        let root = std::fs::canonicalize(given).map_err(|e| not_dir(e.to_string()))?;
        Ok(Self::from_parts(root, Config::default()))
    }

    /// Builds from settings; `root` is required, relative paths are taken from the
    /// config file's directory. Keys ([`SETTINGS_KEYS`]):
    ///
    /// | key | value | default |
    /// |---|---|---|
    /// | `root` | a directory | required |
    /// | `index_files` | list of names | `index.html` |
    /// | `max_age` | whole seconds (`3600`, `1h`; a fraction is an error) | no `Cache-Control` |
    /// | `cache_control` | a literal header value | none |
    /// | `immutable` | bool: fingerprinted names get a year and `immutable` | false |
    /// | `dotfiles` | bool: serve dotfiles | false |
    /// | `symlinks` | `inside_root`, `refuse` or `follow` | `inside_root` |
    /// | `precompressed` | list of `br`, `zstd`, `gzip` (or `true` for all) | none |
    /// | `listing` | bool | false |
    /// | `content_disposition` | `none`, `inline` or `attachment` | `none` |
    /// | `cache_size` | size (`64MiB`) | 64 MiB |
    /// | `cache_file_max` | size | 64 KiB |
    /// | `revalidate` | duration | 1 s |
    /// | `chunk_size` | size | 60 KiB |
    /// | `max_ranges` | integer | 16 |
    /// | `open_files` | integer: large files' descriptors kept open (`0`: none) | 256 |
    ///
    /// ```
    /// use gw_core::Settings;
    /// use gw_static_files::StaticFiles;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let root = dir.path().to_str().unwrap();
    /// let ok = Settings::from_pairs([("root", root), ("max_age", "1h"), ("precompressed", "br gzip")]);
    /// assert!(StaticFiles::from_settings(&ok).is_ok());
    ///
    /// let typo = Settings::from_pairs([("root", root), ("max_agee", "1h")]);
    /// assert!(StaticFiles::from_settings(&typo).unwrap_err().to_string().contains("max_agee"));
    /// ```
    pub fn from_settings(settings: &Settings) -> Result<Self, BuildError> {
        settings.check_known(SETTINGS_KEYS)?;
        let root = settings
            .get_path("root")?
            .ok_or_else(|| settings.error("root", gw_core::SettingsErrorKind::Missing))?;
        let mut files = StaticFiles::new(root)?;
        if let Some(list) = settings.get_list("index_files") {
            files = files.try_index_files(list)?;
        }
        // `Cache-Control: max-age` counts whole seconds: `1.5` is refused, not cut to 1.
        if let Some(age) = settings.get_whole_seconds("max_age")? {
            files = files.max_age(Duration::from_secs(age));
        }
        if let Some(raw) = settings.get("cache_control") {
            files = files.try_cache_control(raw)?;
        }
        if let Some(on) = settings.get_bool("immutable")? {
            files = files.immutable_fingerprinted(on);
        }
        if let Some(on) = settings.get_bool("dotfiles")? {
            files = files.dotfiles(if on { Dotfiles::Allow } else { Dotfiles::Hide });
        }
        if let Some(raw) = settings.get("symlinks") {
            let policy = match raw.trim() {
                "inside_root" => Symlinks::InsideRoot,
                "refuse" => Symlinks::Refuse,
                "follow" => Symlinks::Follow,
                _ => {
                    return Err(settings
                        .invalid("symlinks", "inside_root, refuse or follow")
                        .into())
                }
            };
            files = files.symlinks(policy);
        }
        if let Some(words) = settings.get_list("precompressed") {
            let mut encodings = Vec::new();
            for word in &words {
                match (
                    Encoding::from_word(word),
                    gw_core::settings::parse_bool(word),
                ) {
                    (Some(enc), _) => encodings.push(enc),
                    (None, Some(true)) => encodings.extend(Encoding::ALL),
                    (None, Some(false)) => {}
                    (None, None) => {
                        return Err(settings
                            .invalid("precompressed", "a list of br, zstd and gzip, or a bool")
                            .into())
                    }
                }
            }
            files = files.precompressed(encodings);
        }
        if let Some(on) = settings.get_bool("listing")? {
            files = files.listing(on);
        }
        if let Some(raw) = settings.get("content_disposition") {
            let cd = match raw.trim() {
                "none" => ContentDisposition::None,
                "inline" => ContentDisposition::Inline,
                "attachment" => ContentDisposition::Attachment,
                _ => {
                    return Err(settings
                        .invalid("content_disposition", "none, inline or attachment")
                        .into())
                }
            };
            files = files.content_disposition(cd);
        }
        if let Some(size) = settings.get_size("cache_size")? {
            files = files.cache_size(size);
        }
        if let Some(size) = settings.get_size("cache_file_max")? {
            files = files.cache_file_max(size);
        }
        if let Some(every) = settings.get_duration("revalidate")? {
            files = files.revalidate_interval(every);
        }
        if let Some(size) = settings.get_size("chunk_size")? {
            files = files.chunk_size(usize::try_from(size).unwrap_or(usize::MAX));
        }
        if let Some(n) = settings.get_int::<usize>("max_ranges")? {
            files = files.max_ranges(n);
        }
        if let Some(n) = settings.get_int::<usize>("open_files")? {
            files = files.open_files(n);
        }
        Ok(files)
    }

    fn from_parts(root: PathBuf, config: Config) -> Self {
        StaticFiles {
            shared: Arc::new(Shared {
                root,
                index: RwLock::new(Arc::new(Index::default())),
                scan_lock: Arc::new(tokio::sync::Mutex::new(())),
                open_files: Budget::new(config.open_files),
                config,
            }),
        }
    }

    fn configure(self, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = self.shared.config.clone();
        change(&mut config);
        Self::from_parts(self.shared.root.clone(), config)
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// The names tried, in order, for a request ending in `/`. Default: `index.html`.
    ///
    /// # Panics
    ///
    /// When a name is empty or contains `/`; [`try_index_files`](Self::try_index_files)
    /// returns the error instead.
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

    /// Like [`index_files`](Self::index_files), returning a bad name as an error.
    pub fn try_index_files<I, S>(self, names: I) -> Result<Self, BuildError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        Config::check_index_files(&names)?;
        Ok(self.configure(|c| c.index_files = names))
    }

    /// Sends `Cache-Control: public, max-age=N`. Default: no `Cache-Control`.
    pub fn max_age(self, max_age: Duration) -> Self {
        self.configure(|c| c.cache_control = Some(Config::max_age_value(max_age)))
    }

    /// Sends this literal `Cache-Control` value (replaces [`max_age`](Self::max_age)).
    pub fn try_cache_control(self, value: &str) -> Result<Self, BuildError> {
        let value =
            http::HeaderValue::from_str(value).map_err(|_| BuildError::InvalidCacheControl {
                value: value.to_owned(),
            })?;
        Ok(self.configure(|c| c.cache_control = Some(value)))
    }

    /// Names with a content fingerprint (`app.3f2a9c1b.js`: a dot- or
    /// dash-separated part of at least 8 hex digits) get
    /// `Cache-Control: public, max-age=31536000, immutable`. Default: off.
    pub fn immutable_fingerprinted(self, on: bool) -> Self {
        self.configure(|c| c.immutable_fingerprinted = on)
    }

    /// Whether dotfiles are served. Default: [`Dotfiles::Hide`].
    pub fn dotfiles(self, policy: Dotfiles) -> Self {
        self.configure(|c| c.dotfiles = policy)
    }

    /// Which symbolic links are followed. Default: [`Symlinks::InsideRoot`].
    pub fn symlinks(self, policy: Symlinks) -> Self {
        self.configure(|c| c.symlinks = policy)
    }

    /// Serve `NAME.br`, `NAME.zst` and `NAME.gz` sidecars, among `encodings`, in
    /// place of `NAME` when Accept-Encoding allows. Default: none.
    pub fn precompressed(self, encodings: impl IntoIterator<Item = Encoding>) -> Self {
        let mut encodings: Vec<Encoding> = encodings.into_iter().collect();
        encodings.sort();
        encodings.dedup();
        self.configure(|c| c.precompressed = encodings)
    }

    /// An HTML listing for directories without an index file. Default: off (404).
    pub fn listing(self, on: bool) -> Self {
        self.configure(|c| c.listing = on)
    }

    /// Whether to send `Content-Disposition`. Default: [`ContentDisposition::None`].
    pub fn content_disposition(self, disposition: ContentDisposition) -> Self {
        self.configure(|c| c.content_disposition = disposition)
    }

    /// The total size of files held in memory. Default: 64 MiB. `0` turns the
    /// memory cache off.
    pub fn cache_size(self, bytes: u64) -> Self {
        self.configure(|c| c.cache_size = bytes)
    }

    /// The largest file held in memory. Default: 64 KiB.
    pub fn cache_file_max(self, bytes: u64) -> Self {
        self.configure(|c| c.cache_file_max = bytes)
    }

    /// How stale the index may get. Default: 1 s.
    ///
    /// A file added, changed or deleted on disk is seen by every request that
    /// starts at least this long after the change. The index is rescanned in the
    /// background once it is half this old and a request arrives; a request that
    /// finds it older than this waits for a rescan. Files too large for the
    /// memory cache are also re-checked (`fstat`) on every request. `Duration::ZERO`
    /// rescans before every request (for development).
    pub fn revalidate_interval(self, every: Duration) -> Self {
        self.configure(|c| c.revalidate = every)
    }

    /// The read size when streaming a large file. Default: 64 KiB. At most
    /// three chunks per response are in memory at once (one or two with the
    /// connection, one read ahead), plus at most 4 MiB of spare buffers per
    /// process.
    pub fn chunk_size(self, bytes: usize) -> Self {
        self.configure(|c| c.chunk_size = bytes)
    }

    /// The most parts a `multipart/byteranges` answer may have after coalescing;
    /// more are answered with the whole file. Default: 16.
    pub fn max_ranges(self, parts: usize) -> Self {
        self.configure(|c| c.max_ranges = parts.max(1))
    }

    /// How many descriptors of files too large for the memory cache are kept
    /// open between requests (an open-file cache, like nginx's
    /// `open_file_cache`). Default: 256. `0` opens the file for every request.
    ///
    /// A request for a kept file makes no `open` and no thread hand-off: it
    /// `fstat`s the descriptor on the worker thread (a file changed in place gets
    /// fresh headers; a file deleted or replaced by a new one is opened again by
    /// its path) and streams it with positioned reads. Each index rescan (see
    /// [`revalidate_interval`](Self::revalidate_interval)) closes the descriptors
    /// no request used since the previous rescan, and those of files that
    /// changed. When the bound is reached, other files are opened per request.
    /// The bound counts kept descriptors; each response in flight also holds its
    /// file open until it ends, with or without this cache.
    pub fn open_files(self, max: usize) -> Self {
        self.configure(|c| c.open_files = max)
    }
}

enum Freshness {
    Fresh,
    /// Past half the interval: rescan in the background, serve what we have.
    Aging,
    /// Past the interval: rescan before answering.
    Stale,
}

impl Shared {
    fn current(&self) -> Arc<Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn freshness(&self, index: &Index) -> Freshness {
        let Some(due) = index.due else {
            return Freshness::Stale;
        };
        let now = Instant::now();
        let past = |deadline: Option<Instant>| deadline.is_some_and(|at| now >= at);
        if past(due.stale) {
            Freshness::Stale
        } else if past(due.aging) {
            Freshness::Aging
        } else {
            Freshness::Fresh
        }
    }

    /// Rescans unless a rescan finished meanwhile; callers wait for it.
    async fn refresh(self: Arc<Self>) {
        let _guard = self.scan_lock.lock().await;
        if matches!(self.freshness(&self.current()), Freshness::Stale) {
            self.rescan().await;
        }
    }

    /// Starts a background rescan unless one is running.
    fn refresh_in_background(self: &Arc<Self>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(guard) = self.scan_lock.clone().try_lock_owned() else {
            return;
        };
        let shared = self.clone();
        rt.spawn(async move {
            let _guard = guard;
            shared.rescan().await;
        });
    }

    async fn rescan(self: &Arc<Self>) {
        let shared = self.clone();
        let result = blocking(move || {
            let old = shared.current();
            scan::scan(&shared.root, &shared.config, &old)
        })
        .await;
        let index = match result {
            Ok(index) => index,
            Err(e) => {
                // The root vanished or became unreadable: serve nothing until it returns.
                tracing::warn!(error = %e, "static files: cannot scan the root directory");
                Index::new(
                    Default::default(),
                    Some(Due::after(Instant::now(), self.config.revalidate)),
                    &[],
                )
            }
        };
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
    }
}

/// Runs `f` on tokio's blocking pool, or inline outside a tokio runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => rt.spawn_blocking(f).await.map_err(io::Error::other)?,
        Err(_) => f(),
    }
}

impl<B> Service<Request<B>> for StaticFiles {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The probe (see `probe.rs`) does the work; a miss is answered here.
        match Probe::probe(self, &mut req) {
            Probed::Ready(res) => ResponseFuture::ready(res),
            Probed::Pending(future) => future,
            Probed::Miss => ResponseFuture::ready(crate::lookup::missing(&req)),
        }
    }
}

/// Waits for a rescan of a stale index, then answers `req` (a copy of the head).
fn refresh_then_serve(shared: Arc<Shared>, req: Request<()>) -> ResponseFuture {
    ResponseFuture::waiting(async move {
        shared.clone().refresh().await;
        let index = shared.current();
        match serve(&shared, &index, &req) {
            Ok(res) => res,
            Err(disk) => disk.open_and_respond(shared.clone()).await,
        }
    })
}

/// A file that must be opened before it can be answered.
struct DiskRequest {
    entry: Arc<FileEntry>,
    encoding: Option<Encoding>,
    repr: Arc<Representation>,
    path: PathBuf,
    parts: Parts,
}

/// Answers from the index, or says which file must be opened.
fn serve<B>(
    shared: &Shared,
    index: &Index,
    req: &Request<B>,
) -> Result<Response<Body>, Box<DiskRequest>> {
    match lookup(index, req, &shared.config) {
        Lookup::Done(res) => Ok(res),
        Lookup::Missing => Ok(crate::lookup::missing(req)),
        Lookup::File(entry) => serve_file(shared, &entry, req),
    }
}

/// Answers a file from memory or from its kept descriptor, or says that it must
/// be opened; only then is the part of the request head a file answer needs
/// (method, headers) copied.
fn serve_file<B>(
    shared: &Shared,
    entry: &Arc<FileEntry>,
    req: &Request<B>,
) -> Result<Response<Body>, Box<DiskRequest>> {
    let disk = match respond::from_memory(entry, req, &shared.config) {
        Ok(res) => return Ok(res),
        Err(disk) => disk,
    };
    if let Some(file) = disk.file.kept() {
        // `fstat` of an open descriptor does not wait for the disk: done here,
        // on the worker, with no hand-off to the blocking pool.
        match file.metadata() {
            Ok(meta) if meta.is_file() && still_linked(&meta) => {
                return Ok(respond_open(
                    shared,
                    entry,
                    disk.encoding,
                    disk.repr,
                    disk.file.path(),
                    file,
                    &meta,
                    req.method(),
                    req.headers(),
                ));
            }
            // Deleted or replaced since it was kept: open the path again.
            _ => disk.file.forget(),
        }
    }
    let mut parts = Request::new(()).into_parts().0;
    parts.method = req.method().clone();
    parts.headers = req.headers().clone();
    Err(Box::new(DiskRequest {
        encoding: disk.encoding,
        repr: disk.repr.clone(),
        path: disk.file.path().to_path_buf(),
        parts,
        entry: entry.clone(),
    }))
}

/// Answers from `file`, opened from `path`, whose metadata is
/// `meta`. The index may be up to one interval old, so the open file is the
/// truth: when it is not the version `repr` describes (changed in place, or a
/// new file at the path), the answer is built from `meta` instead.
#[allow(clippy::too_many_arguments)]
fn respond_open(
    shared: &Shared,
    entry: &FileEntry,
    encoding: Option<Encoding>,
    repr: &Arc<Representation>,
    path: &Path,
    file: Arc<File>,
    meta: &std::fs::Metadata,
    method: &http::Method,
    headers: &http::HeaderMap,
) -> Response<Body> {
    let stamp = scan::stamp_of(meta);
    let fresh;
    let repr = if repr.stamp == Some(stamp) {
        repr
    } else {
        fresh = Representation::on_disk(
            stamp,
            encoding,
            Source::Disk(DiskFile::new(path.to_path_buf())),
        );
        &fresh
    };
    respond::respond(
        entry,
        encoding,
        repr,
        method,
        headers,
        Payload::Disk(file),
        &shared.config,
    )
}

impl DiskRequest {
    async fn open_and_respond(self: Box<Self>, shared: Arc<Shared>) -> Response<Body> {
        let path = self.path.clone();
        let opened = blocking(move || {
            let file = File::open(&path)?;
            let meta = file.metadata()?;
            Ok((file, meta))
        })
        .await;
        let (file, meta) = match opened {
            Ok((file, meta)) if meta.is_file() => (file, meta),
            // Deleted since the last scan (a HEAD answer has no body).
            _ => return respond::for_method(&self.parts.method, respond::not_found()),
        };
        let file = Arc::new(file);
        // Only the version the index describes is kept: a newer one gets its
        // own representation at the next rescan.
        if let Source::Disk(disk) = &self.repr.source {
            if self.repr.stamp == Some(scan::stamp_of(&meta)) {
                disk.keep(&file, &shared.open_files);
            }
        }
        respond_open(
            &shared,
            &self.entry,
            self.encoding,
            &self.repr,
            &self.path,
            file,
            &meta,
            &self.parts.method,
            &self.parts.headers,
        )
    }
}
