//! One connection's life: the byte-counting IO wrapper, and the driver future that
//! owns hyper's connection and enforces the first-byte, header, idle and send
//! timeouts, the drain, and the server's decision to shed it (`shed.rs`).
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

use crate::shared::ServerShared;
use crate::stats::StatsShard;

/// State shared by a connection's IO wrapper, its request service and its driver.
#[derive(Debug)]
pub(crate) struct ConnShared {
    pub(crate) server: Arc<ServerShared>,
    pub(crate) stats: StatsShard,
    born: Instant,
    read_any: AtomicBool,
    /// The connection speaks HTTP/2 (its first bytes are the client preface).
    http2: AtomicBool,
    /// Bytes read so far: the driver compares it between checks to see a request
    /// head that is arriving but not complete.
    bytes_read: AtomicU64,
    in_flight: AtomicUsize,
    /// Requests started so far: the driver compares it between its checks to tell
    /// an idle connection from a busy one without reading the clock per request.
    started: AtomicU64,
    /// Bytes the socket accepted so far.
    bytes_written: AtomicU64,
    /// The last write found the socket full: bytes wait for the peer to read.
    write_blocked: AtomicBool,
    /// Responses whose head is out and whose body has not ended.
    responding: AtomicUsize,
    /// Of those, the ones whose body hyper is waiting on (the app is slow, not the
    /// peer): the others wait for the peer to take bytes.
    waiting_on_app: AtomicUsize,
    /// Response body frames handed to hyper: hyper asks for the next one only
    /// when the peer took the last (socket buffer or HTTP/2 window).
    frames_sent: AtomicU64,
    /// Set by the server to close this connection for a new one (`shed.rs`).
    shed: AtomicBool,
}

/// What a connection is doing, as the shedding policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// No request in flight; the number is the requests started so far.
    Idle(u64),
    /// A response waits for the peer to take bytes; the number grows with each
    /// byte or frame it takes.
    Stalled(u64),
    /// The app is working on a request: never shed.
    Busy,
}

impl ConnShared {
    pub(crate) fn new(server: Arc<ServerShared>) -> ConnShared {
        ConnShared {
            stats: server.stats.shard(),
            server,
            born: Instant::now(),
            read_any: AtomicBool::new(false),
            http2: AtomicBool::new(false),
            bytes_read: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
            write_blocked: AtomicBool::new(false),
            responding: AtomicUsize::new(0),
            waiting_on_app: AtomicUsize::new(0),
            frames_sent: AtomicU64::new(0),
            shed: AtomicBool::new(false),
        }
    }

