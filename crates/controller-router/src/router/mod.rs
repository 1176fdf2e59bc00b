//! The router: a [`Mapper`](crate::Mapper) plus a table of controllers, as one
//! tower Service.
//!
//! - `builder.rs`: [`Router`], its controller table and settings;
//! - `service.rs`: the `Service` implementation, dispatch and [`ResponseFuture`];
//! - `method_override.rs`: reading `_method` from a small POST form (pure logic).

mod builder;
mod method_override;
mod service;

pub use builder::Router;
pub use method_override::OriginalMethod;
pub use service::ResponseFuture;

#[cfg(test)]
mod tests;
