//! Shedding at the connection limit: when every slot is taken and a new client
//! is waiting, close the connection that is least useful, so that clients which
//! hold slots without using them cannot lock everyone else out.
//!
//! The order ([`ConnectionShedding::IdleThenStalled`], the default):
//! 1. idle connections (no request in flight), the longest idle first;
//! 2. connections whose response waits for the peer to take bytes (a reader that
//!    stopped reading, an HTTP/2 client that keeps its window shut), the one that
//!    has taken nothing for the longest first.
//!
//! A connection whose request the app is working on is never shed. Neither is one
//! seen quiet for less than [`QUIET_AT_LEAST`]: a client that just connected and
//! is about to send its request keeps its slot.
//!
//! Quietness is measured by the accept loop itself, only while it is at the limit:
//! it notes each connection's progress figure when it first sees it and how long
//! it stays the same. Nothing is paid per request.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::conn::{Activity, Drain};

/// Which connections the server closes to make room for a new one when it has
/// `max_connections` open (the `connection_shedding` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ConnectionShedding {
    /// Never: past the limit, new connections wait in the kernel's listen
    /// backlog until a connection ends (`off`).
    Off,
    /// Idle connections only, the longest idle first (`idle`).
    Idle,
    /// Idle connections first, then those whose response the peer has taken no
    /// byte of for the longest (`idle-then-stalled`, the default).
    #[default]
    IdleThenStalled,
}

impl ConnectionShedding {
    /// Parses `off`, `idle` or `idle-then-stalled`.
    pub fn parse(raw: &str) -> Option<ConnectionShedding> {
        match raw.trim() {
            "off" | "none" | "false" => Some(ConnectionShedding::Off),
            "idle" => Some(ConnectionShedding::Idle),
            "idle-then-stalled" => Some(ConnectionShedding::IdleThenStalled),
            _ => None,
        }
    }
}

/// How long a connection must have been seen quiet before it may be shed.
pub const QUIET_AT_LEAST: Duration = Duration::from_secs(1);

/// How often the accept loop looks again while it waits for a slot.
const LOOK_AGAIN: Duration = Duration::from_millis(250);

/// One accept loop's view of the open connections while at the limit.
#[derive(Debug)]
pub(crate) struct Shedder {
    policy: ConnectionShedding,
    seen: HashMap<u64, Seen>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    activity: Activity,
    since: Instant,
}

impl Shedder {
    pub(crate) fn new(policy: ConnectionShedding) -> Self {
        Shedder {
            policy,
            seen: HashMap::new(),
        }
    }

    pub(crate) fn policy(&self) -> ConnectionShedding {
        self.policy
    }

    /// A slot for a connection already accepted: a free one, or one freed by
    /// shedding. `None` once the server is shutting down.
    pub(crate) async fn slot(
        &mut self,
        slots: &Arc<Semaphore>,
        drain: &Drain,
    ) -> Option<OwnedSemaphorePermit> {
        loop {
            match slots.clone().try_acquire_owned() {
                Ok(permit) => {
                    self.seen.clear();
                    return Some(permit);
                }
                Err(tokio::sync::TryAcquireError::Closed) => return None,
                Err(tokio::sync::TryAcquireError::NoPermits) => {}
            }
            let now = Instant::now();
            drain.shed_one(|all| self.pick(all, now));
            match tokio::time::timeout(LOOK_AGAIN, slots.clone().acquire_owned()).await {
                Ok(Ok(permit)) => return Some(permit),
                Ok(Err(_)) => return None,
                Err(_) => {}
            }
        }
    }

    /// Notes every connection's activity and returns the one to shed, if any.
    fn pick(
        &mut self,
        all: &mut dyn Iterator<Item = (u64, Activity)>,
        now: Instant,
    ) -> Option<u64> {
        let mut seen = HashMap::with_capacity(self.seen.len());
        // (rank, since, id): a lower rank is shed first, then the older `since`.
        let mut best: Option<(u8, Instant, u64)> = None;
        for (id, activity) in all {
            let since = match self.seen.get(&id) {
                Some(old) if old.activity == activity => old.since,
                _ => now,
            };
            seen.insert(id, Seen { activity, since });
            let rank = match (activity, self.policy) {
                (_, ConnectionShedding::Off) | (Activity::Busy, _) => continue,
                (Activity::Idle(_), _) => 0,
                (Activity::Stalled(_), ConnectionShedding::IdleThenStalled) => 1,
                (Activity::Stalled(_), ConnectionShedding::Idle) => continue,
            };
            if now.duration_since(since) < QUIET_AT_LEAST {
                continue;
            }
            if best.is_none_or(|(r, s, _)| (rank, since) < (r, s)) {
                best = Some((rank, since, id));
            }
        }
        self.seen = seen;
        best.map(|(_, _, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(shedder: &mut Shedder, conns: &[(u64, Activity)], now: Instant) -> Option<u64> {
        shedder.pick(&mut conns.iter().copied(), now)
    }

    #[test]
    fn idle_goes_before_stalled_and_busy_is_never_shed() {
        let t0 = Instant::now();
        let conns = [
            (1, Activity::Stalled(5)),
            (2, Activity::Busy),
            (3, Activity::Idle(2)),
        ];
        let mut shedder = Shedder::new(ConnectionShedding::IdleThenStalled);
        assert_eq!(
            pick(&mut shedder, &conns, t0),
            None,
            "nobody seen quiet yet"
        );
        assert_eq!(pick(&mut shedder, &conns, t0 + QUIET_AT_LEAST), Some(3));
        let conns = [(1, Activity::Stalled(5)), (2, Activity::Busy)];
        assert_eq!(pick(&mut shedder, &conns, t0 + QUIET_AT_LEAST), Some(1));
        let mut idle_only = Shedder::new(ConnectionShedding::Idle);
        pick(&mut idle_only, &conns, t0);
        assert_eq!(pick(&mut idle_only, &conns, t0 + QUIET_AT_LEAST * 2), None);
    }

    #[test]
    fn progress_restarts_the_quiet_clock_and_the_longest_quiet_goes_first() {
        let t0 = Instant::now();
        let mut shedder = Shedder::new(ConnectionShedding::IdleThenStalled);
        pick(&mut shedder, &[(1, Activity::Stalled(0))], t0);
        let later = t0 + QUIET_AT_LEAST;
        pick(
            &mut shedder,
            &[(1, Activity::Stalled(0)), (2, Activity::Stalled(0))],
            later,
        );
        let conns = [(1, Activity::Stalled(0)), (2, Activity::Stalled(0))];
        assert_eq!(pick(&mut shedder, &conns, later + QUIET_AT_LEAST), Some(1));
        // 1 took bytes: its clock restarts, so 2 is now the quieter one.
        let conns = [(1, Activity::Stalled(9)), (2, Activity::Stalled(0))];
        assert_eq!(pick(&mut shedder, &conns, later + QUIET_AT_LEAST), Some(2));
    }

    #[test]
    fn policies_parse() {
        assert_eq!(
            ConnectionShedding::parse("idle-then-stalled"),
            Some(ConnectionShedding::IdleThenStalled)
        );
        assert_eq!(
            ConnectionShedding::parse("off"),
            Some(ConnectionShedding::Off)
        );
        assert_eq!(ConnectionShedding::parse("oldest"), None);
    }
}
