//! Two small hashes, with no dependency: FNV-1a (64 bits) for embedded ETags,
//! enough to tell two versions of an asset apart; and [`FastHasher`], the file
//! index's map hasher.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The file index: keys are the paths found when the index was built, so a
/// request can only look keys up, never add one. Hash flooding (which SipHash, the
/// std default, guards against) needs inserted keys; a lookup needs speed.
pub(crate) type IndexMap<V> = HashMap<Box<str>, V, BuildHasherDefault<FastHasher>>;

/// The multiply-rotate word hash of rustc's `FxHasher`: a few instructions per
/// eight bytes of key.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_map_finds_every_key_it_holds_and_no_other() {
        let mut map = IndexMap::default();
        let keys = [
            "",
            "a",
            "a\0",
            "index.html",
            "javascripts/helpers.js",
            "b/c/d.txt",
        ];
        for (n, key) in keys.iter().enumerate() {
            map.insert(Box::<str>::from(*key), n);
        }
        for (n, key) in keys.iter().enumerate() {
            assert_eq!(map.get(*key), Some(&n));
        }
        assert_eq!(map.get("javascripts/helpers.jS"), None);
        assert_eq!(map.get("a\0\0"), None);
    }

    #[test]
    fn known_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a64(b"ab"), fnv1a64(b"ba"));
    }
}
