//! [`ServerConfig`]: every knob of the server, its default, and `from_settings`.

use std::path::PathBuf;
use std::time::Duration;

use gw_core::{Settings, SettingsError};

use crate::access_log::AccessLogTarget;
use crate::forwarded::TrustedProxies;
use crate::listener::ListenSpec;
use crate::shed::ConnectionShedding;

/// Server settings. Every field has a default that is safe on the open internet;
/// the crate README says which attack each one stops.
///
/// ```
/// use gw_core::Settings;
/// use gw_server::ServerConfig;
/// use std::time::Duration;
///
/// let settings = Settings::from_pairs([("idle_timeout", "5s"), ("max_connections", "500")]);
/// let config = ServerConfig::from_settings(&settings).unwrap();
/// assert_eq!(config.idle_timeout, Duration::from_secs(5));
/// assert_eq!(config.max_connections, 500);
///
/// let typo = Settings::from_pairs([("idle_timout", "5s")]);
/// assert!(ServerConfig::from_settings(&typo).is_err());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// How long a new connection may stay silent before its first byte (default
    /// 10 s). hyper-util's protocol sniffing has no timeout of its own.
    pub first_byte_timeout: Duration,
    /// How long an HTTP/1 request head may take from its first byte (default
    /// 30 s); past it the connection is closed (within 1 to 1.25 times this).
    /// The wait for the next request on a keep-alive connection is
    /// `idle_timeout`'s.
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no request in progress (default
    /// 60 s), for HTTP/1 keep-alive and HTTP/2 alike. Checked every quarter of it,
    /// so an idle connection closes after 1 to 1.25 times this.
    pub idle_timeout: Duration,
    /// How often to PING an HTTP/2 client (default `None`: no pings).
    ///
    /// Off by default, as in nginx: `idle_timeout` already closes an idle
    /// connection whose peer has vanished (sooner than a 60 s ping and its
    /// 20 s wait would), and `send_timeout` one whose peer stops taking a
    /// response. With pings on, hyper re-arms their timer on every poll of the
    /// connection: about 1,000 instructions per HTTP/2 request, 3 % of an h2c
    /// hello world (measured with callgrind). Turn them on to notice a vanished
    /// peer while its request waits on a slow app.
    pub http2_keep_alive_interval: Option<Duration>,
    /// How long to wait for a PING's answer before closing (default 20 s).
    pub http2_keep_alive_timeout: Duration,
    /// The longest a request may take to produce its response head (default none).
    /// Past it the client gets `503 Service Unavailable`.
    pub request_timeout: Option<Duration>,
    /// How long a request body may go without a byte while the app reads it
    /// (default 30 s; `None` turns it off): stops slow-POST clients that send a
    /// head and then trickle or withhold the body. [`Server`](crate::Server)
    /// applies it to every request body.
    pub body_read_timeout: Option<Duration>,
    /// How long in-flight requests may run after a shutdown signal (default 30 s).
    pub drain_timeout: Duration,
    /// How long a response may wait for the peer to take a byte (default 60 s,
    /// as nginx's `send_timeout`); past it the connection is closed (within 1 to
    /// 1.25 times this). It covers an HTTP/1 client that stops reading and an
    /// HTTP/2 client that keeps its flow-control window shut; a response waiting
    /// on a slow app is not cut.
    pub send_timeout: Duration,
    /// The most connections served at once (default 4096). Past it the server
    /// accepts one more and makes room for it as [`connection_shedding`] says, or
    /// (with it off) new connections wait in the kernel's listen backlog.
    ///
    /// [`connection_shedding`]: ServerConfig::connection_shedding
    pub max_connections: usize,
    /// Which connections to close for a new one at `max_connections` (default
    /// idle ones, then those whose response the peer has not taken for the
    /// longest; see [`ConnectionShedding`]).
    pub connection_shedding: ConnectionShedding,
    /// The listen backlog asked of the kernel for sockets this server binds
    /// (default 1024; the kernel caps it at `net.core.somaxconn`).
    pub backlog: u32,
    /// The most header fields in a request (default 100); more gets 431.
    pub max_headers: usize,
    /// The largest request head in bytes (default 64 KiB, at least 8 KiB); larger
    /// gets 431 on HTTP/1 and a stream reset on HTTP/2.
    pub max_header_bytes: usize,
    /// The largest request body in bytes (default 1 MiB, as nginx's
    /// `client_max_body_size`; `off` removes it). A larger `Content-Length` gets
    /// 413 before the app is called; a body of unknown length (chunked, HTTP/2) is
    /// counted as it arrives and gets 413 once it passes the limit (applied by the
    /// deploy CLI; with [`Server::serve`](crate::Server::serve) add
    /// [`RequestBodyTimeout::max_body`](crate::RequestBodyTimeout::max_body)).
    pub max_request_body: Option<u64>,
    /// The most concurrent HTTP/2 streams per connection (default 200).
    pub http2_max_concurrent_streams: u32,
    /// The most HTTP/2 streams a client may open and reset before the server
    /// accepts them (default 20): the "rapid reset" flood (CVE-2023-44487).
    pub http2_max_pending_accept_reset_streams: usize,
    /// The most HTTP/2 streams the server may reset because of client errors
    /// before it closes the connection (default 1024): the "MadeYouReset" flood.
    pub http2_max_local_error_reset_streams: usize,
    /// Where the access log goes (default off).
    pub access_log: AccessLogTarget,
    /// Proxies whose `Forwarded`/`X-Forwarded-*` headers are believed (default
    /// none).
    pub trusted_proxies: TrustedProxies,
    /// Listeners to open in addition to the one the server was made with.
    pub listen: Vec<ListenSpec>,
    /// A PEM certificate chain and key: serve HTTPS (feature `tls`).
    pub tls: Option<TlsFiles>,
    /// Print `serving on ...` for each listener (default true).
    pub announce: bool,
}

