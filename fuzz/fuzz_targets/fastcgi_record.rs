//! Feeds arbitrary bytes to the FastCGI record layer the way a connection does:
//! records are taken off a buffer, then their contents are parsed as the connection
//! would (BEGIN_REQUEST bodies and name-value pairs). Nothing may panic, every
//! record taken must account for exactly the bytes it consumed, and the two pair
//! parsers (copying and zero-copy) must agree.
#![no_main]

use bytes::BytesMut;
use gw_server::frontend::fastcgi::record::{self, RecordType, HEADER_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    loop {
        let before = buf.len();
        match record::parse_record(&mut buf) {
            Ok(Some(rec)) => {
                assert!(before - buf.len() >= HEADER_LEN + rec.content.len());
                match rec.kind {
                    RecordType::BeginRequest => {
                        let _ = record::parse_begin_request(&rec.content);
                    }
                    RecordType::Params | RecordType::GetValues => {
                        // The copying and the zero-copy parsers agree, errors included.
                        assert_eq!(
                            record::parse_pairs_shared(&rec.content),
                            record::parse_pairs(&rec.content)
                        );
                        if let Ok(pairs) = record::parse_pairs(&rec.content) {
                            // Re-encoding what was parsed must parse back the same.
                            let mut out = BytesMut::new();
                            for (name, value) in &pairs {
                                record::encode_pair(&mut out, name, value);
                            }
                            assert_eq!(record::parse_pairs(&out).unwrap(), pairs);
                        }
                    }
                    _ => {}
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
});
