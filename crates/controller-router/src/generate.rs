//! URL generation: the twin of Routes' `url_for`. Pure, no I/O.
//!
//! A URL is produced only if matching it would give back the same values: every
//! variable has a value, every value meets its requirement, and a complex segment
//! (`{year}-{month}`, `{id}{.format}`) is re-matched to make sure it splits the
//! same way. Anything else is a [`GenerationError`], never a wrong URL.

use std::fmt;

use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet};

use crate::matcher::{decode, match_route, Captures};
use crate::pattern::{Piece, Segment, VarKind, GREEDY, SEGMENT};
use crate::route::{CompiledRoute, Target};

/// Bytes escaped in a query key or value.
const QUERY: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+').add(b';');

/// Bytes escaped in a literal URL given to `Urls::path`.
const LITERAL_URL: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// Why no URL could be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerationError {
    /// No route has this name.
    UnknownName(String),
    /// A variable of the route has no value and no default.
    MissingValue {
        /// The route's pattern.
        pattern: String,
        /// The variable.
        var: String,
    },
    /// A value does not meet its requirement (or is empty where a segment is needed).
    Rejected {
        /// The route's pattern.
        pattern: String,
        /// The variable.
        var: String,
        /// The value given.
        value: String,
    },
    /// The URL would match with different values (a complex segment would split
    /// differently), so it is not produced.
    Ambiguous {
        /// The route's pattern.
        pattern: String,
    },
    /// A route given by name is a redirect; it has no URL of its own to link to.
    Redirect(String),
    /// No route accepts this controller, action and values.
    NoRoute {
        /// The controller asked for.
        controller: String,
        /// The action asked for.
        action: String,
    },
    /// A route given by name has a method condition that does not admit the
    /// `method` param (`url_for_route("entry", &[("method", "POST")])` on a
    /// GET-only route).
    Method {
        /// The route's pattern.
        pattern: String,
        /// The method asked for.
        method: String,
    },
    /// A param contradicts a value the route fixes (`controller=content` for a
    /// route whose controller is `blog`).
    Conflict {
        /// The route's pattern.
        pattern: String,
        /// The key.
        key: String,
        /// The value given.
        value: String,
    },
    /// [`Mapper::generate`](crate::Mapper::generate) found no route that uses
    /// every one of these keys and accepts their values.
    NoMatch {
        /// The keys given, in order.
        keys: Vec<String>,
    },
}

impl fmt::Display for GenerationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerationError::UnknownName(name) => write!(f, "no route is named {name:?}"),
            GenerationError::MissingValue { pattern, var } => {
                write!(f, "route {pattern:?} needs a value for {{{var}}}")
            }
            GenerationError::Rejected {
                pattern,
                var,
                value,
            } => write!(
                f,
                "route {pattern:?} does not accept {value:?} for {{{var}}}"
            ),
            GenerationError::Ambiguous { pattern } => write!(
                f,
                "route {pattern:?} would read these values back differently"
            ),
            GenerationError::Redirect(name) => write!(f, "route {name:?} is a redirect"),
            GenerationError::NoRoute { controller, action } => write!(
                f,
                "no route generates controller {controller:?}, action {action:?} with these values"
            ),
            GenerationError::Method { pattern, method } => {
                write!(f, "route {pattern:?} does not admit method {method}")
            }
            GenerationError::Conflict {
                pattern,
                key,
                value,
            } => write!(
                f,
                "route {pattern:?} fixes {key}, and {value:?} is a different value"
            ),
            GenerationError::NoMatch { keys } => {
                write!(f, "no route generates from the keys {keys:?}")
            }
        }
    }
}

impl std::error::Error for GenerationError {}

