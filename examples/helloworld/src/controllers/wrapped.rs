//! `GET /wrapped`: a controller action that runs another app inside itself.

use super::Controller;
use gw_core::{app_fn, Body, Html};
use tower::ServiceExt;

/// The seed's `wsgi_app`, an ordinary app of its own.
pub fn wsgi_app() -> impl Controller {
    app_fn(|_req: http::Request<Body>| async {
        Html("<html>\n<body>\nHello World!\n</body>\n</html>")
    })
}

/// `return wsgi_app(request.environ, self.start_response)`: the action hands the
/// request to another service and returns its response.
pub fn controller() -> impl Controller {
    app_fn(|req: http::Request<Body>| async move {
        match wsgi_app().oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    })
}
