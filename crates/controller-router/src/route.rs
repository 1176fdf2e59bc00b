//! One route: its pattern, defaults, requirements and conditions.

use std::fmt;
use std::sync::Arc;

use gw_core::RoutingArgs;
use http::{Method, StatusCode};
use regex::Regex;

use crate::pattern::{Pattern, PatternError, Segment};

/// A custom condition: sees the request head and the values matched so far.
pub type Predicate = Arc<dyn Fn(&http::request::Parts, &RoutingArgs) -> bool + Send + Sync>;

/// A route under construction, added to a [`Mapper`](crate::Mapper) with
/// [`Mapper::route`](crate::Mapper::route).
///
/// ```
/// use gw_controller_router::{Mapper, Route};
/// use http::Method;
///
/// let mapper = Mapper::new()
///     .route(
///         Route::new("/archive/{year}-{month}")
///             .name("archive")
///             .default("controller", "blog")
///             .default("action", "archive")
///             .requirement("year", r"\d{4}")
///             .requirement("month", r"\d{2}")
///             .method(Method::GET),
///     )
///     .unwrap();
/// let m = mapper.recognize(&Method::GET, "/archive/2024-05").unwrap();
/// assert_eq!(m.get("year").as_deref(), Some("2024"));
/// assert_eq!(m.get("controller").as_deref(), Some("blog"));
/// assert!(mapper.recognize(&Method::GET, "/archive/24-05").is_none());
/// ```
#[derive(Clone)]
pub struct Route {
    pub(crate) pattern: String,
    pub(crate) name: Option<String>,
    pub(crate) defaults: Vec<(String, String)>,
    pub(crate) requirements: Vec<(String, String)>,
    pub(crate) methods: Option<Vec<Method>>,
    pub(crate) predicate: Option<Predicate>,
    pub(crate) redirect: Option<(String, StatusCode)>,
    pub(crate) generate_only: bool,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("pattern", &self.pattern)
            .field("name", &self.name)
            .field("defaults", &self.defaults)
            .field("requirements", &self.requirements)
            .field("methods", &self.methods)
            .field("predicate", &self.predicate.is_some())
            .field("redirect", &self.redirect)
            .field("generate_only", &self.generate_only)
            .finish()
    }
}

impl Route {
    /// A route for `pattern` (Routes syntax: `{name}`, `{name:regex}`, `{.format}`,
    /// `{*path}`, `\` escapes). The pattern is checked when the route is added.
    pub fn new(pattern: impl Into<String>) -> Self {
        Route {
            pattern: pattern.into(),
            name: None,
            defaults: Vec::new(),
            requirements: Vec::new(),
            methods: None,
            predicate: None,
            redirect: None,
            generate_only: false,
        }
    }

    /// Names the route, for [`Mapper::url_for_route`](crate::Mapper::url_for_route).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A default value: used when the pattern has no such variable (as with
    /// `controller` in `/about`), or when an optional `{.format}` is absent.
    pub fn default(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.defaults.retain(|(k, _)| *k != key);
        self.defaults.push((key, value.into()));
        self
    }

