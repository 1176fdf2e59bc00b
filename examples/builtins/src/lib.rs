//! One call that registers every Gateway crate's factory in a deploy
//! [`Registry`], so a config file can `use` them by name.
//!
//! The library crates never depend on each other, so this glue lives with the
//! examples. Copy it into your project, or depend on it from a workspace.
//!
//! | kind | name | built by |
//! |---|---|---|
//! | app | `static_files` | [`gw_static_files::StaticFiles::from_settings`] |
//! | filter | `key_adder` | [`gw_key_adder::KeyAdderLayer::from_settings`] |
//! | filter | `error_catcher` | [`gw_error_catcher::ErrorCatcherLayer::from_settings`] serving [`gw_error_catcher::ErrorDocumentsLayer::from_settings`]'s documents (one section configures both); with `error_document_path` (such as `/errors/{status}.html`) the documents are the wrapped app's answer to that path, otherwise the built-in pages |
//! | composite | `cascade` | [`gw_cascade::Cascade::from_settings`] |
//! | composite | `urlmap` | [`gw_controller_router::Mount`] |
//!
//! ```
//! use gw_server::deploy::Registry;
//!
//! let registry = gateway_builtins::register(Registry::new());
//! assert_eq!(registry.app_names(), ["static_files"]);
//! ```

use gw_core::Settings;
use gw_server::deploy::{BoxApp, Registry};
use tower::Layer;

/// Adds the `static_files` app, the `key_adder` and `error_catcher` filters, and the
/// built-in `cascade` and `urlmap` composites to `registry`.
pub fn register(registry: Registry) -> Registry {
    registry
        .app("static_files", |settings: &Settings| {
            // Boxed with its probe: a `cascade` composite lends it requests
            // without copying them.
            Ok(BoxApp::probing(
                gw_static_files::StaticFiles::from_settings(settings)?,
            ))
        })
        .filter("key_adder", |app: BoxApp, settings: &Settings| {
            Ok(BoxApp::new(
                gw_key_adder::KeyAdderLayer::from_settings(settings)?.layer(app),
            ))
        })
        .filter("error_catcher", |app: BoxApp, settings: &Settings| {
            let catcher = gw_error_catcher::ErrorCatcherLayer::from_settings(settings)?;
            let documents = gw_error_catcher::ErrorDocumentsLayer::from_settings(settings)?;
            // With `error_document_path`, the pages are the site's own: the page
            // request goes through the wrapped app, as Pylons' StatusCodeRedirect
            // calls the app again. Without it, the built-in pages.
            let catcher = if settings.contains("error_document_path") {
                catcher.error_documents(documents.page_service(app.clone()))
            } else {
                catcher.error_documents(documents)
            };
            Ok(BoxApp::new(catcher.layer(app)))
        })
        .cascade(|apps: Vec<BoxApp>, settings: &Settings| {
            // A deploy `BoxApp` is already a cascade member: no re-boxing.
            Ok(BoxApp::new(gw_cascade::Cascade::from_settings(
                settings, apps,
            )?))
        })
        .urlmap(|mounts: Vec<(String, BoxApp)>, settings: &Settings| {
            settings.check_known(&[])?;
            let mut mount = gw_controller_router::Mount::new();
            for (prefix, app) in mounts {
                mount = mount.mount(&prefix, app)?;
            }
            Ok(BoxApp::new(mount))
        })
}
