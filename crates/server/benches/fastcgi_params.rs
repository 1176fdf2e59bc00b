//! What a FastCGI request costs before the app sees it: the PARAMS block nginx sends
//! for a GET (its fastcgi_params plus a few headers), parsed into pairs and mapped
//! to an `http::Request`; the pairs copied out of the record, as before, or sliced
//! from it.
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items.

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion};
use gw_core::Body;
use gw_server::frontend::cgi_env::{build_request, CgiVars};
use gw_server::frontend::fastcgi::record;

/// The PARAMS content nginx sends for `GET /hello` with Debian's fastcgi_params.
fn nginx_get_params() -> Bytes {
    let pairs = [
        ("QUERY_STRING", ""),
        ("REQUEST_METHOD", "GET"),
        ("CONTENT_TYPE", ""),
        ("CONTENT_LENGTH", ""),
        ("SCRIPT_NAME", ""),
        ("REQUEST_URI", "/hello"),
        ("DOCUMENT_URI", "/hello"),
        ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REQUEST_SCHEME", "http"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", "nginx/1.22.1"),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("REMOTE_PORT", "51234"),
        ("SERVER_ADDR", "127.0.0.1"),
        ("SERVER_PORT", "8080"),
        ("SERVER_NAME", "localhost"),
        ("PATH_INFO", "/hello"),
        ("HTTP_HOST", "127.0.0.1:8080"),
        ("HTTP_USER_AGENT", "wrk"),
        ("HTTP_ACCEPT", "*/*"),
    ];
    let mut out = BytesMut::new();
    for (name, value) in pairs {
        record::encode_pair(&mut out, name.as_bytes(), value.as_bytes());
    }
    out.freeze()
}

fn bench(c: &mut Criterion) {
    let params = nginx_get_params();
    let mut group = c.benchmark_group("fastcgi params to request");
    group.bench_function("pairs copied", |b| {
        b.iter(|| {
            let vars = CgiVars(record::parse_pairs(&params).unwrap());
            build_request(vars, Body::empty()).unwrap()
        })
    });
    group.bench_function("pairs sliced", |b| {
        b.iter(|| {
            let vars = CgiVars(record::parse_pairs_shared(&params).unwrap());
            build_request(vars, Body::empty()).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
