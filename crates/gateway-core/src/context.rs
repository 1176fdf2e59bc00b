//! `RequestContext`: what Gateway's layers record about one request, kept in one
//! entry of the request's extensions. The twin of the WSGI environ's keys beyond
//! the HTTP ones: `REMOTE_ADDR` and `wsgi.url_scheme`, `SCRIPT_NAME`,
//! `wsgiorg.routing_args`, `routes.url` and the application's own namespaced
//! keys.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::client::{ClientInfo, PeerAddr};
use crate::environ::Environ;
use crate::mount::MountPrefix;
use crate::routing_args::RoutingArgs;

/// Everything Gateway's layers record about one request, in one extension entry.
///
/// Each layer that adds something to a request (the server who sent it, the key
/// adder an environ key, a mount its prefix, the router its routing args) writes
/// it here, so a request carries one entry in its extensions however many layers
/// it crossed. The usual accessors read it: [`PeerAddr::of`], [`ClientInfo::of`],
/// [`Environ::of`], [`MountPrefix::of`], [`RoutingArgs::of`].
///
/// Values put in the extensions on their own (`req.extensions_mut().insert(MountPrefix::new("/app"))`,
/// or an axum `Extension` layer) are read too, when the context holds none of
/// that kind, and move into the context when it is created. Cloning is cheap:
/// keys, values and tables are reference-counted.
///
/// ```
/// use gw_core::{Environ, EnvironKey, MountPrefix, RequestContext, RoutingArgs};
///
/// let mut req = http::Request::new(());
/// req.extensions_mut().insert(MountPrefix::new("/app"));
///
/// let ctx = RequestContext::of_mut(&mut req);
/// ctx.environ_mut().insert(EnvironKey::new("test.hello").unwrap(), "Hello World");
/// let mut args = RoutingArgs::default();
/// args.insert("controller", "hello");
/// ctx.set_routing_args(args);
///
/// assert_eq!(MountPrefix::of(&req), "/app");
/// assert_eq!(Environ::of(&req).unwrap().get("test.hello"), Some("Hello World"));
/// assert_eq!(RoutingArgs::of(&req).unwrap().get("controller"), Some("hello"));
/// // One entry: the standalone prefix moved into the context.
/// assert_eq!(req.extensions().len(), 1);
/// ```
#[derive(Clone, Default)]
pub struct RequestContext {
    peer: Option<PeerAddr>,
    client: Option<ClientInfo>,
    environ: Environ,
    mount_prefix: MountPrefix,
    routing_args: Option<RoutingArgs>,
    routes: Option<Routes>,
}

/// The route table of the router that dispatched the request, and how much of the
/// mount prefix was in place then.
#[derive(Clone)]
struct Routes {
    table: Arc<dyn Any + Send + Sync>,
    prefix_len: usize,
}

impl RequestContext {
    /// The context of a request, if a layer created one.
    #[inline]
    pub fn of<B>(req: &http::Request<B>) -> Option<&RequestContext> {
        req.extensions().get::<RequestContext>()
    }

    /// The context of a request, created when missing. A new context takes in
    /// the [`Environ`], [`MountPrefix`] and [`RoutingArgs`] found on their own in
    /// the extensions.
    pub fn of_mut<B>(req: &mut http::Request<B>) -> &mut RequestContext {
        let extensions = req.extensions_mut();
        if extensions.get::<RequestContext>().is_none() {
            return Self::create(extensions);
        }
        extensions.get_or_insert_default::<RequestContext>()
    }

