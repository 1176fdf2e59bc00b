//! The Routes pattern parser: pure, no I/O.
//!
//! A pattern is split on `/` into segments. Each segment is one of:
//!
//! | segment | example | matches |
//! |---|---|---|
//! | static | `archive` | exactly that text |
//! | param | `{id}`, `{id:\d+}` | one non-empty segment |
//! | complex | `{year}-{month}`, `{id}{.format}`, `v{n}` | literals and variables inside one segment |
//! | greedy | `{*path}` | the rest of the path, `/` included (may be empty); with segments after it, everything up to the path's last segments that those match |
//!
//! Variables never span a `/`, except the greedy one, of which a pattern has at
//! most one. Segments after a greedy variable match the same number of
//! segments at the end of the path (`/{*file}/login` on `/a/b/login` gives
//! `a/b`), as Routes' `.*` does. A variable inside a complex
//! segment takes the shortest text that lets the rest of the segment match (the
//! Routes rule: `[^/]+?`), so `{year}-{month}` on `2024-01-02` gives `2024` and
//! `01-02`. `{.format}` is an optional `.ext` ending the last segment, whose value
//! never contains a `.`, and whose `.` is not escaped by a backslash (`2\.13`
//! is a whole value, as in Routes).

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Bytes that are escaped inside one path segment (a variable's value, a literal).
pub(crate) const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'^')
    .add(b'|')
    .add(b'\\')
    .add(b'[')
    .add(b']');

/// Like [`SEGMENT`] but keeps `/`: for greedy values.
pub(crate) const GREEDY: &AsciiSet = &SEGMENT.remove(b'/');

/// Like [`SEGMENT`] but keeps `%` and `/`: for literal text written in a pattern.
const LITERAL: &AsciiSet = &GREEDY.remove(b'%');

/// What kind of variable a `{...}` declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarKind {
    /// `{name}`: one non-empty piece of a segment.
    Normal,
    /// `{.name}`: an optional `.ext` ending the pattern.
    Format,
    /// `{*name}`: the rest of the path.
    Greedy,
}

/// A declared variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Var {
    pub(crate) name: String,
    /// The inline requirement (`{id:\d+}`), uncompiled.
    pub(crate) regex: Option<String>,
    /// Byte position of the `{` in the pattern, for error messages.
    pub(crate) position: usize,
    pub(crate) kind: VarKind,
}

/// A piece of a complex segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    /// Literal text (stored percent-encoded, as it appears on the wire).
    Lit(Box<str>),
    /// A normal variable (index into [`Pattern::vars`]).
    Var(usize),
    /// An optional `.format` (index into [`Pattern::vars`]).
    Format(usize),
}

/// One `/`-separated segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Literal text (percent-encoded).
    Static(Box<str>),
    /// A whole-segment variable.
    Param(usize),
    /// Literals and variables mixed.
    Complex(Vec<Piece>),
    /// The rest of the path.
    Greedy(usize),
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub(crate) source: String,
    pub(crate) segments: Vec<Segment>,
    pub(crate) vars: Vec<Var>,
}

/// Why a pattern could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// The byte position of the problem.
    pub position: usize,
    /// What is wrong there.
    pub reason: &'static str,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad route pattern {:?} at byte {}: {}",
            self.pattern, self.position, self.reason
        )
    }
}

impl std::error::Error for PatternError {}

enum Token {
    Slash,
    Lit(String),
    Var(usize),
}

