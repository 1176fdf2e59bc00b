//! Feeds arbitrary bytes to the SCGI header parser. Nothing may panic; a parsed
//! block starts with CONTENT_LENGTH and never takes more bytes than it was given.
#![no_main]

use bytes::BytesMut;
use gw_server::frontend::scgi::parse_netstring;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    if let Ok(Some(vars)) = parse_netstring(&mut buf, 64 * 1024) {
        assert_eq!(
            vars.0.first().map(|(k, _)| &k[..]),
            Some(&b"CONTENT_LENGTH"[..])
        );
        assert!(buf.len() < data.len());
    }
});
