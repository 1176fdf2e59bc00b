//! Reading a `std::backtrace::Backtrace` printout into frames, and finding the
//! source lines around a frame. No I/O except [`source_excerpt`].

use std::path::{Path, PathBuf};

/// Who wrote the code of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The application's own crates: a path the compiler saw as relative, or any
    /// path outside the toolchain and Cargo's registry.
    User,
    /// A crates.io or git dependency, or this crate's own machinery.
    Dependency,
    /// The standard library, or a frame without a file.
    Std,
}

/// One frame of a backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) symbol: String,
    pub(crate) file: Option<String>,
    pub(crate) line: Option<u32>,
    pub(crate) origin: Origin,
}

/// Parses the `Display` form of a `std::backtrace::Backtrace`:
///
/// ```text
///   12: helloworld::controllers::fail
///              at ./src/controllers.rs:40:5
/// ```
///
/// Frames of the panic machinery (everything up to `rust_begin_unwind` or
/// `core::panicking::*`) are dropped: they are the same for every panic.
pub(crate) fn parse(text: &str) -> Vec<Frame> {
    let mut frames: Vec<Frame> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(at) = trimmed.strip_prefix("at ") {
            if let Some(frame) = frames.last_mut() {
                let (file, line) = split_location(at);
                frame.origin = origin(&frame.symbol, Some(&file));
                frame.file = Some(file);
                frame.line = line;
            }
        } else if let Some((index, symbol)) = trimmed.split_once(": ") {
            if index.chars().all(|c| c.is_ascii_digit()) && !index.is_empty() {
                frames.push(Frame {
                    symbol: symbol.to_owned(),
                    file: None,
                    line: None,
                    origin: Origin::Std,
                });
            }
        }
    }
    let machinery = frames.iter().rposition(|f| {
        f.symbol.starts_with("core::panicking::")
            || f.symbol.starts_with("std::panicking::")
            || f.symbol.contains("rust_begin_unwind")
            || f.symbol.starts_with("__rustc::")
            || f.symbol.starts_with("std::backtrace")
            || f.symbol
                .starts_with("gw_error_catcher::panic_hook::install_panic_hook")
    });
    if let Some(last) = machinery {
        // Only trim the machinery at the top, never a user frame further down.
        if frames[..last].iter().all(|f| f.origin != Origin::User) {
            frames.drain(..=last);
        }
    }
    frames
}

fn split_location(at: &str) -> (String, Option<u32>) {
    // "path:line:column"; the path itself may contain ':'.
    let mut parts = at.rsplitn(3, ':');
    let column = parts.next();
    let line = parts.next();
    match (parts.next(), line.and_then(|l| l.parse().ok()), column) {
        (Some(path), Some(line), Some(_)) => (path.to_owned(), Some(line)),
        _ => (at.to_owned(), None),
    }
}

fn origin(symbol: &str, file: Option<&str>) -> Origin {
    let Some(file) = file else {
        return Origin::Std;
    };
    // Rust symbols have a path; C runtime frames (`__libc_start_main`) do not.
    if !symbol.contains("::") {
        return Origin::Std;
    }
    if file.starts_with("/rustc/") || file.contains("/rustlib/") || file.contains("/library/std/") {
        Origin::Std
    } else if file.contains("/.cargo/registry/")
        || file.contains("/.cargo/git/")
        || file.contains("/cargo/registry/")
        || symbol.starts_with("gw_error_catcher::")
        || symbol.starts_with("<gw_error_catcher::")
    {
        Origin::Dependency
    } else {
        Origin::User
    }
}

/// Lines around `line` of `file`: `(number, text, is_the_line)`, or `None` when the
/// file cannot be found or read. A relative path is tried from the current
/// directory and its parents, as cargo records workspace paths relative to the
/// workspace root.
pub(crate) fn source_excerpt(
    file: &str,
    line: u32,
    context: u32,
) -> Option<Vec<(u32, String, bool)>> {
    const MAX_FILE: u64 = 4 << 20;
    let path = find_source(Path::new(file))?;
    if std::fs::metadata(&path).ok()?.len() > MAX_FILE {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let first = line.saturating_sub(context).max(1);
    let last = line + context;
    let lines: Vec<(u32, String, bool)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, l))
        .filter(|(n, _)| (first..=last).contains(n))
        .map(|(n, l)| (n, l.to_owned(), n == line))
        .collect();
    (!lines.is_empty()).then_some(lines)
}

fn find_source(path: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        return path.is_file().then(|| path.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .take(5)
        .map(|dir| dir.join(path))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "   0: std::backtrace_rs::backtrace::libunwind::trace
             at /rustc/abc/library/std/src/../../backtrace/src/backtrace/libunwind.rs:117:9
   1: std::backtrace::Backtrace::create
             at /rustc/abc/library/std/src/backtrace.rs:331:13
   2: gw_error_catcher::panic_hook::install_panic_hook::{{closure}}
             at ./crates/error-catcher/src/panic_hook.rs:70:32
   3: std::panicking::rust_panic_with_hook
             at /rustc/abc/library/std/src/panicking.rs:841:13
   4: core::panicking::panic_fmt
             at /rustc/abc/library/core/src/panicking.rs:75:14
   5: helloworld::controllers::fail::{{closure}}
             at ./examples/helloworld/src/controllers.rs:40:5
   6: tokio::runtime::task::core::Core<T,S>::poll
             at /home/u/.cargo/registry/src/index.crates.io-1/tokio-1.54.1/src/runtime/task/core.rs:365:24
   7: __libc_start_call_main
             at ./csu/../sysdeps/nptl/libc_start_call_main.h:58:16
";

    #[test]
    fn frames_are_parsed_and_panic_machinery_is_dropped() {
        let frames = parse(SAMPLE);
        assert_eq!(frames.len(), 3, "{frames:#?}");
        assert_eq!(
            frames[0].symbol,
            "helloworld::controllers::fail::{{closure}}"
        );
        assert_eq!(
            frames[0].file.as_deref(),
            Some("./examples/helloworld/src/controllers.rs")
        );
        assert_eq!(frames[0].line, Some(40));
        assert_eq!(frames[0].origin, Origin::User);
        assert_eq!(frames[1].origin, Origin::Dependency);
        assert_eq!(
            frames[2].origin,
            Origin::Std,
            "C runtime frames are not user code"
        );
    }

    #[test]
    fn paths_with_colons_keep_them() {
        assert_eq!(
            split_location("C:\\src\\main.rs:3:7"),
            ("C:\\src\\main.rs".to_owned(), Some(3))
        );
    }

    #[test]
    fn an_excerpt_marks_the_failing_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.rs");
        std::fs::write(&file, "a\nb\nc\nd\ne\n").unwrap();
        let excerpt = source_excerpt(file.to_str().unwrap(), 3, 1).unwrap();
        assert_eq!(
            excerpt,
            [
                (2, "b".to_owned(), false),
                (3, "c".to_owned(), true),
                (4, "d".to_owned(), false)
            ]
        );
        assert!(source_excerpt("/no/such/file.rs", 1, 1).is_none());
    }
}
