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
//! | `REMOTE_ADDR`, `REMOTE_PORT` | [`PeerAddr`] and [`ClientInfo::addr`], as the HTTP server records them |
//! | `HTTPS` (`on`/`1`) | [`ClientInfo::scheme`] `Https` (otherwise `Http`) |
//!
//! Peer and client go in the request's [`RequestContext`], as the HTTP server
//! puts them.
//!
//! All variables stay reachable as [`CgiVars`].

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use bytes::{BufMut, Bytes, BytesMut};
use gw_core::{Body, ClientInfo, MountPrefix, RequestContext, Scheme};
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

/// The variables [`build_request`] reads, each the last value sent.
#[derive(Default)]
struct Known<'a> {
    request_method: Option<&'a [u8]>,
    script_name: Option<&'a [u8]>,
    path_info: Option<&'a [u8]>,
    request_uri: Option<&'a [u8]>,
    query_string: Option<&'a [u8]>,
    server_protocol: Option<&'a [u8]>,
    remote_addr: Option<&'a [u8]>,
    remote_port: Option<&'a [u8]>,
    https: Option<&'a [u8]>,
}

/// The header an `HTTP_*`, `CONTENT_TYPE` or `CONTENT_LENGTH` variable becomes, if any.
fn header_name(name: &[u8], value: &[u8]) -> Option<HeaderName> {
    let header = match name {
        b"CONTENT_TYPE" if !value.is_empty() => HeaderName::from_static("content-type"),
        b"CONTENT_LENGTH" if !value.is_empty() => HeaderName::from_static("content-length"),
        other => match other.strip_prefix(b"HTTP_")? {
            // The web server sends these from the real body, not the headers.
            b"CONTENT_TYPE" | b"CONTENT_LENGTH" => return None,
            // HeaderName lowercases; only `_` must become `-`. Header names
            // longer than the stack buffer are rare enough to allocate.
            rest if rest.len() <= 64 => {
                let mut buf = [0u8; 64];
                for (to, &from) in buf.iter_mut().zip(rest) {
                    *to = if from == b'_' { b'-' } else { from };
                }
                HeaderName::from_bytes(&buf[..rest.len()]).ok()?
            }
            rest => {
                let dashed: Vec<u8> = rest
                    .iter()
                    .map(|&b| if b == b'_' { b'-' } else { b })
                    .collect();
                HeaderName::from_bytes(&dashed).ok()?
            }
        },
    };
    Some(header)
}

