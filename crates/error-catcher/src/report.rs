//! Error reports, and where they go: `tracing`, plus any [`Reporter`].

use std::fmt;
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use gw_core::{BoxError, Environ};
use serde_json::{json, Value};

use crate::capture::{self, RequestLine};
use crate::panic_hook::{CaughtPanic, SourceLocation};
use crate::render::redact::{redact_query, redact_value};

/// Where in the request's life the failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The inner service panicked in `call`.
    PanicInCall,
    /// The inner service's response future panicked.
    PanicInFuture,
    /// The response body panicked while it was polled.
    PanicInBody,
    /// The inner service returned `Err`.
    ServiceError,
    /// The response body ended with an error frame.
    BodyError,
}

impl ErrorKind {
    /// A short machine-friendly name, such as `panic_in_body`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::PanicInCall => "panic_in_call",
            ErrorKind::PanicInFuture => "panic_in_future",
            ErrorKind::PanicInBody => "panic_in_body",
            ErrorKind::ServiceError => "service_error",
            ErrorKind::BodyError => "body_error",
        }
    }

    /// True for the three panic kinds.
    pub fn is_panic(self) -> bool {
        matches!(
            self,
            ErrorKind::PanicInCall | ErrorKind::PanicInFuture | ErrorKind::PanicInBody
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::PanicInCall => "panic in the service's call",
            ErrorKind::PanicInFuture => "panic in the response future",
            ErrorKind::PanicInBody => "panic while the response body was polled",
            ErrorKind::ServiceError => "error returned by the service",
            ErrorKind::BodyError => "error from the response body",
        })
    }
}

/// An error id: 16 hex digits, shown to the user and logged with the report, so a
/// support request can be matched to its log line.
///
/// Every response of an [`ErrorCatcher`](crate::ErrorCatcher) 500 carries it as a
/// response extension, and as the `x-error-id` header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorId(Arc<str>);

impl ErrorId {
    /// A new, unpredictable id.
    pub fn generate() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // RandomState is seeded randomly per process: ids are not guessable.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(nanos);
        ErrorId(Arc::from(format!("{:016x}", hasher.finish())))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ErrorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The request a report is about, with secrets already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The method.
    pub method: String,
    /// The URI, with secret-looking query values redacted.
    pub uri: String,
    /// The HTTP version, such as `HTTP/1.1`.
    pub version: String,
    /// The headers in order; Cookie, Authorization and other secrets redacted.
    /// Empty unless the catcher reports request details (the default in debug mode;
    /// see [`ErrorCatcherLayer::report_request_details`](crate::ErrorCatcherLayer::report_request_details)).
    pub headers: Vec<(String, String)>,
    /// The [`Environ`] keys as the request reached the catcher; secret-looking ones
    /// redacted. Empty unless the catcher reports request details.
    pub environ: Vec<(String, String)>,
}

/// Everything known about one failure. Reporters and renderers read it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ErrorReport {
    /// The id shown to the client.
    pub id: ErrorId,
    /// When it happened, RFC 3339 in UTC.
    pub time: String,
    /// Where in the request's life it happened.
    pub kind: ErrorKind,
    /// True when the status and headers had already been sent, so the response was
    /// aborted instead of replaced by a 500 page.
    pub after_headers: bool,
    /// `panic` for panics, else the Rust type of the error.
    pub error_type: String,
    /// The panic message or the error's `Display`.
    pub message: String,
    /// The error's `source()` chain, outermost first (empty for panics).
    pub causes: Vec<String>,
    /// Where the panic happened, when the panic hook saw it.
    pub location: Option<SourceLocation>,
    /// The backtrace, as `std::backtrace::Backtrace` prints it.
    pub backtrace: Option<String>,
    /// The request.
    pub request: RequestInfo,
}