    /// Changes the context of a request with `f`, creating the context when
    /// missing as [`of_mut`](Self::of_mut) does.
    ///
    /// An existing context is found with one lookup in the extensions, where
    /// `of_mut` makes two: a reference found by one lookup cannot be returned
    /// from one branch while the other branch creates the context. The layers
    /// on every request's path (the key adder, the router) use this.
    ///
    /// ```
    /// use gw_core::{Environ, EnvironKey, RequestContext};
    ///
    /// let mut req = http::Request::new(());
    /// let key = EnvironKey::new("test.hello").unwrap();
    /// RequestContext::update(&mut req, |ctx| ctx.environ_mut().insert(key, "Hello"));
    /// assert_eq!(Environ::of(&req).unwrap().get("test.hello"), Some("Hello"));
    /// ```
    #[inline(always)]
    pub fn update<B, R>(req: &mut http::Request<B>, f: impl FnOnce(&mut RequestContext) -> R) -> R {
        let extensions = req.extensions_mut();
        if let Some(context) = extensions.get_mut::<RequestContext>() {
            return f(context);
        }
        f(Self::create(extensions))
    }

    /// A new context in `extensions`, which hold none: it takes in the values
    /// found there on their own.
    fn create(extensions: &mut http::Extensions) -> &mut RequestContext {
        let context = RequestContext {
            peer: extensions.remove::<PeerAddr>(),
            client: extensions.remove::<ClientInfo>(),
            environ: extensions.remove::<Environ>().unwrap_or_default(),
            mount_prefix: extensions.remove::<MountPrefix>().unwrap_or_default(),
            routing_args: extensions.remove::<RoutingArgs>(),
            routes: None,
        };
        extensions.get_or_insert(context)
    }

    /// A context that knows who sent the request: what a server records before
    /// anything else, in the request's only extension entry.
    pub fn with_client(peer: Option<PeerAddr>, client: ClientInfo) -> RequestContext {
        RequestContext {
            peer,
            client: Some(client),
            ..RequestContext::default()
        }
    }

    /// The address of the peer that opened the connection, if the server
    /// recorded one.
    pub fn peer(&self) -> Option<PeerAddr> {
        self.peer
    }

    /// Records the peer's address.
    pub fn set_peer(&mut self, peer: PeerAddr) {
        self.peer = Some(peer);
    }

    /// Who the client is, if the server recorded it.
    pub fn client(&self) -> Option<&ClientInfo> {
        self.client.as_ref()
    }

    /// Records who the client is.
    pub fn set_client(&mut self, client: ClientInfo) {
        self.client = Some(client);
    }

    /// The environ's namespaced keys.
    pub fn environ(&self) -> &Environ {
        &self.environ
    }

    /// The environ's namespaced keys, to change.
    pub fn environ_mut(&mut self) -> &mut Environ {
        &mut self.environ
    }

    /// The mount prefix (`""` when nothing was mounted).
    pub fn mount_prefix(&self) -> &str {
        self.mount_prefix.as_str()
    }

    /// Appends `segment` (such as `/blog`) to the mount prefix; see
    /// [`MountPrefix::push`].
    pub fn push_mount_prefix(&mut self, segment: &str) {
        self.mount_prefix.append(segment);
    }

    /// What the router matched, if a router dispatched the request.
    pub fn routing_args(&self) -> Option<&RoutingArgs> {
        self.routing_args.as_ref()
    }

    /// Sets the routing args, returning those they replace.
    #[inline]
    pub fn set_routing_args(&mut self, args: RoutingArgs) -> Option<RoutingArgs> {
        // The usual first set moves the args once, into place.
        match &mut self.routing_args {
            Some(old) => Some(std::mem::replace(old, args)),
            None => {
                self.routing_args = Some(args);
                None
            }
        }
    }

    /// Records the route table of the router dispatching the request, opaque to
    /// this crate, so that URL generation inside the controller can find it
    /// (`Urls::of` in controller-router reads it back). The mount prefix in
    /// place now is the one its URLs start with, even if a mount further in
    /// adds to it.
    pub fn set_routes(&mut self, table: Arc<dyn Any + Send + Sync>) {
        self.routes = Some(Routes {
            table,
            prefix_len: self.mount_prefix.as_str().len(),
        });
    }

