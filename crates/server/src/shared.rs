//! What every connection of one server shares.

use std::time::Duration;

use crate::access_log::AccessLog;
use crate::forwarded::TrustedProxies;
use crate::Stats;

/// What every connection of one server shares.
#[derive(Debug)]
pub(crate) struct ServerShared {
    pub(crate) stats: Stats,
    pub(crate) access_log: Option<AccessLog>,
    pub(crate) trusted_proxies: TrustedProxies,
    pub(crate) max_request_body: Option<u64>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) body_read_timeout: Option<Duration>,
}
