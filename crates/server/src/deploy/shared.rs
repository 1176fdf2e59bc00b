//! An app whose stack can be swapped while it serves: reload without dropping a
//! request.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError};
use pin_project_lite::pin_project;
use tower::util::Oneshot;
use tower::ServiceExt;

use super::BoxApp;

/// A Service that forwards each request to the current stack. [`replace`] swaps the
/// stack: requests already running finish on the old one, new ones get the new one.
///
/// [`replace`]: SharedApp::replace
///
/// ```
/// use gw_core::{app_fn, Body};
/// use gw_server::deploy::{BoxApp, SharedApp};
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
    // A Mutex, not an RwLock: a boxed service is Send but not Sync. The lock is
    // held only to clone the stack.
    current: Mutex<BoxApp>,
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
                current: Mutex::new(app),
                closing: AtomicBool::new(false),
            }),
        }
    }

    /// Makes `app` the stack for every request from now on; returns the old one.
    pub fn replace(&self, app: BoxApp) -> BoxApp {
        let mut current = self
            .shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *current, app)
    }

    /// A clone of the current stack.
    pub fn current(&self) -> BoxApp {
        self.shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// From now on every response says `Connection: close`, so HTTP/1.1 clients
    /// finish their current request and reconnect (to the process that took the
    /// listening socket over) instead of meeting a closed idle connection.
    pub fn close_connections(&self) {
        self.shared.closing.store(true, Ordering::SeqCst);
    }
}

impl<B> tower::Service<http::Request<B>> for SharedApp
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = SharedFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is checked on the stack each request gets, inside `oneshot`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        SharedFuture {
            inner: self.current().oneshot(req.map(Body::new)),
            shared: self.shared.clone(),
        }
    }
}

pin_project! {
    /// The response future of [`SharedApp`].
    pub struct SharedFuture {
        #[pin]
        inner: Oneshot<BoxApp, http::Request<Body>>,
        shared: Arc<Shared>,
    }
}

impl std::fmt::Debug for SharedFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedFuture").finish_non_exhaustive()
    }
}

impl Future for SharedFuture {
    type Output = Result<http::Response<Body>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        if this.shared.closing.load(Ordering::SeqCst) {
            res.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
        }
        Poll::Ready(Ok(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::app_fn;
    use http_body_util::BodyExt;
    use tokio::sync::oneshot;

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
