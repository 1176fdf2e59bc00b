//! Walking the root into an [`Index`]: the only place that lists directories.
//!
//! Runs on the blocking pool, never on a request's hot path. A file whose size,
//! mtime and inode are unchanged since the previous scan keeps its entry, and so
//! its cached bytes, without being read again.

use std::collections::{HashMap, HashSet};

use crate::hash::IndexMap;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::config::{Config, Symlinks};
use crate::encoding::Encoding;
use crate::entry::{Due, FileEntry, Index, Node, Representation, Source, Stamp};
use crate::open_files::DiskFile;
use crate::path::check_segment;

/// Directories nested deeper than this are not indexed (a guard against link loops).
const MAX_DEPTH: usize = 48;

/// Scans `root` (canonical) into a fresh index, reusing what `old` already holds.
pub(crate) fn scan(root: &Path, config: &Config, old: &Index) -> io::Result<Index> {
    let started = Instant::now();
    let mut walker = Walker {
        root,
        config,
        old,
        budget: config.cache_size,
        nodes: IndexMap::default(),
        visited_links: HashSet::new(),
    };
    // The root itself must be readable; deeper errors only hide that subtree.
    walker.walk(root.to_path_buf(), String::new(), 0, true)?;
    Ok(Index::new(
        walker.nodes,
        Some(Due::after(started, config.revalidate)),
        &config.index_files,
    ))
}

struct Walker<'a> {
    root: &'a Path,
    config: &'a Config,
    old: &'a Index,
    budget: u64,
    nodes: IndexMap<Node>,
    visited_links: HashSet<PathBuf>,
}

struct Found {
    name: String,
    path: PathBuf,
    meta: Metadata,
}

impl Walker<'_> {
    /// A link target is inside the root, and (when dotfiles are hidden) is not
    /// itself a hidden file reached under a visible name.
    fn inside_root(&self, target: &Path) -> bool {
        let Ok(rel) = target.strip_prefix(self.root) else {
            return false;
        };
        self.config.allow_dotfiles()
            || !rel
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    }

    fn walk(&mut self, dir: PathBuf, key: String, depth: usize, is_root: bool) -> io::Result<()> {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if is_root => return Err(e),
            Err(_) => return Ok(()),
        };
        self.nodes
            .insert(key.clone().into(), Node::Dir(Arc::default()));
        let mut files: Vec<Found> = Vec::new();
        let mut dirs: Vec<(String, PathBuf)> = Vec::new();
        for entry in entries.flatten() {
            // A name that is not UTF-8, or that no request could spell, is skipped.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if check_segment(&name, self.config.allow_dotfiles()).is_err() {
                continue;
            }
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let meta = if file_type.is_symlink() {
                match self.config.symlinks {
                    Symlinks::Refuse => continue,
                    Symlinks::InsideRoot => match fs::canonicalize(&path) {
                        Ok(target) if self.inside_root(&target) => {}
                        _ => continue,
                    },
                    Symlinks::Follow => {}
                }
                let Ok(meta) = fs::metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    // Walk each linked directory once per scan, so loops end.
                    let Ok(target) = fs::canonicalize(&path) else {
                        continue;
                    };
                    if !self.visited_links.insert(target) {
                        continue;
                    }
                }
                meta
            } else {
                let Ok(meta) = entry.metadata() else {
                    continue;
                };
                meta
            };
            if meta.is_dir() {
                dirs.push((name, path));
            } else if meta.is_file() {
                files.push(Found { name, path, meta });
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        self.add_files(&key, &files);
        if depth + 1 >= MAX_DEPTH {
            return Ok(());
        }
        for (name, path) in dirs {
            let child = join(&key, &name);
            self.walk(path, child, depth + 1, false)?;
        }
        Ok(())
    }

    fn add_files(&mut self, dir_key: &str, files: &[Found]) {
        let by_name: HashMap<&str, &Found> = files.iter().map(|f| (f.name.as_str(), f)).collect();
        for found in files {
            let key = join(dir_key, &found.name);
            let old = match self.old.get(&key) {
                Some(Node::File(f)) => Some(f.clone()),
                _ => None,
            };
            let plain = self.representation(found, None, old.as_deref());
            let mut variants = Vec::new();
            for enc in Encoding::ALL {
                if !self.config.precompressed.contains(&enc) {
                    continue;
                }
                let sidecar = format!("{}.{}", found.name, enc.extension());
                if let Some(side) = by_name.get(sidecar.as_str()) {
                    variants.push((enc, self.representation(side, Some(enc), old.as_deref())));
                }
            }
            let entry = FileEntry::new(&found.name, plain, variants, self.config);
            self.nodes.insert(key.into(), Node::File(Arc::new(entry)));
        }
    }

    fn representation(
        &mut self,
        found: &Found,
        encoding: Option<Encoding>,
        old: Option<&FileEntry>,
    ) -> Arc<Representation> {
        let stamp = stamp_of(&found.meta);
        let previous = old.and_then(|f| match encoding {
            None => Some(&f.plain),
            Some(enc) => f.variants.iter().find(|(e, _)| *e == enc).map(|(_, r)| r),
        });
        if let Some(prev) = previous.filter(|p| p.stamp == Some(stamp)) {
            match &prev.source {
                Source::Memory(_) => self.budget = self.budget.saturating_sub(prev.len),
                Source::Disk(file) => file.close_if_idle(),
            }
            return prev.clone();
        }
        if stamp.len <= self.config.cache_file_max && stamp.len <= self.budget {
            if let Ok(bytes) = fs::read(&found.path) {
                let stamp = Stamp {
                    len: bytes.len() as u64,
                    ..stamp
                };
                self.budget = self.budget.saturating_sub(stamp.len);
                return Arc::new(Representation::on_disk(
                    stamp,
                    encoding,
                    Source::Memory(Bytes::from(bytes)),
                ));
            }
        }
        Arc::new(Representation::on_disk(
            stamp,
            encoding,
            Source::Disk(DiskFile::new(found.path.clone())),
        ))
    }
}

fn join(dir_key: &str, name: &str) -> String {
    if dir_key.is_empty() {
        name.to_owned()
    } else {
        format!("{dir_key}/{name}")
    }
}

/// What identifies a version of a file: size, mtime and (on Unix) inode.
pub(crate) fn stamp_of(meta: &Metadata) -> Stamp {
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    Stamp {
        len: meta.len(),
        mtime: meta.modified().ok(),
        inode,
    }
}
