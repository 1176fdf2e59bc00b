//! Turning a looked-up file into a response: variant choice, preconditions,
//! ranges and headers. Shared by the directory and the embedded service.

use std::fs::File;
use std::ops::Range;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use gw_core::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::body::{FileBody, Segment, Version};
use crate::conditional::{self, Outcome, Validators};
use crate::config::Config;
use crate::encoding::{self, Encoding};
use crate::entry::{FileEntry, Representation};
use crate::range::{self, RangeAnswer};

/// The bytes behind a representation, ready to be sent.
#[derive(Debug)]
pub(crate) enum Payload {
    Memory(Bytes),
    Disk(Arc<File>),
}

/// Chooses the representation (plain or a precompressed variant) for `headers`.
pub(crate) fn choose<'e>(
    entry: &'e FileEntry,
    headers: &HeaderMap,
) -> (Option<Encoding>, &'e Arc<Representation>) {
    if entry.variants.is_empty() {
        return (None, &entry.plain);
    }
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    match encoding::negotiate(accept, &entry.encodings) {
        Some(enc) => {
            let repr = entry
                .variants
                .iter()
                .find(|(e, _)| *e == enc)
                .map_or(&entry.plain, |(_, r)| r);
            (Some(enc), repr)
        }
        None => (None, &entry.plain),
    }
}

/// A representation whose bytes are on disk: it must be opened first.
pub(crate) struct OnDisk<'e> {
    pub(crate) encoding: Option<Encoding>,
    pub(crate) repr: &'e Arc<Representation>,
    pub(crate) file: &'e crate::open_files::DiskFile,
}

/// Answers a GET or HEAD of `entry` at once when the chosen representation is in
/// memory; otherwise says which file to open.
pub(crate) fn from_memory<'e, B>(
    entry: &'e FileEntry,
    req: &http::Request<B>,
    config: &Config,
) -> Result<Response<Body>, OnDisk<'e>> {
    let (encoding, repr) = choose(entry, req.headers());
    match &repr.source {
        crate::entry::Source::Memory(bytes) => Ok(respond(
            entry,
            encoding,
            repr,
            req.method(),
            req.headers(),
            Payload::Memory(bytes.clone()),
            config,
        )),
        crate::entry::Source::Disk(file) => Err(OnDisk {
            encoding,
            repr,
            file,
        }),
    }
}

/// The full response for a GET or HEAD of `repr`.
pub(crate) fn respond(
    entry: &FileEntry,
    encoding: Option<Encoding>,
    repr: &Representation,
    method: &Method,
    headers: &HeaderMap,
    payload: Payload,
    config: &Config,
) -> Response<Body> {
    let validators = Validators {
        etag: repr.etag_str(),
        last_modified: repr.last_modified,
    };
    let honour_range = match conditional::evaluate(method, headers, validators, SystemTime::now()) {
        Outcome::NotModified => {
            return finish(
                StatusCode::NOT_MODIFIED,
                validator_head(entry, repr),
                Body::empty(),
            )
        }
        Outcome::PreconditionFailed => {
            return finish(
                StatusCode::PRECONDITION_FAILED,
                validator_head(entry, repr),
                Body::empty(),
            )
        }
        Outcome::Proceed { honour_range } => honour_range,
    };

    let answer = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(range) if honour_range && method == Method::GET => {
            range::parse(range, repr.len, config.max_ranges)
        }
        _ => RangeAnswer::Full,
    };
    let head = method == Method::HEAD;
    let (status, out, body) = match answer {
        RangeAnswer::Full => {
            let out = full_head(entry, encoding, repr, matches!(payload, Payload::Memory(_)));
            if head {
                (StatusCode::OK, out, Body::empty())
            } else {
                (StatusCode::OK, out, body_for(payload, repr, None, config))
            }
        }
        RangeAnswer::Unsatisfiable => {
            let mut out = common_head(entry, encoding, repr);
            out.remove(header::CONTENT_ENCODING);
            out.insert(
                header::CONTENT_RANGE,
                header_value(format!("bytes */{}", repr.len)),
            );
            (StatusCode::RANGE_NOT_SATISFIABLE, out, Body::empty())
        }
        RangeAnswer::Partial(ranges) if ranges.len() == 1 => {
            let r = ranges[0].clone();
            let mut out = common_head(entry, encoding, repr);
            out.insert(header::CONTENT_TYPE, entry.content_type.clone());
            out.insert(header::CONTENT_RANGE, content_range(&r, repr.len));
            out.insert(header::CONTENT_LENGTH, HeaderValue::from(r.end - r.start));
            (
                StatusCode::PARTIAL_CONTENT,
                out,
                body_for(payload, repr, Some(vec![Segment::File(r)]), config),
            )
        }
        RangeAnswer::Partial(ranges) => {
            let boundary = boundary();
            let mut out = common_head(entry, encoding, repr);
            out.insert(
                header::CONTENT_TYPE,
                header_value(format!("multipart/byteranges; boundary={boundary}")),
            );
            let segments = multipart(&ranges, repr.len, &entry.content_type, &boundary);
            let total: u64 = segments.iter().map(Segment::len).sum();
            out.insert(header::CONTENT_LENGTH, HeaderValue::from(total));
            (
                StatusCode::PARTIAL_CONTENT,
                out,
                body_for(payload, repr, Some(segments), config),
            )
        }
    };
    finish(status, out, body)
}

