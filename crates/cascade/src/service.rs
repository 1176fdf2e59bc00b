//! `Cascade`, the service, and `CascadeLayer`.

use std::convert::Infallible;
use std::path::PathBuf;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError, Settings};
use tower_service::Service;

use crate::catch::CatchSet;
use crate::config::CascadeConfig;
use gw_core::BoxApp;

use crate::handoff::Carry;
use crate::list::{Append, Members};
use crate::members::{Dyn, Last};
use crate::CascadeError;

/// Tries its members in order; the first response whose status is not caught is
/// the answer. When every member misses, the last member's response is sent as it is.
///
/// `M` is the member list: [`Last`]/[`Or`](crate::members::Or) for the static form
/// ([`Cascade::new`] and [`or`](Cascade::or), or the [`cascade!`](crate::cascade!)
/// macro), [`Dyn`] for the dynamic one ([`Cascade::dynamic`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_cascade::{Cascade, CatchSet};
/// use gw_core::test_client::TestClient;
/// use gw_core::{app_fn, Response};
/// use http::StatusCode;
///
/// let missing = app_fn(|_req: http::Request<_>| async { StatusCode::NOT_FOUND });
/// let wrong_verb = app_fn(|_req: http::Request<_>| async { StatusCode::METHOD_NOT_ALLOWED });
/// let app = app_fn(|_req: http::Request<_>| async { Response::text("from the app") });
///
/// let cascade = Cascade::new(missing).or(wrong_verb).or(app).catch(CatchSet::RACK);
/// TestClient::new(cascade).get("/").send().await.assert_body("from the app");
/// # }
/// ```
///
/// # Readiness
///
/// `poll_ready` is always ready. Each member is readied only when the request
/// reaches it: a member that is ready at once is called (or probed) at once, in
/// place; one that is not is cloned and readied inside the response future, with
/// the task's waker (the tower "clone and ready in the future" idiom, as `Oneshot`
/// does). So a member that applies backpressure holds up only the requests that
/// reach it, and the cascade never reserves capacity in a member it may not call.
/// The members after one whose answer is awaited are cloned into the response
/// future, so keep members cheap to clone (an `Arc` inside), as tower services
/// usually are.
#[derive(Debug, Clone)]
pub struct Cascade<M> {
    members: M,
    config: CascadeConfig,
}

impl<A> Cascade<Last<A>> {
    /// A cascade of one member; add more with [`or`](Cascade::or).
    pub fn new(first: A) -> Self {
        Cascade {
            members: Last(first),
            config: CascadeConfig::new(),
        }
    }
}

impl Cascade<Dyn> {
    /// A cascade over boxed members ([`BoxApp::new`], or [`BoxApp::probing`] for a
    /// member that implements [`gw_core::Probe`]), for stacks assembled at run
    /// time. An empty list is an error.
    ///
    /// ```
    /// use gw_cascade::Cascade;
    /// use gw_core::{app_fn, Body, BoxApp};
    ///
    /// let hello = app_fn(|_req: http::Request<Body>| async { "hello" });
    /// let cascade = Cascade::dynamic([BoxApp::new(hello)]).unwrap();
    /// assert_eq!(cascade.get_ref().len(), 1);
    /// assert!(Cascade::dynamic([]).is_err());
    /// ```
    pub fn dynamic(members: impl IntoIterator<Item = BoxApp>) -> Result<Self, CascadeError> {
        let members: std::sync::Arc<[BoxApp]> = members.into_iter().collect();
        if members.is_empty() {
            return Err(CascadeError::NoMembers);
        }
        Ok(Cascade {
            members: Dyn { members },
            config: CascadeConfig::new(),
        })
    }

    /// A dynamic cascade configured from a config section; see
    /// [`CascadeConfig::from_settings`] for the keys.
    pub fn from_settings(
        settings: &Settings,
        members: impl IntoIterator<Item = BoxApp>,
    ) -> Result<Self, CascadeError> {
        Ok(Cascade::dynamic(members)?.config(CascadeConfig::from_settings(settings)?))
    }
}

impl<M> Cascade<M> {
    /// Adds a member at the end.
    pub fn or<N>(self, next: N) -> Cascade<M::Output>
    where
        M: Append<N>,
    {
        Cascade {
            members: self.members.append(next),
            config: self.config,
        }
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: CascadeConfig) -> Self {
        self.config = config;
        self
    }

