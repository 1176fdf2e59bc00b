//! The FastCGI front end (responder role), over TCP or a Unix socket.
//!
//! Written for Gateway from the FastCGI 1.0 specification: the record layer is in
//! [`record`] (pure, fuzzed), the connection driver below. It supports
//! multiplexed requests on one connection, `FCGI_KEEP_CONN`, `FCGI_GET_VALUES`,
//! `FCGI_ABORT_REQUEST`, stdin streamed to the app as it arrives, and responses
//! streamed as they are produced. A malformed record closes that connection only,
//! with a log line. A response whose body fails midway is cut by closing the
//! connection without `FCGI_END_REQUEST`, so the web server aborts the client's
//! response instead of ending it cleanly.
//!
//! We wrote the protocol ourselves rather than take a crate: tokio-fastcgi has its
//! own request type, and the cegla crates are young; the protocol is small.
//!
//! # How a connection runs
//!
//! One task per connection reads records, runs the responses and writes their
//! records; it spawns nothing per request. Responses are polled by that task (as
//! hyper polls an HTTP/1 response), so several multiplexed requests on one connection
//! run concurrently but not in parallel; separate connections run in parallel. Each
//! response frames its records into the connection's output buffer, which is written
//! once per round, so a small response leaves in one `write`. When nginx sends a
//! request's empty FCGI_STDIN in the same packet as its parameters (every GET), the
//! request gets an empty body at once, with no stdin queue.

mod output;
pub mod record;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::future::{AbortHandle, Abortable};
use futures_util::stream::{FuturesUnordered, StreamExt};
use gw_core::{Body, BoxError};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use self::output::{Output, StdoutRecords};
use self::record::{ProtocolStatus, Record, RecordError, RecordType, Role};
use super::cgi_env::{self, CgiVars};
use super::listen::{FrontendConfig, Stream};
use super::respond::{body_pump, catch_panic, respond, Outcome};

/// A request the connection knows about.
enum Pending {
    /// BEGIN_REQUEST seen; parameters arriving.
    Params { params: Params, keep_conn: bool },
    /// The response is running.
    Running(Running),
}

struct Running {
    stdin: Option<StdinQueue>,
    remaining: Option<u64>,
    keep_conn: bool,
    /// How to stop the response: `None` for the solo response, which the
    /// connection drops itself.
    abort: Option<AbortHandle>,
}

/// The requests a connection knows about, by id. A connection carries one request
/// at a time from nginx and at most `max_requests_per_connection` when multiplexed,
/// so a short list beats hashing the id.
#[derive(Default)]
struct Requests(Vec<(u16, Pending)>);

impl Requests {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get_mut(&mut self, id: &u16) -> Option<&mut Pending> {
        self.0
            .iter_mut()
            .find(|(known, _)| known == id)
            .map(|(_, pending)| pending)
    }

    fn remove(&mut self, id: &u16) -> Option<Pending> {
        let at = self.0.iter().position(|(known, _)| known == id)?;
        Some(self.0.swap_remove(at).1)
    }

    fn insert(&mut self, id: u16, pending: Pending) {
        match self.get_mut(&id) {
            Some(known) => *known = pending,
            None => self.0.push((id, pending)),
        }
    }
}

/// A request's parameter bytes. nginx sends them in one record, which is kept as
/// it arrived; only parameters split across records are copied together.
enum Params {
    Empty,
    One(Bytes),
    Many(BytesMut),
}

impl Params {
    fn len(&self) -> usize {
        match self {
            Params::Empty => 0,
            Params::One(bytes) => bytes.len(),
            Params::Many(bytes) => bytes.len(),
        }
    }

    fn push(&mut self, content: Bytes) {
        *self = match std::mem::replace(self, Params::Empty) {
            Params::Empty => Params::One(content),
            Params::One(first) => {
                let mut all = BytesMut::with_capacity(first.len() + content.len());
                all.extend_from_slice(&first);
                all.extend_from_slice(&content);
                Params::Many(all)
            }
            Params::Many(mut all) => {
                all.extend_from_slice(&content);
                Params::Many(all)
            }
        };
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Params::Empty => Bytes::new(),
            Params::One(bytes) => bytes,
            Params::Many(bytes) => bytes.freeze(),
        }
    }
}

