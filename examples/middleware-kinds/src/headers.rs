//! Changing the headers.

use gw_core::Body;
use http::header::HeaderName;
use http::HeaderValue;
use tower::util::MapResponseLayer;

/// The header [`powered_by`] adds.
const X_POWERED_BY: HeaderName = HeaderName::from_static("x-powered-by");

/// A layer that adds `x-powered-by: Gateway` to every response, unless the inner
/// service already set one (its own value is more specific, so it wins).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_core::{app_fn, test_client::TestClient, Body};
/// use middleware_kinds::powered_by;
/// use tower::Layer;
///
/// let app = powered_by().layer(app_fn(|_req: http::Request<Body>| async { "Hello World!" }));
/// TestClient::new(app).get("/").send().await
///     .assert_header("x-powered-by", "Gateway")
///     .assert_body("Hello World!");
/// # }
/// ```
pub fn powered_by(
) -> MapResponseLayer<impl Fn(http::Response<Body>) -> http::Response<Body> + Clone> {
    MapResponseLayer::new(|mut res: http::Response<Body>| {
        res.headers_mut()
            .entry(X_POWERED_BY)
            .or_insert(HeaderValue::from_static("Gateway"));
        res
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::test_client::TestClient;
    use gw_core::{app_fn, Response};
    use http::StatusCode;
    use tower::Layer;

    #[tokio::test]
    async fn a_header_the_app_set_itself_is_kept() {
        let app = powered_by().layer(app_fn(|_req: http::Request<Body>| async {
            Response::text("x").header(X_POWERED_BY, HeaderValue::from_static("my app"))
        }));
        TestClient::new(app)
            .get("/")
            .send()
            .await
            .assert_header("x-powered-by", "my app");
    }

    #[tokio::test]
    async fn error_responses_get_the_header_too() {
        let app = powered_by().layer(app_fn(|_req: http::Request<Body>| async {
            Response::text("no").with_status(StatusCode::NOT_FOUND)
        }));
        TestClient::new(app)
            .get("/")
            .send()
            .await
            .assert_status(404)
            .assert_header("x-powered-by", "Gateway");
    }
}
