//! [`BoxApp`]: a boxed, cloneable app that remembers whether it can [`Probe`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tower_service::Service;

use pin_project_lite::pin_project;

use crate::{Body, BoxError, Probe, Probed};

/// The response future of a [`BoxApp`].
pub type BoxAppFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, BoxError>> + Send + 'static>>;

/// A boxed, cloneable, `Sync` app from `Request<Body>` to `Response<Body>`: what a
/// stack built at run time (from a config file) holds, one type for every app.
///
/// It is what tower's `BoxCloneSyncService` is, with two differences:
///
/// - a clone is a reference-count bump (the boxed service sits behind one `Arc`;
///   each call clones it into the response future, where it is readied), so a
///   stack held in a `BoxApp` is shared, never copied, between requests;
/// - a service boxed with [`BoxApp::probing`] keeps its [`Probe`], so a dynamic
///   cascade can still offer it a borrowed request ([`BoxApp::probe`]) instead of
///   copying the request head before each call. A service boxed with
///   [`BoxApp::new`] cannot probe, and [`BoxApp::probe`] says so with `None`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::convert::Infallible;
/// use std::future::{ready, Ready};
/// use std::task::{Context, Poll};
/// use gw_core::{app_fn, Body, BoxApp, Probe, Probed};
/// use tower_service::Service;
///
/// /// Knows `/ping`, and nothing else.
/// #[derive(Clone)]
/// struct Ping;
///
/// impl<B> Service<http::Request<B>> for Ping {
///     type Response = http::Response<Body>;
///     type Error = Infallible;
///     type Future = Ready<Result<http::Response<Body>, Infallible>>;
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
///         Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
///         let res = match self.probe(&mut req) {
///             Probed::Ready(res) => res,
///             Probed::Pending(fut) => return fut,
///             Probed::Miss => http::Response::builder().status(404).body(Body::empty()).unwrap(),
///         };
///         ready(Ok(res))
///     }
/// }
///
/// impl<B> Probe<http::Request<B>> for Ping {
///     fn probe(&mut self, req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
///         match req.uri().path() {
///             "/ping" => Probed::Ready(http::Response::new(Body::from("pong"))),
///             _ => Probed::Miss,
///         }
///     }
/// }
///
/// let mut ping = BoxApp::probing(Ping);
/// let mut req = http::Request::get("/elsewhere").body(Body::empty()).unwrap();
/// assert!(matches!(ping.probe(&mut req), Some(Probed::Miss)));
/// let res = ping.call(http::Request::get("/ping").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), 200);
///
/// // Any other app is boxed with `new`, and cannot probe.
/// let mut hello = BoxApp::new(app_fn(|_req: http::Request<Body>| async { "hello" }));
/// assert!(hello.probe(&mut req).is_none());
/// # }
/// ```
pub struct BoxApp {
    inner: Arc<dyn DynApp>,
}

impl BoxApp {
    /// Boxes `service`: its response body is wrapped in [`Body`] (a `Body` is not
    /// wrapped twice) and its error boxed. The box cannot probe; see
    /// [`BoxApp::probing`].
    ///
    /// Each call clones `service` and readies the clone inside the response
    /// future (as tower's `Oneshot` does), so keep it cheap to clone: one `Arc`
    /// per layer, as every Gateway service is.
    pub fn new<S, RB>(service: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<RB>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        RB: http_body::Body<Data = Bytes> + Send + 'static,
        RB::Error: Into<BoxError>,
    {
        BoxApp {
            inner: Arc::new(Boxed::<S, NoProbe> {
                service,
                mode: std::marker::PhantomData,
            }),
        }
    }

    /// Boxes a service that implements [`Probe`], keeping the probe: its response
    /// body is wrapped in [`Body`] (a `Body` is not wrapped twice) and its error
    /// boxed.
    pub fn probing<S, RB>(service: S) -> Self
    where
        S: Probe<http::Request<Body>, Response = http::Response<RB>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        RB: http_body::Body<Data = Bytes> + Send + 'static,
        RB::Error: Into<BoxError>,
    {
        BoxApp {
            inner: Arc::new(Boxed::<S, WithProbe> {
                service,
                mode: std::marker::PhantomData,
            }),
        }
    }

    /// True if the boxed service can probe (it was boxed with [`BoxApp::probing`]).
    pub fn can_probe(&self) -> bool {
        self.inner.can_probe()
    }

    /// The boxed service's [`Probe::READS_BODY`]: false if its probe never
    /// touches the request's body. True for a service that cannot probe.
    pub fn probe_reads_body(&self) -> bool {
        self.inner.probe_reads_body()
    }

    /// Probes a clone of the boxed service with a borrowed request (see [`Probe`]
    /// for the contract). `None` if the service cannot probe, or is not ready at
    /// once: call it instead.
    pub fn probe(
        &mut self,
        req: &mut http::Request<Body>,
    ) -> Option<Probed<http::Response<Body>, BoxAppFuture>> {
        self.inner.probe(req)
    }
}

/// A clone is a reference-count bump: the boxed service is shared, and cloned
/// only by each call.
impl Clone for BoxApp {
    fn clone(&self) -> Self {
        BoxApp {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl fmt::Debug for BoxApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoxApp")
            .field("can_probe", &self.can_probe())
            .finish_non_exhaustive()
    }
}

impl Service<http::Request<Body>> for BoxApp {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = BoxAppFuture;

