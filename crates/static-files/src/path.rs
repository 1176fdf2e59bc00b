//! Turning a request path into a safe key of the file index. Pure: no I/O.
//!
//! The request path is split on `/` first and each segment is percent-decoded
//! exactly once, so `%2F` can never create a new separator and `%252e` stays the
//! literal text `%2e`. A segment is refused (the request gets 404) when, after
//! decoding, it:
//!
//! - is `.` or `..` (so `%2e%2e` and `.%2E` are caught too);
//! - contains `/` (from `%2F`), `\`, NUL or another control character;
//! - is not valid UTF-8;
//! - starts with `.` while dotfiles are hidden;
//! - is empty in the middle of the path (`a//b`).
//!
//! The path must start with `/`. Because the answer is only ever a key into an
//! index built by walking the root, nothing outside the root can be named even if
//! a rule above were missing; the rules make the refusal explicit and cheap.

use std::borrow::Cow;
use std::fmt;

/// A request path that passed every check: its decoded segments, joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SafePath<'a> {
    /// The decoded segments joined by `/`, without leading or trailing `/`;
    /// `""` is the root directory. Borrowed from the request when the path has no
    /// percent escape (the usual case), so it costs no allocation.
    pub(crate) key: Cow<'a, str>,
    /// The request path ended in `/` (or was exactly `/`).
    pub(crate) trailing_slash: bool,
}

/// Why a request path was refused. Never shown to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathRejection {
    NotAbsolute,
    DotSegment,
    EmptySegment,
    ForbiddenByte,
    BadPercentEncoding,
    InvalidUtf8,
    Dotfile,
}

impl fmt::Display for PathRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathRejection::NotAbsolute => "path does not start with /",
            PathRejection::DotSegment => "path has a . or .. segment",
            PathRejection::EmptySegment => "path has an empty segment",
            PathRejection::ForbiddenByte => "path has a separator, backslash or control byte",
            PathRejection::BadPercentEncoding => "path has a broken percent escape",
            PathRejection::InvalidUtf8 => "path is not UTF-8",
            PathRejection::Dotfile => "path names a dotfile",
        })
    }
}

/// A path with nothing to decode (no `%`) as its own key, before any check:
/// `None` for a path with an escape, the root, or one that does not start with
/// `/`. A key the index lacks is a miss whatever the checks would say; one it
/// holds must still pass [`check_plain`], as [`resolve`] does.
pub(crate) fn plain(raw: &str) -> Option<SafePath<'_>> {
    let rest = raw.strip_prefix('/')?;
    let (rest, trailing_slash) = match rest.strip_suffix('/') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    (!rest.is_empty() && !rest.as_bytes().contains(&b'%')).then_some(SafePath {
        key: Cow::Borrowed(rest),
        trailing_slash,
    })
}

/// Checks each segment of a [`plain`] path's key.
pub(crate) fn check_plain(path: &SafePath<'_>, allow_dotfiles: bool) -> Result<(), PathRejection> {
    // By hand: `str::split` cost about 90 instructions more per request here.
    let bytes = path.key.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'/' {
            check_segment_bytes(&bytes[start..i], allow_dotfiles)?;
            start = i + 1;
        }
    }
    check_segment_bytes(&bytes[start..], allow_dotfiles)
}

/// Decodes and checks a raw (still percent-encoded) request path.
pub(crate) fn resolve(raw: &str, allow_dotfiles: bool) -> Result<SafePath<'_>, PathRejection> {
    // The usual path, with nothing to decode, is its own key.
    if let Some(path) = plain(raw) {
        check_plain(&path, allow_dotfiles)?;
        return Ok(path);
    }
    let rest = raw.strip_prefix('/').ok_or(PathRejection::NotAbsolute)?;
    if rest.is_empty() {
        return Ok(SafePath {
            key: Cow::Borrowed(""),
            trailing_slash: true,
        });
    }
    let (rest, trailing_slash) = match rest.strip_suffix('/') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    // An empty key here is `//`, whose segment is empty.
    if !rest.contains('%') {
        return Err(PathRejection::EmptySegment);
    }
    Ok(SafePath {
        key: Cow::Owned(decode_path(rest, allow_dotfiles)?),
        trailing_slash,
    })
}

/// Decodes each segment of `rest` (the path between its first and last `/`)
/// once, checks it, and joins the segments with `/`.
fn decode_path(rest: &str, allow_dotfiles: bool) -> Result<String, PathRejection> {
    let mut key = String::with_capacity(rest.len());
    for raw_segment in rest.split('/') {
        let segment = decode_segment(raw_segment)?;
        check_segment(&segment, allow_dotfiles)?;
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str(&segment);
    }
    Ok(key)
}

