//! Changing the status.

use gw_core::Body;
use http::StatusCode;
use tower::util::MapResponseLayer;

/// A layer that answers 410 Gone where the inner service answered 404: for a site
/// whose old pages are gone for good. Every other response passes unchanged.
///
/// A plain function over the response is enough when only the head changes, so
/// this is tower's [`MapResponseLayer`] with a closure.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_core::{app_fn, test_client::TestClient, Body, Response};
/// use http::StatusCode;
/// use middleware_kinds::not_found_as_gone;
/// use tower::Layer;
///
/// let app = not_found_as_gone().layer(app_fn(|_req: http::Request<Body>| async {
///     Response::text("moved away").with_status(StatusCode::NOT_FOUND)
/// }));
/// TestClient::new(app).get("/old").send().await
///     .assert_status(410)
///     .assert_body("moved away");
/// # }
/// ```
pub fn not_found_as_gone(
) -> MapResponseLayer<impl Fn(http::Response<Body>) -> http::Response<Body> + Clone> {
    MapResponseLayer::new(|mut res: http::Response<Body>| {
        if res.status() == StatusCode::NOT_FOUND {
            *res.status_mut() = StatusCode::GONE;
        }
        res
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::test_client::TestClient;
    use gw_core::{app_fn, Response};
    use tower::Layer;

    #[tokio::test]
    async fn other_statuses_pass_unchanged() {
        for status in [
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            StatusCode::INTERNAL_SERVER_ERROR,
        ] {
            let app =
                not_found_as_gone().layer(app_fn(move |_req: http::Request<Body>| async move {
                    Response::text("x").with_status(status)
                }));
            TestClient::new(app)
                .get("/")
                .send()
                .await
                .assert_status(status.as_u16());
        }
    }

    #[tokio::test]
    async fn a_404_becomes_410_with_its_headers_and_body() {
        let app = not_found_as_gone().layer(app_fn(|_req: http::Request<Body>| async {
            Response::text("gone").with_status(StatusCode::NOT_FOUND)
        }));
        TestClient::new(app)
            .get("/")
            .send()
            .await
            .assert_status(410)
            .assert_header("content-type", "text/plain; charset=utf-8")
            .assert_body("gone");
    }
}
