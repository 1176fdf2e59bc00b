//! `Environ`: namespaced string keys carried by a request, the twin of the WSGI environ.

use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

/// A validated environ key: namespaced, such as `test.hello` or `beaker.session`.
///
/// A key must contain a `.` that separates non-empty parts, and may not contain
/// whitespace or control characters. This is the rule Pylons' `KeyAdder` enforces
/// (PEP 333 reserves un-namespaced keys for the server), made a typed error.
///
/// ```
/// use gw_core::EnvironKey;
///
/// assert!(EnvironKey::new("test.hello").is_ok());
/// let err = EnvironKey::new("hello").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "environ key \"hello\" has no '.': keys must be namespaced, like \"test.hello\""
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvironKey(Arc<str>);

/// Why a string is not a valid [`EnvironKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key has no `.`.
    NoNamespace {
        /// The rejected key.
        key: String,
    },
    /// The key starts or ends with `.`, or has `..`.
    EmptyPart {
        /// The rejected key.
        key: String,
    },
    /// The key contains whitespace or a control character.
    InvalidChar {
        /// The rejected key.
        key: String,
        /// The first offending character.
        ch: char,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::NoNamespace { key } => write!(
                f,
                "environ key {key:?} has no '.': keys must be namespaced, like \"test.hello\""
            ),
            KeyError::EmptyPart { key } => write!(
                f,
                "environ key {key:?} has an empty part: it may not start or end with '.' or contain \"..\""
            ),
            KeyError::InvalidChar { key, ch } => write!(
                f,
                "environ key {key:?} contains {ch:?}: whitespace and control characters are not allowed"
            ),
        }
    }
}

impl std::error::Error for KeyError {}

impl EnvironKey {
    /// Validates `key`.
    pub fn new(key: impl AsRef<str>) -> Result<Self, KeyError> {
        let key = key.as_ref();
        if let Some(ch) = key.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(KeyError::InvalidChar {
                key: key.to_owned(),
                ch,
            });
        }
        if !key.contains('.') {
            return Err(KeyError::NoNamespace {
                key: key.to_owned(),
            });
        }
        if key.split('.').any(str::is_empty) {
            return Err(KeyError::EmptyPart {
                key: key.to_owned(),
            });
        }
        Ok(EnvironKey(Arc::from(key)))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EnvironKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for EnvironKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for EnvironKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        EnvironKey::new(s)
    }
}

impl AsRef<str> for EnvironKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// String-keyed values carried by a request: the WSGI environ's application keys
/// (`test.hello`, `beaker.session.id`...). A request keeps them in its
/// [`RequestContext`](crate::RequestContext).
///
/// Typed data belongs in [`http::Extensions`]; `Environ` is for what Paste users put in
/// the environ by name, and for config-driven stacks, where a key is a string in a file.
/// Cloning is cheap: keys and values are reference-counted.
///
/// ```
/// use gw_core::{Environ, EnvironKey};
///
/// let mut req = http::Request::new(());
/// let key = EnvironKey::new("test.hello").unwrap();
/// Environ::of_mut(&mut req).insert(key, "Hello World");
/// assert_eq!(Environ::of(&req).unwrap().get("test.hello"), Some("Hello World"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environ {
    // Few keys per request: a vector beats a map on both lookup and clone, and
    // the first two keys need no allocation.
    entries: SmallVec<[(EnvironKey, Arc<str>); 2]>,
}

impl Environ {
    /// An empty environ.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| &**v)
    }

    /// The shared value of `key`, cheap to clone.
    pub fn get_shared(&self, key: &str) -> Option<Arc<str>> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v.clone())
    }

    /// True if `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, returning the value it replaced.
    pub fn insert(&mut self, key: EnvironKey, value: impl Into<Arc<str>>) -> Option<Arc<str>> {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Arc<str>> {
        let index = self.entries.iter().position(|(k, _)| k.as_str() == key)?;
        Some(self.entries.remove(index).1)
    }

    /// The keys and values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), &**v))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Environ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_keys_are_accepted() {
        for key in ["test.hello", "a.b.c", "beaker.session_id", "x-y.z"] {
            assert_eq!(EnvironKey::new(key).unwrap().as_str(), key);
        }
    }

    #[test]
    fn key_without_dot_is_refused_with_its_name() {
        let err = EnvironKey::new("hello").unwrap_err();
        assert_eq!(
            err,
            KeyError::NoNamespace {
                key: "hello".into()
            }
        );
        assert!(err.to_string().contains("\"hello\""));
    }

    #[test]
    fn empty_key_is_refused() {
        assert!(matches!(
            EnvironKey::new(""),
            Err(KeyError::NoNamespace { .. })
        ));
    }

    #[test]
    fn keys_with_empty_parts_are_refused() {
        for key in [".hello", "hello.", "a..b", "."] {
            let err = EnvironKey::new(key).unwrap_err();
            assert!(matches!(err, KeyError::EmptyPart { .. }), "{key}: {err}");
            assert!(err.to_string().contains(&format!("{key:?}")));
        }
    }

    #[test]
    fn whitespace_and_control_characters_are_refused() {
        let err = EnvironKey::new("test. hello").unwrap_err();
        assert_eq!(
            err,
            KeyError::InvalidChar {
                key: "test. hello".into(),
                ch: ' '
            }
        );
        assert!(matches!(
            EnvironKey::new("a.b\n"),
            Err(KeyError::InvalidChar { ch: '\n', .. })
        ));
    }

    #[test]
    fn insert_replaces_and_returns_old_value() {
        let mut env = Environ::new();
        let key = EnvironKey::new("test.hello").unwrap();
        assert_eq!(env.insert(key.clone(), "one"), None);
        assert_eq!(env.insert(key, "two").as_deref(), Some("one"));
        assert_eq!(env.get("test.hello"), Some("two"));
        assert_eq!(env.len(), 1);
        assert_eq!(env.remove("test.hello").as_deref(), Some("two"));
        assert!(env.is_empty());
    }

    #[test]
    fn of_mut_creates_the_extension_once() {
        let mut req = http::Request::new(());
        assert!(Environ::of(&req).is_none());
        Environ::of_mut(&mut req).insert(EnvironKey::new("a.b").unwrap(), "1");
        Environ::of_mut(&mut req).insert(EnvironKey::new("c.d").unwrap(), "2");
        let env = Environ::of(&req).unwrap();
        assert_eq!(env.iter().collect::<Vec<_>>(), [("a.b", "1"), ("c.d", "2")]);
    }
}
