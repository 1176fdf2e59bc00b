//! `Settings`: string settings with typed getters that report bad values clearly.
//!
//! This is the twin of the `local_conf` dictionary that paste.deploy hands a factory,
//! with `paste.deploy.converters` built in: every getter parses the string and, on a
//! bad value, returns a [`SettingsError`] that names the file, section, key, value
//! and what was expected.
//!
//! # Value grammar
//!
//! | getter | accepts |
//! |---|---|
//! | [`get_bool`](Settings::get_bool) | `true yes on y t 1` / `false no off n f 0`, any case (Paste's `asbool`) |
//! | [`get_int`](Settings::get_int) | a decimal integer for the target type, `_` allowed as a separator |
//! | [`get_duration`](Settings::get_duration) | a number with a unit: `250ms`, `30s`, `5m`, `2h`, `1d`; a bare number is seconds; fractions allowed (`1.5s`) |
//! | [`get_whole_seconds`](Settings::get_whole_seconds) | a duration as above that is a whole number of seconds (`90`, `2m`); a fraction is an error |
//! | [`get_size`](Settings::get_size) | bytes with an optional unit: `512`, `64KiB`, `1MiB`, `2GiB` (binary); `64KB`, `1MB`, `2GB` (decimal); `64K`, `1M`, `2G` mean binary, as in nginx |
//! | [`get_list`](Settings::get_list) | items separated by commas and/or whitespace; empty items are dropped |
//! | [`get_path`](Settings::get_path) | a path; a relative one is taken from the directory of the config file |

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// String settings with typed getters.
///
/// ```
/// use gw_core::Settings;
/// use std::time::Duration;
///
/// let settings = Settings::from_pairs([("debug", "yes"), ("timeout", "30s"), ("cache", "64KiB")]);
/// assert_eq!(settings.get_bool("debug").unwrap(), Some(true));
/// assert_eq!(settings.get_duration("timeout").unwrap(), Some(Duration::from_secs(30)));
/// assert_eq!(settings.get_size("cache").unwrap(), Some(65536));
/// assert_eq!(settings.get_bool("missing").unwrap(), None);
///
/// let bad = Settings::from_pairs([("debug", "maybe")]);
/// assert_eq!(
///     bad.get_bool("debug").unwrap_err().to_string(),
///     "setting debug = \"maybe\": expected a boolean (true/yes/on/y/t/1 or false/no/off/n/f/0)"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<String, String>,
    origin: Origin,
}

/// Where a set of settings came from, so errors can point at it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The config file, when the settings came from one.
    pub file: Option<PathBuf>,
    /// The section of that file.
    pub section: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, &self.section) {
            (Some(file), Some(section)) => write!(f, "{} [{section}]", file.display()),
            (Some(file), None) => write!(f, "{}", file.display()),
            (None, Some(section)) => write!(f, "[{section}]"),
            (None, None) => Ok(()),
        }
    }
}

/// A setting that is missing, unknown, or does not parse.
///
/// Its `Display` names the file and section (when known), the key, the value and
/// what was expected. The details are boxed so `Result`s stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    details: Box<Details>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    origin: Origin,
    key: String,
    value: Option<String>,
    kind: SettingsErrorKind,
}

impl SettingsError {
    /// Where the settings came from.
    pub fn origin(&self) -> &Origin {
        &self.details.origin
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.details.key
    }

    /// The value, when there was one.
    pub fn value(&self) -> Option<&str> {
        self.details.value.as_deref()
    }

    /// What was wrong.
    pub fn kind(&self) -> &SettingsErrorKind {
        &self.details.kind
    }
}

