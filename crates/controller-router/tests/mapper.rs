//! Matching and generation, driven through the public `Mapper` API.

use gw_controller_router::{GenerationError, Mapper, Route, RouteError};
use http::Method;

fn get(mapper: &Mapper, path: &str) -> Option<Vec<(String, String)>> {
    let m = mapper.recognize(&Method::GET, path)?;
    let args = m.routing_args()?;
    Some(
        args.named()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

fn value(mapper: &Mapper, method: Method, path: &str, key: &str) -> Option<String> {
    mapper
        .recognize(&method, path)
        .and_then(|m| m.get(key).map(|v| v.into_owned()))
}

#[test]
fn plain_variables_match_one_segment_each() {
    let m = Mapper::new()
        .connect("/{controller}/{action}/{id}")
        .unwrap();
    assert_eq!(
        get(&m, "/greet/show/42").unwrap(),
        [
            ("controller".to_owned(), "greet".to_owned()),
            ("action".to_owned(), "show".to_owned()),
            ("id".to_owned(), "42".to_owned())
        ]
    );
    assert!(get(&m, "/greet/show").is_none());
    assert!(get(&m, "/greet/show/42/more").is_none());
    assert!(get(&m, "/greet//42").is_none(), "a variable is never empty");
}

#[test]
fn inline_regex_requirement_filters_values() {
    let m = Mapper::new()
        .connect(r"/post/{id:\d+}")
        .unwrap()
        .route(Route::new("/post/{slug}").default("kind", "slug"))
        .unwrap();
    assert_eq!(
        value(&m, Method::GET, "/post/12", "id").as_deref(),
        Some("12")
    );
    assert_eq!(
        value(&m, Method::GET, "/post/hello", "kind").as_deref(),
        Some("slug")
    );
}

#[test]
fn requirement_must_match_the_whole_value() {
    let m = Mapper::new()
        .route(Route::new("/n/{id}").requirement("id", r"\d+"))
        .unwrap();
    assert!(get(&m, "/n/12a").is_none());
    assert!(get(&m, "/n/a12").is_none());
    assert!(get(&m, "/n/12").is_some());
}

#[test]
fn requirement_sees_the_decoded_value() {
    let m = Mapper::new()
        .route(Route::new("/w/{word}").requirement("word", "a b"))
        .unwrap();
    assert_eq!(
        value(&m, Method::GET, "/w/a%20b", "word").as_deref(),
        Some("a b")
    );
}

#[test]
fn static_text_between_variables_splits_a_segment() {
    let m = Mapper::new()
        .route(
            Route::new("/archive/{year}-{month}")
                .requirement("year", r"\d{4}")
                .requirement("month", r"\d{2}"),
        )
        .unwrap();
    assert_eq!(
        value(&m, Method::GET, "/archive/2024-05", "year").as_deref(),
        Some("2024")
    );
    assert_eq!(
        value(&m, Method::GET, "/archive/2024-05", "month").as_deref(),
        Some("05")
    );
    assert!(get(&m, "/archive/2024").is_none());
    assert!(get(&m, "/archive/2024-5").is_none());
}

#[test]
fn format_is_optional_and_takes_the_extension() {
    let m = Mapper::new().connect("/messages/{id}{.format}").unwrap();
    assert_eq!(
        value(&m, Method::GET, "/messages/7.json", "id").as_deref(),
        Some("7")
    );
    assert_eq!(
        value(&m, Method::GET, "/messages/7.json", "format").as_deref(),
        Some("json")
    );
    assert_eq!(
        value(&m, Method::GET, "/messages/7", "id").as_deref(),
        Some("7")
    );
    assert_eq!(value(&m, Method::GET, "/messages/7", "format"), None);
}

#[test]
fn absent_format_takes_its_default() {
    let m = Mapper::new()
        .route(Route::new("/feed{.format}").default("format", "html"))
        .unwrap();
    assert_eq!(
        value(&m, Method::GET, "/feed", "format").as_deref(),
        Some("html")
    );
    assert_eq!(
        value(&m, Method::GET, "/feed.rss", "format").as_deref(),
        Some("rss")
    );
}

#[test]
fn greedy_variable_takes_the_rest_with_slashes() {
    let m = Mapper::new().connect("/files/{*path}").unwrap();
    assert_eq!(
        value(&m, Method::GET, "/files/a/b/c.txt", "path").as_deref(),
        Some("a/b/c.txt")
    );
    assert_eq!(
        value(&m, Method::GET, "/files/", "path").as_deref(),
        Some("")
    );
    assert!(get(&m, "/files").is_none());
}

#[test]
fn values_are_percent_decoded() {
    let m = Mapper::new()
        .connect("/{controller}/{action}/{id}")
        .unwrap();
    assert_eq!(
        value(&m, Method::GET, "/a/b/caf%C3%A9%2Fx", "id").as_deref(),
        Some("café/x")
    );
}

#[test]
fn value_that_is_not_utf8_once_decoded_gives_no_args() {
    let m = Mapper::new().connect("/{id}").unwrap();
    let found = m.recognize(&Method::GET, "/%FF").unwrap();
    assert!(found.routing_args().is_none());
    assert_eq!(found.raw("id"), Some("%FF"));
}

#[test]
fn escaped_braces_are_literal() {
    let m = Mapper::new().connect(r"/a\{b\}").unwrap();
    assert!(get(&m, "/a%7Bb%7D").is_some());
}

#[test]
fn first_added_route_wins() {
    let m = Mapper::new()
        .route(Route::new("/{controller}/{action}").name("generic"))
        .unwrap()
        .route(Route::new("/users/new").name("specific"))
        .unwrap();
    assert_eq!(
        m.recognize(&Method::GET, "/users/new").unwrap().name(),
        Some("generic")
    );

    let m = Mapper::new()
        .route(Route::new("/users/new").name("specific"))
        .unwrap()
        .route(Route::new("/{controller}/{action}").name("generic"))
        .unwrap();
    assert_eq!(
        m.recognize(&Method::GET, "/users/new").unwrap().name(),
        Some("specific")
    );
    assert_eq!(
        m.recognize(&Method::GET, "/users/old").unwrap().name(),
        Some("generic")
    );
}

#[test]
fn a_route_rejected_by_its_requirement_lets_the_next_one_match() {
    let m = Mapper::new()
        .route(Route::new(r"/p/{id:\d+}").name("num"))
        .unwrap()
        .route(Route::new("/{a}/{b}").name("any"))
        .unwrap()
        .route(Route::new(r"/p/{x:[a-z]+}").name("late"))
        .unwrap();
    assert_eq!(
        m.recognize(&Method::GET, "/p/1").unwrap().name(),
        Some("num")
    );
    assert_eq!(
        m.recognize(&Method::GET, "/p/abc").unwrap().name(),
        Some("any")
    );
}

#[test]
fn ordering_holds_across_greedy_complex_and_static_routes() {
    let m = Mapper::new()
        .route(Route::new("/x/{*rest}").name("greedy"))
        .unwrap()
        .route(Route::new("/x/{a}-{b}").name("complex"))
        .unwrap()
        .route(Route::new("/x/1-2").name("static"))
        .unwrap();
    assert_eq!(
        m.recognize(&Method::GET, "/x/1-2").unwrap().name(),
        Some("greedy")
    );
    let m = Mapper::new()
        .route(Route::new("/x/1-2").name("static"))
        .unwrap()
        .route(Route::new("/x/{a}-{b}").name("complex"))
        .unwrap()
        .route(Route::new("/x/{*rest}").name("greedy"))
        .unwrap();
    assert_eq!(
        m.recognize(&Method::GET, "/x/1-2").unwrap().name(),
        Some("static")
    );
    assert_eq!(
        m.recognize(&Method::GET, "/x/3-4").unwrap().name(),
        Some("complex")
    );
    assert_eq!(
        m.recognize(&Method::GET, "/x/34").unwrap().name(),
        Some("greedy")
    );
}

#[test]
fn method_condition_admits_listed_methods_and_head_for_get() {
    let m = Mapper::new()
        .route(Route::new("/r").name("read").method(Method::GET))
        .unwrap()
        .route(
            Route::new("/r")
                .name("write")
                .methods([Method::POST, Method::PUT]),
        )
        .unwrap();
    assert_eq!(
        m.recognize(&Method::GET, "/r").unwrap().name(),
        Some("read")
    );
    assert_eq!(
        m.recognize(&Method::HEAD, "/r").unwrap().name(),
        Some("read")
    );
    assert_eq!(
        m.recognize(&Method::POST, "/r").unwrap().name(),
        Some("write")
    );
    assert_eq!(
        m.recognize(&Method::PUT, "/r").unwrap().name(),
        Some("write")
    );
    assert!(m.recognize(&Method::DELETE, "/r").is_none());
}

#[test]
fn head_does_not_match_a_post_only_route() {
    let m = Mapper::new()
        .route(Route::new("/w").method(Method::POST))
        .unwrap();
    assert!(m.recognize(&Method::HEAD, "/w").is_none());
}

#[test]
fn custom_condition_sees_the_request_and_values() {
    let m = Mapper::new()
        .route(
            Route::new("/api/{v}")
                .name("json")
                .condition(|parts, args| {
                    parts
                        .headers
                        .get("accept")
                        .is_some_and(|a| a == "application/json")
                        && args.get("v") == Some("1")
                }),
        )
        .unwrap()
        .route(Route::new("/api/{v}").name("other"))
        .unwrap();
    let req = |accept: &str, path: &str| {
        http::Request::get(path)
            .header("accept", accept)
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let parts = req("application/json", "/api/1");
    assert_eq!(m.recognize_request(&parts).unwrap().name(), Some("json"));
    let parts = req("text/html", "/api/1");
    assert_eq!(m.recognize_request(&parts).unwrap().name(), Some("other"));
    let parts = req("application/json", "/api/2");
    assert_eq!(m.recognize_request(&parts).unwrap().name(), Some("other"));
    // Without a request the condition cannot run, so that route never matches.
    assert_eq!(
        m.recognize(&Method::GET, "/api/1").unwrap().name(),
        Some("other")
    );
}

#[test]
fn trailing_slash_is_strict_by_default() {
    let m = Mapper::new().connect("/about").unwrap();
    assert!(get(&m, "/about/").is_none());
    let m = Mapper::new().connect("/about/").unwrap();
    assert!(get(&m, "/about").is_none());
    assert!(get(&m, "/about/").is_some());
}

#[test]
fn trailing_slash_is_forgiven_when_asked() {
    let m = Mapper::new()
        .strict_slashes(false)
        .connect("/{controller}")
        .unwrap();
    assert_eq!(
        value(&m, Method::GET, "/about/", "controller").as_deref(),
        Some("about")
    );
}

#[test]
fn from_settings_reads_strict_slashes_and_refuses_typos() {
    let settings = gw_core::Settings::from_pairs([("strict_slashes", "false")]);
    let m = Mapper::from_settings(&settings)
        .unwrap()
        .connect("/a")
        .unwrap();
    assert!(get(&m, "/a/").is_some());
    let typo = gw_core::Settings::from_pairs([("strict_slash", "false")]);
    assert!(Mapper::from_settings(&typo).is_err());
}

#[test]
fn default_routes_are_pylons_three() {
    let m = Mapper::new().default_routes().unwrap();
    assert_eq!(
        value(&m, Method::GET, "/greet", "action").as_deref(),
        Some("index")
    );
    assert_eq!(
        value(&m, Method::GET, "/greet/links", "action").as_deref(),
        Some("links")
    );
    assert_eq!(
        value(&m, Method::GET, "/greet/show/42", "id").as_deref(),
        Some("42")
    );
    assert!(get(&m, "/").is_none());
    assert!(get(&m, "/a/b/c/d").is_none());
}

#[test]
fn bad_pattern_is_an_error_naming_pattern_and_position() {
    let err = Mapper::new().connect("/users/{id").unwrap_err();
    let RouteError::Pattern(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((e.pattern.as_str(), e.position), ("/users/{id", 7));
    assert!(
        err.to_string().contains("\"/users/{id\" at byte 7"),
        "{err}"
    );
}

#[test]
fn bad_regex_is_an_error_naming_pattern_variable_and_position() {
    let err = Mapper::new().connect("/a/{id:[0-9}").unwrap_err();
    let RouteError::Regex {
        pattern,
        var,
        position,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (pattern.as_str(), var.as_str(), *position),
        ("/a/{id:[0-9}", "id", 3)
    );
    let err = Mapper::new()
        .route(Route::new("/a/{id}").requirement("id", "("))
        .unwrap_err();
    assert!(err.to_string().contains("{id}"), "{err}");
}

#[test]
fn requirement_for_an_unknown_variable_is_an_error() {
    let err = Mapper::new()
        .route(Route::new("/a/{id}").requirement("slug", ".*"))
        .unwrap_err();
    assert!(matches!(err, RouteError::UnknownVariable { .. }), "{err:?}");
}

#[test]
fn duplicate_route_name_is_an_error() {
    let err = Mapper::new()
        .route(Route::new("/a").name("x"))
        .unwrap()
        .route(Route::new("/b").name("x"))
        .unwrap_err();
    assert!(matches!(err, RouteError::DuplicateName { .. }), "{err:?}");
}

// ---- generation ----

#[test]
fn generation_by_name_fills_variables_and_queries_extras() {
    let m = Mapper::new()
        .route(Route::new(r"/post/{id:\d+}").name("post"))
        .unwrap();
    assert_eq!(
        m.url_for_route("post", &[("id", "5"), ("q", "a b&c"), ("page", "2")])
            .unwrap(),
        "/post/5?q=a%20b%26c&page=2"
    );
}

#[test]
fn generation_percent_encodes_values() {
    let m = Mapper::new()
        .route(Route::new("/w/{word}").name("w"))
        .unwrap()
        .route(Route::new("/f/{*path}").name("f"))
        .unwrap();
    assert_eq!(
        m.url_for_route("w", &[("word", "a/b c%")]).unwrap(),
        "/w/a%2Fb%20c%25"
    );
    assert_eq!(
        m.url_for_route("f", &[("path", "a/b c")]).unwrap(),
        "/f/a/b%20c"
    );
}

#[test]
fn generation_errors_are_typed() {
    let m = Mapper::new()
        .route(Route::new(r"/post/{id:\d+}").name("post"))
        .unwrap();
    assert_eq!(
        m.url_for_route("nope", &[]),
        Err(GenerationError::UnknownName("nope".into()))
    );
    assert!(matches!(
        m.url_for_route("post", &[]),
        Err(GenerationError::MissingValue { .. })
    ));
    assert!(matches!(
        m.url_for_route("post", &[("id", "x")]),
        Err(GenerationError::Rejected { .. })
    ));
    assert!(matches!(
        m.url_for_route("post", &[("id", "")]),
        Err(GenerationError::Rejected { .. })
    ));
}

#[test]
fn generation_refuses_a_url_that_would_split_differently() {
    let m = Mapper::new()
        .route(Route::new("/archive/{year}-{month}").name("archive"))
        .unwrap()
        .route(Route::new("/m/{id}{.format}").name("m"))
        .unwrap();
    assert_eq!(
        m.url_for_route("archive", &[("year", "2024"), ("month", "05")])
            .unwrap(),
        "/archive/2024-05"
    );
    assert!(matches!(
        m.url_for_route("archive", &[("year", "20-24"), ("month", "05")]),
        Err(GenerationError::Ambiguous { .. })
    ));
    // id "1.2" without a format would read back as id 1, format 2.
    assert!(matches!(
        m.url_for_route("m", &[("id", "1.2")]),
        Err(GenerationError::Ambiguous { .. })
    ));
    assert_eq!(
        m.url_for_route("m", &[("id", "1.2"), ("format", "json")])
            .unwrap(),
        "/m/1.2.json"
    );
}

#[test]
fn routes_style_generation_takes_the_first_route_that_accepts() {
    let m = Mapper::new().default_routes().unwrap();
    assert_eq!(
        m.url_for("greet", "show", &[("id", "3"), ("q", "x")])
            .unwrap(),
        "/greet/show/3?q=x"
    );
    assert_eq!(m.url_for("greet", "links", &[]).unwrap(), "/greet/links");
}

#[test]
fn routes_style_generation_honours_fixed_defaults_and_requirements() {
    let m = Mapper::new()
        .route(
            Route::new(r"/blog/{year:\d{4}}")
                .default("controller", "blog")
                .default("action", "year"),
        )
        .unwrap()
        .route(Route::new("/about").defaults([("controller", "pages"), ("action", "about")]))
        .unwrap()
        .default_routes()
        .unwrap();
    assert_eq!(
        m.url_for("blog", "year", &[("year", "2024")]).unwrap(),
        "/blog/2024"
    );
    // The requirement refuses "abc", so the generic route is used.
    assert_eq!(
        m.url_for("blog", "year", &[("year", "abc")]).unwrap(),
        "/blog/year?year=abc"
    );
    assert_eq!(m.url_for("pages", "about", &[]).unwrap(), "/about");
    assert!(matches!(
        Mapper::new().connect("/x").unwrap().url_for("a", "b", &[]),
        Err(GenerationError::NoRoute { .. })
    ));
}

#[test]
fn routes_style_generation_with_method_picks_a_route_whose_condition_admits_it() {
    let m = Mapper::new().resource("message", "messages").unwrap();
    assert_eq!(
        m.url_for("messages", "update", &[("id", "1"), ("method", "put")])
            .unwrap(),
        "/messages/1"
    );
    assert!(m
        .url_for("messages", "update", &[("id", "1"), ("method", "GET")])
        .is_err());
}

// ---- resources, submappers, redirects ----

#[test]
fn resource_gives_the_seven_routes() {
    let m = Mapper::new().resource("message", "messages").unwrap();
    let action = |method: Method, path: &str| value(&m, method, path, "action");
    assert_eq!(action(Method::GET, "/messages").as_deref(), Some("index"));
    assert_eq!(action(Method::POST, "/messages").as_deref(), Some("create"));
    assert_eq!(action(Method::GET, "/messages/new").as_deref(), Some("new"));
    assert_eq!(action(Method::GET, "/messages/1").as_deref(), Some("show"));
    assert_eq!(
        action(Method::PUT, "/messages/1").as_deref(),
        Some("update")
    );
    assert_eq!(
        action(Method::DELETE, "/messages/1").as_deref(),
        Some("delete")
    );
    assert_eq!(
        action(Method::GET, "/messages/1/edit").as_deref(),
        Some("edit")
    );
    assert_eq!(action(Method::DELETE, "/messages"), None);
    assert_eq!(action(Method::POST, "/messages/1"), None);
    assert_eq!(
        value(&m, Method::GET, "/messages/1", "controller").as_deref(),
        Some("messages")
    );
}

#[test]
fn resource_routes_take_a_format() {
    let m = Mapper::new().resource("message", "messages").unwrap();
    assert_eq!(
        value(&m, Method::GET, "/messages.json", "format").as_deref(),
        Some("json")
    );
    assert_eq!(
        value(&m, Method::GET, "/messages/new.xml", "action").as_deref(),
        Some("new")
    );
    assert_eq!(
        value(&m, Method::GET, "/messages/4.json", "id").as_deref(),
        Some("4")
    );
    assert_eq!(
        value(&m, Method::GET, "/messages/4/edit.json", "action").as_deref(),
        Some("edit")
    );
}

#[test]
fn resource_routes_are_named() {
    let m = Mapper::new().resource("message", "messages").unwrap();
    let url = |name: &str, params: &[(&str, &str)]| m.url_for_route(name, params).unwrap();
    assert_eq!(url("messages", &[]), "/messages");
    assert_eq!(
        url("formatted_messages", &[("format", "json")]),
        "/messages.json"
    );
    assert_eq!(url("new_message", &[]), "/messages/new");
    assert_eq!(
        url("formatted_new_message", &[("format", "xml")]),
        "/messages/new.xml"
    );
    assert_eq!(url("message", &[("id", "3")]), "/messages/3");
    assert_eq!(
        url("formatted_message", &[("id", "3"), ("format", "json")]),
        "/messages/3.json"
    );
    assert_eq!(url("edit_message", &[("id", "3")]), "/messages/3/edit");
    assert_eq!(
        url("formatted_edit_message", &[("id", "3"), ("format", "json")]),
        "/messages/3/edit.json"
    );
}

#[test]
fn submapper_prefixes_paths_and_names_and_nests() {
    let m = Mapper::new()
        .submapper("/admin", "admin_", |m| {
            m.resource("user", "users")?
                .submapper("/deep/", "deep_", |m| m.route(Route::new("/x").name("x")))
        })
        .unwrap()
        .route(Route::new("/x").name("x"))
        .unwrap();
    assert_eq!(m.url_for_route("admin_users", &[]).unwrap(), "/admin/users");
    assert_eq!(
        m.url_for_route("admin_deep_x", &[]).unwrap(),
        "/admin/deep/x"
    );
    assert_eq!(m.url_for_route("x", &[]).unwrap(), "/x");
    assert_eq!(
        value(&m, Method::GET, "/admin/users/9", "action").as_deref(),
        Some("show")
    );
}

#[test]
fn redirect_target_variable_must_be_captured() {
    let err = Mapper::new()
        .redirect("/old/{id}", "/new/{slug}")
        .unwrap_err();
    assert!(
        matches!(err, RouteError::RedirectVariable { .. }),
        "{err:?}"
    );
}

#[test]
fn redirect_route_cannot_be_generated() {
    let m = Mapper::new()
        .route(Route::new("/a").name("a"))
        .unwrap()
        .redirect("/old", "/a")
        .unwrap();
    assert!(m.url_for_route("a", &[]).is_ok());
    assert_eq!(m.len(), 2);
}

#[test]
fn routes_with_many_variables_still_match_and_check_requirements() {
    let pattern: String = (0..14).map(|i| format!("/{{v{i}}}")).collect();
    let m = Mapper::new()
        .route(Route::new(pattern).requirement("v13", r"\d+"))
        .unwrap();
    let path: String = (0..14).map(|i| format!("/{i}")).collect();
    assert_eq!(value(&m, Method::GET, &path, "v13").as_deref(), Some("13"));
    assert_eq!(value(&m, Method::GET, &path, "v0").as_deref(), Some("0"));
    let bad: String = (0..13)
        .map(|i| format!("/{i}"))
        .chain(["/x".to_owned()])
        .collect();
    assert!(get(&m, &bad).is_none());
}

#[test]
fn plain_and_constrained_routes_capture_the_same_values() {
    // The first route takes the lookup's fast path (no method, requirement,
    // complex segment or condition); the others take the full check.
    let mapper = Mapper::new()
        .connect("/plain/{a}/{b}/{*rest}")
        .unwrap()
        .route(Route::new(r"/req/{a:\d+}/{b}/{*rest}"))
        .unwrap()
        .route(Route::new("/get/{a}/{b}/{*rest}").method(Method::GET))
        .unwrap();
    for prefix in ["plain", "req", "get"] {
        let path = format!("/{prefix}/12/x%20y/r/s");
        let m = mapper.recognize(&Method::GET, &path).expect(&path);
        assert_eq!(m.get("a").as_deref(), Some("12"), "{path}");
        assert_eq!(m.get("b").as_deref(), Some("x y"), "{path}");
        assert_eq!(m.raw("b"), Some("x%20y"), "{path}");
        assert_eq!(m.get("rest").as_deref(), Some("r/s"), "{path}");
    }
    assert!(mapper.recognize(&Method::GET, "/req/x/y/z").is_none());
    assert!(mapper.recognize(&Method::POST, "/get/1/2/3").is_none());
}
