//! `Range: bytes=...` parsing, RFC 9110 §14. Pure: no I/O.
//!
//! - `bytes=A-B` is clamped to the file (`B` past the end means "to the end");
//!   `bytes=0-0` is the first byte.
//! - `bytes=A-` runs to the end; `bytes=-N` is the last `N` bytes (the whole file
//!   when `N` exceeds it). Paste serves `-N` as `0..N`; this is the RFC reading.
//! - A unit other than `bytes` is ignored (200 with the whole file), as §14.2
//!   allows.
//! - A `bytes` header with a syntax error or a range whose last position is before
//!   its first is invalid: 416 (§14.2 "invalid or unsatisfiable").
//! - When no range overlaps the file: 416 with `Content-Range: bytes */SIZE`.
//! - Overlapping and adjacent ranges are coalesced and sorted (§14.1.1 allows it).
//!   More than `max_parts` ranges after that, or more than [`MAX_SPECS`] specs
//!   before it, are ignored (200): a cheap answer to range-amplification abuse.
//! - A zero-length file ignores ranges (200 with the empty body), because no
//!   `Content-Range` can describe a part of it.

use std::ops::Range;

/// The most range specs read from one header before it is ignored.
pub(crate) const MAX_SPECS: usize = 256;

/// What a `Range` header asks of a representation of a given size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RangeAnswer {
    /// Ignore the header: send 200 with the whole representation.
    Full,
    /// Send 206 with these byte ranges: sorted, disjoint, non-adjacent, non-empty,
    /// all inside the representation.
    Partial(Vec<Range<u64>>),
    /// Send 416 with `Content-Range: bytes */SIZE`.
    Unsatisfiable,
}

/// Parses a `Range` header value against a representation of `size` bytes.
pub(crate) fn parse(header: &str, size: u64, max_parts: usize) -> RangeAnswer {
    let Some((unit, set)) = header.split_once('=') else {
        return RangeAnswer::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeAnswer::Full;
    }
    if size == 0 {
        return RangeAnswer::Full;
    }
    let mut ranges = Vec::new();
    let mut specs = 0;
    for spec in set.split(',') {
        let spec = spec.trim_matches([' ', '\t']);
        if spec.is_empty() {
            // The grammar allows empty list elements; skip them.
            continue;
        }
        specs += 1;
        if specs > MAX_SPECS {
            return RangeAnswer::Full;
        }
        let Some((first, last)) = spec.split_once('-') else {
            return RangeAnswer::Unsatisfiable;
        };
        let range = if first.is_empty() {
            // suffix-range
            let Some(n) = number(last) else {
                return RangeAnswer::Unsatisfiable;
            };
            if n == 0 {
                continue;
            }
            size.saturating_sub(n)..size
        } else {
            let Some(first) = number(first) else {
                return RangeAnswer::Unsatisfiable;
            };
            let end = if last.is_empty() {
                size
            } else {
                let Some(last) = number(last) else {
                    return RangeAnswer::Unsatisfiable;
                };
                if last < first {
                    return RangeAnswer::Unsatisfiable;
                }
                last.saturating_add(1).min(size)
            };
            if first >= size {
                continue;
            }
            first..end
        };
        ranges.push(range);
    }
    if ranges.is_empty() {
        return RangeAnswer::Unsatisfiable;
    }
    let ranges = coalesce(ranges);
    if ranges.len() > max_parts {
        return RangeAnswer::Full;
    }
    RangeAnswer::Partial(ranges)
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // A number too large for u64 is still a valid, just very large, position.
    Some(s.parse().unwrap_or(u64::MAX))
}