/// The reason in a [`SettingsError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsErrorKind {
    /// A required key is absent.
    Missing,
    /// A key the consumer does not know; `known` lists the ones it does.
    Unknown {
        /// The keys the consumer accepts.
        known: Vec<String>,
    },
    /// The value does not parse; the text says what was expected.
    Invalid {
        /// What was expected, e.g. "a boolean (true/yes/...)".
        expected: String,
    },
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Details {
            origin,
            key,
            value,
            kind,
        } = &*self.details;
        let origin = origin.to_string();
        if !origin.is_empty() {
            write!(f, "{origin}: ")?;
        }
        match (kind, value) {
            (SettingsErrorKind::Missing, _) => write!(f, "setting {key} is required but missing"),
            (SettingsErrorKind::Unknown { known }, _) => {
                write!(f, "unknown setting {key}")?;
                if known.is_empty() {
                    write!(f, ": this section takes no settings")
                } else {
                    write!(f, ": expected one of {}", known.join(", "))
                }
            }
            (SettingsErrorKind::Invalid { expected }, Some(value)) => {
                write!(f, "setting {key} = {value:?}: expected {expected}")
            }
            (SettingsErrorKind::Invalid { expected }, None) => {
                write!(f, "setting {key}: expected {expected}")
            }
        }
    }
}

impl std::error::Error for SettingsError {}

const BOOL_EXPECTED: &str = "a boolean (true/yes/on/y/t/1 or false/no/off/n/f/0)";

impl Settings {
    /// Empty settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Settings from key/value pairs.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut settings = Settings::new();
        for (k, v) in pairs {
            settings.insert(k, v);
        }
        settings
    }

    /// Records the file and section these settings came from.
    pub fn with_origin(mut self, file: Option<PathBuf>, section: Option<String>) -> Self {
        self.origin = Origin { file, section };
        self
    }

    /// Where these settings came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Sets `key`, returning the value it replaced.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.values.insert(key.into(), value.into())
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.values.remove(key)
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// True if `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// All keys and values, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// True if there are no settings.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The directory relative paths are resolved against: the config file's directory,
    /// or the current directory when the settings did not come from a file.
    pub fn base_dir(&self) -> PathBuf {
        self.origin
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// An error about `key` of these settings; for consumers with their own rules.
    pub fn error(&self, key: &str, kind: SettingsErrorKind) -> SettingsError {
        SettingsError {
            details: Box::new(Details {
                origin: self.origin.clone(),
                key: key.to_owned(),
                value: self.get(key).map(str::to_owned),
                kind,
            }),
        }
    }

    /// An "invalid value" error about `key`, saying what was `expected`.
    pub fn invalid(&self, key: &str, expected: impl Into<String>) -> SettingsError {
        self.error(
            key,
            SettingsErrorKind::Invalid {
                expected: expected.into(),
            },
        )
    }

    /// Fails on the first key that is not in `known`. A `from_settings` constructor
    /// calls this so that a typo in a config file is an error, not silently ignored.
    pub fn check_known(&self, known: &[&str]) -> Result<(), SettingsError> {
        match self.values.keys().find(|k| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some(key) => Err(self.error(
                key,
                SettingsErrorKind::Unknown {
                    known: known.iter().map(|k| (*k).to_owned()).collect(),
                },
            )),
        }
    }

    /// The value of `key`, or a "missing" error.
    pub fn require(&self, key: &str) -> Result<&str, SettingsError> {
        self.get(key)
            .ok_or_else(|| self.error(key, SettingsErrorKind::Missing))
    }

    fn parse<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, SettingsError> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => parse(raw.trim())
                .map(Some)
                .ok_or_else(|| self.invalid(key, expected)),
        }
    }

    /// A boolean, with Paste's words.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, SettingsError> {
        self.parse(key, BOOL_EXPECTED, parse_bool)
    }

    /// An integer of any primitive type.
    pub fn get_int<T: FromStr>(&self, key: &str) -> Result<Option<T>, SettingsError> {
        let expected = format!("an integer ({})", std::any::type_name::<T>());
        self.parse(key, &expected, |raw| raw.replace('_', "").parse().ok())
    }

    /// A duration in whole seconds, such as `90`, `90s`, `5m` or `1d`, for a value
    /// that only whole seconds can express (`Cache-Control: max-age`). A fraction
    /// (`1.5`, `1500ms`) is an error rather than rounded.
    pub fn get_whole_seconds(&self, key: &str) -> Result<Option<u64>, SettingsError> {
        self.parse(
            key,
            "a whole number of seconds, such as 90, 90s, 5m, 2h or 1d (no fraction)",
            |raw| {
                parse_duration(raw)
                    .filter(|d| d.subsec_nanos() == 0)
                    .map(|d| d.as_secs())
            },
        )
    }

    /// A duration such as `30s` or `250ms`; a bare number is seconds.
    pub fn get_duration(&self, key: &str) -> Result<Option<Duration>, SettingsError> {
        self.parse(
            key,
            "a duration such as 250ms, 30s, 5m, 2h or 1d",
            parse_duration,
        )
    }

    /// A size in bytes such as `64KiB`.
    pub fn get_size(&self, key: &str) -> Result<Option<u64>, SettingsError> {
        self.parse(key, "a size such as 512, 64KiB, 1MiB or 2GB", parse_size)
    }

    /// A list of items separated by commas or whitespace.
    pub fn get_list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(parse_list)
    }

    /// A path; relative paths are taken from [`base_dir`](Self::base_dir).
    pub fn get_path(&self, key: &str) -> Result<Option<PathBuf>, SettingsError> {
        self.parse(key, "a non-empty path", |raw| {
            (!raw.is_empty()).then(|| {
                let path = Path::new(raw);
                if path.is_absolute() {
                    path.to_path_buf()
                } else {
                    self.base_dir().join(path)
                }
            })
        })
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Settings {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Settings::from_pairs(iter)
    }
}