/// Builds the request for `vars` with `body`.
pub fn build_request(vars: CgiVars, body: Body) -> Result<http::Request<Body>, MapError> {
    // One pass over the variables: the ones read below (the last of each wins) and
    // the headers. A bad header value is reported after the other checks.
    let mut known = Known::default();
    let mut req = http::Request::new(body);
    let headers = req.headers_mut();
    let mut bad_header = None;
    for (name, value) in &vars.0 {
        let slot = match name.as_ref() {
            b"REQUEST_METHOD" => &mut known.request_method,
            b"SCRIPT_NAME" => &mut known.script_name,
            b"PATH_INFO" => &mut known.path_info,
            b"REQUEST_URI" => &mut known.request_uri,
            b"QUERY_STRING" => &mut known.query_string,
            b"SERVER_PROTOCOL" => &mut known.server_protocol,
            b"REMOTE_ADDR" => &mut known.remote_addr,
            b"REMOTE_PORT" => &mut known.remote_port,
            b"HTTPS" => &mut known.https,
            name => {
                if let Some(header) = header_name(name, value) {
                    match HeaderValue::from_maybe_shared(value.clone()) {
                        Ok(value) => {
                            headers.append(header, value);
                        }
                        Err(_) => {
                            bad_header.get_or_insert(name);
                        }
                    }
                }
                continue;
            }
        };
        *slot = Some(value.as_ref());
    }
    fn text<'a>(name: &str, raw: Option<&'a [u8]>) -> Result<Option<&'a str>, MapError> {
        match raw {
            None => Ok(None),
            Some(raw) => std::str::from_utf8(raw)
                .map(Some)
                .map_err(|_| MapError(format!("{name} is not UTF-8"))),
        }
    }
    let method = text("REQUEST_METHOD", known.request_method)?
        .ok_or_else(|| MapError("REQUEST_METHOD is missing".into()))?;
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| MapError(format!("REQUEST_METHOD {method:?} is not a method")))?;
    let script_name = text("SCRIPT_NAME", known.script_name)?.unwrap_or("");
    let path_info = text("PATH_INFO", known.path_info)?;
    let request_uri = match path_info {
        Some(_) => None,
        None => text("REQUEST_URI", known.request_uri)?,
    };
    let query = text("QUERY_STRING", known.query_string)?.filter(|q| !q.is_empty());
    let target = || {
        let mut target = String::with_capacity(
            1 + path_info.or(request_uri).map_or(1, str::len) + query.map_or(0, |q| q.len() + 1),
        );
        match path_info {
            Some(info) => {
                if !info.starts_with('/') {
                    target.push('/');
                }
                target.extend(utf8_percent_encode(info, PATH));
            }
            None => {
                let uri = request_uri.unwrap_or("/");
                let path = uri.split_once('?').map_or(uri, |(path, _)| path);
                if !path.starts_with('/') {
                    target.push('/');
                }
                target.push_str(path);
            }
        }
        if let Some(query) = query {
            target.push('?');
            target.push_str(query);
        }
        target
    };
    // Handing the String over as Bytes spares the Uri a copy.
    let uri = http::Uri::from_maybe_shared(Bytes::from(target()))
        .map_err(|_| MapError(format!("{:?} is not a valid request target", target())))?;
    let version = match text("SERVER_PROTOCOL", known.server_protocol)? {
        Some("HTTP/1.0") => Version::HTTP_10,
        Some("HTTP/2.0" | "HTTP/2") => Version::HTTP_2,
        _ => Version::HTTP_11,
    };
    if let Some(name) = bad_header {
        return Err(MapError(format!(
            "{} has a value that is not a valid header",
            String::from_utf8_lossy(name)
        )));
    }
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.version_mut() = version;
    let addr = text("REMOTE_ADDR", known.remote_addr)?.and_then(|a| a.parse::<IpAddr>().ok());
    let peer = match addr {
        Some(addr) => {
            let port = text("REMOTE_PORT", known.remote_port)?
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            Some(PeerAddr(SocketAddr::new(addr, port)))
        }
        None => None,
    };
    let https = text("HTTPS", known.https)?.is_some_and(|https| {
        ["on", "1", "yes"]
            .iter()
            .any(|on| https.eq_ignore_ascii_case(on))
    });
    let client = ClientInfo {
        addr,
        scheme: if https { Scheme::Https } else { Scheme::Http },
        forwarded: false,
    };
    req.extensions_mut()
        .get_or_insert_with(|| RequestContext::with_client(peer, client));
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
    encode_head_into(&mut out, parts);
    out
}

/// [`encode_head`], appended to `out`.
pub fn encode_head_into(out: &mut BytesMut, parts: &http::response::Parts) {
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
            PeerAddr::of(&req),
            Some(PeerAddr("192.0.2.7:4242".parse().unwrap()))
        );
        let client = ClientInfo::of(&req).unwrap();
        assert_eq!(client.scheme, Scheme::Https);
        assert_eq!(client.addr, Some("192.0.2.7".parse().unwrap()));
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
    fn header_names_of_any_length_keep_their_dashes_and_bad_values_are_map_errors() {
        let long = format!("HTTP_X_{}", "LONG_".repeat(20));
        let req = build_request(
            vars(&[
                ("REQUEST_METHOD", "GET"),
                ("HTTP_X_REQUEST_ID", "7"),
                (&long, "yes"),
            ]),
            Body::empty(),
        )
        .unwrap();
        assert_eq!(req.headers()["x-request-id"], "7");
        let dashed = format!("x-{}", "long-".repeat(20));
        assert_eq!(req.headers()[dashed.as_str()], "yes");
        let bad = build_request(
            vars(&[("REQUEST_METHOD", "GET"), ("HTTP_X_BAD", "a\nb")]),
            Body::empty(),
        );
        assert_eq!(
            bad.unwrap_err().0,
            "HTTP_X_BAD has a value that is not a valid header"
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
