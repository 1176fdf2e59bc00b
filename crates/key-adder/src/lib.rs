//! A tower layer that sets one namespaced Environ key on every request: the Pylons KeyAdder.
//!
//! **Not built yet.** This crate is reserved in the workspace so the crate map is
//! visible; its work is tracked in issue #6. It exports nothing it cannot honour.
#![forbid(unsafe_code)]
