//! Which route generation uses: Routes' order (the route whose keys are closest
//! to the keys given, then connect order), and named routes that refuse values
//! contradicting what they fix.

use gw_controller_router::{GenerationError, Mapper, Route};

fn xml() -> Mapper {
    Mapper::new()
        .route(Route::new("/xml/{action}/feed.xml").default("controller", "xml"))
        .unwrap()
        .route(
            Route::new("/xml/articlerss/{id}/feed.xml")
                .defaults([("controller", "xml"), ("action", "articlerss")]),
        )
        .unwrap()
}

#[test]
fn the_route_using_every_key_wins_over_an_earlier_one() {
    let m = xml();
    assert_eq!(
        m.url_for("xml", "articlerss", &[("id", "4")]).unwrap(),
        "/xml/articlerss/4/feed.xml"
    );
    assert_eq!(
        m.generate(&[("controller", "xml"), ("action", "articlerss"), ("id", "4")])
            .unwrap(),
        "/xml/articlerss/4/feed.xml"
    );
    // Without an id the first route is the closest.
    assert_eq!(
        m.url_for("xml", "articlerss", &[]).unwrap(),
        "/xml/articlerss/feed.xml"
    );
    assert_eq!(m.url_for("xml", "rss", &[]).unwrap(), "/xml/rss/feed.xml");
}

#[test]
fn equal_closeness_keeps_connect_order() {
    let m = Mapper::new()
        .connect("/a/{controller}/{action}")
        .unwrap()
        .connect("/b/{controller}/{action}")
        .unwrap();
    assert_eq!(m.url_for("c", "d", &[]).unwrap(), "/a/c/d");
    assert_eq!(m.url_for("c", "d", &[("x", "1")]).unwrap(), "/a/c/d?x=1");
}

#[test]
fn a_named_route_refuses_a_value_it_fixes_differently() {
    let m = Mapper::new()
        .route(
            Route::new("/")
                .name("home")
                .defaults([("controller", "blog"), ("action", "splash")]),
        )
        .unwrap()
        .default_routes()
        .unwrap();
    assert!(matches!(
        m.url_for_route("home", &[("controller", "content")]),
        Err(GenerationError::Conflict { .. })
    ));
    // The same value is no contradiction, and is not repeated in the query.
    assert_eq!(
        m.url_for_route("home", &[("controller", "blog")]).unwrap(),
        "/"
    );
    assert_eq!(m.url_for_route("home", &[]).unwrap(), "/");
}

#[test]
fn the_closest_route_among_a_resource_and_default_routes() {
    let m = Mapper::new()
        .resource("message", "messages")
        .unwrap()
        .default_routes()
        .unwrap();
    assert_eq!(
        m.url_for("messages", "show", &[("id", "1")]).unwrap(),
        "/messages/1"
    );
    assert_eq!(m.url_for("messages", "index", &[]).unwrap(), "/messages");
    assert_eq!(
        m.url_for("messages", "show", &[("id", "1"), ("format", "xml")])
            .unwrap(),
        "/messages/1.xml"
    );
    assert_eq!(
        m.url_for("other", "show", &[("id", "1")]).unwrap(),
        "/other/show/1"
    );
}
