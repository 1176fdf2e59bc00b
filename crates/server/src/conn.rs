//! One connection's life: the byte-counting IO wrapper, and the driver future that
//! owns hyper's connection and enforces the first-byte and idle timeouts and the
//! drain.
//!
//! The driver polls hyper's connection first; its own checks cost an atomic load
//! and a timer poll per wakeup, and no lock (drain wake-ups use a registry that is
//! locked once when a connection starts and once when it ends).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};

use crate::Stats;

/// State shared by a connection's IO wrapper, its request service and its driver.
#[derive(Debug)]
pub(crate) struct ConnShared {
    born: Instant,
    read_any: AtomicBool,
    in_flight: AtomicUsize,
    /// Milliseconds from `born` to the end of the last request.
    idle_since_ms: AtomicU64,
}

impl ConnShared {
    pub(crate) fn new() -> ConnShared {
        ConnShared {
            born: Instant::now(),
            read_any: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
        }
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn request_finished(&self) {
        let ms = self.born.elapsed().as_millis() as u64;
        self.idle_since_ms.store(ms, Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::Release);
    }
}

pin_project! {
    /// Counts bytes into [`Stats`] and notes the first byte read.
    pub(crate) struct CountingIo<T> {
        #[pin]
        io: T,
        shared: Arc<ConnShared>,
        stats: Stats,
        read_any: bool,
    }
}

impl<T> CountingIo<T> {
    pub(crate) fn new(io: T, shared: Arc<ConnShared>, stats: Stats) -> Self {
        CountingIo {
            io,
            shared,
            stats,
            read_any: false,
        }
    }
}

impl<T: AsyncRead> AsyncRead for CountingIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let result = this.io.poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            this.stats.add_bytes_in(n);
            if !*this.read_any {
                *this.read_any = true;
                this.shared.read_any.store(true, Ordering::Relaxed);
            }
        }
        result
    }
}

impl<T: AsyncWrite> AsyncWrite for CountingIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let result = this.io.poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            this.stats.add_bytes_out(n);
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let result = this.io.poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = result {
            this.stats.add_bytes_out(n);
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }
}

const RUNNING: u8 = 0;
const DRAINING: u8 = 1;
const FORCED: u8 = 2;

/// The server-wide drain switch, and the wakers of the connections to tell.
#[derive(Debug, Default)]
pub(crate) struct Drain {
    state: AtomicU8,
    next_id: AtomicU64,
    wakers: Mutex<HashMap<u64, Waker>>,
}

impl Drain {
    pub(crate) fn start_draining(&self) {
        self.set(DRAINING);
    }

    pub(crate) fn force_close(&self) {
        self.set(FORCED);
    }

    fn set(&self, state: u8) {
        self.state.store(state, Ordering::Release);
        let wakers: Vec<Waker> = self
            .wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for waker in wakers {
            waker.wake();
        }
    }

    fn register(&self, waker: &Waker) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, waker.clone());
        id
    }

    fn deregister(&self, id: u64) {
        self.wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

/// A hyper connection that can be asked to finish gracefully.
pub(crate) trait GracefulConn: Future {
    fn start_graceful_shutdown(self: Pin<&mut Self>);
}

impl<I, S, B> GracefulConn
    for hyper_util::server::conn::auto::UpgradeableConnection<
        'static,
        I,
        S,
        hyper_util::rt::TokioExecutor,
    >
where
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>,
    S::Error: Into<gateway_core::BoxError>,
    S::Future: Send + 'static,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<gateway_core::BoxError>,
{
    fn start_graceful_shutdown(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) first_byte: Duration,
    pub(crate) idle: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    FirstByte,
    Idle,
    Closing,
}

pin_project! {
    /// Drives one connection to its end.
    pub(crate) struct Driver<C> {
        #[pin]
        conn: C,
        #[pin]
        timer: Sleep,
        phase: Phase,
        shutdown_started: bool,
        registration: Option<u64>,
        shared: Arc<ConnShared>,
        drain: Arc<Drain>,
        timeouts: Timeouts,
        stats: Stats,
        _permit: OwnedSemaphorePermit,
    }

    impl<C> PinnedDrop for Driver<C> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(id) = this.registration.take() {
                this.drain.deregister(id);
            }
            this.stats.connection_closed();
        }
    }
}

impl<C> Driver<C> {
    pub(crate) fn new(
        conn: C,
        shared: Arc<ConnShared>,
        drain: Arc<Drain>,
        timeouts: Timeouts,
        stats: Stats,
        permit: OwnedSemaphorePermit,
    ) -> Self {
        stats.connection_opened();
        // Whichever comes first; the other is checked when this one fires.
        let deadline = shared.born + timeouts.first_byte.min(timeouts.idle);
        Driver {
            conn,
            timer: tokio::time::sleep_until(deadline),
            phase: Phase::FirstByte,
            shutdown_started: false,
            registration: None,
            shared,
            drain,
            timeouts,
            stats,
            _permit: permit,
        }
    }
}

impl<C, E> Future for Driver<C>
where
    C: GracefulConn<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if this.registration.is_none() {
            // A spawned task's waker does not change between polls.
            *this.registration = Some(this.drain.register(cx.waker()));
        }
        match this.drain.state.load(Ordering::Acquire) {
            RUNNING => {}
            DRAINING => {
                if !*this.shutdown_started {
                    *this.shutdown_started = true;
                    this.conn.as_mut().start_graceful_shutdown();
                }
            }
            _ => return Poll::Ready(()),
        }
        loop {
            if let Poll::Ready(result) = this.conn.as_mut().poll(cx) {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return Poll::Ready(());
            }
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let now = Instant::now();
            match *this.phase {
                Phase::Closing => {
                    // The client had a grace period to let the graceful close finish
                    // (an HTTP/2 client that never answers the GOAWAY's PING would
                    // otherwise hold the connection for ever).
                    tracing::debug!("graceful close did not finish: dropping the connection");
                    return Poll::Ready(());
                }
                Phase::FirstByte if !this.shared.read_any.load(Ordering::Relaxed) => {
                    let deadline = this.shared.born + this.timeouts.first_byte;
                    if deadline <= now {
                        tracing::debug!("no byte within first_byte_timeout: closing");
                        return Poll::Ready(());
                    }
                    this.timer.as_mut().reset(deadline);
                }
                _ => {
                    *this.phase = Phase::Idle;
                    let next = if this.shared.in_flight.load(Ordering::Acquire) > 0 {
                        now + this.timeouts.idle
                    } else {
                        let since = this.shared.born
                            + Duration::from_millis(
                                this.shared.idle_since_ms.load(Ordering::Relaxed),
                            );
                        since + this.timeouts.idle
                    };
                    if next <= now {
                        tracing::debug!("idle past idle_timeout: closing");
                        *this.phase = Phase::Closing;
                        if !*this.shutdown_started {
                            *this.shutdown_started = true;
                            this.conn.as_mut().start_graceful_shutdown();
                        }
                        this.timer.as_mut().reset(now + this.timeouts.idle);
                        // Poll the connection again so it can finish now.
                        continue;
                    }
                    this.timer.as_mut().reset(next);
                }
            }
        }
    }
}