fn coalesce(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::RangeAnswer::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zero_zero_is_one_byte() {
        assert_eq!(parse("bytes=0-0", 10, 8), Partial(vec![0..1]));
    }

    #[test]
    fn suffix_range_is_the_tail_not_the_head() {
        assert_eq!(parse("bytes=-3", 10, 8), Partial(vec![7..10]));
        assert_eq!(parse("bytes=-30", 10, 8), Partial(vec![0..10]));
    }

    #[test]
    fn open_and_clamped_ranges() {
        assert_eq!(parse("bytes=4-", 10, 8), Partial(vec![4..10]));
        assert_eq!(parse("bytes=4-999", 10, 8), Partial(vec![4..10]));
        assert_eq!(
            parse("bytes=4-99999999999999999999999", 10, 8),
            Partial(vec![4..10])
        );
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(parse("bytes=10-", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=10-20, 30-40", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=-0", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=5-2", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=x-2", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=", 10, 8), Unsatisfiable);
    }

    #[test]
    fn one_satisfiable_range_among_unsatisfiable_ones_wins() {
        assert_eq!(parse("bytes=20-30, 2-3", 10, 8), Partial(vec![2..4]));
    }

    #[test]
    fn other_units_and_garbage_are_ignored() {
        assert_eq!(parse("items=0-1", 10, 8), Full);
        assert_eq!(parse("nonsense", 10, 8), Full);
        assert_eq!(parse("BYTES=0-1", 10, 8), Partial(vec![0..2]));
    }

    #[test]
    fn overlapping_and_adjacent_ranges_coalesce_in_order() {
        assert_eq!(
            parse("bytes=5-6, 0-1, 1-2, 3-3, 8-", 10, 8),
            Partial(vec![0..4, 5..7, 8..10])
        );
    }

    #[test]
    fn too_many_parts_are_ignored() {
        assert_eq!(parse("bytes=0-0,2-2,4-4", 10, 2), Full);
        let many = (0..300)
            .map(|i| format!("{}-{}", i * 2, i * 2))
            .collect::<Vec<_>>();
        assert_eq!(
            parse(&format!("bytes={}", many.join(",")), 10_000, 1000),
            Full
        );
    }

    #[test]
    fn the_spec_limit_is_exactly_max_specs() {
        let specs = |n: u64| {
            let list = (0..n).map(|i| format!("{i}-{i}")).collect::<Vec<_>>();
            format!("bytes={}", list.join(","))
        };
        assert_eq!(
            parse(&specs(MAX_SPECS as u64), 10_000, 1000),
            Partial(vec![0..MAX_SPECS as u64])
        );
        assert_eq!(parse(&specs(MAX_SPECS as u64 + 1), 10_000, 1000), Full);
    }

    #[test]
    fn a_position_must_be_digits() {
        assert_eq!(parse("bytes=-", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=0-x", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=-1x", 10, 8), Unsatisfiable);
        assert_eq!(parse("bytes=+1-2", 10, 8), Unsatisfiable);
    }

    #[test]
    fn empty_file_ignores_ranges() {
        assert_eq!(parse("bytes=0-0", 0, 8), Full);
    }

    proptest! {
        #[test]
        fn answers_are_consistent_with_the_size(header in "(bytes|items)=( ?[0-9]{0,3}-[0-9]{0,3} ?,?){0,6}", size in 0u64..600, max in 1usize..8) {
            match parse(&header, size, max) {
                Partial(ranges) => {
                    prop_assert!(!ranges.is_empty() && ranges.len() <= max);
                    for w in ranges.windows(2) {
                        prop_assert!(w[0].end < w[1].start);
                    }
                    for r in &ranges {
                        prop_assert!(r.start < r.end && r.end <= size);
                    }
                }
                Unsatisfiable => prop_assert!(size > 0 && header.starts_with("bytes")),
                Full => {}
            }
        }

        /// Well-formed headers against a byte-by-byte model: the bytes any spec
        /// selects, as maximal runs. A parser that ignored ranges (always `Full`) or
        /// refused them (always `Unsatisfiable`) fails this.
        #[test]
        fn well_formed_ranges_select_exactly_the_bytes_they_name(
            specs in proptest::collection::vec(
                prop_oneof![
                    (0u64..700, 0u64..700).prop_map(|(a, b)| (Some(a.min(b)), Some(a.max(b)))),
                    (0u64..700).prop_map(|a| (Some(a), None)),
                    (0u64..700).prop_map(|n| (None, Some(n))),
                ],
                1..6,
            ),
            size in 1u64..600,
            max in 1usize..8,
        ) {
            let header = format!(
                "bytes={}",
                specs
                    .iter()
                    .map(|(a, b)| format!(
                        "{}-{}",
                        a.map(|a| a.to_string()).unwrap_or_default(),
                        b.map(|b| b.to_string()).unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut chosen = vec![false; size as usize];
            for (a, b) in &specs {
                let picked = match (a, b) {
                    (Some(a), Some(b)) => *a..(*b + 1).min(size),
                    (Some(a), None) => *a..size,
                    (None, Some(n)) => size.saturating_sub(*n)..size,
                    (None, None) => unreachable!(),
                };
                for i in picked {
                    chosen[i as usize] = true;
                }
            }
            let mut runs: Vec<Range<u64>> = Vec::new();
            for (i, &on) in chosen.iter().enumerate() {
                let i = i as u64;
                match runs.last_mut() {
                    Some(run) if on && run.end == i => run.end = i + 1,
                    _ if on => runs.push(i..i + 1),
                    _ => {}
                }
            }
            let expected = if runs.is_empty() {
                Unsatisfiable
            } else if runs.len() > max {
                Full
            } else {
                Partial(runs)
            };
            prop_assert_eq!(parse(&header, size, max), expected, "{}", header);
        }

        #[test]
        fn parse_never_panics(header in any::<String>(), size in any::<u64>()) {
            let _ = parse(&header, size, 16);
        }
    }
}
