//! Property tests for the Routes forms: generation from keys, by controller
//! and action with nested controller names, and ids with escaped dots; each
//! generated URL matches back to the values it was made from.

use std::sync::LazyLock;

use gw_controller_router::{Mapper, Route};
use http::Method;
use proptest::prelude::*;

static MAPPER: LazyLock<Mapper> = LazyLock::new(|| {
    Mapper::new()
        .route(
            Route::new("/xml/articlerss/{id}/feed.xml")
                .defaults([("controller", "xml"), ("action", "articlerss")]),
        )
        .unwrap()
        .connect("/hi/{fred}")
        .unwrap()
        .resource("person", "people")
        .unwrap()
        .default_routes()
        .unwrap()
        .controllers(["content", "admin/user", "admin", "xml", "people"])
});

/// Any text, including `/`, `%`, `?`, `\`, `.`, spaces and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    r"[a-zA-Z0-9 /%?#&=+.~\\é☃-]{1,12}"
}

fn values(path: &str, method: Method) -> Vec<(String, String)> {
    let path = path.split('?').next().unwrap();
    let found = MAPPER
        .recognize(&method, path)
        .unwrap_or_else(|| panic!("{path} did not match"));
    found
        .routing_args()
        .unwrap()
        .named()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn has(args: &[(String, String)], key: &str, value: &str) -> bool {
    args.iter().any(|(k, v)| k == key && v == value)
}

proptest! {
    #[test]
    fn keys_alone_round_trip(fred in text()) {
        let url = MAPPER.generate(&[("fred", &fred)]).unwrap();
        prop_assert!(has(&values(&url, Method::GET), "fred", &fred), "{url}");
    }

    #[test]
    fn nested_controller_names_round_trip(
        controller in prop::sample::select(vec!["content", "admin/user", "admin"]),
        action in "[a-z_]{1,8}",
        id in text(),
    ) {
        let url = MAPPER.url_for(controller, &action, &[("id", &id)]).unwrap();
        let args = values(&url, Method::GET);
        prop_assert!(has(&args, "controller", controller), "{url}: {args:?}");
        prop_assert!(has(&args, "action", &action), "{url}: {args:?}");
        prop_assert!(has(&args, "id", &id), "{url}: {args:?}");
    }

    #[test]
    fn closest_route_round_trips(id in text()) {
        let url = MAPPER.url_for("xml", "articlerss", &[("id", &id)]).unwrap();
        prop_assert!(url.starts_with("/xml/articlerss/"), "{url}");
        prop_assert!(has(&values(&url, Method::GET), "id", &id), "{url}");
    }

    #[test]
    fn resource_ids_round_trip_with_and_without_a_format(
        id in text(),
        format in prop::option::of("[a-z]{1,4}"),
    ) {
        let mut params = vec![("id", id.as_str()), ("method", "PUT")];
        if let Some(f) = &format {
            params.push(("format", f));
        }
        // An id the resource route cannot give back whole (`a.b` with no
        // format would read as id `a`, format `b`; `\` before the format's
        // `.` would escape it) is refused there, and the default route
        // `/{controller}/{action}/{id}` takes it, the format in the query.
        let url = MAPPER.url_for("people", "update", &params).unwrap();
        let args = values(&url, Method::PUT);
        prop_assert!(has(&args, "id", &id), "{url}: {args:?}");
        let in_query = url.split_once('?').map(|(_, q)| q.to_owned());
        match &format {
            Some(f) => prop_assert!(
                has(&args, "format", f) || in_query == Some(format!("format={f}")),
                "{url}: {args:?}"
            ),
            None => prop_assert!(!args.iter().any(|(k, _)| k == "format"), "{url}: {args:?}"),
        }
        if !url.starts_with("/people/update/") {
            prop_assert!(has(&args, "action", "update"), "{url}: {args:?}");
        }
    }
}
