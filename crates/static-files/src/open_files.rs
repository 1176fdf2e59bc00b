//! The open-file cache: descriptors of large files kept open between requests.
//!
//! A file too large for the memory cache is streamed from disk. Opening it
//! costs an `openat`, an `fstat` and a `close`, and since `open` may wait for
//! the disk it runs on tokio's blocking pool: two thread hand-offs per request.
//! Instead, each on-disk [`Representation`](crate::entry::Representation) keeps
//! the descriptor it was last served from, so a later request only `fstat`s it
//! on the worker thread and reads it with positioned reads (no shared cursor,
//! so any number of responses read one descriptor at once).
//!
//! - **Bound.** A [`Budget`] per service caps how many descriptors are kept
//!   (`open_files`, default [`DEFAULT_OPEN_FILES`](crate::DEFAULT_OPEN_FILES)).
//!   When it is full, a file is opened per request as if there were no cache;
//!   a response in flight holds its file open either way.
//! - **Idle descriptors close.** Each index rescan closes every descriptor not
//!   used since the previous rescan, which frees the budget for the files in use.
//! - **Changes.** The cached descriptor is `fstat`ed per request: a file changed
//!   in place (new size or mtime) is served with fresh headers from the same
//!   descriptor, a file deleted or replaced by a new one (its inode has no link
//!   left) is dropped from the cache and the path opened again. A rescan that
//!   finds a new version (size, mtime or inode) makes a new representation, and
//!   the old descriptor closes with the old one.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// How many descriptors one service may keep open, and how many it does.
#[derive(Debug)]
pub(crate) struct Budget {
    held: AtomicUsize,
    max: usize,
}

impl Budget {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Budget {
            held: AtomicUsize::new(0),
            max,
        })
    }

    /// Takes one place, if any is left.
    fn take(&self) -> bool {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .is_ok()
    }

    /// How many descriptors are kept now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }
}

/// A kept descriptor; gives its place back when dropped.
#[derive(Debug)]
struct Kept {
    file: Arc<File>,
    /// Set by every request served from it; cleared by each rescan.
    used: AtomicBool,
    budget: Arc<Budget>,
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A file on disk and, once a request has opened it, its kept descriptor.
#[derive(Debug)]
pub(crate) struct DiskFile {
    path: PathBuf,
    kept: Mutex<Option<Kept>>,
}

impl DiskFile {
    pub(crate) fn new(path: PathBuf) -> Self {
        DiskFile {
            path,
            kept: Mutex::new(None),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The kept descriptor, if there is one; marks it used.
    pub(crate) fn kept(&self) -> Option<Arc<File>> {
        let slot = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = slot.as_ref()?;
        kept.used.store(true, Ordering::Relaxed);
        Some(kept.file.clone())
    }

    /// Keeps `file` (just opened from this path, and the version the
    /// representation describes) unless a descriptor is kept already or the
    /// budget is spent.
    pub(crate) fn keep(&self, file: &Arc<File>, budget: &Arc<Budget>) {
        let mut slot = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() && budget.take() {
            *slot = Some(Kept {
                file: file.clone(),
                used: AtomicBool::new(true),
                budget: budget.clone(),
            });
        }
    }

    /// Drops the kept descriptor (its file was deleted or replaced).
    pub(crate) fn forget(&self) {
        let old = self
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(old);
    }

    /// Called by each rescan that keeps this file: closes the descriptor unless
    /// a request used it since the previous rescan.
    pub(crate) fn close_if_idle(&self) {
        let mut slot = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if slot
            .as_ref()
            .is_some_and(|k| !k.used.swap(false, Ordering::Relaxed))
        {
            *slot = None;
        }
    }
}

/// Whether the file behind an open descriptor still has a name: `false` once
/// it was deleted, or replaced by a rename (unless another link to it is left).
/// Where this cannot be told, `false`, so nothing is served from a kept
/// descriptor.
pub(crate) fn still_linked(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(meta) > 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_temp() -> (tempfile::TempDir, PathBuf, Arc<File>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        (dir, path, file)
    }

    #[test]
    fn the_budget_bounds_kept_descriptors_and_gets_them_back_on_drop() {
        let (_dir, path, file) = open_temp();
        let budget = Budget::new(2);
        let files: Vec<DiskFile> = (0..3).map(|_| DiskFile::new(path.clone())).collect();
        for f in &files {
            f.keep(&file, &budget);
        }
        assert_eq!(budget.held(), 2);
        assert!(files[0].kept().is_some() && files[1].kept().is_some());
        assert!(files[2].kept().is_none(), "a third kept past a budget of 2");
        files[0].forget();
        assert_eq!(budget.held(), 1);
        files[2].keep(&file, &budget);
        assert!(files[2].kept().is_some());
        drop(files);
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn a_rescan_closes_a_descriptor_unused_since_the_previous_one() {
        let (_dir, path, file) = open_temp();
        let budget = Budget::new(4);
        let f = DiskFile::new(path);
        f.keep(&file, &budget);
        // Used since it was kept: survives one rescan.
        f.close_if_idle();
        assert_eq!(budget.held(), 1);
        // Used again: survives the next.
        assert!(f.kept().is_some());
        f.close_if_idle();
        assert_eq!(budget.held(), 1);
        // Not used: closed.
        f.close_if_idle();
        assert_eq!(budget.held(), 0);
        assert!(f.kept().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_deleted_file_is_no_longer_linked() {
        let (_dir, path, file) = open_temp();
        assert!(still_linked(&file.metadata().unwrap()));
        std::fs::remove_file(&path).unwrap();
        assert!(!still_linked(&file.metadata().unwrap()));
    }
}
