//! FastCGI records: parsing and encoding, with no I/O.
//!
//! The wire format is the FastCGI 1.0 specification's: an 8-byte header
//! (version, type, request id, content length, padding length, reserved), the
//! content, then padding. Name-value pairs use a 1-byte length below 128 and a 4-byte
//! length with the high bit set otherwise.

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// The only protocol version.
pub const VERSION_1: u8 = 1;
/// The most content one record can carry.
pub const MAX_CONTENT: usize = 65_535;
/// The header length.
pub const HEADER_LEN: usize = 8;

/// A record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// Starts a request.
    BeginRequest,
    /// The web server abandons a request.
    AbortRequest,
    /// The app finished a request.
    EndRequest,
    /// CGI-style parameters, as name-value pairs; empty ends them.
    Params,
    /// The request body; empty ends it.
    Stdin,
    /// The response; empty ends it.
    Stdout,
    /// Error output for the web server's log.
    Stderr,
    /// Extra data (Filter role only).
    Data,
    /// A management query.
    GetValues,
    /// The answer to [`RecordType::GetValues`].
    GetValuesResult,
    /// The answer to a management record of an unknown type.
    UnknownType,
    /// Any other type byte.
    Other(u8),
}

impl RecordType {
    /// The type for a wire byte.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            1 => Self::BeginRequest,
            2 => Self::AbortRequest,
            3 => Self::EndRequest,
            4 => Self::Params,
            5 => Self::Stdin,
            6 => Self::Stdout,
            7 => Self::Stderr,
            8 => Self::Data,
            9 => Self::GetValues,
            10 => Self::GetValuesResult,
            11 => Self::UnknownType,
            other => Self::Other(other),
        }
    }

    /// The wire byte.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::BeginRequest => 1,
            Self::AbortRequest => 2,
            Self::EndRequest => 3,
            Self::Params => 4,
            Self::Stdin => 5,
            Self::Stdout => 6,
            Self::Stderr => 7,
            Self::Data => 8,
            Self::GetValues => 9,
            Self::GetValuesResult => 10,
            Self::UnknownType => 11,
            Self::Other(other) => other,
        }
    }
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The type.
    pub kind: RecordType,
    /// The request id; 0 for management records.
    pub request_id: u16,
    /// The content, without padding.
    pub content: Bytes,
}

/// A protocol violation; the connection that sent it is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The version byte is not 1.
    BadVersion(u8),
    /// A BEGIN_REQUEST body is not 8 bytes.
    BadBeginRequest,
    /// A name-value pair runs past the end of its record.
    TruncatedPair,
    /// The parameters of one request exceed the limit.
    ParamsTooLarge(usize),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadVersion(v) => write!(f, "FastCGI record with version {v}, expected 1"),
            Self::BadBeginRequest => f.write_str("FastCGI BEGIN_REQUEST body is not 8 bytes"),
            Self::TruncatedPair => f.write_str("FastCGI name-value pair runs past its record"),
            Self::ParamsTooLarge(n) => write!(f, "FastCGI params exceed {n} bytes"),
        }
    }
}

impl std::error::Error for RecordError {}

/// Takes one whole record off the front of `buf`; `Ok(None)` when more bytes are
/// needed. Padding is consumed and dropped.
pub fn parse_record(buf: &mut BytesMut) -> Result<Option<Record>, RecordError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    if buf[0] != VERSION_1 {
        return Err(RecordError::BadVersion(buf[0]));
    }
    let content_len = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
    let padding_len = usize::from(buf[6]);
    let total = HEADER_LEN + content_len + padding_len;
    if buf.len() < total {
        buf.reserve(total - buf.len());
        return Ok(None);
    }
    let kind = RecordType::from_byte(buf[1]);
    let request_id = u16::from_be_bytes([buf[2], buf[3]]);
    buf.advance(HEADER_LEN);
    let content = buf.split_to(content_len).freeze();
    buf.advance(padding_len);
    Ok(Some(Record {
        kind,
        request_id,
        content,
    }))
}

