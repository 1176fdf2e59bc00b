//! Which request data is secret, and how it is hidden. Pure functions.
//!
//! Redaction happens when a report is built, so every consumer of a report (the
//! debug page, `tracing`, every [`Reporter`](crate::Reporter)) sees the same
//! redacted text: a secret never reaches a log file either.

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Header names that always carry credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Parts of a name that suggest a secret (`x-api-key`, `x-csrf-token`, `db.password`).
const SECRET_WORDS: &[&str] = &[
    "auth",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "key",
    "session",
    "csrf",
    "xsrf",
    "signature",
    "credential",
    "cookie",
];

/// True when a header, query parameter or environ key named `name` looks secret.
///
/// ```
/// use gw_error_catcher::redact::is_secret_name;
///
/// assert!(is_secret_name("Authorization"));
/// assert!(is_secret_name("X-Api-Key"));
/// assert!(is_secret_name("beaker.session.secret"));
/// assert!(!is_secret_name("Accept"));
/// ```
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str()) || SECRET_WORDS.iter().any(|w| name.contains(w))
}

/// `value`, or [`REDACTED`] when `name` looks secret.
pub fn redact_value<'a>(name: &str, value: &'a str) -> &'a str {
    if is_secret_name(name) {
        REDACTED
    } else {
        value
    }
}

/// A path-and-query with the values of secret-looking query parameters redacted.
///
/// ```
/// use gw_error_catcher::redact::redact_query;
///
/// assert_eq!(redact_query("/login?user=ann&token=abc"), "/login?user=ann&token=[redacted]");
/// assert_eq!(redact_query("/plain"), "/plain");
/// ```
pub fn redact_query(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_secret_in_any_case() {
        for name in [
            "Cookie",
            "SET-COOKIE",
            "authorization",
            "Proxy-Authorization",
            "X-Auth-Token",
            "X-CSRF-Token",
            "X-Api-Key",
        ] {
            assert!(is_secret_name(name), "{name}");
            assert_eq!(redact_value(name, "hunter2"), REDACTED);
        }
    }

    #[test]
    fn ordinary_headers_are_shown() {
        for name in [
            "accept",
            "user-agent",
            "host",
            "content-type",
            "x-request-id",
        ] {
            assert!(!is_secret_name(name), "{name}");
            assert_eq!(redact_value(name, "v"), "v");
        }
    }

    #[test]
    fn query_values_with_secret_names_are_hidden_and_the_rest_kept() {
        assert_eq!(
            redact_query("/a?x=1&password=p&api_key=k&flag"),
            "/a?x=1&password=[redacted]&api_key=[redacted]&flag"
        );
    }
}
