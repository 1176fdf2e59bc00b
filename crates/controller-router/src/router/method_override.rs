//! The `_method` override: a POST form may say it is a PUT, PATCH or DELETE.
//!
//! Pure helpers; the router does the buffering. Unlike Routes, which reads
//! `_method` from the query string of any request, only the body of a POST whose
//! `Content-Type` is `application/x-www-form-urlencoded` counts: a link (GET) can
//! never delete anything.

use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::Method;
use percent_encoding::percent_decode;

/// The method a request had before a `_method` override replaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalMethod(pub Method);

/// Whether the head describes a form body small enough (`Content-Length` given
/// and at most `limit`) to be read for `_method`.
///
/// Each header is the first of its name, as `HeaderMap::get` gives it, found by
/// a scan of the names: a request carries few headers and a standard name
/// compares in one step, where `get` hashes it (about 100 instructions less
/// per `POST`).
pub(crate) fn wants_look(method: &Method, headers: &HeaderMap, limit: usize) -> bool {
    if *method != Method::POST {
        return false;
    }
    let first = |wanted: &HeaderName| {
        headers
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, value)| value)
    };
    first(&CONTENT_TYPE).is_some_and(is_form_type)
        && first(&CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n <= limit)
}

/// The form type's own bytes: a value shorter than this is no form.
const FORM_TYPE: &[u8] = b"application/x-www-form-urlencoded";

/// `application/x-www-form-urlencoded`, with any parameters, in any case; a
/// value that is not visible ASCII is no form. Most POST bodies are not forms,
/// and this runs for each of them, so a value shorter than the type is turned
/// down by its length alone (JSON, `application/octet-stream`: about 170
/// instructions less per `POST /echo` than looking for the parameters), and
/// the type is compared as bytes before the value is checked as text.
fn is_form_type(value: &HeaderValue) -> bool {
    if value.len() < FORM_TYPE.len() {
        return false;
    }
    let essence = value
        .as_bytes()
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    essence.trim_ascii().eq_ignore_ascii_case(FORM_TYPE) && value.to_str().is_ok()
}

/// The override a form body asks for: `PUT`, `PATCH` or `DELETE` (any case).
pub(crate) fn form_method(body: &[u8]) -> Option<Method> {
    for pair in body.split(|&b| b == b'&') {
        let mut kv = pair.splitn(2, |&b| b == b'=');
        let key = kv.next().unwrap_or_default();
        if decode_form(key) != "_method" {
            continue;
        }
        let value = decode_form(kv.next().unwrap_or_default()).to_ascii_uppercase();
        return match value.as_str() {
            "PUT" => Some(Method::PUT),
            "PATCH" => Some(Method::PATCH),
            "DELETE" => Some(Method::DELETE),
            _ => None,
        };
    }
    None
}

fn decode_form(raw: &[u8]) -> String {
    let plus: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&plus).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The byte comparison answers what reading the value as text first does.
        #[test]
        fn form_type_by_bytes_is_form_type_by_text(
            value in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..48),
                "[ \t]{0,2}(application/x-www-form-urlencoded|APPLICATION/X-WWW-FORM-URLENCODED|application/json|text/plain)[ \t]{0,2}(;[ -~\t\u{80}-\u{ff}]{0,12})?"
                    .prop_map(|s| s.chars().map(|c| c as u32 as u8).collect()),
            ]
        ) {
            let Ok(value) = HeaderValue::from_bytes(&value) else {
                return Ok(());
            };
            let by_text = value
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .is_some_and(|essence| {
                    essence
                        .trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                });
            prop_assert_eq!(is_form_type(&value), by_text, "{:?}", value);
        }
    }

    proptest! {
        /// The scan of the names answers what `HeaderMap::get` does, whatever
        /// the headers, their order and their repeats.
        #[test]
        fn the_scan_reads_the_first_value_of_each_name(
            headers in proptest::collection::vec(
                (
                    prop_oneof![Just("content-type"), Just("content-length"), Just("host"), Just("x-other")],
                    prop_oneof![
                        Just("application/x-www-form-urlencoded"),
                        Just("application/x-www-form-urlencoded; charset=utf-8"),
                        Just("application/json"),
                        Just("10"),
                        Just("1000"),
                        Just("x"),
                    ],
                ),
                0..8,
            ),
            post in any::<bool>(),
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in &headers {
                map.append(*name, HeaderValue::from_static(value));
            }
            let method = if post { Method::POST } else { Method::PUT };
            let by_get = post
                && map.get(CONTENT_TYPE).is_some_and(is_form_type)
                && map
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<usize>().ok())
                    .is_some_and(|n| n <= 100);
            prop_assert_eq!(wants_look(&method, &map, 100), by_get, "{:?}", headers);
        }
    }

    fn form(len: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        h.insert(CONTENT_LENGTH, len.parse().unwrap());
        h
    }

    #[test]
    fn only_small_post_forms_are_read() {
        assert!(wants_look(&Method::POST, &form("10"), 100));
        assert!(!wants_look(&Method::GET, &form("10"), 100));
        assert!(!wants_look(&Method::POST, &form("101"), 100));
        let mut json = form("10");
        json.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!wants_look(&Method::POST, &json, 100));
        let mut chunked = form("10");
        chunked.remove(CONTENT_LENGTH);
        assert!(!wants_look(&Method::POST, &chunked, 100));
    }

    #[test]
    fn form_method_reads_put_patch_delete_only() {
        assert_eq!(form_method(b"a=1&_method=delete"), Some(Method::DELETE));
        assert_eq!(form_method(b"_method=Put"), Some(Method::PUT));
        assert_eq!(form_method(b"%5Fmethod=patch"), Some(Method::PATCH));
        assert_eq!(form_method(b"_method=GET"), None);
        assert_eq!(form_method(b"_method=CONNECT"), None);
        assert_eq!(form_method(b"method=PUT"), None);
        assert_eq!(form_method(b""), None);
    }
}
