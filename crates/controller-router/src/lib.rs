//! Routes-style URL mapping, controllers that are any tower Service, URL generation and prefix mounts.
#![forbid(unsafe_code)]

mod generate;
mod mapper;
mod matcher;
mod pattern;
mod route;

pub use generate::GenerationError;
pub use mapper::{Mapper, Match};
pub use pattern::PatternError;
pub use route::{Predicate, Route, RouteError};