impl ErrorReport {
    /// The report as a JSON object: the shape of the JSON debug page and of each
    /// line the [`JsonLinesReporter`] writes.
    pub fn to_json(&self) -> Value {
        let pairs = |list: &[(String, String)]| {
            Value::Array(list.iter().map(|(k, v)| json!([k, v])).collect())
        };
        json!({
            "error_id": self.id.as_str(),
            "time": self.time,
            "kind": self.kind.as_str(),
            "after_headers": self.after_headers,
            "error_type": self.error_type,
            "message": self.message,
            "causes": self.causes,
            "location": self.location.as_ref().map(|l| json!({
                "file": l.file, "line": l.line, "column": l.column,
            })),
            "backtrace": self.backtrace,
            "request": {
                "method": self.request.method,
                "uri": self.request.uri,
                "version": self.request.version,
                "headers": pairs(&self.request.headers),
                "environ": pairs(&self.request.environ),
            },
        })
    }
}

/// Sends error reports somewhere: the twin of Paste's error emails.
///
/// Every report also goes to `tracing` at error level, whatever the reporters do.
/// A reporter runs on the request's task when the failure is caught, so keep it
/// short or hand the report to a background task. A reporter that returns `Err` or
/// panics is logged at warn level and otherwise ignored: it cannot break the
/// response.
///
/// ```
/// use gw_error_catcher::{ErrorReport, Reporter};
/// use std::sync::Mutex;
///
/// /// Keeps the ids, for a test or an admin page.
/// #[derive(Default)]
/// struct Ids(Mutex<Vec<String>>);
///
/// impl Reporter for Ids {
///     fn report(&self, report: &ErrorReport) -> Result<(), gw_core::BoxError> {
///         self.0.lock().map_err(|_| "poisoned")?.push(report.id.to_string());
///         Ok(())
///     }
/// }
///
/// let layer = gw_error_catcher::ErrorCatcherLayer::new().reporter(Ids::default());
/// # let _ = layer;
/// ```
pub trait Reporter: Send + Sync + 'static {
    /// Sends one report.
    fn report(&self, report: &ErrorReport) -> Result<(), BoxError>;
}

impl<R: Reporter + ?Sized> Reporter for Arc<R> {
    fn report(&self, report: &ErrorReport) -> Result<(), BoxError> {
        (**self).report(report)
    }
}

/// A [`Reporter`] that appends each report as one JSON line to a file.
///
/// The file is opened (created if missing) when the reporter is built, so a bad
/// path is an error at start-up, not at the first failure.
#[derive(Debug)]
pub struct JsonLinesReporter {
    path: PathBuf,
    file: Mutex<File>,
}

