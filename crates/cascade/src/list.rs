//! The traits of a member list: what [`Cascade`](crate::Cascade) asks of its
//! members, apart from the lists themselves (in `members.rs`) and their response
//! futures (in `future.rs`), which both build on them.

use crate::handoff::Carry;

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A list of cascade members. Implemented by [`Last`](crate::members::Last),
/// [`Or`](crate::members::Or) and [`Dyn`](crate::members::Dyn) only.
pub trait Members: Clone + sealed::Sealed {
    /// The response body: one type for all members.
    type Body;
    /// The error of the members (all members of a static cascade share it).
    type Error;
    /// The response future.
    type Future: std::future::Future<Output = Result<http::Response<Self::Body>, Self::Error>>;

    /// Starts the cascade for one request. Each member is cloned only when the
    /// request reaches it (or, for the members after one whose answer is awaited,
    /// when that member is called).
    fn start(&mut self, req: http::Request<gw_core::Body>, carry: Carry) -> Self::Future;
}

/// Appends a member at the end of a list; used by [`Cascade::or`](crate::Cascade::or).
pub trait Append<N>: sealed::Sealed {
    /// The longer list.
    type Output;
    /// Appends `next`.
    fn append(self, next: N) -> Self::Output;
}
