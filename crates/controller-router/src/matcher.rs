//! Matching: a segment trie that finds the first route, in the order routes were
//! added, that accepts a path. Pure, no I/O.
//!
//! # How "first added wins" survives the trie
//!
//! Every route gets its index in the order it was added. The trie is built from the
//! routes' *shapes* only (static text, "one segment", a complex segment's literal
//! skeleton, "the rest"); requirements and conditions are not in it. Each node keeps
//! the smallest route index found anywhere below it (`min`).
//!
//! A lookup walks the trie depth first and keeps `best`, the smallest index that has
//! fully matched so far (path, requirements, method, custom condition). It skips any
//! subtree whose `min` is not smaller than `best`; at a node where routes end it
//! tries them in index order and stops at the first that accepts. A subtree is only
//! skipped when it cannot hold a smaller index, and every route whose shape fits the
//! path is reached otherwise, so the answer is exactly the one a linear scan in
//! connect order would give — without the scan. Regexes run only for requirements,
//! and only on routes the trie has already reached.
//!
//! Where a node has only one child that can still hold a smaller index, the walk
//! goes on in a loop rather than a call; it only recurses at real forks (a static
//! and a variable child both viable, or complex children), so the depth-first
//! order above is unchanged.
//!
//! Routes itself buckets routes by literal prefix (longest first) before connect
//! order; we keep plain connect order, the rule Routes documents.

use std::borrow::Cow;

use http::Method;
use percent_encoding::percent_decode_str;

use crate::pattern::{match_pieces, split_segment, Piece, Segment};
use crate::route::{CompiledRoute, KnownControllers};

/// A trie node.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// Static children's keys, sorted, kept apart from the children and dense so
    /// that a lookup touches few cache lines; the key compares as integers, so
    /// the text itself is only read for segments longer than eight bytes.
    static_keys: Vec<StaticKey>,
    statics: Vec<(Box<str>, Node)>,
    /// For a node with many static children, an open-addressing hash table
    /// of their keys (slots hold index + 1, 0 is empty; its length is a power
    /// of two, at least four times the number of children), so that a lookup makes
    /// one or two probes instead of bisecting. Empty for a narrow node, which
    /// is scanned.
    table: Box<[u16]>,
    /// The child for a whole-segment variable.
    param: Option<Box<Node>>,
    /// Children for complex segments, keyed by their skeleton: the pieces with
    /// variables renumbered by position, so that names do not split the trie.
    complex: Vec<(Vec<Piece>, Node)>,
    /// Routes whose greedy variable starts here, ascending.
    greedy: Vec<u32>,
    /// Routes that end here, ascending.
    ends: Vec<u32>,
    /// The smallest route index in this subtree.
    min: u32,
}

/// Above this many static children a node gets a first-byte table.
const SCAN_LIMIT: usize = 8;

/// The `rest` offset that means "the path is used up".
pub(crate) const END: usize = usize::MAX;

/// What a lookup carries down the trie.
pub(crate) struct Walk<'a, F> {
    /// The raw path; it starts with `/`.
    pub(crate) path: &'a str,
    /// The smallest route index that has fully matched so far (`u32::MAX`: none).
    pub(crate) best: u32,
    /// Ranges taken by whole-segment and greedy variables on the way down, so
    /// that `accept` can check a route without complex segments without
    /// walking the path again.
    pub(crate) slots: Slots,
    /// Whether a route whose shape fits also accepts (requirements, method,
    /// custom condition).
    pub(crate) accept: F,
}

impl Node {
    pub(crate) fn new() -> Self {
        Node {
            min: u32::MAX,
            ..Node::default()
        }
    }