impl JsonLinesReporter {
    /// Opens `path` for appending.
    pub fn new(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(JsonLinesReporter {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Reporter for JsonLinesReporter {
    fn report(&self, report: &ErrorReport) -> Result<(), BoxError> {
        let mut line = serde_json::to_vec(&report.to_json())?;
        line.push(b'\n');
        // One write per line: with O_APPEND, lines from several processes do not mix.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)?;
        Ok(())
    }
}

/// What the catcher knows about the request, taken before `call`.
///
/// The request line and `Accept` are copied, not shared with the connection's
/// read buffer (see [`RequestLine`]). The headers and the environ (the "details")
/// cost a copy of the header map, so they are taken only when the catcher is
/// configured to report them.
#[derive(Debug, Clone)]
pub(crate) struct RequestSummary {
    line: RequestLine,
    version: http::Version,
    /// The request is itself one for an error document (never given one).
    error_page: bool,
    // The bytes, not a `HeaderValue`: 24 bytes less in every catcher's future.
    accept: Option<Box<[u8]>>,
    details: Option<Box<(http::HeaderMap, Option<Environ>)>>,
}

impl RequestSummary {
    #[inline]
    pub(crate) fn capture<B>(req: &http::Request<B>, details: bool) -> Self {
        RequestSummary {
            line: RequestLine::capture(req),
            version: req.version(),
            error_page: req
                .extensions()
                .get::<crate::documents::ErrorDocumentRequest>()
                .is_some(),
            accept: capture::accept(req.headers()),
            details: details.then(|| Box::new((req.headers().clone(), Environ::of(req).cloned()))),
        }
    }

    pub(crate) fn line(&self) -> &RequestLine {
        &self.line
    }

    /// The request's first `Accept` value.
    pub(crate) fn accept(&self) -> Option<&[u8]> {
        self.accept.as_deref()
    }

    /// True if the request is itself one for an error document.
    pub(crate) fn is_error_page(&self) -> bool {
        self.error_page
    }

    fn info(&self) -> RequestInfo {
        let (headers, environ) = match self.details.as_deref() {
            Some((headers, environ)) => (Some(headers), environ.as_ref()),
            None => (None, None),
        };
        let headers = headers
            .into_iter()
            .flat_map(http::HeaderMap::iter)
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                (
                    name.as_str().to_owned(),
                    redact_value(name.as_str(), &value).to_owned(),
                )
            })
            .collect();
        let environ = environ
            .into_iter()
            .flat_map(Environ::iter)
            .map(|(k, v)| (k.to_owned(), redact_value(k, v).to_owned()))
            .collect();
        RequestInfo {
            method: self.line.method.to_string(),
            uri: redact_query(&self.line.uri().to_string()),
            version: format!("{:?}", self.version),
            headers,
            environ,
        }
    }
}

/// What went wrong, before it becomes a report.
pub(crate) enum Failure {
    Panic(ErrorKind, Box<CaughtPanic>),
    Error {
        kind: ErrorKind,
        error_type: &'static str,
        error: BoxError,
    },
}

impl Failure {
    pub(crate) fn into_report(self, request: &RequestSummary, after_headers: bool) -> ErrorReport {
        let (kind, error_type, message, causes, location, backtrace) = match self {
            Failure::Panic(kind, caught) => (
                kind,
                "panic".to_owned(),
                caught.message,
                Vec::new(),
                caught.location,
                caught.backtrace,
            ),
            Failure::Error {
                kind,
                error_type,
                error,
            } => {
                let mut causes = Vec::new();
                let mut source = error.source();
                while let Some(cause) = source {
                    causes.push(cause.to_string());
                    source = cause.source();
                }
                (
                    kind,
                    error_type.to_owned(),
                    error.to_string(),
                    causes,
                    None,
                    None,
                )
            }
        };
        ErrorReport {
            id: ErrorId::generate(),
            time: rfc3339_now(),
            kind,
            after_headers,
            error_type,
            message,
            causes,
            location,
            backtrace,
            request: request.info(),
        }
    }
}

/// Logs `report` at error level, then hands it to each reporter, shielding the
/// response from reporters that fail or panic.
pub(crate) fn dispatch(report: &ErrorReport, reporters: &[Arc<dyn Reporter>]) {
    // With no subscriber, the `tracing` event below goes nowhere, and the error
    // id on the page would lead to nothing: one line to stderr instead.
    if !tracing::dispatcher::has_been_set() {
        eprintln!("{}", stderr_line(report));
    }
    tracing::error!(
        error_id = %report.id,
        kind = report.kind.as_str(),
        after_headers = report.after_headers,
        error_type = %report.error_type,
        message = %report.message,
        causes = ?report.causes,
        location = report.location.as_ref().map(tracing::field::display),
        method = %report.request.method,
        uri = %report.request.uri,
        backtrace = report.backtrace.as_deref(),
        "request failed: {}",
        report.kind,
    );
    for reporter in reporters {
        match crate::panic_hook::catch(|| reporter.report(report)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error_id = %report.id, error = %e, "error reporter failed");
            }
            Err(panic) => {
                tracing::warn!(error_id = %report.id, panic = %panic.message, "error reporter panicked");
            }
        }
    }
}

/// The one line written to stderr when no `tracing` subscriber is installed:
/// time, error id, kind, request line, and the message (escaped, so a newline in
/// it cannot start a forged line).
fn stderr_line(report: &ErrorReport) -> String {
    let location = report
        .location
        .as_ref()
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    format!(
        "{} ERROR gw_error_catcher: request failed: {} error_id={} {} {}: {}: {:?}{location}",
        report.time,
        report.kind,
        report.id,
        report.request.method,
        report.request.uri,
        report.error_type,
        report.message,
    )
}

