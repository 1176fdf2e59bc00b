//! Feeds arbitrary conditional headers (If-Match, If-None-Match, If-Modified-Since,
//! If-Unmodified-Since, If-Range) to static-files' precondition evaluator. Nothing
//! may panic, and the answer respects RFC 9110 §13.2.2: 304 only for GET and HEAD,
//! never a 304 or 412 without a precondition header.
#![no_main]

use std::time::{Duration, SystemTime};

use http::header::{self, HeaderMap, HeaderValue};
use http::Method;
use libfuzzer_sys::fuzz_target;

const NAMES: [header::HeaderName; 6] = [
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
    header::IF_RANGE,
    header::RANGE,
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let method =
        [Method::GET, Method::HEAD, Method::POST, Method::PUT][usize::from(data[0] % 4)].clone();
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(data[1]) << 24);
    let mut headers = HeaderMap::new();
    // The rest: header values separated by 0xff, assigned to NAMES in turn.
    for (i, raw) in data[2..].split(|&b| b == 0xff).enumerate().take(12) {
        if let Ok(value) = HeaderValue::from_bytes(raw) {
            headers.append(NAMES[i % NAMES.len()].clone(), value);
        }
    }
    let (status, _) = gw_static_files::fuzzing::evaluate_conditional(
        &method,
        &headers,
        "\"1a-2b\"",
        Some(mtime),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 33),
    );
    if status == 304 {
        assert!(method == Method::GET || method == Method::HEAD);
        assert!(
            headers.contains_key(header::IF_NONE_MATCH)
                || headers.contains_key(header::IF_MODIFIED_SINCE)
        );
    }
    if status == 412 {
        assert!(
            headers.contains_key(header::IF_MATCH)
                || headers.contains_key(header::IF_UNMODIFIED_SINCE)
                || headers.contains_key(header::IF_NONE_MATCH)
        );
    }
});
