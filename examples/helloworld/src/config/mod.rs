//! The project's configuration: the stack and the routes.

pub mod middleware;
pub mod routing;
