//! The CGI meta-variables shared by FastCGI, SCGI and CGI: turning them into an
//! `http::Request`, and a response head into a CGI header block. No I/O.
//!
//! # Mapping (RFC 3875, as WSGI uses it)
//!
//! | variable | becomes |
//! |---|---|
//! | `REQUEST_METHOD` | the method (required) |
//! | `SCRIPT_NAME` | the [`MountPrefix`] |
//! | `PATH_INFO` | the path, percent-encoded again for the URI; when absent, the path of `REQUEST_URI` |
//! | `QUERY_STRING` | the query, as sent |
//! | `SERVER_PROTOCOL` | the HTTP version |
//! | `CONTENT_TYPE`, `CONTENT_LENGTH` | those headers; the body is never read past `CONTENT_LENGTH` |
//! | `HTTP_*` | headers (`HTTP_X_FOO` → `x-foo`) |
//! | `REMOTE_ADDR`, `REMOTE_PORT` | [`PeerAddr`], as the HTTP server records its peer |
//! | `HTTPS` (`on`/`1`) | [`http::uri::Scheme::HTTPS`] in the extensions (otherwise `HTTP`) |
//!
//! All variables stay reachable as [`CgiVars`].

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use bytes::{BufMut, Bytes, BytesMut};
use gateway_core::{Body, MountPrefix};
use http::header::{HeaderName, HeaderValue};
use http::{Method, Version};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::PeerAddr;

/// The raw CGI variables of a request, in the order received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgiVars(pub Vec<(Bytes, Bytes)>);

impl CgiVars {
    /// The value of `name`, as bytes. When a web server sends a variable twice (nginx
    /// does when a location overrides one from `fastcgi_params`), the last one wins,
    /// as in PHP-FPM.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.as_ref() == name.as_bytes())
            .map(|(_, v)| v.as_ref())
    }

    /// The value of `name`, if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }
}

/// Why CGI variables do not make a request; answered with 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError(pub String);

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MapError {}

// Characters a decoded PATH_INFO may hold that a URI path may not.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `CONTENT_LENGTH` as a number: `Ok(None)` when absent or empty.
pub fn content_length(vars: &CgiVars) -> Result<Option<u64>, MapError> {
    match vars.get("CONTENT_LENGTH") {
        None | Some(b"") => Ok(None),
        Some(raw) => std::str::from_utf8(raw)
            .ok()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| {
                MapError(format!(
                    "CONTENT_LENGTH {:?} is not a number",
                    String::from_utf8_lossy(raw)
                ))
            }),
    }
}