/// A request's stdin on its way to the app, queued without backpressure (see
/// `body_pump`). Dropping it ends the body and opens the response gate.
///
/// nginx stops sending a request's stdin once the response head arrives, and it
/// sends the whole body before it reads the response; so a response may only start
/// once stdin is complete, as PHP-FPM and flup read all of stdin first. The app
/// itself starts at once and may read the body as it streams in.
struct StdinQueue {
    queue: mpsc::UnboundedSender<Bytes>,
    done: watch::Sender<bool>,
}

impl Drop for StdinQueue {
    fn drop(&mut self) {
        let _ = self.done.send(true);
    }
}

/// One response, polled by the connection's task.
struct RequestTask {
    id: u16,
    response: Pin<Box<dyn Future<Output = Outcome> + Send>>,
}

/// How a response task ended: its outcome, or the panic that escaped `respond`'s
/// own guards (a panic in a drop, say).
type Finished = (u16, Result<Outcome, BoxError>);

impl Future for RequestTask {
    type Output = Finished;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Finished> {
        let id = self.id;
        match catch_panic(|| self.response.as_mut().poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => Poll::Ready((id, Ok(outcome))),
            Err(panic) => Poll::Ready((id, Err(panic))),
        }
    }
}

/// How a connection ends.
enum End {
    /// Write what is owed, then close.
    Close,
    /// Cut the connection (a reset over TCP): a response failed midway, or the peer
    /// broke the protocol.
    Cut,
    /// The socket failed.
    Broken,
}

/// At most this many rounds per poll before yielding to other tasks.
const ROUNDS_PER_POLL: usize = 32;

/// Drives one FastCGI connection until the peer closes it, a record is malformed,
/// or a response must be cut.
pub(crate) async fn serve_connection<S, B>(
    stream: Stream,
    service: S,
    config: Arc<FrontendConfig>,
    draining: watch::Receiver<bool>,
) where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let mut conn = Conn {
        stream,
        service,
        config,
        buf: BytesMut::with_capacity(16 * 1024),
        out: Arc::new(Output::default()),
        requests: Requests::default(),
        solo: None,
        tasks: FuturesUnordered::new(),
        read_closed: false,
        closing: false,
        draining: false,
        drain_watch: draining.clone(),
        drain_armed: false,
        drain: Box::pin(drained(draining)),
    };
    let end = std::future::poll_fn(|cx| conn.poll(cx)).await;
    // Responses still running (a cut, or a close after a keep_conn=false request)
    // are dropped here, before the socket closes.
    let Conn {
        mut stream,
        out,
        solo,
        tasks,
        requests,
        ..
    } = conn;
    drop(solo);
    drop(tasks);
    drop(requests);
    let owed = std::mem::take(&mut out.lock().buf);
    match end {
        End::Close => {
            if stream.write_all(&owed).await.is_ok() {
                let _ = stream.shutdown().await;
            }
        }
        End::Cut => {
            // What is owed goes first, so a response cut midway reaches the web
            // server as far as it got; the reset then marks it unfinished.
            let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&owed)).await;
            stream.abort();
        }
        End::Broken => {}
    }
}

/// Completes once the server starts draining (never, if the server is gone).
async fn drained(mut draining: watch::Receiver<bool>) {
    if draining.wait_for(|draining| *draining).await.is_err() {
        std::future::pending::<()>().await;
    }
}

struct Conn<S> {
    stream: Stream,
    service: S,
    config: Arc<FrontendConfig>,
    /// Bytes read and not yet parsed.
    buf: BytesMut,
    out: Arc<Output>,
    requests: Requests,
    /// The response started while no other ran: nginx's one request at a time,
    /// polled directly with no per-request wake-up bookkeeping.
    solo: Option<RequestTask>,
    /// Responses started while the solo one ran (a multiplexing peer).
    tasks: FuturesUnordered<Abortable<RequestTask>>,
    read_closed: bool,
    /// A request without FCGI_KEEP_CONN finished: close once the output is written.
    closing: bool,
    draining: bool,
    /// Polled once to register, then again only when the drain flag changed.
    drain: Pin<Box<dyn Future<Output = ()> + Send>>,
    drain_watch: watch::Receiver<bool>,
    drain_armed: bool,
}

