//! Serve a directory or compiled-in assets with full HTTP caching and range semantics, as a tower Service.
//!
//! **Not built yet.** This crate is reserved in the workspace so the crate map is
//! visible; its work is tracked in issue #5. It exports nothing it cannot honour.
#![forbid(unsafe_code)]
