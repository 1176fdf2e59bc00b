//! The load error: every one names the file, and where it applies the section, the
//! key, and the line and column.

use std::fmt;
use std::path::PathBuf;

/// What went wrong while loading a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not valid TOML, or does not follow the deploy grammar.
    Parse,
    /// A config file cannot be read.
    MissingFile,
    /// A referenced section does not exist.
    MissingSection,
    /// `use` names no registered factory of the right kind.
    UnknownUse,
    /// A `use`, `filter-with`, pipeline or composite reference leads back to itself.
    Cycle,
    /// A value has the wrong shape, or a substitution fails.
    BadValue,
    /// A key that a built-in section does not take.
    UnknownKey,
    /// A factory rejected its settings (a typed [`gw_core::SettingsError`]).
    Setting,
    /// A factory failed for another reason.
    Factory,
}

/// A config that cannot be loaded. `Display` gives
/// `FILE[:LINE:COL] [SECTION] KEY: REASON`, leaving out what does not apply.
///
/// The details are boxed so `Result`s stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub(crate) details: Box<Details>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Details {
    pub(crate) kind: ErrorKind,
    pub(crate) file: PathBuf,
    pub(crate) position: Option<(usize, usize)>,
    pub(crate) section: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) reason: String,
}

impl Error {
    pub(crate) fn new(
        kind: ErrorKind,
        file: impl Into<PathBuf>,
        reason: impl Into<String>,
    ) -> Self {
        Error {
            details: Box::new(Details {
                kind,
                file: file.into(),
                position: None,
                section: None,
                key: None,
                reason: reason.into(),
            }),
        }
    }

    pub(crate) fn at(mut self, position: Option<(usize, usize)>) -> Self {
        self.details.position = position;
        self
    }

    pub(crate) fn section(mut self, section: impl Into<String>) -> Self {
        self.details.section = Some(section.into());
        self
    }

    pub(crate) fn key(mut self, key: impl Into<String>) -> Self {
        self.details.key = Some(key.into());
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.details.kind
    }

    /// The file the error is in (for a reference to a missing file: the file that
    /// holds the reference).
    pub fn file(&self) -> &std::path::Path {
        &self.details.file
    }

    /// The section, as `KIND.NAME` (`app.main`).
    pub fn section_name(&self) -> Option<&str> {
        self.details.section.as_deref()
    }

    /// The key.
    pub fn key_name(&self) -> Option<&str> {
        self.details.key.as_deref()
    }

    /// The 1-based line and column.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.details.position
    }

    /// Why, without the location.
    pub fn reason(&self) -> &str {
        &self.details.reason
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let details = &*self.details;
        write!(f, "{}", details.file.display())?;
        if let Some((line, col)) = details.position {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(section) = &details.section {
            write!(f, " [{section}]")?;
        }
        // A settings error already names its key in the reason.
        if let (Some(key), false) = (&details.key, details.kind == ErrorKind::Setting) {
            write!(f, " {key}")?;
        }
        write!(f, ": {}", details.reason)
    }
}

impl std::error::Error for Error {}

/// The 1-based line and column of byte `offset` in `text` (columns count characters).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    (line, before[line_start..].chars().count() + 1)
}
