//! Who sent a request: the peer's socket address and the client behind it, the
//! twins of the WSGI environ's `REMOTE_ADDR`, `REMOTE_PORT` and
//! `wsgi.url_scheme`. A server records them in the request's
//! [`RequestContext`](crate::RequestContext); a front end or a test may put
//! them in the extensions on their own, and the accessors read either.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// The address of the peer that opened the connection (TCP only; see
/// [`ClientInfo`] for the client behind a proxy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The scheme the client used, as far as the server can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain `http`.
    Http,
    /// `https` (TLS here, or at a trusted proxy).
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who the client is, as the server saw it.
///
/// Without a trusted proxy in front, `addr` is the peer's address and `scheme` the
/// listener's. When the peer is a trusted proxy, both come from its forwarding
/// headers and `forwarded` is true.
///
/// ```
/// use gw_core::{ClientInfo, RequestContext, Scheme};
///
/// let mut req = http::Request::new(());
/// let info = ClientInfo { addr: Some("203.0.113.7".parse().unwrap()), scheme: Scheme::Https, forwarded: true };
/// RequestContext::of_mut(&mut req).set_client(info);
/// assert_eq!(ClientInfo::of(&req), Some(&info));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's IP address; `None` for a Unix-socket peer without forwarding
    /// headers.
    pub addr: Option<IpAddr>,
    /// The scheme the client used.
    pub scheme: Scheme,
    /// True when `addr` or `scheme` came from a trusted proxy's headers.
    pub forwarded: bool,
}
