//! The middleware stack: the twin of a Pylons project's `config/middleware.py`.
//!
//! From the outside in, as in the Pylons project template:
//!
//! ```text
//! error catcher + documents ─► key adder ─► cascade ─┬─► public/ (static files)
//!                                                    ├─► embedded assets
//!                                                    └─► router ─► controllers
//! ```
//!
//! The cascade tries `public/` first, so `GET /` is `public/index.html` and a file
//! there wins over any controller of the same name. Both file servers are put in
//! with `Probing`: the cascade lends them the request (`gw_core::Probe`), so
//! a file found in memory, or a path that is no file, costs no copy of the
//! request head; the router, last, gets the request itself.

use gw_cascade::Probing;
use gw_core::{BoxError, Settings};
use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
use gw_key_adder::KeyAdderLayer;
use gw_server::deploy::BoxApp;
use gw_static_files::{Embedded, Encoding, StaticFiles};
use tower::ServiceBuilder;

/// The settings the app reads.
pub const SETTINGS_KEYS: [&str; 3] = ["debug", "public_dir", "precompressed"];

/// Builds the whole app from its settings: `debug` (default false), `public_dir`
/// (default `public/` beside the config file) and `precompressed` (the encodings
/// whose sidecar files, such as `index.html.gz`, `public/` serves to clients that
/// accept them: `br`, `zstd`, `gzip`; default none).
pub fn make_app(settings: &Settings) -> Result<BoxApp, BoxError> {
    settings.check_known(&SETTINGS_KEYS)?;
    let debug = settings.get_bool("debug")?.unwrap_or(false);
    let public_dir = settings
        .get_path("public_dir")?
        .unwrap_or_else(|| settings.base_dir().join("public"));

    // The seed's Cascade([static_app, javascripts_app, app]).
    let mut encodings = Vec::new();
    for word in settings.get_list("precompressed").unwrap_or_default() {
        encodings.push(
            Encoding::from_word(&word)
                .ok_or_else(|| settings.invalid("precompressed", "a list of br, zstd and gzip"))?,
        );
    }
    let public = StaticFiles::new(&public_dir)?.precompressed(encodings);
    let javascripts = Embedded::new().file(
        "javascripts/helpers.js",
        include_bytes!("../../assets/javascripts/helpers.js"),
    );
    let router = super::routing::make_router()?;
    let app = gw_cascade::cascade!(Probing(public), Probing(javascripts), router);

    // CONFIGURE MIDDLEWARE HERE: the layers run top to bottom on the way in.
    let app = ServiceBuilder::new()
        // The catcher serves the error documents itself: one layer, one capture.
        .layer(
            ErrorCatcherLayer::new()
                .debug(debug)
                .error_documents(ErrorDocumentsLayer::new()),
        )
        .layer(KeyAdderLayer::new("test.hello", "Hello World")?)
        .service(app);
    Ok(BoxApp::new(app))
}
