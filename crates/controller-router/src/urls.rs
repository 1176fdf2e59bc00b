//! The URL generator a controller reaches through its request.

use std::fmt;
use std::sync::Arc;

use gw_core::RequestContext;

use crate::{GenerationError, Mapper};

/// URL generation from inside a controller: the twin of Pylons' `url()` and
/// Routes' `routes.url`. The [`Router`](crate::Router) records its mapper in every
/// request it dispatches, and [`Urls::of`] makes a generator from it; its paths
/// start with the request's mount prefix.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_controller_router::{Mapper, Router, Urls};
/// use gw_core::{app_fn, test_client::TestClient, Body, MountPrefix};
///
/// let links = app_fn(|req: http::Request<Body>| async move {
///     let urls = Urls::of(&req).expect("set by the router");
///     urls.url_for("greet", "show", &[("id", "3"), ("q", "x")]).unwrap()
/// });
/// let router = Router::new(Mapper::new().default_routes().unwrap()).controller("links", links);
/// let client = TestClient::new(router);
/// client.get("/links").send().await.assert_body("/greet/show/3?q=x");
/// client.get("/links").extension(MountPrefix::new("/app")).send().await
///     .assert_body("/app/greet/show/3?q=x");
/// # }
/// ```
#[derive(Clone)]
pub struct Urls {
    mapper: Arc<Mapper>,
    prefix: String,
}

impl fmt::Debug for Urls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Urls")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Urls {
    /// A generator over `mapper` whose paths start with `prefix` (a mount prefix
    /// such as `/blog`, or `""`).
    pub fn new(mapper: Arc<Mapper>, prefix: impl Into<String>) -> Self {
        Urls {
            mapper,
            prefix: prefix.into(),
        }
    }

    /// The generator of a request, if a router dispatched it: over the router's
    /// mapper, with the mount prefix the router saw (both kept in the request's
    /// [`RequestContext`]). A `Urls` put in the extensions on its own is used
    /// when no router dispatched the request.
    pub fn of<B>(req: &http::Request<B>) -> Option<Urls> {
        if let Some((table, prefix)) = RequestContext::of(req).and_then(RequestContext::routes) {
            if let Ok(mapper) = table.clone().downcast::<Mapper>() {
                return Some(Urls::new(mapper, prefix));
            }
        }
        req.extensions().get::<Urls>().cloned()
    }

    /// The mount prefix every URL starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The mapper behind this generator.
    pub fn mapper(&self) -> &Mapper {
        &self.mapper
    }

    /// [`Mapper::url_for`], with the mount prefix first.
    pub fn url_for(
        &self,
        controller: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<String, GenerationError> {
        let mut out = self.prefix.clone();
        self.mapper
            .write_for(&mut out, controller, action, params)?;
        Ok(out)
    }

    /// [`Mapper::url_for_route`], with the mount prefix first.
    pub fn url_for_route(
        &self,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<String, GenerationError> {
        self.mapper.write_route(&self.prefix, name, params)
    }

    /// [`Mapper::generate`] (generation from keys alone), with the mount prefix first.
    pub fn generate(&self, params: &[(&str, &str)]) -> Result<String, GenerationError> {
        let mut out = self.prefix.clone();
        self.mapper.write_keys(&mut out, params)?;
        Ok(out)
    }

    /// A literal path with `params` as its query, the mount prefix first
    /// (Routes' `url_for('/delicious.jpg')`). A URL with a scheme
    /// (`https://...`) is taken without the prefix. Text a URL cannot hold
    /// (non-ASCII, spaces, controls, quotes) is percent-encoded as UTF-8;
    /// the rest, `%` included, is kept as written.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gw_controller_router::{Mapper, Urls};
    ///
    /// let urls = Urls::new(Arc::new(Mapper::new()), "/webapp");
    /// assert_eq!(urls.path("/delicious.jpg", &[]), "/webapp/delicious.jpg");
    /// assert_eq!(urls.path("/search", &[("v", "a b")]), "/webapp/search?v=a%20b");
    /// assert_eq!(urls.path("http://example.com/x", &[("q", "1")]), "http://example.com/x?q=1");
    /// assert_eq!(urls.path("/caf\u{e9} menu", &[]), "/webapp/caf%C3%A9%20menu");
    /// ```
    pub fn path(&self, url: &str, params: &[(&str, &str)]) -> String {
        let mut out = String::new();
        if url.starts_with('/') {
            out.push_str(&self.prefix);
        }
        crate::generate::literal(url, params, &mut out);
        out
    }
}
