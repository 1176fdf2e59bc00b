//! `CascadeConfig`: catch statuses, error handling and replay limits.

use std::path::PathBuf;
use std::sync::Arc;

use gw_core::Settings;

use crate::catch::CatchSet;
use crate::replay::Shared;
use crate::CascadeError;

/// Everything about a cascade but its members.
///
/// ```
/// use gw_cascade::{CascadeConfig, CatchSet};
/// use gw_core::Settings;
///
/// let settings = Settings::from_pairs([("catch", "404 405"), ("replay_limit", "1MiB")]);
/// let config = CascadeConfig::from_settings(&settings).unwrap();
/// assert_eq!(config.catch_set(), CatchSet::RACK);
/// assert_eq!(config.limit(), 1 << 20);
///
/// let bad = Settings::from_pairs([("replay_limit", "lots")]);
/// assert_eq!(
///     CascadeConfig::from_settings(&bad).unwrap_err().to_string(),
///     "setting replay_limit = \"lots\": expected a size such as 512, 64KiB, 1MiB or 2GB"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CascadeConfig {
    pub(crate) shared: Arc<Shared>,
}

/// The keys [`CascadeConfig::from_settings`] reads.
pub const SETTINGS_KEYS: &[&str] = &[
    "catch",
    "replay_threshold",
    "replay_limit",
    "spill_dir",
    "errors_as_misses",
];

