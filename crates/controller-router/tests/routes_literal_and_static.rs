//! URLs that are not matched routes: literal paths (`url_for('/x.jpg')`) and
//! generate-only routes (Routes' `_static=True`), with and without a mount
//! prefix (Routes' SCRIPT_NAME).

use std::sync::Arc;

use gw_controller_router::{GenerationError, Mapper, Route, Urls};
use http::Method;

fn mapper() -> Mapper {
    Mapper::new()
        .connect("/{controller}/{action}/{id}")
        .unwrap()
        .route(
            Route::new("http://www.groovie.org/")
                .name("home")
                .generate_only(),
        )
        .unwrap()
        .route(Route::new("/nasa/images").name("space").generate_only())
        .unwrap()
        .route(
            Route::new("/login")
                .name("login")
                .default("action", "nowhereville"),
        )
        .unwrap()
}

#[test]
fn literal_paths_get_the_mount_prefix_and_a_query() {
    for (prefix, want) in [("", ""), ("/webapp", "/webapp")] {
        let urls = Urls::new(Arc::new(mapper()), prefix);
        assert_eq!(
            urls.path("/delicious.jpg", &[]),
            format!("{want}/delicious.jpg")
        );
        assert_eq!(
            urls.path("/delicious/search", &[("v", "routes")]),
            format!("{want}/delicious/search?v=routes")
        );
        assert_eq!(
            urls.path("http://www.google.com/search", &[]),
            "http://www.google.com/search"
        );
        assert_eq!(
            urls.path("http://www.google.com/search", &[("q", "routes")]),
            "http://www.google.com/search?q=routes"
        );
        assert_eq!(
            urls.path("/blog", &[("q", "fred"), ("q", "here now")]),
            format!("{want}/blog?q=fred&q=here%20now")
        );
    }
}

#[test]
fn static_routes_by_name() {
    let urls = Urls::new(Arc::new(mapper()), "/webapp");
    assert_eq!(
        urls.url_for_route("home", &[]).unwrap(),
        "http://www.groovie.org/"
    );
    assert_eq!(
        urls.url_for_route("home", &[("s", "stars")]).unwrap(),
        "http://www.groovie.org/?s=stars"
    );
    assert_eq!(
        urls.url_for_route("space", &[("search", "all")]).unwrap(),
        "/webapp/nasa/images?search=all"
    );
    assert_eq!(
        urls.url_for("content", "view", &[("id", "1")]).unwrap(),
        "/webapp/content/view/1"
    );
    let plain = mapper();
    assert_eq!(
        plain.url_for_route("space", &[("search", "all")]).unwrap(),
        "/nasa/images?search=all"
    );
}

#[test]
fn static_routes_are_never_matched_nor_chosen_by_keys() {
    let m = mapper();
    assert!(m.recognize(&Method::GET, "/nasa/images").is_none());
    assert!(m.generate(&[("search", "all")]).is_err());
}

#[test]
fn static_routes_with_variables() {
    let m = Mapper::new()
        .route(
            Route::new("http://{domain}.groovie.org/{location}")
                .name("home")
                .generate_only(),
        )
        .unwrap()
        .route(Route::new("/nasa/{location}").name("space").generate_only())
        .unwrap();
    let urls = Urls::new(Arc::new(m), "/webapp");
    assert!(urls.url_for_route("home", &[]).is_err());
    assert!(urls.url_for_route("home", &[("domain", "fred")]).is_err());
    assert!(urls
        .url_for_route("home", &[("location", "index")])
        .is_err());
    assert_eq!(
        urls.url_for_route("home", &[("domain", "fred"), ("location", "index")])
            .unwrap(),
        "http://fred.groovie.org/index"
    );
    assert_eq!(
        urls.url_for_route(
            "home",
            &[("domain", "fred"), ("location", "index"), ("search", "all")]
        )
        .unwrap(),
        "http://fred.groovie.org/index?search=all"
    );
    assert_eq!(
        urls.url_for_route("space", &[("location", "images"), ("search", "all")])
            .unwrap(),
        "/webapp/nasa/images?search=all"
    );
}

#[test]
fn static_routes_with_defaults_and_requirements() {
    let m = Mapper::new()
        .route(
            Route::new("http://{domain}.groovie.org/{location}")
                .name("home")
                .default("domain", "routes")
                .requirement("domain", "fred|bob|routes")
                .generate_only(),
        )
        .unwrap()
        .route(
            Route::new("/nasa/articles/{year}/{month}")
                .name("space")
                .requirement("year", r"\d{2,4}")
                .requirement("month", r"\d{1,2}")
                .generate_only(),
        )
        .unwrap();
    assert!(m.url_for_route("home", &[]).is_err());
    assert_eq!(
        m.url_for_route("home", &[("location", "index")]).unwrap(),
        "http://routes.groovie.org/index"
    );
    assert_eq!(
        m.url_for_route("home", &[("domain", "bob"), ("location", "index")])
            .unwrap(),
        "http://bob.groovie.org/index"
    );
    assert!(matches!(
        m.url_for_route("home", &[("domain", "george"), ("location", "index")]),
        Err(GenerationError::Rejected { .. })
    ));
    for (year, month) in [
        ("asdf", "1"),
        ("2004", "a"),
        ("1", "1"),
        ("20045", "1"),
        ("2004", "123"),
    ] {
        assert!(m
            .url_for_route("space", &[("year", year), ("month", month)])
            .is_err());
    }
    assert_eq!(
        m.url_for_route("space", &[("year", "2004"), ("month", "6")])
            .unwrap(),
        "/nasa/articles/2004/6"
    );
    assert_eq!(
        m.url_for_route("space", &[("year", "89"), ("month", "12")])
            .unwrap(),
        "/nasa/articles/89/12"
    );
}
