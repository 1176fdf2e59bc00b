//! Variable substitution in config values: `${here}`, `${VAR}`, `${VAR:-default}`
//! and `$$` for a literal `$`. Pure string work, no I/O: the caller supplies the
//! environment lookup.

use std::fmt;

/// Why a value could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SubstituteError {
    /// `${` without its closing `}`; the offset is that of the `$`.
    Unterminated { offset: usize },
    /// `${}` or `${:-x}`.
    EmptyName { offset: usize },
    /// A variable that is not set and has no default.
    Unset { offset: usize, name: String },
}

impl SubstituteError {
    /// The byte offset of the offending `$` inside the value.
    pub(crate) fn offset(&self) -> usize {
        match self {
            SubstituteError::Unterminated { offset }
            | SubstituteError::EmptyName { offset }
            | SubstituteError::Unset { offset, .. } => *offset,
        }
    }
}

impl fmt::Display for SubstituteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubstituteError::Unterminated { .. } => {
                write!(f, "`${{` is not closed by `}}` (write `$$` for a literal `$`)")
            }
            SubstituteError::EmptyName { .. } => write!(f, "`${{}}` names no variable"),
            SubstituteError::Unset { name, .. } => write!(
                f,
                "environment variable {name} is not set (write ${{{name}:-DEFAULT}} to give a default)"
            ),
        }
    }
}

/// Expands `raw`. `here` is the config file's directory; `env` looks a variable up.
///
/// - `${here}` is the directory of the config file;
/// - `${NAME}` is the environment variable NAME, an error when unset;
/// - `${NAME:-DEFAULT}` is NAME, or DEFAULT when NAME is unset or empty;
/// - `$$` is a literal `$`, and so is a `$` not followed by `{` or `$`.
pub(crate) fn substitute(
    raw: &str,
    here: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, SubstituteError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut consumed = 0;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let offset = consumed + dollar;
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            consumed = offset + 2;
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let close = body
                .find('}')
                .ok_or(SubstituteError::Unterminated { offset })?;
            let expr = &body[..close];
            let (name, default) = match expr.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (expr, None),
            };
            if name.is_empty() {
                return Err(SubstituteError::EmptyName { offset });
            }
            let value = if name == "here" {
                Some(here.to_owned())
            } else {
                env(name).filter(|v| !(default.is_some() && v.is_empty()))
            };
            match (value, default) {
                (Some(value), _) => out.push_str(&value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => {
                    return Err(SubstituteError::Unset {
                        offset,
                        name: name.to_owned(),
                    })
                }
            }
            consumed = offset + 2 + close + 1;
            rest = &body[close + 1..];
        } else {
            out.push('$');
            consumed = offset + 1;
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "PORT" => Some("9000".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn sub(raw: &str) -> Result<String, SubstituteError> {
        substitute(raw, "/srv/app", &env)
    }

    #[test]
    fn here_is_the_config_directory() {
        assert_eq!(sub("${here}/public").unwrap(), "/srv/app/public");
    }

    #[test]
    fn environment_variables_expand_and_defaults_apply_when_unset_or_empty() {
        assert_eq!(sub("127.0.0.1:${PORT}").unwrap(), "127.0.0.1:9000");
        assert_eq!(sub("${PORT:-80}").unwrap(), "9000");
        assert_eq!(sub("${MISSING:-80}").unwrap(), "80");
        assert_eq!(sub("${EMPTY:-80}").unwrap(), "80");
        assert_eq!(sub("${EMPTY}").unwrap(), "");
        assert_eq!(sub("${MISSING:-}").unwrap(), "");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar_and_a_lone_dollar_stays() {
        assert_eq!(sub("$${PORT}").unwrap(), "${PORT}");
        assert_eq!(sub("costs $5").unwrap(), "costs $5");
        assert_eq!(sub("a$$b$").unwrap(), "a$b$");
        assert_eq!(sub("100%").unwrap(), "100%");
    }

    #[test]
    fn unset_variable_without_default_is_an_error_at_its_offset() {
        let err = sub("x=${NOPE}").unwrap_err();
        assert_eq!(err.offset(), 2);
        assert_eq!(
            err.to_string(),
            "environment variable NOPE is not set (write ${NOPE:-DEFAULT} to give a default)"
        );
    }

    #[test]
    fn unterminated_and_empty_references_are_errors() {
        assert_eq!(
            sub("ab${here").unwrap_err(),
            SubstituteError::Unterminated { offset: 2 }
        );
        assert_eq!(
            sub("${}").unwrap_err(),
            SubstituteError::EmptyName { offset: 0 }
        );
    }

    #[test]
    fn offsets_count_from_the_start_after_earlier_substitutions() {
        let err = sub("${PORT}$$${X}").unwrap_err();
        assert_eq!(err.offset(), 9);
    }

    #[test]
    fn offsets_count_past_lone_dollars_and_earlier_references() {
        assert_eq!(sub("$x${NOPE}").unwrap_err().offset(), 2);
        assert_eq!(sub("${here}-${NOPE}").unwrap_err().offset(), 8);
        assert_eq!(sub("${PORT:-1}${}").unwrap_err().offset(), 10);
        assert_eq!(sub("ab${here}cd").unwrap(), "ab/srv/appcd");
    }

    #[test]
    fn errors_say_how_to_write_the_value() {
        assert_eq!(
            sub("${here").unwrap_err().to_string(),
            "`${` is not closed by `}` (write `$$` for a literal `$`)"
        );
        assert_eq!(
            sub("${:-x}").unwrap_err().to_string(),
            "`${}` names no variable"
        );
    }

    proptest::proptest! {
        #[test]
        fn text_without_a_dollar_is_unchanged(raw in "[^$]*") {
            proptest::prop_assert_eq!(sub(&raw).unwrap(), raw);
        }

        #[test]
        fn doubling_every_dollar_gives_the_text_back(raw in ".*") {
            let escaped = raw.replace('$', "$$");
            proptest::prop_assert_eq!(sub(&escaped).unwrap(), raw);
        }

        #[test]
        fn a_default_is_used_verbatim_for_an_unset_variable(default in "[^}$]*") {
            let raw = format!("${{GATEWAY_UNSET:-{default}}}");
            proptest::prop_assert_eq!(sub(&raw).unwrap(), default);
        }
    }
}
