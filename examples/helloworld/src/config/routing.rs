//! URL routing: the twin of a Pylons project's `config/routing.py`.
//!
//! A stand-in until controller-router lands (issue #7): exact paths to controllers.

use std::convert::Infallible;

use gateway_core::{Body, IntoResponse};
use http::StatusCode;
use tower::util::BoxCloneService;
use tower::ServiceExt;

use crate::controllers;

type BoxController = BoxCloneService<http::Request<Body>, http::Response<Body>, Infallible>;

/// Dispatches a request to the controller named by its path.
pub fn make_router() -> impl tower::Service<
    http::Request<Body>,
    Response = http::Response<Body>,
    Error = Infallible,
    Future: Send,
> + Clone
       + Send
       + 'static {
    gateway_core::app_fn(|req: http::Request<Body>| async move {
        let controller: BoxController = match req.uri().path() {
            "/hello" => BoxCloneService::new(controllers::hello::controller()),
            "/stream" => BoxCloneService::new(controllers::stream::controller()),
            "/response" => BoxCloneService::new(controllers::response::controller()),
            "/classy" => BoxCloneService::new(controllers::classy::ClassyController),
            "/wrapped" => BoxCloneService::new(controllers::wrapped::controller()),
            _ => return StatusCode::NOT_FOUND.into_response(),
        };
        match controller.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    })
}
