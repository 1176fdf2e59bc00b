//! The access log: one Apache "combined" line per request, the twin of Paste's
//! TransLogger, plus the request latency in microseconds.
//!
//! ```text
//! 127.0.0.1 - - [27/Nov/2026:19:11:15 +0000] "GET /hello HTTP/1.1" 200 12 "-" "curl/8.0" 523
//! ```
//!
//! Fields: client address, `-`, `-` (no authenticated user), the time the request
//! arrived (UTC), the request line, the status, the body bytes actually handed to
//! the connection (`-` when none, so a response cut short shows what really went
//! out), Referer, User-Agent, and the latency from the request's arrival to the
//! end of its body in microseconds.
//!
//! Unlike TransLogger the line is written when the body ends, not at
//! `start_response`, so the byte count is true. Writing never blocks a request: a
//! record goes into a bounded queue read by a writer thread; when the queue is full
//! the record is dropped and counted in [`Stats`](crate::Stats).

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Method, StatusCode, Uri, Version};

use crate::Stats;

/// Where access-log lines go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AccessLogTarget {
    /// No access log (the default).
    #[default]
    Off,
    /// Standard output.
    Stdout,
    /// Appended to a file, created if missing.
    File(PathBuf),
    /// A `tracing` event per request (target `gw_server::access`, level INFO)
    /// with the fields as structured values.
    Tracing,
}

impl AccessLogTarget {
    /// Parses `off`, `stdout`, `tracing` or a file path.
    pub fn parse(value: &str) -> AccessLogTarget {
        match value.trim() {
            "" | "off" | "false" | "no" => AccessLogTarget::Off,
            "stdout" | "-" => AccessLogTarget::Stdout,
            "tracing" => AccessLogTarget::Tracing,
            path => AccessLogTarget::File(PathBuf::from(path)),
        }
    }
}

/// One request, as the access log sees it.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) client: Option<IpAddr>,
    pub(crate) time: SystemTime,
    pub(crate) method: Method,
    pub(crate) text: RequestText,
    pub(crate) version: Version,
    pub(crate) status: StatusCode,
    pub(crate) bytes: u64,
    pub(crate) latency: Duration,
}

/// The request's URI and its `Referer` and `User-Agent` values, copied out of the
/// request into one buffer. A clone of the `Uri` or of a header value would share
/// hyper's read buffer and keep it referenced until the line is written, so hyper
/// would allocate a new buffer for the connection's next request.
#[derive(Debug, Clone)]
pub(crate) struct RequestText {
    /// The URI as it displays, then the Referer, then the User-Agent.
    bytes: Box<[u8]>,
    /// Where the request target (what the combined line shows) starts in the URI:
    /// after `scheme://authority` when the URI has them.
    target_start: u32,
    uri_end: u32,
    referer_end: Option<u32>,
    user_agent_end: Option<u32>,
}

impl RequestText {
    pub(crate) fn capture(uri: &Uri, headers: &http::HeaderMap) -> RequestText {
        let referer = headers
            .get(http::header::REFERER)
            .map(HeaderValue::as_bytes);
        let user_agent = headers
            .get(http::header::USER_AGENT)
            .map(HeaderValue::as_bytes);
        let mut bytes = Vec::with_capacity(
            uri.path_and_query().map_or(0, |pq| pq.as_str().len())
                + referer.map_or(0, <[u8]>::len)
                + user_agent.map_or(0, <[u8]>::len),
        );
        let target_start = match uri.path_and_query() {
            Some(pq) => {
                if let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) {
                    bytes.extend_from_slice(scheme.as_str().as_bytes());
                    bytes.extend_from_slice(b"://");
                    bytes.extend_from_slice(authority.as_str().as_bytes());
                }
                let start = bytes.len();
                bytes.extend_from_slice(pq.as_str().as_bytes());
                start
            }
            // The authority form (`CONNECT host:port`): the target is the URI.
            None => {
                bytes.extend_from_slice(uri.to_string().as_bytes());
                0
            }
        };
        let uri_end = bytes.len();
        let mut end_of = |value: Option<&[u8]>| {
            value.map(|v| {
                bytes.extend_from_slice(v);
                bytes.len() as u32
            })
        };
        let referer_end = end_of(referer);
        let user_agent_end = end_of(user_agent);
        RequestText {
            bytes: bytes.into_boxed_slice(),
            target_start: target_start as u32,
            uri_end: uri_end as u32,
            referer_end,
            user_agent_end,
        }
    }

    /// The URI as `http::Uri` displays it.
    fn uri(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.uri_end as usize]).unwrap_or("-")
    }

    /// The request target: the path and query, or the URI when it has none.
    fn target(&self) -> &[u8] {
        &self.bytes[self.target_start as usize..self.uri_end as usize]
    }

    fn referer(&self) -> Option<&[u8]> {
        let end = self.referer_end?;
        Some(&self.bytes[self.uri_end as usize..end as usize])
    }

    fn user_agent(&self) -> Option<&[u8]> {
        let end = self.user_agent_end?;
        let start = self.referer_end.unwrap_or(self.uri_end);
        Some(&self.bytes[start as usize..end as usize])
    }
}

