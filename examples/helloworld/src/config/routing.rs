//! URL routing: the twin of a Pylons project's `config/routing.py`.

use gw_controller_router::{Mapper, RouteError, Router};

use crate::controllers;

/// Pylons' three default routes (`/{controller}/{action}/{id}`,
/// `/{controller}/{action}`, `/{controller}`) and the controllers by name.
pub fn make_router() -> Result<Router, RouteError> {
    let mapper = Mapper::new().default_routes()?;
    Ok(Router::new(mapper)
        .controller("hello", controllers::hello::controller())
        .controller("stream", controllers::stream::controller())
        .controller("response", controllers::response::controller())
        .controller("classy", controllers::classy::ClassyController)
        .controller("wrapped", controllers::wrapped::controller())
        .controller("environ", controllers::environ::controller())
        .controller("greet", controllers::greet::controller())
        .controller("echo", controllers::echo::controller())
        .controller("fail", controllers::fail::controller())
        .controller("fail_late", controllers::fail_late::controller())
        .controller("whoami", controllers::whoami::controller())
        .controller("page", controllers::page::controller()))
}
