#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod body;
pub mod codegen;
mod conditional;
mod config;
mod dir;
mod embedded;
mod encoding;
mod entry;
mod future;
#[doc(hidden)]
pub mod fuzzing;
mod hash;
mod lookup;
mod open_files;
mod path;
mod range;
mod respond;

pub use config::{
    BuildError, ContentDisposition, Dotfiles, Symlinks, DEFAULT_CACHE_FILE_MAX, DEFAULT_CACHE_SIZE,
    DEFAULT_CHUNK_SIZE, DEFAULT_MAX_RANGES, DEFAULT_OPEN_FILES, DEFAULT_REVALIDATE,
    IMMUTABLE_MAX_AGE,
};
pub use dir::{StaticFiles, SETTINGS_KEYS};
pub use embedded::Embedded;
pub use encoding::Encoding;
pub use future::ResponseFuture;
