//! The `Mapper`: routes in connect order, matching and generation.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use gw_core::{RoutingArgs, Settings, SettingsError};
use http::{Method, StatusCode};

use crate::generate::{self, GenerationError};
use crate::matcher::{decode, known_position, match_route, meets, Captures, Node, Slots, Walk};
use crate::pattern::Segment;
use crate::route::{CompiledRoute, KnownControllers, Route, RouteError, Target};

/// A set of routes in Routes syntax: the twin of Routes' `Mapper`.
///
/// Routes are tried in the order they were added; the first whose pattern,
/// requirements and conditions accept the request wins (see the crate docs for how
/// the prefix tree keeps that order). Every `add` checks its pattern and regexes
/// and returns a [`RouteError`] naming the pattern and position.
///
/// ```
/// use gw_controller_router::Mapper;
/// use http::Method;
///
/// let mapper = Mapper::new().default_routes().unwrap();
/// let m = mapper.recognize(&Method::GET, "/greet/show/42").unwrap();
/// assert_eq!(m.get("controller").as_deref(), Some("greet"));
/// assert_eq!(m.get("id").as_deref(), Some("42"));
/// assert_eq!(mapper.recognize(&Method::GET, "/greet").unwrap().get("action").as_deref(), Some("index"));
///
/// assert_eq!(mapper.url_for("greet", "show", &[("id", "3"), ("q", "x")]).unwrap(), "/greet/show/3?q=x");
/// ```
pub struct Mapper {
    pub(crate) routes: Vec<CompiledRoute>,
    /// Each compiled route's `Route` (prefixes applied), or `None` for a
    /// route made for a controller name with a `/`; parallel to `routes`.
    sources: Vec<Option<Route>>,
    controllers: Option<Arc<KnownControllers>>,
    names: HashMap<String, usize>,
    trie: Node,
    /// What a lookup needs to know of each route, dense and in route order, so
    /// that accepting a plain route does not touch its larger `CompiledRoute`.
    hot: Vec<Hot>,
    path_prefix: String,
    name_prefix: String,
    strict_slashes: bool,
}

impl fmt::Debug for Mapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapper")
            .field("routes", &self.routes)
            .field("strict_slashes", &self.strict_slashes)
            .finish_non_exhaustive()
    }
}

impl Default for Mapper {
    fn default() -> Self {
        Self::new()
    }
}

impl Mapper {
    /// An empty mapper. Trailing slashes are strict: `/a/` is not `/a`.
    pub fn new() -> Self {
        Mapper {
            routes: Vec::new(),
            sources: Vec::new(),
            controllers: None,
            names: HashMap::new(),
            trie: Node::new(),
            hot: Vec::new(),
            path_prefix: String::new(),
            name_prefix: String::new(),
            strict_slashes: true,
        }
    }