/// Appends `route`'s path, filled from `get` (then defaults), to `out`.
///
/// `get` answers a variable's value. On error `out` may hold a partial path.
pub(crate) fn build_path<'v>(
    route: &'v CompiledRoute,
    get: &dyn Fn(&str) -> Option<&'v str>,
    out: &mut String,
) -> Result<(), GenerationError> {
    let start = out.len();
    let value = |v: usize| -> Option<&'v str> {
        let var = &route.pattern.vars[v];
        get(&var.name).or(route.var_defaults[v].as_deref())
    };
    let check = |v: usize, val: &str, need_nonempty: bool| -> Result<(), GenerationError> {
        let ok_len = !need_nonempty || !val.is_empty();
        let ok_re = route.requirements[v]
            .as_ref()
            .is_none_or(|re| re.is_match(val));
        if ok_len && ok_re {
            Ok(())
        } else {
            Err(GenerationError::Rejected {
                pattern: route.pattern.source.clone(),
                var: route.pattern.vars[v].name.clone(),
                value: val.to_owned(),
            })
        }
    };
    let missing = |v: usize| GenerationError::MissingValue {
        pattern: route.pattern.source.clone(),
        var: route.pattern.vars[v].name.clone(),
    };
    for seg in &route.pattern.segments {
        out.push('/');
        match seg {
            Segment::Static(text) => out.push_str(text),
            Segment::Param(v) => {
                let val = value(*v).ok_or_else(|| missing(*v))?;
                check(*v, val, true)?;
                out.extend(utf8_percent_encode(val, SEGMENT));
            }
            Segment::Greedy(v) => {
                let val = value(*v).ok_or_else(|| missing(*v))?;
                check(*v, val, false)?;
                out.extend(utf8_percent_encode(val, GREEDY));
            }
            Segment::Complex(pieces) => {
                for piece in pieces {
                    match piece {
                        Piece::Lit(text) => out.push_str(text),
                        Piece::Var(v) => {
                            let val = value(*v).ok_or_else(|| missing(*v))?;
                            check(*v, val, true)?;
                            out.extend(utf8_percent_encode(val, SEGMENT));
                        }
                        Piece::Format(v) => {
                            if let Some(val) = value(*v).filter(|s| !s.is_empty()) {
                                check(*v, val, true)?;
                                out.push('.');
                                out.extend(utf8_percent_encode(val, SEGMENT));
                            }
                        }
                    }
                }
            }
        }
    }
    if route.complex {
        verify_round_trip(route, &value, &out[start..])?;
    }
    Ok(())
}

/// Re-matches a generated path whose complex segments could split differently.
fn verify_round_trip<'v>(
    route: &CompiledRoute,
    value: &dyn Fn(usize) -> Option<&'v str>,
    path: &str,
) -> Result<(), GenerationError> {
    let ambiguous = || GenerationError::Ambiguous {
        pattern: route.pattern.source.clone(),
    };
    let mut caps = Captures::default();
    if !match_route(route, None, path, &mut caps) {
        return Err(ambiguous());
    }
    let mut seen = vec![false; route.pattern.vars.len()];
    for (v, s, e) in caps.iter() {
        seen[v] = true;
        if decode(&path[s..e]).as_deref() != value(v) {
            return Err(ambiguous());
        }
    }
    // An absent optional format must have been absent (or empty) on the way in.
    for (v, was_seen) in seen.into_iter().enumerate() {
        if !was_seen && value(v).is_some_and(|s| !s.is_empty()) {
            return Err(ambiguous());
        }
    }
    Ok(())
}

/// Appends `?k=v&...` for the pairs `extra` keeps.
pub(crate) fn push_query<'a>(out: &mut String, extras: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut sep = if out.contains('?') { '&' } else { '?' };
    for (k, v) in extras {
        out.push(sep);
        sep = '&';
        out.extend(utf8_percent_encode(k, QUERY));
        out.push('=');
        out.extend(utf8_percent_encode(v, QUERY));
    }
}

/// Room for a URL made of `base` bytes of pattern text and `params`, so that
/// the string grows once (values rarely need percent-encoding).
fn room(base: usize, params: &[(&str, &str)]) -> usize {
    base + params
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2)
        .sum::<usize>()
}

/// Whether `key` is spent by the route (a variable or a hard-coded default).
fn consumed(route: &CompiledRoute, key: &str) -> bool {
    route.pattern.var(key).is_some() || route.fixed(key).is_some()
}

/// The `method` param: a filter on the route's method condition, never a
/// query key (Routes' `url_for(..., method='GET')`).
fn method_param<'a>(params: &[(&'a str, &'a str)]) -> Option<&'a str> {
    params.iter().find(|(k, _)| *k == "method").map(|(_, m)| *m)
}

