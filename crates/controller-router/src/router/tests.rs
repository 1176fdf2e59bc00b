//! The router's shared controller names against the plain routing args.

use std::sync::Arc;

use gw_core::{app_fn, Body, RoutingArgs};
use http::Method;
use proptest::prelude::*;

use super::Router;
use crate::{Mapper, Route};

fn router() -> Router {
    let hello = || app_fn(|_req: http::Request<Body>| async { "hi" });
    let mapper = Mapper::new()
        .route(Route::new("/about").defaults([("controller", "hello"), ("action", "about")]))
        .unwrap()
        .route(Route::new("/m/{id}{.format}").default("controller", "greet"))
        .unwrap()
        .default_routes()
        .unwrap();
    Router::new(mapper)
        .controller("hello", hello())
        .controller("greet", hello())
        .controller("a b", hello())
        .controller("é", hello())
}

/// Path segments that are controller names, escaped names, or other text.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("hello".to_owned()),
        Just("greet".to_owned()),
        Just("a%20b".to_owned()),
        Just("%C3%A9".to_owned()),
        Just("%FF".to_owned()),
        "[a-z0-9.]{0,6}",
    ]
}

proptest! {
    #[test]
    fn shared_names_give_the_same_args_as_copied_ones(
        segments in proptest::collection::vec(segment(), 1..4),
        slash in any::<bool>(),
    ) {
        let router = router();
        let inner = &router.inner;
        let mut path = format!("/{}", segments.join("/"));
        if slash {
            path.push('/');
        }
        let Some(found) = inner.mapper.recognize(&Method::GET, &path) else {
            return Ok(());
        };
        let plain = found.routing_args();
        // As the router does: a captured controller name is shared.
        let mut args = RoutingArgs::default();
        let decoded = found.routing_args_sharing(&mut args, |raw| {
            inner
                .controller(&crate::matcher::decode(raw)?)
                .map(|(name, _)| name)
        });
        let shared = decoded.then_some(args);
        prop_assert_eq!(&shared, &plain);
        if let Some(args) = &shared {
            let order: Vec<_> = args.named().collect();
            let plain_order: Vec<_> = plain.as_ref().unwrap().named().collect();
            prop_assert_eq!(order, plain_order);
            // A captured controller name is the table's own copy; one the route
            // names itself is the route's (the same in the plain args).
            if let Some(value) = args.get_shared("controller") {
                let from_route = plain
                    .as_ref()
                    .and_then(|p| p.get_shared("controller"))
                    .is_some_and(|p| Arc::ptr_eq(&p, &value));
                if let (false, Some((known, _))) = (from_route, inner.controller(&value)) {
                    prop_assert!(Arc::ptr_eq(known, &value));
                }
            }
        }
        // Where the lookup found a captured controller name among the known
        // names, the router's table holds that very name at that place: the
        // controller the router calls without a lookup is the one the name
        // would find.
        if let Some((i, known)) = found.known_controller() {
            prop_assert!(Arc::ptr_eq(inner.known.as_ref().unwrap(), known));
            let name = &*inner.controllers[i].0;
            // (A value elsewhere in the path that does not decode leaves no args.)
            if let Some(plain) = &plain {
                prop_assert_eq!(plain.get("controller"), Some(name));
            }
            let by_name = inner.controller(name).map(|(n, _)| n);
            prop_assert!(by_name.is_some_and(|n| Arc::ptr_eq(n, &inner.controllers[i].0)));
        }
    }

    /// Registering controllers in any order keeps the table in the order of
    /// the mapper's known names, so that an index found in one is the same
    /// controller in the other.
    #[test]
    fn the_table_and_the_known_names_agree_in_any_order(
        names in proptest::collection::vec("[a-z]{1,4}(/[a-z]{1,3})?", 1..8),
    ) {
        let mut router = Router::new(Mapper::new().default_routes().unwrap());
        for name in &names {
            router = router.controller(name.clone(), app_fn(|_req: http::Request<Body>| async { "x" }));
        }
        let inner = &router.inner;
        let known = inner.known.as_ref().unwrap();
        prop_assert!(Arc::ptr_eq(known, inner.mapper.known_controllers().unwrap()));
        let table: Vec<&str> = inner.controllers.iter().map(|(n, _)| &**n).collect();
        let names: Vec<&str> = known.names.iter().map(|n| &**n).collect();
        prop_assert_eq!(table, names);
    }
}