/// The certificate chain and private key of a TLS listener, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            first_byte_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            http2_keep_alive_interval: None,
            http2_keep_alive_timeout: Duration::from_secs(20),
            request_timeout: None,
            body_read_timeout: Some(Duration::from_secs(30)),
            drain_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(60),
            max_connections: 4096,
            connection_shedding: ConnectionShedding::IdleThenStalled,
            backlog: 1024,
            max_headers: 100,
            max_header_bytes: 64 * 1024,
            max_request_body: Some(1024 * 1024),
            http2_max_concurrent_streams: 200,
            http2_max_pending_accept_reset_streams: 20,
            http2_max_local_error_reset_streams: 1024,
            access_log: AccessLogTarget::Off,
            trusted_proxies: TrustedProxies::none(),
            listen: Vec::new(),
            tls: None,
            announce: true,
        }
    }
}

/// Every key [`ServerConfig::from_settings`] reads.
pub const SETTINGS_KEYS: &[&str] = &[
    "first_byte_timeout",
    "header_read_timeout",
    "idle_timeout",
    "http2_keep_alive_interval",
    "http2_keep_alive_timeout",
    "request_timeout",
    "body_read_timeout",
    "drain_timeout",
    "send_timeout",
    "max_connections",
    "connection_shedding",
    "backlog",
    "max_headers",
    "max_header_bytes",
    "max_request_body",
    "http2_max_concurrent_streams",
    "http2_max_pending_accept_reset_streams",
    "http2_max_local_error_reset_streams",
    "access_log",
    "trusted_proxies",
    "listen",
    "tls_cert",
    "tls_key",
];

fn is_off(settings: &Settings, key: &str) -> bool {
    settings
        .get(key)
        .is_some_and(|v| matches!(v.trim(), "off" | "none" | "false" | "0"))
}

