//! The config file grammar: TOML tables to sections, values to strings, with
//! positions kept for error messages and `${...}` substituted. No factories here.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{line_col, Error, ErrorKind};
use super::substitute::substitute;

/// The kinds of named section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    App,
    Filter,
    Pipeline,
    Composite,
    Server,
}

impl Kind {
    pub(crate) const ALL: [Kind; 5] = [
        Kind::App,
        Kind::Filter,
        Kind::Pipeline,
        Kind::Composite,
        Kind::Server,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Filter => "filter",
            Kind::Pipeline => "pipeline",
            Kind::Composite => "composite",
            Kind::Server => "server",
        }
    }

    fn from_table(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Apps, pipelines and composites all produce an app and share one namespace.
    pub(crate) fn is_app_like(self) -> bool {
        matches!(self, Kind::App | Kind::Pipeline | Kind::Composite)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value after substitution: one string, or a TOML array of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Text {
    One(String),
    List(Vec<String>),
}

impl Text {
    /// The value as a setting: an array's items joined by spaces.
    pub(crate) fn joined(&self) -> String {
        match self {
            Text::One(s) => s.clone(),
            Text::List(items) => items.join(" "),
        }
    }

    /// The value as a list: an array's items, or a string split on commas and spaces.
    pub(crate) fn items(&self) -> Vec<String> {
        match self {
            Text::One(s) => gw_core::settings::parse_list(s),
            Text::List(items) => items.clone(),
        }
    }
}

/// A value and where its key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub(crate) text: Text,
    pub(crate) position: (usize, usize),
}

/// One `[KIND.NAME]` table.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) position: (usize, usize),
    pub(crate) entries: BTreeMap<String, Value>,
}

impl Section {
    /// `KIND.NAME`, as errors and trees show it.
    pub(crate) fn id(&self) -> String {
        format!("{}.{}", self.kind, self.name)
    }
}

/// A parsed config file.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) file: PathBuf,
    pub(crate) global: BTreeMap<String, Value>,
    pub(crate) sections: BTreeMap<(Kind, String), Section>,
}

const TABLES: &str =
    "[global], [app.NAME], [filter.NAME], [pipeline.NAME], [composite.NAME] or [server.NAME]";

