//! Feeds arbitrary Routes patterns and request paths to controller-router's
//! pattern parser and matcher. Nothing may panic: a bad pattern is a `RouteError`,
//! and any path either matches or not. A match's captured raw values are slices of
//! the path.
#![no_main]

use gw_controller_router::Mapper;
use http::Method;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // "pattern\npath\npath...": the first line is the pattern.
    let mut lines = text.split('\n');
    let Some(pattern) = lines.next() else {
        return;
    };
    let Ok(mapper) = Mapper::new().connect(pattern) else {
        return;
    };
    for path in lines.take(8) {
        for method in [Method::GET, Method::POST] {
            if let Some(m) = mapper.recognize(&method, path) {
                let _ = m.routing_args();
                for name in ["controller", "action", "id"] {
                    if let Some(raw) = m.raw(name) {
                        assert!(path.contains(raw), "{raw:?} not in {path:?}");
                    }
                }
            }
        }
    }
    // The Pylons defaults next to the fuzzed route, against every path too.
    if let Ok(mapper) = Mapper::new()
        .connect(pattern)
        .and_then(Mapper::default_routes)
    {
        for path in text.split('\n').skip(1).take(8) {
            let _ = mapper
                .recognize(&Method::GET, path)
                .map(|m| m.routing_args());
        }
    }
});
