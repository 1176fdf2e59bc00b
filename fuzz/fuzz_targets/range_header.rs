//! Feeds arbitrary `Range` headers and sizes to static-files' range parser. Nothing
//! may panic; a 206 answer has at most `max_parts` sorted, disjoint, non-adjacent,
//! non-empty ranges inside the representation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let size = u64::from_le_bytes(data[..8].try_into().unwrap()) % (1 << 40);
    let max_parts = usize::from(data[8] % 64) + 1;
    let Ok(header) = std::str::from_utf8(&data[9..]) else {
        return;
    };
    if let Ok(Some(ranges)) = gw_static_files::fuzzing::parse_range(header, size, max_parts) {
        assert!(
            !ranges.is_empty() && ranges.len() <= max_parts,
            "{header:?}"
        );
        let mut previous_end = None;
        for r in &ranges {
            assert!(
                r.start < r.end && r.end <= size,
                "{r:?} of {size} from {header:?}"
            );
            if let Some(end) = previous_end {
                assert!(r.start > end, "ranges not disjoint from {header:?}");
            }
            previous_end = Some(r.end);
        }
    }
});
