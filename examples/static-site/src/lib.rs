//! A site assembled purely from a config file. The binary's only code is its
//! registry: the factories `site.toml` may `use`.
//!
//! ```
//! use gateway_server::deploy::Loader;
//!
//! let registry = static_site::registry();
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/site.toml");
//! let stack = Loader::new(&registry)
//!     .load_app(&format!("config:{path}"))
//!     .unwrap();
//! assert!(stack.tree.to_string().starts_with("pipeline.main\n"));
//! ```

mod standins;

use std::path::PathBuf;

use gateway_server::cli::AppSpec;
use gateway_server::deploy::Registry;

/// What the `static-site` binary serves: `site.toml`, built in.
pub fn spec() -> AppSpec {
    AppSpec {
        name: "static-site",
        default_config: include_str!("../site.toml"),
        default_config_path: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/site.toml")),
        registry,
    }
}

/// Every factory `site.toml` may use, registered in one call.
///
/// TODO(lead, at merge): the middleware crates export nothing yet on this branch,
/// so this registers the small stand-ins of `standins.rs` under the names the real
/// crates will have. When cascade, static-files, key-adder and error-catcher land,
/// add them to Cargo.toml, delete `standins.rs`, and make this function:
///
/// ```text
/// use gateway_server::deploy::box_app;
/// use tower::Layer;
///
/// Registry::new()
///     .app("static_files", |s| Ok(box_app(static_files::StaticFiles::from_settings(s)?)))
///     .filter("key_adder", |app, s| {
///         Ok(box_app(key_adder::KeyAdderLayer::from_settings(s)?.layer(app)))
///     })
///     .filter("error_catcher", |app, s| {
///         Ok(box_app(error_catcher::ErrorCatcherLayer::from_settings(s)?.layer(app)))
///     })
///     .cascade(|apps, s| Ok(box_app(cascade::Cascade::from_settings(s)?.members(apps))))
/// ```
///
/// (adjusting constructor names and the `error_documents` keys of `site.toml` to
/// the crates' real `from_settings`).
pub fn registry() -> Registry {
    Registry::new()
        .app("static_files", standins::static_files)
        .filter("key_adder", standins::key_adder)
        .filter("error_catcher", standins::error_catcher)
        .cascade(standins::cascade)
}