impl<S, B> Conn<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    /// One pass of the connection: apply the records read, run the responses, write
    /// their records, read more; until nothing moves.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        for _ in 0..ROUNDS_PER_POLL {
            if let Err(e) = self.on_buffered_records() {
                tracing::warn!(error = %e, "FastCGI protocol error: closing the connection");
                return Poll::Ready(End::Cut);
            }
            if let Some(solo) = self.solo.as_mut() {
                if let Poll::Ready(finished) = Pin::new(solo).poll(cx) {
                    self.solo = None;
                    if let Some(end) = self.on_finished(finished) {
                        return Poll::Ready(end);
                    }
                }
            }
            while let Poll::Ready(Some(finished)) = self.tasks.poll_next_unpin(cx) {
                // An aborted response finishes as `Err(Aborted)` and is forgotten:
                // its END_REQUEST went out when the abort arrived.
                if let Ok(finished) = finished {
                    if let Some(end) = self.on_finished(finished) {
                        return Poll::Ready(end);
                    }
                }
            }
            if self.poll_write(cx).is_err() {
                return Poll::Ready(End::Broken);
            }
            if self.out.lock().buf.is_empty()
                && (self.closing
                    || (self.requests.is_empty() && (self.read_closed || self.draining)))
            {
                return Poll::Ready(End::Close);
            }
            let mut progress = false;
            if !self.read_closed {
                if self.buf.capacity() - self.buf.len() < 4096 {
                    self.buf.reserve(16 * 1024);
                }
                let read = std::pin::pin!(self.stream.read_buf(&mut self.buf)).poll(cx);
                match read {
                    Poll::Ready(Ok(0) | Err(_)) => {
                        self.read_closed = true;
                        self.forget_unfinishable();
                        progress = true;
                    }
                    Poll::Ready(Ok(_)) => progress = true,
                    Poll::Pending => {}
                }
            }
            if !self.draining
                && (!self.drain_armed || self.drain_watch.has_changed().unwrap_or(false))
            {
                self.drain_armed = true;
                if self.drain.as_mut().poll(cx).is_ready() {
                    self.draining = true;
                    progress = true;
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// The peer stopped sending: a request still missing parameters or stdin can
    /// never be complete, so it is dropped (its response, if running, aborted).
    fn forget_unfinishable(&mut self) {
        let mut dropped = Vec::new();
        self.requests.0.retain(|(id, pending)| match pending {
            Pending::Params { .. } => false,
            Pending::Running(running) if running.stdin.is_some() => {
                dropped.push(*id);
                false
            }
            Pending::Running(_) => true,
        });
        for id in dropped {
            self.stop(id, None);
        }
    }

    /// Stops the response to request `id`: aborts it, or drops it if it is the solo
    /// one. Its state must already be out of `requests`.
    fn stop(&mut self, id: u16, abort: Option<AbortHandle>) {
        match abort {
            Some(abort) => abort.abort(),
            None => {
                if self.solo.as_ref().is_some_and(|solo| solo.id == id) {
                    self.solo = None;
                }
            }
        }
    }

    /// Writes the output buffer until it is empty or the socket is full.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<(), ()> {
        let mut out = self.out.lock();
        let mut wrote = false;
        while !out.buf.is_empty() {
            match Pin::new(&mut self.stream).poll_write(cx, &out.buf) {
                Poll::Ready(Ok(0) | Err(_)) => return Err(()),
                Poll::Ready(Ok(n)) => {
                    out.buf.advance(n);
                    wrote = true;
                }
                Poll::Pending => break,
            }
        }
        if wrote {
            out.wake_if_room();
        }
        Ok(())
    }

    /// Applies every whole record in the read buffer.
    fn on_buffered_records(&mut self) -> Result<(), RecordError> {
        while let Some(record) = record::parse_record(&mut self.buf)? {
            self.on_record(record)?;
        }
        Ok(())
    }

    /// Applies one record to the connection's state.
    fn on_record(&mut self, record: Record) -> Result<(), RecordError> {
        let id = record.request_id;
        match record.kind {
            RecordType::GetValues if id == 0 => {
                let asked = record::parse_pairs(&record.content)?;
                let mut content = BytesMut::new();
                for (name, _) in asked {
                    let config = &self.config;
                    let value = match name.as_ref() {
                        b"FCGI_MAX_CONNS" => config.max_connections.to_string(),
                        b"FCGI_MAX_REQS" => (config.max_connections
                            * config.max_requests_per_connection)
                            .to_string(),
                        b"FCGI_MPXS_CONNS" => "1".to_owned(),
                        _ => continue,
                    };
                    record::encode_pair(&mut content, &name, value.as_bytes());
                }
                let buf = &mut self.out.lock().buf;
                record::encode_record(buf, RecordType::GetValuesResult, 0, &content);
            }
            kind if id == 0 => {
                // Spec §4.2: answer an unknown management record with FCGI_UNKNOWN_TYPE.
                record::encode_record(
                    &mut self.out.lock().buf,
                    RecordType::UnknownType,
                    0,
                    &[kind.to_byte(), 0, 0, 0, 0, 0, 0, 0],
                );
            }
            RecordType::BeginRequest => {
                let begin = record::parse_begin_request(&record.content)?;
                // A request id reused while its request runs replaces that request.
                if let Some(Pending::Running(old)) = self.requests.remove(&id) {
                    self.stop(id, old.abort);
                }
                let refuse = match begin.role {
                    Role::Other(_) => Some(ProtocolStatus::UnknownRole),
                    Role::Responder
                        if self.requests.len() >= self.config.max_requests_per_connection =>
                    {
                        Some(ProtocolStatus::Overloaded)
                    }
                    Role::Responder => None,
                };
                match refuse {
                    Some(status) => {
                        record::encode_end_request(&mut self.out.lock().buf, id, 0, status);
                    }
                    None => {
                        let params = Pending::Params {
                            params: Params::Empty,
                            keep_conn: begin.keep_conn,
                        };
                        self.requests.insert(id, params);
                    }
                }
            }
            RecordType::Params => {
                let Some(Pending::Params { params, keep_conn }) = self.requests.get_mut(&id) else {
                    return Ok(());
                };
                if !record.content.is_empty() {
                    if params.len() + record.content.len() > self.config.max_params_size {
                        return Err(RecordError::ParamsTooLarge(self.config.max_params_size));
                    }
                    params.push(record.content);
                    return Ok(());
                }
                let keep_conn = *keep_conn;
                let params = std::mem::replace(params, Params::Empty).into_bytes();
                self.requests.remove(&id);
                self.start(id, &params, keep_conn)?;
            }
            RecordType::Stdin => {
                let Some(Pending::Running(Running {
                    stdin, remaining, ..
                })) = self.requests.get_mut(&id)
                else {
                    return Ok(());
                };
                if record.content.is_empty() {
                    *stdin = None;
                    return Ok(());
                }
                let mut data = record.content;
                if let Some(left) = remaining {
                    // Never hand the app more than CONTENT_LENGTH.
                    data.truncate((*left).min(data.len() as u64) as usize);
                    *left -= data.len() as u64;
                }
                if let Some(sender) = stdin {
                    if data.is_empty() || sender.queue.send(data).is_err() {
                        *stdin = None;
                    }
                }
                if *remaining == Some(0) {
                    *stdin = None;
                }
            }
            RecordType::AbortRequest => {
                if let Some(pending) = self.requests.remove(&id) {
                    if let Pending::Running(running) = pending {
                        self.stop(id, running.abort);
                    }
                    let buf = &mut self.out.lock().buf;
                    record::encode_end_request(buf, id, 1, ProtocolStatus::RequestComplete);
                }
            }
            // Records the responder role does not use, or for unknown requests: ignored.
            _ => {}
        }
        Ok(())
    }

    /// Starts the response to a request whose parameters are complete.
    fn start(&mut self, id: u16, params: &Bytes, keep_conn: bool) -> Result<(), RecordError> {
        let vars = CgiVars(record::parse_pairs_shared(params)?);
        let remaining = match cgi_env::content_length(&vars) {
            Ok(remaining) => remaining,
            Err(e) => {
                self.refuse(id, keep_conn, &e);
                return Ok(());
            }
        };
        // Without a body to stream, the app gets an empty one and the response need
        // not wait for stdin.
        let stdin_done = remaining == Some(0) || self.take_empty_stdin(id);
        let (body, stdin) = if stdin_done {
            (Body::empty(), None)
        } else {
            let (sender, body) = Body::channel();
            (body, Some(sender))
        };
        let req = match cgi_env::build_request(vars, body) {
            Ok(req) => req,
            Err(e) => {
                self.refuse(id, keep_conn, &e);
                return Ok(());
            }
        };
        let (stdin, gate) = match stdin {
            Some(sender) => {
                let (done, gate) = watch::channel(false);
                let queue = StdinQueue {
                    queue: body_pump(sender),
                    done,
                };
                (Some(queue), Some(gate))
            }
            None => (None, None),
        };
        let mut writer = StdoutRecords {
            id,
            out: self.out.clone(),
            gate,
        };
        let service = self.service.clone();
        let response = Box::pin(async move { respond(service, req, &mut writer).await });
        let task = RequestTask { id, response };
        let abort = if self.solo.is_none() {
            self.solo = Some(task);
            None
        } else {
            let (abort, registration) = AbortHandle::new_pair();
            self.tasks.push(Abortable::new(task, registration));
            Some(abort)
        };
        let running = Running {
            stdin,
            remaining,
            keep_conn,
            abort,
        };
        self.requests.insert(id, Pending::Running(running));
        Ok(())
    }

    /// Takes request `id`'s empty FCGI_STDIN off the front of the read buffer, if it
    /// is there: the request has no body.
    fn take_empty_stdin(&mut self, id: u16) -> bool {
        let buf = &self.buf;
        let empty_stdin = buf.len() >= record::HEADER_LEN
            && buf[0] == record::VERSION_1
            && RecordType::from_byte(buf[1]) == RecordType::Stdin
            && u16::from_be_bytes([buf[2], buf[3]]) == id
            && buf[4] == 0
            && buf[5] == 0
            && buf.len() >= record::HEADER_LEN + usize::from(buf[6]);
        if empty_stdin {
            let padding = usize::from(buf[6]);
            self.buf.advance(record::HEADER_LEN + padding);
        }
        empty_stdin
    }

    /// Answers 400 for parameters that do not make a request.
    fn refuse(&mut self, id: u16, keep_conn: bool, e: &cgi_env::MapError) {
        let buf = &mut self.out.lock().buf;
        record::encode_stream(buf, RecordType::Stdout, id, &cgi_env::bad_request(&e.0));
        record::encode_record(buf, RecordType::Stdout, id, &[]);
        record::encode_end_request(buf, id, 0, ProtocolStatus::RequestComplete);
        if !keep_conn {
            self.closing = true;
        }
    }

    /// Ends a request whose response finished; `Some` when the connection must end.
    fn on_finished(&mut self, (id, result): Finished) -> Option<End> {
        let keep_conn = match self.requests.remove(&id) {
            Some(Pending::Running(running)) => running.keep_conn,
            _ => true,
        };
        match result {
            Ok(Outcome::Complete) => {
                let buf = &mut self.out.lock().buf;
                record::encode_record(buf, RecordType::Stdout, id, &[]);
                record::encode_end_request(buf, id, 0, ProtocolStatus::RequestComplete);
            }
            Ok(Outcome::BodyFailed(e)) => {
                tracing::error!(error = %e, request_id = id, "response body failed midway: cutting the connection");
                return Some(End::Cut);
            }
            Ok(Outcome::WriterGone) => {}
            Err(e) => {
                tracing::error!(error = %e, request_id = id, "the response panicked: cutting the connection");
                return Some(End::Cut);
            }
        }
        if !keep_conn {
            self.closing = true;
        }
        None
    }
}
