//! URL generation: the twin of Routes' `url_for`. Pure, no I/O.
//!
//! A URL is produced only if matching it would give back the same values: every
//! variable has a value, every value meets its requirement, and a complex segment
//! (`{year}-{month}`, `{id}{.format}`) is re-matched to make sure it splits the
//! same way. Anything else is a [`GenerationError`], never a wrong URL.

use std::fmt;
use std::fmt::Write as _;

use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet};

use crate::matcher::{decode, match_route, Captures};
use crate::pattern::{Piece, Segment, GREEDY, SEGMENT};
use crate::route::{CompiledRoute, Target};

/// Bytes escaped in a query key or value.
const QUERY: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+').add(b';');

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
        let _ = write!(
            out,
            "{}={}",
            utf8_percent_encode(k, QUERY),
            utf8_percent_encode(v, QUERY)
        );
    }
}

/// Whether `key` is spent by the route (a variable or a hard-coded default).
fn consumed(route: &CompiledRoute, key: &str) -> bool {
    route.pattern.var(key).is_some() || route.fixed(key).is_some()
}

/// Generates by route: the path plus a query of the params the route does not use.
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
    let get = |name: &str| -> Option<&'a str> {
        params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    };
    build_path(route, &get, out)?;
    push_query(
        out,
        params
            .iter()
            .filter(|(k, _)| !consumed(route, k))
            .map(|&(k, v)| (k, v)),
    );
    Ok(())
}

/// Routes-style generation: the first route that yields `controller` and `action`
/// and accepts the params. A `method` param restricts the search to routes whose
/// method condition admits it; it never reaches the query string.
pub(crate) fn by_controller<'a>(
    routes: &'a [CompiledRoute],
    controller: &'a str,
    action: &'a str,
    params: &[(&'a str, &'a str)],
    out: &mut String,
) -> Result<(), GenerationError> {
    let method = params
        .iter()
        .find(|(k, _)| *k == "method")
        .and_then(|(_, m)| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok());
    let get = |name: &str| -> Option<&'a str> {
        match name {
            "controller" => Some(controller),
            "action" => Some(action),
            _ => params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v),
        }
    };
    let start = out.len();
    'routes: for route in routes {
        if !matches!(route.target, Target::Controller) {
            continue;
        }
        for (key, wanted) in [("controller", controller), ("action", action)] {
            if route.pattern.var(key).is_none() && route.fixed(key) != Some(wanted) {
                continue 'routes;
            }
        }
        for (k, v) in &route.fixed {
            if get(k).is_some_and(|given| given != v) {
                continue 'routes;
            }
        }
        if let Some(m) = &method {
            if !route.admits(m) {
                continue;
            }
        }
        if build_path(route, &get, out).is_err() {
            out.truncate(start);
            continue;
        }
        push_query(
            out,
            params
                .iter()
                .filter(|(k, _)| *k != "method" && !consumed(route, k))
                .map(|&(k, v)| (k, v)),
        );
        return Ok(());
    }
    Err(GenerationError::NoRoute {
        controller: controller.to_owned(),
        action: action.to_owned(),
    })
}
