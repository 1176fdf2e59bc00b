//! The bytes a FastCGI connection owes its peer, shared by the connection and the
//! responses running on it.
//!
//! Every response on a connection is polled by the connection's own task, so they
//! all frame their records straight into one buffer, and the connection writes that
//! buffer once per round: a small response (header, body, end records) leaves in one
//! `write`. A response that gets ahead of the socket waits until the buffer drains
//! below [`HIGH_WATER`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Bytes, BytesMut};
use tokio::sync::watch;

use super::record::{self, RecordType};
use crate::frontend::cgi_env::encode_head_into;
use crate::frontend::respond::ChunkWriter;

/// Past this many unwritten bytes, responses wait for the socket.
pub(super) const HIGH_WATER: usize = 64 * 1024;

/// The shared output buffer of one connection.
#[derive(Debug, Default)]
pub(super) struct Output {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
pub(super) struct Inner {
    /// Framed records not yet written.
    pub(super) buf: BytesMut,
    /// Responses waiting for the buffer to drain.
    waiters: Vec<Waker>,
}

impl Output {
    /// Locks the buffer. Only the connection's task ever holds it, so it is never
    /// contended; a panic while it is held (there is no code that can) would not
    /// leave the bytes in a state worse than a cut connection, so poisoning is ignored.
    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Ready when a response may add bytes.
    fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.lock();
        if inner.buf.len() < HIGH_WATER {
            return Poll::Ready(());
        }
        if !inner.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            inner.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Inner {
    /// Wakes the responses waiting for room once the buffer is below the mark.
    pub(super) fn wake_if_room(&mut self) {
        if self.buf.len() < HIGH_WATER {
            for waker in self.waiters.drain(..) {
                waker.wake();
            }
        }
    }
}

/// Frames response bytes as FCGI_STDOUT records for one request.
pub(super) struct StdoutRecords {
    pub(super) id: u16,
    pub(super) out: Arc<Output>,
    /// Opens when the request's stdin is complete; `None` when it already was.
    pub(super) gate: Option<watch::Receiver<bool>>,
}

impl StdoutRecords {
    /// Waits until the request's stdin is complete and the buffer has room.
    async fn ready(&mut self) {
        if let Some(mut gate) = self.gate.take() {
            // An Err means the request's state is gone with its connection.
            let _ = gate.wait_for(|done| *done).await;
        }
        std::future::poll_fn(|cx| self.out.poll_room(cx)).await;
    }
}

impl ChunkWriter for StdoutRecords {
    async fn write(&mut self, chunk: Bytes) -> bool {
        self.ready().await;
        record::encode_stream(
            &mut self.out.lock().buf,
            RecordType::Stdout,
            self.id,
            &chunk,
        );
        true
    }

    async fn write_head(&mut self, parts: &http::response::Parts) -> bool {
        self.ready().await;
        record::encode_record_with(
            &mut self.out.lock().buf,
            RecordType::Stdout,
            self.id,
            |buf| encode_head_into(buf, parts),
        );
        true
    }
}
