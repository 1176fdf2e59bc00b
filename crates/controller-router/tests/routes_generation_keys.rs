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
