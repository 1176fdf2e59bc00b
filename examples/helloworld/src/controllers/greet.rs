//! `GET /greet/show/42` and `GET /greet/links`: a controller with named actions, the
//! twin of a Pylons `WSGIController` subclass.

use gw_controller_router::{Actions, Urls};
use gw_core::Response;
use http::StatusCode;

/// The `greet` controller: `show` echoes the id, `links` generates a URL.
pub fn controller() -> Actions {
    Actions::new()
        // The id comes from the URL: answered as text, never as markup a browser runs.
        .action("show", |_req, args| async move {
            Response::text(args.get("id").unwrap_or_default().to_owned())
        })
        .action("links", |req, _args| async move {
            // `url_for` puts the mount prefix first when the app is mounted.
            match Urls::of(&req) {
                Some(urls) => urls
                    .url_for("greet", "show", &[("id", "3"), ("q", "x")])
                    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
                None => Err((
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "no URL generator in the request".to_owned(),
                )),
            }
        })
}
