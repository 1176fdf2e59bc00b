//! `Embedded` through gw-core's TestClient (every response checked by Lint).

use gw_core::test_client::TestClient;
use gw_core::MountPrefix;
use gw_static_files::{BuildError, Embedded};
use http::Method;

const HELPERS: &[u8] =
    b"function link_to(text, url) { return '<a href=\"' + url + '\">' + text + '</a>'; }\n";

fn assets() -> Embedded {
    Embedded::new()
        .file("javascripts/helpers.js", HELPERS)
        .file("/docs/index.html", b"<h1>docs</h1>")
        .file("app.0123abcd.css", b"body{}")
        .immutable_fingerprinted(true)
}

#[tokio::test]
async fn embedded_file_is_served_with_a_content_hash_etag() {
    let c = TestClient::new(assets());
    let res = c.get("/javascripts/helpers.js").send().await;
    res.assert_status(200)
        .assert_header("content-length", &HELPERS.len().to_string())
        .assert_header("accept-ranges", "bytes")
        .assert_no_header("last-modified")
        .assert_body(HELPERS);
    assert!(res
        .header("content-type")
        .unwrap()
        .ends_with("javascript; charset=utf-8"));
    let etag = res.header("etag").unwrap().to_owned();
    // The same bytes under another name, or in another build, give the same ETag.
    let twin = TestClient::new(Embedded::new().file("x.js", HELPERS));
    assert_eq!(
        twin.get("/x.js").send().await.header("etag"),
        Some(etag.as_str())
    );
    let other = TestClient::new(Embedded::new().file("x.js", b"other"));
    assert_ne!(
        other.get("/x.js").send().await.header("etag"),
        Some(etag.as_str())
    );

    c.get("/javascripts/helpers.js")
        .header("if-none-match", &etag)
        .send()
        .await
        .assert_status(304)
        .assert_no_header("content-type");
    c.get("/javascripts/helpers.js")
        .header("range", "bytes=0-7")
        .send()
        .await
        .assert_status(206)
        .assert_body("function");
}

#[tokio::test]
async fn embedded_misses_methods_and_directories() {
    let c = TestClient::new(assets());
    c.get("/javascripts/nope.js")
        .send()
        .await
        .assert_status(404);
    c.post("/nope").send().await.assert_status(404);
    c.post("/javascripts/helpers.js")
        .send()
        .await
        .assert_status(405)
        .assert_header("allow", "GET, HEAD");
    c.head("/javascripts/helpers.js")
        .send()
        .await
        .assert_status(200)
        .assert_body("");
    c.get("/docs/").send().await.assert_body("<h1>docs</h1>");
    c.get("/docs?x=1")
        .extension(MountPrefix::new("/assets"))
        .send()
        .await
        .assert_status(301)
        .assert_header("location", "/assets/docs/?x=1");
    c.get("/javascripts/").send().await.assert_status(404);
    c.get("/javascripts/..%2fdocs/index.html")
        .send()
        .await
        .assert_status(404);
    c.get("/app.0123abcd.css")
        .send()
        .await
        .assert_header("cache-control", "public, max-age=31536000, immutable");
}

#[test]
fn unclean_embedded_paths_are_typed_errors() {
    for bad in ["../x.js", "a//b", "a/./b", "a\\b", ""] {
        let err = Embedded::new().try_file(bad, "x").unwrap_err();
        assert!(
            matches!(err, BuildError::InvalidEmbeddedPath { .. }),
            "{bad}"
        );
        assert!(err.to_string().contains("embedded file path"), "{err}");
    }
    let _ = Method::GET;
}

#[test]
fn both_services_fit_axum_hyper_and_cascade_bounds() {
    // axum's route_service / fallback_service and the server need Clone + Send +
    // Sync + 'static services with Send futures and Infallible errors, for any
    // request body (here hyper's Incoming).
    fn check<S>()
    where
        S: tower::Service<
                http::Request<hyper::body::Incoming>,
                Error = std::convert::Infallible,
                Response = http::Response<gw_core::Body>,
            > + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
    }
    check::<Embedded>();
    check::<gw_static_files::StaticFiles>();
}