    /// Always ready: the service is readied inside each response future.
    #[inline]
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn call(&mut self, req: http::Request<Body>) -> BoxAppFuture {
        self.inner.call(req)
    }
}

/// The object-safe face of a boxed app. Every method takes `&self`: the service
/// is shared, and cloned where it must be called.
trait DynApp: Send + Sync {
    fn call(&self, req: http::Request<Body>) -> BoxAppFuture;
    fn can_probe(&self) -> bool;
    fn probe_reads_body(&self) -> bool;
    fn probe(
        &self,
        req: &mut http::Request<Body>,
    ) -> Option<Probed<http::Response<Body>, BoxAppFuture>>;
}

/// A boxed service; `M` says whether it probes ([`WithProbe`], from
/// [`BoxApp::probing`]) or not ([`NoProbe`], from [`BoxApp::new`]).
struct Boxed<S, M> {
    service: S,
    mode: std::marker::PhantomData<fn() -> M>,
}

/// Whether, and how, a boxed service probes.
trait Mode<S>: 'static {
    const CAN_PROBE: bool;
    const READS_BODY: bool;
    fn probe(
        service: &S,
        req: &mut http::Request<Body>,
    ) -> Option<Probed<http::Response<Body>, BoxAppFuture>>;
}

/// Boxed with [`BoxApp::new`]: never probes.
struct NoProbe;

/// Boxed with [`BoxApp::probing`]: probes through the service's [`Probe`].
struct WithProbe;

impl<S> Mode<S> for NoProbe {
    const CAN_PROBE: bool = false;
    const READS_BODY: bool = true;
    fn probe(
        _service: &S,
        _req: &mut http::Request<Body>,
    ) -> Option<Probed<http::Response<Body>, BoxAppFuture>> {
        None
    }
}

impl<S, RB> Mode<S> for WithProbe
where
    S: Probe<http::Request<Body>, Response = http::Response<RB>> + Clone,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    const CAN_PROBE: bool = true;
    const READS_BODY: bool = S::READS_BODY;
    fn probe(
        service: &S,
        req: &mut http::Request<Body>,
    ) -> Option<Probed<http::Response<Body>, BoxAppFuture>> {
        // A probe is a call: it needs the readiness of the very instance probed.
        let mut service = service.clone();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        if !matches!(service.poll_ready(&mut cx), Poll::Ready(Ok(()))) {
            return None;
        }
        Some(match service.probe(req) {
            Probed::Miss => Probed::Miss,
            Probed::Ready(res) => Probed::Ready(res.map(Body::new)),
            Probed::Pending(future) => Probed::Pending(Box::pin(Answer { inner: future })),
        })
    }
}

impl<S, RB, M> DynApp for Boxed<S, M>
where
    S: Service<http::Request<Body>, Response = http::Response<RB>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
    M: Mode<S>,
{
    fn call(&self, req: http::Request<Body>) -> BoxAppFuture {
        // The one box between the caller and the service: the call, and the
        // body and error types made ours. A service ready at once (the usual
        // case) is called here, so the box holds only its future; one not ready
        // yet is readied in the box, with the task's waker.
        let mut service = self.service.clone();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match service.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => Box::pin(Answer {
                inner: service.call(req),
            }),
            Poll::Ready(Err(error)) => Box::pin(std::future::ready(Err(error.into()))),
            Poll::Pending => Box::pin(async move {
                std::future::poll_fn(|cx| service.poll_ready(cx))
                    .await
                    .map_err(Into::into)?;
                Answer {
                    inner: service.call(req),
                }
                .await
            }),
        }
    }

    fn can_probe(&self) -> bool {
        M::CAN_PROBE
    }

    fn probe_reads_body(&self) -> bool {
        M::READS_BODY
    }

    fn probe(
        &self,
        req: &mut http::Request<Body>,
    ) -> Option<Probed<http::Response<Body>, BoxAppFuture>> {
        M::probe(&self.service, req)
    }
}

pin_project! {
    /// A service's answer with its body and error types made ours.
    struct Answer<F> {
        #[pin]
        inner: F,
    }
}

