//! A build-script helper: embed a whole directory without listing each file.
//!
//! In `build.rs` (with `static-files` as a build-dependency):
//!
//! ```no_run
//! let code = gw_static_files::codegen::embed_dir("assets").expect("assets/ is readable");
//! let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("assets.rs");
//! std::fs::write(out, code).unwrap();
//! println!("cargo:rerun-if-changed=assets");
//! ```
//!
//! and in the crate: `let assets = include!(concat!(env!("OUT_DIR"), "/assets.rs"));`,
//! which is an [`Embedded`](crate::Embedded) holding every file under `assets/`
//! (dotfiles and names that no request could spell are skipped).

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::path::check_segment;

/// Rust source for an expression that builds an [`Embedded`](crate::Embedded)
/// with every file under `dir`, each through `include_bytes!` of its absolute
/// path. Files are listed in sorted order, so the output is reproducible.
pub fn embed_dir(dir: impl AsRef<Path>) -> io::Result<String> {
    let root = std::fs::canonicalize(dir.as_ref())?;
    let mut files = Vec::new();
    collect(&root, String::new(), &mut files)?;
    files.sort();
    let mut code = String::from("::static_files::Embedded::new()");
    for (key, path) in files {
        let _ = write!(
            code,
            "\n    .file({key:?}, include_bytes!({:?}))",
            path.to_string_lossy()
        );
    }
    code.push('\n');
    Ok(code)
}

fn collect(dir: &Path, key: String, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if check_segment(&name, false).is_err() {
            continue;
        }
        let child = if key.is_empty() {
            name
        } else {
            format!("{key}/{name}")
        };
        let meta = std::fs::metadata(entry.path())?;
        if meta.is_dir() {
            collect(&entry.path(), child, out)?;
        } else if meta.is_file() {
            out.push((child, entry.path()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_dir_lists_files_sorted_and_skips_dotfiles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("js")).unwrap();
        std::fs::write(dir.path().join("js/b.js"), "b").unwrap();
        std::fs::write(dir.path().join("a.css"), "a").unwrap();
        std::fs::write(dir.path().join(".secret"), "s").unwrap();
        let code = embed_dir(dir.path()).unwrap();
        let a = code.find("\"a.css\"").unwrap();
        let b = code.find("\"js/b.js\"").unwrap();
        assert!(a < b, "{code}");
        assert!(!code.contains("secret"), "{code}");
        assert!(code.starts_with("::static_files::Embedded::new()"));
    }
}