    /// Adds route `index` (indices must be added in increasing order).
    pub(crate) fn insert(&mut self, segments: &[Segment], index: u32) {
        self.min = self.min.min(index);
        let Some((first, rest)) = segments.split_first() else {
            self.ends.push(index);
            return;
        };
        let child = match first {
            Segment::Greedy(_) => {
                self.greedy.push(index);
                return;
            }
            Segment::Static(text) => match self.find_static(text.as_bytes()) {
                Some(i) => &mut self.statics[i].1,
                None => {
                    let key = StaticKey::of(text.as_bytes());
                    let i = self.static_keys.partition_point(|k| *k <= key);
                    self.static_keys.insert(i, key);
                    self.statics.insert(i, (text.clone(), Node::new()));
                    self.index_statics();
                    &mut self.statics[i].1
                }
            },
            Segment::Param(_) => self.param.get_or_insert_with(|| Box::new(Node::new())),
            Segment::Complex(pieces) => {
                let shape: Vec<Piece> = pieces
                    .iter()
                    .enumerate()
                    .map(|(i, p)| match p {
                        Piece::Lit(t) => Piece::Lit(t.clone()),
                        Piece::Var(_) => Piece::Var(i),
                        Piece::Format(_) => Piece::Format(i),
                    })
                    .collect();
                match self.complex.iter().position(|(s, _)| *s == shape) {
                    Some(i) => &mut self.complex[i].1,
                    None => {
                        self.complex.push((shape, Node::new()));
                        &mut self.complex.last_mut().expect("just pushed").1
                    }
                }
            }
        };
        child.insert(rest, index);
    }

    /// Rebuilds the hash table once there are enough static children.
    fn index_statics(&mut self) {
        let n = self.static_keys.len();
        if n <= SCAN_LIMIT || n >= usize::from(u16::MAX) / 4 {
            self.table = Box::default();
            return;
        }
        let mut table = vec![0u16; (4 * n).next_power_of_two()];
        let mask = table.len() - 1;
        for (i, key) in self.static_keys.iter().enumerate() {
            let mut h = key.hash() & mask;
            while table[h] != 0 {
                h = (h + 1) & mask;
            }
            table[h] = (i + 1) as u16;
        }
        self.table = table.into_boxed_slice();
    }

    /// Finds the smallest route index `walk.accept` agrees to, below `walk.best`.
    ///
    /// `rest` is the byte offset in the path of what follows the `/` that ends
    /// the previous segment, or [`END`] when the path is used up.
    pub(crate) fn search<F: FnMut(u32, &Slots) -> bool>(
        &self,
        walk: &mut Walk<'_, F>,
        rest: usize,
    ) {
        // Where only one child can hold a better route, the walk goes on in
        // this loop instead of a call; the variables it records on the way are
        // dropped together on return.
        let mark = walk.slots.mark();
        let text = walk.path;
        let path = text.as_bytes();
        let (mut node, mut rest) = (self, rest);
        loop {
            if node.min >= walk.best {
                break;
            }
            if rest == END {
                try_in_order(&node.ends, walk);
                break;
            }
            if !node.greedy.is_empty() {
                walk.slots.push(rest, path.len());
                try_in_order(&node.greedy, walk);
                walk.slots.pop();
            }
            let (end, head) = segment(path, rest);
            let next = if end < path.len() { end + 1 } else { END };
            let stat = if node.static_keys.is_empty() {
                None
            } else {
                let key = StaticKey {
                    head,
                    len: end - rest,
                };
                node.find_static_key(key, &path[rest..end])
                    .map(|i| &node.statics[i].1)
                    .filter(|child| child.min < walk.best)
            };
            let param = node
                .param
                .as_deref()
                .filter(|param| end > rest && param.min < walk.best);
            if node.complex.is_empty() {
                match (stat, param) {
                    (Some(child), None) => {
                        (node, rest) = (child, next);
                        continue;
                    }
                    (None, Some(param)) => {
                        walk.slots.push(rest, end);
                        (node, rest) = (param, next);
                        continue;
                    }
                    (None, None) => break,
                    (Some(_), Some(_)) => {}
                }
            }
            if let Some(child) = stat {
                child.search(walk, next);
            }
            if let Some(param) = param {
                walk.slots.push(rest, end);
                param.search(walk, next);
                walk.slots.pop();
            }
            if !node.complex.is_empty() {
                // `/` is ASCII, so a segment is whole characters: slicing the
                // text needs no new UTF-8 check.
                let seg = &text[rest..end];
                for (shape, child) in &node.complex {
                    if child.min < walk.best && shape_fits(shape, seg) {
                        child.search(walk, next);
                    }
                }
            }
            break;
        }
        walk.slots.reset(mark);
    }

