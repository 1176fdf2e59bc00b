//! Changing the response body.

use bytes::Bytes;
use gw_core::Body;
use http_body_util::BodyExt;
use tower::util::MapResponseLayer;

/// A layer that upper-cases the ASCII letters of the response body.
///
/// The body is transformed frame by frame as it streams, never collected first, so
/// a chunked controller stays chunked and a large body costs no extra memory. A
/// length-preserving change like this one keeps `Content-Length` valid; a layer that
/// changes the length must remove that header (as this one would have to if it
/// translated to another language).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_core::{app_fn, test_client::TestClient, Body, Response};
/// use middleware_kinds::shout;
/// use tower::Layer;
///
/// let app = shout().layer(app_fn(|_req: http::Request<Body>| async {
///     Response::html(Body::from_chunks(["Hello ", "World!"]))
/// }));
/// TestClient::new(app).get("/").send().await.assert_body("HELLO WORLD!");
/// # }
/// ```
pub fn shout() -> MapResponseLayer<impl Fn(http::Response<Body>) -> http::Response<Body> + Clone> {
    MapResponseLayer::new(|res: http::Response<Body>| {
        res.map(|body| {
            Body::new(
                body.map_frame(|frame| {
                    frame.map_data(|data| Bytes::from(data.to_ascii_uppercase()))
                }),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{app_fn, Response};
    use http_body_util::BodyExt;
    use tower::{Layer, ServiceExt};

    #[tokio::test]
    async fn chunks_stay_separate_frames() {
        let app = shout().layer(app_fn(|_req: http::Request<Body>| async {
            Response::html(Body::from_chunks(["Hello ", "World!"]))
        }));
        let res = app
            .oneshot(http::Request::new(Body::empty()))
            .await
            .unwrap();
        let mut body = res.into_body();
        let mut frames = Vec::new();
        while let Some(frame) = body.frame().await {
            frames.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(frames, [Bytes::from("HELLO "), Bytes::from("WORLD!")]);
    }

    #[tokio::test]
    async fn content_length_still_matches_and_non_letters_are_kept() {
        let client = gw_core::test_client::TestClient::new(
            shout().layer(app_fn(|_req: http::Request<Body>| async { "é-1 ok" })),
        );
        client.get("/").send().await.assert_body("é-1 OK");
    }
}
