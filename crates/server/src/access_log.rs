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
    pub(crate) uri: Uri,
    pub(crate) version: Version,
    pub(crate) status: StatusCode,
    pub(crate) bytes: u64,
    pub(crate) referer: Option<HeaderValue>,
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) latency: Duration,
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
                uri = %record.uri,
                version = ?record.version,
                status = record.status.as_u16(),
                bytes = record.bytes,
                referer = record.referer.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-"),
                user_agent = record.user_agent.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-"),
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
    let mut failing = false;
    while let Ok(record) = receiver.recv() {
        let mut next = Some(record);
        let mut batch = 0u64;
        // Batch what is already queued, then flush once.
        let mut result = Ok(());
        while let Some(record) = next {
            line.clear();
            format_combined(&mut line, &record);
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
    format_combined(&mut line, record);
    line
}

fn format_combined(line: &mut String, r: &Record) {
    match r.client {
        Some(ip) => {
            let _ = write!(line, "{ip}");
        }
        None => line.push('-'),
    }
    line.push_str(" - - [");
    format_time(line, r.time);
    line.push_str("] \"");
    escape(line, r.method.as_str().as_bytes());
    line.push(' ');
    let target = r
        .uri
        .path_and_query()
        .map_or_else(|| r.uri.to_string(), |pq| pq.as_str().to_owned());
    escape(line, target.as_bytes());
    let _ = write!(line, " {:?}\" {} ", r.version, r.status.as_u16());
    if r.bytes == 0 {
        line.push('-');
    } else {
        let _ = write!(line, "{}", r.bytes);
    }
    for value in [&r.referer, &r.user_agent] {
        line.push_str(" \"");
        match value {
            Some(v) => escape(line, v.as_bytes()),
            None => line.push('-'),
        }
        line.push('"');
    }
    let _ = write!(line, " {}", r.latency.as_micros());
}

/// Apache's escaping: `"` and `\` get a backslash, other bytes outside printable
/// ASCII become `\xHH`, so a client cannot forge a log line.
fn escape(line: &mut String, bytes: &[u8]) {
    for &b in bytes {
        match b {
            b'"' => line.push_str("\\\""),
            b'\\' => line.push_str("\\\\"),
            0x20..=0x7e => line.push(b as char),
            _ => {
                let _ = write!(line, "\\x{b:02x}");
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `10/Oct/2000:13:55:36 +0000` (UTC).
fn format_time(line: &mut String, time: SystemTime) {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        line,
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
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

    fn record() -> Record {
        Record {
            client: Some("192.0.2.1".parse().unwrap()),
            // 2000-10-10 13:55:36 UTC
            time: UNIX_EPOCH + Duration::from_secs(971_186_136),
            method: Method::GET,
            uri: "/apache_pb.gif?a=1".parse().unwrap(),
            version: Version::HTTP_11,
            status: StatusCode::OK,
            bytes: 2326,
            referer: Some(HeaderValue::from_static("http://example.com/start.html")),
            user_agent: Some(HeaderValue::from_static("Mozilla/4.08 \"quoted\"")),
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
        r.referer = None;
        r.user_agent = None;
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
        r.user_agent = Some(HeaderValue::from_bytes(b"a\tb\xff").unwrap());
        assert!(combined_line(&r).contains("\"a\\x09b\\xff\""));
    }

    #[test]
    fn civil_dates_round_the_leap_years() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_784), (2026, 11, 27));
    }
}
