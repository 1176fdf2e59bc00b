//! Controller names: with [`Mapper::controllers`] (Routes' `create_regs`), an
//! unknown name does not match, so later routes get their turn, and a name
//! with a `/` matches across segments.

use gw_controller_router::{Mapper, Route};
use http::Method;

fn args(m: &Mapper, path: &str) -> Option<Vec<(String, String)>> {
    let found = m.recognize(&Method::GET, path)?;
    let args = found.routing_args()?;
    let mut out: Vec<(String, String)> = ["controller", "action", "id", "url"]
        .iter()
        .filter_map(|k| args.get(k).map(|v| ((*k).to_owned(), v.to_owned())))
        .collect();
    out.sort();
    Some(out)
}

fn pairs(p: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = p
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    Some(out)
}

#[test]
fn unknown_controller_names_do_not_match() {
    let m = Mapper::new()
        .route(Route::new("/hi/{controller}").default("action", "hi"))
        .unwrap()
        .controllers(["content", "admin/user"]);
    assert_eq!(args(&m, "/boo"), None);
    assert_eq!(args(&m, "/boo/blah"), None);
    assert_eq!(args(&m, "/hi/13870948"), None);
    assert_eq!(args(&m, "/hi/content/dog"), None);
    assert_eq!(args(&m, "/hi/admin/user/foo"), None);
    assert_eq!(args(&m, "/hi/admin/user/foo/"), None);
    assert_eq!(
        args(&m, "/hi/content"),
        pairs(&[("controller", "content"), ("action", "hi")])
    );
    assert_eq!(
        args(&m, "/hi/admin/user"),
        pairs(&[("controller", "admin/user"), ("action", "hi")])
    );
}

#[test]
fn a_later_route_gets_its_turn() {
    let m = Mapper::new()
        .connect("/{controller}/{action}")
        .unwrap()
        .route(
            Route::new("/{page}/{section}").defaults([("controller", "pages"), ("action", "show")]),
        )
        .unwrap()
        .controllers(["blog", "pages"]);
    assert_eq!(
        args(&m, "/blog/view"),
        pairs(&[("controller", "blog"), ("action", "view")])
    );
    assert_eq!(
        args(&m, "/about/team"),
        pairs(&[("controller", "pages"), ("action", "show")])
    );
    assert_eq!(
        m.recognize(&Method::GET, "/about/team")
            .unwrap()
            .get("page")
            .as_deref(),
        Some("about")
    );
}

#[test]
fn names_with_a_slash_match_across_segments() {
    let m = Mapper::new()
        .connect("/{controller}/{action}/{id}")
        .unwrap()
        .controllers(["post", "blog", "admin/user"]);
    assert_eq!(
        args(&m, "/admin/user/show/bbangert"),
        pairs(&[
            ("controller", "admin/user"),
            ("action", "show"),
            ("id", "bbangert")
        ])
    );
    assert_eq!(
        args(&m, "/blog/view/3"),
        pairs(&[("controller", "blog"), ("action", "view"), ("id", "3")])
    );
    assert_eq!(args(&m, "/admin/show/3"), None);
    assert_eq!(args(&m, "/admin/user/show"), None);
    // The pattern of the route that matched is the one written.
    assert_eq!(m.len(), 1);
}

#[test]
fn names_with_a_slash_and_a_greedy_rest() {
    let m = Mapper::new()
        .connect("/{controller}/{action}/{*url}")
        .unwrap()
        .controllers(["content", "admin/user"]);
    assert_eq!(args(&m, "/"), None);
    assert_eq!(args(&m, "/blog"), None);
    assert_eq!(args(&m, "/content/view"), None);
    assert_eq!(
        args(&m, "/content/view/blob"),
        pairs(&[
            ("controller", "content"),
            ("action", "view"),
            ("url", "blob")
        ])
    );
    assert_eq!(args(&m, "/admin/user"), None);
    assert_eq!(
        args(&m, "/admin/user/view/blob/check"),
        pairs(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("url", "blob/check")
        ])
    );
}

#[test]
fn a_name_and_a_longer_name_sharing_its_start() {
    let m = Mapper::new()
        .connect("/{controller}/{action}")
        .unwrap()
        .controllers(["admin", "admin/user"]);
    // The longer name is tried first, as Routes orders its alternatives.
    assert_eq!(
        args(&m, "/admin/user/list"),
        pairs(&[("controller", "admin/user"), ("action", "list")])
    );
    assert_eq!(
        args(&m, "/admin/list"),
        pairs(&[("controller", "admin"), ("action", "list")])
    );
}

#[test]
fn generation_keeps_the_slash_of_a_nested_name() {
    let m = Mapper::new()
        .route(
            Route::new("/")
                .name("home")
                .defaults([("controller", "blog"), ("action", "splash")]),
        )
        .unwrap()
        .default_routes()
        .unwrap()
        .controllers(["blog", "content", "admin/comments"]);
    assert_eq!(
        m.url_for("admin/comments", "list", &[]).unwrap(),
        "/admin/comments/list"
    );
    assert_eq!(
        m.url_for("admin/comments", "view", &[("id", "10")])
            .unwrap(),
        "/admin/comments/view/10"
    );
    assert_eq!(m.url_for("content", "view", &[]).unwrap(), "/content/view");
    assert_eq!(m.url_for_route("home", &[]).unwrap(), "/");
    // Generation is not restricted to the known names.
    assert_eq!(m.url_for("other", "view", &[]).unwrap(), "/other/view");
}

#[test]
fn routes_added_after_the_names_follow_them_too() {
    let m = Mapper::new()
        .controllers(["content", "admin/user"])
        .connect("/{controller}/{action}")
        .unwrap();
    assert_eq!(
        args(&m, "/admin/user/view"),
        pairs(&[("controller", "admin/user"), ("action", "view")])
    );
    assert_eq!(args(&m, "/nobody/view"), None);
}

#[test]
fn any_name_text_is_taken_literally() {
    // Pattern syntax in a name (`{`, `}`, `\`, `*`, `.`) and empty pieces are
    // literal text: giving the names never fails, and each matches itself.
    let names = ["a{b}/c", r"x\y/z", "p/{*q}", "a//b", "v/{.f}", "ok"];
    let m = Mapper::new()
        .connect("/{controller}/{action}")
        .unwrap()
        .controllers(names);
    for (name, path) in [
        ("a{b}/c", "/a%7Bb%7D/c/show"),
        (r"x\y/z", "/x%5Cy/z/show"),
        ("p/{*q}", "/p/%7B*q%7D/show"),
        ("a//b", "/a//b/show"),
        ("ok", "/ok/show"),
    ] {
        assert_eq!(
            args(&m, path),
            pairs(&[("controller", name), ("action", "show")]),
            "{path}"
        );
    }
    assert_eq!(args(&m, "/p/anything/show"), None);
}
