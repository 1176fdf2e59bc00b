//! Request body replay: every member reads the same bytes.
//!
//! The body is recorded lazily. A member reads through a [`ReplayBody`]; each chunk
//! it pulls from the connection is kept before it is handed over. When that member
//! misses, the next one reads the kept bytes first and then carries on from the
//! connection, where the first one stopped. A member that never reads costs no copy.
//!
//! The recording is laid out as three regions, one after the other:
//!
//! ```text
//! [ head: in memory, up to replay_threshold ][ spill file ][ tail: waiting for the file ]
//! ```
//!
//! Bytes past the threshold go to the file as they arrive, on the blocking pool.
//! While one write is in flight, the next bytes gather in the tail (at most 64 KiB,
//! then the reader waits for the disk) and go out together in the next write. The
//! last member does not record at all: no one comes after it.

mod spill;

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError};
use http::HeaderMap;
use http_body::{Body as _, Frame, SizeHint};

use crate::catch::Policy;
use crate::ReplayError;
use spill::{Spill, SPILL_CHUNK};

/// What every request through one cascade shares, behind one `Arc`: how an
/// answer is judged, and the replay limits. A request holds it by a pointer, so
/// the request and what the cascade keeps with it move as 256 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shared {
    pub(crate) policy: Policy,
    pub(crate) replay: ReplayConfig,
}

/// Replay limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplayConfig {
    pub(crate) threshold: u64,
    pub(crate) limit: u64,
    pub(crate) spill_dir: Option<PathBuf>,
}

/// 64 KiB: bodies up to this size stay in memory.
pub(crate) const DEFAULT_THRESHOLD: u64 = 64 * 1024;
/// 16 MiB: the most any members but the last may read between them.
pub(crate) const DEFAULT_LIMIT: u64 = 16 * 1024 * 1024;

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            threshold: DEFAULT_THRESHOLD,
            limit: DEFAULT_LIMIT,
            spill_dir: None,
        }
    }
}

/// Why recording stopped the cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    OverLimit(u64),
    Spill,
}

/// A recorded body and the position of the member that reads it now.
pub(crate) struct ReplayState {
    config: Arc<Shared>,
    live: Option<Body>,
    /// The live body's size hint when the cascade received it.
    hint: SizeHint,
    recording: bool,
    failure: Option<Failure>,
    // The rare parts are boxed: the state is built per request with a body.
    upstream_error: Option<Box<str>>,
    trailers: Option<Box<HeaderMap>>,
    // The recording.
    head: Vec<Bytes>,
    head_len: u64,
    spill: Option<Box<Spill>>,
    tail: Vec<Bytes>,
    tail_len: u64,
    total: u64,
    // The reader.
    pos: u64,
    head_idx: usize,
    tail_idx: usize,
    trailers_sent: bool,
    finished: bool,
}

impl ReplayState {
    pub(crate) fn new(live: Body, config: Arc<Shared>) -> Self {
        ReplayState {
            config,
            hint: live.size_hint(),
            live: Some(live),
            recording: true,
            failure: None,
            upstream_error: None,
            trailers: None,
            head: Vec::new(),
            head_len: 0,
            spill: None,
            tail: Vec::new(),
            tail_len: 0,
            total: 0,
            pos: 0,
            head_idx: 0,
            tail_idx: 0,
            trailers_sent: false,
            finished: false,
        }
    }

    /// Bytes kept so far.
    #[cfg(test)]
    pub(crate) fn recorded(&self) -> u64 {
        self.total
    }

    /// True once part of the body went to the spill file.
    #[cfg(test)]
    pub(crate) fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    pub(crate) fn failure(&self) -> Option<Failure> {
        self.failure
    }

    /// Stops recording: the current reader is the last one.
    pub(crate) fn stop_recording(&mut self) {
        self.recording = false;
    }

    /// True while no member has read a byte, an error or the end of the body.
    pub(crate) fn untouched(&self) -> bool {
        self.pos == 0
            && self.total == 0
            && !self.finished
            && self.failure.is_none()
            && self.upstream_error.is_none()
            && self.trailers.is_none()
    }

    /// The client's body as it came, when no member has read from it: the
    /// next member can read it directly, with no replay bookkeeping.
    pub(crate) fn take_untouched(&mut self) -> Option<Body> {
        if self.untouched() {
            self.live.take()
        } else {
            None
        }
    }

    /// The body for the last member: the client's own when no member read from
    /// it, else a replay of what was read that then reads on without recording.
    pub(crate) fn into_last_body(mut self: Box<Self>) -> Body {
        if let Some(live) = self.take_untouched() {
            return live;
        }
        self.recording = false;
        Body::boxed(ReplayBody::owned(self))
    }

