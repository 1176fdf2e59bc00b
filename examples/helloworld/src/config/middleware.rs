//! The middleware stack: the twin of a Pylons project's `config/middleware.py`.
//!
//! Today the stack is the router alone; each crate issue wires its layer in here.

use gateway_core::{BoxError, Settings};
use gateway_server::cli::BoxApp;
use tower::ServiceExt;

/// Builds the whole app from its settings (`debug`, `public_dir`).
pub fn make_app(settings: &Settings) -> Result<BoxApp, BoxError> {
    let _debug = settings.get_bool("debug")?.unwrap_or(false);
    let app = super::routing::make_router();
    Ok(BoxApp::new(app.map_err(|never| match never {})))
}
