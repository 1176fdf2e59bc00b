//! `POST /echo`: the request body back, byte for byte, after the cascade.

use super::Controller;
use bytes::{Bytes, BytesMut};
use gw_core::{app_fn, Body, Response};
use http::{header, HeaderValue, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// The most body bytes kept in memory; past it they go to an unlinked temporary
/// file, so an echo of any size costs this much memory per request.
const IN_MEMORY: usize = 64 * 1024;

const OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");

/// Reads the whole request body, then answers it.
///
/// It reads before it answers, as a Pylons action reading `wsgi.input` does. An echo
/// that answered while still reading would need a client and every proxy in between
/// to send and receive at once, which HTTP/1.1 does not promise: curl stops reading
/// while it uploads, and nginx sends a FastCGI body whole before it reads the answer.
/// So a body larger than 64 KiB is spilled to a temporary file as it arrives and
/// streamed back from it in 64 KiB chunks: memory stays flat whatever the size
/// (the server's `max_request_body` bounds the disk).
pub fn controller() -> impl Controller {
    app_fn(|req: http::Request<Body>| async move {
        match read_body(req.into_body()).await {
            Ok(Kept::Memory(bytes)) => Response::with_type(bytes, OCTET_STREAM),
            Ok(Kept::File(file, len)) => Response::with_type(stream_file(file), OCTET_STREAM)
                .header(header::CONTENT_LENGTH, HeaderValue::from(len)),
            Err(_) => Response::text("the request body could not be read\n")
                .with_status(StatusCode::BAD_REQUEST),
        }
    })
}

/// Where a read body ended up.
enum Kept {
    Memory(Bytes),
    File(tokio::fs::File, u64),
}

async fn read_body(mut body: Body) -> Result<Kept, gw_core::BoxError> {
    let mut memory = BytesMut::new();
    let mut file: Option<(tokio::fs::File, u64)> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue; // trailers
        };
        // The usual small body is one frame: kept as it came, without a copy.
        if memory.is_empty() && file.is_none() && data.len() <= IN_MEMORY && body.is_end_stream() {
            return Ok(Kept::Memory(data));
        }
        if let Some((file, len)) = &mut file {
            file.write_all(&data).await?;
            *len += data.len() as u64;
        } else if memory.len() + data.len() <= IN_MEMORY {
            memory.extend_from_slice(&data);
        } else {
            // Unlinked at creation: it goes away however the request ends.
            let mut spill = tokio::fs::File::from_std(tempfile::tempfile()?);
            spill.write_all(&memory).await?;
            spill.write_all(&data).await?;
            file = Some((spill, (memory.len() + data.len()) as u64));
            memory = BytesMut::new();
        }
    }
    Ok(match file {
        Some((mut file, len)) => {
            file.flush().await?;
            file.rewind().await?;
            Kept::File(file, len)
        }
        None => Kept::Memory(memory.freeze()),
    })
}

/// The file's bytes as a body, read one chunk at a time as the client takes them.
fn stream_file(mut file: tokio::fs::File) -> Body {
    let (mut tx, body) = Body::channel();
    tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(IN_MEMORY);
        loop {
            buf.reserve(IN_MEMORY);
            match file.read_buf(&mut buf).await {
                Ok(0) => return,
                Ok(_) => {
                    if tx.send(buf.split().freeze()).await.is_err() {
                        return; // the client went away
                    }
                }
                Err(e) => return tx.abort(e).await,
            }
        }
    });
    body
}
