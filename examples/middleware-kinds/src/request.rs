//! Changing the request: the twin of writing to the WSGI environ.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use gw_core::{Environ, EnvironKey};
use tower_layer::Layer;
use tower_service::Service;

/// The environ key [`RequestId`] sets.
pub const REQUEST_ID_KEY: &str = "example.request_id";

/// Numbers requests from 1 and stores the number in the [`Environ`] under
/// [`REQUEST_ID_KEY`], before the inner service sees the request.
///
/// The counter is shared by every clone of the layer and of the services it builds.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_core::{app_fn, test_client::TestClient, Body, Environ};
/// use middleware_kinds::{RequestIdLayer, REQUEST_ID_KEY};
/// use tower::Layer;
///
/// let app = RequestIdLayer::new().layer(app_fn(|req: http::Request<Body>| async move {
///     Environ::of(&req).and_then(|env| env.get(REQUEST_ID_KEY)).unwrap_or("none").to_owned()
/// }));
/// let client = TestClient::new(app);
/// client.get("/").send().await.assert_body("1");
/// client.get("/").send().await.assert_body("2");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RequestIdLayer {
    key: EnvironKey,
    next: Arc<AtomicU64>,
}

impl RequestIdLayer {
    /// A layer whose first request gets the number 1.
    pub fn new() -> Self {
        RequestIdLayer {
            // A constant with a `.`, so this cannot fail.
            key: EnvironKey::new(REQUEST_ID_KEY).expect("REQUEST_ID_KEY is namespaced"),
            next: Arc::default(),
        }
    }
}

impl Default for RequestIdLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for RequestIdLayer {
    type Service = RequestId<S>;

    fn layer(&self, inner: S) -> RequestId<S> {
        RequestId {
            inner,
            key: self.key.clone(),
            next: Arc::clone(&self.next),
        }
    }
}

/// The service [`RequestIdLayer`] builds.
#[derive(Debug, Clone)]
pub struct RequestId<S> {
    inner: S,
    key: EnvironKey,
    next: Arc<AtomicU64>,
}

impl<S, B> Service<http::Request<B>> for RequestId<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    // Only the request changes, so the inner future passes through untouched.
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> S::Future {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        Environ::of_mut(&mut req).insert(self.key.clone(), id.to_string());
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::test_client::TestClient;
    use gw_core::{app_fn, Body};

    fn echo_id() -> impl Service<
        http::Request<Body>,
        Response = http::Response<Body>,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone {
        app_fn(|req: http::Request<Body>| async move {
            Environ::of(&req)
                .and_then(|env| env.get(REQUEST_ID_KEY))
                .unwrap_or("none")
                .to_owned()
        })
    }

    #[tokio::test]
    async fn clones_of_the_layer_share_one_counter() {
        let layer = RequestIdLayer::new();
        let first = TestClient::new(layer.clone().layer(echo_id()));
        let second = TestClient::new(layer.layer(echo_id()));
        first.get("/").send().await.assert_body("1");
        second.get("/").send().await.assert_body("2");
        first.get("/").send().await.assert_body("3");
    }

    #[tokio::test]
    async fn the_inner_service_sees_the_key_and_the_response_is_untouched() {
        let client = TestClient::new(RequestIdLayer::new().layer(echo_id()));
        client
            .get("/")
            .send()
            .await
            .assert_status(200)
            .assert_header("content-type", "text/plain; charset=utf-8")
            .assert_body("1");
    }
}