    /// Starts a new reader at byte 0.
    pub(crate) fn rewind(&mut self) {
        self.pos = 0;
        self.head_idx = 0;
        self.tail_idx = 0;
        self.trailers_sent = false;
        self.finished = false;
    }

    fn record(&mut self, chunk: &Bytes) {
        let mut rest = chunk.clone();
        let room = self.config.replay.threshold.saturating_sub(self.head_len);
        if room > 0 && self.tail_len == 0 && self.spill.is_none() {
            let take = (rest.len() as u64).min(room) as usize;
            let head = rest.split_to(take);
            self.head_len += head.len() as u64;
            self.head.push(head);
            self.head_idx = self.head.len();
        }
        if !rest.is_empty() {
            self.tail_len += rest.len() as u64;
            self.tail.push(rest);
            self.tail_idx = self.tail.len();
        }
        self.total += chunk.len() as u64;
        if self.tail_len > 0 {
            let config = &self.config.replay;
            let spill = self.spill.get_or_insert_with(|| {
                Box::new(Spill::new(
                    config.spill_dir.clone().unwrap_or_else(std::env::temp_dir),
                ))
            });
            if !spill.is_busy() {
                self.flush_tail();
            }
        }
    }

    /// Sends the tail to the spill file; the file must be idle.
    fn flush_tail(&mut self) {
        if let Some(spill) = self.spill.as_mut() {
            spill.start_append(std::mem::take(&mut self.tail));
            self.tail_len = 0;
            self.tail_idx = 0;
        }
    }

    fn spill_error(&mut self, e: std::io::Error) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        tracing::error!(target: "gateway::cascade", error = %e, "request body spill file failed");
        self.failure = Some(Failure::Spill);
        self.finished = true;
        Poll::Ready(Some(Err(ReplayError::Spill(e).into())))
    }

    pub(crate) fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        loop {
            if self.finished {
                return Poll::Ready(None);
            }
            // Replay what was kept.
            if self.pos < self.head_len {
                let chunk = self.head[self.head_idx].clone();
                self.head_idx += 1;
                self.pos += chunk.len() as u64;
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
            let spill_len = self.spill.as_deref().map_or(0, Spill::len);
            if self.pos < self.head_len + spill_len {
                let offset = self.pos - self.head_len;
                let spill = self.spill.as_mut().expect("spill_len > 0");
                match ready!(spill.poll_read(cx, offset)) {
                    Ok(chunk) => {
                        self.pos += chunk.len() as u64;
                        return Poll::Ready(Some(Ok(Frame::data(chunk))));
                    }
                    Err(e) => return self.spill_error(e),
                }
            }
            if self.pos < self.total {
                let chunk = self.tail[self.tail_idx].clone();
                self.tail_idx += 1;
                self.pos += chunk.len() as u64;
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
            // At the live edge.
            if let Some(msg) = &self.upstream_error {
                self.finished = true;
                return Poll::Ready(Some(Err(ReplayError::Upstream(msg.to_string()).into())));
            }
            if self.live.is_none() {
                // The body ends only once what was kept is safely on disk: a spill
                // write still in flight may fail, and the member that read to the end
                // must see that failure before it answers, so the cascade can answer
                // 507 instead of replaying a hole to the next member.
                if self.recording {
                    if let Some(spill) = self.spill.as_mut() {
                        if let Err(e) = ready!(spill.poll_idle(cx)) {
                            return self.spill_error(e);
                        }
                    }
                }
                if let Some(trailers) = self.trailers.as_ref().filter(|_| !self.trailers_sent) {
                    self.trailers_sent = true;
                    return Poll::Ready(Some(Ok(Frame::trailers((**trailers).clone()))));
                }
                self.finished = true;
                return Poll::Ready(None);
            }
            if self.recording {
                if let Some(spill) = self.spill.as_mut() {
                    match spill.poll_idle(cx) {
                        Poll::Ready(Ok(())) if self.tail_len > 0 => self.flush_tail(),
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(e)) => return self.spill_error(e),
                        // Backpressure: while a write is in flight, at most one more
                        // batch gathers in memory.
                        Poll::Pending if self.tail_len >= SPILL_CHUNK as u64 => {
                            return Poll::Pending
                        }
                        Poll::Pending => {}
                    }
                }
            }
            let live = self.live.as_mut().expect("checked above");
            let frame = match ready!(Pin::new(live).poll_frame(cx)) {
                None => {
                    self.live = None;
                    continue;
                }
                Some(Err(e)) => {
                    self.live = None;
                    self.upstream_error = Some(e.to_string().into());
                    self.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Some(Ok(frame)) => frame,
            };
            let frame = match frame.into_data() {
                Ok(data) if data.is_empty() => continue,
                Ok(data) => {
                    if self.recording {
                        let limit = self.config.replay.limit;
                        if self.total + data.len() as u64 > limit {
                            self.failure = Some(Failure::OverLimit(limit));
                            self.finished = true;
                            self.live = None;
                            return Poll::Ready(Some(Err(
                                ReplayError::LimitExceeded { limit }.into()
                            )));
                        }
                        self.record(&data);
                    }
                    self.pos += data.len() as u64;
                    Frame::data(data)
                }
                Err(frame) => {
                    if let Some(trailers) = frame.trailers_ref() {
                        if self.recording {
                            self.trailers = Some(Box::new(trailers.clone()));
                        }
                        self.trailers_sent = true;
                    }
                    frame
                }
            };
            return Poll::Ready(Some(Ok(frame)));
        }
    }

    pub(crate) fn is_end_stream(&self) -> bool {
        // The live body's own `is_end_stream` is trusted only once recording
        // has stopped (the last member's reader): while recording, the body
        // ends only after any spill write in flight has landed (see
        // `poll_frame`).
        let live_ended = match &self.live {
            None => true,
            Some(live) => !self.recording && live.is_end_stream(),
        };
        self.finished
            || (live_ended
                && self.upstream_error.is_none()
                && self.pos >= self.total
                && (self.trailers.is_none() || self.trailers_sent))
    }

    pub(crate) fn size_hint(&self) -> SizeHint {
        if self.finished {
            return SizeHint::with_exact(0);
        }
        if self.live.is_none() && self.upstream_error.is_none() {
            return SizeHint::with_exact(self.total.saturating_sub(self.pos));
        }
        let mut hint = SizeHint::new();
        hint.set_lower(self.hint.lower().saturating_sub(self.pos));
        if let Some(upper) = self.hint.upper() {
            hint.set_upper(upper.saturating_sub(self.pos));
        }
        hint
    }
}