/// Appends a record header and `content` (which must fit one record) to `out`,
/// padded to a multiple of 8 bytes as the specification recommends.
pub fn encode_record(out: &mut BytesMut, kind: RecordType, request_id: u16, content: &[u8]) {
    debug_assert!(content.len() <= MAX_CONTENT);
    let padding = (8 - content.len() % 8) % 8;
    out.reserve(HEADER_LEN + content.len() + padding);
    out.put_u8(VERSION_1);
    out.put_u8(kind.to_byte());
    out.put_u16(request_id);
    out.put_u16(content.len() as u16);
    out.put_u8(padding as u8);
    out.put_u8(0);
    out.put_slice(content);
    out.put_bytes(0, padding);
}

/// Appends a record of `kind` whose content `fill` writes straight into `out`,
/// sparing a copy; content longer than one record is split as [`encode_stream`]
/// does (and empty content makes no record).
pub fn encode_record_with(
    out: &mut BytesMut,
    kind: RecordType,
    request_id: u16,
    fill: impl FnOnce(&mut BytesMut),
) {
    let start = out.len();
    out.put_bytes(0, HEADER_LEN);
    fill(out);
    let len = out.len() - start - HEADER_LEN;
    if len == 0 || len > MAX_CONTENT {
        let content = out.split_off(start + HEADER_LEN);
        out.truncate(start);
        encode_stream(out, kind, request_id, &content);
        return;
    }
    let padding = (8 - len % 8) % 8;
    let [id_hi, id_lo] = request_id.to_be_bytes();
    let [len_hi, len_lo] = (len as u16).to_be_bytes();
    out[start..start + HEADER_LEN].copy_from_slice(&[
        VERSION_1,
        kind.to_byte(),
        id_hi,
        id_lo,
        len_hi,
        len_lo,
        padding as u8,
        0,
    ]);
    out.put_bytes(0, padding);
}

/// Appends `data` as as many records of `kind` as it takes (never an empty one).
pub fn encode_stream(out: &mut BytesMut, kind: RecordType, request_id: u16, data: &[u8]) {
    for chunk in data.chunks(MAX_CONTENT) {
        encode_record(out, kind, request_id, chunk);
    }
}

/// The role a BEGIN_REQUEST asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The ordinary role: a request in, a response out.
    Responder,
    /// Authorizer or Filter, or an unknown role: not supported.
    Other(u16),
}

/// A parsed BEGIN_REQUEST body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeginRequest {
    /// The role.
    pub role: Role,
    /// FCGI_KEEP_CONN: the web server keeps the connection after this request.
    pub keep_conn: bool,
}

/// Parses a BEGIN_REQUEST body.
pub fn parse_begin_request(content: &[u8]) -> Result<BeginRequest, RecordError> {
    if content.len() != 8 {
        return Err(RecordError::BadBeginRequest);
    }
    let role = match u16::from_be_bytes([content[0], content[1]]) {
        1 => Role::Responder,
        other => Role::Other(other),
    };
    Ok(BeginRequest {
        role,
        keep_conn: content[2] & 1 == 1,
    })
}

/// END_REQUEST's protocol status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolStatus {
    /// Normal end.
    RequestComplete = 0,
    /// The app cannot multiplex (not used: we can).
    CantMpxConn = 1,
    /// The app is out of some resource.
    Overloaded = 2,
    /// The role is not supported.
    UnknownRole = 3,
}

/// Appends an END_REQUEST record.
pub fn encode_end_request(
    out: &mut BytesMut,
    request_id: u16,
    app_status: u32,
    status: ProtocolStatus,
) {
    let mut body = [0u8; 8];
    body[..4].copy_from_slice(&app_status.to_be_bytes());
    body[4] = status as u8;
    encode_record(out, RecordType::EndRequest, request_id, &body);
}

/// Parses name-value pairs from `data` (the concatenated PARAMS or GET_VALUES content).
pub fn parse_pairs(data: &[u8]) -> Result<Vec<(Bytes, Bytes)>, RecordError> {
    let mut pairs = Vec::new();
    walk_pairs(data, |name, value| {
        pairs.push((
            Bytes::copy_from_slice(&data[name]),
            Bytes::copy_from_slice(&data[value]),
        ));
    })?;
    Ok(pairs)
}

