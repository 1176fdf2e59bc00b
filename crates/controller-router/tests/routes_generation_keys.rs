//! Generation from keys alone (Routes' `url_for(**kwargs)` / `m.generate`),
//! for routes that do not give both a controller and an action.

use gw_controller_router::{GenerationError, Mapper, Route};

#[test]
fn route_without_controller_or_action() {
    let m = Mapper::new().connect("/hi/{fred}").unwrap();
    assert_eq!(m.generate(&[("fred", "index")]).unwrap(), "/hi/index");
    assert_eq!(m.generate(&[("fred", "show")]).unwrap(), "/hi/show");
    assert_eq!(m.generate(&[("fred", "list es")]).unwrap(), "/hi/list%20es");
    assert!(m.generate(&[]).is_err());
}

#[test]
fn route_with_only_a_controller() {
    let m = Mapper::new()
        .route(Route::new("/").default("controller", "content"))
        .unwrap();
    assert_eq!(m.generate(&[("controller", "content")]).unwrap(), "/");
    assert_eq!(
        m.generate(&[("controller", "content"), ("page", "2")])
            .unwrap(),
        "/?page=2"
    );
    assert!(matches!(
        m.generate(&[("controller", "blog")]),
        Err(GenerationError::NoMatch { .. })
    ));
    // A route that would read back without the action is not used for one.
    assert!(m
        .generate(&[("controller", "content"), ("action", "view")])
        .is_err());
}

#[test]
fn fixed_values_must_all_be_given() {
    let m = Mapper::new()
        .route(Route::new("/hi/{fred}").defaults([("controller", "x"), ("action", "y")]))
        .unwrap()
        .connect("/other/{fred}")
        .unwrap();
    // Without controller and action the first route is no candidate.
    assert_eq!(m.generate(&[("fred", "a")]).unwrap(), "/other/a");
    assert_eq!(
        m.generate(&[("controller", "x"), ("action", "y"), ("fred", "a")])
            .unwrap(),
        "/hi/a"
    );
}

#[test]
fn variables_and_requirements() {
    let m = Mapper::new()
        .connect(r"/archive/{year:\d{4}}/{month:\d{1,2}}")
        .unwrap()
        .connect("/archive/{year}")
        .unwrap();
    assert_eq!(
        m.generate(&[("year", "2004"), ("month", "10")]).unwrap(),
        "/archive/2004/10"
    );
    assert_eq!(m.generate(&[("year", "2004")]).unwrap(), "/archive/2004");
    // The month fails its requirement: the other route takes the year, the
    // month goes to the query.
    assert_eq!(
        m.generate(&[("year", "2004"), ("month", "x")]).unwrap(),
        "/archive/2004?month=x"
    );
}

#[test]
fn defaults_fill_missing_variables() {
    let m = Mapper::new()
        .route(
            Route::new("/category/{section}")
                .name("category_home")
                .default("section", "home"),
        )
        .unwrap();
    assert_eq!(
        m.generate(&[("section", "food")]).unwrap(),
        "/category/food"
    );
    assert_eq!(
        m.url_for_route("category_home", &[]).unwrap(),
        "/category/home"
    );
}

#[test]
fn default_routes_by_keys() {
    let m = Mapper::new().default_routes().unwrap();
    assert_eq!(
        m.generate(&[("controller", "content"), ("action", "view"), ("id", "4")])
            .unwrap(),
        "/content/view/4"
    );
    assert_eq!(
        m.generate(&[("controller", "content"), ("action", "view")])
            .unwrap(),
        "/content/view"
    );
    // `/{controller}` fixes the action (`index`): as in Routes without
    // minimization, a fixed value must be given to be used.
    assert!(m.generate(&[("controller", "content")]).is_err());
    assert_eq!(
        m.generate(&[("controller", "content"), ("action", "index")])
            .unwrap(),
        "/content/index"
    );
}

#[test]
fn all_static_route_from_no_keys() {
    let m = Mapper::new().connect("/hello/world").unwrap();
    assert_eq!(m.generate(&[]).unwrap(), "/hello/world");
}

#[test]
fn static_route_with_fixed_values() {
    let m = Mapper::new()
        .route(Route::new("/hello/world").defaults([
            ("known", "known_value"),
            ("controller", "content"),
            ("action", "index"),
        ]))
        .unwrap();
    let fixed = [
        ("controller", "content"),
        ("action", "index"),
        ("known", "known_value"),
    ];
    assert_eq!(m.generate(&fixed).unwrap(), "/hello/world");
    let mut extra = fixed.to_vec();
    extra.push(("extra", "hi"));
    assert_eq!(m.generate(&extra).unwrap(), "/hello/world?extra=hi");
    assert!(m.generate(&[("known", "foo")]).is_err());
}