    /// Several defaults at once.
    pub fn defaults<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (k, v) in pairs {
            self = self.default(k, v);
        }
        self
    }

    /// A regex the (percent-decoded) value of variable `var` must match in full.
    /// It replaces an inline `{var:regex}`.
    pub fn requirement(mut self, var: impl Into<String>, regex: impl Into<String>) -> Self {
        let var = var.into();
        self.requirements.retain(|(k, _)| *k != var);
        self.requirements.push((var, regex.into()));
        self
    }

    /// Only this method matches (`GET` also admits `HEAD`).
    pub fn method(self, method: Method) -> Self {
        self.methods([method])
    }

    /// Only these methods match (`GET` also admits `HEAD`).
    pub fn methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods.get_or_insert_with(Vec::new).extend(methods);
        self
    }

    /// A custom condition, the twin of Routes' `conditions=dict(function=...)`.
    ///
    /// It sees the request head and the matched values (defaults included) and
    /// runs only once the path and method have matched. URL generation cannot run it
    /// (there is no request), so it does not restrict generation.
    pub fn condition<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&http::request::Parts, &RoutingArgs) -> bool + Send + Sync + 'static,
    {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// A route for generation only (Routes' `_static=True`): requests never
    /// match it, and [`Mapper::url_for_route`](crate::Mapper::url_for_route)
    /// fills it by name like any other. Its pattern may be an absolute URL
    /// (`https://{domain}.example.com/{page}`); that URL gets no mount prefix.
    ///
    /// ```
    /// use gw_controller_router::{Mapper, Route};
    ///
    /// let mapper = Mapper::new()
    ///     .route(Route::new("https://www.example.org/").name("home").generate_only())
    ///     .unwrap();
    /// assert_eq!(mapper.url_for_route("home", &[("s", "stars")]).unwrap(), "https://www.example.org/?s=stars");
    /// assert!(mapper.recognize(&http::Method::GET, "/").is_none());
    /// ```
    pub fn generate_only(mut self) -> Self {
        self.generate_only = true;
        self
    }

    pub(crate) fn redirect_to(mut self, target: String, status: StatusCode) -> Self {
        self.redirect = Some((target, status));
        self
    }
}

/// Why a route could not be added to a [`Mapper`](crate::Mapper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// The pattern does not parse.
    Pattern(PatternError),
    /// A requirement is not a valid regex.
    Regex {
        /// The route's pattern.
        pattern: String,
        /// The variable the requirement is for.
        var: String,
        /// The byte position of the variable in the pattern (0 for a requirement
        /// given with [`Route::requirement`] on a name not in the pattern).
        position: usize,
        /// The regex compiler's message.
        message: String,
    },
    /// A requirement names a variable that the pattern does not have.
    UnknownVariable {
        /// The route's pattern.
        pattern: String,
        /// The name given.
        var: String,
    },
    /// Two routes have the same name.
    DuplicateName {
        /// The name.
        name: String,
        /// The pattern of the second route.
        pattern: String,
    },
    /// A redirect target uses a variable the source pattern does not capture.
    RedirectVariable {
        /// The source pattern.
        pattern: String,
        /// The target.
        target: String,
        /// The variable.
        var: String,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::Pattern(e) => e.fmt(f),
            RouteError::Regex {
                pattern,
                var,
                position,
                message,
            } => write!(
                f,
                "bad requirement for {{{var}}} in route pattern {pattern:?} at byte {position}: {message}"
            ),
            RouteError::UnknownVariable { pattern, var } => write!(
                f,
                "a requirement names {{{var}}}, which route pattern {pattern:?} does not have"
            ),
            RouteError::DuplicateName { name, pattern } => write!(
                f,
                "route name {name:?} is already taken (adding route pattern {pattern:?})"
            ),
            RouteError::RedirectVariable {
                pattern,
                target,
                var,
            } => write!(
                f,
                "redirect target {target:?} uses {{{var}}}, which route pattern {pattern:?} does not capture"
            ),
        }
    }
}

impl std::error::Error for RouteError {}

impl From<PatternError> for RouteError {
    fn from(e: PatternError) -> Self {
        RouteError::Pattern(e)
    }
}

/// The controller names a `{controller}` variable may match
/// ([`Mapper::controllers`](crate::Mapper::controllers)).
#[derive(Debug, Default)]
pub(crate) struct KnownControllers {
    /// Every name, sorted by length, then text: a binary search that mostly
    /// compares lengths is cheaper than hashing for the few names an
    /// application has.
    pub(crate) names: Vec<Box<str>>,
    /// The names with a `/`, longest first: each gets a route of its own.
    pub(crate) nested: Vec<String>,
}

