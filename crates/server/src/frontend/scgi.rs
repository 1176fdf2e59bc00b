//! The SCGI front end, over TCP or a Unix socket.
//!
//! SCGI sends one request per connection: a netstring of NUL-separated headers
//! (`CONTENT_LENGTH` first, and `SCGI=1`), then exactly `CONTENT_LENGTH` body bytes.
//! The response is a CGI header block and the body, ended by closing the
//! connection. Because the end of the connection is the end of the response, a body
//! that fails midway is cut with a TCP reset, which the web server reports as an
//! upstream error instead of a finished response. Over a Unix socket no reset
//! exists: the cut is only detectable when the response has a Content-Length.

use bytes::{Buf, Bytes, BytesMut};
use gw_core::{Body, BoxError};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};

use super::cgi_env::{self, CgiVars};
use super::listen::Stream;
use super::respond::{body_pump, respond, ChunkWriter, Outcome};

/// Why an SCGI request block is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetstringError {
    /// The length prefix is not digits followed by `:`.
    BadLength,
    /// The block is larger than allowed.
    TooLarge(usize),
    /// The block does not end with `,`.
    MissingComma,
    /// A header name or value is not NUL-terminated, or names repeat oddly.
    BadHeaders,
    /// `CONTENT_LENGTH` is missing or not first, as the SCGI spec requires.
    NoContentLength,
}

impl std::fmt::Display for NetstringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadLength => f.write_str("SCGI netstring length is not digits followed by ':'"),
            Self::TooLarge(max) => write!(f, "SCGI headers exceed {max} bytes"),
            Self::MissingComma => f.write_str("SCGI netstring does not end with ','"),
            Self::BadHeaders => f.write_str("SCGI headers are not NUL-separated name/value pairs"),
            Self::NoContentLength => f.write_str("SCGI headers do not start with CONTENT_LENGTH"),
        }
    }
}

impl std::error::Error for NetstringError {}

/// Takes one SCGI header block off the front of `buf`: `Ok(None)` when more bytes
/// are needed, otherwise the variables. Pure, so it can be fuzzed.
pub fn parse_netstring(buf: &mut BytesMut, max: usize) -> Result<Option<CgiVars>, NetstringError> {
    let Some(colon) = buf.iter().take(8).position(|&b| b == b':') else {
        if buf.len() >= 8 || buf.iter().any(|b| !b.is_ascii_digit()) {
            return Err(NetstringError::BadLength);
        }
        return Ok(None);
    };
    let digits = &buf[..colon];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(NetstringError::BadLength);
    }
    let len: usize = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .ok_or(NetstringError::BadLength)?;
    if len > max {
        return Err(NetstringError::TooLarge(max));
    }
    if buf.len() < colon + 1 + len + 1 {
        return Ok(None);
    }
    if buf[colon + 1 + len] != b',' {
        return Err(NetstringError::MissingComma);
    }
    buf.advance(colon + 1);
    let block = buf.split_to(len).freeze();
    buf.advance(1);
    let vars = parse_headers(&block)?;
    if vars.0.first().map(|(k, _)| k.as_ref()) != Some(b"CONTENT_LENGTH") {
        return Err(NetstringError::NoContentLength);
    }
    Ok(Some(vars))
}

fn parse_headers(block: &Bytes) -> Result<CgiVars, NetstringError> {
    let mut vars = Vec::new();
    let mut rest = block.clone();
    while !rest.is_empty() {
        let name_end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(NetstringError::BadHeaders)?;
        let name = rest.split_to(name_end);
        rest.advance(1);
        let value_end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(NetstringError::BadHeaders)?;
        let value = rest.split_to(value_end);
        rest.advance(1);
        if name.is_empty() {
            return Err(NetstringError::BadHeaders);
        }
        vars.push((name, value));
    }
    Ok(CgiVars(vars))
}

