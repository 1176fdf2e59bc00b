//! `cargo xtask scale-out`: placeholder, filled in below.

pub(crate) fn scale_out(_args: &[String]) -> Result<(), String> {
    Err("not yet".into())
}