#[test]
fn requirement_refuses_a_value() {
    let m = Mapper::new()
        .route(Route::new("/hi/{name}").requirement("name", "[a-z]+"))
        .unwrap();
    assert_eq!(m.generate(&[("name", "index")]).unwrap(), "/hi/index");
    assert!(m.generate(&[("name", "fox5")]).is_err());
    assert!(m.generate(&[("name", "something_is_up")]).is_err());
    assert_eq!(
        m.generate(&[("name", "abunchofcharacter")]).unwrap(),
        "/hi/abunchofcharacter"
    );
    assert!(m.generate(&[]).is_err());
}

#[test]
fn optional_format_with_and_without_a_requirement() {
    let m = Mapper::new()
        .connect("/songs/{title}{.format}")
        .unwrap()
        .connect("/stories/{slug}{.format:pdf}")
        .unwrap();
    assert_eq!(m.generate(&[("title", "my-way")]).unwrap(), "/songs/my-way");
    assert_eq!(
        m.generate(&[("title", "my-way"), ("format", "mp3")])
            .unwrap(),
        "/songs/my-way.mp3"
    );
    assert_eq!(
        m.generate(&[("slug", "frist-post")]).unwrap(),
        "/stories/frist-post"
    );
    assert_eq!(
        m.generate(&[("slug", "frist-post"), ("format", "pdf")])
            .unwrap(),
        "/stories/frist-post.pdf"
    );
    assert!(m
        .generate(&[("slug", "frist-post"), ("format", "doc")])
        .is_err());
}

/// Routes' `test_big_multiroute_with_nomin`, with the defaults written out
/// (no implicit `action='index'`).
#[test]
fn a_typical_blog_mapper() {
    let fixed =
        |p: &str, c: &str, a: &str| Route::new(p).defaults([("controller", c), ("action", a)]);
    let m = Mapper::new()
        .route(fixed("/", "articles", "index"))
        .unwrap()
        .route(fixed("/admin", "admin/general", "index"))
        .unwrap()
        .route(
            Route::new("/admin/comments/article/{article_id}/{action}/{id}")
                .default("controller", "admin/comments"),
        )
        .unwrap()
        .route(Route::new("/admin/content/{action}/{id}").default("controller", "admin/content"))
        .unwrap()
        .route(Route::new("/xml/{action}/feed.xml").default("controller", "xml"))
        .unwrap()
        .route(fixed("/xml/articlerss/{id}/feed.xml", "xml", "articlerss"))
        .unwrap()
        .route(fixed("/index.rdf", "xml", "rss"))
        .unwrap()
        .route(fixed("/articles", "articles", "index"))
        .unwrap()
        .route(fixed("/articles/page/{page}", "articles", "index").requirement("page", r"\d+"))
        .unwrap()
        .route(
            fixed(
                "/articles/{year}/{month}/{day}/page/{page}",
                "articles",
                "find_by_date",
            )
            .requirement("year", r"\d{4}")
            .requirement("month", r"\d{1,2}")
            .requirement("day", r"\d{1,2}"),
        )
        .unwrap()
        .route(fixed("/articles/category/{id}", "articles", "category"))
        .unwrap()
        .route(fixed("/pages/{*name}", "articles", "view_page"))
        .unwrap();
    let g = |c: &str, a: &str, p: &[(&str, &str)]| m.url_for(c, a, p);
    assert_eq!(
        g("articles", "view_page", &[("name", "the/idiot/has/spoken")]).unwrap(),
        "/pages/the/idiot/has/spoken"
    );
    assert_eq!(g("articles", "index", &[]).unwrap(), "/");
    assert_eq!(
        g("xml", "articlerss", &[("id", "4")]).unwrap(),
        "/xml/articlerss/4/feed.xml"
    );
    assert_eq!(g("xml", "rss", &[]).unwrap(), "/xml/rss/feed.xml");
    assert_eq!(
        g(
            "admin/comments",
            "view",
            &[("article_id", "4"), ("id", "2")]
        )
        .unwrap(),
        "/admin/comments/article/4/view/2"
    );
    assert_eq!(g("admin/general", "index", &[]).unwrap(), "/admin");
    assert_eq!(
        g(
            "articles",
            "find_by_date",
            &[
                ("year", "2004"),
                ("month", "2"),
                ("day", "20"),
                ("page", "1")
            ]
        )
        .unwrap(),
        "/articles/2004/2/20/page/1"
    );
    assert!(g("articles", "category", &[]).is_err());
    assert_eq!(
        g("articles", "category", &[("id", "4")]).unwrap(),
        "/articles/category/4"
    );
    assert_eq!(
        g("xml", "articlerss", &[]).unwrap(),
        "/xml/articlerss/feed.xml"
    );
    assert!(m
        .generate(&[("controller", "admin/comments"), ("id", "2")])
        .is_err());
}
