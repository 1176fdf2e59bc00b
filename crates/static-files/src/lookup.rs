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
