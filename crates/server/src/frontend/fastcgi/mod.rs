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

pub mod record;

use std::collections::HashMap;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use gateway_core::{Body, BodySender, BoxError};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, watch};

use self::record::{ProtocolStatus, Record, RecordError, RecordType, Role};
use super::cgi_env::{self, CgiVars};
use super::listen::{FrontendConfig, Stream};
use super::respond::{body_pump, respond, ChunkWriter, Outcome};

/// What the request tasks send to the connection's writer.
enum Out {
    Bytes(Bytes),
    /// Close after what was queued (a request without FCGI_KEEP_CONN finished).
    Close,
    /// Cut the connection now (a body failed midway).
    Abort,
}

enum Pending {
    Params {
        params: BytesMut,
        keep_conn: bool,
    },
    Running {
        stdin: Option<StdinQueue>,
        remaining: Option<u64>,
        keep_conn: bool,
        task: tokio::task::AbortHandle,
    },
}

/// Drives one FastCGI connection until the peer closes it, a record is malformed,
/// or a response must be cut.
pub(crate) async fn serve_connection<S, B>(
    stream: Stream,
    service: S,
    config: Arc<FrontendConfig>,
    mut draining: watch::Receiver<bool>,
) where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let (mut reader, writer) = tokio::io::split(stream);
    let (out_tx, out_rx) = mpsc::channel::<Out>(64);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<u16>();
    let mut writer_task = tokio::spawn(write_loop(
        BufWriter::with_capacity(64 * 1024, writer),
        out_rx,
    ));
    let mut requests: HashMap<u16, Pending> = HashMap::new();
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let mut read_closed = false;
    let mut writer_done = None;

    'conn: loop {
        loop {
            let record = match record::parse_record(&mut buf) {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "malformed FastCGI record: closing the connection");
                    let _ = out_tx.send(Out::Abort).await;
                    break 'conn;
                }
            };
            match on_record(record, &mut requests, &out_tx, &config).await {
                Ok(None) => {}
                Ok(Some(start)) => {
                    // The response waits until stdin is complete: see `StdinQueue`.
                    let body_expected = start.remaining != Some(0);
                    let (stdin_done, gate) = watch::channel(!body_expected);
                    let task = spawn_request(
                        start.id,
                        start.req,
                        service.clone(),
                        out_tx.clone(),
                        done_tx.clone(),
                        gate,
                    );
                    let stdin = body_expected.then(|| StdinQueue {
                        queue: body_pump(start.stdin),
                        done: stdin_done,
                    });
                    let running = Pending::Running {
                        stdin,
                        remaining: start.remaining,
                        keep_conn: start.keep_conn,
                        task,
                    };
                    requests.insert(start.id, running);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "FastCGI protocol error: closing the connection");
                    let _ = out_tx.send(Out::Abort).await;
                    break 'conn;
                }
            }
        }
        let idle_and_draining = *draining.borrow() && requests.is_empty();
        if idle_and_draining || (read_closed && requests.is_empty()) {
            let _ = out_tx.send(Out::Close).await;
            break;
        }
        tokio::select! {
            read = reader.read_buf(&mut buf), if !read_closed => match read {
                Ok(0) | Err(_) => read_closed = true,
                Ok(_) => {}
            },
            Some(id) = done_rx.recv() => {
                if let Some(Pending::Running { keep_conn: false, .. }) = requests.remove(&id) {
                    let _ = out_tx.send(Out::Close).await;
                    break;
                }
            }
            _ = draining.changed(), if !*draining.borrow() => {}
            finished = &mut writer_task => {
                writer_done = Some(finished);
                break;
            }
        }
    }
    drop(out_tx);
    for (_, pending) in requests {
        if let Pending::Running { task, .. } = pending {
            if read_closed {
                task.abort();
            }
        }
    }
    let finished = match writer_done {
        Some(finished) => finished,
        None => writer_task.await,
    };
    let Ok(writer) = finished else { return };
    if let Some((writer, abort)) = writer {
        let stream = reader.unsplit(writer.into_inner());
        if abort {
            stream.abort();
        }
    }
}

