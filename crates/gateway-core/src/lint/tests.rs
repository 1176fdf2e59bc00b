use super::*;
use crate::{app_fn, Body};
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt;
use tower::{Layer, ServiceExt};

/// Runs one response through a collecting Lint and returns what it found.
async fn lint(
    method: Method,
    make: impl Fn() -> http::Response<Body> + Clone + Send + 'static,
) -> Vec<Violation> {
    let (layer, violations) = LintLayer::collect();
    let app = layer.layer(app_fn(move |_req: http::Request<Body>| {
        let make = make.clone();
        async move { make() }
    }));
    let req = http::Request::builder()
        .method(method)
        .body(Body::empty())
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    let _ = res.into_body().collect().await;
    violations.take()
}

fn response(
    status: u16,
    headers: &[(&'static str, &'static str)],
    body: &'static str,
) -> http::Response<Body> {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn content_length_mismatch_is_reported() {
    let found = lint(Method::GET, || {
        response(200, &[("content-length", "3")], "four")
    })
    .await;
    assert_eq!(
        found,
        [Violation::ContentLengthMismatch {
            declared: 3,
            actual: 4
        }]
    );
}

#[tokio::test]
async fn matching_content_length_passes() {
    assert_eq!(
        lint(Method::GET, || response(
            200,
            &[("content-length", "4")],
            "four"
        ))
        .await,
        []
    );
}

#[tokio::test]
async fn malformed_content_length_is_reported() {
    let found = lint(Method::GET, || {
        response(200, &[("content-length", "-1")], "")
    })
    .await;
    assert_eq!(found, [Violation::InvalidContentLength]);
}

#[tokio::test]
async fn body_on_head_is_reported() {
    let found = lint(Method::HEAD, || response(200, &[], "oops")).await;
    assert_eq!(
        found,
        [Violation::BodyNotAllowed {
            reason: "HEAD".into()
        }]
    );
}

#[tokio::test]
async fn head_may_declare_the_get_length_with_an_empty_body() {
    assert_eq!(
        lint(Method::HEAD, || response(
            200,
            &[("content-length", "1234")],
            ""
        ))
        .await,
        []
    );
}

#[tokio::test]
async fn body_on_204_and_304_is_reported() {
    for status in [204, 304] {
        let found = lint(Method::GET, move || response(status, &[], "x")).await;
        assert_eq!(
            found,
            [Violation::BodyNotAllowed {
                reason: StatusCode::from_u16(status).unwrap().to_string()
            }]
        );
    }
}

#[tokio::test]
async fn empty_204_passes() {
    assert_eq!(lint(Method::GET, || response(204, &[], "")).await, []);
}

#[tokio::test]
async fn content_type_and_length_on_304_are_reported() {
    let found = lint(Method::GET, || {
        response(
            304,
            &[("content-type", "text/html"), ("content-length", "0")],
            "",
        )
    })
    .await;
    assert_eq!(
        found,
        [
            Violation::HeaderNotAllowed {
                name: http::header::CONTENT_TYPE,
                status: StatusCode::NOT_MODIFIED
            },
            Violation::HeaderNotAllowed {
                name: http::header::CONTENT_LENGTH,
                status: StatusCode::NOT_MODIFIED
            },
        ]
    );
}

#[tokio::test]
async fn etag_on_304_passes() {
    assert_eq!(
        lint(Method::GET, || response(304, &[("etag", "\"x\"")], "")).await,
        []
    );
}

#[tokio::test]
async fn hop_by_hop_headers_are_reported() {
    let found = lint(Method::GET, || {
        response(
            200,
            &[("connection", "close"), ("transfer-encoding", "chunked")],
            "",
        )
    })
    .await;
    assert_eq!(
        found,
        [
            Violation::HopByHopHeader {
                name: http::header::CONNECTION
            },
            Violation::HopByHopHeader {
                name: http::header::TRANSFER_ENCODING
            },
        ]
    );
}

#[tokio::test]
async fn end_to_end_headers_pass() {
    let found = lint(Method::GET, || {
        response(
            200,
            &[("cache-control", "no-cache"), ("vary", "accept")],
            "",
        )
    })
    .await;
    assert_eq!(found, []);
}

#[tokio::test]
async fn padded_header_values_are_reported() {
    let found = lint(Method::GET, || {
        response(200, &[("x-padded", " padded"), ("x-ok", "fine\tvalue")], "")
    })
    .await;
    assert_eq!(
        found,
        [Violation::InvalidHeaderValue {
            name: "x-padded".parse().unwrap()
        }]
    );
}

#[test]
fn tab_inside_passes_but_trailing_space_fails_the_value_rule() {
    // `http` refuses control characters at safe construction; one can only arrive
    // through `from_maybe_shared_unchecked`, so the rule is also tested directly.
    let mut headers = http::HeaderMap::new();
    headers.insert("x-ok", HeaderValue::from_static("fine\tvalue"));
    assert_eq!(rules::check_head(StatusCode::OK, &headers), []);
    headers.insert("x-trailing", HeaderValue::from_static("value "));
    assert_eq!(
        rules::check_head(StatusCode::OK, &headers),
        [Violation::InvalidHeaderValue {
            name: "x-trailing".parse().unwrap()
        }]
    );
}

#[tokio::test]
async fn polling_after_end_is_reported() {
    let (layer, violations) = LintLayer::collect();
    let app = layer.layer(app_fn(|_req: http::Request<Body>| async { "done" }));
    let res = app
        .oneshot(http::Request::new(Body::empty()))
        .await
        .unwrap();
    let mut body = res.into_body();
    while body.frame().await.is_some() {}
    assert_eq!(violations.take(), []);
    assert!(body.frame().await.is_none());
    assert_eq!(violations.take(), [Violation::PolledAfterEnd]);
}

#[tokio::test]
#[should_panic(expected = "Lint: Content-Length is 1 but the body has 2 bytes")]
async fn strict_mode_panics_on_a_violation() {
    let app = LintLayer::strict().layer(app_fn(|_req: http::Request<Body>| async {
        response(200, &[("content-length", "1")], "no")
    }));
    let res = app
        .oneshot(http::Request::new(Body::empty()))
        .await
        .unwrap();
    let _ = res.into_body().collect().await;
}
