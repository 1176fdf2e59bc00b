//! Options shared by [`StaticFiles`](crate::StaticFiles) and
//! [`Embedded`](crate::Embedded), and the build-time error type.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::HeaderValue;

use crate::encoding::Encoding;

/// What to do with names that start with `.` (`.git`, `.env`, `.htpasswd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dotfiles {
    /// Hidden: a request for one gets 404 and listings leave them out (default).
    #[default]
    Hide,
    /// Served like any other file.
    Allow,
}

/// What to do with symbolic links inside the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Symlinks {
    /// Follow links whose target lies inside the root; refuse the rest (default).
    #[default]
    InsideRoot,
    /// Refuse every link: it is as if it did not exist.
    Refuse,
    /// Follow every link, wherever it leads.
    Follow,
}

/// Whether to send `Content-Disposition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentDisposition {
    /// No header (default): the browser decides.
    #[default]
    None,
    /// `inline; filename="NAME"`.
    Inline,
    /// `attachment; filename="NAME"`: browsers download instead of displaying.
    Attachment,
}

/// An error building a [`StaticFiles`](crate::StaticFiles) or
/// [`Embedded`](crate::Embedded) service.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The root directory does not exist or is not a directory.
    RootNotADirectory {
        /// The path as given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// An embedded file's path is not a clean relative path.
    InvalidEmbeddedPath {
        /// The path as given.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// An index file name is empty or contains `/`.
    InvalidIndexFile {
        /// The name as given.
        name: String,
    },
    /// A `Cache-Control` value is not a valid header value.
    InvalidCacheControl {
        /// The value as given.
        value: String,
    },
    /// A setting had a bad value.
    Settings(gw_core::SettingsError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::RootNotADirectory { path, reason } => {
                write!(f, "static files root {}: {reason}", path.display())
            }
            BuildError::InvalidEmbeddedPath { path, reason } => {
                write!(f, "embedded file path {path:?}: {reason}")
            }
            BuildError::InvalidIndexFile { name } => {
                write!(
                    f,
                    "index file name {name:?}: must be a non-empty name without '/'"
                )
            }
            BuildError::InvalidCacheControl { value } => {
                write!(f, "cache-control value {value:?}: not a valid header value")
            }
            BuildError::Settings(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Settings(e) => Some(e),
            _ => None,
        }
    }
}

impl From<gw_core::SettingsError> for BuildError {
    fn from(e: gw_core::SettingsError) -> Self {
        BuildError::Settings(e)
    }
}

/// The default per-file cap for the memory cache: 64 KiB.
pub const DEFAULT_CACHE_FILE_MAX: u64 = 64 * 1024;
/// The default total size of the memory cache: 64 MiB.
pub const DEFAULT_CACHE_SIZE: u64 = 64 * 1024 * 1024;
/// The default revalidation interval: 1 second.
pub const DEFAULT_REVALIDATE: Duration = Duration::from_secs(1);
/// The default read size when streaming large files: 60 KiB (15 pages).
///
/// Each chunk is one write to the socket. Larger writes cost less per byte,
/// until a write no longer fits in one TCP segment of the loopback interface
/// (its MTU is 64 KiB, so a segment carries at most 65,483 bytes): a 64 KiB
/// write then goes out as a full segment and a 53-byte one, and every write
/// pays for two. At 8 concurrent downloads of 1 MiB over loopback, 60 KiB
/// chunks cost about 15% less CPU per request than 32 KiB (nginx's own buffer
/// size without `sendfile`), and 64 KiB chunks about 15% more. On a network
/// interface the kernel cuts writes into segments itself, and a write of up
/// to 64 KiB still makes one batch for segmentation offload. A body with more
/// than 2 MiB left reads 2 chunks at a time (one long download pays per read,
/// not per byte written).
pub const DEFAULT_CHUNK_SIZE: usize = 60 * 1024;
/// The default number of large files' descriptors a service keeps open: 256.
///
/// Well below the usual soft limit of 1024 descriptors per process, which the
/// connections share.
pub const DEFAULT_OPEN_FILES: usize = 256;
/// The default cap on the parts of a `multipart/byteranges` answer: 16.
pub const DEFAULT_MAX_RANGES: usize = 16;
/// The `max-age` sent with `immutable` for fingerprinted names: one year.
pub const IMMUTABLE_MAX_AGE: u64 = 365 * 24 * 60 * 60;

/// Every option; both services share the HTTP ones.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) index_files: Vec<String>,
    pub(crate) cache_control: Option<HeaderValue>,
    pub(crate) immutable_fingerprinted: bool,
    pub(crate) content_disposition: ContentDisposition,
    pub(crate) dotfiles: Dotfiles,
    pub(crate) symlinks: Symlinks,
    pub(crate) precompressed: Vec<Encoding>,
    pub(crate) listing: bool,
    pub(crate) cache_file_max: u64,
    pub(crate) cache_size: u64,
    pub(crate) revalidate: Duration,
    pub(crate) chunk_size: usize,
    pub(crate) max_ranges: usize,
    pub(crate) open_files: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            index_files: vec!["index.html".to_owned()],
            cache_control: None,
            immutable_fingerprinted: false,
            content_disposition: ContentDisposition::None,
            dotfiles: Dotfiles::Hide,
            symlinks: Symlinks::InsideRoot,
            precompressed: Vec::new(),
            listing: false,
            cache_file_max: DEFAULT_CACHE_FILE_MAX,
            cache_size: DEFAULT_CACHE_SIZE,
            revalidate: DEFAULT_REVALIDATE,
            chunk_size: DEFAULT_CHUNK_SIZE,
            max_ranges: DEFAULT_MAX_RANGES,
            open_files: DEFAULT_OPEN_FILES,
        }
    }
}