/// A header value as `HeaderValue::to_str` gives it: visible ASCII, space and tab.
fn visible(bytes: &[u8]) -> Option<&str> {
    bytes
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then(|| std::str::from_utf8(bytes).ok())
        .flatten()
}

/// The sending side of the access log, cloned into every connection.
#[derive(Debug, Clone)]
pub(crate) struct AccessLog {
    sender: Option<SyncSender<Record>>,
    stats: Stats,
}

/// How many records may wait for the writer before new ones are dropped.
const QUEUE: usize = 8192;

impl AccessLog {
    /// Starts the writer for `target`. `Off` and `Tracing` start no thread.
    pub(crate) fn start(target: &AccessLogTarget, stats: Stats) -> std::io::Result<AccessLog> {
        let out: Box<dyn std::io::Write + Send> = match target {
            AccessLogTarget::Off | AccessLogTarget::Tracing => {
                return Ok(AccessLog {
                    sender: None,
                    stats,
                })
            }
            AccessLogTarget::Stdout => Box::new(std::io::stdout()),
            AccessLogTarget::File(path) => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            ),
        };
        let (sender, receiver) = mpsc::sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("access-log".to_owned())
            .spawn({
                let stats = stats.clone();
                move || write_lines(receiver, out, &stats)
            })?;
        Ok(AccessLog {
            sender: Some(sender),
            stats,
        })
    }

    pub(crate) fn log(&self, record: Record) {
        match &self.sender {
            Some(sender) => match sender.try_send(record) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => self.stats.access_log_dropped(),
                Err(TrySendError::Disconnected(_)) => {}
            },
            None => tracing::info!(
                target: "gw_server::access",
                client = %record.client.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
                method = %record.method,
                uri = %record.text.uri(),
                version = ?record.version,
                status = record.status.as_u16(),
                bytes = record.bytes,
                referer = record.text.referer().and_then(visible).unwrap_or("-"),
                user_agent = record.text.user_agent().and_then(visible).unwrap_or("-"),
                latency_us = record.latency.as_micros() as u64,
                "{}", combined_line(&record)
            ),
        }
    }
}