impl Document {
    /// Reads and parses `file`.
    #[cfg(test)]
    pub(crate) fn load(file: &Path) -> Result<Document, Error> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            Error::new(
                ErrorKind::MissingFile,
                file,
                format!("cannot read the config file: {e}"),
            )
        })?;
        Document::parse(&text, file)
    }

    /// Parses `text` as if read from `file`, taking variables from the environment.
    pub(crate) fn parse(text: &str, file: &Path) -> Result<Document, Error> {
        Document::parse_with_env(text, file, &|name| std::env::var(name).ok())
    }

    /// Parses `text` as if read from `file`, with `env` as the environment.
    pub(crate) fn parse_with_env(
        text: &str,
        file: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Document, Error> {
        let table = DeTable::parse(text).map_err(|e| {
            let position = e.span().map(|span| line_col(text, span.start));
            Error::new(ErrorKind::Parse, file, e.message().trim_end().to_owned()).at(position)
        })?;
        let here = here(file);
        let parser = Parser {
            text,
            file,
            here: &here,
            env,
        };
        let mut doc = Document {
            file: file.to_path_buf(),
            global: BTreeMap::new(),
            sections: BTreeMap::new(),
        };
        for (key, value) in table.into_inner() {
            let position = parser.position(key.span().start);
            let table_name = key.into_inner();
            let parse_error =
                |reason: String| Error::new(ErrorKind::Parse, file, reason).at(Some(position));
            let DeValue::Table(inner) = value.into_inner() else {
                return Err(parse_error(format!(
                    "{table_name} is outside any section: settings shared by every section go under [global]"
                )));
            };
            if table_name == "global" {
                doc.global = parser.entries("global", inner)?;
                continue;
            }
            let Some(kind) = Kind::from_table(&table_name) else {
                return Err(parse_error(format!(
                    "unknown table [{table_name}]: expected {TABLES}"
                )));
            };
            for (name, section) in inner {
                let position = parser.position(name.span().start);
                let name = name.into_inner().into_owned();
                let id = format!("{kind}.{name}");
                let error = |reason: String| {
                    Error::new(ErrorKind::Parse, file, reason)
                        .at(Some(position))
                        .section(id.clone())
                };
                if name.is_empty() || name.contains(['#', ':', ' ', '\t', '/']) {
                    return Err(error(
                        "a section name must be non-empty, without spaces, '#', ':' or '/'".into(),
                    ));
                }
                let DeValue::Table(values) = section.into_inner() else {
                    return Err(error(format!(
                        "expected a table [{kind}.{name}], found a value; write the section as [{kind}.NAME]"
                    )));
                };
                if kind.is_app_like() {
                    if let Some(other) = doc
                        .sections
                        .values()
                        .find(|s| s.kind.is_app_like() && s.name == name)
                    {
                        return Err(error(format!(
                            "the name {name} is also used by [{}]; apps, pipelines and composites share one namespace",
                            other.id()
                        )));
                    }
                }
                let entries = parser.entries(&id, values)?;
                doc.sections.insert(
                    (kind, name.clone()),
                    Section {
                        kind,
                        name,
                        position,
                        entries,
                    },
                );
            }
        }
        Ok(doc)
    }

    /// The section `[KIND.NAME]`.
    pub(crate) fn section(&self, kind: Kind, name: &str) -> Option<&Section> {
        self.sections.get(&(kind, name.to_owned()))
    }

    /// The app, pipeline or composite called `name`.
    pub(crate) fn app_like(&self, name: &str) -> Option<&Section> {
        [Kind::App, Kind::Pipeline, Kind::Composite]
            .into_iter()
            .find_map(|kind| self.section(kind, name))
    }

    /// The directory `${here}` and relative `config:` references are taken from.
    pub(crate) fn dir(&self) -> PathBuf {
        match self.file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

fn here(file: &Path) -> String {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    absolute
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".".to_owned())
}

struct Parser<'a> {
    text: &'a str,
    file: &'a Path,
    here: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Parser<'_> {
    fn position(&self, offset: usize) -> (usize, usize) {
        line_col(self.text, offset)
    }

    fn entries(&self, section: &str, table: DeTable<'_>) -> Result<BTreeMap<String, Value>, Error> {
        let mut entries = BTreeMap::new();
        for (key, value) in table {
            let position = self.position(key.span().start);
            let key = key.into_inner().into_owned();
            let text = self.text_of(section, &key, value)?;
            entries.insert(key, Value { text, position });
        }
        Ok(entries)
    }

    fn text_of(
        &self,
        section: &str,
        key: &str,
        value: Spanned<DeValue<'_>>,
    ) -> Result<Text, Error> {
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items
                .into_iter()
                .map(|item| {
                    let span = item.span();
                    self.scalar(section, key, span, item.into_inner())
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Text::List),
            other => self.scalar(section, key, span, other).map(Text::One),
        }
    }

    fn scalar(
        &self,
        section: &str,
        key: &str,
        span: std::ops::Range<usize>,
        value: DeValue<'_>,
    ) -> Result<String, Error> {
        let bad = |reason: &str| {
            Error::new(ErrorKind::BadValue, self.file, reason)
                .at(Some(self.position(span.start)))
                .section(section)
                .key(key)
        };
        Ok(match value {
            DeValue::String(s) => substitute(&s, self.here, self.env).map_err(|e| {
                // Point at the `$` when the string is written without escapes.
                let raw = &self.text[span.clone()];
                let start = if raw.len() == s.len() + 2 {
                    span.start + 1 + e.offset()
                } else {
                    span.start
                };
                bad(&e.to_string()).at(Some(self.position(start)))
            })?,
            DeValue::Integer(i) => i.as_str().replace('_', ""),
            DeValue::Float(f) => f.as_str().replace('_', ""),
            DeValue::Boolean(b) => b.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            DeValue::Array(_) => return Err(bad("expected a value, found a nested array")),
            DeValue::Table(_) => return Err(bad("expected a value, found a table")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Document, Error> {
        Document::parse_with_env(text, Path::new("/etc/app/dev.toml"), &|name| {
            (name == "PORT").then(|| "9000".to_owned())
        })
    }

    #[test]
    fn sections_of_every_kind_are_read_with_positions() {
        let doc = parse(
            "[global]\ndebug = true\n[app.a]\nuse = \"x\"\n[filter.f]\nuse = \"y\"\n\
             [pipeline.p]\npipeline = [\"f\", \"a\"]\n[composite.c]\nuse = \"cascade\"\n\
             [server.main]\nbind = \"127.0.0.1:${PORT}\"\n",
        )
        .unwrap();
        assert_eq!(doc.global["debug"].text, Text::One("true".into()));
        assert_eq!(doc.global["debug"].position, (2, 1));
        for kind in Kind::ALL {
            assert_eq!(doc.sections.keys().filter(|(k, _)| *k == kind).count(), 1);
        }
        let pipeline = doc.section(Kind::Pipeline, "p").unwrap();
        assert_eq!(
            pipeline.entries["pipeline"].text,
            Text::List(vec!["f".into(), "a".into()])
        );
        assert_eq!(pipeline.position, (7, 11));
        let server = doc.section(Kind::Server, "main").unwrap();
        assert_eq!(
            server.entries["bind"].text,
            Text::One("127.0.0.1:9000".into())
        );
    }

    #[test]
    fn scalars_become_strings_and_arrays_lists() {
        let doc = parse("[app.a]\nn = 1_000\nf = 1.5\nb = false\ncatch = [404, 405]\n").unwrap();
        let a = &doc.section(Kind::App, "a").unwrap().entries;
        assert_eq!(a["n"].text.joined(), "1000");
        assert_eq!(a["f"].text.joined(), "1.5");
        assert_eq!(a["b"].text.joined(), "false");
        assert_eq!(a["catch"].text.items(), ["404", "405"]);
        assert_eq!(a["catch"].text.joined(), "404 405");
    }

    #[test]
    fn here_is_the_directory_of_the_file() {
        let doc = parse("[app.a]\nroot = \"${here}/public\"\n").unwrap();
        assert_eq!(
            doc.section(Kind::App, "a").unwrap().entries["root"].text,
            Text::One("/etc/app/public".into())
        );
    }

    #[test]
    fn toml_syntax_error_names_file_line_and_column() {
        let err = parse("[app.main]\ndebug = = true\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Parse);
        assert_eq!(err.position(), Some((2, 9)));
        assert!(
            err.to_string().starts_with("/etc/app/dev.toml:2:9: "),
            "{err}"
        );
    }

    #[test]
    fn unknown_table_is_an_error_at_its_header() {
        let err = parse("\n[apps.main]\nx = 1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:2:2: unknown table [apps]: expected [global], [app.NAME], [filter.NAME], [pipeline.NAME], [composite.NAME] or [server.NAME]"
        );
    }

    #[test]
    fn a_key_outside_any_section_is_an_error() {
        let err = parse("debug = true\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:1:1: debug is outside any section: settings shared by every section go under [global]"
        );
    }

    #[test]
    fn a_value_where_a_section_belongs_is_an_error() {
        let err = parse("[app]\nmain = 1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:2:1 [app.main]: expected a table [app.main], found a value; write the section as [app.NAME]"
        );
    }

    #[test]
    fn an_app_and_a_pipeline_with_one_name_are_ambiguous() {
        let err =
            parse("[app.main]\nuse = \"x\"\n[pipeline.main]\npipeline = [\"main\"]\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:3:11 [pipeline.main]: the name main is also used by [app.main]; apps, pipelines and composites share one namespace"
        );
    }

    #[test]
    fn a_nested_table_value_names_section_key_line_and_column() {
        let err = parse("[app.main]\n\nnested = { a = 1 }\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadValue);
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:3:10 [app.main] nested: expected a value, found a table"
        );
    }

    #[test]
    fn a_failed_substitution_points_at_the_dollar() {
        let err = parse("[global]\nroot = \"/srv/${NOPE}\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:2:14 [global] root: environment variable NOPE is not set (write ${NOPE:-DEFAULT} to give a default)"
        );
    }

    #[test]
    fn a_failed_substitution_in_an_escaped_string_points_at_the_string() {
        // With escapes the text is not the source, so the `$` cannot be located.
        let err = parse("[global]\nroot = \"\\t${NOPE}\"\n").unwrap_err();
        assert_eq!(err.position(), Some((2, 8)));
        let err = parse("[app.a]\nuse = [\"x\", \"-${NOPE}\"]\n").unwrap_err();
        assert_eq!(err.position(), Some((2, 15)));
    }

    #[test]
    fn filters_and_servers_have_their_own_namespaces() {
        let doc =
            parse("[app.main]\nuse = \"x\"\n[filter.main]\nuse = \"y\"\n[server.main]\n").unwrap();
        assert_eq!(doc.sections.len(), 3);
        assert_eq!(doc.app_like("main").unwrap().id(), "app.main");
        assert_eq!(
            doc.section(Kind::Filter, "main").unwrap().id(),
            "filter.main"
        );
        assert!(doc.app_like("other").is_none());
        let doc = parse("[composite.c]\nuse = \"cascade\"\n").unwrap();
        assert_eq!(doc.app_like("c").unwrap().kind, Kind::Composite);
        assert_eq!(Kind::Pipeline.to_string(), "pipeline");
        assert!(!Kind::Filter.is_app_like() && !Kind::Server.is_app_like());
    }

    #[test]
    fn the_directory_of_a_bare_file_name_is_the_current_one() {
        let bare = Document::parse_with_env("", Path::new("dev.toml"), &|_| None).unwrap();
        assert_eq!(bare.dir(), PathBuf::from("."));
        let nested = parse("").unwrap();
        assert_eq!(nested.dir(), PathBuf::from("/etc/app"));
    }

    #[test]
    fn a_bad_section_name_is_an_error() {
        let err = parse("[app.\"a#b\"]\nuse = \"x\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/app/dev.toml:1:6 [app.a#b]: a section name must be non-empty, without spaces, '#', ':' or '/'"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = Document::load(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingFile);
        assert!(
            err.to_string()
                .starts_with("/nonexistent/x.toml: cannot read the config file: "),
            "{err}"
        );
    }
}
