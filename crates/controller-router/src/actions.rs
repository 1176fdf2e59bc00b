//! Controllers with named actions: the twin of Pylons' `WSGIController`.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError, IntoResponse, RoutingArgs};
use tower_service::Service;

use crate::controller::{not_found, BoxController, BoxResponse, IntoController};

type Action = Arc<dyn Fn(http::Request<Body>, RoutingArgs) -> BoxResponse + Send + Sync>;

/// A controller made of named actions, picked by the `action` routing arg.
///
/// Like a Pylons `WSGIController`:
/// - an action named with a leading `_` (or `-`) is never reachable: `404`;
/// - a `-` in the requested name reads as `_` (`/greet/say-hi` runs `say_hi`);
/// - an unknown action, or a request without routing args, gives `404`;
/// - without an `action` value, `index` runs.
///
/// An action is an async function of the request and its routing args, returning
/// anything [`IntoResponse`], or any Service ([`action_service`](Self::action_service)).
/// An action can call another app inside itself with `other.oneshot(req).await`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_controller_router::Actions;
/// use gw_core::{test_client::TestClient, RoutingArgs};
///
/// let greet = Actions::new()
///     .action("show", |_req, args| async move { args.get("id").unwrap_or("").to_owned() })
///     .action("_secret", |_req, _args| async { "never served" });
///
/// let mut args = RoutingArgs::default();
/// args.insert("action", "show");
/// args.insert("id", "42");
/// let client = TestClient::new(greet);
/// client.get("/").extension(args.clone()).send().await.assert_body("42");
/// args.insert("action", "_secret");
/// client.get("/").extension(args).send().await.assert_status(404);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Actions {
    /// Sorted by name; shared, so a clone per request is a reference-count bump.
    actions: Arc<Vec<(Box<str>, Action)>>,
}

impl fmt::Debug for Actions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.actions.iter().map(|(name, _)| &**name).collect();
        f.debug_struct("Actions").field("actions", &names).finish()
    }
}

impl Actions {
    /// A controller with no actions yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the action `name`, an async function of the request and its routing args.
    pub fn action<F, Fut, R>(self, name: impl Into<String>, f: F) -> Self
    where
        F: Fn(http::Request<Body>, RoutingArgs) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        let action: Action = Arc::new(move |req, args| {
            let fut = f(req, args);
            Box::pin(async move { Ok(fut.await.into_response()) })
        });
        self.add(name.into(), action)
    }

    /// Adds the action `name` as any Service (errors become a `500`).
    pub fn action_service<S, RB>(self, name: impl Into<String>, service: S) -> Self
    where
        S: IntoController<RB>,
    {
        let service: BoxController = service.into_controller();
        let action: Action = Arc::new(move |req, _args| service.dispatch(req).into_inner());
        self.add(name.into(), action)
    }

    fn add(mut self, name: String, action: Action) -> Self {
        let actions = Arc::make_mut(&mut self.actions);
        match actions.binary_search_by(|(n, _)| (**n).cmp(&*name)) {
            Ok(i) => actions[i].1 = action,
            Err(i) => actions.insert(i, (name.into_boxed_str(), action)),
        }
        self
    }

    fn get(&self, name: &str) -> Option<&Action> {
        let i = self
            .actions
            .binary_search_by(|(n, _)| (**n).cmp(name))
            .ok()?;
        Some(&self.actions[i].1)
    }

    /// The action a requested name leads to, if it is reachable.
    fn find(&self, requested: &str) -> Option<&Action> {
        if requested.starts_with(['_', '-']) {
            return None;
        }
        if requested.contains('-') {
            return self.get(&requested.replace('-', "_"));
        }
        self.get(requested)
    }
}

/// The response future of [`Actions`].
pub struct ActionsFuture {
    inner: Option<BoxResponse>,
}

impl fmt::Debug for ActionsFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionsFuture").finish_non_exhaustive()
    }
}

impl Future for ActionsFuture {
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.inner.as_mut() {
            Some(fut) => fut.as_mut().poll(cx),
            None => Poll::Ready(Ok(not_found())),
        }
    }
}

impl<B> Service<http::Request<B>> for Actions
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = ActionsFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let Some(args) = RoutingArgs::of(&req).cloned() else {
            return ActionsFuture { inner: None };
        };
        let inner = self
            .find(args.get("action").unwrap_or("index"))
            .map(|action| action(req.map(Body::new), args));
        ActionsFuture { inner }
    }
}
