//! Feeds arbitrary request paths to static-files' path resolver. Nothing may panic,
//! and an accepted path never yields a key that could leave the public root: no
//! `.`/`..` or empty segment, no separator or control byte inside a segment, no
//! dotfile unless allowed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let Ok(raw) = std::str::from_utf8(rest) else {
        return;
    };
    let dotfiles = flag & 1 == 1;
    if let Some(key) = gw_static_files::fuzzing::resolve_path(raw, dotfiles) {
        assert!(!key.starts_with('/') && !key.ends_with('/'), "{key:?}");
        if key.is_empty() {
            return;
        }
        for segment in key.split('/') {
            assert!(!segment.is_empty(), "empty segment in {key:?} from {raw:?}");
            assert!(
                segment != "." && segment != "..",
                "dot segment from {raw:?}"
            );
            assert!(
                !segment.bytes().any(|b| b == b'\\' || b < 0x20 || b == 0x7f),
                "forbidden byte in {key:?} from {raw:?}"
            );
            assert!(
                dotfiles || !segment.starts_with('.'),
                "dotfile from {raw:?}"
            );
        }
    }
});