/// Writes queued records until the server drops its end of the queue.
///
/// A target that fails (a full disk, a closed pipe) never stops the writer and never
/// touches the request path: the failure is reported once through `tracing` at
/// error level, each line lost meanwhile is counted in `Stats::access_log_dropped`,
/// and writing resumes, with a second report, when the target accepts lines again.
fn write_lines(receiver: Receiver<Record>, out: Box<dyn std::io::Write + Send>, stats: &Stats) {
    let mut out = std::io::BufWriter::new(out);
    let mut line = String::with_capacity(256);
    let mut time = TimeCache::default();
    let mut failing = false;
    while let Ok(record) = receiver.recv() {
        let mut next = Some(record);
        let mut batch = 0u64;
        // Batch what is already queued, then flush once.
        let mut result = Ok(());
        while let Some(record) = next {
            line.clear();
            format_combined(&mut line, &record, &mut time);
            line.push('\n');
            batch += 1;
            if result.is_ok() {
                result = out.write_all(line.as_bytes());
            }
            next = receiver.try_recv().ok();
        }
        let result = result.and_then(|()| out.flush());
        match (result, failing) {
            (Ok(()), true) => {
                failing = false;
                tracing::warn!(target: "gw_server::access", "the access log accepts lines again");
            }
            (Ok(()), false) => {}
            (Err(e), was_failing) => {
                if !was_failing {
                    tracing::error!(
                        target: "gw_server::access",
                        error = %e,
                        "cannot write the access log: lines are dropped (and counted) until it works again"
                    );
                }
                failing = true;
                // What the buffer held is lost with this batch; start clean.
                let inner =
                    std::mem::replace(&mut out, std::io::BufWriter::new(Box::new(std::io::sink())));
                let (inner, _lost) = inner.into_parts();
                out = std::io::BufWriter::new(inner);
                for _ in 0..batch {
                    stats.access_log_dropped();
                }
            }
        }
    }
}

/// The combined-format line for a record, without the newline.
pub(crate) fn combined_line(record: &Record) -> String {
    let mut line = String::with_capacity(200);
    format_combined(&mut line, record, &mut TimeCache::default());
    line
}

/// The timestamp of the last line, formatted: lines of the same second share it,
/// so the writer formats a date once a second.
#[derive(Debug, Default)]
struct TimeCache {
    secs: Option<u64>,
    text: String,
}

/// Apache's combined format, written by hand: `std::fmt` cost the writer thread
/// more than all the rest of the line.
fn format_combined(line: &mut String, r: &Record, time: &mut TimeCache) {
    match r.client {
        Some(IpAddr::V4(ip)) => {
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    line.push('.');
                }
                push_number(line, u64::from(octet));
            }
        }
        Some(ip) => {
            let _ = write!(line, "{ip}");
        }
        None => line.push('-'),
    }
    line.push_str(" - - [");
    format_time(line, r.time, time);
    line.push_str("] \"");
    escape(line, r.method.as_str().as_bytes());
    line.push(' ');
    escape(line, r.text.target());
    line.push(' ');
    line.push_str(version_name(r.version));
    line.push_str("\" ");
    push_number(line, u64::from(r.status.as_u16()));
    line.push(' ');
    if r.bytes == 0 {
        line.push('-');
    } else {
        push_number(line, r.bytes);
    }
    for value in [r.text.referer(), r.text.user_agent()] {
        line.push_str(" \"");
        match value {
            Some(v) => escape(line, v),
            None => line.push('-'),
        }
        line.push('"');
    }
    line.push(' ');
    push_number(
        line,
        u64::try_from(r.latency.as_micros()).unwrap_or(u64::MAX),
    );
}

/// As `Version`'s `Debug` names it.
fn version_name(version: Version) -> &'static str {
    if version == Version::HTTP_11 {
        "HTTP/1.1"
    } else if version == Version::HTTP_2 {
        "HTTP/2.0"
    } else if version == Version::HTTP_10 {
        "HTTP/1.0"
    } else if version == Version::HTTP_09 {
        "HTTP/0.9"
    } else if version == Version::HTTP_3 {
        "HTTP/3.0"
    } else {
        "HTTP/?"
    }
}

fn push_number(line: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        line.push(char::from(d));
    }
}