impl<F, RB, E> Future for Answer<F>
where
    F: Future<Output = Result<http::Response<RB>, E>>,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
    E: Into<BoxError>,
{
    type Output = Result<http::Response<Body>, BoxError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project()
            .inner
            .poll(cx)
            .map(|answer| answer.map(|res| res.map(Body::new)).map_err(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::future::{ready, Ready};

    use super::*;

    /// Answers `/here` from a probe, `/later` after a wait; misses the rest.
    #[derive(Clone)]
    struct Here;

    impl Service<http::Request<Body>> for Here {
        type Response = http::Response<String>;
        type Error = Infallible;
        type Future = Ready<Result<http::Response<String>, Infallible>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, mut req: http::Request<Body>) -> Self::Future {
            match self.probe(&mut req) {
                Probed::Ready(res) => ready(Ok(res)),
                Probed::Pending(future) => future,
                Probed::Miss => {
                    let mut res = http::Response::new("missing".to_owned());
                    *res.status_mut() = http::StatusCode::NOT_FOUND;
                    ready(Ok(res))
                }
            }
        }
    }

    impl Probe<http::Request<Body>> for Here {
        const READS_BODY: bool = false;

        fn probe(&mut self, req: &mut http::Request<Body>) -> Probed<Self::Response, Self::Future> {
            match req.uri().path() {
                "/here" => Probed::Ready(http::Response::new("here".to_owned())),
                "/later" => Probed::Pending(ready(Ok(http::Response::new("later".to_owned())))),
                _ => Probed::Miss,
            }
        }
    }

    fn get(path: &str) -> http::Request<Body> {
        http::Request::get(path).body(Body::empty()).unwrap()
    }

    async fn text(res: http::Response<Body>) -> String {
        let bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn a_box_says_whether_its_probe_reads_the_body() {
        // `Here` promises never to touch the body; a plain box cannot probe, so
        // it makes no promise.
        assert!(!BoxApp::probing(Here).probe_reads_body());
        assert!(!BoxApp::probing(Here).clone().probe_reads_body());
        assert!(BoxApp::new(Here).probe_reads_body());
    }

    #[tokio::test]
    async fn a_probing_box_probes_and_calls_like_the_service_and_its_clones_do_too() {
        let mut app = BoxApp::probing(Here).clone();
        assert!(app.can_probe());
        let mut req = get("/here");
        let Some(Probed::Ready(res)) = app.probe(&mut req) else {
            panic!("a hit")
        };
        assert_eq!(text(res).await, "here");
        let mut req = get("/later");
        let Some(Probed::Pending(future)) = app.probe(&mut req) else {
            panic!("a wait")
        };
        assert_eq!(text(future.await.unwrap()).await, "later");
        let mut req = get("/elsewhere?x=1");
        assert!(matches!(app.probe(&mut req), Some(Probed::Miss)));
        assert_eq!(req.uri(), "/elsewhere?x=1", "the request is left as it was");
        let res = app.call(get("/elsewhere")).await.unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(text(res).await, "missing");
    }

    #[tokio::test]
    async fn a_plain_box_cannot_probe_and_is_called() {
        #[derive(Clone)]
        struct Hello;
        impl Service<http::Request<Body>> for Hello {
            type Response = http::Response<Body>;
            type Error = BoxError;
            type Future = Ready<Result<http::Response<Body>, BoxError>>;
            fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
                Poll::Ready(Ok(()))
            }
            fn call(&mut self, _: http::Request<Body>) -> Self::Future {
                ready(Ok(http::Response::new(Body::from("hello"))))
            }
        }
        let mut app = BoxApp::new(Hello);
        assert!(!app.can_probe());
        assert!(app.probe(&mut get("/")).is_none());
        assert_eq!(text(app.call(get("/")).await.unwrap()).await, "hello");
        assert_eq!(format!("{app:?}"), "BoxApp { can_probe: false, .. }");
    }

    /// Not ready for its first `pending` readiness checks (waking each time),
    /// then fails or answers with the path it was called with.
    #[derive(Clone)]
    struct Slow {
        pending: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        fail: bool,
    }

    impl Service<http::Request<Body>> for Slow {
        type Response = http::Response<Body>;
        type Error = BoxError;
        type Future = Ready<Result<http::Response<Body>, BoxError>>;
        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            use std::sync::atomic::Ordering;
            if self.pending.load(Ordering::SeqCst) > 0 {
                self.pending.fetch_sub(1, Ordering::SeqCst);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if self.fail {
                return Poll::Ready(Err("not ready".into()));
            }
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, req: http::Request<Body>) -> Self::Future {
            ready(Ok(http::Response::new(Body::from(req.uri().to_string()))))
        }
    }

    proptest::proptest! {
        /// A service ready at once is called in place; one that is not is readied
        /// inside the box: both answer what the service answers, and a readiness
        /// error is the outcome either way.
        #[test]
        fn the_box_answers_as_the_service_whether_it_is_ready_at_once_or_later(
            pending in 0usize..4,
            fail in proptest::bool::ANY,
            path in "/[a-z]{0,8}",
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let slow = Slow {
                pending: std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(pending)),
                fail,
            };
            let mut app = BoxApp::new(slow);
            let req = get(&path);
            let answer = runtime.block_on(async move {
                match app.call(req).await {
                    Ok(res) => Ok(text(res).await),
                    Err(e) => Err(e.to_string()),
                }
            });
            if fail {
                proptest::prop_assert_eq!(answer, Err("not ready".to_owned()));
            } else {
                proptest::prop_assert_eq!(answer, Ok(path));
            }
        }
    }
}
