//! The registry: the factories a binary offers its config files, by name.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use gw_core::{BoxError, Settings};

/// A boxed, cloneable app: what every factory returns and every filter wraps (box
/// one with `BoxApp::new`). It is `Sync`, so it can also be a cascade member or an
/// axum `fallback_service`. An app
/// boxed with [`BoxApp::probing`] (the `static_files` factory does) keeps its
/// [`Probe`](gw_core::Probe), so a `cascade` composite can lend it requests
/// instead of copying them.
pub use gw_core::BoxApp;

/// What a registered server returns: a future that serves until shutdown.
pub type ServeFuture = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

pub(crate) type AppFactory = Arc<dyn Fn(&Settings) -> Result<BoxApp, BoxError> + Send + Sync>;
pub(crate) type FilterFactory =
    Arc<dyn Fn(BoxApp, &Settings) -> Result<BoxApp, BoxError> + Send + Sync>;
pub(crate) type CompositeFactory =
    Arc<dyn Fn(&mut Composite<'_>) -> Result<BoxApp, BoxError> + Send + Sync>;
pub(crate) type CascadeFactory =
    Arc<dyn Fn(Vec<BoxApp>, &Settings) -> Result<BoxApp, BoxError> + Send + Sync>;
pub(crate) type UrlMapFactory =
    Arc<dyn Fn(Vec<(String, BoxApp)>, &Settings) -> Result<BoxApp, BoxError> + Send + Sync>;
pub(crate) type ServerFactory =
    Arc<dyn Fn(BoxApp, &Settings) -> Result<ServeFuture, BoxError> + Send + Sync>;

/// The names `use` may give a composite without registering anything.
pub(crate) const BUILT_IN_COMPOSITES: [&str; 2] = ["cascade", "urlmap"];
/// The server every binary has: Gateway's own HTTP server.
pub(crate) const BUILT_IN_SERVER: &str = "http";

/// The factories a binary registers, by name; `use = "NAME"` in a config file picks one.
///
/// Every factory is built from [`Settings`]: the section's own keys over `[global]`.
/// Registering is done once at startup, so registering a reserved or duplicate name
/// panics: that is a bug in the binary, not in a config file.
///
/// ```
/// use gw_core::{app_fn, Settings};
/// use gw_server::deploy::{BoxApp, Registry};
///
/// let registry = Registry::new()
///     .app("hello", |settings: &Settings| {
///         let text = settings.get("text").unwrap_or("Hello World!").to_owned();
///         let app = app_fn(move |_req: http::Request<gw_core::Body>| {
///             let text = text.clone();
///             async move { text }
///         });
///         Ok(BoxApp::new(app))
///     })
///     .filter("identity", |app: BoxApp, _settings: &Settings| Ok(app));
/// assert_eq!(registry.app_names(), ["hello"]);
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    pub(crate) apps: BTreeMap<String, AppFactory>,
    pub(crate) filters: BTreeMap<String, FilterFactory>,
    pub(crate) composites: BTreeMap<String, CompositeFactory>,
    pub(crate) servers: BTreeMap<String, ServerFactory>,
    pub(crate) cascade: Option<CascadeFactory>,
    pub(crate) urlmap: Option<UrlMapFactory>,
    pub(crate) default_app: Option<String>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("apps", &self.app_names())
            .field("filters", &self.filters.keys().collect::<Vec<_>>())
            .field("composites", &self.composites.keys().collect::<Vec<_>>())
            .field("servers", &self.servers.keys().collect::<Vec<_>>())
            .field("cascade", &self.cascade.is_some())
            .field("urlmap", &self.urlmap.is_some())
            .field("default_app", &self.default_app)
            .finish()
    }
}

fn check_name(kind: &str, name: &str, taken: bool) {
    assert!(
        !name.is_empty() && !name.contains(['#', ':', ' ']) && !name.starts_with('.'),
        "a {kind} factory name must be non-empty, without spaces, '#' or ':': {name:?}"
    );
    assert!(!taken, "the {kind} factory {name:?} is registered twice");
}

impl Registry {
    /// A registry with only the built-in servers: `http` (Gateway's own) and the
    /// front ends `fastcgi`, `scgi` and `cgi`.
    pub fn new() -> Self {
        let mut registry = Self::default();
        for (name, factory) in crate::frontend::builtin_servers() {
            registry.servers.insert(name.to_owned(), factory);
        }
        registry
    }

    /// Registers an app factory: `[app.X] use = "NAME"`.
    pub fn app<F>(mut self, name: &str, factory: F) -> Self
    where
        F: Fn(&Settings) -> Result<BoxApp, BoxError> + Send + Sync + 'static,
    {
        check_name("app", name, self.apps.contains_key(name));
        self.apps.insert(name.to_owned(), Arc::new(factory));
        self
    }

