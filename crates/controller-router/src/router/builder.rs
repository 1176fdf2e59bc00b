//! [`Router`]: the mapper, the controller table and the settings, built once and
//! shared by every clone.

use std::fmt;
use std::sync::Arc;

use crate::controller::{BoxController, IntoController};
use crate::route::{by_length_then_text, KnownControllers};
use crate::Mapper;

/// Routes requests to controllers: the twin of a Pylons app's `RoutesMiddleware`
/// plus its controller lookup.
///
/// For each request it:
/// 1. honours a `_method` override on a small POST form (see [`Router::method_override`]);
/// 2. finds the first route that accepts the request ([`Mapper::recognize_request`]);
///    none gives `404`, so a cascade moves on. A `{controller}` matches only
///    the name of a registered controller (see [`Router::new`]);
/// 3. answers a redirect route itself;
/// 4. puts the values in the request's [`RequestContext`](gw_core::RequestContext)
///    as [`gw_core::RoutingArgs`], with its route table, so that
///    [`Urls::of`](crate::Urls::of) generates URLs that start with the mount prefix;
/// 5. for a route ending in `{*path_info}`, moves the matched part of the path
///    into the [`MountPrefix`](gw_core::MountPrefix) and gives the controller
///    the rest as its path (Routes' `SCRIPT_NAME`/`PATH_INFO` split);
/// 6. calls the controller named by the `controller` value (a route's fixed
///    `controller` default that names no registered controller gives `404`).
///
/// The controllers sit in a table built with the router, in the order of the
/// mapper's known names: the lookup that checks a captured `{controller}` finds
/// where the name is, and the router calls the controller at that place through
/// a shared box, without a second lookup and without cloning it.
///
/// A controller is any tower Service: an [`app_fn`](gw_core::app_fn), a struct,
/// an axum `Router`, or [`Actions`](crate::Actions) for named actions. The request
/// body may be any `http_body::Body<Data = Bytes>`; controllers receive it as a
/// [`Body`](gw_core::Body). Responses to `HEAD` have their body dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_controller_router::{Actions, Mapper, Router};
/// use gw_core::{app_fn, test_client::TestClient, Body};
///
/// let router = Router::new(Mapper::new().default_routes().unwrap())
///     .controller("hello", app_fn(|_req: http::Request<Body>| async { "Hello World!" }))
///     .controller(
///         "greet",
///         Actions::new().action("show", |_req, args| async move {
///             args.get("id").unwrap_or("?").to_owned()
///         }),
///     );
/// let client = TestClient::new(router);
/// client.get("/hello").send().await.assert_body("Hello World!");
/// client.get("/greet/show/42").send().await.assert_body("42");
/// client.get("/nobody").send().await.assert_status(404);
/// # }
/// ```
#[derive(Clone)]
pub struct Router {
    pub(super) inner: Arc<Inner>,
}

#[derive(Clone)]
pub(super) struct Inner {
    pub(super) mapper: Arc<Mapper>,
    /// Sorted by name length, then text, as the mapper's known names are: a
    /// lookup mostly compares lengths.
    pub(super) controllers: Vec<(Arc<str>, BoxController)>,
    /// The known names the router gave the mapper, the same names as
    /// `controllers` in the same order: a match checked against this very set
    /// gives the index of its controller.
    pub(super) known: Option<Arc<KnownControllers>>,
    pub(super) method_override: bool,
    pub(super) override_limit: usize,
}

impl Inner {
    /// The controller registered as `name`, and the name as the table holds it.
    #[inline]
    pub(super) fn controller(&self, name: &str) -> Option<&(Arc<str>, BoxController)> {
        let i = self
            .controllers
            .binary_search_by(|(n, _)| by_length_then_text(n, name))
            .ok()?;
        Some(&self.controllers[i])
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.inner.controllers.iter().map(|(n, _)| &**n).collect();
        f.debug_struct("Router")
            .field("mapper", &self.inner.mapper)
            .field("controllers", &names)
            .field("method_override", &self.inner.method_override)
            .finish()
    }
}

impl Router {
    /// A router over `mapper` with no controllers yet.
    ///
    /// The router gives the mapper the names of its controllers
    /// ([`Mapper::set_controllers`]), replacing any the mapper had: a
    /// `{controller}` matches only a registered name, so a route that would
    /// name an unknown controller does not match and a later route gets its
    /// turn, and a name with a `/` (`admin/user`) matches across segments.
    pub fn new(mut mapper: Mapper) -> Self {
        mapper.set_controllers(std::iter::empty::<String>());
        Router {
            inner: Arc::new(Inner {
                known: mapper.known_controllers().cloned(),
                mapper: Arc::new(mapper),
                controllers: Vec::new(),
                method_override: true,
                override_limit: 64 * 1024,
            }),
        }
    }

    /// Registers `service` as the controller called `name` (the value of the
    /// `controller` routing arg). A second registration under the same name
    /// replaces the first. A name may contain `/` (`admin/user`): a
    /// `{controller}` in a route then matches it across segments.
    ///
    /// The service's errors become a logged `500`; its response body may be any
    /// `http_body::Body<Data = Bytes>`.
    pub fn controller<S, RB>(mut self, name: impl Into<String>, service: S) -> Self
    where
        S: IntoController<RB>,
    {
        let name: String = name.into();
        let controller = service.into_controller();
        let inner = Arc::make_mut(&mut self.inner);
        match inner
            .controllers
            .binary_search_by(|(n, _)| by_length_then_text(n, &name))
        {
            Ok(i) => inner.controllers[i].1 = controller,
            Err(i) => {
                inner.controllers.insert(i, (Arc::from(name), controller));
                // The mapper learns the new name now, while the router is
                // being built, so that a request never waits for it.
                let names = inner.controllers.iter().map(|(n, _)| &**n);
                match Arc::get_mut(&mut inner.mapper) {
                    Some(mapper) => mapper.set_controllers(names),
                    None => {
                        let known = KnownControllers::new(names);
                        inner.mapper = Arc::new(inner.mapper.with_controllers(known));
                    }
                }
                inner.known = inner.mapper.known_controllers().cloned();
            }
        }
        self
    }

    /// Whether a POST form with `_method=PUT|PATCH|DELETE` in its body is routed
    /// as that method (default `true`). Only bodies with a `Content-Length` of at
    /// most [`method_override_limit`](Self::method_override_limit) are read; the
    /// body is buffered and handed on unchanged. The controller sees the new
    /// method, and the old one as an [`OriginalMethod`](crate::OriginalMethod) extension.
    pub fn method_override(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.inner).method_override = enabled;
        self
    }

    /// The largest form body read for `_method` (default 64 KiB).
    pub fn method_override_limit(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.inner).override_limit = bytes;
        self
    }

    /// The mapper.
    pub fn mapper(&self) -> &Mapper {
        &self.inner.mapper
    }

    /// The mapper, shared (for a [`Urls`](crate::Urls) outside a request).
    pub fn shared_mapper(&self) -> Arc<Mapper> {
        self.inner.mapper.clone()
    }
}