/// [`parse_pairs`] without copying: each name and value is a slice of `data`.
pub fn parse_pairs_shared(data: &Bytes) -> Result<Vec<(Bytes, Bytes)>, RecordError> {
    // nginx's fastcgi_params alone are about 20 pairs.
    let mut pairs = Vec::with_capacity(32);
    walk_pairs(data, |name, value| {
        pairs.push((data.slice(name), data.slice(value)));
    })?;
    Ok(pairs)
}

/// Calls `pair` with the byte ranges of each name and value in `data`.
fn walk_pairs(
    data: &[u8],
    mut pair: impl FnMut(std::ops::Range<usize>, std::ops::Range<usize>),
) -> Result<(), RecordError> {
    fn length(data: &[u8], at: &mut usize) -> Result<usize, RecordError> {
        let first = *data.get(*at).ok_or(RecordError::TruncatedPair)?;
        if first < 0x80 {
            *at += 1;
            return Ok(usize::from(first));
        }
        let Some(rest) = data.get(*at + 1..*at + 4) else {
            return Err(RecordError::TruncatedPair);
        };
        let len = u32::from_be_bytes([first & 0x7f, rest[0], rest[1], rest[2]]);
        *at += 4;
        Ok(len as usize)
    }
    let mut at = 0;
    while at < data.len() {
        let name_len = length(data, &mut at)?;
        let value_len = length(data, &mut at)?;
        if data.len() - at < name_len.saturating_add(value_len) {
            return Err(RecordError::TruncatedPair);
        }
        let name_end = at + name_len;
        let value_end = name_end + value_len;
        pair(at..name_end, name_end..value_end);
        at = value_end;
    }
    Ok(())
}

