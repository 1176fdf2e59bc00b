//! Behaviour that mutation testing (`cargo xtask mutants`) found unchecked by the
//! rest of the suite: the accessors and key-based generation of [`Urls`].

use std::sync::Arc;

use gw_controller_router::{GenerationError, Mapper, Urls};

fn urls() -> Urls {
    let mapper = Mapper::new().connect("/hi/{fred}").unwrap();
    Urls::new(Arc::new(mapper), "/app")
}

#[test]
fn urls_generate_from_keys_under_the_prefix() {
    let urls = urls();
    assert_eq!(
        urls.generate(&[("fred", "index")]).unwrap(),
        "/app/hi/index"
    );
    assert_eq!(
        urls.generate(&[("fred", "a b"), ("page", "2")]).unwrap(),
        "/app/hi/a%20b?page=2"
    );
    assert!(matches!(
        urls.generate(&[("other", "x")]),
        Err(GenerationError::NoMatch { .. })
    ));
}

#[test]
fn urls_expose_their_prefix_and_mapper() {
    let urls = urls();
    assert_eq!(urls.prefix(), "/app");
    assert_eq!(urls.mapper().len(), 1);
    assert_eq!(
        urls.mapper().generate(&[("fred", "x")]).unwrap(),
        "/hi/x",
        "the mapper itself knows no prefix"
    );
    let debug = format!("{urls:?}");
    assert!(
        debug.starts_with("Urls {") && debug.contains("\"/app\""),
        "{debug}"
    );
}