/// Builds the request for `vars` with `body`.
pub fn build_request(vars: CgiVars, body: Body) -> Result<http::Request<Body>, MapError> {
    let text = |name: &str| -> Result<Option<&str>, MapError> {
        match vars.get(name) {
            None => Ok(None),
            Some(raw) => std::str::from_utf8(raw)
                .map(Some)
                .map_err(|_| MapError(format!("{name} is not UTF-8"))),
        }
    };
    let method =
        text("REQUEST_METHOD")?.ok_or_else(|| MapError("REQUEST_METHOD is missing".into()))?;
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| MapError(format!("REQUEST_METHOD {method:?} is not a method")))?;
    let script_name = text("SCRIPT_NAME")?.unwrap_or("");
    let path = match text("PATH_INFO")? {
        Some(info) => utf8_percent_encode(info, PATH).to_string(),
        None => {
            let uri = text("REQUEST_URI")?.unwrap_or("/");
            uri.split_once('?').map_or(uri, |(path, _)| path).to_owned()
        }
    };
    let mut target = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    if let Some(query) = text("QUERY_STRING")?.filter(|q| !q.is_empty()) {
        target.push('?');
        target.push_str(query);
    }
    let uri: http::Uri = target
        .parse()
        .map_err(|_| MapError(format!("{target:?} is not a valid request target")))?;
    let version = match text("SERVER_PROTOCOL")? {
        Some("HTTP/1.0") => Version::HTTP_10,
        Some("HTTP/2.0" | "HTTP/2") => Version::HTTP_2,
        _ => Version::HTTP_11,
    };
    let mut req = http::Request::builder()
        .method(method)
        .uri(uri)
        .version(version)
        .body(body)
        .map_err(|e| MapError(e.to_string()))?;

    let headers = req.headers_mut();
    for (name, value) in &vars.0 {
        let header = match name.as_ref() {
            b"CONTENT_TYPE" => HeaderName::from_static("content-type"),
            b"CONTENT_LENGTH" if !value.is_empty() => HeaderName::from_static("content-length"),
            other => match other.strip_prefix(b"HTTP_") {
                // The web server sends these from the real body, not the headers.
                Some(b"CONTENT_TYPE" | b"CONTENT_LENGTH") | None => continue,
                Some(rest) => {
                    let lower: Vec<u8> = rest
                        .iter()
                        .map(|&b| {
                            if b == b'_' {
                                b'-'
                            } else {
                                b.to_ascii_lowercase()
                            }
                        })
                        .collect();
                    match HeaderName::from_bytes(&lower) {
                        Ok(name) => name,
                        Err(_) => continue,
                    }
                }
            },
        };
        if value.is_empty() && header == "content-type" {
            continue;
        }
        let value = HeaderValue::from_maybe_shared(value.clone()).map_err(|_| {
            MapError(format!(
                "{} has a value that is not a valid header",
                String::from_utf8_lossy(name)
            ))
        })?;
        headers.append(header, value);
    }
    if let Some(addr) = text("REMOTE_ADDR")?.and_then(|a| a.parse::<IpAddr>().ok()) {
        let port = text("REMOTE_PORT")?
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        req.extensions_mut()
            .insert(PeerAddr(SocketAddr::new(addr, port)));
    }
    let https = matches!(
        text("HTTPS")?.map(str::to_ascii_lowercase).as_deref(),
        Some("on" | "1" | "yes")
    );
    req.extensions_mut().insert(if https {
        http::uri::Scheme::HTTPS
    } else {
        http::uri::Scheme::HTTP
    });
    if !script_name.is_empty() {
        MountPrefix::push(&mut req, script_name);
    }
    req.extensions_mut().insert(vars);
    Ok(req)
}