impl Pattern {
    /// Parses `source`.
    pub(crate) fn parse(source: &str) -> Result<Pattern, PatternError> {
        let err = |position: usize, reason: &'static str| PatternError {
            pattern: source.to_owned(),
            position,
            reason,
        };
        if !source.starts_with('/') {
            return Err(err(0, "a pattern must start with `/`"));
        }
        let bytes = source.as_bytes();
        let mut tokens: Vec<(usize, Token)> = Vec::new();
        let mut vars: Vec<Var> = Vec::new();
        let mut lit = String::new();
        let mut lit_start = 0;
        let mut i = 0;
        let flush = |lit: &mut String, start: usize, tokens: &mut Vec<(usize, Token)>| {
            if !lit.is_empty() {
                tokens.push((start, Token::Lit(std::mem::take(lit))));
            }
        };
        while i < bytes.len() {
            match bytes[i] {
                b'/' => {
                    flush(&mut lit, lit_start, &mut tokens);
                    tokens.push((i, Token::Slash));
                    i += 1;
                    lit_start = i;
                }
                b'\\' => {
                    let Some(next) = source[i + 1..].chars().next() else {
                        return Err(err(i, "a `\\` must escape a character"));
                    };
                    if lit.is_empty() {
                        lit_start = i;
                    }
                    lit.push(next);
                    i += 1 + next.len_utf8();
                }
                b'}' => return Err(err(i, "a `}` without a `{`")),
                b'{' => {
                    flush(&mut lit, lit_start, &mut tokens);
                    let open = i;
                    let mut depth = 0usize;
                    let mut close = None;
                    let mut j = i + 1;
                    while j < bytes.len() {
                        match bytes[j] {
                            b'\\' => j += 1,
                            b'{' => depth += 1,
                            b'}' if depth == 0 => {
                                close = Some(j);
                                break;
                            }
                            b'}' => depth -= 1,
                            _ => {}
                        }
                        j += 1;
                    }
                    let close = close.ok_or_else(|| err(open, "a `{` is never closed"))?;
                    let body = &source[open + 1..close];
                    let (kind, body) = match body.as_bytes().first() {
                        Some(b'.') => (VarKind::Format, &body[1..]),
                        Some(b'*') => (VarKind::Greedy, &body[1..]),
                        _ => (VarKind::Normal, body),
                    };
                    let (name, regex) = match body.split_once(':') {
                        Some((name, regex)) => (name, Some(regex)),
                        None => (body, None),
                    };
                    if name.is_empty() {
                        return Err(err(open, "a variable needs a name"));
                    }
                    let ident = name.bytes().enumerate().all(|(k, b)| {
                        b == b'_' || b.is_ascii_alphabetic() || (k > 0 && b.is_ascii_digit())
                    });
                    if !ident {
                        return Err(err(
                            open,
                            "a variable name must be letters, digits and `_`, not starting with a digit",
                        ));
                    }
                    if regex == Some("") {
                        return Err(err(open, "an empty requirement after `:`"));
                    }
                    if vars.iter().any(|v| v.name == name) {
                        return Err(err(open, "the same variable name is used twice"));
                    }
                    vars.push(Var {
                        name: name.to_owned(),
                        regex: regex.map(str::to_owned),
                        position: open,
                        kind,
                    });
                    tokens.push((open, Token::Var(vars.len() - 1)));
                    i = close + 1;
                    lit_start = i;
                }
                _ => {
                    let c = source[i..].chars().next().unwrap_or_default();
                    if lit.is_empty() {
                        lit_start = i;
                    }
                    lit.push(c);
                    i += c.len_utf8().max(1);
                }
            }
        }
        flush(&mut lit, lit_start, &mut tokens);

        // Group the tokens into segments (the first token is the leading slash).
        let mut groups: Vec<Vec<(usize, Token)>> = Vec::new();
        for (pos, token) in tokens {
            match token {
                Token::Slash => groups.push(Vec::new()),
                other => groups
                    .last_mut()
                    .expect("a pattern starts with a slash")
                    .push((pos, other)),
            }
        }
        let count = groups.len();
        let mut segments = Vec::with_capacity(count);
        for (n, group) in groups.into_iter().enumerate() {
            let last = n + 1 == count;
            segments.push(Self::segment(group, last, &vars, &err)?);
        }
        let mut greedy = vars.iter().filter(|v| v.kind == VarKind::Greedy);
        if let (Some(_), Some(second)) = (greedy.next(), greedy.next()) {
            return Err(err(
                second.position,
                "a pattern may have only one greedy `{*name}`",
            ));
        }
        Ok(Pattern {
            source: source.to_owned(),
            segments,
            vars,
        })
    }

    fn segment(
        group: Vec<(usize, Token)>,
        last_segment: bool,
        vars: &[Var],
        err: &dyn Fn(usize, &'static str) -> PatternError,
    ) -> Result<Segment, PatternError> {
        let len = group.len();
        let mut pieces = Vec::with_capacity(len);
        let mut previous_was_var = false;
        for (k, (pos, token)) in group.into_iter().enumerate() {
            let last_piece = k + 1 == len;
            match token {
                Token::Slash => unreachable!("slashes separate groups"),
                Token::Lit(text) => {
                    previous_was_var = false;
                    pieces.push(Piece::Lit(
                        utf8_percent_encode(&text, LITERAL).to_string().into(),
                    ));
                }
                Token::Var(v) => match vars[v].kind {
                    VarKind::Greedy => {
                        if len != 1 {
                            return Err(err(pos, "a greedy `{*name}` must be a whole segment"));
                        }
                        return Ok(Segment::Greedy(v));
                    }
                    VarKind::Format => {
                        if !(last_segment && last_piece) {
                            return Err(err(pos, "a `{.format}` must end the pattern"));
                        }
                        pieces.push(Piece::Format(v));
                    }
                    VarKind::Normal => {
                        if previous_was_var {
                            return Err(err(pos, "two variables need literal text between them"));
                        }
                        previous_was_var = true;
                        pieces.push(Piece::Var(v));
                    }
                },
            }
        }
        Ok(match pieces.as_slice() {
            [] => Segment::Static("".into()),
            [Piece::Lit(text)] => Segment::Static(text.clone()),
            [Piece::Var(v)] => Segment::Param(*v),
            _ => Segment::Complex(pieces),
        })
    }

    /// The index of the variable called `name`.
    pub(crate) fn var(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }

    /// Whether any segment needs the backtracking matcher (a complex
    /// segment, or a greedy variable with segments after it).
    pub(crate) fn has_complex(&self) -> bool {
        let greedy_tail = self
            .segments
            .iter()
            .position(|s| matches!(s, Segment::Greedy(_)))
            .is_some_and(|g| g + 1 < self.segments.len());
        greedy_tail
            || self
                .segments
                .iter()
                .any(|s| matches!(s, Segment::Complex(_)))
    }
}

