//! Turn panics and errors into a 500 page (a debug page in development, a generic one in production), plus error documents.
//!
//! **Not built yet.** This crate is reserved in the workspace so the crate map is
//! visible; its work is tracked in issue #6. It exports nothing it cannot honour.
#![forbid(unsafe_code)]