/// A request whose parameters are complete, ready to be handed to the service.
struct Start {
    id: u16,
    req: http::Request<Body>,
    stdin: BodySender,
    remaining: Option<u64>,
    keep_conn: bool,
}

/// Applies one record to the connection's state. Returns a request to start when
/// its parameters are complete.
async fn on_record(
    record: Record,
    requests: &mut HashMap<u16, Pending>,
    out: &mpsc::Sender<Out>,
    config: &FrontendConfig,
) -> Result<Option<Start>, RecordError> {
    let id = record.request_id;
    match record.kind {
        RecordType::GetValues if id == 0 => {
            let asked = record::parse_pairs(&record.content)?;
            let mut content = BytesMut::new();
            for (name, _) in asked {
                let value = match name.as_ref() {
                    b"FCGI_MAX_CONNS" => config.max_connections.to_string(),
                    b"FCGI_MAX_REQS" => {
                        (config.max_connections * config.max_requests_per_connection).to_string()
                    }
                    b"FCGI_MPXS_CONNS" => "1".to_owned(),
                    _ => continue,
                };
                record::encode_pair(&mut content, &name, value.as_bytes());
            }
            let mut bytes = BytesMut::new();
            record::encode_record(&mut bytes, RecordType::GetValuesResult, 0, &content);
            let _ = out.send(Out::Bytes(bytes.freeze())).await;
        }
        kind if id == 0 => {
            // Spec §4.2: answer an unknown management record with FCGI_UNKNOWN_TYPE.
            let mut bytes = BytesMut::new();
            record::encode_record(
                &mut bytes,
                RecordType::UnknownType,
                0,
                &[kind.to_byte(), 0, 0, 0, 0, 0, 0, 0],
            );
            let _ = out.send(Out::Bytes(bytes.freeze())).await;
        }
        RecordType::BeginRequest => {
            let begin = record::parse_begin_request(&record.content)?;
            let refuse = match begin.role {
                Role::Other(_) => Some(ProtocolStatus::UnknownRole),
                Role::Responder if requests.len() >= config.max_requests_per_connection => {
                    Some(ProtocolStatus::Overloaded)
                }
                Role::Responder => None,
            };
            match refuse {
                Some(status) => {
                    let mut bytes = BytesMut::new();
                    record::encode_end_request(&mut bytes, id, 0, status);
                    let _ = out.send(Out::Bytes(bytes.freeze())).await;
                }
                None => {
                    requests.insert(
                        id,
                        Pending::Params {
                            params: BytesMut::new(),
                            keep_conn: begin.keep_conn,
                        },
                    );
                }
            }
        }
        RecordType::Params => {
            let Some(Pending::Params { params, keep_conn }) = requests.get_mut(&id) else {
                return Ok(None);
            };
            if !record.content.is_empty() {
                if params.len() + record.content.len() > config.max_params_size {
                    return Err(RecordError::ParamsTooLarge(config.max_params_size));
                }
                params.extend_from_slice(&record.content);
                return Ok(None);
            }
            let keep_conn = *keep_conn;
            let vars = CgiVars(record::parse_pairs(params)?);
            let (stdin, body) = Body::channel();
            let started = cgi_env::content_length(&vars)
                .and_then(|remaining| Ok((remaining, cgi_env::build_request(vars, body)?)));
            let (remaining, req) = match started {
                Ok(pair) => pair,
                Err(e) => {
                    let mut bytes = BytesMut::new();
                    record::encode_stream(
                        &mut bytes,
                        RecordType::Stdout,
                        id,
                        &cgi_env::bad_request(&e.0),
                    );
                    record::encode_record(&mut bytes, RecordType::Stdout, id, &[]);
                    record::encode_end_request(&mut bytes, id, 0, ProtocolStatus::RequestComplete);
                    let _ = out.send(Out::Bytes(bytes.freeze())).await;
                    requests.remove(&id);
                    if !keep_conn {
                        let _ = out.send(Out::Close).await;
                    }
                    return Ok(None);
                }
            };
            requests.remove(&id);
            return Ok(Some(Start {
                id,
                req,
                stdin,
                remaining,
                keep_conn,
            }));
        }
        RecordType::Stdin => {
            let Some(Pending::Running {
                stdin, remaining, ..
            }) = requests.get_mut(&id)
            else {
                return Ok(None);
            };
            if record.content.is_empty() {
                *stdin = None;
                return Ok(None);
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
            if let Some(pending) = requests.remove(&id) {
                if let Pending::Running { task, .. } = pending {
                    task.abort();
                }
                let mut bytes = BytesMut::new();
                record::encode_end_request(&mut bytes, id, 1, ProtocolStatus::RequestComplete);
                let _ = out.send(Out::Bytes(bytes.freeze())).await;
            }
        }
        // Records the responder role does not use, or for unknown requests: ignored.
        _ => {}
    }
    Ok(None)
}

fn spawn_request<S, B>(
    id: u16,
    req: http::Request<Body>,
    service: S,
    out: mpsc::Sender<Out>,
    done: mpsc::UnboundedSender<u16>,
    gate: watch::Receiver<bool>,
) -> tokio::task::AbortHandle
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let mut writer = StdoutRecords {
        id,
        out: out.clone(),
        gate: Some(gate),
    };
    let handle = tokio::spawn(async move { respond(service, req, &mut writer).await });
    let abort = handle.abort_handle();
    tokio::spawn(async move {
        match handle.await {
            Ok(Outcome::Complete) => {
                let mut bytes = BytesMut::new();
                record::encode_record(&mut bytes, RecordType::Stdout, id, &[]);
                record::encode_end_request(&mut bytes, id, 0, ProtocolStatus::RequestComplete);
                let _ = out.send(Out::Bytes(bytes.freeze())).await;
            }
            Ok(Outcome::BodyFailed(e)) => {
                tracing::error!(error = %e, request_id = id, "response body failed midway: cutting the connection");
                let _ = out.send(Out::Abort).await;
            }
            Ok(Outcome::WriterGone) => {}
            Err(e) if e.is_panic() => {
                tracing::error!(
                    request_id = id,
                    "the service panicked: cutting the connection"
                );
                let _ = out.send(Out::Abort).await;
            }
            Err(_) => {}
        }
        let _ = done.send(id);
    });
    abort
}

