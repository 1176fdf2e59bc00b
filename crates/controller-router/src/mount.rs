//! Prefix mounts: the twin of `paste.urlmap`.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError, MountPrefix};
use http::uri::{PathAndQuery, Uri};
use tower_service::Service;

use crate::controller::{bad_request, not_found, BoxController, ControllerFuture, IntoController};

/// Sends each request to the app mounted at the longest matching path prefix.
///
/// - Prefixes match whole segments only: `/blog` takes `/blog` and `/blog/post`,
///   never `/blogger`.
/// - The prefix moves from the URI path into the [`MountPrefix`] (the twin of
///   `SCRIPT_NAME` moving out of `PATH_INFO`), so an app mounted at `/blog` sees
///   `/post` and its [`Urls`](crate::Urls) start with `/blog`. The query is kept;
///   an exact hit on the prefix gives the app `/`.
/// - A prefix of `/` (or `""`) takes everything no longer prefix takes.
/// - No prefix takes the request: `404`, so a cascade moves on.
///
/// Matching is on the raw (percent-encoded) path and is case-sensitive.
/// Host-based mounts (`domain:` in urlmap) are left out: put a host check in a
/// layer, or in a custom route condition.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_controller_router::Mount;
/// use gw_core::{app_fn, test_client::TestClient, Body, MountPrefix};
///
/// let blog = app_fn(|req: http::Request<Body>| async move {
///     format!("{} {}", MountPrefix::of(&req), req.uri())
/// });
/// let mount = Mount::new().mount("/blog", blog).unwrap();
/// let client = TestClient::new(mount);
/// client.get("/blog/post?x=1").send().await.assert_body("/blog /post?x=1");
/// client.get("/blogger").send().await.assert_status(404);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Mount {
    /// Longest prefix first.
    entries: Arc<Vec<(String, BoxController)>>,
}

impl fmt::Debug for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefixes: Vec<_> = self.entries.iter().map(|(p, _)| p.as_str()).collect();
        f.debug_struct("Mount")
            .field("prefixes", &prefixes)
            .finish()
    }
}

/// A mount prefix that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountError {
    /// The prefix as given.
    pub prefix: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad mount prefix {:?}: {}", self.prefix, self.reason)
    }
}

impl std::error::Error for MountError {}

impl Mount {
    /// No mounts yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mounts `service` at `prefix` (`/blog`; a trailing `/` is ignored).
    ///
    /// Fails if the prefix does not start with `/`, holds `?`, `#` or an empty
    /// segment, or is already mounted.
    pub fn mount<S, RB>(self, prefix: &str, service: S) -> Result<Self, MountError>
    where
        S: IntoController<RB>,
    {
        let refuse = |reason| MountError {
            prefix: prefix.to_owned(),
            reason,
        };
        if !prefix.starts_with('/') && !prefix.is_empty() {
            return Err(refuse("a prefix must start with `/`"));
        }
        if prefix.contains(['?', '#']) {
            return Err(refuse("a prefix is a path, without `?` or `#`"));
        }
        let normal = MountPrefix::new(prefix).as_str().to_owned();
        if normal.contains("//") {
            return Err(refuse("a prefix cannot have an empty segment"));
        }
        let mut entries = Arc::try_unwrap(self.entries).unwrap_or_else(|shared| (*shared).clone());
        if entries.iter().any(|(p, _)| *p == normal) {
            return Err(refuse("this prefix is already mounted"));
        }
        entries.push((normal, service.into_controller()));
        entries.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        Ok(Mount {
            entries: Arc::new(entries),
        })
    }

    fn find(&self, path: &str) -> Option<(usize, &BoxController)> {
        self.entries.iter().find_map(|(prefix, service)| {
            let hit = path.strip_prefix(prefix.as_str())?;
            (hit.is_empty() || hit.starts_with('/')).then_some((prefix.len(), service))
        })
    }
}

/// The URI with the first `cut` bytes of its path removed (`/` if nothing is left).
pub(crate) fn strip_prefix(uri: &Uri, cut: usize) -> Option<Uri> {
    let rest = &uri.path()[cut..];
    let rest = if rest.is_empty() { "/" } else { rest };
    let pq = match uri.query() {
        Some(q) => PathAndQuery::try_from(format!("{rest}?{q}")),
        None => PathAndQuery::try_from(rest),
    }
    .ok()?;
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(pq);
    Uri::from_parts(parts).ok()
}

pin_project_lite::pin_project! {
    /// The response future of [`Mount`].
    pub struct MountFuture {
        #[pin]
        state: State,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State {
        Call { #[pin] fut: ControllerFuture },
        Done { res: Option<http::Response<Body>> },
    }
}

impl fmt::Debug for MountFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MountFuture").finish_non_exhaustive()
    }
}

impl std::future::Future for MountFuture {
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Call { fut } => fut.poll(cx),
            StateProj::Done { res } => Poll::Ready(Ok(res.take().unwrap_or_else(not_found))),
        }
    }
}

impl<B> Service<http::Request<B>> for Mount
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = MountFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let done = |res| MountFuture {
            state: State::Done { res: Some(res) },
        };
        let Some((cut, service)) = self.find(req.uri().path()) else {
            return done(not_found());
        };
        let (mut parts, body) = req.into_parts();
        let Some(uri) = strip_prefix(&parts.uri, cut) else {
            return done(bad_request("Bad Request: the path cannot be rewritten"));
        };
        let prefix = parts.uri.path()[..cut].to_owned();
        parts.uri = uri;
        let mut req = http::Request::from_parts(parts, Body::new(body));
        MountPrefix::push(&mut req, &prefix);
        MountFuture {
            state: State::Call {
                fut: service.dispatch(req),
            },
        }
    }
}