/// Checks one decoded segment; shared with the directory walker, so a name on
/// disk that a request could never spell is never indexed either.
pub(crate) fn check_segment(segment: &str, allow_dotfiles: bool) -> Result<(), PathRejection> {
    check_segment_bytes(segment.as_bytes(), allow_dotfiles)
}

fn check_segment_bytes(segment: &[u8], allow_dotfiles: bool) -> Result<(), PathRejection> {
    match segment {
        [] => return Err(PathRejection::EmptySegment),
        [b'.'] | [b'.', b'.'] => return Err(PathRejection::DotSegment),
        _ => {}
    }
    if segment.iter().any(|&b| FORBIDDEN[b as usize]) {
        return Err(PathRejection::ForbiddenByte);
    }
    if !allow_dotfiles && segment[0] == b'.' {
        return Err(PathRejection::Dotfile);
    }
    Ok(())
}

/// The bytes no segment may hold, decoded or not: `/`, `\\`, controls and DEL.
const FORBIDDEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b == b'/' as usize || b == b'\\' as usize || b < 0x20 || b == 0x7f;
        b += 1;
    }
    table
};

fn decode_segment(raw: &str) -> Result<Cow<'_, str>, PathRejection> {
    if !raw.contains('%') {
        return Ok(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex(*b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(PathRejection::BadPercentEncoding),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| PathRejection::InvalidUtf8)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a decoded index key for use in a URL (directory listings).
pub(crate) fn encode_segment(segment: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(raw: &str) -> String {
        resolve(raw, false).unwrap().key.into_owned()
    }

    #[test]
    fn root_is_the_empty_key_with_a_slash() {
        assert_eq!(
            resolve("/", false),
            Ok(SafePath {
                key: Cow::Borrowed(""),
                trailing_slash: true
            })
        );
    }

    #[test]
    fn plain_and_encoded_names_decode_once() {
        assert_eq!(ok("/a/b.txt"), "a/b.txt");
        assert_eq!(ok("/hello%20world.txt"), "hello world.txt");
        assert_eq!(ok("/caf%C3%A9"), "café");
        // Decoded exactly once: %25 becomes a literal %, not a second escape.
        assert_eq!(ok("/%252e%252e"), "%2e%2e");
    }

    #[test]
    fn trailing_slash_is_recorded() {
        let p = resolve("/dir/", false).unwrap();
        assert_eq!(p.key, "dir");
        assert!(p.trailing_slash);
        assert!(!resolve("/dir", false).unwrap().trailing_slash);
    }

    #[test]
    fn dot_dot_in_every_spelling_is_refused() {
        for raw in [
            "/..",
            "/../etc/passwd",
            "/a/../b",
            "/%2e%2e/x",
            "/%2E%2E/x",
            "/.%2e/x",
            "/..%2fetc",
            "/..%2Fetc",
            "/a/..%5c..%5cx",
            "/..\\x",
            "/a/./b",
            "/%2e/b",
        ] {
            assert!(resolve(raw, true).is_err(), "{raw} was accepted");
        }
    }

    #[test]
    fn nul_backslash_relative_and_bad_utf8_are_refused() {
        assert_eq!(resolve("/a%00b", true), Err(PathRejection::ForbiddenByte));
        assert_eq!(resolve("/a\\b", true), Err(PathRejection::ForbiddenByte));
        assert_eq!(resolve("a/b", true), Err(PathRejection::NotAbsolute));
        assert_eq!(resolve("", true), Err(PathRejection::NotAbsolute));
        assert_eq!(resolve("/%ff%fe", true), Err(PathRejection::InvalidUtf8));
        assert_eq!(
            resolve("/%zz", true),
            Err(PathRejection::BadPercentEncoding)
        );
        assert_eq!(
            resolve("/a%2", true),
            Err(PathRejection::BadPercentEncoding)
        );
        assert_eq!(resolve("/a//b", true), Err(PathRejection::EmptySegment));
    }

    #[test]
    fn dotfiles_are_hidden_unless_allowed() {
        assert_eq!(resolve("/.git/config", false), Err(PathRejection::Dotfile));
        assert_eq!(
            resolve("/%2egit/config", false),
            Err(PathRejection::Dotfile)
        );
        assert_eq!(resolve("/.git/config", true).unwrap().key, ".git/config");
    }

    #[test]
    fn rejections_say_what_is_wrong() {
        assert_eq!(
            PathRejection::DotSegment.to_string(),
            "path has a . or .. segment"
        );
        assert_eq!(
            resolve("/%zz", false).unwrap_err().to_string(),
            "path has a broken percent escape"
        );
    }

    #[test]
    fn the_forbidden_table_says_what_the_rule_says() {
        for b in 0..=255u8 {
            let rule = b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f;
            assert_eq!(FORBIDDEN[b as usize], rule, "byte {b:#04x}");
        }
    }

    #[test]
    fn encode_segment_escapes_markup_and_spaces() {
        assert_eq!(encode_segment("a b<c>.txt"), "a%20b%3Cc%3E.txt");
    }

    proptest! {
        #[test]
        fn any_accepted_key_has_only_clean_segments(raw in "(/|%2[eEfF]|%5[cC]|%00|\\.|\\\\|[a-z]|%[0-9a-fA-F]{2}){0,24}", dot in any::<bool>()) {
            if let Ok(p) = resolve(&raw, dot) {
                for seg in p.key.split('/').filter(|_| !p.key.is_empty()) {
                    prop_assert!(seg != "." && seg != ".." && !seg.is_empty());
                    prop_assert!(!seg.contains('\\') && !seg.contains('\0'));
                    prop_assert!(dot || !seg.starts_with('.'));
                }
            }
        }

        /// The positive side: any path spelled from clean segments (percent-encoded
        /// as links spell them) resolves to exactly those segments. A resolver that
        /// refused every path fails this.
        #[test]
        fn clean_segments_resolve_to_themselves(
            segments in proptest::collection::vec("\\.?[a-zA-Z0-9_~é-][a-zA-Z0-9._~ <>%é-]{0,8}", 1..6),
            trailing in any::<bool>(),
            dot in any::<bool>(),
        ) {
            let encoded: Vec<String> = segments.iter().map(|s| encode_segment(s)).collect();
            let raw = format!("/{}{}", encoded.join("/"), if trailing { "/" } else { "" });
            let got = resolve(&raw, dot);
            if !dot && segments.iter().any(|s| s.starts_with('.')) {
                prop_assert_eq!(got, Err(PathRejection::Dotfile), "{}", raw);
            } else {
                let got = got.map_err(|e| TestCaseError::fail(format!("{raw}: {e}")))?;
                prop_assert_eq!(got.key, segments.join("/"));
                prop_assert_eq!(got.trailing_slash, trailing);
            }
        }

        /// The unchecked plain path is what `resolve` gives whenever it accepts
        /// a path without an escape, so a lookup by its key finds exactly what
        /// a lookup after `resolve` would (and checks what it finds).
        #[test]
        fn the_plain_path_is_the_resolved_path(raw in "/?([a-z.%]{0,3}/?){0,6}|/[ -~]{0,16}", dot in any::<bool>()) {
            match (plain(&raw), resolve(&raw, dot)) {
                (Some(plain), Ok(p)) => prop_assert_eq!(plain, p, "{}", raw),
                (None, Ok(p)) => prop_assert!(raw.contains('%') || p.key.is_empty(), "{}", raw),
                // Refused: the lookup answers a miss either way.
                (_, Err(_)) => {}
            }
        }

        /// The borrowed path (no escape) answers exactly what decoding every
        /// segment answers: the same key, or a refusal.
        #[test]
        fn borrowed_paths_resolve_as_decoded_ones(raw in "/([a-z.]{0,3}/?){0,6}|/[ -~]{0,16}", dot in any::<bool>()) {
            prop_assume!(!raw.contains('%'));
            let fast = resolve(&raw, dot);
            let rest = raw.strip_prefix('/').unwrap();
            let decoded = if rest.is_empty() {
                Ok(String::new())
            } else {
                decode_path(rest.strip_suffix('/').unwrap_or(rest), dot)
            };
            match (fast, decoded) {
                (Ok(p), Ok(key)) => {
                    prop_assert!(matches!(p.key, Cow::Borrowed(_)));
                    prop_assert_eq!(p.key.as_ref(), key.as_str());
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "{:?} against {:?}", a, b),
            }
        }

        /// With or without escapes, the one-pass resolve answers what decoding
        /// every segment answers, refusals included.
        #[test]
        fn any_path_resolves_as_decoded(raw in "/([a-z.%/]|%2[eEfF]|%41|%zz){0,12}", dot in any::<bool>()) {
            let rest = raw.strip_prefix('/').unwrap();
            prop_assume!(!rest.is_empty());
            let decoded = decode_path(rest.strip_suffix('/').unwrap_or(rest), dot);
            match (resolve(&raw, dot), decoded) {
                (Ok(p), Ok(key)) => prop_assert_eq!(p.key.as_ref(), key.as_str()),
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "{:?} against {:?}", a, b),
            }
        }

        #[test]
        fn resolve_never_panics(raw in any::<String>(), dot in any::<bool>()) {
            let _ = resolve(&raw, dot);
        }
    }
}