/// Appends one name-value pair in the wire form.
pub fn encode_pair(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    for len in [name.len(), value.len()] {
        if len < 0x80 {
            out.put_u8(len as u8);
        } else {
            out.put_u32(len as u32 | 0x8000_0000);
        }
    }
    out.put_slice(name);
    out.put_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_with_padding() {
        let mut out = BytesMut::new();
        encode_record(&mut out, RecordType::Stdout, 7, b"hello");
        assert_eq!(out.len(), 16, "5 content bytes are padded to 8");
        let record = parse_record(&mut out).unwrap().unwrap();
        assert_eq!(
            record,
            Record {
                kind: RecordType::Stdout,
                request_id: 7,
                content: Bytes::from_static(b"hello")
            }
        );
        assert!(out.is_empty());
    }

    #[test]
    fn a_partial_record_waits_for_more_bytes() {
        let mut whole = BytesMut::new();
        encode_record(&mut whole, RecordType::Stdin, 1, b"abcdefgh");
        for cut in 0..whole.len() {
            let mut part = BytesMut::from(&whole[..cut]);
            assert_eq!(parse_record(&mut part).unwrap(), None, "cut at {cut}");
        }
    }

    #[test]
    fn a_wrong_version_is_an_error() {
        let mut buf = BytesMut::from(&[2u8, 1, 0, 1, 0, 0, 0, 0][..]);
        assert_eq!(parse_record(&mut buf), Err(RecordError::BadVersion(2)));
    }

    #[test]
    fn pairs_of_every_length_form_round_trip() {
        let long_name = vec![b'N'; 200];
        let long_value = vec![b'v'; 70_000];
        let mut out = BytesMut::new();
        encode_pair(&mut out, b"SHORT", b"x");
        encode_pair(&mut out, &long_name, b"y");
        encode_pair(&mut out, b"LONGVALUE", &long_value);
        encode_pair(&mut out, b"EMPTY", b"");
        let pairs = parse_pairs(&out).unwrap();
        assert_eq!(pairs.len(), 4);
        assert_eq!(
            pairs[0],
            (Bytes::from_static(b"SHORT"), Bytes::from_static(b"x"))
        );
        assert_eq!(pairs[1].0.len(), 200);
        assert_eq!(pairs[2].1.len(), 70_000);
        assert_eq!(pairs[3].1.len(), 0);
    }

    #[test]
    fn shared_pairs_are_the_copied_pairs_without_copying() {
        let mut out = BytesMut::new();
        encode_pair(&mut out, b"SHORT", b"x");
        encode_pair(&mut out, &[b'N'; 200], &[b'v'; 300]);
        encode_pair(&mut out, b"EMPTY", b"");
        let data = out.freeze();
        let shared = parse_pairs_shared(&data).unwrap();
        assert_eq!(shared, parse_pairs(&data).unwrap());
        let within = data.as_ptr_range();
        assert!(shared
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .all(
                |(name, value)| within.contains(&name.as_ptr()) && within.contains(&value.as_ptr())
            ));
    }

    #[test]
    fn truncated_pairs_are_errors() {
        let mut out = BytesMut::new();
        encode_pair(&mut out, b"NAME", b"value");
        for cut in 1..out.len() {
            assert_eq!(
                parse_pairs(&out[..cut]),
                Err(RecordError::TruncatedPair),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn begin_request_reads_role_and_keep_conn() {
        let begin = parse_begin_request(&[0, 1, 1, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(
            begin,
            BeginRequest {
                role: Role::Responder,
                keep_conn: true
            }
        );
        let other = parse_begin_request(&[0, 2, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(
            other,
            BeginRequest {
                role: Role::Other(2),
                keep_conn: false
            }
        );
        assert_eq!(
            parse_begin_request(&[0, 1]),
            Err(RecordError::BadBeginRequest)
        );
    }

    #[test]
    fn records_filled_in_place_match_encoded_ones() {
        for len in [
            0,
            1,
            8,
            13,
            MAX_CONTENT,
            MAX_CONTENT + 1,
            2 * MAX_CONTENT + 5,
        ] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut filled = BytesMut::from(&b"before"[..]);
            encode_record_with(&mut filled, RecordType::Stdout, 9, |out| {
                out.extend_from_slice(&data)
            });
            let mut encoded = BytesMut::from(&b"before"[..]);
            encode_stream(&mut encoded, RecordType::Stdout, 9, &data);
            assert_eq!(filled, encoded, "{len} bytes");
        }
    }

    #[test]
    fn long_streams_are_split_into_full_records() {
        let data = vec![7u8; MAX_CONTENT * 2 + 10];
        let mut out = BytesMut::new();
        encode_stream(&mut out, RecordType::Stdout, 3, &data);
        let mut total = 0;
        while let Some(record) = parse_record(&mut out).unwrap() {
            assert!(!record.content.is_empty());
            total += record.content.len();
        }
        assert_eq!(total, data.len());
    }

    #[test]
    fn every_type_byte_round_trips() {
        let named = [
            (1, RecordType::BeginRequest),
            (2, RecordType::AbortRequest),
            (3, RecordType::EndRequest),
            (4, RecordType::Params),
            (5, RecordType::Stdin),
            (6, RecordType::Stdout),
            (7, RecordType::Stderr),
            (8, RecordType::Data),
            (9, RecordType::GetValues),
            (10, RecordType::GetValuesResult),
            (11, RecordType::UnknownType),
        ];
        for (byte, kind) in named {
            assert_eq!(RecordType::from_byte(byte), kind);
            assert_eq!(kind.to_byte(), byte);
        }
        for byte in [0, 12, 255] {
            assert_eq!(RecordType::from_byte(byte), RecordType::Other(byte));
            assert_eq!(RecordType::Other(byte).to_byte(), byte);
        }
    }

    #[test]
    fn a_record_header_is_the_specified_bytes() {
        let mut out = BytesMut::from(&b"x"[..]);
        encode_record(&mut out, RecordType::Stderr, 0x0102, b"abc");
        assert_eq!(&out[..], b"x\x01\x07\x01\x02\x00\x03\x05\x00abc\0\0\0\0\0");
        let mut empty = BytesMut::new();
        encode_record(&mut empty, RecordType::Params, 1, b"");
        assert_eq!(&empty[..], b"\x01\x04\x00\x01\x00\x00\x00\x00");
    }

    #[test]
    fn a_record_with_padding_and_a_following_record_parse_apart() {
        // Content 3 bytes, padding 2 (not the 5 we would write), then a second record.
        let mut buf = BytesMut::from(&b"\x01\x05\x00\x09\x00\x03\x02\x00abcPP"[..]);
        encode_record(&mut buf, RecordType::Stdin, 9, b"");
        let first = parse_record(&mut buf).unwrap().unwrap();
        assert_eq!(
            (first.kind, first.request_id, &first.content[..]),
            (RecordType::Stdin, 9, &b"abc"[..])
        );
        let second = parse_record(&mut buf).unwrap().unwrap();
        assert_eq!((second.kind, second.content.len()), (RecordType::Stdin, 0));
        assert!(buf.is_empty());
        // Every byte but the last padding byte is not yet a record.
        let mut short = BytesMut::from(&b"\x01\x05\x00\x09\x00\x03\x02\x00abcP"[..]);
        assert_eq!(parse_record(&mut short), Ok(None));
        assert_eq!(short.len(), 12, "a partial record is left in place");
    }

    #[test]
    fn an_end_request_carries_app_and_protocol_status() {
        let mut out = BytesMut::new();
        encode_end_request(&mut out, 5, 0x0A0B_0C0D, ProtocolStatus::UnknownRole);
        let record = parse_record(&mut out).unwrap().unwrap();
        assert_eq!(record.kind, RecordType::EndRequest);
        assert_eq!(record.request_id, 5);
        assert_eq!(&record.content[..], &[0x0A, 0x0B, 0x0C, 0x0D, 3, 0, 0, 0]);
    }

    #[test]
    fn keep_conn_is_the_low_flag_bit_only() {
        let flags = |f: u8| {
            parse_begin_request(&[0, 1, f, 0, 0, 0, 0, 0])
                .unwrap()
                .keep_conn
        };
        assert!(flags(1));
        assert!(flags(3));
        assert!(!flags(0));
        assert!(!flags(2));
        let role = |hi: u8, lo: u8| {
            parse_begin_request(&[hi, lo, 0, 0, 0, 0, 0, 0])
                .unwrap()
                .role
        };
        assert_eq!(role(1, 1), Role::Other(257), "the role is big-endian");
        assert_eq!(
            parse_begin_request(&[0, 1, 0, 0, 0, 0, 0, 0, 0]),
            Err(RecordError::BadBeginRequest)
        );
    }

    #[test]
    fn pair_lengths_are_one_byte_below_128_and_four_above() {
        let mut out = BytesMut::new();
        encode_pair(&mut out, &[b'n'; 127], &[b'v'; 128]);
        assert_eq!(&out[..5], &[127, 0x80, 0, 0, 128]);
        assert_eq!(out.len(), 5 + 127 + 128);
        // A four-byte length with high bits: the top bit is the flag, not length.
        let mut big = BytesMut::new();
        big.extend_from_slice(&[0x80, 0x00, 0x01, 0x00, 1]);
        big.extend_from_slice(&[b'n'; 256]);
        big.extend_from_slice(b"v");
        let pairs = parse_pairs(&big).unwrap();
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].0.len(), &pairs[0].1[..]), (256, &b"v"[..]));
        // Two pairs one after the other, and a name of 0 bytes.
        let mut two = BytesMut::new();
        encode_pair(&mut two, b"", b"a");
        encode_pair(&mut two, b"B", b"cd");
        assert_eq!(
            parse_pairs(&two).unwrap(),
            [
                (Bytes::new(), Bytes::from_static(b"a")),
                (Bytes::from_static(b"B"), Bytes::from_static(b"cd"))
            ]
        );
        assert_eq!(parse_pairs(b""), Ok(Vec::new()));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            RecordError::BadVersion(2).to_string(),
            "FastCGI record with version 2, expected 1"
        );
        assert_eq!(
            RecordError::BadBeginRequest.to_string(),
            "FastCGI BEGIN_REQUEST body is not 8 bytes"
        );
        assert_eq!(
            RecordError::TruncatedPair.to_string(),
            "FastCGI name-value pair runs past its record"
        );
        assert_eq!(
            RecordError::ParamsTooLarge(10).to_string(),
            "FastCGI params exceed 10 bytes"
        );
    }
}