/// Frames response bytes as FCGI_STDOUT records for one request.
struct StdoutRecords {
    id: u16,
    out: mpsc::Sender<Out>,
    /// Opens when the request's stdin is complete.
    gate: Option<watch::Receiver<bool>>,
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

impl ChunkWriter for StdoutRecords {
    async fn write(&mut self, chunk: Bytes) -> bool {
        if let Some(mut gate) = self.gate.take() {
            // An Err means the connection state is gone; the send below then fails.
            let _ = gate.wait_for(|done| *done).await;
        }
        let mut framed = BytesMut::with_capacity(chunk.len() + 16);
        record::encode_stream(&mut framed, RecordType::Stdout, self.id, &chunk);
        self.out.send(Out::Bytes(framed.freeze())).await.is_ok()
    }
}

type Writer = BufWriter<tokio::io::WriteHalf<Stream>>;

/// Writes queued bytes, flushing whenever the queue runs dry. Returns the writer and
/// whether the connection must be cut, or `None` if writing failed.
async fn write_loop(mut writer: Writer, mut queue: mpsc::Receiver<Out>) -> Option<(Writer, bool)> {
    loop {
        let next = match queue.try_recv() {
            Ok(next) => Some(next),
            Err(mpsc::error::TryRecvError::Empty) => {
                writer.flush().await.ok()?;
                queue.recv().await
            }
            Err(mpsc::error::TryRecvError::Disconnected) => None,
        };
        match next {
            Some(Out::Bytes(bytes)) => writer.write_all(&bytes).await.ok()?,
            Some(Out::Close) | None => {
                writer.flush().await.ok()?;
                let _ = writer.shutdown().await;
                return Some((writer, false));
            }
            Some(Out::Abort) => return Some((writer, true)),
        }
    }
}
