//! Fixture binaries for the cross-crate socket tests live in `src/bin/`; the tests
//! themselves are in `tests/`.

/// The `N` of a `?ms=N` query (0 when absent): how long the fixtures' `/slow` sleeps.
pub fn query_ms(uri: &http::Uri) -> u64 {
    uri.query()
        .and_then(|q| q.strip_prefix("ms="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
