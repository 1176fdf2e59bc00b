//! From a request to an index entry: path checks, directories, redirects,
//! listings and the method check. Shared by both services.

use std::sync::Arc;

use gw_core::{Body, MountPrefix};
use http::{Method, Request, Response};

use crate::config::Config;
use crate::entry::{FileEntry, Index, Node};
use crate::{path, respond};

/// What the index says about a request.
pub(crate) enum Lookup {
    /// The answer is already known (404, 405, 301, a listing).
    Done(Response<Body>),
    /// Serve this file (GET or HEAD).
    File(Arc<FileEntry>),
    /// Nothing here: a 404, not built yet (a probe answers `Miss` without it).
    Missing,
}

pub(crate) fn lookup<B>(index: &Index, req: &Request<B>, config: &Config) -> Lookup {
    match find(index, req, config) {
        // A HEAD answer keeps its headers and loses its body, whatever the status.
        Lookup::Done(res) => Lookup::Done(respond::for_method(req.method(), res)),
        other => other,
    }
}

/// The 404 answered for [`Lookup::Missing`] by a service that was called (a probe
/// answers `Miss` instead).
pub(crate) fn missing<B>(req: &Request<B>) -> Response<Body> {
    respond::for_method(req.method(), respond::not_found())
}

fn find<B>(index: &Index, req: &Request<B>, config: &Config) -> Lookup {
    let raw = req.uri().path();
    if surely_missing(index, raw) {
        return Lookup::Missing;
    }
    find_in_map(index, req, raw, config)
}

/// True when `raw` cannot name anything in `index`: its key would start with
/// the byte after the leading `/` (unless that byte begins an escape), and no
/// key starts with it. What every app route costs a file member in front of
/// the app: one bit, not a hash and a probe of the map (`GET /hello` through
/// helloworld's two file members: about 300 instructions less, measured with
/// callgrind).
fn surely_missing(index: &Index, raw: &str) -> bool {
    match raw.as_bytes().get(1) {
        Some(&first) => first != b'%' && !index.may_have_key_starting_with(first),
        None => false,
    }
}

/// The lookup itself; `raw` is `req`'s path.
fn find_in_map<B>(index: &Index, req: &Request<B>, raw: &str, config: &Config) -> Lookup {
    let (found, path) = match path::plain(raw) {
        // Nothing to decode: the key is the path as it stands, so a key the
        // index lacks is a miss whether or not the path would pass the checks
        // (the usual probe of a cascade, which falls through to the app). Only
        // a path that names something is checked.
        Some(path) => {
            let Some(node) = index.get(&path.key) else {
                return Lookup::Missing;
            };
            if path::check_plain(&path, config.allow_dotfiles()).is_err() {
                return Lookup::Missing;
            }
            (Some(node), path)
        }
        None => {
            let Ok(path) = path::resolve(raw, config.allow_dotfiles()) else {
                return Lookup::Missing;
            };
            (index.get(&path.key), path)
        }
    };
    let node = match found {
        // A file asked for as a directory (`/a.txt/`) does not exist.
        Some(Node::File(_)) if path.trailing_slash => None,
        other => other,
    };
    let Some(node) = node else {
        // 404 for every method, so a cascade moves on.
        return Lookup::Missing;
    };
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        return Lookup::Done(respond::method_not_allowed());
    }
    match node {
        Node::File(file) => Lookup::File(file.clone()),
        Node::Dir(_) if !path.trailing_slash => {
            // The mount prefix comes first, and the query is kept.
            let mut location = String::from(MountPrefix::of(req));
            location.push_str(req.uri().path());
            location.push('/');
            if let Some(q) = req.uri().query() {
                location.push('?');
                location.push_str(q);
            }
            Lookup::Done(respond::moved_permanently(&location))
        }
        Node::Dir(dir) => match &dir.index {
            Some(file) => Lookup::File(file.clone()),
            None if config.listing => {
                let slash = if path.key.is_empty() { "" } else { "/" };
                let title = format!("{}/{}{slash}", MountPrefix::of(req), path.key);
                Lookup::Done(crate::dir::listing::render(&title, &dir.children))
            }
            None => Lookup::Missing,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Dotfiles;
    use crate::entry::Representation;
    use bytes::Bytes;
    use proptest::prelude::*;

    /// An index of files named by `keys` (their parent directories added).
    fn index_of(keys: &[String]) -> Index {
        let files = keys.iter().map(|key| {
            let name = key.rsplit('/').next().unwrap_or(key);
            let plain = Arc::new(Representation::in_memory(Bytes::from_static(b"x"), None));
            let file = FileEntry::new(name, plain, Vec::new(), &Config::default());
            (key.as_str(), file)
        });
        Index::of_files(files, &["index.html".to_owned()])
    }

    fn kind(lookup: &Lookup) -> String {
        match lookup {
            Lookup::Done(res) => format!("done {}", res.status()),
            Lookup::File(file) => format!("file {:p}", Arc::as_ptr(file)),
            Lookup::Missing => "missing".to_owned(),
        }
    }

    proptest! {
        /// The first-byte check only ever answers what the map would: a path
        /// it calls missing names nothing in the index.
        #[test]
        fn a_path_told_missing_by_its_first_byte_is_missing_in_the_map(
            keys in proptest::collection::vec("[ab.%][ab./]{0,4}[ab]", 0..6),
            random in "/[ab.%/0-9A-F]{0,7}",
            pick: prop::sample::Index,
            escape: bool,
            dotfiles: bool,
        ) {
            let keys: Vec<String> = keys
                .into_iter()
                .filter(|k| !k.contains("//") && !k.starts_with('/'))
                .collect();
            // Half the paths name a key, as it is or with its first `a` escaped.
            let path = match keys.get(pick.index(keys.len() * 2 + 1)) {
                Some(key) if escape => format!("/{}", key.replacen('a', "%61", 1)),
                Some(key) => format!("/{key}"),
                None => random,
            };
            let index = index_of(&keys);
            let dotfiles = if dotfiles { Dotfiles::Allow } else { Dotfiles::Hide };
            let config = Config { dotfiles, ..Config::default() };
            let Ok(req) = Request::get(path.as_str()).body(()) else {
                return Ok(());
            };
            let fast = find(&index, &req, &config);
            let plain = find_in_map(&index, &req, req.uri().path(), &config);
            prop_assert_eq!(kind(&fast), kind(&plain), "{} in {:?}", path, keys);
            if surely_missing(&index, req.uri().path()) {
                prop_assert!(matches!(plain, Lookup::Missing));
            }
        }
    }

    #[test]
    fn app_routes_are_missing_by_their_first_byte_and_files_are_found() {
        let index = index_of(&["index.html".to_owned(), "javascripts/app.js".to_owned()]);
        assert!(surely_missing(&index, "/hello"));
        assert!(surely_missing(&index, "/users/1"));
        assert!(!surely_missing(&index, "/javascripts/app.js"));
        assert!(!surely_missing(&index, "/index.html"));
        // An escape, the root and a bare `/x` beginning with a known byte go
        // to the map.
        assert!(!surely_missing(&index, "/%69ndex.html"));
        assert!(!surely_missing(&index, "/"));
        assert!(!surely_missing(&index, "/jump"));
        let config = Config::default();
        let req = |path: &str| Request::get(path).body(()).unwrap();
        assert!(matches!(
            find(&index, &req("/hello"), &config),
            Lookup::Missing
        ));
        assert!(matches!(
            find(&index, &req("/%69ndex.html"), &config),
            Lookup::File(_)
        ));
    }
}
