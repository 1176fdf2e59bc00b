//! Routes' `resource(..., path_prefix=, requirements=)`: a resource inside a
//! `submapper` whose prefix carries the variables and their requirements.

use gw_controller_router::Mapper;
use http::Method;

fn mapper() -> Mapper {
    Mapper::new()
        .submapper(r"/{project_id:[0-9a-f]{4}}/{user_id:\d+}", "", |m| {
            m.resource("message", "messages")
        })
        .unwrap()
}

#[test]
fn prefix_variables_match_with_their_requirements() {
    let m = mapper();
    let found = m.recognize(&Method::POST, "/cafe/123/messages").unwrap();
    let args = found.routing_args().unwrap();
    assert_eq!(args.get("action"), Some("create"));
    assert_eq!(args.get("controller"), Some("messages"));
    assert_eq!(args.get("project_id"), Some("cafe"));
    assert_eq!(args.get("user_id"), Some("123"));
    for path in [
        "/extensions/123/messages",
        "/b0a3/123b/messages",
        "/foo/bar/messages",
    ] {
        assert!(m.recognize(&Method::POST, path).is_none(), "{path}");
    }
}

#[test]
fn prefix_variables_generate_with_their_requirements() {
    let m = mapper();
    let scope = [("project_id", "cafe"), ("user_id", "123")];
    assert_eq!(
        m.url_for_route("messages", &scope).unwrap(),
        "/cafe/123/messages"
    );
    assert_eq!(
        m.url_for(
            "messages",
            "update",
            &[
                ("project_id", "cafe"),
                ("user_id", "123"),
                ("id", "1"),
                ("method", "PUT")
            ]
        )
        .unwrap(),
        "/cafe/123/messages/1"
    );
    assert!(m
        .url_for_route("messages", &[("project_id", "nope"), ("user_id", "123")])
        .is_err());
}
