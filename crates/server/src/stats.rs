//! Live counters: connections, requests and bytes, updated with atomics only.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// A cheap, cloneable handle on a server's live counters.
///
/// Take it from [`Server::stats`](crate::Server::stats) before serving, then read it
/// anywhere, for example in a handler that answers `GET /_stats` with
/// [`StatsSnapshot::to_json`]:
///
/// ```
/// use gw_server::Stats;
///
/// let stats = Stats::new();
/// let snapshot = stats.snapshot();
/// assert_eq!(snapshot.connections_open, 0);
/// assert!(snapshot.to_json().starts_with("{\"connections_open\":0,"));
/// ```
///
/// Every counter is a relaxed atomic: updating one never takes a lock. Counters
/// are split in cache-line-sized shards, one per group of connections, so cores
/// serving different connections do not fight over one cache line; a snapshot
/// adds the shards up (a snapshot taken under load can be off by the requests
/// that finished while it was read).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    inner: Arc<Shards>,
}

const SHARDS: usize = 16;

#[derive(Debug, Default)]
struct Shards {
    shards: [Counters; SHARDS],
    next: AtomicU64,
}

/// One connection's view of the counters: its shard.
#[derive(Debug, Clone)]
pub(crate) struct StatsShard {
    stats: Stats,
    index: usize,
}

#[derive(Debug, Default)]
#[repr(align(128))]
struct Counters {
    connections_open: AtomicU64,
    connections_total: AtomicU64,
    requests_in_flight: AtomicU64,
    requests_total: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    access_log_dropped: AtomicU64,
}

/// The counters at one moment, as plain numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Connections accepted and not yet closed.
    pub connections_open: u64,
    /// Connections accepted since start.
    pub connections_total: u64,
    /// Requests whose response has not finished yet.
    pub requests_in_flight: u64,
    /// Requests received since start.
    pub requests_total: u64,
    /// Bytes read from clients (headers and bodies, after TLS).
    pub bytes_in: u64,
    /// Bytes written to clients (headers and bodies, before TLS).
    pub bytes_out: u64,
    /// Access-log lines dropped because the writer could not keep up.
    pub access_log_dropped: u64,
}

impl StatsSnapshot {
    /// The snapshot as one JSON object, keys as the field names.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(200);
        let fields = [
            ("connections_open", self.connections_open),
            ("connections_total", self.connections_total),
            ("requests_in_flight", self.requests_in_flight),
            ("requests_total", self.requests_total),
            ("bytes_in", self.bytes_in),
            ("bytes_out", self.bytes_out),
            ("access_log_dropped", self.access_log_dropped),
        ];
        out.push('{');
        for (i, (name, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{name}\":{value}");
        }
        out.push('}');
        out
    }
}

impl Stats {
    /// Fresh counters, all zero.
    pub fn new() -> Stats {
        Stats::default()
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let mut s = StatsSnapshot::default();
        for c in &self.inner.shards {
            s.connections_open += c.connections_open.load(Relaxed);
            s.connections_total += c.connections_total.load(Relaxed);
            s.requests_in_flight += c.requests_in_flight.load(Relaxed);
            s.requests_total += c.requests_total.load(Relaxed);
            s.bytes_in += c.bytes_in.load(Relaxed);
            s.bytes_out += c.bytes_out.load(Relaxed);
            s.access_log_dropped += c.access_log_dropped.load(Relaxed);
        }
        s
    }

    /// The shard for a new connection (round robin).
    pub(crate) fn shard(&self) -> StatsShard {
        let index = (self.inner.next.fetch_add(1, Relaxed) as usize) % SHARDS;
        StatsShard {
            stats: self.clone(),
            index,
        }
    }

    pub(crate) fn access_log_dropped(&self) {
        self.inner.shards[0]
            .access_log_dropped
            .fetch_add(1, Relaxed);
    }
}

impl StatsShard {
    fn counters(&self) -> &Counters {
        &self.stats.inner.shards[self.index]
    }

    pub(crate) fn connection_opened(&self) {
        let c = self.counters();
        c.connections_open.fetch_add(1, Relaxed);
        c.connections_total.fetch_add(1, Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.counters().connections_open.fetch_sub(1, Relaxed);
    }

    pub(crate) fn request_started(&self) {
        let c = self.counters();
        c.requests_in_flight.fetch_add(1, Relaxed);
        c.requests_total.fetch_add(1, Relaxed);
    }

    pub(crate) fn request_finished(&self) {
        self.counters().requests_in_flight.fetch_sub(1, Relaxed);
    }

    pub(crate) fn add_bytes_in(&self, n: usize) {
        self.counters().bytes_in.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn add_bytes_out(&self, n: usize) {
        self.counters().bytes_out.fetch_add(n as u64, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_counts_opened_and_closed_connections_and_requests() {
        let stats = Stats::new();
        let first = stats.shard();
        let second = stats.shard();
        first.connection_opened();
        second.connection_opened();
        second.connection_closed();
        first.request_started();
        first.add_bytes_in(10);
        second.add_bytes_out(20);
        let s = stats.clone().snapshot();
        assert_eq!(
            (
                s.connections_open,
                s.connections_total,
                s.requests_in_flight,
                s.requests_total
            ),
            (1, 2, 1, 1)
        );
        assert_eq!(
            s.to_json(),
            "{\"connections_open\":1,\"connections_total\":2,\"requests_in_flight\":1,\
             \"requests_total\":1,\"bytes_in\":10,\"bytes_out\":20,\"access_log_dropped\":0}"
        );
    }
}
