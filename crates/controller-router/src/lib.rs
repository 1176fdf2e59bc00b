//! Routes-style URL mapping, controllers that are any tower Service, URL generation and prefix mounts.
#![forbid(unsafe_code)]

mod actions;
mod controller;
mod generate;
mod mapper;
mod matcher;
mod mount;
mod pattern;
mod route;
mod router;
mod urls;

pub use actions::{Actions, ActionsFuture};
pub use controller::BoxController;
pub use generate::GenerationError;
pub use mapper::{Mapper, Match};
pub use mount::{Mount, MountError, MountFuture};
pub use pattern::PatternError;
pub use route::{Predicate, Route, RouteError};
pub use router::{OriginalMethod, ResponseFuture, Router};
pub use urls::Urls;