/// Paste's `asbool`: `true yes on y t 1` and `false no off n f 0`, any case.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "t" | "1" => Some(true),
        "false" | "no" | "off" | "n" | "f" | "0" => Some(false),
        _ => None,
    }
}

/// Parses `250ms`, `30s`, `5m`, `2h`, `1d`, `1.5s`; a bare number is seconds.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds_per_unit = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "us" | "µs" => 0.000_001,
        "m" | "min" | "mins" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(number * seconds_per_unit).ok()
}

/// Parses `512`, `64KiB`, `64KB`, `64K`, ... into bytes.
pub fn parse_size(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: u64 = number.parse().ok()?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    number.checked_mul(multiplier)
}

/// Splits on commas and whitespace, dropping empty items.
pub fn parse_list(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(key: &str, value: &str) -> Settings {
        Settings::from_pairs([(key, value)])
    }

    #[test]
    fn every_paste_boolean_word_parses() {
        for word in ["true", "yes", "on", "y", "t", "1", "TRUE", " Yes "] {
            assert_eq!(one("k", word).get_bool("k").unwrap(), Some(true), "{word}");
        }
        for word in ["false", "no", "off", "n", "f", "0", "Off"] {
            assert_eq!(one("k", word).get_bool("k").unwrap(), Some(false), "{word}");
        }
    }

    #[test]
    fn bad_boolean_error_names_key_value_and_expectation() {
        let err = one("debug", "maybe").get_bool("debug").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting debug = \"maybe\": expected a boolean (true/yes/on/y/t/1 or false/no/off/n/f/0)"
        );
    }

    #[test]
    fn error_names_the_file_and_section_when_known() {
        let settings =
            one("debug", "2").with_origin(Some("dev.toml".into()), Some("app.main".into()));
        let err = settings.get_bool("debug").unwrap_err();
        assert_eq!(
            err.to_string(),
            "dev.toml [app.main]: setting debug = \"2\": expected a boolean (true/yes/on/y/t/1 or false/no/off/n/f/0)"
        );
    }

    #[test]
    fn integers_parse_and_bad_ones_name_the_type() {
        assert_eq!(one("n", "1_000").get_int::<u32>("n").unwrap(), Some(1000));
        let err = one("n", "-5").get_int::<u32>("n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting n = \"-5\": expected an integer (u32)"
        );
        assert!(one("n", "ten").get_int::<i64>("n").is_err());
    }

    #[test]
    fn durations_take_units_and_fractions() {
        let cases = [
            ("30", Duration::from_secs(30)),
            ("30s", Duration::from_secs(30)),
            ("250ms", Duration::from_millis(250)),
            ("1.5s", Duration::from_millis(1500)),
            ("5m", Duration::from_secs(300)),
            ("2h", Duration::from_secs(7200)),
            ("1d", Duration::from_secs(86400)),
        ];
        for (raw, want) in cases {
            assert_eq!(
                one("t", raw).get_duration("t").unwrap(),
                Some(want),
                "{raw}"
            );
        }
    }

    #[test]
    fn whole_seconds_refuse_a_fraction() {
        assert_eq!(one("t", "120").get_whole_seconds("t").unwrap(), Some(120));
        assert_eq!(one("t", "2m").get_whole_seconds("t").unwrap(), Some(120));
        assert_eq!(one("t", "2000ms").get_whole_seconds("t").unwrap(), Some(2));
        for raw in ["1.5", "1.5s", "1500ms"] {
            let err = one("max_age", raw)
                .get_whole_seconds("max_age")
                .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("setting max_age = {raw:?}: expected a whole number of seconds, such as 90, 90s, 5m, 2h or 1d (no fraction)")
            );
        }
    }

    #[test]
    fn bad_duration_error_names_key_value_and_expectation() {
        let err = one("timeout", "soon").get_duration("timeout").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting timeout = \"soon\": expected a duration such as 250ms, 30s, 5m, 2h or 1d"
        );
        assert!(one("t", "5 parsecs").get_duration("t").is_err());
        assert!(one("t", "-1s").get_duration("t").is_err());
    }

    #[test]
    fn sizes_distinguish_binary_and_decimal_units() {
        let cases = [
            ("512", 512),
            ("64KiB", 65536),
            ("64K", 65536),
            ("64KB", 64_000),
            ("1MiB", 1 << 20),
            ("1m", 1 << 20),
            ("2GB", 2_000_000_000),
        ];
        for (raw, want) in cases {
            assert_eq!(one("s", raw).get_size("s").unwrap(), Some(want), "{raw}");
        }
    }

    #[test]
    fn bad_size_error_names_key_value_and_expectation() {
        let err = one("cap", "lots").get_size("cap").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting cap = \"lots\": expected a size such as 512, 64KiB, 1MiB or 2GB"
        );
        assert!(
            one("cap", "99999999999999999999G").get_size("cap").is_err(),
            "overflow is an error"
        );
    }

    #[test]
    fn lists_split_on_commas_and_whitespace() {
        assert_eq!(
            one("l", "404, 405 500,,").get_list("l").unwrap(),
            ["404", "405", "500"]
        );
        assert_eq!(one("l", "").get_list("l").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn relative_paths_resolve_beside_the_config_file() {
        let settings =
            one("public_dir", "public").with_origin(Some("/srv/app/dev.toml".into()), None);
        assert_eq!(
            settings.get_path("public_dir").unwrap(),
            Some(PathBuf::from("/srv/app/public"))
        );
        let abs = one("public_dir", "/var/www").with_origin(Some("/srv/app/dev.toml".into()), None);
        assert_eq!(
            abs.get_path("public_dir").unwrap(),
            Some(PathBuf::from("/var/www"))
        );
        let err = one("public_dir", "").get_path("public_dir").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting public_dir = \"\": expected a non-empty path"
        );
    }

    #[test]
    fn missing_required_key_is_named() {
        let err = Settings::new().require("root").unwrap_err();
        assert_eq!(err.to_string(), "setting root is required but missing");
    }

    #[test]
    fn unknown_key_is_named_with_the_known_ones() {
        let settings = Settings::from_pairs([("root", "x"), ("max_ag", "1")]);
        let err = settings.check_known(&["root", "max_age"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting max_ag: expected one of root, max_age"
        );
        assert!(Settings::from_pairs([("root", "x")])
            .check_known(&["root"])
            .is_ok());
    }
}