pub(crate) async fn serve_connection<S, B>(mut stream: Stream, service: S, max_headers: usize)
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let vars = loop {
        match parse_netstring(&mut buf, max_headers) {
            Ok(Some(vars)) => break vars,
            Ok(None) => match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            Err(e) => {
                tracing::warn!(error = %e, "malformed SCGI request: closing the connection");
                let _ = stream
                    .write_all(&cgi_env::bad_request(&e.to_string()))
                    .await;
                return;
            }
        }
    };
    let length = match cgi_env::content_length(&vars) {
        Ok(length) => length.unwrap_or(0),
        Err(e) => {
            let _ = stream.write_all(&cgi_env::bad_request(&e.0)).await;
            return;
        }
    };
    let (stdin, body) = Body::channel();
    let req = match cgi_env::build_request(vars, body) {
        Ok(req) => req,
        Err(e) => {
            let _ = stream.write_all(&cgi_env::bad_request(&e.0)).await;
            return;
        }
    };
    let (mut reader, writer) = tokio::io::split(stream);
    // The response waits until the body is read whole: nginx sends it all before it
    // reads the response, and stops sending it once a response arrives.
    let (body_read, gate) = tokio::sync::watch::channel(length == 0);
    // Feed the body: what came with the headers, then the socket, never past CONTENT_LENGTH.
    let feeder = tokio::spawn(async move {
        let _done = OnDrop(body_read);
        let stdin = body_pump(stdin);
        let mut left = length;
        let mut pending = buf;
        loop {
            if left == 0 {
                return reader;
            }
            if pending.is_empty() {
                pending.reserve(64 * 1024);
                match reader.read_buf(&mut pending).await {
                    Ok(0) | Err(_) => return reader,
                    Ok(_) => {}
                }
            }
            let take = pending
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            let chunk = pending.split_to(take).freeze();
            left -= chunk.len() as u64;
            if stdin.send(chunk).is_err() {
                return reader;
            }
        }
    });
    let mut writer = Flushing(BufWriter::with_capacity(64 * 1024, writer), Some(gate));
    let outcome = respond(service, req, &mut writer).await;
    let mut writer = writer.0.into_inner();
    let Ok(reader) = feeder.await else { return };
    match outcome {
        Outcome::Complete => {
            let _ = writer.shutdown().await;
        }
        Outcome::BodyFailed(e) => {
            tracing::error!(error = %e, "response body failed midway: resetting the SCGI connection");
            reader.unsplit(writer).abort();
        }
        Outcome::WriterGone => {}
    }
}

/// Writes each chunk through and flushes it, so streamed chunks leave at once; the
/// first write waits for the gate (the request body read whole).
struct Flushing<W>(W, Option<tokio::sync::watch::Receiver<bool>>);

impl<W: tokio::io::AsyncWrite + Unpin + Send> ChunkWriter for Flushing<W> {
    async fn write(&mut self, chunk: Bytes) -> bool {
        if let Some(mut gate) = self.1.take() {
            let _ = gate.wait_for(|done| *done).await;
        }
        self.0.write_all(&chunk).await.is_ok() && self.0.flush().await.is_ok()
    }
}

/// Opens the gate however the body feeder ends.
struct OnDrop(tokio::sync::watch::Sender<bool>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn netstring(headers: &[(&str, &str)]) -> BytesMut {
        let mut block = Vec::new();
        for (k, v) in headers {
            block.extend_from_slice(k.as_bytes());
            block.push(0);
            block.extend_from_slice(v.as_bytes());
            block.push(0);
        }
        let mut out = BytesMut::from(format!("{}:", block.len()).as_bytes());
        out.extend_from_slice(&block);
        out.extend_from_slice(b",");
        out
    }

    #[test]
    fn a_whole_block_parses_and_leaves_the_body() {
        let mut buf = netstring(&[
            ("CONTENT_LENGTH", "4"),
            ("SCGI", "1"),
            ("REQUEST_METHOD", "POST"),
        ]);
        buf.extend_from_slice(b"body");
        let vars = parse_netstring(&mut buf, 1024).unwrap().unwrap();
        assert_eq!(vars.get_str("REQUEST_METHOD"), Some("POST"));
        assert_eq!(&buf[..], b"body");
    }

    #[test]
    fn a_partial_block_waits() {
        let whole = netstring(&[("CONTENT_LENGTH", "0"), ("SCGI", "1")]);
        for cut in 0..whole.len() {
            let mut part = BytesMut::from(&whole[..cut]);
            assert_eq!(parse_netstring(&mut part, 1024), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn malformed_blocks_are_errors() {
        assert_eq!(
            parse_netstring(&mut BytesMut::from(&b"x:"[..]), 1024),
            Err(NetstringError::BadLength)
        );
        assert_eq!(
            parse_netstring(&mut BytesMut::from(&b"123456789"[..]), 1024),
            Err(NetstringError::BadLength)
        );
        assert_eq!(
            parse_netstring(&mut BytesMut::from(&b"2000:"[..]), 1024),
            Err(NetstringError::TooLarge(1024))
        );
        assert_eq!(
            parse_netstring(&mut BytesMut::from(&b"4:a\0b\0;"[..]), 1024),
            Err(NetstringError::MissingComma)
        );
        assert_eq!(
            parse_netstring(&mut BytesMut::from(&b"3:a\0b,"[..]), 1024),
            Err(NetstringError::BadHeaders)
        );
        let mut no_length = netstring(&[("SCGI", "1")]);
        assert_eq!(
            parse_netstring(&mut no_length, 1024),
            Err(NetstringError::NoContentLength)
        );
    }
}
