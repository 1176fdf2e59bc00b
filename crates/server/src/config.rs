//! Config files, first cut: `[global]`, `[app.NAME]` and `[server.NAME]` tables.
//!
//! ```toml
//! [global]            # inherited by every [app.*] section; a section's own value wins
//! debug = true
//!
//! [app.main]
//! public_dir = "public"   # relative paths are taken from this file's directory
//!
//! [server.main]
//! bind = "127.0.0.1:8000"
//! ```
//!
//! Values may be strings, integers, floats or booleans; arrays become
//! space-separated lists. Each section becomes a [`Settings`] that remembers the file
//! and section, so a bad value is reported as `FILE [SECTION]: setting KEY = ...`.
//! The full paste.deploy grammar (pipelines, filters, composites, `use`) is issue #9.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use gateway_core::Settings;

/// A parsed config file.
#[derive(Debug, Clone)]
pub struct Config {
    file: PathBuf,
    global: BTreeMap<String, String>,
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

/// A config file that cannot be read or does not follow the grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// The section, when the error is inside one.
    pub section: Option<String>,
    /// The key, when the error is about one.
    pub key: Option<String>,
    /// The 1-based line and column, for parse errors.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(section) = &self.section {
            write!(f, " [{section}]")?;
        }
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and parses `file`.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            section: None,
            key: None,
            position: None,
            reason: format!("cannot read the config file: {e}"),
        })?;
        Config::parse(&text, file)
    }

    /// Parses `text`, reporting errors against `file` (whose directory is `${here}`).
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let error =
            |section: Option<&str>, key: Option<&str>, position, reason: String| ConfigError {
                file: file.to_path_buf(),
                section: section.map(str::to_owned),
                key: key.map(str::to_owned),
                position,
                reason,
            };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let position = e.span().map(|span| line_col(text, span.start));
            error(None, None, position, e.message().to_owned())
        })?;
        let mut config = Config {
            file: file.to_path_buf(),
            global: BTreeMap::new(),
            sections: BTreeMap::new(),
        };
        for (kind, value) in table {
            match (kind.as_str(), value) {
                ("global", toml::Value::Table(values)) => {
                    config.global = flatten(&values)
                        .map_err(|(key, reason)| error(Some("global"), Some(&key), None, reason))?;
                }
                ("app" | "server", toml::Value::Table(named)) => {
                    for (name, section) in named {
                        let section_name = format!("{kind}.{name}");
                        let toml::Value::Table(values) = section else {
                            return Err(error(
                                Some(&section_name),
                                None,
                                None,
                                "expected a table of settings".into(),
                            ));
                        };
                        let values = flatten(&values).map_err(|(key, reason)| {
                            error(Some(&section_name), Some(&key), None, reason)
                        })?;
                        config.sections.insert(section_name, values);
                    }
                }
                (other, _) => {
                    return Err(error(
                        Some(other),
                        None,
                        None,
                        "unknown section: expected [global], [app.NAME] or [server.NAME]".into(),
                    ))
                }
            }
        }
        Ok(config)
    }

    /// The settings of `[KIND.NAME]` over `[global]`, or `None` if the section is absent.
    pub fn section(&self, kind: &str, name: &str) -> Option<Settings> {
        let section = format!("{kind}.{name}");
        let own = self.sections.get(&section)?;
        let mut settings = Settings::new();
        for (k, v) in self.global.iter().chain(own) {
            settings.insert(k.clone(), v.clone());
        }
        Some(settings.with_origin(Some(self.file.clone()), Some(section)))
    }

    /// The settings of `[app.NAME]` (empty over `[global]` if absent).
    pub fn app(&self, name: &str) -> Settings {
        self.section("app", name)
            .unwrap_or_else(|| self.global_only(&format!("app.{name}")))
    }

    /// The settings of `[server.NAME]`: only its own keys, since `[global]` holds app
    /// settings (such as `debug`) that a server does not take.
    pub fn server(&self, name: &str) -> Settings {
        let section = format!("server.{name}");
        let own = self.sections.get(&section).cloned().unwrap_or_default();
        Settings::from_pairs(own).with_origin(Some(self.file.clone()), Some(section))
    }

    fn global_only(&self, section: &str) -> Settings {
        Settings::from_pairs(self.global.clone())
            .with_origin(Some(self.file.clone()), Some(section.to_owned()))
    }

    /// The file this config came from.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

fn flatten(values: &toml::Table) -> Result<BTreeMap<String, String>, (String, String)> {
    values
        .iter()
        .map(|(key, value)| {
            scalar(value)
                .map(|v| (key.clone(), v))
                .map_err(|reason| (key.clone(), reason))
        })
        .collect()
}

fn scalar(value: &toml::Value) -> Result<String, String> {
    Ok(match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Result<Vec<_>, _>>()?
            .join(" "),
        toml::Value::Table(_) => return Err("expected a value, found a table".into()),
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/app/dev.toml"))
    }

    #[test]
    fn section_values_override_global_ones() {
        let config =
            parse("[global]\ndebug = true\nname = \"g\"\n[app.main]\ndebug = false\n").unwrap();
        let app = config.app("main");
        assert_eq!(app.get("debug"), Some("false"));
        assert_eq!(app.get("name"), Some("g"));
        assert_eq!(app.origin().section.as_deref(), Some("app.main"));
    }

    #[test]
    fn scalars_and_arrays_become_strings() {
        let config = parse("[app.main]\nn = 3\nf = 1.5\nlist = [404, 405]\n").unwrap();
        let app = config.app("main");
        assert_eq!(app.get("n"), Some("3"));
        assert_eq!(app.get("f"), Some("1.5"));
        assert_eq!(app.get_list("list").unwrap(), ["404", "405"]);
    }

    #[test]
    fn parse_errors_name_file_line_and_column() {
        let err = parse("[app.main]\ndebug = = true\n").unwrap_err();
        assert_eq!(err.position, Some((2, 9)));
        assert!(
            err.to_string().starts_with("/etc/app/dev.toml:2:9: "),
            "{err}"
        );
    }

    #[test]
    fn unknown_sections_are_errors() {
        let err = parse("[apps.main]\nx = 1\n").unwrap_err();
        assert_eq!(err.to_string(), "/etc/app/dev.toml [apps]: unknown section: expected [global], [app.NAME] or [server.NAME]");
    }

    #[test]
    fn nested_tables_in_a_section_are_errors_naming_the_key() {
        let err = parse("[app.main]\nnested = { a = 1 }\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml [app.main] nested: expected a value, found a table"
        );
    }

    #[test]
    fn missing_file_is_named() {
        let err = Config::load(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/x.toml: cannot read the config file"),
            "{err}"
        );
    }

    #[test]
    fn relative_paths_resolve_beside_the_file() {
        let config = parse("[app.main]\npublic_dir = \"public\"\n").unwrap();
        assert_eq!(
            config.app("main").get_path("public_dir").unwrap(),
            Some(PathBuf::from("/etc/app/public"))
        );
    }
}
