//! Which requests name their host correctly (RFC 9112 §3.2, RFC 9113 §8.3.1).
//!
//! Pure logic, no I/O: [`check`] looks at the version, the target's authority and
//! the `Host` lines of a request head and says why it must get 400, if it must.

use http::{header::HOST, HeaderMap, Uri, Version};

/// Why a request's host is refused; the text is the 400's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostProblem {
    /// RFC 9112 §3.2: an HTTP/1.1 request must carry `Host`.
    Missing,
    /// RFC 9112 §3.2: more than one `Host` line.
    Duplicate,
    /// RFC 9112 §3.2: a `Host` value that is not `uri-host [ ":" port ]`.
    Invalid,
    /// RFC 9113 §8.3.1: an HTTP/2 request with `Host` naming another host than
    /// its `:authority`.
    Conflicting,
}

impl HostProblem {
    pub(crate) fn message(self) -> &'static str {
        match self {
            HostProblem::Missing => "The request has no Host header\n",
            HostProblem::Duplicate => "The request has more than one Host header\n",
            HostProblem::Invalid => "The Host header is not a valid host[:port]\n",
            HostProblem::Conflicting => "The Host header and :authority name different hosts\n",
        }
    }
}

/// Checks the host of a request head: `Ok` when it may be served.
///
/// HTTP/1.0 may omit `Host`; HTTP/1.1 must send exactly one; HTTP/2 and later
/// need `:authority` or `Host` (hyper puts `:authority` in the URI).
///
/// The `Host` lines are found by a scan of the header names rather than by
/// hashing: a standard name compares in one step and a request carries few
/// headers (counted with callgrind: about 80 instructions less than
/// `HeaderMap::get_all` for a request of three headers, about the same for a
/// browser's dozen).
pub(crate) fn check(version: Version, uri: &Uri, headers: &HeaderMap) -> Result<(), HostProblem> {
    let mut lines = headers.iter().filter(|(name, _)| **name == HOST);
    let host = lines.next().map(|(_, value)| value);
    if lines.next().is_some() {
        return Err(HostProblem::Duplicate);
    }
    if let Some(host) = host {
        if !is_valid_host(host.as_bytes()) {
            return Err(HostProblem::Invalid);
        }
    }
    match version {
        Version::HTTP_09 | Version::HTTP_10 => Ok(()),
        Version::HTTP_11 => host.map(|_| ()).ok_or(HostProblem::Missing),
        _ => match (uri.authority(), host) {
            (None, None) => Err(HostProblem::Missing),
            (Some(authority), Some(host))
                if !authority
                    .as_str()
                    .as_bytes()
                    .eq_ignore_ascii_case(host.as_bytes()) =>
            {
                Err(HostProblem::Conflicting)
            }
            _ => Ok(()),
        },
    }
}

/// `Host = uri-host [ ":" port ]` (RFC 9110 §7.2), where uri-host is an
/// IP-literal in brackets, or a reg-name / IPv4 address; empty is allowed (a
/// target URI without an authority).
fn is_valid_host(value: &[u8]) -> bool {
    let port = if let Some(rest) = value.strip_prefix(b"[") {
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &rest[..end];
        let ok = !literal.is_empty()
            && literal
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.'));
        if !ok {
            return false;
        }
        &rest[end + 1..]
    } else {
        // One pass: the name runs to the first byte it may not hold, which must
        // be the port's `:` (a `:` is not a name byte).
        let name = value.iter().position(|&b| !REG_NAME[b as usize]);
        &value[name.unwrap_or(value.len())..]
    };
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

const REG_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_reg_name_byte(b as u8);
        b += 1;
    }
    table
};

/// unreserved / pct-encoded / sub-delims (RFC 3986 §3.2.2).
const fn is_reg_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn the_table_says_what_the_rule_says() {
        for b in 0..=255u8 {
            let rule = b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b);
            assert_eq!(REG_NAME[b as usize], rule, "byte {b:#04x}");
        }
    }

    /// The rule read literally, for a value without brackets: the name up to
    /// the first `:`, every byte of it a name byte, then nothing or `:` digits.
    fn by_the_rule(value: &[u8]) -> bool {
        let (name, port) = match value.iter().position(|&b| b == b':') {
            Some(colon) => (&value[..colon], &value[colon..]),
            None => (value, &[][..]),
        };
        let port_ok = match port.split_first() {
            None => true,
            Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
            Some(_) => false,
        };
        port_ok && name.iter().all(|&b| REG_NAME[b as usize])
    }

    proptest::proptest! {
        /// The one-pass check answers what the rule says, for any bytes.
        #[test]
        fn one_pass_matches_the_rule(
            value in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"az09.-:_~%[]@/ ".to_vec()),
                    proptest::num::u8::ANY,
                ],
                0..24,
            )
        ) {
            proptest::prop_assume!(value.first() != Some(&b'['));
            proptest::prop_assert_eq!(is_valid_host(&value), by_the_rule(&value));
        }
    }

    fn head(version: Version, uri: &str, hosts: &[&str]) -> Result<(), HostProblem> {
        let mut headers = HeaderMap::new();
        for h in hosts {
            headers.append(HOST, HeaderValue::from_str(h).unwrap());
        }
        check(version, &uri.parse().unwrap(), &headers)
    }

    #[test]
    fn http11_needs_exactly_one_valid_host() {
        assert_eq!(head(Version::HTTP_11, "/", &["example.com"]), Ok(()));
        assert_eq!(head(Version::HTTP_11, "/", &["example.com:8080"]), Ok(()));
        assert_eq!(head(Version::HTTP_11, "/", &["[::1]:80"]), Ok(()));
        assert_eq!(head(Version::HTTP_11, "/", &["127.0.0.1"]), Ok(()));
        assert_eq!(head(Version::HTTP_11, "/", &[""]), Ok(()));
        assert_eq!(head(Version::HTTP_11, "/", &[]), Err(HostProblem::Missing));
        assert_eq!(
            head(Version::HTTP_11, "http://a/", &[]),
            Err(HostProblem::Missing)
        );
        assert_eq!(
            head(Version::HTTP_11, "/", &["a", "a"]),
            Err(HostProblem::Duplicate)
        );
        for bad in [
            "a b<script>",
            "user@host",
            "a/b",
            "host:80x",
            "[::1",
            "[]",
            "a:b:c",
        ] {
            assert_eq!(
                head(Version::HTTP_11, "/", &[bad]),
                Err(HostProblem::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn http10_may_omit_host_but_not_repeat_it() {
        assert_eq!(head(Version::HTTP_10, "/", &[]), Ok(()));
        assert_eq!(
            head(Version::HTTP_10, "/", &["a", "b"]),
            Err(HostProblem::Duplicate)
        );
    }

    #[test]
    fn http2_needs_authority_or_host_and_they_agree() {
        assert_eq!(head(Version::HTTP_2, "http://a.example/", &[]), Ok(()));
        assert_eq!(head(Version::HTTP_2, "/", &["a.example"]), Ok(()));
        assert_eq!(
            head(Version::HTTP_2, "http://A.example/", &["a.example"]),
            Ok(())
        );
        assert_eq!(head(Version::HTTP_2, "/", &[]), Err(HostProblem::Missing));
        assert_eq!(
            head(Version::HTTP_2, "http://a.example/", &["b.example"]),
            Err(HostProblem::Conflicting)
        );
    }
}