    /// The route table recorded by [`set_routes`](Self::set_routes), with the
    /// mount prefix it was recorded under.
    pub fn routes(&self) -> Option<(&Arc<dyn Any + Send + Sync>, &str)> {
        let routes = self.routes.as_ref()?;
        let prefix = self
            .mount_prefix
            .as_str()
            .get(..routes.prefix_len)
            .unwrap_or_default();
        Some((&routes.table, prefix))
    }
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("peer", &self.peer)
            .field("client", &self.client)
            .field("environ", &self.environ)
            .field("mount_prefix", &self.mount_prefix)
            .field("routing_args", &self.routing_args)
            .field("routes", &self.routes.is_some())
            .finish()
    }
}

// The accessors a controller uses, here so that the types above stay free of
// the context that holds them.

impl Environ {
    /// The environ of a request, if any key was set: the one in its
    /// [`RequestContext`], or else one put in its extensions on its own.
    #[inline]
    pub fn of<B>(req: &http::Request<B>) -> Option<&Environ> {
        match RequestContext::of(req) {
            Some(ctx) if !ctx.environ().is_empty() => Some(ctx.environ()),
            _ => req.extensions().get::<Environ>(),
        }
    }

    /// The environ of a request, to change: the one in its [`RequestContext`],
    /// created when missing.
    #[inline]
    pub fn of_mut<B>(req: &mut http::Request<B>) -> &mut Environ {
        RequestContext::of_mut(req).environ_mut()
    }
}

impl PeerAddr {
    /// The peer of a request: the one in its [`RequestContext`], or else one put
    /// in its extensions on its own.
    ///
    /// ```
    /// use gw_core::PeerAddr;
    ///
    /// let mut req = http::Request::new(());
    /// assert_eq!(PeerAddr::of(&req), None);
    /// let peer = PeerAddr("192.0.2.7:4242".parse().unwrap());
    /// req.extensions_mut().insert(peer);
    /// assert_eq!(PeerAddr::of(&req), Some(peer));
    /// ```
    #[inline]
    pub fn of<B>(req: &http::Request<B>) -> Option<PeerAddr> {
        match RequestContext::of(req).and_then(RequestContext::peer) {
            Some(peer) => Some(peer),
            None => req.extensions().get::<PeerAddr>().copied(),
        }
    }
}

impl ClientInfo {
    /// The client of a request: the one in its [`RequestContext`], or else one
    /// put in its extensions on its own.
    #[inline]
    pub fn of<B>(req: &http::Request<B>) -> Option<&ClientInfo> {
        match RequestContext::of(req).and_then(RequestContext::client) {
            Some(client) => Some(client),
            None => req.extensions().get::<ClientInfo>(),
        }
    }
}

impl MountPrefix {
    /// The mount prefix of a request (`""` when nothing was mounted): the one in
    /// its [`RequestContext`], or else one put in its extensions on its own.
    #[inline]
    pub fn of<B>(req: &http::Request<B>) -> &str {
        match RequestContext::of(req) {
            Some(ctx) if !ctx.mount_prefix().is_empty() => ctx.mount_prefix(),
            _ => req
                .extensions()
                .get::<MountPrefix>()
                .map_or("", MountPrefix::as_str),
        }
    }

    /// Appends `segment` (such as `/blog`) to the request's mount prefix, kept in
    /// its [`RequestContext`].
    pub fn push<B>(req: &mut http::Request<B>, segment: &str) {
        RequestContext::of_mut(req).push_mount_prefix(segment);
    }
}

