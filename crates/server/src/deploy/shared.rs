//! An app whose stack can be swapped while it serves: reload without dropping a
//! request.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use arc_swap::ArcSwap;
use bytes::Bytes;
use gw_core::{Body, BoxAppFuture, BoxError};
use tower::Service;

use super::BoxApp;

/// A Service that forwards each request to the current stack. [`replace`] swaps the
/// stack: requests already running finish on the old one, new ones get the new one.
///
/// The stack is held in an atomic pointer ([`arc_swap::ArcSwap`]): a request loads
/// it without a lock, and a [`BoxApp`] clones by a reference-count bump, so the
/// request path neither waits on a reload nor copies the stack.
///
/// [`replace`]: SharedApp::replace
///
/// ```
/// use gw_core::{app_fn, Body, BoxApp};
/// use gw_server::deploy::SharedApp;
/// use tower::ServiceExt;
///
/// fn text(body: &'static str) -> BoxApp {
///     let app = app_fn(move |_req: http::Request<Body>| async move { body });
///     BoxApp::new(app)
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let shared = SharedApp::new(text("old"));
/// shared.replace(text("new"));
/// let res = shared.clone().oneshot(http::Request::new(Body::empty())).await.unwrap();
/// # assert_eq!(res.status(), 200);
/// # }
/// ```
#[derive(Clone)]
pub struct SharedApp {
    shared: Arc<Shared>,
}

struct Shared {
    current: ArcSwap<BoxApp>,
    closing: AtomicBool,
}

impl std::fmt::Debug for SharedApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedApp")
            .field("closing", &self.shared.closing.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl SharedApp {
    /// Serves `app` until it is replaced.
    pub fn new(app: BoxApp) -> Self {
        SharedApp {
            shared: Arc::new(Shared {
                current: ArcSwap::from_pointee(app),
                closing: AtomicBool::new(false),
            }),
        }
    }

    /// Makes `app` the stack for every request from now on; returns the old one.
    pub fn replace(&self, app: BoxApp) -> BoxApp {
        let old = self.shared.current.swap(Arc::new(app));
        // A request that loaded the old stack a moment ago may still hold the
        // `Arc`; the stack itself is shared, so a clone is as good.
        Arc::try_unwrap(old).unwrap_or_else(|old| BoxApp::clone(&old))
    }

    /// The current stack (a reference-count bump).
    pub fn current(&self) -> BoxApp {
        BoxApp::clone(&self.shared.current.load())
    }

    /// From now on every response says `Connection: close`, so HTTP/1.1 clients
    /// finish their current request and reconnect (to the process that took the
    /// listening socket over) instead of meeting a closed idle connection.
    pub fn close_connections(&self) {
        self.shared.closing.store(true, Ordering::SeqCst);
    }
}

impl<B> Service<http::Request<B>> for SharedApp
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = SharedFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // A `BoxApp` is always ready: it readies its service in its future.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let inner = {
            let current = self.shared.current.load();
            let mut app = BoxApp::clone(&current);
            app.call(req.map(Body::new))
        };
        SharedFuture {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The response future of [`SharedApp`].
pub struct SharedFuture {
    inner: BoxAppFuture,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SharedFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedFuture").finish_non_exhaustive()
    }
}

impl Future for SharedFuture {
    type Output = Result<http::Response<Body>, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Changed where it lies: the answer is not moved out and back.
        let mut answer = self.inner.as_mut().poll(cx);
        if let Poll::Ready(Ok(res)) = &mut answer {
            if self.shared.closing.load(Ordering::SeqCst) {
                res.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
            }
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::app_fn;
    use http_body_util::BodyExt;
    use tokio::sync::oneshot;
    use tower::ServiceExt;

    fn text(body: &'static str) -> BoxApp {
        let app = app_fn(move |_req: http::Request<Body>| async move { body });
        BoxApp::new(app)
    }

    async fn body_of(res: http::Response<Body>) -> String {
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn in_flight_request_finishes_on_the_old_stack_and_new_ones_use_the_new() {
        let (release, released) = oneshot::channel::<()>();
        let released = Arc::new(tokio::sync::Mutex::new(Some(released)));
        let slow = app_fn(move |_req: http::Request<Body>| {
            let released = released.clone();
            async move {
                if let Some(rx) = released.lock().await.take() {
                    let _ = rx.await;
                }
                "old"
            }
        });
        let shared = SharedApp::new(BoxApp::new(slow));
        let in_flight = tokio::spawn(shared.clone().oneshot(http::Request::new(Body::empty())));
        tokio::task::yield_now().await;
        shared.replace(text("new"));
        let fresh = shared
            .clone()
            .oneshot(http::Request::new(Body::empty()))
            .await
            .unwrap();
        assert_eq!(body_of(fresh).await, "new");
        release.send(()).unwrap();
        let old = in_flight.await.unwrap().unwrap();
        assert_eq!(body_of(old).await, "old");
    }

    #[tokio::test]
    async fn after_close_connections_responses_say_connection_close() {
        let shared = SharedApp::new(text("x"));
        let before = shared
            .clone()
            .oneshot(http::Request::new(Body::empty()))
            .await
            .unwrap();
        assert!(before.headers().get(http::header::CONNECTION).is_none());
        shared.close_connections();
        let after = shared
            .clone()
            .oneshot(http::Request::new(Body::empty()))
            .await
            .unwrap();
        assert_eq!(after.headers()[http::header::CONNECTION], "close");
    }
}
