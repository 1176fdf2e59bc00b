//! Generation with a `method` param, as Routes' `url_for(..., method='GET')`:
//! the param picks routes by their method condition and never reaches the
//! query string; a named route whose condition does not admit it refuses.

use gw_controller_router::{GenerationError, Mapper};

fn entries() -> Mapper {
    Mapper::new().resource("entry", "entries").unwrap()
}

#[test]
fn named_collection_route_with_its_method() {
    let m = entries();
    assert_eq!(
        m.url_for_route("entries", &[("method", "GET")]).unwrap(),
        "/entries"
    );
    assert_eq!(
        m.url_for_route("entries", &[("method", "get")]).unwrap(),
        "/entries"
    );
    assert_eq!(
        m.url_for_route("new_entry", &[("method", "GET")]).unwrap(),
        "/entries/new"
    );
}

#[test]
fn named_member_routes_with_their_method() {
    let m = entries();
    let one = [("id", "1"), ("method", "GET")];
    assert_eq!(m.url_for_route("entry", &one).unwrap(), "/entries/1");
    assert_eq!(
        m.url_for_route("edit_entry", &[("id", "1"), ("method", "GET")])
            .unwrap(),
        "/entries/1/edit"
    );
    assert_eq!(
        m.url_for_route(
            "formatted_entry",
            &[("id", "1"), ("format", "xml"), ("method", "GET")]
        )
        .unwrap(),
        "/entries/1.xml"
    );
}

#[test]
fn named_route_refuses_a_method_it_does_not_admit() {
    let m = entries();
    for (name, params) in [
        ("entries", vec![("method", "DELETE")]),
        ("entry", vec![("id", "1"), ("method", "POST")]),
        ("new_entry", vec![("method", "POST")]),
        ("new_entry", vec![("method", "PUT")]),
        ("edit_entry", vec![("id", "1"), ("method", "POST")]),
    ] {
        assert!(
            matches!(
                m.url_for_route(name, &params),
                Err(GenerationError::Method { .. })
            ),
            "{name} {params:?}"
        );
    }
}

#[test]
fn by_controller_the_method_picks_the_route() {
    let m = entries();
    let get = |action: &str, params: &[(&str, &str)]| m.url_for("entries", action, params);
    assert_eq!(get("index", &[("method", "GET")]).unwrap(), "/entries");
    assert_eq!(get("create", &[("method", "POST")]).unwrap(), "/entries");
    assert_eq!(
        get("update", &[("id", "1"), ("method", "put")]).unwrap(),
        "/entries/1"
    );
    assert_eq!(
        get("delete", &[("id", "1"), ("method", "DELETE")]).unwrap(),
        "/entries/1"
    );
    assert!(get("create", &[("method", "GET")]).is_err());
    // Keyword generation, as `m.generate(action='create', method='post', ...)`.
    assert_eq!(
        m.generate(&[
            ("controller", "entries"),
            ("action", "create"),
            ("method", "post")
        ])
        .unwrap(),
        "/entries"
    );
    assert_eq!(
        m.generate(&[
            ("controller", "entries"),
            ("action", "update"),
            ("method", "put"),
            ("id", "1")
        ])
        .unwrap(),
        "/entries/1"
    );
}

#[test]
fn a_route_without_a_method_condition_admits_any_method() {
    let m = Mapper::new().default_routes().unwrap();
    assert_eq!(
        m.url_for("blog", "view", &[("id", "2"), ("method", "POST")])
            .unwrap(),
        "/blog/view/2"
    );
}
