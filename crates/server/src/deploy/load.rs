//! The loader: resolves `use`, pipelines, composites, `filter-with` and `config:`
//! references into one [`BoxApp`], calling the registered factories.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gw_core::{BoxError, Settings, SettingsError, SettingsErrorKind};

use super::error::{Error, ErrorKind};
use super::parse::{Document, Kind, Section, Text};
use super::registry::{
    BoxApp, Composite, Registry, ServeFuture, BUILT_IN_COMPOSITES, BUILT_IN_SERVER,
};
use super::tree::Tree;

/// Deeper than this, a chain of references is reported instead of followed.
const MAX_DEPTH: usize = 64;

/// Loads `uri` (`config:FILE[#NAME]`, NAME defaulting to `main`) with the factories
/// of `registry`, and returns the assembled app.
///
/// ```
/// use gw_core::{app_fn, Settings};
/// use gw_server::deploy::{load_app, BoxApp, Registry};
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("development.toml");
/// std::fs::write(&file, "[app.main]\nuse = \"hello\"\n").unwrap();
///
/// let registry = Registry::new().app("hello", |_settings: &Settings| {
///     let app = app_fn(|_req: http::Request<gw_core::Body>| async { "Hello World!" });
///     Ok(BoxApp::new(app))
/// });
/// let app: BoxApp = load_app(&format!("config:{}#main", file.display()), &registry).unwrap();
/// # drop(app);
/// ```
pub fn load_app(uri: &str, registry: &Registry) -> Result<BoxApp, Error> {
    Loader::new(registry).load_app(uri).map(|stack| stack.app)
}

/// An assembled app and the tree of sections that built it.
#[derive(Clone)]
pub struct Stack {
    /// The app, ready to serve.
    pub app: BoxApp,
    /// What built it, outermost layer first.
    pub tree: Tree,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack").field("tree", &self.tree).finish()
    }
}

/// A `[server.NAME]` section, resolved but not started.
#[derive(Debug, Clone)]
pub struct ServerSection {
    factory: String,
    tree: Tree,
    prepared: Prepared,
}

impl ServerSection {
    /// The server's name in the registry (`http` is Gateway's own).
    pub fn factory(&self) -> &str {
        &self.factory
    }

    /// The settings, the section's own keys over `[global]` and `--set`.
    pub fn settings(&self) -> &Settings {
        &self.prepared.settings
    }

    /// One line for the `--check` tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The keys whose values differ between this section and `newer` (another
    /// load of it), in order, and `use` when the server factory changed. A running
    /// server cannot apply them: its sockets and limits were set when it started.
    ///
    /// ```
    /// use gw_server::deploy::{Loader, Registry};
    ///
    /// let registry = Registry::new();
    /// let load = |toml: &str| {
    ///     Loader::new(&registry)
    ///         .embed("app.toml", toml)
    ///         .load_server("config:app.toml#main")
    ///         .unwrap()
    /// };
    /// let old = load("[server.main]\nbind = \"127.0.0.1:8000\"\n");
    /// let new = load("[server.main]\nbind = \"127.0.0.1:9000\"\nidle_timeout = \"5s\"\n");
    /// assert_eq!(old.changed_keys(&new), ["bind", "idle_timeout"]);
    /// assert!(old.changed_keys(&old.clone()).is_empty());
    /// ```
    pub fn changed_keys(&self, newer: &ServerSection) -> Vec<String> {
        let (old, new) = (self.settings(), newer.settings());
        let mut keys: Vec<String> = old
            .iter()
            .chain(new.iter())
            .map(|(key, _)| key)
            .filter(|key| old.get(key) != new.get(key))
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys.dedup();
        if self.factory != newer.factory {
            keys.insert(0, "use".to_owned());
        }
        keys
    }

    /// Sets `key` as if the section had written it (the CLI's `--bind` for servers
    /// other than `http`).
    pub fn override_setting(&mut self, key: &str, value: &str) {
        self.prepared.settings.insert(key, value);
        self.prepared.inherited.remove(key);
    }