impl CascadeConfig {
    /// The defaults: catch `{404}`, errors end the cascade, 64 KiB in memory, 16 MiB
    /// cap, spill files in [`std::env::temp_dir`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a config section:
    ///
    /// | key | meaning | default |
    /// |---|---|---|
    /// | `catch` | statuses that mean "try the next member", e.g. `404 405` | `404` |
    /// | `replay_threshold` | body bytes kept in memory before spilling, e.g. `64KiB` | `64KiB` |
    /// | `replay_limit` | most body bytes kept for replay; more gets 413 | `16MiB` |
    /// | `spill_dir` | an existing directory for spill files | the system temp dir |
    /// | `errors_as_misses` | a member's `Err` tries the next member | `false` |
    ///
    /// Unknown keys, bad values, a threshold above the limit and a `spill_dir` that is
    /// not a directory are errors that name the key and the value.
    pub fn from_settings(settings: &Settings) -> Result<Self, CascadeError> {
        settings.check_known(SETTINGS_KEYS)?;
        let mut config = CascadeConfig::new();
        if let Some(list) = settings.get("catch") {
            let catch = CatchSet::parse(list).map_err(|e| {
                settings.invalid(
                    "catch",
                    format!("a list of 4xx or 5xx statuses such as \"404 405\" ({e})"),
                )
            })?;
            config = config.catch(catch);
        }
        if let Some(on) = settings.get_bool("errors_as_misses")? {
            config = config.errors_as_misses(on);
        }
        if let Some(threshold) = settings.get_size("replay_threshold")? {
            config = config.replay_threshold(threshold);
        }
        if let Some(limit) = settings.get_size("replay_limit")? {
            config = config.replay_limit(limit);
        }
        if config.threshold() > config.limit() {
            return Err(settings
                .invalid(
                    if settings.contains("replay_threshold") {
                        "replay_threshold"
                    } else {
                        "replay_limit"
                    },
                    format!(
                        "replay_threshold ({}) at most replay_limit ({})",
                        config.threshold(),
                        config.limit()
                    ),
                )
                .into());
        }
        if let Some(dir) = settings.get_path("spill_dir")? {
            match std::fs::metadata(&dir) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(settings
                        .invalid(
                            "spill_dir",
                            format!("a directory, but {} is a file", dir.display()),
                        )
                        .into())
                }
                Err(e) => {
                    return Err(settings
                        .invalid(
                            "spill_dir",
                            format!("an existing directory ({}: {e})", dir.display()),
                        )
                        .into())
                }
            }
            config = config.spill_dir(dir);
        }
        Ok(config)
    }

    /// Sets the statuses that mean "try the next member".
    pub fn catch(mut self, catch: CatchSet) -> Self {
        Arc::make_mut(&mut self.shared).policy.catch = catch;
        self
    }

    /// When true, a member's `Err` is a miss like a caught status; the last member's
    /// error is still returned. Default false: an `Err` ends the cascade.
    pub fn errors_as_misses(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.shared).policy.errors_as_misses = on;
        self
    }

    /// Body bytes kept in memory before the rest goes to a spill file (default 64 KiB).
    pub fn replay_threshold(mut self, bytes: u64) -> Self {
        Arc::make_mut(&mut self.shared).replay.threshold = bytes;
        self
    }

    /// The most body bytes the members before the last may read between them
    /// (default 16 MiB). A member that reads past it gets a body error, and the client
    /// gets 413. The last member is not limited: it records nothing.
    pub fn replay_limit(mut self, bytes: u64) -> Self {
        Arc::make_mut(&mut self.shared).replay.limit = bytes;
        self
    }

    /// Where spill files are created (default [`std::env::temp_dir`]). The directory
    /// is checked by [`from_settings`](Self::from_settings), not here; a spill file
    /// that cannot be created or written makes the cascade answer 507 Insufficient
    /// Storage and log the error.
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        Arc::make_mut(&mut self.shared).replay.spill_dir = Some(dir.into());
        self
    }

    /// The catch set.
    pub fn catch_set(&self) -> CatchSet {
        self.shared.policy.catch
    }

    /// Whether errors are misses.
    pub fn treats_errors_as_misses(&self) -> bool {
        self.shared.policy.errors_as_misses
    }

    /// The in-memory threshold, in bytes.
    pub fn threshold(&self) -> u64 {
        self.shared.replay.threshold
    }

    /// The replay cap, in bytes.
    pub fn limit(&self) -> u64 {
        self.shared.replay.limit
    }

    /// The spill directory, when one was set.
    pub fn spill_directory(&self) -> Option<&std::path::Path> {
        self.shared.replay.spill_dir.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn empty_settings_give_the_defaults() {
        let config = CascadeConfig::from_settings(&Settings::new()).unwrap();
        assert_eq!(config, CascadeConfig::new());
        assert_eq!(config.catch_set(), CatchSet::NOT_FOUND);
        assert_eq!((config.threshold(), config.limit()), (64 * 1024, 16 << 20));
        assert!(!config.treats_errors_as_misses());
    }

    #[test]
    fn every_key_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let config = CascadeConfig::from_settings(&settings(&[
            ("catch", "404,405, 500"),
            ("replay_threshold", "1KiB"),
            ("replay_limit", "2MiB"),
            ("spill_dir", dir.path().to_str().unwrap()),
            ("errors_as_misses", "yes"),
        ]))
        .unwrap();
        assert_eq!(config.catch_set().to_string(), "404 405 500");
        assert_eq!((config.threshold(), config.limit()), (1024, 2 << 20));
        assert_eq!(config.spill_directory(), Some(dir.path()));
        assert!(config.treats_errors_as_misses());
    }

    #[test]
    fn a_typo_is_an_error_naming_the_key() {
        let err = CascadeConfig::from_settings(&settings(&[("replay_limt", "1MiB")])).unwrap_err();
        assert!(
            err.to_string().starts_with("unknown setting replay_limt"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_catch_list_names_the_key_value_and_item() {
        let err = CascadeConfig::from_settings(&settings(&[("catch", "404 200")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting catch = \"404 200\": expected a list of 4xx or 5xx statuses such as \"404 405\" \
             (catch status 200 is not a client or server error (400-599): a 200 is an answer)"
        );
        let err =
            CascadeConfig::from_settings(&settings(&[("catch", "404 Not Found")])).unwrap_err();
        assert!(err.to_string().contains("\"Not\""), "{err}");
    }

    #[test]
    fn a_threshold_above_the_limit_is_an_error() {
        let err = CascadeConfig::from_settings(&settings(&[
            ("replay_threshold", "2MiB"),
            ("replay_limit", "1MiB"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting replay_threshold = \"2MiB\": expected replay_threshold (2097152) at most replay_limit (1048576)"
        );
    }

    #[test]
    fn a_missing_spill_dir_is_an_error_naming_the_path() {
        let err =
            CascadeConfig::from_settings(&settings(&[("spill_dir", "/no/such/dir")])).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("setting spill_dir = \"/no/such/dir\": expected an existing directory (/no/such/dir: "), "{text}");
    }

    #[test]
    fn a_spill_dir_that_is_a_file_is_an_error() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap().to_owned();
        let err = CascadeConfig::from_settings(&settings(&[("spill_dir", &path)])).unwrap_err();
        assert!(err.to_string().ends_with("is a file"), "{err}");
    }
}
