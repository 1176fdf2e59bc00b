//! Resource ids with an escaped dot (`2\.13`): the `.` belongs to the id, and
//! only an unescaped last `.ext` is the format, as in Routes.

use gw_controller_router::Mapper;
use http::Method;

fn update(m: &Mapper, path: &str) -> (String, Option<String>) {
    let found = m
        .recognize(&Method::PUT, path)
        .unwrap_or_else(|| panic!("{path} did not match"));
    assert_eq!(found.get("action").as_deref(), Some("update"), "{path}");
    (
        found.get("id").unwrap().into_owned(),
        found.get("format").map(|f| f.into_owned()),
    )
}

#[test]
fn escaped_dots_stay_in_the_id() {
    let m = Mapper::new().resource("person", "people").unwrap();
    for (path, id, format) in [
        ("/people/2", "2", None),
        ("/people/2.json", "2", Some("json")),
        (r"/people/2\.13", r"2\.13", None),
        ("/people/2%5C.13", r"2\.13", None),
        (r"/people/2\.13.xml", r"2\.13", Some("xml")),
        (r"/people/user\.name", r"user\.name", None),
        (r"/people/user\.\.\.name", r"user\.\.\.name", None),
        (
            r"/people/user\.name\.has\.dots",
            r"user\.name\.has\.dots",
            None,
        ),
        (
            r"/people/user\.name\.is\.something.xml",
            r"user\.name\.is\.something",
            Some("xml"),
        ),
        (
            r"/people/user\.name\.ends\.with\.dot\..xml",
            r"user\.name\.ends\.with\.dot\.",
            Some("xml"),
        ),
        (
            r"/people/user\.name\.ends\.with\.dot\.",
            r"user\.name\.ends\.with\.dot\.",
            None,
        ),
    ] {
        assert_eq!(
            update(&m, path),
            (id.to_owned(), format.map(str::to_owned)),
            "{path}"
        );
    }
}

#[test]
fn ids_with_escaped_dots_generate_and_read_back() {
    let m = Mapper::new().resource("person", "people").unwrap();
    let url = m.url_for_route("person", &[("id", r"2\.13")]).unwrap();
    assert_eq!(url, "/people/2%5C.13");
    let found = m.recognize(&Method::GET, &url).unwrap();
    assert_eq!(found.get("id").as_deref(), Some(r"2\.13"));
    assert_eq!(found.get("format"), None);
    let url = m
        .url_for_route("formatted_person", &[("id", r"2\.13"), ("format", "xml")])
        .unwrap();
    assert_eq!(url, "/people/2%5C.13.xml");
}