/// The CGI header block for a response head: `Status:`, the headers, a blank line.
/// Hop-by-hop headers are dropped: they belong to the web server's own connection.
pub fn encode_head(parts: &http::response::Parts) -> BytesMut {
    let mut out = BytesMut::with_capacity(256);
    out.put_slice(b"Status: ");
    out.put_slice(parts.status.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(
        parts
            .status
            .canonical_reason()
            .unwrap_or("Unknown")
            .as_bytes(),
    );
    out.put_slice(b"\r\n");
    for (name, value) in &parts.headers {
        if matches!(
            name.as_str(),
            "connection"
                | "keep-alive"
                | "transfer-encoding"
                | "upgrade"
                | "proxy-connection"
                | "te"
                | "trailer"
        ) {
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
    out
}

/// A plain-text error response head and body for requests that cannot be mapped.
pub fn bad_request(reason: &str) -> Bytes {
    let body = format!("Bad Request: {reason}\n");
    Bytes::from(format!(
        "Status: 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> CgiVars {
        CgiVars(
            pairs
                .iter()
                .map(|(k, v)| {
                    (
                        Bytes::copy_from_slice(k.as_bytes()),
                        Bytes::copy_from_slice(v.as_bytes()),
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn script_name_becomes_the_mount_prefix_and_path_info_the_path() {
        let req = build_request(
            vars(&[
                ("REQUEST_METHOD", "GET"),
                ("SCRIPT_NAME", "/app"),
                ("PATH_INFO", "/greet/links"),
                ("QUERY_STRING", "a=1"),
            ]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(req.uri(), "/greet/links?a=1");
        assert_eq!(MountPrefix::of(&req), "/app");
    }

    #[test]
    fn decoded_path_info_is_encoded_again() {
        let req = build_request(
            vars(&[("REQUEST_METHOD", "GET"), ("PATH_INFO", "/a b/%/ü")]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(req.uri().path(), "/a%20b/%25/%C3%BC");
    }

    #[test]
    fn without_path_info_the_request_uri_path_is_used() {
        let req = build_request(
            vars(&[
                ("REQUEST_METHOD", "GET"),
                ("REQUEST_URI", "/x%20y?q=1"),
                ("QUERY_STRING", "q=1"),
            ]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(req.uri(), "/x%20y?q=1");
    }

    #[test]
    fn http_variables_become_headers_and_content_ones_too() {
        let req = build_request(
            vars(&[
                ("REQUEST_METHOD", "POST"),
                ("PATH_INFO", "/echo"),
                ("HTTP_X_FORWARDED_FOR", "10.0.0.1"),
                ("HTTP_ACCEPT", "text/html"),
                ("CONTENT_TYPE", "text/plain"),
                ("CONTENT_LENGTH", "5"),
                ("HTTP_CONTENT_LENGTH", "999"),
            ]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(req.headers()["x-forwarded-for"], "10.0.0.1");
        assert_eq!(req.headers()["accept"], "text/html");
        assert_eq!(req.headers()["content-type"], "text/plain");
        assert_eq!(
            req.headers()
                .get_all("content-length")
                .iter()
                .collect::<Vec<_>>(),
            ["5"]
        );
    }

    #[test]
    fn remote_addr_and_https_reach_the_request() {
        let req = build_request(
            vars(&[
                ("REQUEST_METHOD", "GET"),
                ("PATH_INFO", "/"),
                ("REMOTE_ADDR", "192.0.2.7"),
                ("REMOTE_PORT", "4242"),
                ("HTTPS", "on"),
            ]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(
            req.extensions().get::<PeerAddr>(),
            Some(&PeerAddr("192.0.2.7:4242".parse().unwrap()))
        );
        assert_eq!(
            req.extensions().get::<http::uri::Scheme>(),
            Some(&http::uri::Scheme::HTTPS)
        );
        assert_eq!(
            req.extensions().get::<CgiVars>().unwrap().get_str("HTTPS"),
            Some("on")
        );
    }

    #[test]
    fn a_repeated_variable_takes_its_last_value() {
        let req = build_request(
            vars(&[
                ("REQUEST_METHOD", "GET"),
                ("SCRIPT_NAME", "/whole/path"),
                ("PATH_INFO", "/x"),
                ("SCRIPT_NAME", "/app"),
            ]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(MountPrefix::of(&req), "/app");
    }

    #[test]
    fn a_missing_method_or_bad_length_is_a_map_error() {
        assert_eq!(
            build_request(vars(&[("PATH_INFO", "/")]), Body::empty())
                .unwrap_err()
                .0,
            "REQUEST_METHOD is missing"
        );
        assert!(content_length(&vars(&[("CONTENT_LENGTH", "-3")])).is_err());
        assert_eq!(
            content_length(&vars(&[("CONTENT_LENGTH", "")])).unwrap(),
            None
        );
        assert_eq!(
            content_length(&vars(&[("CONTENT_LENGTH", "12")])).unwrap(),
            Some(12)
        );
    }

    #[test]
    fn the_head_has_a_status_line_and_no_hop_by_hop_headers() {
        let (parts, ()) = http::Response::builder()
            .status(404)
            .header("content-type", "text/html")
            .header("connection", "close")
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(
            &encode_head(&parts)[..],
            b"Status: 404 Not Found\r\ncontent-type: text/html\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
        );
    }
}