/// The recording shared between the body lent to a member and the cascade.
/// `None` once the cascade has moved on: a body the member kept is then detached.
pub(crate) type Slot = Arc<Mutex<Option<ReplayState>>>;

pub(crate) fn lock(slot: &Slot) -> MutexGuard<'_, Option<ReplayState>> {
    // A panic while the lock was held (in the client's body, say) leaves a state
    // that is still safe to read or drop; at worst a reader sees a failed body.
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// The request body a cascade member reads when the client's body is replayed:
/// put in the member's request as a [`gw_core::Body`]. It yields the same bytes
/// (and trailers) in the same order for every member. It errs with a
/// [`ReplayError`] when a member reads past `replay_limit`, when the spill file
/// fails, or when the client's body failed earlier (the message is replayed after
/// the bytes that did arrive).
pub(crate) struct ReplayBody {
    kind: Kind,
}

enum Kind {
    /// Lent to a member that may miss: it records while it reads.
    Shared { slot: Slot },
    /// The last member after a miss: replays, then reads on, without recording.
    Owned { state: Box<ReplayState> },
}

impl ReplayBody {
    pub(crate) fn shared(slot: Slot) -> Self {
        ReplayBody {
            kind: Kind::Shared { slot },
        }
    }

    pub(crate) fn owned(state: Box<ReplayState>) -> Self {
        ReplayBody {
            kind: Kind::Owned { state },
        }
    }

    /// True if this body reads the recording in `slot`.
    pub(crate) fn is_view_of(&self, slot: &Slot) -> bool {
        matches!(&self.kind, Kind::Shared { slot: ours } if Arc::ptr_eq(ours, slot))
    }
}

impl std::fmt::Debug for ReplayBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::Shared { .. } => "Shared",
            Kind::Owned { .. } => "Owned",
        };
        f.debug_tuple("ReplayBody").field(&kind).finish()
    }
}

impl http_body::Body for ReplayBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Owned { state } => state.poll_frame(cx),
            Kind::Shared { slot } => match lock(slot).as_mut() {
                Some(state) => state.poll_frame(cx),
                None => Poll::Ready(Some(Err(ReplayError::Detached.into()))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Shared { slot } => lock(slot).as_ref().is_none_or(ReplayState::is_end_stream),
            Kind::Owned { state } => state.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Shared { slot } => lock(slot)
                .as_ref()
                .map_or_else(|| SizeHint::with_exact(0), ReplayState::size_hint),
            Kind::Owned { state } => state.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests;
