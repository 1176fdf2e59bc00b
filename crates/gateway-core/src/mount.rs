//! The mount prefix: the twin of WSGI's `SCRIPT_NAME`.

use std::fmt;

/// The part of the request path that mounts have consumed: the twin of `SCRIPT_NAME`.
///
/// A mount (`controller_router`'s prefix mounts, a FastCGI front end's `SCRIPT_NAME`)
/// strips its prefix from the request URI and records it here (in the request's
/// [`RequestContext`](crate::RequestContext)), so that URL
/// generation inside the mounted app can put it back in front. The prefix is
/// either empty or starts with `/` and does not end with `/` (the WSGI rule).
///
/// ```
/// use gw_core::MountPrefix;
///
/// let mut req = http::Request::new(());
/// assert_eq!(MountPrefix::of(&req), "");
/// MountPrefix::push(&mut req, "/blog");
/// MountPrefix::push(&mut req, "/admin/");
/// assert_eq!(MountPrefix::of(&req), "/blog/admin");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct MountPrefix(String);

impl MountPrefix {
    /// A prefix from a path such as `/app`; a trailing `/` is dropped and a missing
    /// leading `/` is added. `""` and `"/"` give the empty prefix.
    pub fn new(prefix: &str) -> Self {
        let mut out = MountPrefix::default();
        out.append(prefix);
        out
    }

    /// The prefix as a path (`""` at the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn append(&mut self, segment: &str) {
        let segment = segment.trim_end_matches('/');
        if segment.is_empty() {
            return;
        }
        if !segment.starts_with('/') {
            self.0.push('/');
        }
        self.0.push_str(segment);
    }
}

impl fmt::Debug for MountPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for MountPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_the_empty_prefix() {
        assert_eq!(MountPrefix::new("/").as_str(), "");
        assert_eq!(MountPrefix::new("").as_str(), "");
    }

    #[test]
    fn prefix_is_normalised_to_leading_slash_without_trailing_one() {
        assert_eq!(MountPrefix::new("app/").as_str(), "/app");
        assert_eq!(MountPrefix::new("/a/b").as_str(), "/a/b");
    }
}
