//! The in-memory index both services answer from: a hash map from a decoded path
//! to a file (with its precomputed headers and, when small, its bytes) or a
//! directory. A lookup is one hash probe and no system call.

use std::collections::HashMap;

use crate::hash::IndexMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};

use crate::config::Config;
use crate::encoding::Encoding;
use crate::open_files::DiskFile;

/// Where a representation's bytes are.
#[derive(Debug)]
pub(crate) enum Source {
    /// In memory: served without any I/O.
    Memory(Bytes),
    /// On disk, streamed; its descriptor may be kept open between requests.
    Disk(DiskFile),
}

/// What identifies one version of a file on disk, to reuse cached bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) len: u64,
    pub(crate) mtime: Option<SystemTime>,
    pub(crate) inode: u64,
}

/// One servable byte sequence: a file, or one precompressed variant of it.
#[derive(Debug)]
pub(crate) struct Representation {
    pub(crate) len: u64,
    pub(crate) etag: HeaderValue,
    pub(crate) last_modified: Option<SystemTime>,
    pub(crate) last_modified_header: Option<HeaderValue>,
    pub(crate) content_length: HeaderValue,
    pub(crate) source: Source,
    pub(crate) stamp: Option<Stamp>,
    /// For a representation held in memory: the headers of its whole `200`
    /// answer, built for its first one and cloned for the next (see
    /// `respond::full_head`), with whether its entry had variants then (`Vary`,
    /// the one header that can change while a rescan reuses a representation).
    pub(crate) full_head: OnceLock<Box<(bool, HeaderMap)>>,
}

impl Representation {
    /// A representation of a file on disk, with an mtime-and-size ETag.
    pub(crate) fn on_disk(stamp: Stamp, encoding: Option<Encoding>, source: Source) -> Self {
        let nanos = stamp
            .mtime
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let etag = match encoding {
            Some(enc) => format!("\"{:x}-{:x}-{}\"", stamp.len, nanos, enc.token()),
            None => format!("\"{:x}-{:x}\"", stamp.len, nanos),
        };
        Self::build(stamp.len, etag, stamp.mtime, source, Some(stamp))
    }

    /// A representation held in memory with a content-hash ETag.
    pub(crate) fn in_memory(bytes: Bytes, last_modified: Option<SystemTime>) -> Self {
        let etag = format!(
            "\"{:016x}-{:x}\"",
            crate::hash::fnv1a64(&bytes),
            bytes.len()
        );
        Self::build(
            bytes.len() as u64,
            etag,
            last_modified,
            Source::Memory(bytes),
            None,
        )
    }

    fn build(
        len: u64,
        etag: String,
        last_modified: Option<SystemTime>,
        source: Source,
        stamp: Option<Stamp>,
    ) -> Self {
        Representation {
            len,
            etag: HeaderValue::from_str(&etag).expect("hex digits make a valid ETag"),
            last_modified,
            last_modified_header: last_modified.map(|t| {
                HeaderValue::from_str(&httpdate::fmt_http_date(t))
                    .expect("an HTTP date is a valid header value")
            }),
            content_length: HeaderValue::from(len),
            source,
            stamp,
            full_head: OnceLock::new(),
        }
    }

    pub(crate) fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or("")
    }
}

/// A file and its precompressed variants, with the headers they share.
#[derive(Debug)]
pub(crate) struct FileEntry {
    pub(crate) plain: Arc<Representation>,
    /// Precompressed sidecars, in the server's order of preference.
    pub(crate) variants: Vec<(Encoding, Arc<Representation>)>,
    /// The codings of `variants`, in the same order.
    pub(crate) encodings: Vec<Encoding>,
    pub(crate) content_type: HeaderValue,
    pub(crate) cache_control: Option<HeaderValue>,
    pub(crate) content_disposition: Option<HeaderValue>,
}

impl FileEntry {
    /// A file named `name` (the last path segment), with headers from `config`.
    pub(crate) fn new(
        name: &str,
        plain: Arc<Representation>,
        variants: Vec<(Encoding, Arc<Representation>)>,
        config: &Config,
    ) -> Self {
        FileEntry {
            plain,
            encodings: variants.iter().map(|(e, _)| *e).collect(),
            variants,
            content_type: content_type_for(name),
            cache_control: config.cache_control_for(name),
            content_disposition: config.disposition_for(name),
        }
    }
}

/// A directory: its visible children (for listings) and its index file.
#[derive(Debug, Default)]
pub(crate) struct DirEntry {
    /// Child names with `true` for directories, sorted by name.
    pub(crate) children: Vec<(String, bool)>,
    pub(crate) index: Option<Arc<FileEntry>>,
}

/// One index entry.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    File(Arc<FileEntry>),
    Dir(Arc<DirEntry>),
}

/// The whole tree, keyed by decoded path without leading or trailing `/`.
#[derive(Debug, Default)]
pub(crate) struct Index {
    nodes: IndexMap<Node>,
    /// The first byte of every key but the root's: a key that starts with
    /// another byte is not in the index, known without hashing it.
    first_bytes: ByteSet,
    /// When the index is due for a rescan, from when the scan that produced it
    /// started; `None` before the first scan.
    pub(crate) due: Option<Due>,
}