impl Config {
    pub(crate) fn allow_dotfiles(&self) -> bool {
        self.dotfiles == Dotfiles::Allow
    }

    pub(crate) fn max_age_value(max_age: Duration) -> HeaderValue {
        HeaderValue::from_str(&format!("public, max-age={}", max_age.as_secs()))
            .expect("digits make a valid header value")
    }

    /// The `Cache-Control` for a file named `name`.
    pub(crate) fn cache_control_for(&self, name: &str) -> Option<HeaderValue> {
        if self.immutable_fingerprinted && is_fingerprinted(name) {
            return Some(HeaderValue::from_static(
                "public, max-age=31536000, immutable",
            ));
        }
        self.cache_control.clone()
    }

    /// The `Content-Disposition` for a file named `name`.
    pub(crate) fn disposition_for(&self, name: &str) -> Option<HeaderValue> {
        let kind = match self.content_disposition {
            ContentDisposition::None => return None,
            ContentDisposition::Inline => "inline",
            ContentDisposition::Attachment => "attachment",
        };
        let plain = name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ');
        let value = if plain {
            format!("{kind}; filename=\"{name}\"")
        } else {
            // RFC 6266 / RFC 8187: a UTF-8 name goes in filename*.
            format!(
                "{kind}; filename*=UTF-8''{}",
                crate::path::encode_segment(name)
            )
        };
        HeaderValue::from_str(&value).ok()
    }

    pub(crate) fn check_index_files(names: &[String]) -> Result<(), BuildError> {
        for name in names {
            if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                return Err(BuildError::InvalidIndexFile { name: name.clone() });
            }
        }
        Ok(())
    }
}

/// A name carries a content fingerprint when one of its dot- or dash-separated
/// parts (other than the last, the extension) is at least 8 hex digits with at
/// least one digit: `app.3f2a9c1b.js`, `app-3f2a9c1b8e00.css`.
pub(crate) fn is_fingerprinted(name: &str) -> bool {
    let stem = match name.rsplit_once('.') {
        Some((stem, _ext)) => stem,
        None => return false,
    };
    stem.split(['.', '-', '_']).any(|part| {
        part.len() >= 8
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_names_are_recognised() {
        assert!(is_fingerprinted("app.3f2a9c1b.js"));
        assert!(is_fingerprinted("app-3f2a9c1b8e00.css"));
        assert!(!is_fingerprinted("application.js"));
        assert!(!is_fingerprinted("deadbeefcafe.js"));
        assert!(is_fingerprinted("deadbeef1.js"));
        assert!(!is_fingerprinted("12345678"));
        assert!(!is_fingerprinted("abcdefab.js"));
    }

    #[test]
    fn disposition_quotes_ascii_and_encodes_utf8() {
        let cfg = Config {
            content_disposition: ContentDisposition::Attachment,
            ..Config::default()
        };
        assert_eq!(
            cfg.disposition_for("report.pdf").unwrap(),
            "attachment; filename=\"report.pdf\""
        );
        assert_eq!(
            cfg.disposition_for("café.txt").unwrap(),
            "attachment; filename*=UTF-8''caf%C3%A9.txt"
        );
    }

    #[test]
    fn build_errors_name_the_input() {
        let e = BuildError::RootNotADirectory {
            path: "/nowhere".into(),
            reason: "not found".into(),
        };
        assert_eq!(e.to_string(), "static files root /nowhere: not found");
    }
}