/// The validators and caching headers, which go on 200, 206 and 304 alike
/// (RFC 9110 §15.4.5).
fn validator_head(entry: &FileEntry, repr: &Representation) -> HeaderMap {
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, repr.etag.clone());
    if let Some(lm) = &repr.last_modified_header {
        out.insert(header::LAST_MODIFIED, lm.clone());
    }
    if let Some(cc) = &entry.cache_control {
        out.insert(header::CACHE_CONTROL, cc.clone());
    }
    if !entry.variants.is_empty() {
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    out
}

/// [`validator_head`] and the headers of every answer with a body.
fn common_head(entry: &FileEntry, encoding: Option<Encoding>, repr: &Representation) -> HeaderMap {
    let mut out = validator_head(entry, repr);
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(enc) = encoding {
        out.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(enc.token()),
        );
    }
    if let Some(cd) = &entry.content_disposition {
        out.insert(header::CONTENT_DISPOSITION, cd.clone());
    }
    out
}

/// The headers of a whole `200` answer. A representation held in memory never
/// changes, so its first such answer keeps them and the next ones clone them:
/// a clone copies the map where building it hashes and inserts each header
/// (about 650 instructions per 1 KiB file served from memory, measured with
/// callgrind). Built afresh when the entry's variants (`Vary`) changed since.
fn full_head(
    entry: &FileEntry,
    encoding: Option<Encoding>,
    repr: &Representation,
    in_memory: bool,
) -> HeaderMap {
    let build = || {
        let mut out = common_head(entry, encoding, repr);
        out.insert(header::CONTENT_TYPE, entry.content_type.clone());
        out.insert(header::CONTENT_LENGTH, repr.content_length.clone());
        out
    };
    if !in_memory {
        return build();
    }
    let vary = !entry.variants.is_empty();
    let kept = repr.full_head.get_or_init(|| Box::new((vary, build())));
    if kept.0 == vary {
        kept.1.clone()
    } else {
        build()
    }
}

fn finish(status: StatusCode, headers: HeaderMap, body: Body) -> Response<Body> {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    *res.headers_mut() = headers;
    res
}

/// The body of `segments` of the representation, or of all of it (`None`).
fn body_for(
    payload: Payload,
    repr: &Representation,
    segments: Option<Vec<Segment>>,
    config: &Config,
) -> Body {
    match (payload, segments) {
        // The whole of a file in memory is its bytes, shared.
        (Payload::Memory(bytes), None) => Body::from(bytes),
        (Payload::Memory(bytes), Some(segments)) => {
            if let [Segment::File(r)] = segments.as_slice() {
                return Body::from(bytes.slice(r.start as usize..r.end as usize));
            }
            let total: u64 = segments.iter().map(Segment::len).sum();
            let mut buf = BytesMut::with_capacity(total as usize);
            for s in &segments {
                match s {
                    Segment::Bytes(b) => buf.extend_from_slice(b),
                    Segment::File(r) => {
                        buf.extend_from_slice(&bytes[r.start as usize..r.end as usize])
                    }
                }
            }
            Body::from(buf.freeze())
        }
        (Payload::Disk(file), segments) => {
            #[allow(clippy::single_range_in_vec_init)]
            let segments = segments.unwrap_or_else(|| vec![Segment::File(0..repr.len)]);
            let version = repr.stamp.map(|s| Version {
                len: s.len,
                mtime: s.mtime,
            });
            Body::new(FileBody::new(file, version, segments, config.chunk_size))
        }
    }
}