    /// Applies a config section (see [`CascadeConfig::from_settings`]).
    pub fn with_settings(self, settings: &Settings) -> Result<Self, CascadeError> {
        Ok(self.config(CascadeConfig::from_settings(settings)?))
    }

    /// Sets the statuses that mean "try the next member" (default `{404}`).
    pub fn catch(mut self, catch: CatchSet) -> Self {
        self.config = self.config.catch(catch);
        self
    }

    /// When true, a member's `Err` is a miss; see [`CascadeConfig::errors_as_misses`].
    pub fn errors_as_misses(mut self, on: bool) -> Self {
        self.config = self.config.errors_as_misses(on);
        self
    }

    /// See [`CascadeConfig::replay_threshold`].
    pub fn replay_threshold(mut self, bytes: u64) -> Self {
        self.config = self.config.replay_threshold(bytes);
        self
    }

    /// See [`CascadeConfig::replay_limit`].
    pub fn replay_limit(mut self, bytes: u64) -> Self {
        self.config = self.config.replay_limit(bytes);
        self
    }

    /// See [`CascadeConfig::spill_dir`].
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config = self.config.spill_dir(dir);
        self
    }

    /// The configuration.
    pub fn get_config(&self) -> &CascadeConfig {
        &self.config
    }

    /// The members.
    pub fn get_ref(&self) -> &M {
        &self.members
    }

    /// The members, mutably.
    pub fn get_mut(&mut self) -> &mut M {
        &mut self.members
    }

    /// The members, unwrapped.
    pub fn into_inner(self) -> M {
        self.members
    }
}

impl<M, B> Service<http::Request<B>> for Cascade<M>
where
    M: Members,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<M::Body>;
    type Error = M::Error;
    type Future = M::Future;

    /// Always ready: members are readied in the response future.
    #[inline]
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    #[inline(always)]
    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let carry = Carry::new(req.body().is_end_stream(), &self.config.shared);
        self.members.start(into_core(req), carry)
    }
}

/// The request with a [`gw_core::Body`], as every member gets it: as it is when
/// it has one already (the type check is made when compiling), else with its
/// body wrapped by [`Body::new`].
#[inline(always)]
fn into_core<B>(req: http::Request<B>) -> http::Request<Body>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    req.map(Body::new)
}

/// A layer that tries the wrapped service first and `next` after it:
/// `CascadeLayer::new(next).layer(inner)` is `Cascade::new(inner).or(next)`.
///
/// This is "static files in front of the app" as a layer: wrap the file server,
/// fall through to the app.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_cascade::CascadeLayer;
/// use gw_core::test_client::TestClient;
/// use gw_core::{app_fn, Body};
/// use http::StatusCode;
/// use tower_layer::Layer;
///
/// type Req = http::Request<Body>;
/// let app = app_fn(|_req: Req| async { "the app" });
/// let files = app_fn(|_req: Req| async { StatusCode::NOT_FOUND });
/// let cascade = CascadeLayer::new(app).layer(files);
/// TestClient::new(cascade).get("/").send().await.assert_body("the app");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CascadeLayer<N> {
    next: N,
    config: CascadeConfig,
}

impl<N> CascadeLayer<N> {
    /// Falls through to `next`, with the default configuration.
    pub fn new(next: N) -> Self {
        CascadeLayer {
            next,
            config: CascadeConfig::new(),
        }
    }

    /// Uses `config` for the cascades this layer makes.
    pub fn config(mut self, config: CascadeConfig) -> Self {
        self.config = config;
        self
    }
}

impl<S, N: Clone> tower_layer::Layer<S> for CascadeLayer<N> {
    type Service = Cascade<crate::members::Or<S, Last<N>>>;

    fn layer(&self, inner: S) -> Self::Service {
        Cascade::new(inner)
            .or(self.next.clone())
            .config(self.config.clone())
    }
}

// A cascade with no error of its own can sit where axum wants `Infallible`.
const _: fn() = || {
    fn infallible<S: Service<http::Request<gw_core::Body>, Error = Infallible>>(_: &S) {}
    let app = gw_core::app_fn(|_req: http::Request<Body>| async { "" });
    infallible(&Cascade::new(app).or(app));
};