    /// A response head is out; its body follows.
    pub(crate) fn response_started(&self) {
        self.responding.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn response_ended(&self) {
        self.responding.fetch_sub(1, Ordering::Relaxed);
    }

    /// A response body started (`true`) or stopped (`false`) making hyper wait.
    pub(crate) fn body_waits_on_app(&self, waiting: bool) {
        if waiting {
            self.waiting_on_app.fetch_add(1, Ordering::Relaxed);
        } else {
            self.waiting_on_app.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn frame_sent(&self) {
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// A figure that grows whenever the peer takes response bytes. HTTP/2 counts
    /// frames only: its socket also carries PINGs and SETTINGS, which a client
    /// that never opens its window still answers.
    fn send_progress(&self) -> u64 {
        let frames = self.frames_sent.load(Ordering::Relaxed);
        if self.http2.load(Ordering::Relaxed) {
            frames
        } else {
            frames.wrapping_add(self.bytes_written.load(Ordering::Relaxed))
        }
    }

    /// Some response waits for the peer to take bytes: its body is not being
    /// asked for, or the socket is full.
    fn waits_on_peer(&self) -> bool {
        self.write_blocked.load(Ordering::Relaxed)
            || self.responding.load(Ordering::Relaxed) > self.waiting_on_app.load(Ordering::Relaxed)
    }

    fn note_write<T>(&self, result: &Poll<io::Result<T>>) {
        let blocked = result.is_pending();
        if self.write_blocked.load(Ordering::Relaxed) != blocked {
            self.write_blocked.store(blocked, Ordering::Relaxed);
        }
    }

    pub(crate) fn activity(&self) -> Activity {
        if self.in_flight.load(Ordering::Acquire) == 0
            && !self.write_blocked.load(Ordering::Relaxed)
        {
            Activity::Idle(self.started.load(Ordering::Relaxed))
        } else if self.waits_on_peer() {
            Activity::Stalled(self.send_progress())
        } else {
            Activity::Busy
        }
    }

    /// Asks the connection's driver to close it at its next poll.
    pub(crate) fn shed(&self) {
        self.shed.store(true, Ordering::Relaxed);
    }

    pub(crate) fn request_started(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.stats.request_started();
    }

    pub(crate) fn request_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::Release);
        self.stats.request_finished();
    }
}

pin_project! {
    /// Counts bytes into [`Stats`] and notes the first byte read.
    pub(crate) struct CountingIo<T> {
        #[pin]
        io: T,
        shared: Arc<ConnShared>,
        read_any: bool,
    }
}

impl<T> CountingIo<T> {
    pub(crate) fn new(io: T, shared: Arc<ConnShared>) -> Self {
        CountingIo {
            io,
            shared,
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
            this.shared.stats.add_bytes_in(n);
            this.shared
                .bytes_read
                .fetch_add(n as u64, Ordering::Relaxed);
            if !*this.read_any {
                *this.read_any = true;
                if buf.filled()[before..].starts_with(b"PRI ") {
                    this.shared.http2.store(true, Ordering::Relaxed);
                }
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
        this.shared.note_write(&result);
        if let Poll::Ready(Ok(n)) = result {
            this.shared.stats.add_bytes_out(n);
            this.shared
                .bytes_written
                .fetch_add(n as u64, Ordering::Relaxed);
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
        this.shared.note_write(&result);
        if let Poll::Ready(Ok(n)) = result {
            this.shared.stats.add_bytes_out(n);
            this.shared
                .bytes_written
                .fetch_add(n as u64, Ordering::Relaxed);
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
    connections: Mutex<HashMap<u64, (Waker, Arc<ConnShared>)>>,
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
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|(waker, _)| waker.clone())
            .collect();
        for waker in wakers {
            waker.wake();
        }
    }

    fn register(&self, waker: &Waker, shared: &Arc<ConnShared>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (waker.clone(), shared.clone()));
        id
    }

    fn deregister(&self, id: u64) {
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Lets `pick` choose one connection from `(id, activity)` of every open
    /// one, then closes it. Returns whether one was shed.
    pub(crate) fn shed_one(
        &self,
        pick: impl FnOnce(&mut dyn Iterator<Item = (u64, Activity)>) -> Option<u64>,
    ) -> bool {
        let connections = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = connections
            .iter()
            .filter(|(_, (_, shared))| !shared.shed.load(Ordering::Relaxed))
            .map(|(id, (_, shared))| (*id, shared.activity()));
        let Some(victim) = pick(&mut all) else {
            return false;
        };
        let Some((waker, shared)) = connections.get(&victim) else {
            return false;
        };
        shared.shed();
        waker.wake_by_ref();
        true
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
    S::Error: Into<gw_core::BoxError>,
    S::Future: Send + 'static,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<gw_core::BoxError>,
{
    fn start_graceful_shutdown(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) first_byte: Duration,
    pub(crate) idle: Duration,
    /// HTTP/1 only: how long a request head may take from its first byte.
    pub(crate) header: Duration,
    /// How long a response may wait for the peer to take a byte.
    pub(crate) send: Duration,
}

impl Timeouts {
    /// The time between checks: a quarter of the shortest of the idle, header
    /// and send timeouts, so each fires within 1 to 1.25 times its setting (plus
    /// one check period for the first sighting).
    fn check_period(&self) -> Duration {
        (self.idle.min(self.header).min(self.send) / 4).max(Duration::from_millis(1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    Closing,
}

pin_project! {
    /// Drives one connection to its end.
    pub(crate) struct Driver<C> {
        #[pin]
        conn: C,
        #[pin]
        timer: Sleep,
        timer_registered: bool,
        phase: Phase,
        last_started: u64,
        // Since when no request was seen in progress (the idle clock).
        quiet_since: Option<Instant>,
        // `bytes_read` when a request was last seen; more bytes with no new
        // request mean a head is arriving.
        bytes_mark: u64,
        // Since when a request head has been arriving (the header clock).
        head_since: Option<Instant>,
        // `send_progress` when a response was last seen waiting on the peer, and
        // since when it has not moved (the send clock).
        send_mark: u64,
        send_since: Option<Instant>,
        shutdown_started: bool,
        registration: Option<u64>,
        shared: Arc<ConnShared>,
        drain: Arc<Drain>,
        timeouts: Timeouts,
        _permit: OwnedSemaphorePermit,
    }

    impl<C> PinnedDrop for Driver<C> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(id) = this.registration.take() {
                this.drain.deregister(id);
            }
            this.shared.stats.connection_closed();
        }
    }
}

impl<C> Driver<C> {
    pub(crate) fn new(
        conn: C,
        shared: Arc<ConnShared>,
        drain: Arc<Drain>,
        timeouts: Timeouts,
        permit: OwnedSemaphorePermit,
    ) -> Self {
        shared.stats.connection_opened();
        let deadline = shared.born + timeouts.first_byte.min(timeouts.check_period());
        Driver {
            conn,
            timer: tokio::time::sleep_until(deadline),
            timer_registered: false,
            phase: Phase::Open,
            last_started: 0,
            quiet_since: None,
            bytes_mark: 0,
            head_since: None,
            send_mark: 0,
            send_since: None,
            shutdown_started: false,
            registration: None,
            shared,
            drain,
            timeouts,
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
            *this.registration = Some(this.drain.register(cx.waker(), this.shared));
        }
        if this.shared.shed.load(Ordering::Relaxed) {
            tracing::debug!("shed at the connection limit: closing");
            return Poll::Ready(());
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
            // Once polled after a reset the timer keeps our waker, so later wakeups
            // only need the cheap elapsed check.
            if *this.timer_registered {
                if !this.timer.is_elapsed() {
                    return Poll::Pending;
                }
            } else {
                *this.timer_registered = true;
                if this.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            *this.timer_registered = false;
            let now = Instant::now();
            if *this.phase == Phase::Closing {
                // The client had a grace period to let the graceful close finish (an
                // HTTP/2 client that never answers the GOAWAY's PING would otherwise
                // hold the connection for ever).
                tracing::debug!("graceful close did not finish: dropping the connection");
                return Poll::Ready(());
            }
            let first_byte_deadline = this.shared.born + this.timeouts.first_byte;
            let read_any = this.shared.read_any.load(Ordering::Relaxed);
            if !read_any && first_byte_deadline <= now {
                tracing::debug!("no byte within first_byte_timeout: closing");
                return Poll::Ready(());
            }
            let started = this.shared.started.load(Ordering::Relaxed);
            let bytes_read = this.shared.bytes_read.load(Ordering::Relaxed);
            let busy =
                this.shared.in_flight.load(Ordering::Acquire) > 0 || started != *this.last_started;
            if this.shared.waits_on_peer() {
                // nginx's send_timeout: a response the peer takes no byte of.
                let progress = this.shared.send_progress();
                match *this.send_since {
                    Some(since) if progress == *this.send_mark => {
                        if now.duration_since(since) >= this.timeouts.send {
                            tracing::debug!(
                                "the peer took no response byte within send_timeout: closing"
                            );
                            return Poll::Ready(());
                        }
                    }
                    _ => {
                        *this.send_mark = progress;
                        *this.send_since = Some(now);
                    }
                }
            } else {
                *this.send_since = None;
            }
            let mut idle_too_long = false;
            if busy {
                *this.last_started = started;
                *this.quiet_since = None;
                *this.head_since = None;
                *this.bytes_mark = bytes_read;
            } else {
                let quiet_since = *this.quiet_since.get_or_insert(now);
                idle_too_long = now.duration_since(quiet_since) >= this.timeouts.idle;
                if bytes_read != *this.bytes_mark && !this.shared.http2.load(Ordering::Relaxed) {
                    // Bytes came but no request started: a head is on its way.
                    // hyper's own header timer would cost a boxed timer per
                    // request; this one costs nothing until it fires.
                    let since = *this.head_since.get_or_insert(now);
                    if now.duration_since(since) >= this.timeouts.header {
                        tracing::debug!(
                            "request head incomplete past header_read_timeout: closing"
                        );
                        return Poll::Ready(());
                    }
                }
            }
            if idle_too_long {
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
            let mut next = now + this.timeouts.check_period();
            if !read_any {
                next = next.min(first_byte_deadline);
            }
            this.timer.as_mut().reset(next);
        }
    }
}