    /// Names the app factory an `[app.X]` section without `use` gets: the binary's own
    /// app, the twin of a Pylons project's `use = egg:helloworld`.
    pub fn default_app(mut self, name: &str) -> Self {
        self.default_app = Some(name.to_owned());
        self
    }

    /// Registers a filter (a layer) factory: `[filter.X] use = "NAME"`. It receives
    /// the app it wraps.
    pub fn filter<F>(mut self, name: &str, factory: F) -> Self
    where
        F: Fn(BoxApp, &Settings) -> Result<BoxApp, BoxError> + Send + Sync + 'static,
    {
        check_name("filter", name, self.filters.contains_key(name));
        self.filters.insert(name.to_owned(), Arc::new(factory));
        self
    }

    /// Registers a composite factory: `[composite.X] use = "NAME"`. It reads its
    /// settings and loads the apps it names through [`Composite`]. `cascade` and
    /// `urlmap` are built in and cannot be registered here; see
    /// [`cascade`](Self::cascade) and [`urlmap`](Self::urlmap).
    pub fn composite<F>(mut self, name: &str, factory: F) -> Self
    where
        F: Fn(&mut Composite<'_>) -> Result<BoxApp, BoxError> + Send + Sync + 'static,
    {
        assert!(
            !BUILT_IN_COMPOSITES.contains(&name),
            "{name} is a built-in composite: register its implementation with Registry::{name}"
        );
        check_name("composite", name, self.composites.contains_key(name));
        self.composites.insert(name.to_owned(), Arc::new(factory));
        self
    }

    /// Supplies the implementation of the built-in `cascade` composite. The loader
    /// reads `apps = [...]` (in order) and builds them; the factory gets the members
    /// and the remaining settings (`catch`, over `[global]`).
    ///
    /// The server crate does not depend on the `cascade` crate, so a binary that
    /// wants `use = "cascade"` registers it here, typically as
    /// `|apps, settings| Ok(BoxApp::new(Cascade::from_settings(settings, apps)?))`.
    pub fn cascade<F>(mut self, factory: F) -> Self
    where
        F: Fn(Vec<BoxApp>, &Settings) -> Result<BoxApp, BoxError> + Send + Sync + 'static,
    {
        self.cascade = Some(Arc::new(factory));
        self
    }

    /// Supplies the implementation of the built-in `urlmap` composite. The loader reads
    /// the section's `"/prefix" = "app"` keys and builds each app; the factory gets
    /// `(prefix, app)` pairs, longest prefix first, and the inherited settings.
    pub fn urlmap<F>(mut self, factory: F) -> Self
    where
        F: Fn(Vec<(String, BoxApp)>, &Settings) -> Result<BoxApp, BoxError> + Send + Sync + 'static,
    {
        self.urlmap = Some(Arc::new(factory));
        self
    }

    /// Registers a server: `[server.X] use = "NAME"`. It gets the app and its settings
    /// and returns the future that serves it. `http`, Gateway's own server (with
    /// `--reload` and socket handover), is built in.
    pub fn server<F>(mut self, name: &str, factory: F) -> Self
    where
        F: Fn(BoxApp, &Settings) -> Result<ServeFuture, BoxError> + Send + Sync + 'static,
    {
        assert!(
            name != BUILT_IN_SERVER,
            "{BUILT_IN_SERVER} is the built-in server"
        );
        check_name("server", name, self.servers.contains_key(name));
        self.servers.insert(name.to_owned(), Arc::new(factory));
        self
    }

    /// The registered app factory names, sorted.
    pub fn app_names(&self) -> Vec<&str> {
        self.apps.keys().map(String::as_str).collect()
    }
}

/// What a registered composite factory gets: its settings, and a way to load the
/// apps its settings name (`name`, `#name` or `config:FILE#name`, relative to the
/// composite's own file). Loading checks for cycles and records the app in the tree.
pub struct Composite<'a> {
    pub(crate) settings: Settings,
    pub(crate) load: &'a mut dyn FnMut(&str, &str) -> Result<BoxApp, BoxError>,
}

impl fmt::Debug for Composite<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Composite")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Composite<'_> {
    /// The composite's settings (its own keys over `[global]`).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Loads the app that setting `key` names.
    pub fn load_app(&mut self, key: &str) -> Result<BoxApp, BoxError> {
        let reference = self.settings.require(key)?.to_owned();
        (self.load)(key, &reference)
    }

    /// Loads the app `reference`, reporting errors against setting `key`.
    pub fn load_reference(&mut self, key: &str, reference: &str) -> Result<BoxApp, BoxError> {
        (self.load)(key, reference)
    }
}