    /// Builds something from the settings, with the same rules as a factory:
    /// `[global]` keys that `build` rejects as unknown are dropped, and a
    /// [`SettingsError`] is reported with the file, section, key and position.
    pub fn configure<T>(
        &self,
        build: impl FnMut(&Settings) -> Result<T, BoxError>,
    ) -> Result<T, Error> {
        let site = Site {
            file: self
                .prepared
                .settings
                .origin()
                .file
                .clone()
                .unwrap_or_default(),
            section: self.prepared.settings.origin().section.clone(),
            key: Some("use".into()),
            position: None,
        };
        call(&self.prepared, build)
            .map(|(built, _)| built)
            .map_err(|e| factory_error(e, &self.prepared, &site, &self.factory))
    }

    /// Starts a registered (not built-in) server with `app`.
    pub fn start(&self, registry: &Registry, app: BoxApp) -> Result<ServeFuture, Error> {
        let factory = registry
            .servers
            .get(&self.factory)
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::UnknownUse,
                    self.prepared
                        .settings
                        .origin()
                        .file
                        .clone()
                        .unwrap_or_default(),
                    format!("no server named {:?} is registered", self.factory),
                )
            })?;
        self.configure(|settings| factory(app.clone(), settings))
    }
}

/// Loads stacks; keeps the parsed files so several loads share them.
///
/// ```
/// use gw_core::{app_fn, Settings};
/// use gw_server::deploy::{BoxApp, Loader, Registry};
///
/// let registry = Registry::new().app("hello", |settings: &Settings| {
///     let debug = settings.get_bool("debug")?.unwrap_or(false);
///     let app = app_fn(move |_req: http::Request<gw_core::Body>| async move {
///         if debug { "debug" } else { "quiet" }
///     });
///     Ok(BoxApp::new(app))
/// });
/// let stack = Loader::new(&registry)
///     .embed("/srv/site.toml", "[global]\ndebug = true\n[app.main]\nuse = \"hello\"\n")
///     .set("debug", "false")
///     .load_app("config:/srv/site.toml")
///     .unwrap();
/// assert_eq!(stack.tree.to_string(), "app.main: hello {debug = false}\n");
/// ```
#[derive(Debug)]
pub struct Loader<'r> {
    registry: &'r Registry,
    overrides: Vec<(String, String)>,
    embedded: HashMap<PathBuf, String>,
    docs: HashMap<PathBuf, Arc<Document>>,
    files: Vec<PathBuf>,
    stack: Vec<(PathBuf, String)>,
}

/// Where a reference is written, so an error can point at it.
#[derive(Debug, Clone)]
struct Site {
    file: PathBuf,
    section: Option<String>,
    key: Option<String>,
    position: Option<(usize, usize)>,
}

impl Site {
    fn error(&self, kind: ErrorKind, reason: impl Into<String>) -> Error {
        let mut error = Error::new(kind, &self.file, reason).at(self.position);
        error.details.section = self.section.clone();
        error.details.key = self.key.clone();
        error
    }

    fn key(doc: &Document, section: &Section, key: &str) -> Site {
        Site {
            file: doc.file.clone(),
            section: Some(section.id()),
            key: Some(key.to_owned()),
            position: Some(
                section
                    .entries
                    .get(key)
                    .map_or(section.position, |v| v.position),
            ),
        }
    }
}

/// A section's own value, and where it is written (it may come through `use`).
#[derive(Debug, Clone)]
struct Entry {
    text: Text,
    file: PathBuf,
    section: String,
    position: (usize, usize),
}

/// Where a setting handed to a factory was written.
#[derive(Debug, Clone)]
struct Place {
    file: PathBuf,
    section: String,
    position: Option<(usize, usize)>,
}

/// The settings for one factory call, with where each key came from.
#[derive(Debug, Clone)]
struct Prepared {
    settings: Settings,
    /// Keys the section did not write itself: `[global]` and `--set` only.
    inherited: BTreeSet<String>,
    places: BTreeMap<String, Place>,
}

/// A section with its `use` chain followed to a factory name.
struct Resolved {
    factory: String,
    use_site: Site,
    own: BTreeMap<String, Entry>,
    via: Vec<String>,
}

type Built = (BoxApp, Tree);

