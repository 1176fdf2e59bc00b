//! Try each service in turn until one answers with a status other than 404: Paste's Cascade for tower.
//!
//! **Not built yet.** This crate is reserved in the workspace so the crate map is
//! visible; its work is tracked in issue #4. It exports nothing it cannot honour.
#![forbid(unsafe_code)]
