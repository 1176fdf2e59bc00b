//! The `Mapper`: routes in connect order, matching and generation.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use gw_core::{RoutingArgs, Settings, SettingsError};
use http::{Method, StatusCode};

use crate::generate::{self, GenerationError};
use crate::matcher::{decode, match_route, meets, Captures, Node, Slots, Walk};
use crate::route::{CompiledRoute, Route, RouteError, Target};

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
        let compiled = CompiledRoute::compile(route)?;
        let index = self.routes.len();
        if let Some(name) = &compiled.name {
            self.add_name(name.clone(), index, &compiled.pattern.source)?;
        }
        self.trie.insert(&compiled.pattern.segments, index as u32);
        self.hot.push(Hot::of(&compiled));
        self.routes.push(compiled);
        Ok(self)
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
    /// `new` comes before `{id}`, so `/messages/new` is never `show`.
    pub fn resource(mut self, member: &str, collection: &str) -> Result<Self, RouteError> {
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

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
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
        // `found` holds the values of the best route so far.
        let mut found = Captures::default();
        let accept = |r: u32, slots: &Slots| {
            if let Some(vars) = hot[r as usize].plain() {
                // Any method, no requirement, no complex segment, no custom
                // condition: the trie's ranges are the values.
                if let Some(ranges) = slots.ranges() {
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
                };
                match m.routing_args() {
                    Some(args) if predicate(parts, &args) => {}
                    _ => return false,
                }
            }
            std::mem::swap(&mut found, &mut caps);
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
        })
    }

    /// Generates the path of the route called `name`, filled from `params`;
    /// params the route does not use become the query string.
    pub fn url_for_route(
        &self,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<String, GenerationError> {
        let mut out = String::new();
        self.write_route(&mut out, name, params)?;
        Ok(out)
    }

    pub(crate) fn write_route(
        &self,
        out: &mut String,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<(), GenerationError> {
        let index = *self
            .names
            .get(name)
            .ok_or_else(|| GenerationError::UnknownName(name.to_owned()))?;
        generate::by_route(&self.routes[index], params, out)
    }

    /// Routes-style generation: the first route that gives `controller` and
    /// `action` and accepts `params` (requirements, and a method condition when a
    /// `method` param is given). Unused params become the query string.
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

/// The per-route facts a lookup reads first.
#[derive(Debug, Clone, Copy)]
struct Hot {
    /// How many of `vars` are used, or `u8::MAX` if the route is not plain.
    len: u8,
    /// The variable of each whole-segment or greedy segment, in path order.
    vars: [u16; 7],
}

impl Hot {
    fn of(route: &CompiledRoute) -> Self {
        let mut hot = Hot {
            len: u8::MAX,
            vars: [0; 7],
        };
        let plain = route.methods.is_none()
            && !route.has_requirements
            && !route.complex
            && route.predicate.is_none()
            && route.slots.len() <= hot.vars.len()
            && route.slots.iter().all(|&v| u16::try_from(v).is_ok());
        if plain {
            for (d, &v) in hot.vars.iter_mut().zip(&route.slots) {
                *d = v as u16;
            }
            hot.len = route.slots.len() as u8;
        }
        hot
    }

    /// The variables of a plain route, or `None`.
    #[inline]
    fn plain(&self) -> Option<&[u16]> {
        self.vars.get(..usize::from(self.len))
    }
}

/// A route that matched, with its values.
pub struct Match<'m, 'p> {
    route: &'m CompiledRoute,
    path: &'p str,
    caps: Captures,
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
        self.routing_args_sharing(|_| None)
    }

    /// [`routing_args`](Self::routing_args), taking a captured value from
    /// `known` when it has the same text (the router passes its controller
    /// names), instead of copying it.
    pub(crate) fn routing_args_sharing<'k>(
        &self,
        known: impl Fn(&str) -> Option<&'k Arc<str>>,
    ) -> Option<RoutingArgs> {
        // Names and defaults are the route's shared strings; only captured values
        // are new text.
        let mut args = RoutingArgs::with_capacity(self.route.args.len());
        for slot in &self.route.args {
            let captured = slot
                .var
                .and_then(|v| self.caps.iter().find(|&(var, _, _)| var == v));
            match (captured, &slot.default) {
                (Some((_, s, e)), _) => {
                    let value = decode(&self.path[s..e])?;
                    match known(&value) {
                        Some(shared) => args.insert(slot.name.clone(), shared.clone()),
                        None => args.insert(slot.name.clone(), value),
                    }
                }
                (None, Some(default)) => args.insert(slot.name.clone(), default.clone()),
                (None, None) => {}
            }
        }
        Some(args)
    }

    pub(crate) fn target(&self) -> &'m Target {
        &self.route.target
    }
}
