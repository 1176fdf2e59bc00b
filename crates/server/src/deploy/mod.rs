//! Load a stack from a config file: the twin of paste.deploy.
#![doc = include_str!("README.md")]

mod error;
mod load;
mod parse;
mod registry;
mod shared;
mod substitute;
mod tree;

#[cfg(test)]
mod tests;

pub use error::{Error, ErrorKind};
pub use load::{load_app, Loader, ServerSection, Stack};
pub use registry::{BoxApp, Composite, Registry, ServeFuture};
pub use shared::{SharedApp, SharedFuture};
pub use tree::Tree;