impl KnownControllers {
    pub(crate) fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut names: Vec<Box<str>> = names.into_iter().map(|n| n.into().into()).collect();
        names.sort_unstable_by(|a, b| by_length_then_text(a, b));
        names.dedup();
        let mut nested: Vec<String> = names
            .iter()
            .filter(|n| n.contains('/'))
            .map(|n| n.to_string())
            .collect();
        nested.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        KnownControllers { names, nested }
    }

    /// Where `name` is in [`names`](Self::names).
    #[inline]
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.names
            .binary_search_by(|n| by_length_then_text(n, name))
            .ok()
    }
}

#[inline]
pub(crate) fn by_length_then_text(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// What a matched route leads to.
#[derive(Debug)]
pub(crate) enum Target {
    /// Dispatch to the controller named in the values.
    Controller,
    /// Answer with a redirect to this route's path, filled from the values.
    Redirect(Box<CompiledRoute>, StatusCode),
    /// Answer with a redirect to this absolute URL.
    RedirectUrl(String, StatusCode),
}

/// A route ready for matching and generation.
pub(crate) struct CompiledRoute {
    pub(crate) pattern: Pattern,
    pub(crate) name: Option<String>,
    /// Defaults whose key is a pattern variable.
    pub(crate) var_defaults: Vec<Option<String>>,
    /// Defaults whose key is not a pattern variable ("hard-coded" values).
    pub(crate) fixed: Vec<(String, String)>,
    pub(crate) requirements: Vec<Option<Regex>>,
    pub(crate) methods: Option<Vec<Method>>,
    pub(crate) predicate: Option<Predicate>,
    pub(crate) target: Target,
    pub(crate) complex: bool,
    /// Whether any variable has a requirement.
    pub(crate) has_requirements: bool,
    /// The variable of each whole-segment or greedy segment, in path order.
    pub(crate) slots: Vec<usize>,
    /// Never matched, only generated.
    pub(crate) generate_only: bool,
    /// How many variables are optional `{.format}`s.
    pub(crate) formats: usize,
    /// With [`Mapper::controllers`](crate::Mapper::controllers): the
    /// `controller` variable, and the names it may match.
    pub(crate) known_controllers: Option<(usize, Arc<KnownControllers>)>,
    /// The variable of a last segment `{*path_info}`: its matched prefix is a
    /// mount prefix for the controller.
    pub(crate) path_info: Option<usize>,
    /// An absolute URL (generate-only): parsed with a `/` in front, which
    /// generation drops again.
    pub(crate) absolute: bool,
    /// The routing args a match gives, in their order: fixed defaults, then the
    /// variables with a default, then those without.
    pub(crate) args: Vec<ArgSlot>,
}

/// One routing arg of a route: its name and default, shared with every match.
#[derive(Debug)]
pub(crate) struct ArgSlot {
    pub(crate) name: Arc<str>,
    pub(crate) default: Option<Arc<str>>,
    /// The pattern variable whose captured value replaces the default.
    pub(crate) var: Option<usize>,
    /// The arg is `controller`, taken from a variable.
    pub(crate) controller: bool,
}

/// The args of a route in the order Routes gives them: fixed defaults, then
/// variables with a default, then the other variables, each in pattern order.
fn arg_slots(
    pattern: &Pattern,
    var_defaults: &[Option<String>],
    fixed: &[(String, String)],
) -> Vec<ArgSlot> {
    let fixed = fixed.iter().map(|(k, v)| ArgSlot {
        name: Arc::from(k.as_str()),
        default: Some(Arc::from(v.as_str())),
        var: None,
        controller: false,
    });
    let vars = |with_default: bool| {
        pattern
            .vars
            .iter()
            .zip(var_defaults)
            .enumerate()
            .filter(move |(_, (_, d))| d.is_some() == with_default)
            .map(|(i, (var, d))| ArgSlot {
                name: Arc::from(var.name.as_str()),
                default: d.as_deref().map(Arc::from),
                var: Some(i),
                controller: var.name == "controller",
            })
    };
    fixed.chain(vars(true)).chain(vars(false)).collect()
}

impl fmt::Debug for CompiledRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledRoute")
            .field("pattern", &self.pattern.source)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl CompiledRoute {
    pub(crate) fn compile(route: Route) -> Result<CompiledRoute, RouteError> {
        let absolute = route.generate_only && route.pattern.contains("://");
        let pattern = if absolute {
            let mut p = Pattern::parse(&format!("/{}", route.pattern)).map_err(|mut e| {
                e.pattern.remove(0);
                e.position = e.position.saturating_sub(1);
                e
            })?;
            p.source.remove(0);
            p
        } else {
            Pattern::parse(&route.pattern)?
        };
        let mut requirements: Vec<Option<Regex>> = vec![None; pattern.vars.len()];
        let compile = |var: &str, position: usize, re: &str| {
            Regex::new(&format!("^(?:{re})$")).map_err(|e| RouteError::Regex {
                pattern: route.pattern.clone(),
                var: var.to_owned(),
                position,
                message: e.to_string(),
            })
        };
        for (i, var) in pattern.vars.iter().enumerate() {
            if let Some(re) = &var.regex {
                requirements[i] = Some(compile(&var.name, var.position, re)?);
            }
        }
        for (var, re) in &route.requirements {
            let Some(i) = pattern.var(var) else {
                return Err(RouteError::UnknownVariable {
                    pattern: route.pattern.clone(),
                    var: var.clone(),
                });
            };
            requirements[i] = Some(compile(var, pattern.vars[i].position, re)?);
        }
        let mut var_defaults = vec![None; pattern.vars.len()];
        let mut fixed = Vec::new();
        for (k, v) in route.defaults {
            match pattern.var(&k) {
                Some(i) => var_defaults[i] = Some(v),
                None => fixed.push((k, v)),
            }
        }
        let target = match route.redirect {
            None => Target::Controller,
            Some((to, status)) if to.starts_with('/') => {
                let target = CompiledRoute::compile(Route::new(to.clone()))?;
                if let Some(v) = target
                    .pattern
                    .vars
                    .iter()
                    .find(|v| pattern.var(&v.name).is_none())
                {
                    return Err(RouteError::RedirectVariable {
                        pattern: route.pattern,
                        target: to,
                        var: v.name.clone(),
                    });
                }
                Target::Redirect(Box::new(target), status)
            }
            Some((to, status)) => Target::RedirectUrl(to, status),
        };
        let complex = pattern.has_complex();
        let formats = pattern
            .vars
            .iter()
            .filter(|v| v.kind == crate::pattern::VarKind::Format)
            .count();
        let has_requirements = requirements.iter().any(Option::is_some);
        let slots = pattern
            .segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(v) | Segment::Greedy(v) => Some(*v),
                _ => None,
            })
            .collect();
        let args = arg_slots(&pattern, &var_defaults, &fixed);
        let path_info = match pattern.segments.last() {
            Some(Segment::Greedy(v)) if pattern.vars[*v].name == "path_info" => Some(*v),
            _ => None,
        };
        Ok(CompiledRoute {
            args,
            slots,
            pattern,
            name: route.name,
            var_defaults,
            fixed,
            requirements,
            methods: route.methods,
            predicate: route.predicate,
            target,
            complex,
            has_requirements,
            generate_only: route.generate_only,
            formats,
            absolute,
            known_controllers: None,
            path_info,
        })
    }

    /// Whether the method condition admits `method` (`GET` admits `HEAD`).
    #[inline]
    pub(crate) fn admits(&self, method: &Method) -> bool {
        match &self.methods {
            None => true,
            Some(list) => list
                .iter()
                .any(|m| m == method || (*method == Method::HEAD && *m == Method::GET)),
        }
    }

    /// The value a fixed default gives `key`.
    pub(crate) fn fixed(&self, key: &str) -> Option<&str> {
        self.fixed
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}
