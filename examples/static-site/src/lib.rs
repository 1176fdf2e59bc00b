//! A site assembled purely from a config file. The binary's only code is its
//! registry: the factories `site.toml` may `use`.
//!
//! ```
//! use gw_server::deploy::Loader;
//!
//! let registry = static_site::registry();
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/site.toml");
//! let stack = Loader::new(&registry)
//!     .load_app(&format!("config:{path}"))
//!     .unwrap();
//! assert!(stack.tree.to_string().starts_with("pipeline.main\n"));
//! ```

use std::path::PathBuf;

use gw_server::cli::AppSpec;
use gw_server::deploy::Registry;

/// What the `static-site` binary serves: `site.toml`, built in.
pub fn spec() -> AppSpec {
    AppSpec {
        name: "static-site",
        default_config: include_str!("../site.toml"),
        default_config_path: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/site.toml")),
        registry,
    }
}

/// Every factory `site.toml` may use, registered in one call: the Gateway crates'
/// own, through [`gateway_builtins::register`].
pub fn registry() -> Registry {
    gateway_builtins::register(Registry::new())
}