impl<'r> Loader<'r> {
    /// A loader using `registry`'s factories.
    pub fn new(registry: &'r Registry) -> Self {
        Loader {
            registry,
            overrides: Vec::new(),
            embedded: HashMap::new(),
            docs: HashMap::new(),
            files: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Sets `key` for every factory, over the sections' own values: `--set KEY=VALUE`.
    /// A factory that rejects `key` as unknown does not get it.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.push((key.into(), value.into()));
        self
    }

    /// Uses `text` as the contents of `path` instead of reading the file: a config
    /// built into the binary. `${here}` and relative paths still use `path`.
    pub fn embed(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.embedded.insert(path.into(), text.into());
        self
    }

    /// The config files read from disk so far, for `--reload` to watch.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Loads the app, pipeline or composite that `uri` (`config:FILE[#NAME]`) names.
    pub fn load_app(&mut self, uri: &str) -> Result<Stack, Error> {
        let (path, name) = split_uri(uri)?;
        let doc = self.document(&path, None)?;
        if doc.app_like(&name).is_none() {
            return Err(Error::new(
                ErrorKind::MissingSection,
                &doc.file,
                format!(
                    "no [app.{name}], [pipeline.{name}] or [composite.{name}] section; the file has {}",
                    section_list(&doc, |kind| kind.is_app_like())
                ),
            ));
        }
        let site = Site {
            file: doc.file.clone(),
            section: None,
            key: None,
            position: None,
        };
        let (app, tree) = self.app_section(&doc, &name, &site)?;
        Ok(Stack { app, tree })
    }

    /// Resolves the `[server.NAME]` section `uri` names. A missing `[server.main]` is
    /// Gateway's own server with default settings; any other missing name is an error.
    pub fn load_server(&mut self, uri: &str) -> Result<ServerSection, Error> {
        let (path, name) = split_uri(uri)?;
        let doc = self.document(&path, None)?;
        let id = format!("server.{name}");
        let Some(section) = doc.section(Kind::Server, &name) else {
            if name != "main" {
                return Err(Error::new(
                    ErrorKind::MissingSection,
                    &doc.file,
                    format!(
                        "no [server.{name}] section; the file has {}",
                        section_list(&doc, |kind| kind == Kind::Server)
                    ),
                ));
            }
            let prepared = self.prepare(&doc, &id, &BTreeMap::new());
            return Ok(ServerSection {
                factory: BUILT_IN_SERVER.to_owned(),
                tree: Tree::new(format!("{id}: {BUILT_IN_SERVER} (defaults)")),
                prepared,
            });
        };
        let resolved = self.resolve_use(&doc, section, &[])?;
        if resolved.factory != BUILT_IN_SERVER
            && !self.registry.servers.contains_key(&resolved.factory)
        {
            return Err(unknown_use(
                &resolved.use_site,
                Kind::Server,
                &resolved.factory,
                std::iter::once(BUILT_IN_SERVER)
                    .chain(self.registry.servers.keys().map(String::as_str)),
            ));
        }
        let prepared = self.prepare(&doc, &id, &resolved.own);
        // Only the section's own keys: which inherited ones a server takes is known
        // only when it is configured.
        let own = Settings::from_pairs(
            resolved
                .own
                .iter()
                .map(|(key, entry)| (key.clone(), entry.text.joined())),
        );
        let tree = Tree::new(label(&id, &resolved.factory, &resolved.via, &own));
        Ok(ServerSection {
            factory: resolved.factory,
            tree,
            prepared,
        })
    }

    fn document(&mut self, path: &Path, site: Option<&Site>) -> Result<Arc<Document>, Error> {
        if let Some(doc) = self.docs.get(path) {
            return Ok(doc.clone());
        }
        let doc = match self.embedded.get(path) {
            Some(text) => Document::parse(text, path)?,
            None => {
                let text = std::fs::read_to_string(path).map_err(|e| match site {
                    Some(site) => site.error(
                        ErrorKind::MissingFile,
                        format!("cannot read the config file {}: {e}", path.display()),
                    ),
                    None => Error::new(
                        ErrorKind::MissingFile,
                        path,
                        format!("cannot read the config file: {e}"),
                    ),
                })?;
                self.files.push(path.to_path_buf());
                Document::parse(&text, path)?
            }
        };
        let doc = Arc::new(doc);
        self.docs.insert(path.to_path_buf(), doc.clone());
        Ok(doc)
    }

    /// Follows a section reference: `NAME`, `#NAME` or `config:FILE[#NAME]`.
    fn reference(
        &mut self,
        from: &Arc<Document>,
        reference: &str,
        site: &Site,
    ) -> Result<(Arc<Document>, String), Error> {
        let (doc, name) = match reference.strip_prefix("config:") {
            Some(rest) => {
                let (file, name) = rest.split_once('#').unwrap_or((rest, "main"));
                let doc = if file.is_empty() {
                    from.clone()
                } else {
                    self.document(&from.dir().join(file), Some(site))?
                };
                (doc, name)
            }
            None => (
                from.clone(),
                reference.strip_prefix('#').unwrap_or(reference),
            ),
        };
        if name.is_empty() || name.contains(['#', ':']) {
            return Err(site.error(
                ErrorKind::BadValue,
                format!("{reference:?} is not a section reference: expected NAME, #NAME or config:FILE#NAME"),
            ));
        }
        Ok((doc, name.to_owned()))
    }

    /// Marks a section as being built; a second visit is a cycle.
    fn enter(&mut self, doc: &Document, id: &str, site: &Site) -> Result<(), Error> {
        let file = std::fs::canonicalize(&doc.file).unwrap_or_else(|_| doc.file.clone());
        let key = (file, id.to_owned());
        if let Some(start) = self.stack.iter().position(|frame| *frame == key) {
            let chain: Vec<String> = self.stack[start..]
                .iter()
                .chain(std::iter::once(&key))
                .map(|(file, id)| {
                    if Some(file) == self.stack.first().map(|(f, _)| f) {
                        id.clone()
                    } else {
                        format!("{}#{id}", file.display())
                    }
                })
                .collect();
            return Err(site.error(
                ErrorKind::Cycle,
                format!("reference cycle: {}", chain.join(" -> ")),
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(site.error(
                ErrorKind::Cycle,
                format!("references nest deeper than {MAX_DEPTH} sections"),
            ));
        }
        self.stack.push(key);
        Ok(())
    }

    fn app_ref(
        &mut self,
        from: &Arc<Document>,
        reference: &str,
        site: &Site,
    ) -> Result<Built, Error> {
        let (doc, name) = self.reference(from, reference, site)?;
        self.app_section(&doc, &name, site)
    }

    fn app_section(
        &mut self,
        doc: &Arc<Document>,
        name: &str,
        site: &Site,
    ) -> Result<Built, Error> {
        let section = doc.app_like(name).ok_or_else(|| {
            site.error(
                ErrorKind::MissingSection,
                format!(
                    "no [app.{name}], [pipeline.{name}] or [composite.{name}] section in {}",
                    doc.file.display()
                ),
            )
        })?;
        self.enter(doc, &section.id(), site)?;
        let built = match section.kind {
            Kind::Pipeline => self.pipeline(doc, section),
            Kind::Composite => self.composite(doc, section),
            _ => self.app(doc, section),
        };
        let built = built.and_then(|built| self.filter_with(doc, section, built));
        self.stack.pop();
        built
    }

    fn app(&mut self, doc: &Arc<Document>, section: &Section) -> Result<Built, Error> {
        let resolved = self.resolve_use(doc, section, &["filter-with"])?;
        let factory = registered(&self.registry.apps, &resolved, Kind::App)?;
        let prepared = self.prepare(doc, &section.id(), &resolved.own);
        build(
            section,
            &resolved,
            &resolved.factory,
            &prepared,
            Vec::new(),
            |settings| factory(settings),
        )
    }

    fn pipeline(&mut self, doc: &Arc<Document>, section: &Section) -> Result<Built, Error> {
        reject_unknown_entries(
            &own_entries(doc, section, &[]),
            &["pipeline", "filter-with"],
            |_| false,
            "a pipeline takes only pipeline and filter-with",
        )?;
        let site = Site::key(doc, section, "pipeline");
        let items = section
            .entries
            .get("pipeline")
            .map(|v| v.text.items())
            .ok_or_else(|| {
                site.error(
                    ErrorKind::BadValue,
                    "missing: list the filters, outermost first, and then the app",
                )
            })?;
        let Some((app_ref, filters)) = items.split_last() else {
            return Err(site.error(
                ErrorKind::BadValue,
                "empty: list the filters, outermost first, and then the app",
            ));
        };
        let inner = self.app_ref(doc, app_ref, &site)?;
        self.layers(doc, filters, inner, &site, section.id())
    }

    fn filter_ref(
        &mut self,
        from: &Arc<Document>,
        reference: &str,
        app: BoxApp,
        site: &Site,
    ) -> Result<Built, Error> {
        let (doc, name) = self.reference(from, reference, site)?;
        let section = doc.section(Kind::Filter, &name).ok_or_else(|| {
            site.error(
                ErrorKind::MissingSection,
                format!("no [filter.{name}] section in {}", doc.file.display()),
            )
        })?;
        self.enter(&doc, &section.id(), site)?;
        let built = self
            .filter(&doc, section, app)
            .and_then(|built| self.filter_with(&doc, section, built));
        self.stack.pop();
        built
    }

    fn filter(
        &mut self,
        doc: &Arc<Document>,
        section: &Section,
        app: BoxApp,
    ) -> Result<Built, Error> {
        let resolved = self.resolve_use(doc, section, &["filter-with"])?;
        let factory = registered(&self.registry.filters, &resolved, Kind::Filter)?;
        let prepared = self.prepare(doc, &section.id(), &resolved.own);
        build(
            section,
            &resolved,
            &resolved.factory,
            &prepared,
            Vec::new(),
            |settings| factory(app.clone(), settings),
        )
    }

    /// `filter-with = "f"` or `["outer", "inner"]` wraps a built section.
    fn filter_with(
        &mut self,
        doc: &Arc<Document>,
        section: &Section,
        built: Built,
    ) -> Result<Built, Error> {
        let Some(value) = section.entries.get("filter-with") else {
            return Ok(built);
        };
        let site = Site::key(doc, section, "filter-with");
        let items = value.text.items();
        if items.is_empty() {
            return Err(site.error(ErrorKind::BadValue, "empty: name a filter section"));
        }
        self.layers(
            doc,
            &items,
            built,
            &site,
            format!("{} filter-with", section.id()),
        )
    }

    /// Wraps `inner` in the filter sections `filters`, outermost first; the tree
    /// lists the filters and then `inner` under a node called `name`.
    fn layers(
        &mut self,
        doc: &Arc<Document>,
        filters: &[String],
        inner: Built,
        site: &Site,
        name: String,
    ) -> Result<Built, Error> {
        let (mut app, inner_tree) = inner;
        let mut layers = Vec::with_capacity(filters.len() + 1);
        for filter in filters.iter().rev() {
            let (wrapped, tree) = self.filter_ref(doc, filter, app, site)?;
            app = wrapped;
            layers.push(tree);
        }
        layers.reverse();
        layers.push(inner_tree);
        Ok((app, with_children(Tree::new(name), layers)))
    }

    fn composite(&mut self, doc: &Arc<Document>, section: &Section) -> Result<Built, Error> {
        let resolved = self.resolve_use(doc, section, &["filter-with"])?;
        let id = section.id();
        match resolved.factory.as_str() {
            "cascade" => self.cascade(doc, section, resolved),
            "urlmap" => self.urlmap(doc, section, resolved),
            name => {
                let factory = self.registry.composites.get(name).cloned().ok_or_else(|| {
                    unknown_use(
                        &resolved.use_site,
                        Kind::Composite,
                        name,
                        BUILT_IN_COMPOSITES
                            .into_iter()
                            .chain(self.registry.composites.keys().map(String::as_str)),
                    )
                })?;
                let prepared = self.prepare(doc, &id, &resolved.own);
                let mut children = Vec::new();
                let own = resolved.own.clone();
                let result = call(&prepared, |settings| {
                    children.clear();
                    let mut load = |key: &str, reference: &str| -> Result<BoxApp, BoxError> {
                        let site = match own.get(key) {
                            Some(entry) => entry_site(entry, key),
                            None => Site::key(doc, section, key),
                        };
                        let from = self.doc_of(&site.file, doc);
                        let (app, tree) = self.app_ref(&from, reference, &site)?;
                        children.push(tree);
                        Ok(app)
                    };
                    let mut composite = Composite {
                        settings: settings.clone(),
                        load: &mut load,
                    };
                    factory(&mut composite)
                });
                let (app, used) =
                    result.map_err(|e| factory_error(e, &prepared, &resolved.use_site, name))?;
                Ok((app, node(&id, name, &resolved.via, &used, children)))
            }
        }
    }

    fn cascade(
        &mut self,
        doc: &Arc<Document>,
        section: &Section,
        resolved: Resolved,
    ) -> Result<Built, Error> {
        let id = section.id();
        // Keys other than `apps` (catch, replay_threshold, replay_limit, spill_dir, ...)
        // are the registered implementation's settings: its `from_settings` rejects
        // the ones it does not know, naming them.
        let implementation = self.registry.cascade.clone().ok_or_else(|| {
            resolved.use_site.error(
                ErrorKind::UnknownUse,
                "cascade is built in, but this binary registered no implementation (Registry::cascade)",
            )
        })?;
        let apps = resolved.own.get("apps").ok_or_else(|| {
            Site::key(doc, section, "apps").error(
                ErrorKind::BadValue,
                "missing: list the apps to try, in order",
            )
        })?;
        let site = entry_site(apps, "apps");
        let from = self.doc_of(&apps.file, doc);
        let mut members = Vec::new();
        let mut trees = Vec::new();
        for reference in apps.text.items() {
            let (app, tree) = self.app_ref(&from, &reference, &site)?;
            members.push(app);
            trees.push(tree);
        }
        if members.is_empty() {
            return Err(site.error(ErrorKind::BadValue, "empty: list the apps to try, in order"));
        }
        let mut rest = resolved.own.clone();
        rest.remove("apps");
        let prepared = self.prepare(doc, &id, &rest);
        build(
            section,
            &resolved,
            "cascade",
            &prepared,
            trees,
            |settings| implementation(members.clone(), settings),
        )
    }

    fn urlmap(
        &mut self,
        doc: &Arc<Document>,
        section: &Section,
        resolved: Resolved,
    ) -> Result<Built, Error> {
        let id = section.id();
        reject_unknown_entries(
            &resolved.own,
            &[],
            |key| key.starts_with('/'),
            "a urlmap takes only path prefixes such as \"/blog\" = \"blog\"",
        )?;
        let implementation = self.registry.urlmap.clone().ok_or_else(|| {
            resolved.use_site.error(
                ErrorKind::UnknownUse,
                "urlmap is built in, but this binary registered no implementation (Registry::urlmap)",
            )
        })?;
        let mut prefixes: Vec<(&String, &Entry)> = resolved.own.iter().collect();
        // Longest prefix first, so "/blog/admin" is tried before "/blog".
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        if prefixes.is_empty() {
            return Err(Site::key(doc, section, "use").error(
                ErrorKind::BadValue,
                "a urlmap needs at least one \"/prefix\" = \"app\" key",
            ));
        }
        let mut mounts = Vec::new();
        let mut trees = Vec::new();
        for (prefix, entry) in prefixes {
            let site = entry_site(entry, prefix);
            let Text::One(reference) = &entry.text else {
                return Err(site.error(ErrorKind::BadValue, "expected one app name"));
            };
            let from = self.doc_of(&entry.file, doc);
            let (app, tree) = self.app_ref(&from, reference, &site)?;
            mounts.push((prefix.clone(), app));
            trees.push(Tree::new(format!("{prefix} =>")).child(tree));
        }
        let prepared = self.prepare(doc, &id, &BTreeMap::new());
        build(section, &resolved, "urlmap", &prepared, trees, |settings| {
            implementation(mounts.clone(), settings)
        })
    }

    /// The parsed document for `file`, or `fallback` when `file` is that one.
    fn doc_of(&self, file: &Path, fallback: &Arc<Document>) -> Arc<Document> {
        self.docs
            .get(file)
            .cloned()
            .unwrap_or_else(|| fallback.clone())
    }

    /// Follows `use` through other sections to a factory name, merging their keys
    /// (the referring section's own values win).
    fn resolve_use(
        &mut self,
        doc: &Arc<Document>,
        section: &Section,
        reserved: &[&str],
    ) -> Result<Resolved, Error> {
        let mut reserved = reserved.to_vec();
        reserved.push("use");
        let own = own_entries(doc, section, &reserved);
        let use_site = Site::key(doc, section, "use");
        let Some(value) = section.entries.get("use") else {
            let default = match section.kind {
                Kind::App => self.registry.default_app.clone(),
                Kind::Server => Some(BUILT_IN_SERVER.to_owned()),
                _ => None,
            };
            return match default {
                Some(factory) => Ok(Resolved {
                    factory,
                    use_site,
                    own,
                    via: Vec::new(),
                }),
                None => Err(use_site.error(
                    ErrorKind::BadValue,
                    format!(
                        "missing: name the {} factory that builds this section, e.g. use = \"NAME\"",
                        section.kind
                    ),
                )),
            };
        };
        let Text::One(target) = &value.text else {
            return Err(use_site.error(ErrorKind::BadValue, "expected one name, found a list"));
        };
        if !(target.starts_with('#') || target.starts_with("config:")) {
            return Ok(Resolved {
                factory: target.clone(),
                use_site,
                own,
                via: Vec::new(),
            });
        }
        let (target_doc, name) = self.reference(doc, target, &use_site)?;
        let target_section = target_doc.section(section.kind, &name).ok_or_else(|| {
            use_site.error(
                ErrorKind::MissingSection,
                format!(
                    "no [{}.{name}] section in {}",
                    section.kind,
                    target_doc.file.display()
                ),
            )
        })?;
        self.enter(&target_doc, &target_section.id(), &use_site)?;
        let inner = self.resolve_use(&target_doc, target_section, &reserved);
        self.stack.pop();
        let mut inner = inner?;
        inner.own.extend(own);
        inner.via.insert(0, target_section.id());
        Ok(inner)
    }

    /// `[global]`, then the section's own keys, then `--set`.
    fn prepare(&self, doc: &Document, id: &str, own: &BTreeMap<String, Entry>) -> Prepared {
        let mut values = BTreeMap::new();
        let mut places = BTreeMap::new();
        for (key, value) in &doc.global {
            values.insert(key.clone(), value.text.joined());
            places.insert(
                key.clone(),
                Place {
                    file: doc.file.clone(),
                    section: id.to_owned(),
                    position: Some(value.position),
                },
            );
        }
        for (key, entry) in own {
            values.insert(key.clone(), entry.text.joined());
            places.insert(
                key.clone(),
                Place {
                    file: entry.file.clone(),
                    section: entry.section.clone(),
                    position: Some(entry.position),
                },
            );
        }
        for (key, value) in &self.overrides {
            values.insert(key.clone(), value.clone());
            places.insert(
                key.clone(),
                Place {
                    file: doc.file.clone(),
                    section: id.to_owned(),
                    position: None,
                },
            );
        }
        let inherited = values
            .keys()
            .filter(|key| !own.contains_key(*key))
            .cloned()
            .collect();
        Prepared {
            settings: Settings::from_pairs(values)
                .with_origin(Some(doc.file.clone()), Some(id.to_owned())),
            inherited,
            places,
        }
    }
}

fn entry_site(entry: &Entry, key: &str) -> Site {
    Site {
        file: entry.file.clone(),
        section: Some(entry.section.clone()),
        key: Some(key.to_owned()),
        position: Some(entry.position),
    }
}

fn split_uri(uri: &str) -> Result<(PathBuf, String), Error> {
    let Some(rest) = uri.strip_prefix("config:") else {
        return Err(Error::new(
            ErrorKind::BadValue,
            uri,
            "expected config:FILE or config:FILE#NAME",
        ));
    };
    let (file, name) = rest.split_once('#').unwrap_or((rest, "main"));
    let name = if name.is_empty() { "main" } else { name };
    Ok((PathBuf::from(file), name.to_owned()))
}

fn section_list(doc: &Document, keep: impl Fn(Kind) -> bool) -> String {
    let names: Vec<String> = doc
        .sections
        .values()
        .filter(|s| keep(s.kind))
        .map(|s| format!("[{}]", s.id()))
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn unknown_use<'a>(
    site: &Site,
    kind: Kind,
    name: &str,
    known: impl Iterator<Item = &'a str>,
) -> Error {
    let known: Vec<&str> = known.collect();
    let known = if known.is_empty() {
        "none are registered".to_owned()
    } else {
        format!("registered: {}", known.join(", "))
    };
    site.error(
        ErrorKind::UnknownUse,
        format!("no {kind} factory named {name:?} ({known})"),
    )
}

fn reject_unknown_entries(
    own: &BTreeMap<String, Entry>,
    allowed: &[&str],
    also: impl Fn(&str) -> bool,
    takes: &str,
) -> Result<(), Error> {
    match own
        .iter()
        .find(|(key, _)| !allowed.contains(&key.as_str()) && !also(key))
    {
        None => Ok(()),
        Some((key, entry)) => {
            Err(entry_site(entry, key)
                .error(ErrorKind::UnknownKey, format!("unknown key: {takes}")))
        }
    }
}

/// The first error of type `T` in `error`'s source chain.
fn find_in_chain<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// Calls a factory. If it rejects a key the section did not write (one from
/// `[global]` or `--set`) as unknown, it is called again without the inherited keys
/// it does not know: `[global]` reaches every section that takes its keys.
fn call<T>(
    prepared: &Prepared,
    mut build: impl FnMut(&Settings) -> Result<T, BoxError>,
) -> Result<(T, Settings), BoxError> {
    let error = match build(&prepared.settings) {
        Ok(built) => return Ok((built, prepared.settings.clone())),
        Err(error) => error,
    };
    let Some(settings_error) = find_in_chain::<SettingsError>(&*error) else {
        return Err(error);
    };
    let SettingsErrorKind::Unknown { known } = settings_error.kind() else {
        return Err(error);
    };
    if !prepared.inherited.contains(settings_error.key()) {
        return Err(error);
    }
    let mut settings = prepared.settings.clone();
    for key in &prepared.inherited {
        if !known.contains(key) {
            settings.remove(key);
        }
    }
    build(&settings).map(|built| (built, settings))
}

fn factory_error(error: BoxError, prepared: &Prepared, site: &Site, factory: &str) -> Error {
    if let Some(ours) = find_in_chain::<Error>(&*error) {
        return ours.clone();
    }
    if let Some(settings_error) = find_in_chain::<SettingsError>(&*error) {
        let key = settings_error.key();
        let text = settings_error.to_string();
        let origin = format!("{}: ", settings_error.origin());
        let reason = text.strip_prefix(&origin).unwrap_or(&text).to_owned();
        let mut out = Error::new(ErrorKind::Setting, &site.file, reason).key(key);
        out.details.section = site.section.clone();
        if let Some(place) = prepared.places.get(key) {
            out.details.file = place.file.clone();
            out.details.section = Some(place.section.clone());
            out.details.position = place.position;
        }
        return out;
    }
    site.error(
        ErrorKind::Factory,
        format!("the {factory} factory failed: {error}"),
    )
}

fn label(id: &str, factory: &str, via: &[String], settings: &Settings) -> String {
    let mut out = format!("{id}: {factory}");
    if !via.is_empty() {
        out.push_str(&format!(" (via {})", via.join(", ")));
    }
    if !settings.is_empty() {
        let pairs: Vec<String> = settings.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        out.push_str(&format!(" {{{}}}", pairs.join(", ")));
    }
    out
}

/// The section's entries except `excluded`, each with where it is written.
fn own_entries(doc: &Document, section: &Section, excluded: &[&str]) -> BTreeMap<String, Entry> {
    let id = section.id();
    section
        .entries
        .iter()
        .filter(|(key, _)| !excluded.contains(&key.as_str()))
        .map(|(key, value)| {
            let entry = Entry {
                text: value.text.clone(),
                file: doc.file.clone(),
                section: id.clone(),
                position: value.position,
            };
            (key.clone(), entry)
        })
        .collect()
}

fn with_children(mut tree: Tree, children: Vec<Tree>) -> Tree {
    for child in children {
        tree.push(child);
    }
    tree
}

fn node(id: &str, factory: &str, via: &[String], settings: &Settings, children: Vec<Tree>) -> Tree {
    with_children(Tree::new(label(id, factory, via, settings)), children)
}

/// Calls a factory for `section` and names the result in the tree.
fn build(
    section: &Section,
    resolved: &Resolved,
    factory: &str,
    prepared: &Prepared,
    children: Vec<Tree>,
    make: impl FnMut(&Settings) -> Result<BoxApp, BoxError>,
) -> Result<Built, Error> {
    let (app, used) = call(prepared, make)
        .map_err(|e| factory_error(e, prepared, &resolved.use_site, factory))?;
    Ok((
        app,
        node(&section.id(), factory, &resolved.via, &used, children),
    ))
}

/// The factory `resolved` names in `factories`, or an "unknown use" error.
fn registered<F: Clone>(
    factories: &BTreeMap<String, F>,
    resolved: &Resolved,
    kind: Kind,
) -> Result<F, Error> {
    factories.get(&resolved.factory).cloned().ok_or_else(|| {
        unknown_use(
            &resolved.use_site,
            kind,
            &resolved.factory,
            factories.keys().map(String::as_str),
        )
    })
}