/// Whether the route's method condition admits the method called `name`
/// (any case). A route without a condition admits every method.
fn admits_named(route: &CompiledRoute, name: &str) -> bool {
    match Method::from_bytes(name.to_ascii_uppercase().as_bytes()) {
        Ok(m) => route.admits(&m),
        Err(_) => route.methods.is_none(),
    }
}

/// Writes `route`'s path; a generate-only absolute URL loses the `/` that
/// `build_path` puts first.
fn write_path<'v>(
    route: &'v CompiledRoute,
    get: &dyn Fn(&str) -> Option<&'v str>,
    out: &mut String,
) -> Result<(), GenerationError> {
    let start = out.len();
    build_path(route, get, out)?;
    if route.absolute {
        out.remove(start);
    }
    Ok(())
}

/// Generates by route: the path plus a query of the params the route does not
/// use. A `method` param must be admitted by the route's method condition, and
/// a param may not contradict a value the route fixes.
pub(crate) fn by_route<'a>(
    route: &'a CompiledRoute,
    params: &[(&'a str, &'a str)],
    out: &mut String,
) -> Result<(), GenerationError> {
    if !matches!(route.target, Target::Controller) {
        return Err(GenerationError::Redirect(
            route
                .name
                .clone()
                .unwrap_or_else(|| route.pattern.source.clone()),
        ));
    }
    if let Some(m) = method_param(params) {
        if !admits_named(route, m) {
            return Err(GenerationError::Method {
                pattern: route.pattern.source.clone(),
                method: m.to_owned(),
            });
        }
    }
    for &(k, v) in params {
        if route.fixed(k).is_some_and(|fixed| fixed != v) {
            return Err(GenerationError::Conflict {
                pattern: route.pattern.source.clone(),
                key: k.to_owned(),
                value: v.to_owned(),
            });
        }
    }
    let get = |name: &str| -> Option<&'a str> {
        params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    };
    out.reserve(room(route.pattern.source.len(), params));
    write_path(route, &get, out)?;
    push_query(
        out,
        params
            .iter()
            .filter(|(k, _)| *k != "method" && !consumed(route, k))
            .map(|&(k, v)| (k, v)),
    );
    Ok(())
}

/// Routes-style generation by controller and action: [`by_keys`] with both
/// given, refused unless the route yields them.
pub(crate) fn by_controller<'a>(
    routes: &'a [CompiledRoute],
    controller: &'a str,
    action: &'a str,
    params: &[(&'a str, &'a str)],
    out: &mut String,
) -> Result<(), GenerationError> {
    pick(routes, Some((controller, action)), params, out).map_err(|_| GenerationError::NoRoute {
        controller: controller.to_owned(),
        action: action.to_owned(),
    })
}

/// Routes' keyword generation (`url_for(**kwargs)`): see [`pick`].
pub(crate) fn by_keys<'a>(
    routes: &'a [CompiledRoute],
    params: &[(&'a str, &'a str)],
    out: &mut String,
) -> Result<(), GenerationError> {
    pick(routes, None, params, out).map_err(|()| GenerationError::NoMatch {
        keys: params.iter().map(|(k, _)| (*k).to_owned()).collect(),
    })
}