/// Now, as RFC 3339 UTC with millisecond precision.
fn rfc3339_now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(since.as_secs(), since.subsec_millis())
}

fn rfc3339(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(1_798_761_599, 999), "2026-12-31T23:59:59.999Z");
    }

    #[test]
    fn error_ids_are_16_hex_digits_and_differ() {
        let a = ErrorId::generate();
        let b = ErrorId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 16);
        assert!(a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn request_info_redacts_secret_headers_query_and_environ() {
        let mut req = http::Request::builder()
            .uri("/x?token=t0k&page=2")
            .header("cookie", "sid=abc")
            .header("authorization", "Bearer xyz")
            .header("accept", "text/html")
            .body(())
            .unwrap();
        let env = Environ::of_mut(&mut req);
        env.insert(
            gw_core::EnvironKey::new("beaker.session.secret").unwrap(),
            "s3",
        );
        env.insert(gw_core::EnvironKey::new("test.hello").unwrap(), "Hello");
        let info = RequestSummary::capture(&req, true).info();
        assert_eq!(info.uri, "/x?token=[redacted]&page=2");
        assert_eq!(
            info.headers,
            [
                ("cookie".to_owned(), "[redacted]".to_owned()),
                ("authorization".to_owned(), "[redacted]".to_owned()),
                ("accept".to_owned(), "text/html".to_owned()),
            ]
        );
        assert_eq!(
            info.environ,
            [
                ("beaker.session.secret".to_owned(), "[redacted]".to_owned()),
                ("test.hello".to_owned(), "Hello".to_owned()),
            ]
        );
    }

    #[test]
    fn error_reports_carry_the_source_chain_and_type() {
        let io = std::io::Error::other("disk on fire");
        let error: BoxError = Box::new(Wrapper(io));
        let failure = Failure::Error {
            kind: ErrorKind::ServiceError,
            error_type: "my::Error",
            error,
        };
        let req = http::Request::new(());
        let report = failure.into_report(&RequestSummary::capture(&req, true), false);
        assert_eq!(report.message, "query failed");
        assert_eq!(report.causes, ["disk on fire"]);
        assert_eq!(report.error_type, "my::Error");
        assert_eq!(report.to_json()["kind"], "service_error");
    }

    #[derive(Debug)]
    struct Wrapper(std::io::Error);
    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("query failed")
        }
    }
    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    struct Failing;
    impl Reporter for Failing {
        fn report(&self, _: &ErrorReport) -> Result<(), BoxError> {
            Err("smtp down".into())
        }
    }
    struct Panicking;
    impl Reporter for Panicking {
        fn report(&self, _: &ErrorReport) -> Result<(), BoxError> {
            panic!("reporter exploded")
        }
    }

    #[test]
    fn failing_and_panicking_reporters_do_not_stop_the_next_one() {
        crate::install_panic_hook();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("errors.jsonl");
        let file = Arc::new(JsonLinesReporter::new(&path).unwrap());
        let reporters: Vec<Arc<dyn Reporter>> =
            vec![Arc::new(Failing), Arc::new(Panicking), file.clone()];
        let req = http::Request::new(());
        let report = Failure::Error {
            kind: ErrorKind::BodyError,
            error_type: "x",
            error: "late".into(),
        }
        .into_report(&RequestSummary::capture(&req, true), true);
        dispatch(&report, &reporters);
        dispatch(&report, &reporters);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["error_id"], report.id.as_str());
        assert_eq!(lines[0]["after_headers"], true);
    }

    #[test]
    fn json_lines_reporter_fails_at_build_time_on_a_bad_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = JsonLinesReporter::new(dir.path().join("missing/dir/errors.jsonl"));
        assert!(err.is_err());
    }
}