/// A set of bytes, one bit each.
#[derive(Debug, Default, Clone, Copy)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }
}

/// When an index is due for a background rescan, and when it is stale.
///
/// Computed once per scan, so that each request compares two instants instead
/// of subtracting them (about 40 instructions less per request through a
/// file member, measured with callgrind). `None`: an interval too long to add.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Due {
    pub(crate) aging: Option<Instant>,
    pub(crate) stale: Option<Instant>,
}

impl Due {
    /// The deadlines of an index scanned from `started`, rescanned every `every`.
    pub(crate) fn after(started: Instant, every: Duration) -> Due {
        Due {
            aging: started.checked_add(every / 2),
            stale: started.checked_add(every),
        }
    }
}

impl Index {
    /// The index of `nodes`: each directory gets its children and its index
    /// file (the first of `index_files` it holds). Keys of directories must be
    /// present (the root is `""`).
    pub(crate) fn new(nodes: IndexMap<Node>, due: Option<Due>, index_files: &[String]) -> Index {
        let mut first_bytes = ByteSet::default();
        for key in nodes.keys() {
            if let Some(&first) = key.as_bytes().first() {
                first_bytes.insert(first);
            }
        }
        let mut index = Index {
            nodes,
            first_bytes,
            due,
        };
        index.link_directories(index_files);
        index
    }

    /// The index of in-memory files, each under its key, with every parent
    /// directory of a key (the root included), never due for a rescan.
    pub(crate) fn of_files<'a>(
        files: impl IntoIterator<Item = (&'a str, FileEntry)>,
        index_files: &[String],
    ) -> Index {
        let mut nodes: IndexMap<Node> = IndexMap::default();
        nodes.insert("".into(), Node::Dir(Arc::default()));
        for (key, entry) in files {
            nodes.insert(key.into(), Node::File(Arc::new(entry)));
            let mut dir = key;
            while let Some((parent, _)) = dir.rsplit_once('/') {
                nodes
                    .entry(parent.into())
                    .or_insert_with(|| Node::Dir(Arc::default()));
                dir = parent;
            }
        }
        Index::new(nodes, None, index_files)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.nodes.get(key)
    }

    /// False when no key starts with `byte`: a request path whose key would
    /// (a path of a file member's cascade that names an app route, say) is a
    /// miss, told with one bit instead of a hash and a probe of the map.
    pub(crate) fn may_have_key_starting_with(&self, byte: u8) -> bool {
        self.first_bytes.contains(byte)
    }

    /// Fills in each directory's children and index file from the files and
    /// directories already in `nodes`: it replaces directory entries, adds no key.
    fn link_directories(&mut self, index_files: &[String]) {
        let mut children: HashMap<Box<str>, Vec<(String, bool)>> = HashMap::new();
        for (key, node) in &self.nodes {
            if key.is_empty() {
                continue;
            }
            let (parent, name) = key.rsplit_once('/').unwrap_or(("", key));
            children
                .entry(parent.into())
                .or_default()
                .push((name.to_owned(), matches!(node, Node::Dir(_))));
        }
        let dir_keys: Vec<Box<str>> = self
            .nodes
            .iter()
            .filter(|(_, n)| matches!(n, Node::Dir(_)))
            .map(|(k, _)| k.clone())
            .collect();
        for key in dir_keys {
            let mut kids = children.remove(&key).unwrap_or_default();
            kids.sort();
            let index = index_files.iter().find_map(|name| {
                let child = if key.is_empty() {
                    name.clone()
                } else {
                    format!("{key}/{name}")
                };
                match self.nodes.get(child.as_str()) {
                    Some(Node::File(f)) => Some(f.clone()),
                    _ => None,
                }
            });
            self.nodes.insert(
                key,
                Node::Dir(Arc::new(DirEntry {
                    children: kids,
                    index,
                })),
            );
        }
    }
}

/// `Content-Type` from the extension; text types get `charset=utf-8`.
///
/// Only the last extension counts, so `x.tar.gz` is `application/gzip` and is
/// never given `Content-Encoding` (Paste sends `Content-Encoding: gzip`).
pub(crate) fn content_type_for(name: &str) -> HeaderValue {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.essence_str(),
            "application/javascript" | "application/json" | "application/xml" | "image/svg+xml"
        );
    let value = if textual && mime.get_param("charset").is_none() {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.to_string()
    };
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_get_utf8_and_archives_stay_themselves() {
        assert_eq!(content_type_for("a.html"), "text/html; charset=utf-8");
        assert_eq!(content_type_for("a.css"), "text/css; charset=utf-8");
        assert!(content_type_for("a.js")
            .to_str()
            .unwrap()
            .ends_with("javascript; charset=utf-8"));
        assert_eq!(content_type_for("a.png"), "image/png");
        assert_eq!(content_type_for("noext"), "application/octet-stream");
        let gz = content_type_for("x.tar.gz");
        assert!(gz.to_str().unwrap().contains("gzip"), "{gz:?}");
    }
}
