//! Routing args: the twin of `wsgiorg.routing_args` and `pylons.routes_dict`.

/// What a router matched: positional and named arguments.
///
/// This is the `wsgiorg.routing_args` convention: `(args, kwargs)`. A router puts it
/// in the request's extensions; a controller reads it back.
///
/// ```
/// use gw_core::RoutingArgs;
///
/// let mut args = RoutingArgs::default();
/// args.insert("controller", "greet");
/// args.insert("id", "42");
/// assert_eq!(args.get("id"), Some("42"));
///
/// let mut req = http::Request::new(());
/// req.extensions_mut().insert(args);
/// assert_eq!(RoutingArgs::of(&req).unwrap().get("controller"), Some("greet"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingArgs {
    positional: Vec<String>,
    named: Vec<(String, String)>,
}

impl RoutingArgs {
    /// The routing args of a request, if a router set them.
    pub fn of<B>(req: &http::Request<B>) -> Option<&RoutingArgs> {
        req.extensions().get::<RoutingArgs>()
    }

    /// A named value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets a named value, replacing any earlier one.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
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
        self.named.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
}