    /// The static child whose text is `seg` (at build time).
    fn find_static(&self, seg: &[u8]) -> Option<usize> {
        self.find_static_key(StaticKey::of(seg), seg)
    }

    /// The static child whose text is `seg`, of key `key`.
    #[inline]
    fn find_static_key(&self, key: StaticKey, seg: &[u8]) -> Option<usize> {
        let matches = |i: usize| {
            self.static_keys[i] == key
                && (key.len <= 8 || same_tail(self.statics[i].0.as_bytes(), seg))
        };
        if self.table.is_empty() {
            for (i, k) in self.static_keys.iter().enumerate() {
                if *k == key {
                    if key.len <= 8 || same_tail(self.statics[i].0.as_bytes(), seg) {
                        return Some(i);
                    }
                } else if *k > key {
                    // Sorted: no later key can be equal.
                    return None;
                }
            }
            return None;
        }
        let mask = self.table.len() - 1;
        let mut h = key.hash() & mask;
        loop {
            let slot = usize::from(self.table[h]);
            if slot == 0 {
                return None;
            }
            if matches(slot - 1) {
                return Some(slot - 1);
            }
            h = (h + 1) & mask;
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const SLASHES: u64 = ONES * b'/' as u64;

/// The flags of the bytes of `word` (little-endian) that are `/`: the lowest
/// flagged byte is the first `/` (a borrow only flags bytes above a true one).
#[inline]
fn slash_flags(word: u64) -> u64 {
    let x = word ^ SLASHES;
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The segment that starts at `start`: where it ends (the offset of the next
/// `/`, or the path's length) and its [`StaticKey`] head. Eight bytes at a
/// time, and the same load gives the head (segments are short, and a call to
/// `memchr` costs more than this).
#[inline]
fn segment(path: &[u8], start: usize) -> (usize, u64) {
    let n = path.len();
    if let Some(first) = path.get(start..).and_then(<[u8]>::first_chunk::<8>) {
        let flags = slash_flags(u64::from_le_bytes(*first));
        let be = u64::from_be_bytes(*first);
        if flags != 0 {
            let len = (flags.trailing_zeros() / 8) as usize;
            let head = if len == 0 {
                0
            } else {
                be & !(u64::MAX >> (8 * len))
            };
            return (start + len, head);
        }
        let mut i = start + 8;
        while let Some(chunk) = path.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            let flags = slash_flags(u64::from_le_bytes(*chunk));
            if flags != 0 {
                return (i + (flags.trailing_zeros() / 8) as usize, be);
            }
            i += 8;
        }
        if i >= n {
            return (n, be);
        }
        // Fewer than eight bytes are left, and the path has at least eight:
        // look at its last eight, with those before `i` made non-`/`.
        let last = u64::from_le_bytes(*path[n - 8..].first_chunk::<8>().unwrap_or(&[0; 8]));
        let seen = i - (n - 8); // 1..=7
        let flags = slash_flags(last | (u64::MAX >> (64 - 8 * seen)));
        let end = if flags == 0 {
            n
        } else {
            n - 8 + (flags.trailing_zeros() / 8) as usize
        };
        return (end, be);
    }
    // Fewer than eight bytes are left.
    if start >= n {
        return (n, 0);
    }
    let Some(last) = n
        .checked_sub(8)
        .and_then(|base| path[base..].first_chunk::<8>())
    else {
        let end = path[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(n, |p| start + p);
        return (end, short_head(&path[start..end]));
    };
    let seen = start - (n - 8); // 1..=7
    let flags = slash_flags(u64::from_le_bytes(*last) | (u64::MAX >> (64 - 8 * seen)));
    let end = if flags == 0 {
        n
    } else {
        n - 8 + (flags.trailing_zeros() / 8) as usize
    };
    let len = end - start;
    let head = if len == 0 {
        0
    } else {
        (u64::from_be_bytes(*last) << (8 * seen)) & !(u64::MAX >> (8 * len))
    };
    (end, head)
}

/// Whether two texts of the same length, whose first eight bytes are equal,
/// are equal: compared eight bytes at a time, inline (segments are short, and a
/// `memcmp` call costs more than the comparison).
#[inline]
fn same_tail(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (&a[8..], &b[8..]);
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        if u64::from_ne_bytes(x.try_into().unwrap_or_default())
            != u64::from_ne_bytes(y.try_into().unwrap_or_default())
        {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
}

/// A static segment's first eight bytes and length, compared as integers. Two
/// texts of at most eight bytes are equal exactly when their keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StaticKey {
    head: u64,
    len: usize,
}

impl StaticKey {
    /// The key of a text (at build time).
    fn of(bytes: &[u8]) -> Self {
        let head = match bytes.first_chunk::<8>() {
            Some(first) => u64::from_be_bytes(*first),
            None => short_head(bytes),
        };
        StaticKey {
            head,
            len: bytes.len(),
        }
    }

    /// A hash for [`Node`]'s table (a multiplicative mix of head and length).
    #[inline]
    fn hash(self) -> usize {
        let x = (self.head ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (x >> 32) as usize
    }
}

/// The key head of a text shorter than eight bytes, padded with zero bytes.
fn short_head(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .enumerate()
        .fold(0, |head, (i, &b)| head | u64::from(b) << (56 - 8 * i))
}

/// Ranges of variables met on the way down the trie (a fixed stack; routes with
/// more variables than it holds are checked by walking the path instead).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Slots {
    items: [(u32, u32); 8],
    len: usize,
    overflow: usize,
}

impl Slots {
    #[inline]
    fn push(&mut self, start: usize, end: usize) {
        if self.len < self.items.len() {
            self.items[self.len] = (start as u32, end as u32);
            self.len += 1;
        } else {
            self.overflow += 1;
        }
    }

    #[inline]
    fn pop(&mut self) {
        if self.overflow > 0 {
            self.overflow -= 1;
        } else {
            self.len -= 1;
        }
    }

    /// The current depth, for [`reset`](Self::reset).
    #[inline]
    fn mark(&self) -> (usize, usize) {
        (self.len, self.overflow)
    }

    /// Drops what was pushed since `mark`.
    #[inline]
    fn reset(&mut self, (len, overflow): (usize, usize)) {
        self.len = len;
        self.overflow = overflow;
    }

    /// The ranges, or `None` if some did not fit.
    #[inline]
    pub(crate) fn ranges(&self) -> Option<&[(u32, u32)]> {
        (self.overflow == 0).then_some(&self.items[..self.len])
    }
}

#[inline]
fn try_in_order<F: FnMut(u32, &Slots) -> bool>(routes: &[u32], walk: &mut Walk<'_, F>) {
    for &r in routes {
        if r >= walk.best {
            break;
        }
        if (walk.accept)(r, &walk.slots) {
            walk.best = r;
            break;
        }
    }
}

/// Whether a complex segment's skeleton fits, requirements aside.
fn shape_fits(shape: &[Piece], seg: &str) -> bool {
    match_pieces(shape, seg, 0, &mut |_, _| true, &mut |_, _, _| {})
}

/// Byte ranges of captured values in the path, without allocating for the usual
/// handful of variables.
#[derive(Debug, Clone, Default)]
pub(crate) struct Captures {
    inline: [(u16, u32, u32); 4],
    len: usize,
    spill: Vec<(u16, u32, u32)>,
}

impl Captures {
    #[inline]
    pub(crate) fn push(&mut self, var: usize, start: usize, end: usize) {
        let item = (var as u16, start as u32, end as u32);
        if self.len < self.inline.len() {
            self.inline[self.len] = item;
            self.len += 1;
        } else {
            self.spill.push(item);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.spill.clear();
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.inline[..self.len]
            .iter()
            .chain(&self.spill)
            .map(|&(v, s, e)| (v as usize, s as usize, e as usize))
    }
}

/// Decodes a raw path value; `None` if it is not UTF-8 once decoded.
#[inline]
pub(crate) fn decode(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('%') {
        return Some(Cow::Borrowed(raw));
    }
    percent_decode_str(raw).decode_utf8().ok()
}

#[inline]
pub(crate) fn meets(route: &CompiledRoute, var: usize, raw: &str) -> bool {
    let required = match &route.requirements[var] {
        None => true,
        Some(re) => decode(raw).is_some_and(|v| re.is_match(&v)),
    };
    required
        && match &route.known_controllers {
            Some((v, known)) if *v == var => is_known(known, raw),
            _ => true,
        }
}

/// Whether the raw value `raw` is one of the `known` controller names.
#[inline]
pub(crate) fn is_known(known: &KnownControllers, raw: &str) -> bool {
    known_position(known, raw).is_some()
}

/// Where the raw value `raw` is among the `known` controller names.
#[inline]
pub(crate) fn known_position(known: &KnownControllers, raw: &str) -> Option<usize> {
    decode(raw).and_then(|name| known.position(&name))
}

/// Matches one route against `path` (which starts with `/`), checking its
/// requirements and method condition. Fills `caps` on success.
pub(crate) fn match_route(
    route: &CompiledRoute,
    method: Option<&Method>,
    path: &str,
    caps: &mut Captures,
) -> bool {
    caps.clear();
    if let Some(method) = method {
        if !route.admits(method) {
            return false;
        }
    }
    let mut pos = 1; // after the leading '/'
    let mut more = true;
    let segments = &route.pattern.segments;
    for (i, seg) in segments.iter().enumerate() {
        if !more {
            return false;
        }
        if let Segment::Greedy(v) = seg {
            // The segments after it match the path's last segments; the
            // greedy value is what lies before them.
            let tail = segments.len() - i - 1;
            let mut end = path.len();
            for _ in 0..tail {
                match path[pos..end].rfind('/') {
                    Some(slash) => end = pos + slash,
                    None => return false,
                }
            }
            if !meets(route, *v, &path[pos..end]) {
                return false;
            }
            caps.push(*v, pos, end);
            if tail == 0 {
                return true;
            }
            pos = end + 1;
            continue;
        }
        let (text, next) = split_segment(&path[pos..]);
        let end = pos + text.len();
        match seg {
            Segment::Static(lit) => {
                if **lit != *text {
                    return false;
                }
            }
            Segment::Param(v) => {
                if text.is_empty() || !meets(route, *v, text) {
                    return false;
                }
                caps.push(*v, pos, end);
            }
            Segment::Complex(pieces) => {
                let base = pos;
                let ok = match_pieces(
                    pieces,
                    text,
                    0,
                    &mut |v, value| meets(route, v, value),
                    &mut |v, s, e| caps.push(v, base + s, base + e),
                );
                if !ok {
                    return false;
                }
            }
            Segment::Greedy(_) => unreachable!("handled above"),
        }
        match next {
            Some(_) => pos = end + 1,
            None => more = false,
        }
    }
    !more
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::Route;

    fn routes(patterns: &[&str]) -> (Vec<CompiledRoute>, Node) {
        let mut trie = Node::new();
        let mut out = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let r = CompiledRoute::compile(Route::new(*p)).unwrap();
            trie.insert(&r.pattern.segments, i as u32);
            out.push(r);
        }
        (out, trie)
    }

    fn find(patterns: &[&str], path: &str) -> Option<usize> {
        let (rs, trie) = routes(patterns);
        let mut caps = Captures::default();
        let mut walk = Walk {
            path,
            best: u32::MAX,
            slots: Slots::default(),
            accept: |r: u32, _: &Slots| match_route(&rs[r as usize], None, path, &mut caps),
        };
        trie.search(&mut walk, 1);
        (walk.best != u32::MAX).then_some(walk.best as usize)
    }

    #[test]
    fn earlier_route_wins_even_when_a_later_one_is_more_specific() {
        assert_eq!(find(&["/{a}/{b}", "/users/new"], "/users/new"), Some(0));
        assert_eq!(find(&["/users/new", "/{a}/{b}"], "/users/new"), Some(0));
        assert_eq!(find(&["/users/new", "/{a}/{b}"], "/users/old"), Some(1));
    }

    #[test]
    fn greedy_competes_by_order_too() {
        assert_eq!(find(&["/f/{*p}", "/f/a"], "/f/a"), Some(0));
        assert_eq!(find(&["/f/a", "/f/{*p}"], "/f/a/b"), Some(1));
        assert_eq!(find(&["/f/{*p}"], "/f/"), Some(0));
        assert_eq!(find(&["/f/{*p}"], "/f"), None);
    }

    #[test]
    fn trailing_slash_is_a_different_path() {
        assert_eq!(find(&["/a"], "/a/"), None);
        assert_eq!(find(&["/a/"], "/a"), None);
        assert_eq!(find(&["/a/"], "/a/"), Some(0));
        assert_eq!(find(&["/{x}"], "/"), None);
        assert_eq!(find(&["/"], "/"), Some(0));
    }

    #[test]
    fn static_siblings_with_the_same_first_eight_bytes_stay_apart() {
        let pats = [
            "/received_events",
            "/received_eventz",
            "/received",
            "/receivez",
        ];
        assert_eq!(find(&pats, "/received_eventz"), Some(1));
        assert_eq!(find(&pats, "/received_events"), Some(0));
        assert_eq!(find(&pats, "/received"), Some(2));
        assert_eq!(find(&pats, "/receivez"), Some(3));
        assert_eq!(find(&pats, "/received_event"), None);
    }

    #[test]
    fn complex_segments_share_the_trie() {
        let pats = ["/a/{x}-{y}", "/a/{x}.{y}", "/a/v{n}"];
        assert_eq!(find(&pats, "/a/1-2"), Some(0));
        assert_eq!(find(&pats, "/a/1.2"), Some(1));
        assert_eq!(find(&pats, "/a/v2"), Some(2));
        assert_eq!(find(&pats, "/a/w2"), None);
    }

    /// The reference the word-at-a-time scan must agree with.
    fn naive_segment(path: &[u8], start: usize) -> (usize, u64) {
        let end = path[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(path.len(), |p| start + p);
        (end, StaticKey::of(&path[start..end]).head)
    }

    #[test]
    fn segment_scan_agrees_with_a_byte_loop_at_every_offset() {
        let paths = [
            "/",
            "//",
            "/a",
            "/a/",
            "/ab/cd",
            "/.../..../",
            "/0123456/89",
            "/01234567/x",
            "/012345678/",
            "/received_events/public",
            "/repos/value1/value1/git/blobs/value1",
            "/x/\u{1}\u{1}/\u{ff}./..",
            "/caf%C3%A9/é/ü",
            "/aaaaaaaaaaaaaaaaaaaaaaa",
            "/aaaaaaaaaaaaaaa/aaaaaaa",
        ];
        for path in paths {
            let bytes = path.as_bytes();
            for start in 0..=bytes.len() {
                assert_eq!(
                    segment(bytes, start),
                    naive_segment(bytes, start),
                    "{path:?} from {start}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn segment_scan_agrees_with_a_byte_loop(path in "/[a-z/.\\x00-\\x02%é]{0,40}") {
            let bytes = path.as_bytes();
            for start in 0..=bytes.len() {
                proptest::prop_assert_eq!(segment(bytes, start), naive_segment(bytes, start));
            }
        }
    }

    #[test]
    fn wide_nodes_use_the_hash_table() {
        let pats: Vec<String> = [
            "a", "ab", "abc", "b", "ba", "c", "d", "e", "f", "g", "", "zz",
        ]
        .iter()
        .map(|s| format!("/{s}"))
        .collect();
        let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
        let (_, trie) = routes(&refs);
        assert!(!trie.table.is_empty());
        for (i, p) in refs.iter().enumerate() {
            assert_eq!(find(&refs, p), Some(i), "{p}");
        }
        assert_eq!(find(&refs, "/abcd"), None);
        assert_eq!(find(&refs, "/h"), None);
    }

    #[test]
    fn wide_node_with_texts_sharing_their_first_eight_bytes() {
        // Twelve texts starting with `n`, some longer than eight bytes and
        // sharing their first eight (equal keys, told apart by their tails).
        let pats: Vec<String> = (0..12)
            .map(|i| match i % 3 {
                0 => format!("/n{i}"),
                1 => format!("/ns_long_name_{i}"),
                _ => format!("/ns_long_nam{i}"),
            })
            .chain(["/a".to_owned(), "/z".to_owned()])
            .collect();
        let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
        for (i, p) in refs.iter().enumerate() {
            assert_eq!(find(&refs, p), Some(i), "{p}");
        }
        assert_eq!(find(&refs, "/ns_long_name_2"), None);
        assert_eq!(find(&refs, "/n"), None);
        assert_eq!(find(&refs, "/n99"), None);
    }

    #[test]
    fn decode_borrows_without_percent_and_decodes_with_it() {
        assert!(matches!(
            decode("plain-value"),
            Some(Cow::Borrowed("plain-value"))
        ));
        assert!(matches!(decode("a%20b"), Some(Cow::Owned(v)) if v == "a b"));
        assert_eq!(decode("caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(decode("%FF"), None);
    }

    #[test]
    fn single_child_chains_and_forks_keep_connect_order() {
        // A chain of single children (walked in the loop) next to a fork.
        let pats = ["/a/{x}/c/{y}", "/a/b/c/d", "/a/{x}/c/d", "/a/b/{z}/e"];
        assert_eq!(find(&pats, "/a/b/c/d"), Some(0));
        assert_eq!(find(&pats, "/a/q/c/d"), Some(0));
        assert_eq!(find(&pats, "/a/b/c/e"), Some(0));
        assert_eq!(find(&pats, "/a/b/x/e"), Some(3));
        assert_eq!(find(&pats, "/a/b/x/f"), None);
        let pats = ["/a/b/c/d", "/a/{x}/c/d", "/a/{x}/{y}/{z}"];
        assert_eq!(find(&pats, "/a/b/c/d"), Some(0));
        assert_eq!(find(&pats, "/a/q/c/d"), Some(1));
        assert_eq!(find(&pats, "/a/b/c/e"), Some(2));
    }

    #[test]
    fn variables_recorded_in_the_loop_are_dropped_when_a_branch_fails() {
        // `/p/{a}/{b}/x` fails at its last segment after recording two ranges;
        // the later route must see only its own.
        let (rs, trie) = routes(&["/p/{a}/{b}/x", "/p/{a}/q/{c}/y", "/{d}/{e}/{f}/{g}"]);
        for (path, want) in [
            ("/p/1/q/3/y", (1, vec![(3, 4), (7, 8)])),
            ("/p/1/2/z", (2, vec![(1, 2), (3, 4), (5, 6), (7, 8)])),
        ] {
            let mut got = None;
            let mut walk = Walk {
                path,
                best: u32::MAX,
                slots: Slots::default(),
                accept: |r: u32, slots: &Slots| {
                    let ok = match_route(&rs[r as usize], None, path, &mut Captures::default());
                    if ok {
                        got = Some((r, slots.ranges().unwrap_or_default().to_vec()));
                    }
                    ok
                },
            };
            trie.search(&mut walk, 1);
            assert_eq!(walk.slots.mark(), (0, 0), "{path}: slots left behind");
            assert_eq!(got, Some((want.0, want.1)), "{path}");
        }
    }
}