fn multipart(
    ranges: &[Range<u64>],
    size: u64,
    content_type: &HeaderValue,
    boundary: &str,
) -> Vec<Segment> {
    let ct = content_type.to_str().unwrap_or("application/octet-stream");
    let mut out = Vec::with_capacity(ranges.len() * 2 + 1);
    for (i, r) in ranges.iter().enumerate() {
        let lead = if i == 0 { "" } else { "\r\n" };
        let part_head = format!(
            "{lead}--{boundary}\r\ncontent-type: {ct}\r\ncontent-range: bytes {}-{}/{size}\r\n\r\n",
            r.start,
            r.end - 1
        );
        out.push(Segment::Bytes(Bytes::from(part_head)));
        out.push(Segment::File(r.clone()));
    }
    out.push(Segment::Bytes(Bytes::from(format!(
        "\r\n--{boundary}--\r\n"
    ))));
    out
}

fn content_range(r: &Range<u64>, size: u64) -> HeaderValue {
    header_value(format!("bytes {}-{}/{size}", r.start, r.end - 1))
}

fn boundary() -> String {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut a = state.build_hasher();
    a.write_u64(0x5f37_59df);
    let mut b = state.build_hasher();
    b.write_u64(a.finish());
    format!("{:016x}{:016x}", a.finish(), b.finish())
}

fn header_value(s: String) -> HeaderValue {
    HeaderValue::from_str(&s).expect("built from digits and tokens")
}

/// 404 with a fixed body that never names a path.
pub(crate) fn not_found() -> Response<Body> {
    plain(StatusCode::NOT_FOUND, "Not Found\n")
}

/// 405 with `Allow: GET, HEAD`.
pub(crate) fn method_not_allowed() -> Response<Body> {
    let mut res = plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    res
}

/// 301 to `location`; `None` (a location that is not a valid header) gives 404.
pub(crate) fn moved_permanently(location: &str) -> Response<Body> {
    match HeaderValue::from_str(location) {
        Ok(loc) => {
            let mut res = plain(StatusCode::MOVED_PERMANENTLY, "Moved Permanently\n");
            res.headers_mut().insert(header::LOCATION, loc);
            res
        }
        Err(_) => not_found(),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut res = Response::new(Body::from(text));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    res
}

/// Strips the body of a HEAD response, keeping its headers.
pub(crate) fn for_method(method: &Method, res: Response<Body>) -> Response<Body> {
    if method == Method::HEAD {
        let (parts, _) = res.into_parts();
        Response::from_parts(parts, Body::empty())
    } else {
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(map: &HeaderMap) -> Vec<(String, String)> {
        map.iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect()
    }

    fn entry(variants: Vec<(Encoding, Arc<Representation>)>) -> FileEntry {
        let plain =
            Representation::in_memory(Bytes::from_static(b"hello"), Some(SystemTime::UNIX_EPOCH));
        let config = Config {
            cache_control: Some(HeaderValue::from_static("max-age=60")),
            ..Config::default()
        };
        FileEntry::new("a.txt", Arc::new(plain), variants, &config)
    }

    #[test]
    fn a_kept_head_is_the_one_built_afresh_header_for_header_in_order() {
        let plain_entry = entry(Vec::new());
        let repr = plain_entry.plain.clone();
        let built = full_head(&plain_entry, None, &repr, false);
        for _ in 0..2 {
            assert_eq!(
                pairs(&full_head(&plain_entry, None, &repr, true)),
                pairs(&built)
            );
        }
        assert!(
            repr.full_head.get().is_some(),
            "kept after the first answer"
        );
        assert!(built.get(header::VARY).is_none());

        // The same representation under an entry that now has a variant: `Vary`.
        let gz = Arc::new(Representation::in_memory(Bytes::from_static(b"gz"), None));
        let mut with_variant = entry(vec![(Encoding::Gzip, gz)]);
        with_variant.plain = repr.clone();
        let fresh = full_head(&with_variant, None, &repr, false);
        assert_eq!(fresh.get(header::VARY).unwrap(), "accept-encoding");
        assert_eq!(
            pairs(&full_head(&with_variant, None, &repr, true)),
            pairs(&fresh)
        );
    }

    #[test]
    fn a_representation_on_disk_keeps_no_head() {
        let e = entry(Vec::new());
        let repr = e.plain.clone();
        let _ = full_head(&e, None, &repr, false);
        assert!(repr.full_head.get().is_none());
    }
}