/// Apache's escaping: `"` and `\` get a backslash, other bytes outside printable
/// ASCII become `\xHH`, so a client cannot forge a log line.
fn escape(line: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        match b {
            b'"' => line.push_str("\\\""),
            b'\\' => line.push_str("\\\\"),
            0x20..=0x7e => line.push(char::from(b)),
            _ => {
                line.push_str("\\x");
                line.push(char::from(HEX[usize::from(b >> 4)]));
                line.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `10/Oct/2000:13:55:36 +0000` (UTC).
fn format_time(line: &mut String, time: SystemTime, cache: &mut TimeCache) {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if cache.secs != Some(secs) {
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        cache.text.clear();
        let _ = write!(
            cache.text,
            "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
            MONTHS[(month - 1) as usize],
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        );
        cache.secs = Some(secs);
    }
    line.push_str(&cache.text);
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target that fails while `broken` is set, and records what it got otherwise.
    #[derive(Clone, Default)]
    struct Flaky {
        broken: std::sync::Arc<std::sync::atomic::AtomicBool>,
        written: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    }

    impl std::io::Write for Flaky {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "disk full",
                ));
            }
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "disk full",
                ));
            }
            Ok(())
        }
    }

    #[test]
    fn a_failing_target_drops_and_counts_lines_and_the_writer_recovers() {
        let target = Flaky::default();
        let stats = Stats::new();
        let (sender, receiver) = mpsc::sync_channel(QUEUE);
        let writer = std::thread::spawn({
            let (target, stats) = (target.clone(), stats.clone());
            move || write_lines(receiver, Box::new(target), &stats)
        });
        let wait_for = |what: &dyn Fn() -> bool| {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !what() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the writer did not catch up"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
        };

        target
            .broken
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for _ in 0..3 {
            sender.send(record()).unwrap();
        }
        wait_for(&|| stats.snapshot().access_log_dropped == 3);

        target
            .broken
            .store(false, std::sync::atomic::Ordering::SeqCst);
        sender.send(record()).unwrap();
        wait_for(&|| !target.written.lock().unwrap().is_empty());
        drop(sender);
        writer.join().unwrap();

        let written = String::from_utf8(target.written.lock().unwrap().clone()).unwrap();
        assert_eq!(
            written,
            format!("{}\n", combined_line(&record())),
            "one whole line after recovery"
        );
        assert_eq!(stats.snapshot().access_log_dropped, 3);
    }

    fn text(
        uri: &str,
        referer: Option<&'static [u8]>,
        user_agent: Option<&'static [u8]>,
    ) -> RequestText {
        let mut headers = http::HeaderMap::new();
        if let Some(v) = referer {
            headers.insert(http::header::REFERER, HeaderValue::from_bytes(v).unwrap());
        }
        if let Some(v) = user_agent {
            headers.insert(
                http::header::USER_AGENT,
                HeaderValue::from_bytes(v).unwrap(),
            );
        }
        RequestText::capture(&uri.parse().unwrap(), &headers)
    }

    fn record() -> Record {
        Record {
            client: Some("192.0.2.1".parse().unwrap()),
            // 2000-10-10 13:55:36 UTC
            time: UNIX_EPOCH + Duration::from_secs(971_186_136),
            method: Method::GET,
            text: text(
                "/apache_pb.gif?a=1",
                Some(b"http://example.com/start.html"),
                Some(b"Mozilla/4.08 \"quoted\""),
            ),
            version: Version::HTTP_11,
            status: StatusCode::OK,
            bytes: 2326,
            latency: Duration::from_micros(1234),
        }
    }

    #[test]
    fn combined_line_matches_apache_format() {
        assert_eq!(
            combined_line(&record()),
            "192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /apache_pb.gif?a=1 HTTP/1.1\" 200 2326 \
             \"http://example.com/start.html\" \"Mozilla/4.08 \\\"quoted\\\"\" 1234"
        );
    }

    #[test]
    fn no_body_bytes_and_missing_headers_are_dashes() {
        let mut r = record();
        r.bytes = 0;
        r.text = text("/apache_pb.gif?a=1", None, None);
        r.client = None;
        r.status = StatusCode::NOT_MODIFIED;
        assert_eq!(
            combined_line(&r),
            "- - - [10/Oct/2000:13:55:36 +0000] \"GET /apache_pb.gif?a=1 HTTP/1.1\" 304 - \"-\" \"-\" 1234"
        );
    }

    #[test]
    fn control_bytes_are_escaped_so_lines_cannot_be_forged() {
        let mut r = record();
        r.text = text("/", None, Some(b"a\tb\xff"));
        assert!(combined_line(&r).contains("\"-\" \"a\\x09b\\xff\""));
    }

    #[test]
    fn a_user_agent_without_a_referer_and_an_ipv6_client_and_h2() {
        let mut r = record();
        r.text = text("/x", None, Some(b"curl/8"));
        r.client = Some("2001:db8::1".parse().unwrap());
        r.version = Version::HTTP_2;
        r.bytes = 1_234_567_890_123;
        r.latency = Duration::from_micros(7);
        assert_eq!(
            combined_line(&r),
            "2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] \"GET /x HTTP/2.0\" 200 1234567890123 \"-\" \"curl/8\" 7"
        );
    }

    #[test]
    fn an_absolute_uri_logs_its_path_and_the_tracing_field_the_whole_uri() {
        let t = text("http://example.com:8080/a/b?q=1", Some(b"r"), None);
        assert_eq!(t.target(), b"/a/b?q=1");
        assert_eq!(t.uri(), "http://example.com:8080/a/b?q=1");
        assert_eq!(t.referer(), Some(&b"r"[..]));
        assert_eq!(t.user_agent(), None);
        let connect = text("example.com:443", None, None);
        assert_eq!(connect.target(), b"example.com:443");
        assert_eq!(connect.uri(), "example.com:443");
    }

    #[test]
    fn the_captured_text_shares_no_bytes_with_the_request() {
        let buffer = bytes::Bytes::from(b"/a/b?x=1refererMozilla".to_vec());
        let path = http::uri::PathAndQuery::from_maybe_shared(buffer.slice(..8)).unwrap();
        let uri = Uri::from(path);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::REFERER,
            HeaderValue::from_maybe_shared(buffer.slice(8..15)).unwrap(),
        );
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_maybe_shared(buffer.slice(15..)).unwrap(),
        );
        let t = RequestText::capture(&uri, &headers);
        drop((uri, headers));
        assert!(
            buffer.try_into_mut().is_ok(),
            "the capture still shares the buffer"
        );
        assert_eq!(t.target(), b"/a/b?x=1");
        assert_eq!(t.referer(), Some(&b"referer"[..]));
        assert_eq!(t.user_agent(), Some(&b"Mozilla"[..]));
    }

    #[test]
    fn lines_of_one_second_share_a_timestamp_and_the_next_second_gets_its_own() {
        let mut cache = TimeCache::default();
        let mut line = String::new();
        let t = UNIX_EPOCH + Duration::from_secs(971_186_136);
        format_time(&mut line, t, &mut cache);
        format_time(&mut line, t + Duration::from_millis(999), &mut cache);
        format_time(&mut line, t + Duration::from_secs(1), &mut cache);
        assert_eq!(
            line,
            "10/Oct/2000:13:55:36 +000010/Oct/2000:13:55:36 +000010/Oct/2000:13:55:37 +0000"
        );
    }

    proptest::proptest! {
        /// The escaping writes what `format!` writes for each byte, and the line
        /// holds printable ASCII only.
        #[test]
        fn escaping_writes_printable_ascii_as_format_would(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut by_byte = String::new();
            for &b in &bytes {
                match b {
                    b'"' => by_byte.push_str("\\\""),
                    b'\\' => by_byte.push_str("\\\\"),
                    0x20..=0x7e => by_byte.push(char::from(b)),
                    _ => by_byte.push_str(&format!("\\x{b:02x}")),
                }
            }
            let mut line = String::new();
            escape(&mut line, &bytes);
            proptest::prop_assert_eq!(&line, &by_byte);
            proptest::prop_assert!(line.bytes().all(|b| (0x20..=0x7e).contains(&b)));
        }

        #[test]
        fn numbers_are_written_as_display_writes_them(n in proptest::num::u64::ANY) {
            let mut line = String::new();
            push_number(&mut line, n);
            proptest::prop_assert_eq!(line, n.to_string());
        }
    }

    #[test]
    fn civil_dates_round_the_leap_years() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_784), (2026, 11, 27));
    }
}