impl RoutingArgs {
    /// The routing args of a request, if a router set them: those in its
    /// [`RequestContext`], or else some put in its extensions on their own.
    #[inline]
    pub fn of<B>(req: &http::Request<B>) -> Option<&RoutingArgs> {
        match RequestContext::of(req).and_then(RequestContext::routing_args) {
            Some(args) => Some(args),
            None => req.extensions().get::<RoutingArgs>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environ::EnvironKey;

    #[test]
    fn one_entry_holds_environ_prefix_and_args() {
        let mut req = http::Request::new(());
        Environ::of_mut(&mut req).insert(EnvironKey::new("a.b").unwrap(), "1");
        MountPrefix::push(&mut req, "/blog");
        let mut args = RoutingArgs::default();
        args.insert("id", "7");
        RequestContext::of_mut(&mut req).set_routing_args(args);
        assert_eq!(req.extensions().len(), 1);
        assert_eq!(Environ::of(&req).unwrap().get("a.b"), Some("1"));
        assert_eq!(MountPrefix::of(&req), "/blog");
        assert_eq!(RoutingArgs::of(&req).unwrap().get("id"), Some("7"));
    }

    #[test]
    fn standalone_values_are_read_and_taken_in() {
        let mut req = http::Request::new(());
        let mut env = Environ::new();
        env.insert(EnvironKey::new("x.y").unwrap(), "z");
        let mut args = RoutingArgs::default();
        args.insert("action", "show");
        req.extensions_mut().insert(env);
        req.extensions_mut().insert(MountPrefix::new("/app"));
        req.extensions_mut().insert(args);
        assert_eq!(Environ::of(&req).unwrap().get("x.y"), Some("z"));
        assert_eq!(MountPrefix::of(&req), "/app");
        assert_eq!(RoutingArgs::of(&req).unwrap().get("action"), Some("show"));

        MountPrefix::push(&mut req, "/admin");
        assert_eq!(req.extensions().len(), 1);
        assert_eq!(MountPrefix::of(&req), "/app/admin");
        assert_eq!(Environ::of(&req).unwrap().get("x.y"), Some("z"));
        assert_eq!(RoutingArgs::of(&req).unwrap().get("action"), Some("show"));
    }

    #[test]
    fn peer_and_client_are_read_from_the_context_or_on_their_own() {
        let peer = PeerAddr("192.0.2.7:4242".parse().unwrap());
        let client = ClientInfo {
            addr: Some("203.0.113.9".parse().unwrap()),
            scheme: crate::Scheme::Https,
            forwarded: true,
        };
        let mut req = http::Request::new(());
        assert_eq!((PeerAddr::of(&req), ClientInfo::of(&req)), (None, None));
        req.extensions_mut().insert(peer);
        req.extensions_mut().insert(client);
        assert_eq!(PeerAddr::of(&req), Some(peer));
        assert_eq!(ClientInfo::of(&req), Some(&client));
        // A context created later takes them in: one entry, same answers.
        Environ::of_mut(&mut req).insert(EnvironKey::new("a.b").unwrap(), "1");
        assert_eq!(req.extensions().len(), 1);
        assert_eq!(PeerAddr::of(&req), Some(peer));
        assert_eq!(ClientInfo::of(&req), Some(&client));

        let mut req = http::Request::new(());
        req.extensions_mut()
            .insert(RequestContext::with_client(Some(peer), client));
        assert_eq!(PeerAddr::of(&req), Some(peer));
        assert_eq!(ClientInfo::of(&req), Some(&client));
    }

    #[test]
    fn a_standalone_value_added_later_is_read_when_the_context_has_none() {
        let mut req = http::Request::new(());
        RequestContext::of_mut(&mut req);
        req.extensions_mut().insert(MountPrefix::new("/late"));
        assert_eq!(MountPrefix::of(&req), "/late");
        assert!(Environ::of(&req).is_none());
        assert!(RoutingArgs::of(&req).is_none());
    }

    #[test]
    fn routes_keep_the_prefix_they_were_set_under() {
        let mut req = http::Request::new(());
        MountPrefix::push(&mut req, "/site");
        let table: Arc<dyn Any + Send + Sync> = Arc::new(42_u32);
        RequestContext::of_mut(&mut req).set_routes(table);
        MountPrefix::push(&mut req, "/inner");
        let (table, prefix) = RequestContext::of(&req).unwrap().routes().unwrap();
        assert_eq!(table.downcast_ref::<u32>(), Some(&42));
        assert_eq!(prefix, "/site");
        assert_eq!(MountPrefix::of(&req), "/site/inner");
    }

    mod same_as_separate_entries {
        //! The context must answer what separate extension entries (one per type,
        //! as before the context) answer, whatever mix of standalone values and
        //! writes a request sees.
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Op {
            Push(String),
            SetKey(usize, String),
            SetArgs(Vec<(String, String)>),
        }

        const KEYS: [&str; 3] = ["a.b", "test.hello", "x.y.z"];

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                "/?[a-z]{0,3}/?".prop_map(Op::Push),
                (0..KEYS.len(), "[a-z]{0,3}").prop_map(|(k, v)| Op::SetKey(k, v)),
                proptest::collection::vec(("[a-c]", "[a-z]{0,2}"), 0..3).prop_map(Op::SetArgs),
            ]
        }

        fn args_of(pairs: &[(String, String)]) -> RoutingArgs {
            let mut args = RoutingArgs::default();
            for (k, v) in pairs {
                args.insert(k.as_str(), v.as_str());
            }
            args
        }

        fn environ_of(pairs: &[(usize, String)]) -> Environ {
            let mut env = Environ::new();
            for (k, v) in pairs {
                env.insert(EnvironKey::new(KEYS[*k]).unwrap(), v.as_str());
            }
            env
        }

        /// What a reader sees: environ pairs, mount prefix, routing args.
        type Seen = (Vec<(String, String)>, String, Option<RoutingArgs>);

        fn seen_separate(req: &http::Request<()>) -> Seen {
            let env = req
                .extensions()
                .get::<Environ>()
                .map_or_else(Vec::new, |e| {
                    e.iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect()
                });
            let prefix = req
                .extensions()
                .get::<MountPrefix>()
                .map_or("", MountPrefix::as_str)
                .to_owned();
            (env, prefix, req.extensions().get::<RoutingArgs>().cloned())
        }

        fn seen_context(req: &http::Request<()>) -> Seen {
            let env = Environ::of(req).map_or_else(Vec::new, |e| {
                e.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            });
            let prefix = MountPrefix::of(req).to_owned();
            (env, prefix, RoutingArgs::of(req).cloned())
        }

        proptest! {
            #[test]
            fn the_context_reads_as_separate_entries_would(
                env in proptest::option::of(proptest::collection::vec((0..KEYS.len(), "[a-z]{0,3}"), 0..3)),
                prefix in proptest::option::of("/?[a-z]{0,3}"),
                args in proptest::option::of(proptest::collection::vec(("[a-c]", "[a-z]{0,2}"), 0..3)),
                ops in proptest::collection::vec(op(), 0..8),
            ) {
                let mut separate = http::Request::new(());
                let mut context = http::Request::new(());
                for req in [&mut separate, &mut context] {
                    if let Some(env) = &env {
                        req.extensions_mut().insert(environ_of(env));
                    }
                    if let Some(prefix) = &prefix {
                        req.extensions_mut().insert(MountPrefix::new(prefix));
                    }
                    if let Some(args) = &args {
                        req.extensions_mut().insert(args_of(args));
                    }
                }
                prop_assert_eq!(seen_context(&context), seen_separate(&separate));
                for op in &ops {
                    match op {
                        Op::Push(segment) => {
                            separate
                                .extensions_mut()
                                .get_or_insert_default::<MountPrefix>()
                                .append(segment);
                            MountPrefix::push(&mut context, segment);
                        }
                        Op::SetKey(k, v) => {
                            let key = EnvironKey::new(KEYS[*k]).unwrap();
                            separate
                                .extensions_mut()
                                .get_or_insert_default::<Environ>()
                                .insert(key.clone(), v.as_str());
                            Environ::of_mut(&mut context).insert(key, v.as_str());
                        }
                        Op::SetArgs(pairs) => {
                            separate.extensions_mut().insert(args_of(pairs));
                            RequestContext::of_mut(&mut context).set_routing_args(args_of(pairs));
                        }
                    }
                    prop_assert_eq!(seen_context(&context), seen_separate(&separate));
                }
            }
        }
    }
}
