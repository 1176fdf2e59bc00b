//! `Accept-Encoding` negotiation for precompressed sidecar files. Pure: no I/O.
//!
//! Each coding's weight is its own entry, else `*`, else 0; an unlisted
//! `identity` is acceptable but ranks below any listed coding. `q=0` refuses a coding. The highest weight wins; on a tie a
//! compressed coding beats `identity`, and `br` > `zstd` > `gzip`. When nothing is
//! acceptable, not even `identity`, the plain file is sent anyway (RFC 9110
//! §12.5.3 allows that instead of 406).

use std::fmt;

/// A precompressed coding, found as a sidecar file beside the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Encoding {
    /// Brotli, sidecar `NAME.br`.
    Br,
    /// Zstandard, sidecar `NAME.zst`.
    Zstd,
    /// gzip, sidecar `NAME.gz`.
    Gzip,
}

impl Encoding {
    /// Every coding, in the server's order of preference.
    pub const ALL: [Encoding; 3] = [Encoding::Br, Encoding::Zstd, Encoding::Gzip];

    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
        }
    }

    /// The sidecar file's extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Zstd => "zst",
            Encoding::Gzip => "gz",
        }
    }

    /// Parses a setting word: `br`, `zstd`/`zst` or `gzip`/`gz`.
    pub fn from_word(word: &str) -> Option<Encoding> {
        match word.trim().to_ascii_lowercase().as_str() {
            "br" => Some(Encoding::Br),
            "zstd" | "zst" => Some(Encoding::Zstd),
            "gzip" | "gz" => Some(Encoding::Gzip),
            _ => None,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// Picks the coding to send among `available`; `None` means the plain file.
pub(crate) fn negotiate(accept: Option<&str>, available: &[Encoding]) -> Option<Encoding> {
    let accept = accept?;
    if available.is_empty() {
        return None;
    }
    let mut star: Option<u16> = None;
    let mut identity: Option<u16> = None;
    let mut weights: [Option<u16>; 3] = [None; 3];
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        let mut q = 1000;
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    // A malformed weight refuses the coding.
                    q = qvalue(v.trim()).unwrap_or_default();
                }
            }
        }
        let slot = if name == "*" {
            &mut star
        } else if name.eq_ignore_ascii_case("identity") {
            &mut identity
        } else if name.eq_ignore_ascii_case("br") {
            &mut weights[0]
        } else if name.eq_ignore_ascii_case("zstd") {
            &mut weights[1]
        } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            &mut weights[2]
        } else {
            continue;
        };
        // Keep the highest weight if a coding is listed twice.
        *slot = Some(slot.map_or(q, |old| old.max(q)));
    }
    // An unlisted identity is acceptable (RFC 9110 §12.5.3) but ranks last: a
    // client that lists a coding at any weight prefers it to the plain file.
    let identity_q = identity.or(star).unwrap_or(1);
    let mut best: Option<(Encoding, u16)> = None;
    for enc in Encoding::ALL {
        if !available.contains(&enc) {
            continue;
        }
        let q = weights[enc as usize].or(star).unwrap_or(0);
        if q == 0 {
            continue;
        }
        if best.is_none_or(|(_, bq)| q > bq) {
            best = Some((enc, q));
        }
    }
    match best {
        Some((enc, q)) if q >= identity_q => Some(enc),
        _ => None,
    }
}

/// A qvalue as thousandths: `1`, `0.5`, `0.125`.
fn qvalue(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    (thousandths <= 1000).then_some(thousandths)
}

#[cfg(test)]
mod tests {
    use super::Encoding::*;
    use super::*;

    const ALL: &[Encoding] = &[Br, Zstd, Gzip];

    #[test]
    fn no_header_means_identity() {
        assert_eq!(negotiate(None, ALL), None);
    }

    #[test]
    fn server_order_breaks_ties() {
        assert_eq!(negotiate(Some("gzip, br, zstd"), ALL), Some(Br));
        assert_eq!(negotiate(Some("gzip, zstd"), ALL), Some(Zstd));
        assert_eq!(negotiate(Some("gzip, deflate"), ALL), Some(Gzip));
    }

    #[test]
    fn q_values_are_honoured() {
        assert_eq!(negotiate(Some("br;q=0.5, gzip;q=0.8"), ALL), Some(Gzip));
        assert_eq!(negotiate(Some("br;q=0, gzip"), &[Br]), None);
        assert_eq!(negotiate(Some("gzip;q=0.5, identity"), ALL), None);
        assert_eq!(negotiate(Some("*"), ALL), Some(Br));
        assert_eq!(negotiate(Some("*;q=0.2, br;q=0"), ALL), Some(Zstd));
        assert_eq!(negotiate(Some("x-gzip"), ALL), Some(Gzip));
        assert_eq!(negotiate(Some("BR ; Q=1.000"), ALL), Some(Br));
    }

    #[test]
    fn only_available_variants_are_chosen() {
        assert_eq!(negotiate(Some("br"), &[Gzip]), None);
        assert_eq!(negotiate(Some("br, gzip"), &[Gzip]), Some(Gzip));
    }

    #[test]
    fn malformed_q_refuses_the_coding() {
        assert_eq!(negotiate(Some("br;q=2, gzip;q=abc"), ALL), None);
    }

    #[test]
    fn tokens_extensions_and_setting_words() {
        let tokens: Vec<_> = Encoding::ALL.iter().map(|e| e.token()).collect();
        assert_eq!(tokens, ["br", "zstd", "gzip"]);
        let extensions: Vec<_> = Encoding::ALL.iter().map(|e| e.extension()).collect();
        assert_eq!(extensions, ["br", "zst", "gz"]);
        assert_eq!(Zstd.to_string(), "zstd");
        for (word, expected) in [
            ("br", Some(Br)),
            (" BR ", Some(Br)),
            ("zstd", Some(Zstd)),
            ("zst", Some(Zstd)),
            ("gzip", Some(Gzip)),
            ("Gz", Some(Gzip)),
            ("deflate", None),
            ("", None),
        ] {
            assert_eq!(Encoding::from_word(word), expected, "{word:?}");
        }
    }

    #[test]
    fn qvalue_parsing() {
        assert_eq!(qvalue("0.125"), Some(125));
        assert_eq!(qvalue("1.0"), Some(1000));
        assert_eq!(qvalue("1.5"), None);
        assert_eq!(qvalue("0.1234"), None);
    }
}