/// Splits the remaining path at the next `/`: (this segment, the rest after the `/`).
#[inline]
pub(crate) fn split_segment(rest: &str) -> (&str, Option<&str>) {
    // Segments are short: a plain loop beats a call to memchr.
    match rest.bytes().position(|b| b == b'/') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    }
}

/// Matches the pieces of a complex segment against `seg`.
///
/// `accept(var, value)` may veto a value (requirements). On success `found` gets
/// `(var, start, end)` byte ranges relative to `seg`, and the function returns true.
/// Variables take the shortest value that lets the rest match.
pub(crate) fn match_pieces(
    pieces: &[Piece],
    seg: &str,
    pos: usize,
    accept: &mut dyn FnMut(usize, &str) -> bool,
    found: &mut dyn FnMut(usize, usize, usize),
) -> bool {
    let Some(piece) = pieces.first() else {
        return pos == seg.len();
    };
    let rest = &pieces[1..];
    match piece {
        Piece::Lit(text) => {
            seg[pos..].starts_with(&**text)
                && match_pieces(rest, seg, pos + text.len(), accept, found)
        }
        Piece::Format(v) => {
            // Always the last piece.
            let tail = &seg[pos..];
            if tail.is_empty() {
                return true;
            }
            let ext = match tail.strip_prefix('.') {
                Some(ext) if !ext.is_empty() && !ext.contains('.') => ext,
                _ => return false,
            };
            // A `.` escaped by a backslash (`2\.13`, raw or `%5C`) belongs
            // to the value before it, as in Routes.
            let before = &seg[..pos];
            if before.ends_with('\\') || before.ends_with("%5C") || before.ends_with("%5c") {
                return false;
            }
            if !accept(*v, ext) {
                return false;
            }
            found(*v, pos + 1, seg.len());
            true
        }
        Piece::Var(v) => {
            let next_lit = match rest.first() {
                Some(Piece::Lit(text)) => Some(&**text),
                _ => None,
            };
            let mut end = pos;
            loop {
                // The next candidate end: one character further, or the next place
                // where the following literal starts.
                let step = seg[end..].chars().next().map_or(0, char::len_utf8);
                if step == 0 {
                    return false;
                }
                end += step;
                if let Some(lit) = next_lit {
                    match seg[end..].find(lit) {
                        Some(off) => end += off,
                        None => return false,
                    }
                }
                if accept(*v, &seg[pos..end]) && match_pieces(rest, seg, end, accept, found) {
                    found(*v, pos, end);
                    return true;
                }
                if end >= seg.len() {
                    return false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<Segment> {
        Pattern::parse(p).unwrap().segments
    }

    #[test]
    fn plain_variable_is_a_param_segment() {
        let p = Pattern::parse("/{controller}/{action}").unwrap();
        assert_eq!(p.segments, [Segment::Param(0), Segment::Param(1)]);
        assert_eq!(p.vars[1].name, "action");
    }

    #[test]
    fn inline_requirement_keeps_nested_braces() {
        let p = Pattern::parse(r"/archive/{year:\d{4}}").unwrap();
        assert_eq!(p.vars[0].regex.as_deref(), Some(r"\d{4}"));
        assert_eq!(p.segments[1], Segment::Param(0));
    }

    #[test]
    fn static_text_between_variables_is_a_complex_segment() {
        assert_eq!(
            segs("/archive/{year}-{month}")[1],
            Segment::Complex(vec![Piece::Var(0), Piece::Lit("-".into()), Piece::Var(1)])
        );
    }

    #[test]
    fn format_and_greedy_parse() {
        assert_eq!(
            segs("/m/{id}{.format}")[1],
            Segment::Complex(vec![Piece::Var(0), Piece::Format(1)])
        );
        assert_eq!(segs("/files/{*path}")[1], Segment::Greedy(0));
        assert_eq!(segs("/{*file}/login")[0], Segment::Greedy(0));
        assert!(Pattern::parse("/{*a}/{*b}").is_err());
        assert!(Pattern::parse("/x{*a}/b").is_err());
    }

    #[test]
    fn root_and_trailing_slash_give_an_empty_static_segment() {
        assert_eq!(segs("/"), [Segment::Static("".into())]);
        assert_eq!(
            segs("/a/"),
            [Segment::Static("a".into()), Segment::Static("".into())]
        );
    }

    #[test]
    fn backslash_escapes_a_brace() {
        assert_eq!(segs(r"/a\{b"), [Segment::Static("a%7Bb".into())]);
    }

    #[test]
    fn non_ascii_literal_is_stored_percent_encoded() {
        assert_eq!(segs("/café"), [Segment::Static("caf%C3%A9".into())]);
    }

    #[test]
    fn errors_name_pattern_and_position() {
        let e = Pattern::parse("/a/{id").unwrap_err();
        assert_eq!((e.position, e.reason), (3, "a `{` is never closed"));
        assert!(e.to_string().contains("\"/a/{id\" at byte 3"));
        assert_eq!(Pattern::parse("/a}").unwrap_err().position, 2);
        assert_eq!(Pattern::parse("a").unwrap_err().position, 0);
        assert_eq!(Pattern::parse("/{}").unwrap_err().position, 1);
        assert_eq!(Pattern::parse("/{1a}").unwrap_err().position, 1);
        assert_eq!(Pattern::parse("/{a}/{a}").unwrap_err().position, 5);
        assert_eq!(Pattern::parse("/{a}{b}").unwrap_err().position, 4);
        assert_eq!(Pattern::parse("/{*a}/{*b}").unwrap_err().position, 6);
        assert_eq!(Pattern::parse("/x{*a}").unwrap_err().position, 2);
        assert_eq!(Pattern::parse("/{.f}/b").unwrap_err().position, 1);
        assert_eq!(Pattern::parse("/{a:}").unwrap_err().position, 1);
        assert_eq!(Pattern::parse("/a\\").unwrap_err().position, 2);
    }

    fn run(pattern: &str, seg: &str) -> Option<Vec<(String, String)>> {
        let p = Pattern::parse(pattern).unwrap();
        let Segment::Complex(pieces) = &p.segments[0] else {
            panic!("not complex")
        };
        let mut out = Vec::new();
        let ok = match_pieces(pieces, seg, 0, &mut |_, _| true, &mut |v, s, e| {
            out.push((p.vars[v].name.clone(), seg[s..e].to_owned()))
        });
        ok.then(|| {
            out.reverse();
            out
        })
    }

    #[test]
    fn complex_variables_take_the_shortest_value() {
        assert_eq!(
            run("/{year}-{month}", "2024-01-02").unwrap(),
            [
                ("year".into(), "2024".into()),
                ("month".into(), "01-02".into())
            ]
        );
        assert_eq!(run("/{year}-{month}", "2024"), None);
        assert_eq!(run("/{year}-{month}", "-01"), None);
    }

    #[test]
    fn format_takes_the_last_extension_and_is_optional() {
        assert_eq!(
            run("/{id}{.format}", "1.2.json").unwrap(),
            [
                ("id".into(), "1.2".into()),
                ("format".into(), "json".into())
            ]
        );
        assert_eq!(
            run("/{id}{.format}", "7").unwrap(),
            [("id".into(), "7".into())]
        );
        assert_eq!(
            run("/{id}{.format}", "7.").unwrap(),
            [("id".into(), "7.".into())]
        );
    }

    #[test]
    fn escapes_anywhere_in_a_pattern_or_a_requirement_are_kept() {
        // An escape past the first literal byte, and one that is not the last.
        assert_eq!(
            segs(r"/x/ab\.c"),
            [Segment::Static("x".into()), Segment::Static("ab.c".into())]
        );
        // Inside braces, an escaped brace neither opens nor closes the variable.
        let p = Pattern::parse(r"/{a:x\}y}/{b:\{}").unwrap();
        assert_eq!(p.vars[0].regex.as_deref(), Some(r"x\}y"));
        assert_eq!(p.vars[1].regex.as_deref(), Some(r"\{"));
    }

    #[test]
    fn split_segment_gives_the_segment_and_what_follows_its_slash() {
        assert_eq!(split_segment("a/b/c"), ("a", Some("b/c")));
        assert_eq!(split_segment("/b"), ("", Some("b")));
        assert_eq!(split_segment("a/"), ("a", Some("")));
        assert_eq!(split_segment("abc"), ("abc", None));
    }
}
