//! Building both layers from a config file's settings.

use gw_core::{Settings, SettingsError};

use crate::{ErrorCatcherLayer, JsonLinesReporter};

/// The keys both layers accept, so that one settings section configures both.
pub(crate) const KNOWN: &[&str] = &[
    "debug",
    "report_file",
    "error_documents",
    "error_document_path",
];

impl ErrorCatcherLayer {
    /// A layer configured from settings.
    ///
    /// | key | meaning | default |
    /// |---|---|---|
    /// | `debug` | show the debug page (Paste's `asbool` words) | `false` |
    /// | `report_file` | append a JSON line per failure to this file (relative to the config file) | none |
    ///
    /// It accepts the [`ErrorDocumentsLayer`](crate::ErrorDocumentsLayer)'s keys too,
    /// so one settings section can configure both layers; any other key is an error.
    /// A report file that cannot be opened is an error here, at start-up.
    ///
    /// ```
    /// use gw_error_catcher::ErrorCatcherLayer;
    /// use gw_core::Settings;
    ///
    /// let layer = ErrorCatcherLayer::from_settings(&Settings::from_pairs([("debug", "yes")]))?;
    /// assert!(layer.is_debug());
    ///
    /// let err = ErrorCatcherLayer::from_settings(&Settings::from_pairs([("debug", "maybe")]))
    ///     .unwrap_err();
    /// assert!(err.to_string().starts_with("setting debug = \"maybe\""));
    /// # Ok::<(), gw_core::SettingsError>(())
    /// ```
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        settings.check_known(KNOWN)?;
        let mut layer =
            ErrorCatcherLayer::new().debug(settings.get_bool("debug")?.unwrap_or(false));
        if let Some(path) = settings.get_path("report_file")? {
            let reporter = JsonLinesReporter::new(&path).map_err(|e| {
                settings.invalid(
                    "report_file",
                    format!(
                        "a file that can be opened for appending ({}: {e})",
                        path.display()
                    ),
                )
            })?;
            layer = layer.reporter(reporter);
        }
        Ok(layer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorDocumentsLayer;

    #[test]
    fn debug_defaults_to_off() {
        assert!(!ErrorCatcherLayer::from_settings(&Settings::new())
            .unwrap()
            .is_debug());
    }

    #[test]
    fn an_unopenable_report_file_is_named_at_start_up() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::from_pairs([("report_file", "no/such/dir/errors.jsonl")])
            .with_origin(
                Some(dir.path().join("app.toml")),
                Some("filter.errors".into()),
            );
        let err = ErrorCatcherLayer::from_settings(&settings)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[filter.errors]: setting report_file = \"no/such/dir/errors.jsonl\""),
            "{err}"
        );
        assert!(err.contains("opened for appending"), "{err}");
    }

    #[test]
    fn a_report_file_relative_to_the_config_file_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::from_pairs([("report_file", "errors.jsonl")])
            .with_origin(Some(dir.path().join("app.toml")), None);
        ErrorCatcherLayer::from_settings(&settings).unwrap();
        assert!(dir.path().join("errors.jsonl").is_file());
    }

    #[test]
    fn one_section_configures_both_layers_and_typos_are_refused() {
        let shared = Settings::from_pairs([
            ("debug", "false"),
            ("error_documents", "404"),
            ("error_document_path", "/oops"),
        ]);
        assert!(ErrorCatcherLayer::from_settings(&shared).is_ok());
        assert!(ErrorDocumentsLayer::from_settings(&shared).is_ok());
        let typo = Settings::from_pairs([("error_document", "404")]);
        assert!(ErrorCatcherLayer::from_settings(&typo)
            .unwrap_err()
            .to_string()
            .contains("unknown setting error_document"));
        assert!(ErrorDocumentsLayer::from_settings(&typo).is_err());
    }

    #[test]
    fn bad_error_document_settings_are_named() {
        let bad = Settings::from_pairs([("error_documents", "404 abc")]);
        let err = ErrorDocumentsLayer::from_settings(&bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"abc\" is not one"), "{err}");
        let bad = Settings::from_pairs([("error_document_path", "error")]);
        assert!(ErrorDocumentsLayer::from_settings(&bad).is_err());
        let none = Settings::from_pairs([("error_documents", "")]);
        assert_eq!(
            ErrorDocumentsLayer::from_settings(&none)
                .unwrap()
                .statuses()
                .count(),
            0
        );
    }
}
