//! Property tests: generate-then-match gives back the same params, for routes
//! with requirements, complex segments, formats and greedy tails.

use std::sync::LazyLock;

use gw_controller_router::{Mapper, Route};
use http::Method;
use proptest::prelude::*;

static MAPPER: LazyLock<Mapper> = LazyLock::new(mapper);

fn mapper() -> Mapper {
    Mapper::new()
        .route(
            Route::new("/archive/{year}-{month}/{slug}")
                .name("archive")
                .requirement("year", r"\d{4}")
                .requirement("month", r"\d{2}"),
        )
        .unwrap()
        .route(Route::new(r"/items/{id:[a-z0-9]+}{.format}").name("item"))
        .unwrap()
        .route(Route::new("/files/{*path}").name("files"))
        .unwrap()
        .route(Route::new("/wiki/{*page}/edit/{rev}").name("wiki_edit"))
        .unwrap()
        .route(Route::new(r"/v{major:\d+}.{minor:\d+}/{name}").name("version"))
        .unwrap()
}

/// Any text, including `/`, `%`, `?`, `#`, spaces and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 /%?#&=+.~é☃-]{1,12}"
}

fn matched(m: &Mapper, path_and_query: &str) -> Vec<(String, String)> {
    let path = path_and_query.split('?').next().unwrap();
    let found = m
        .recognize(&Method::GET, path)
        .unwrap_or_else(|| panic!("{path_and_query} did not match"));
    found
        .routing_args()
        .unwrap()
        .named()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn assert_has(args: &[(String, String)], key: &str, value: &str) {
    let got = args.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(got, Some(value), "{key} in {args:?}");
}

proptest! {
    #[test]
    fn archive_round_trips(year in r"\d{4}", month in r"\d{2}", slug in text()) {
        let m = &*MAPPER;
        let url = m.url_for_route("archive", &[("year", &year), ("month", &month), ("slug", &slug)]).unwrap();
        let args = matched(m, &url);
        assert_has(&args, "year", &year);
        assert_has(&args, "month", &month);
        assert_has(&args, "slug", &slug);
    }

    #[test]
    fn item_with_optional_format_round_trips(id in "[a-z0-9]{1,8}", format in proptest::option::of("[a-z]{1,4}")) {
        let m = &*MAPPER;
        let mut params = vec![("id", id.as_str())];
        if let Some(f) = &format {
            params.push(("format", f.as_str()));
        }
        let url = m.url_for_route("item", &params).unwrap();
        let args = matched(m, &url);
        assert_has(&args, "id", &id);
        let got = args.iter().find(|(k, _)| k == "format").map(|(_, v)| v.clone());
        prop_assert_eq!(got, format);
    }

    #[test]
    fn greedy_path_round_trips(path in "[a-z/ %é]{0,20}") {
        let m = &*MAPPER;
        let url = m.url_for_route("files", &[("path", &path)]).unwrap();
        let args = matched(m, &url);
        assert_has(&args, "path", &path);
    }

    #[test]
    fn greedy_path_with_segments_after_it_round_trips(page in "[a-z/ %é]{0,20}", rev in "[a-z0-9/]{1,6}") {
        let m = &*MAPPER;
        let url = m.url_for_route("wiki_edit", &[("page", &page), ("rev", &rev)]).unwrap();
        let args = matched(m, &url);
        assert_has(&args, "page", &page);
        assert_has(&args, "rev", &rev);
    }

    #[test]
    fn version_round_trips_with_extras_in_the_query(major in r"\d{1,3}", minor in r"\d{1,3}", name in text(), q in text()) {
        let m = &*MAPPER;
        let url = m.url_for_route("version", &[("major", &major), ("minor", &minor), ("name", &name), ("q", &q)]).unwrap();
        let args = matched(m, &url);
        assert_has(&args, "major", &major);
        assert_has(&args, "minor", &minor);
        assert_has(&args, "name", &name);
        // The query carries exactly one pair, whatever `q` holds.
        let query = url.split_once('?').unwrap().1;
        prop_assert_eq!(query.matches('&').count(), 0);
        prop_assert!(query.starts_with("q="));
    }

    #[test]
    fn generation_never_produces_a_url_that_reads_back_differently(a in "[a-z.-]{1,6}", b in "[a-z.-]{1,6}") {
        // No requirements here: values may contain the separators.
        let m = Mapper::new()
            .route(Route::new("/x/{a}-{b}").name("dash")).unwrap()
            .route(Route::new("/y/{a}{.b}").name("fmt")).unwrap();
        // Generation may refuse only values that hold the separator next to them:
        // a generator that always refused would fail here.
        match m.url_for_route("dash", &[("a", &a), ("b", &b)]) {
            Ok(url) => {
                let args = matched(&m, &url);
                assert_has(&args, "a", &a);
                assert_has(&args, "b", &b);
            }
            Err(e) => prop_assert!(a.contains('-') || b.contains('-'), "dash {a:?} {b:?}: {e}"),
        }
        match m.url_for_route("fmt", &[("a", &a), ("b", &b)]) {
            Ok(url) => {
                let args = matched(&m, &url);
                assert_has(&args, "a", &a);
                assert_has(&args, "b", &b);
            }
            Err(e) => prop_assert!(a.contains('.') || b.contains('.'), "fmt {a:?} {b:?}: {e}"),
        }
    }
}

#[test]
fn values_without_separators_generate_and_read_back() {
    let m = Mapper::new()
        .route(Route::new("/x/{a}-{b}").name("dash"))
        .unwrap()
        .route(Route::new("/y/{a}{.b}").name("fmt"))
        .unwrap();
    for (a, b) in [("ab", "cd"), ("a", "b"), ("x", "json")] {
        let url = m.url_for_route("dash", &[("a", a), ("b", b)]).unwrap();
        assert_eq!(url, format!("/x/{a}-{b}"));
        let args = matched(&m, &url);
        assert_has(&args, "a", a);
        assert_has(&args, "b", b);
        let url = m.url_for_route("fmt", &[("a", a), ("b", b)]).unwrap();
        assert_eq!(url, format!("/y/{a}.{b}"));
        let args = matched(&m, &url);
        assert_has(&args, "a", a);
        assert_has(&args, "b", b);
    }
}
