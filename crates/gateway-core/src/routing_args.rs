//! Routing args: the twin of `wsgiorg.routing_args` and `pylons.routes_dict`.

use std::sync::Arc;

use smallvec::SmallVec;

/// What a router matched: positional and named arguments.
///
/// This is the `wsgiorg.routing_args` convention: `(args, kwargs)`. A router puts it
/// in the request's [`RequestContext`](crate::RequestContext); a controller reads it back with
/// [`RoutingArgs::of`].
///
/// Names and values are shared strings: a router hands out the names its routes
/// hold, and the defaults too, so cloning the args or building them from a
/// route copies no text.
///
/// ```
/// use gw_core::{RequestContext, RoutingArgs};
///
/// let mut args = RoutingArgs::default();
/// args.insert("controller", "greet");
/// args.insert("id", "42");
/// assert_eq!(args.get("id"), Some("42"));
///
/// let mut req = http::Request::new(());
/// RequestContext::of_mut(&mut req).set_routing_args(args);
/// assert_eq!(RoutingArgs::of(&req).unwrap().get("controller"), Some("greet"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingArgs {
    positional: Vec<String>,
    // A route has few values: the first four need no allocation.
    named: SmallVec<[(Arc<str>, Arc<str>); 4]>,
}

impl RoutingArgs {
    /// No args, with room for `named` named values.
    pub fn with_capacity(named: usize) -> Self {
        RoutingArgs {
            positional: Vec::new(),
            named: SmallVec::with_capacity(named),
        }
    }

    /// A named value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|(k, _)| **k == *name)
            .map(|(_, v)| &**v)
    }

    /// A named value, shared (cheap to clone).
    pub fn get_shared(&self, name: &str) -> Option<Arc<str>> {
        self.named
            .iter()
            .find(|(k, _)| **k == *name)
            .map(|(_, v)| v.clone())
    }

    /// Sets a named value, replacing any earlier one. A name or value given as
    /// an `Arc<str>` is shared, not copied.
    pub fn insert(&mut self, name: impl Into<Arc<str>>, value: impl Into<Arc<str>>) {
        let (name, value) = (name.into(), value.into());
        match self.named.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => *v = value,
            None => self.named.push((name, value)),
        }
    }

    /// Appends a positional value.
    pub fn push_positional(&mut self, value: impl Into<String>) {
        self.positional.push(value.into());
    }

    /// The positional values.
    pub fn positional(&self) -> &[String] {
        &self.positional
    }

    /// The named values, in the order they were set.
    pub fn named(&self) -> impl Iterator<Item = (&str, &str)> {
        self.named.iter().map(|(k, v)| (&**k, &**v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_a_named_value() {
        let mut args = RoutingArgs::default();
        args.insert("action", "index");
        args.insert("action", "show");
        assert_eq!(args.named().collect::<Vec<_>>(), [("action", "show")]);
    }

    #[test]
    fn positional_values_keep_their_order() {
        let mut args = RoutingArgs::default();
        args.push_positional("a");
        args.push_positional("b");
        assert_eq!(args.positional(), ["a", "b"]);
    }

    #[test]
    fn shared_names_and_values_are_not_copied() {
        let name: Arc<str> = Arc::from("controller");
        let value: Arc<str> = Arc::from("hello");
        let mut args = RoutingArgs::with_capacity(1);
        args.insert(name.clone(), value.clone());
        assert!(Arc::ptr_eq(&args.get_shared("controller").unwrap(), &value));
        assert_eq!(Arc::strong_count(&name), 2);
    }
}
