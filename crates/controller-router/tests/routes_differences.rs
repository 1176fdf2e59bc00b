//! The places where we answer differently from Routes on purpose (the
//! README's "Differences from Routes"), held by tests so the table stays true.

use gw_controller_router::{Mapper, Route, RouteError};
use http::Method;

#[test]
fn adjacent_variables_are_a_pattern_error_naming_the_position() {
    let err = Mapper::new()
        .connect("/{year}{month}{day}.html")
        .unwrap_err();
    let RouteError::Pattern(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.position, 7);
    assert!(e.reason.contains("literal text between"), "{}", e.reason);
    // With text between them, the same values are matched.
    let m = Mapper::new().connect("/{year}-{month}-{day}.html").unwrap();
    let found = m.recognize(&Method::GET, "/2024-01-02.html").unwrap();
    assert_eq!(found.get("month").as_deref(), Some("01"));
}

#[test]
fn a_slash_in_a_value_is_encoded_unless_the_controller_is_known() {
    let m = Mapper::new().default_routes().unwrap();
    let url = m.url_for("admin/user", "show", &[("id", "10")]).unwrap();
    assert_eq!(url, "/admin%2Fuser/show/10");
    let found = m.recognize(&Method::GET, &url).unwrap();
    assert_eq!(found.get("controller").as_deref(), Some("admin/user"));

    let m = m.controllers(["admin/user"]);
    assert_eq!(
        m.url_for("admin/user", "show", &[("id", "10")]).unwrap(),
        "/admin/user/show/10"
    );
}

#[test]
fn sub_delimiters_stay_in_a_path_and_are_encoded_in_a_query() {
    let m = Mapper::new().connect("/hi/{*file}").unwrap();
    let url = m
        .generate(&[
            ("file", "books/development&whatever/learning_python.pdf"),
            ("q", "a&b"),
        ])
        .unwrap();
    assert_eq!(
        url,
        "/hi/books/development&whatever/learning_python.pdf?q=a%26b"
    );
    let found = m
        .recognize(&Method::GET, url.split('?').next().unwrap())
        .unwrap();
    assert_eq!(
        found.get("file").as_deref(),
        Some("books/development&whatever/learning_python.pdf")
    );
}

#[test]
fn names_are_always_hard() {
    let m = Mapper::new()
        .route(Route::new("/gallery/{img_id}_thumbnail.jpg").name("gallery_thumb"))
        .unwrap()
        .route(Route::new("/gallery/{img_id}.jpg").name("gallery"))
        .unwrap();
    // Routes with hardcode_names=False would give the thumbnail for both.
    assert_eq!(
        m.url_for_route("gallery", &[("img_id", "home")]).unwrap(),
        "/gallery/home.jpg"
    );
    assert_eq!(
        m.url_for_route("gallery_thumb", &[("img_id", "home")])
            .unwrap(),
        "/gallery/home_thumbnail.jpg"
    );
}
