//! Fixture binaries for the cross-crate socket tests live in `src/bin/`; the tests
//! themselves are in `tests/`.
