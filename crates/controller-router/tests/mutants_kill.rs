//! Behaviour that mutation testing (`cargo xtask mutants`) found unchecked by the
//! rest of the suite: the accessors and key-based generation of [`Urls`].

use std::sync::Arc;

use gw_controller_router::{GenerationError, Mapper, Urls};

fn urls() -> Urls {
    let mapper = Mapper::new().connect("/hi/{fred}").unwrap();
    Urls::new(Arc::new(mapper), "/app")
}

#[test]
fn urls_generate_from_keys_under_the_prefix() {
    let urls = urls();
    assert_eq!(
        urls.generate(&[("fred", "index")]).unwrap(),
        "/app/hi/index"
    );
    assert_eq!(
        urls.generate(&[("fred", "a b"), ("page", "2")]).unwrap(),
        "/app/hi/a%20b?page=2"
    );
    assert!(matches!(
        urls.generate(&[("other", "x")]),
        Err(GenerationError::NoMatch { .. })
    ));
}

#[test]
fn urls_expose_their_prefix_and_mapper() {
    let urls = urls();
    assert_eq!(urls.prefix(), "/app");
    assert_eq!(urls.mapper().len(), 1);
    assert_eq!(
        urls.mapper().generate(&[("fred", "x")]).unwrap(),
        "/hi/x",
        "the mapper itself knows no prefix"
    );
    let debug = format!("{urls:?}");
    assert!(
        debug.starts_with("Urls {") && debug.contains("\"/app\""),
        "{debug}"
    );
}

#[test]
fn an_empty_format_generates_no_extension() {
    let m = Mapper::new()
        .route(gw_controller_router::Route::new("/m/{id}{.format}").name("item"))
        .unwrap();
    assert_eq!(
        m.url_for_route("item", &[("id", "7"), ("format", "")])
            .unwrap(),
        "/m/7"
    );
    assert_eq!(
        m.url_for_route("item", &[("id", "7"), ("format", "json")])
            .unwrap(),
        "/m/7.json"
    );
}

#[test]
fn generation_errors_name_the_route_and_the_value() {
    let m = Mapper::new()
        .route(gw_controller_router::Route::new("/n/{id:\\d+}").name("num"))
        .unwrap();
    let err = m.url_for_route("num", &[("id", "x")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "route \"/n/{id:\\\\d+}\" does not accept \"x\" for {id}"
    );
    assert_eq!(
        m.url_for_route("nope", &[]).unwrap_err().to_string(),
        "no route is named \"nope\""
    );
    assert_eq!(
        m.url_for_route("num", &[]).unwrap_err().to_string(),
        "route \"/n/{id:\\\\d+}\" needs a value for {id}"
    );
}

#[test]
fn a_one_letter_key_with_an_empty_value_goes_to_the_query() {
    let m = Mapper::new().connect("/hi/{fred}").unwrap();
    assert_eq!(m.generate(&[("fred", "x"), ("q", "")]).unwrap(), "/hi/x?q=");
}

#[test]
fn long_static_segments_are_compared_past_their_first_sixteen_bytes() {
    let m = Mapper::new()
        .connect("/abcdefgh_ijklmnop_tail")
        .unwrap()
        .connect("/abcdefgh_ijklmnoq_tail")
        .unwrap()
        .connect("/abcdefgh_ijklmnop_tain")
        .unwrap();
    let pattern = |path: &str| {
        m.recognize(&http::Method::GET, path)
            .map(|found| found.pattern().to_owned())
    };
    for path in [
        "/abcdefgh_ijklmnop_tail",
        "/abcdefgh_ijklmnoq_tail",
        "/abcdefgh_ijklmnop_tain",
    ] {
        assert_eq!(pattern(path).as_deref(), Some(path));
    }
    assert_eq!(pattern("/abcdefgh_ijklmnoX_tail"), None);
    assert_eq!(pattern("/abcdefgh_ijklmnop_taiX"), None);
}

#[test]
fn a_route_tried_after_one_that_failed_late_gets_only_its_own_values() {
    // Both routes have a segment with text around a variable, so each is
    // checked by matching its whole pattern; the first captures `a`, then fails
    // on its requirement, and the second must not see that capture.
    let m = Mapper::new()
        .route(
            gw_controller_router::Route::new("/p/{a}.json/{n}")
                .requirement("n", r"\d+")
                .default("controller", "first"),
        )
        .unwrap()
        .route(
            gw_controller_router::Route::new("/{b}/{c}.json/{m}").default("controller", "second"),
        )
        .unwrap();
    let found = m.recognize(&http::Method::GET, "/p/q.json/zz").unwrap();
    let args = found.routing_args().unwrap();
    assert_eq!(args.get("controller"), Some("second"));
    assert_eq!(
        (args.get("b"), args.get("c"), args.get("m")),
        (Some("p"), Some("q"), Some("zz"))
    );
    assert_eq!(args.get("a"), None);
}
