//! Feeds arbitrary Routes patterns and request paths to controller-router's
//! pattern parser, matcher and URL generator. Invariants:
//!
//! - nothing panics: a bad pattern is a `RouteError`, any path matches or not;
//! - a match's captured raw values are slices of the path;
//! - matching is deterministic;
//! - generation round-trips: the args of a match, generated back into a URL by the
//!   same route, give a URL that the route matches again with the same args (or
//!   generation refuses them with an error; it never produces a URL that reads
//!   back differently).
#![no_main]

use gw_controller_router::{Mapper, Route};
use http::Method;
use libfuzzer_sys::fuzz_target;

fn named(m: &gw_controller_router::Match<'_, '_>) -> Option<Vec<(String, String)>> {
    Some(
        m.routing_args()?
            .named()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // "pattern\npath\npath...": the first line is the pattern.
    let mut lines = text.split('\n');
    let Some(pattern) = lines.next() else {
        return;
    };
    let Ok(mapper) = Mapper::new().route(Route::new(pattern).name("r")) else {
        return;
    };
    for path in lines.take(8) {
        for method in [Method::GET, Method::POST] {
            let Some(m) = mapper.recognize(&method, path) else {
                assert!(mapper.recognize(&method, path).is_none(), "not deterministic");
                continue;
            };
            for name in ["controller", "action", "id"] {
                if let Some(raw) = m.raw(name) {
                    assert!(path.contains(raw), "{raw:?} not in {path:?}");
                }
            }
            let Some(args) = named(&m) else {
                continue;
            };
            let again = mapper.recognize(&method, path).and_then(|m| named(&m));
            assert_eq!(again.as_ref(), Some(&args), "not deterministic");
            let params: Vec<(&str, &str)> =
                args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            if let Ok(url) = mapper.url_for_route("r", &params) {
                let url_path = url.split('?').next().unwrap_or_default();
                let back = mapper
                    .recognize(&method, url_path)
                    .unwrap_or_else(|| panic!("{pattern:?}: generated {url:?} from {path:?} does not match"));
                let back_args = named(&back);
                // Args that generation put in the query string are not in the path.
                let in_path: Vec<_> = args
                    .iter()
                    .filter(|(k, _)| back.raw(k).is_some() || back.get(k).is_some())
                    .cloned()
                    .collect();
                let back_args = back_args.unwrap_or_default();
                for pair in &in_path {
                    assert!(
                        back_args.contains(pair),
                        "{pattern:?}: {path:?} gave {args:?}; generated {url:?} reads back {back_args:?}"
                    );
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
