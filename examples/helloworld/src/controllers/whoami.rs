//! `GET /whoami`: the client's address as the server worked it out: from a trusted
//! proxy's forwarding headers over HTTP, from `REMOTE_ADDR` behind FastCGI, SCGI or
//! CGI.

use super::Controller;
use gw_core::{app_fn, Body, ClientInfo};

/// Answers the client's IP address, or `unknown` (e.g. a Unix-socket peer).
pub fn controller() -> impl Controller {
    app_fn(|req: http::Request<Body>| async move {
        ClientInfo::of(&req)
            .and_then(|c| c.addr)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    })
}