impl ServerConfig {
    /// Reads the settings in [`SETTINGS_KEYS`] (durations such as `30s`, sizes
    /// such as `1MiB`, lists separated by commas). `request_timeout`,
    /// `body_read_timeout`, `max_request_body` and `http2_keep_alive_interval` also
    /// take `off`.
    /// Unknown keys are errors, so a typo is reported instead of ignored.
    pub fn from_settings(settings: &Settings) -> Result<ServerConfig, SettingsError> {
        settings.check_known(SETTINGS_KEYS)?;
        let d = ServerConfig::default();
        let duration = |key: &str, default: Duration| -> Result<Duration, SettingsError> {
            Ok(settings.get_duration(key)?.unwrap_or(default))
        };
        let optional_duration =
            |key: &str, default: Option<Duration>| -> Result<Option<Duration>, SettingsError> {
                if is_off(settings, key) {
                    return Ok(None);
                }
                Ok(settings.get_duration(key)?.or(default))
            };
        let positive = |key: &str, default: usize| -> Result<usize, SettingsError> {
            match settings.get_int::<usize>(key)? {
                Some(0) => Err(settings.invalid(key, "a number above 0")),
                Some(n) => Ok(n),
                None => Ok(default),
            }
        };

        let max_connections = positive("max_connections", d.max_connections)?;
        if max_connections > u32::MAX as usize {
            return Err(settings.invalid("max_connections", "at most 4294967295"));
        }
        let max_header_bytes = match settings.get_size("max_header_bytes")? {
            Some(n) if n < 8192 => {
                return Err(settings.invalid("max_header_bytes", "at least 8KiB (hyper's minimum)"))
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => d.max_header_bytes,
        };
        let max_request_body = if is_off(settings, "max_request_body") {
            None
        } else {
            settings
                .get_size("max_request_body")?
                .or(d.max_request_body)
        };
        let connection_shedding = match settings.get("connection_shedding") {
            Some(raw) => ConnectionShedding::parse(raw).ok_or_else(|| {
                settings.invalid("connection_shedding", "off, idle or idle-then-stalled")
            })?,
            None => d.connection_shedding,
        };
        let trusted_proxies = match settings.get("trusted_proxies") {
            Some(raw) => raw.parse().map_err(|e: crate::CidrError| {
                settings.invalid("trusted_proxies", e.to_string())
            })?,
            None => TrustedProxies::none(),
        };
        let mut listen = Vec::new();
        for entry in settings.get_list("listen").unwrap_or_default() {
            listen.push(
                ListenSpec::parse(&entry).map_err(|reason| settings.invalid("listen", reason))?,
            );
        }
        let tls = match (
            settings.get_path("tls_cert")?,
            settings.get_path("tls_key")?,
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => return Err(settings.invalid("tls_cert", "tls_key set as well")),
            (None, Some(_)) => return Err(settings.invalid("tls_key", "tls_cert set as well")),
        };
        if tls.is_some() && !cfg!(feature = "tls") {
            return Err(settings.invalid(
                "tls_cert",
                "a server built with the `tls` feature (gw-server/tls)",
            ));
        }
        let access_log = match settings.get("access_log") {
            Some(raw) => match AccessLogTarget::parse(raw) {
                AccessLogTarget::File(_) => {
                    AccessLogTarget::File(settings.get_path("access_log")?.unwrap_or_default())
                }
                other => other,
            },
            None => AccessLogTarget::Off,
        };

        Ok(ServerConfig {
            first_byte_timeout: duration("first_byte_timeout", d.first_byte_timeout)?,
            header_read_timeout: duration("header_read_timeout", d.header_read_timeout)?,
            idle_timeout: duration("idle_timeout", d.idle_timeout)?,
            http2_keep_alive_interval: optional_duration(
                "http2_keep_alive_interval",
                d.http2_keep_alive_interval,
            )?,
            http2_keep_alive_timeout: duration(
                "http2_keep_alive_timeout",
                d.http2_keep_alive_timeout,
            )?,
            request_timeout: optional_duration("request_timeout", d.request_timeout)?,
            body_read_timeout: optional_duration("body_read_timeout", d.body_read_timeout)?,
            drain_timeout: duration("drain_timeout", d.drain_timeout)?,
            send_timeout: duration("send_timeout", d.send_timeout)?,
            max_connections,
            connection_shedding,
            backlog: settings.get_int("backlog")?.unwrap_or(d.backlog),
            max_headers: positive("max_headers", d.max_headers)?,
            max_header_bytes,
            max_request_body,
            http2_max_concurrent_streams: settings
                .get_int("http2_max_concurrent_streams")?
                .unwrap_or(d.http2_max_concurrent_streams),
            http2_max_pending_accept_reset_streams: settings
                .get_int("http2_max_pending_accept_reset_streams")?
                .unwrap_or(d.http2_max_pending_accept_reset_streams),
            http2_max_local_error_reset_streams: settings
                .get_int("http2_max_local_error_reset_streams")?
                .unwrap_or(d.http2_max_local_error_reset_streams),
            access_log,
            trusted_proxies,
            listen,
            tls,
            announce: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_and_off_turns_optional_limits_off() {
        let settings = Settings::from_pairs([
            ("first_byte_timeout", "1s"),
            ("header_read_timeout", "2s"),
            ("idle_timeout", "3s"),
            ("http2_keep_alive_interval", "45s"),
            ("http2_keep_alive_timeout", "4s"),
            ("request_timeout", "5s"),
            ("body_read_timeout", "7s"),
            ("drain_timeout", "6s"),
            ("send_timeout", "8s"),
            ("connection_shedding", "idle"),
            ("max_connections", "7"),
            ("backlog", "8"),
            ("max_headers", "9"),
            ("max_header_bytes", "16KiB"),
            ("max_request_body", "1MiB"),
            ("http2_max_concurrent_streams", "10"),
            ("http2_max_pending_accept_reset_streams", "11"),
            ("http2_max_local_error_reset_streams", "12"),
            ("access_log", "stdout"),
            ("trusted_proxies", "10.0.0.0/8, unix"),
            ("listen", "unix:/tmp/x.sock, [::1]:0, systemd"),
        ]);
        let c = ServerConfig::from_settings(&settings).unwrap();
        assert_eq!(c.first_byte_timeout, Duration::from_secs(1));
        assert_eq!(c.http2_keep_alive_interval, Some(Duration::from_secs(45)));
        assert_eq!(c.request_timeout, Some(Duration::from_secs(5)));
        assert_eq!(c.body_read_timeout, Some(Duration::from_secs(7)));
        assert_eq!(c.send_timeout, Duration::from_secs(8));
        assert_eq!(c.connection_shedding, ConnectionShedding::Idle);
        assert_eq!((c.max_connections, c.backlog, c.max_headers), (7, 8, 9));
        assert_eq!(
            (c.max_header_bytes, c.max_request_body),
            (16384, Some(1 << 20))
        );
        assert_eq!(c.http2_max_local_error_reset_streams, 12);
        assert_eq!(c.access_log, AccessLogTarget::Stdout);
        assert_eq!(c.listen.len(), 3);
        assert!(!c.trusted_proxies.is_empty());

        let off = Settings::from_pairs([
            ("body_read_timeout", "off"),
            ("max_request_body", "off"),
            ("http2_keep_alive_interval", "off"),
        ]);
        let c = ServerConfig::from_settings(&off).unwrap();
        assert_eq!(c.body_read_timeout, None);
        assert_eq!(c.max_request_body, None);
        assert_eq!(c.http2_keep_alive_interval, None);
    }

    #[test]
    fn bad_values_name_the_key() {
        for (key, value) in [
            ("max_header_bytes", "1KiB"),
            ("max_connections", "0"),
            ("connection_shedding", "oldest"),
            ("trusted_proxies", "proxy.example"),
            ("listen", "unix:"),
            ("tls_key", "key.pem"),
        ] {
            let err = ServerConfig::from_settings(&Settings::from_pairs([(key, value)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn limits_are_checked_at_their_bounds() {
        let config = |key: &str, value: &str| {
            ServerConfig::from_settings(&Settings::from_pairs([(key, value)]))
        };
        assert_eq!(
            config("max_header_bytes", "8KiB").unwrap().max_header_bytes,
            8192
        );
        assert!(config("max_header_bytes", "8191").is_err());
        assert_eq!(
            config("max_connections", "4294967295")
                .unwrap()
                .max_connections,
            4_294_967_295
        );
        let err = config("max_connections", "4294967296").unwrap_err();
        assert!(err.to_string().contains("at most 4294967295"), "{err}");
    }

    #[test]
    fn a_certificate_and_key_together_need_the_tls_feature() {
        let got = ServerConfig::from_settings(&Settings::from_pairs([
            ("tls_cert", "/etc/cert.pem"),
            ("tls_key", "/etc/key.pem"),
        ]));
        if cfg!(feature = "tls") {
            let tls = got.unwrap().tls.expect("both files given");
            assert_eq!(tls.cert, std::path::PathBuf::from("/etc/cert.pem"));
        } else {
            let err = got.unwrap_err().to_string();
            assert!(err.contains("the `tls` feature"), "{err}");
        }
    }
}