/// Chooses the route to generate from, as Routes does without minimization:
///
/// - a candidate has every value it fixes given, and equal (a route fixed to
///   controller `blog` is never used for `controller=content`);
/// - it uses `controller` and `action` when they are given (Routes would drop
///   them silently; a URL that reads back without them is not produced);
/// - a `method` param must be admitted by its method condition;
/// - its variables all have values that meet their requirements.
///
/// Among candidates, the one whose keys (variables and fixed values) are
/// closest to the keys given wins: fewest keys in one set but not the other,
/// then most keys in common, then connect order. Keys it does not use become
/// the query string.
fn pick<'a>(
    routes: &'a [CompiledRoute],
    target: Option<(&'a str, &'a str)>,
    params: &[(&'a str, &'a str)],
    out: &mut String,
) -> Result<(), ()> {
    // The method asked for, parsed once (`None` inside: not a method name).
    let method =
        method_param(params).map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok());
    let get = |name: &str| -> Option<&'a str> {
        if let Some((controller, action)) = target {
            match name {
                "controller" => return Some(controller),
                "action" => return Some(action),
                _ => {}
            }
        }
        params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    };
    let targeted = |k: &str| target.is_some() && (k == "controller" || k == "action");
    // Whether `params[i]` is a key counted in the params: not `method`, not
    // given by `target`, not seen before (no allocation: params are few).
    let counted = |i: usize, k: &str| {
        k != "method" && !targeted(k) && !params[..i].iter().any(|(p, _)| *p == k)
    };
    let given = |k: &str| targeted(k) || (k != "method" && params.iter().any(|(p, _)| *p == k));
    let fixed_keys = if target.is_some() { 2 } else { 0 };
    let key_count = fixed_keys
        + params
            .iter()
            .enumerate()
            .filter(|&(i, (k, _))| counted(i, k))
            .count();
    out.reserve(room(32, params));
    let start = out.len();
    let mut best: Option<(usize, usize, &CompiledRoute, u64)> = None;
    let mut scratch = String::new();
    for route in routes {
        if !matches!(route.target, Target::Controller) || route.generate_only {
            continue;
        }
        if !route.fixed.iter().all(|(k, v)| get(k) == Some(v.as_str())) {
            continue;
        }
        // The route's keys number between `own_min` and `own_max` (an
        // optional format may not count): a route that cannot come closer
        // than the best so far is passed over unscored.
        let own_max = route.pattern.vars.len() + route.fixed.len();
        let own_min = own_max - route.formats;
        if let Some((d, ..)) = best {
            let bound = key_count.saturating_sub(own_max) + own_min.saturating_sub(key_count);
            if bound > d {
                continue;
            }
        }
        let yields = |key: &str| consumed(route, key);
        if target.is_some() && !(yields("controller") && yields("action")) {
            continue;
        }
        match &method {
            Some(Some(m)) if !route.admits(m) => continue,
            Some(None) if route.methods.is_some() => continue,
            _ => {}
        }
        // Which params the route uses (a bit each, for the query string
        // later), and how many of the counted keys.
        let mut used = 0u64;
        let mut common = fixed_keys;
        let mut refused = false;
        for (i, (k, _)) in params.iter().enumerate() {
            if *k == "method" {
                continue;
            }
            if yields(k) {
                if i < 64 {
                    used |= 1 << i;
                }
                if counted(i, k) {
                    common += 1;
                }
            } else if (*k == "controller" || *k == "action") && !targeted(k) {
                refused = true;
                break;
            }
        }
        if refused {
            continue;
        }
        // An optional `{.format}` that is not given is no key of the route
        // here (Routes has the formatted variant as a second route).
        let unused_formats = if route.formats == 0 {
            0
        } else {
            route
                .pattern
                .vars
                .iter()
                .filter(|v| v.kind == VarKind::Format && !given(&v.name))
                .count()
        };
        let own = own_max - unused_formats;
        let diff = key_count + own - 2 * common;
        if let Some((d, c, ..)) = best {
            if (diff, std::cmp::Reverse(common)) >= (d, std::cmp::Reverse(c)) {
                continue;
            }
        }
        // Write the first success in place; a better one later goes through
        // `scratch` so that a failed attempt cannot spoil the path kept.
        if best.is_none() {
            if write_path(route, &get, out).is_err() {
                out.truncate(start);
                continue;
            }
        } else {
            scratch.clear();
            if write_path(route, &get, &mut scratch).is_err() {
                continue;
            }
            out.truncate(start);
            out.push_str(&scratch);
        }
        best = Some((diff, common, route, used));
        if diff == 0 {
            break;
        }
    }
    let Some((_, _, route, used)) = best else {
        return Err(());
    };
    push_query(
        out,
        params
            .iter()
            .enumerate()
            .filter(|&(i, (k, _))| {
                let spent = if i < 64 {
                    used & (1 << i) != 0
                } else {
                    consumed(route, k)
                };
                *k != "method" && !spent
            })
            .map(|(_, &(k, v))| (k, v)),
    );
    Ok(())
}

/// A literal path or URL with `params` as its query (Routes' `url_for('/x.jpg')`).
/// Text a URL cannot hold (non-ASCII, spaces, controls, quotes and angle
/// brackets) is percent-encoded; everything else, `%` included, is kept.
pub(crate) fn literal(url: &str, params: &[(&str, &str)], out: &mut String) {
    out.extend(utf8_percent_encode(url, LITERAL_URL));
    push_query(out, params.iter().copied());
}