    /// A mapper from settings. The only key is `strict_slashes` (default `true`);
    /// routes themselves are code, as in a Pylons project's `config/routing.py`.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        settings.check_known(&["strict_slashes"])?;
        let strict = settings.get_bool("strict_slashes")?.unwrap_or(true);
        Ok(Self::new().strict_slashes(strict))
    }

    /// With `false`, a path that ends in `/` and matches nothing is tried again
    /// without that slash: `/a/` then finds `/a`. Default `true`: Routes and
    /// Pylons treat `/a/` and `/a` as different paths.
    pub fn strict_slashes(mut self, strict: bool) -> Self {
        self.strict_slashes = strict;
        self
    }

    /// Adds a route. Fails if its pattern or a requirement does not compile, or
    /// its name is taken.
    pub fn route(mut self, mut route: Route) -> Result<Self, RouteError> {
        if !self.path_prefix.is_empty() {
            route.pattern = format!("{}{}", self.path_prefix, route.pattern);
        }
        if let Some(name) = &mut route.name {
            name.insert_str(0, &self.name_prefix);
        }
        let name = route.name.clone();
        let index = self.push(route)?;
        if let Some(name) = name {
            let pattern = self.routes[index].pattern.source.clone();
            self.add_name(name, index, &pattern)?;
        }
        Ok(self)
    }

    /// Compiles and adds `route` (prefixes applied), after the routes its
    /// `{controller}` needs for known names with a `/`; returns its index.
    fn push(&mut self, route: Route) -> Result<usize, RouteError> {
        let mut compiled = CompiledRoute::compile(route.clone())?;
        if let Some(known) = self.controllers.clone() {
            let var = compiled.pattern.var("controller").filter(|&v| {
                compiled.requirements[v].is_none()
                    && matches!(compiled.target, Target::Controller)
                    && !compiled.generate_only
            });
            if let Some(v) = var {
                if compiled.pattern.segments.contains(&Segment::Param(v)) {
                    let at = compiled.pattern.vars[v].position;
                    for name in &known.nested {
                        let variant = nested_variant(&route, at, name);
                        self.insert(CompiledRoute::compile(variant)?, None);
                    }
                }
                compiled.known_controllers = Some((v, known));
                compiled.has_requirements = true;
            }
        }
        Ok(self.insert(compiled, Some(route)))
    }

    fn insert(&mut self, compiled: CompiledRoute, source: Option<Route>) -> usize {
        let index = self.routes.len();
        if !compiled.generate_only {
            self.trie.insert(&compiled.pattern.segments, index as u32);
        }
        self.hot.push(Hot::of(&compiled));
        self.routes.push(compiled);
        self.sources.push(source);
        index
    }

    /// The controller names a `{controller}` variable matches: the twin of
    /// Routes' `create_regs(['content', 'admin/user'])`.
    /// [`Router`](crate::Router) calls it with the names of its controllers,
    /// so a mapper given to a router needs no call of its own; a mapper used on
    /// its own (or by another dispatcher) may.
    ///
    /// Without it a `{controller}` matches any one segment. With it, a route
    /// whose `{controller}` (with no requirement of its own) would get an
    /// unknown name does not match, so a later route gets its turn; and a name
    /// with a `/` matches its segments (`/{controller}/{action}` matches
    /// `/admin/user/show` with controller `admin/user`), longer names first.
    /// Generation is not restricted, and a name with a `/` is generated with
    /// its `/` as written.
    ///
    /// It cannot fail: every route was checked when it was added, and a name is
    /// put into a route as literal text, escaped.
    ///
    /// ```
    /// use gw_controller_router::Mapper;
    /// use http::Method;
    ///
    /// let mapper = Mapper::new()
    ///     .connect("/hi/{controller}").unwrap()
    ///     .connect("/{controller}/{action}/{id}").unwrap()
    ///     .controllers(["content", "admin/user"]);
    /// let m = mapper.recognize(&Method::GET, "/admin/user/show/7").unwrap();
    /// assert_eq!(m.get("controller").as_deref(), Some("admin/user"));
    /// assert!(mapper.recognize(&Method::GET, "/hi/13870948").is_none());
    /// assert_eq!(mapper.url_for("admin/user", "show", &[("id", "7")]).unwrap(), "/admin/user/show/7");
    /// ```
    pub fn controllers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set_controllers(names);
        self
    }

    /// [`controllers`](Self::controllers) in place, replacing the names given
    /// before.
    pub fn set_controllers<I, S>(&mut self, names: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let known = KnownControllers::new(names);
        match &self.controllers {
            // The same names with a `/`: the same routes, so only the set of
            // names each route checks changes.
            Some(old) if old.nested == known.nested => {
                let known = Arc::new(known);
                for route in &mut self.routes {
                    if let Some((_, k)) = &mut route.known_controllers {
                        *k = known.clone();
                    }
                }
                self.controllers = Some(known);
            }
            _ => *self = self.with_controllers(known),
        }
    }

    /// The known controller names in force, shared by every route that checks
    /// them.
    pub(crate) fn known_controllers(&self) -> Option<&Arc<KnownControllers>> {
        self.controllers.as_ref()
    }

    /// This mapper's routes compiled again, in order, with `known` in force.
    pub(crate) fn with_controllers(&self, known: KnownControllers) -> Mapper {
        let mut fresh = Mapper::new();
        fresh.strict_slashes = self.strict_slashes;
        fresh.path_prefix = self.path_prefix.clone();
        fresh.name_prefix = self.name_prefix.clone();
        fresh.controllers = Some(Arc::new(known));
        let mut moved = vec![0; self.sources.len()];
        for (old, source) in self.sources.iter().enumerate() {
            if let Some(route) = source {
                moved[old] = fresh
                    .push(route.clone())
                    .expect("a route that compiled once compiles again, names added as escaped literal text");
            }
        }
        fresh.names = self
            .names
            .iter()
            .map(|(name, &index)| (name.clone(), moved[index]))
            .collect();
        fresh
    }

    fn add_name(&mut self, name: String, index: usize, pattern: &str) -> Result<(), RouteError> {
        if self.names.contains_key(&name) {
            return Err(RouteError::DuplicateName {
                name,
                pattern: pattern.to_owned(),
            });
        }
        self.names.insert(name, index);
        Ok(())
    }

    /// Adds an unnamed route with only a pattern: `map.connect('/{controller}/{action}')`.
    pub fn connect(self, pattern: &str) -> Result<Self, RouteError> {
        self.route(Route::new(pattern))
    }

    /// Pylons' three default routes, in this order: `/{controller}/{action}/{id}`,
    /// `/{controller}/{action}` and `/{controller}` (action `index`).
    pub fn default_routes(self) -> Result<Self, RouteError> {
        self.connect("/{controller}/{action}/{id}")?
            .connect("/{controller}/{action}")?
            .route(Route::new("/{controller}").default("action", "index"))
    }

    /// A redirect route: `GET /old` answers `302 Found` with `Location: /new`.
    ///
    /// `to` may use the variables of `from` (`/legacy/{id}` → `/items/{id}`); a
    /// target that does not start with `/` is an absolute URL taken as it is. The
    /// mount prefix goes in front of a path target, and the query string is kept.
    pub fn redirect(self, from: &str, to: &str) -> Result<Self, RouteError> {
        self.redirect_with(from, to, StatusCode::FOUND)
    }

    /// [`redirect`](Self::redirect) with `301 Moved Permanently`.
    pub fn redirect_permanent(self, from: &str, to: &str) -> Result<Self, RouteError> {
        self.redirect_with(from, to, StatusCode::MOVED_PERMANENTLY)
    }

    /// [`redirect`](Self::redirect) with any status.
    pub fn redirect_with(
        self,
        from: &str,
        to: &str,
        status: StatusCode,
    ) -> Result<Self, RouteError> {
        self.route(Route::new(from).redirect_to(to.to_owned(), status))
    }

    /// Routes added inside `build` get `path_prefix` in front of their patterns
    /// and `name_prefix` in front of their names (Routes' `submapper`). Scopes nest.
    ///
    /// ```
    /// use gw_controller_router::Mapper;
    ///
    /// let mapper = Mapper::new()
    ///     .submapper("/admin", "admin_", |m| m.resource("user", "users"))
    ///     .unwrap();
    /// assert_eq!(mapper.url_for_route("admin_user", &[("id", "7")]).unwrap(), "/admin/users/7");
    /// ```
    pub fn submapper(
        mut self,
        path_prefix: &str,
        name_prefix: &str,
        build: impl FnOnce(Self) -> Result<Self, RouteError>,
    ) -> Result<Self, RouteError> {
        let (old_path, old_name) = (self.path_prefix.clone(), self.name_prefix.clone());
        self.path_prefix.push_str(path_prefix.trim_end_matches('/'));
        self.name_prefix.push_str(name_prefix);
        let mut out = build(self)?;
        out.path_prefix = old_path;
        out.name_prefix = old_name;
        Ok(out)
    }

    /// Routes' RESTful resource: `resource("message", "messages")` adds, with
    /// controller `messages`:
    ///
    /// | method | path | action | names |
    /// |---|---|---|---|
    /// | GET | `/messages{.format}` | `index` | `messages`, `formatted_messages` |
    /// | POST | `/messages{.format}` | `create` | |
    /// | GET | `/messages/new{.format}` | `new` | `new_message`, `formatted_new_message` |
    /// | GET | `/messages/{id}/edit{.format}` | `edit` | `edit_message`, `formatted_edit_message` |
    /// | GET | `/messages/{id}{.format}` | `show` | `message`, `formatted_message` |
    /// | PUT | `/messages/{id}{.format}` | `update` | |
    /// | DELETE | `/messages/{id}{.format}` | `delete` | |
    ///
    /// `{.format}` is optional, so each route has its `.json` variant built in.
    /// `new` comes before `{id}`, so `/messages/new` is never `show`. A `/`
    /// at either end of `collection` is dropped (`messages/` is `messages`).
    pub fn resource(mut self, member: &str, collection: &str) -> Result<Self, RouteError> {
        // One slash at either end is not part of the name (`messages/`).
        let collection = collection.strip_prefix('/').unwrap_or(collection);
        let collection = collection.strip_suffix('/').unwrap_or(collection);
        let base = format!("/{collection}");
        let table: [(&str, Method, String, Option<String>); 7] = [
            (
                "index",
                Method::GET,
                format!("{base}{{.format}}"),
                Some(collection.to_owned()),
            ),
            ("create", Method::POST, format!("{base}{{.format}}"), None),
            (
                "new",
                Method::GET,
                format!("{base}/new{{.format}}"),
                Some(format!("new_{member}")),
            ),
            (
                "edit",
                Method::GET,
                format!("{base}/{{id}}/edit{{.format}}"),
                Some(format!("edit_{member}")),
            ),
            (
                "show",
                Method::GET,
                format!("{base}/{{id}}{{.format}}"),
                Some(member.to_owned()),
            ),
            (
                "update",
                Method::PUT,
                format!("{base}/{{id}}{{.format}}"),
                None,
            ),
            (
                "delete",
                Method::DELETE,
                format!("{base}/{{id}}{{.format}}"),
                None,
            ),
        ];
        for (action, method, pattern, name) in table {
            let mut route = Route::new(pattern)
                .default("controller", collection)
                .default("action", action)
                .method(method);
            if let Some(name) = &name {
                route = route.name(name.clone());
            }
            self = self.route(route)?;
            if let Some(name) = name {
                let index = self.routes.len() - 1;
                let alias = format!("{}formatted_{name}", self.name_prefix);
                let pattern = self.routes[index].pattern.source.clone();
                self.add_name(alias, index, &pattern)?;
            }
        }
        Ok(self)
    }

    /// The number of routes added (not counting those made for controller
    /// names with a `/`).
    pub fn len(&self) -> usize {
        self.sources.iter().filter(|s| s.is_some()).count()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Finds the first route that accepts `method` and `path` (the raw,
    /// percent-encoded path, starting with `/`).
    ///
    /// Routes with a custom [`condition`](Route::condition) need the request and
    /// never match here; use [`recognize_request`](Self::recognize_request).
    pub fn recognize<'m, 'p>(&'m self, method: &Method, path: &'p str) -> Option<Match<'m, 'p>> {
        let found = self.find(method, path, None);
        if found.is_some() || self.strict_slashes {
            return found;
        }
        self.slash_fallback(path, |p| self.find(method, p, None))
    }

    /// Like [`recognize`](Self::recognize), for a request head, so custom conditions run.
    pub fn recognize_request<'m, 'p>(
        &'m self,
        parts: &'p http::request::Parts,
    ) -> Option<Match<'m, 'p>> {
        let path = parts.uri.path();
        self.find(&parts.method, path, Some(parts))
            .or_else(|| self.slash_fallback(path, |p| self.find(&parts.method, p, Some(parts))))
    }

    fn slash_fallback<'m, 'p>(
        &'m self,
        path: &'p str,
        retry: impl FnOnce(&'p str) -> Option<Match<'m, 'p>>,
    ) -> Option<Match<'m, 'p>> {
        if self.strict_slashes || path.len() < 2 {
            return None;
        }
        // Only the removal of a trailing slash can borrow from `path`; adding one
        // would need a new string, so `/a` never finds `/a/`.
        path.strip_suffix('/').and_then(retry)
    }

    fn find<'m, 'p>(
        &'m self,
        method: &Method,
        path: &'p str,
        parts: Option<&http::request::Parts>,
    ) -> Option<Match<'m, 'p>> {
        let path = if path.is_empty() { "/" } else { path };
        if !path.starts_with('/') {
            return None;
        }
        let routes = &self.routes;
        let hot = &self.hot;
        // `found` holds the values of the best route so far, and where its
        // captured controller name is among the known names, if it was looked
        // up on the way.
        let mut found = Captures::default();
        let mut found_known = None;
        let accept = |r: u32, slots: &Slots| {
            let h = &hot[r as usize];
            if let Some(vars) = h.plain() {
                // Any method, no regex requirement, no complex segment, no
                // custom condition: the trie's ranges are the values, once a
                // `{controller}` among them names a known controller.
                if let Some(ranges) = slots.ranges() {
                    let mut known_at = None;
                    if let Some(k) = h.known() {
                        let (s, e) = ranges[k];
                        let Some((_, known)) = routes[r as usize].known_controllers.as_ref() else {
                            return false;
                        };
                        let Some(i) = known_position(known, &path[s as usize..e as usize]) else {
                            return false;
                        };
                        known_at = Some((i, known));
                    }
                    found_known = known_at;
                    found.clear();
                    for (&(s, e), &v) in ranges.iter().zip(vars) {
                        found.push(usize::from(v), s as usize, e as usize);
                    }
                    return true;
                }
            }
            let route = &routes[r as usize];
            if !route.admits(method) {
                return false;
            }
            // Scratch for values not yet known to win.
            let mut caps = Captures::default();
            match slots.ranges().filter(|_| !route.complex) {
                // The trie walked exactly this route's segments: check the
                // requirements on the ranges it recorded, and only then copy them.
                Some(ranges) => {
                    let ok = !route.has_requirements
                        || ranges
                            .iter()
                            .zip(&route.slots)
                            .all(|(&(s, e), &v)| meets(route, v, &path[s as usize..e as usize]));
                    if !ok {
                        return false;
                    }
                    // Without a custom condition the route has won: fill
                    // `found` in place.
                    let out = if route.predicate.is_none() {
                        &mut found
                    } else {
                        &mut caps
                    };
                    out.clear();
                    for (&(s, e), &v) in ranges.iter().zip(&route.slots) {
                        out.push(v, s as usize, e as usize);
                    }
                    if route.predicate.is_none() {
                        return true;
                    }
                }
                None => {
                    if !match_route(route, None, path, &mut caps) {
                        return false;
                    }
                }
            }
            if let Some(predicate) = &route.predicate {
                let Some(parts) = parts else { return false };
                let m = Match {
                    route,
                    path,
                    caps: caps.clone(),
                    known: None,
                };
                match m.routing_args() {
                    Some(args) if predicate(parts, &args) => {}
                    _ => return false,
                }
            }
            std::mem::swap(&mut found, &mut caps);
            found_known = None;
            true
        };
        let mut walk = Walk {
            path,
            best: u32::MAX,
            slots: Slots::default(),
            accept,
        };
        self.trie.search(&mut walk, 1);
        let best = walk.best;
        (best != u32::MAX).then(|| Match {
            route: &self.routes[best as usize],
            path,
            caps: found,
            known: found_known,
        })
    }

    /// Generates the path of the route called `name`, filled from `params`;
    /// params the route does not use become the query string.
    pub fn url_for_route(
        &self,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<String, GenerationError> {
        self.write_route("", name, params)
    }

    /// The URL of the route called `name`, with `prefix` (a mount prefix) in
    /// front unless the route is an absolute URL.
    pub(crate) fn write_route(
        &self,
        prefix: &str,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<String, GenerationError> {
        let index = *self
            .names
            .get(name)
            .ok_or_else(|| GenerationError::UnknownName(name.to_owned()))?;
        let route = &self.routes[index];
        let mut out = String::new();
        if !route.absolute {
            out.push_str(prefix);
        }
        generate::by_route(route, params, &mut out)?;
        Ok(out)
    }

    /// Routes' `url_for(**kwargs)`: generation from keys alone, for routes that
    /// fix their controller or action, or have neither
    /// (`generate(&[("fred", "index")])` on `/hi/{fred}` gives `/hi/index`).
    ///
    /// A route is a candidate when every value it fixes is given and equal,
    /// it uses `controller` and `action` if they are given, a `method` param
    /// fits its method condition, and its variables all get values that meet
    /// their requirements. Of the candidates, the one whose keys are closest
    /// to the keys given wins (fewest keys on one side only, then most in
    /// common, then connect order), as in Routes; unused params become the
    /// query string.
    ///
    /// ```
    /// use gw_controller_router::{Mapper, Route};
    ///
    /// let mapper = Mapper::new()
    ///     .connect("/hi/{fred}").unwrap()
    ///     .route(Route::new("/").default("controller", "content")).unwrap();
    /// assert_eq!(mapper.generate(&[("fred", "index")]).unwrap(), "/hi/index");
    /// assert_eq!(mapper.generate(&[("controller", "content")]).unwrap(), "/");
    /// ```
    pub fn generate(&self, params: &[(&str, &str)]) -> Result<String, GenerationError> {
        let mut out = String::new();
        generate::by_keys(&self.routes, params, &mut out)?;
        Ok(out)
    }

    pub(crate) fn write_keys(
        &self,
        out: &mut String,
        params: &[(&str, &str)],
    ) -> Result<(), GenerationError> {
        generate::by_keys(&self.routes, params, out)
    }

    /// Routes-style generation by controller and action: [`generate`](Self::generate)
    /// with both given, from routes that yield both. Unused params become the
    /// query string.
    pub fn url_for(
        &self,
        controller: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<String, GenerationError> {
        let mut out = String::new();
        self.write_for(&mut out, controller, action, params)?;
        Ok(out)
    }

    pub(crate) fn write_for(
        &self,
        out: &mut String,
        controller: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<(), GenerationError> {
        generate::by_controller(&self.routes, controller, action, params, out)
    }
}

/// `route` with its `{controller}` (at byte `at` of the pattern) replaced by
/// the controller `name`, which becomes a fixed value.
fn nested_variant(route: &Route, at: usize, name: &str) -> Route {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '{' | '}' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    let mut variant = route.clone();
    variant
        .pattern
        .replace_range(at..at + "{controller}".len(), &escaped);
    variant.name = None;
    variant.default("controller", name)
}

/// The per-route facts a lookup reads first.
#[derive(Debug, Clone, Copy)]
struct Hot {
    /// How many of `vars` are used, or `u8::MAX` if the route is not plain.
    len: u8,
    /// Which of `vars` is a `{controller}` that must name a known controller
    /// ([`Mapper::controllers`]), or `u8::MAX`.
    known: u8,
    /// The variable of each whole-segment or greedy segment, in path order.
    vars: [u16; 7],
}

impl Hot {
    fn of(route: &CompiledRoute) -> Self {
        let mut hot = Hot {
            len: u8::MAX,
            known: u8::MAX,
            vars: [0; 7],
        };
        // The known-controller check is the one requirement a plain route
        // may have: `find` makes it on the trie's range.
        let known = match &route.known_controllers {
            Some((v, _)) => route.slots.iter().position(|s| s == v),
            None => Some(usize::from(u8::MAX)),
        };
        let plain = route.methods.is_none()
            && route.requirements.iter().all(Option::is_none)
            && !route.complex
            && route.predicate.is_none()
            && route.slots.len() <= hot.vars.len()
            && route.slots.iter().all(|&v| u16::try_from(v).is_ok());
        if let (true, Some(known)) = (plain, known) {
            for (d, &v) in hot.vars.iter_mut().zip(&route.slots) {
                *d = v as u16;
            }
            hot.len = route.slots.len() as u8;
            hot.known = known as u8;
        }
        hot
    }

    /// The variables of a plain route, or `None`.
    #[inline]
    fn plain(&self) -> Option<&[u16]> {
        self.vars.get(..usize::from(self.len))
    }

    /// For a plain route, which of its variables must name a known controller.
    #[inline]
    fn known(&self) -> Option<usize> {
        (self.known != u8::MAX).then_some(usize::from(self.known))
    }
}

/// A route that matched, with its values.
pub struct Match<'m, 'p> {
    route: &'m CompiledRoute,
    path: &'p str,
    caps: Captures,
    /// Where the captured `{controller}` is among the known names it was
    /// checked against, when the lookup made that check.
    known: Option<(usize, &'m Arc<KnownControllers>)>,
}

impl fmt::Debug for Match<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Match")
            .field("route", &self.route.pattern.source)
            .field("args", &self.routing_args())
            .finish()
    }
}

impl<'m, 'p> Match<'m, 'p> {
    /// The pattern of the route that matched.
    pub fn pattern(&self) -> &'m str {
        &self.route.pattern.source
    }

    /// The name of the route that matched.
    pub fn name(&self) -> Option<&'m str> {
        self.route.name.as_deref()
    }

    /// For a route ending in `{*path_info}`: the path split where that value
    /// starts, as (the part before, the rest as a path starting with `/`),
    /// both raw. Routes moves the first part into `SCRIPT_NAME` (a mount
    /// prefix) and gives the application the rest.
    ///
    /// ```
    /// use gw_controller_router::Mapper;
    /// use http::Method;
    ///
    /// let mapper = Mapper::new().connect("/myapp/{*path_info}").unwrap();
    /// let m = mapper.recognize(&Method::GET, "/myapp/some/other/url").unwrap();
    /// assert_eq!(m.path_info_split(), Some(("/myapp", "/some/other/url")));
    /// let m = mapper.recognize(&Method::GET, "/myapp/").unwrap();
    /// assert_eq!(m.path_info_split(), Some(("/myapp", "/")));
    /// ```
    ///
    /// [`Router`](crate::Router) does this move itself: the controller sees
    /// the first part in its [`MountPrefix`](gw_core::MountPrefix) and the
    /// rest as its path.
    pub fn path_info_split(&self) -> Option<(&'p str, &'p str)> {
        let cut = self.path_info_cut()?;
        Some((&self.path[..cut], &self.path[cut..]))
    }

    /// Where [`path_info_split`](Self::path_info_split) splits the path.
    #[inline]
    pub(crate) fn path_info_cut(&self) -> Option<usize> {
        let v = self.route.path_info?;
        let (_, start, _) = self.caps.iter().find(|&(var, _, _)| var == v)?;
        // The value starts after a `/`, which goes with the rest.
        start.checked_sub(1)
    }

    /// The raw (still percent-encoded) value of a captured variable.
    pub fn raw(&self, name: &str) -> Option<&'p str> {
        let v = self.route.pattern.var(name)?;
        self.caps
            .iter()
            .find(|&(var, _, _)| var == v)
            .map(|(_, s, e)| &self.path[s..e])
    }

    /// A value: captured (percent-decoded) or a default. `None` if absent, or
    /// if the decoded bytes are not UTF-8.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some(raw) = self.raw(name) {
            return decode(raw);
        }
        if let Some(v) = self.route.pattern.var(name) {
            if let Some(d) = &self.route.var_defaults[v] {
                return Some(Cow::Borrowed(d));
            }
        }
        self.route.fixed(name).map(Cow::Borrowed)
    }

    /// All values as routing args (defaults first, then captured values in
    /// pattern order), or `None` if a value does not decode to UTF-8.
    pub fn routing_args(&self) -> Option<RoutingArgs> {
        let mut args = RoutingArgs::default();
        self.routing_args_sharing(&mut args, |_| None)
            .then_some(args)
    }

    /// [`routing_args`](Self::routing_args), written into `args`, taking a
    /// captured `controller` value from `known(raw)` (given the value as it
    /// stands in the path) when it names a known controller, instead of
    /// decoding and copying it. The router passes its controller names. False
    /// if a value does not decode to UTF-8.
    pub(crate) fn routing_args_sharing<'k>(
        &self,
        args: &mut RoutingArgs,
        mut known: impl FnMut(&str) -> Option<&'k Arc<str>>,
    ) -> bool {
        // Names and defaults are the route's shared strings; only captured values
        // are new text.
        for slot in &self.route.args {
            let captured = slot
                .var
                .and_then(|v| self.caps.iter().find(|&(var, _, _)| var == v));
            match (captured, &slot.default) {
                (Some((_, s, e)), _) => {
                    let raw = &self.path[s..e];
                    if let Some(shared) = slot.controller.then(|| known(raw)).flatten() {
                        args.insert(slot.name.clone(), shared.clone());
                        continue;
                    }
                    let Some(value) = decode(raw) else {
                        return false;
                    };
                    args.insert(slot.name.clone(), value);
                }
                (None, Some(default)) => args.insert(slot.name.clone(), default.clone()),
                (None, None) => {}
            }
        }
        true
    }

    pub(crate) fn target(&self) -> &'m Target {
        &self.route.target
    }

    /// Where the captured controller name is among the known names, and those
    /// names, when the lookup checked it (a plain route under
    /// [`Mapper::controllers`]): the router then finds its controller at that
    /// index, without looking the name up again.
    pub(crate) fn known_controller(&self) -> Option<(usize, &'m Arc<KnownControllers>)> {
        self.known
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The route a linear scan picks: the first, in order, that
    /// `match_route` accepts (every requirement and known name checked the
    /// slow way).
    fn linear(mapper: &Mapper, path: &str) -> Option<usize> {
        let mut caps = Captures::default();
        mapper.routes.iter().position(|route| {
            !route.generate_only && match_route(route, Some(&Method::GET), path, &mut caps)
        })
    }

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("content".to_owned()),
            Just("admin".to_owned()),
            Just("user".to_owned()),
            Just("show".to_owned()),
            Just("%C3%A9".to_owned()),
            Just("%FF".to_owned()),
            "[a-z0-9]{0,4}",
        ]
    }

    proptest! {
        /// The lookup's fast path for plain routes whose `{controller}` must
        /// name a known controller picks the route a linear scan picks.
        #[test]
        fn known_controllers_fast_path_agrees_with_a_linear_scan(
            names in proptest::sample::subsequence(vec!["content", "admin", "admin/user", "é", "show"], 0..5),
            segments in proptest::collection::vec(segment(), 1..5),
        ) {
            let mapper = Mapper::new()
                .connect("/hi/{controller}").unwrap()
                .route(Route::new("/x/{controller}/{id}").requirement("id", r"\d+")).unwrap()
                .connect("/{controller}/{*rest}").unwrap()
                .default_routes().unwrap()
                .controllers(names);
            let path = format!("/{}", segments.join("/"));
            let fast = mapper.find(&Method::GET, &path, None).map(|m| {
                mapper.routes.iter().position(|r| std::ptr::eq(r, m.route)).unwrap()
            });
            prop_assert_eq!(fast, linear(&mapper, &path));
        }
    }
}
