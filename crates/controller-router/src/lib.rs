//! Routes-style URL mapping, controllers that are any tower Service, URL generation and prefix mounts.
//!
//! **Not built yet.** This crate is reserved in the workspace so the crate map is
//! visible; its work is tracked in issue #7. It exports nothing it cannot honour.
#![forbid(unsafe_code)]
