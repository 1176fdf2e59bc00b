//! Calling the service and streaming its response to a front end's writer.

use std::future::Future;

use bytes::Bytes;
use gw_core::{Body, BoxError};
use tower::ServiceExt;

use super::cgi_env::encode_head;

/// How a response ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The whole response was handed to the writer.
    Complete,
    /// The body failed after the head was written: the connection must be cut so
    /// the client sees a truncated response, never a clean one.
    BodyFailed(BoxError),
    /// The writer is gone (the web server hung up).
    WriterGone,
}

/// Where a front end sends response bytes.
pub(crate) trait ChunkWriter: Send {
    /// Writes one chunk; false once the peer is gone.
    fn write(&mut self, chunk: Bytes) -> impl std::future::Future<Output = bool> + Send;

    /// Writes the CGI head of a response; by default encoded and written as a chunk.
    fn write_head(
        &mut self,
        parts: &http::response::Parts,
    ) -> impl std::future::Future<Output = bool> + Send {
        self.write(encode_head(parts).freeze())
    }
}

/// Calls `service` and writes the CGI head and then each body chunk through `out`.
pub(crate) async fn respond<S, B>(
    service: S,
    req: http::Request<Body>,
    out: &mut impl ChunkWriter,
) -> Outcome
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let is_head = req.method() == http::Method::HEAD;
    // A panic in `call`, in the response future or in the body harms only this
    // request: before the head it becomes a 500, after it a failed body, so the
    // front end cuts the connection instead of ending the response cleanly (which,
    // for SCGI and CGI, would read as a complete response).
    let mut call = std::pin::pin!(service.oneshot(req));
    let res: Result<_, BoxError> = std::future::poll_fn(|cx| {
        catch_panic(|| call.as_mut().poll(cx).map(|res| res.map_err(Into::into)))
            .unwrap_or_else(|e| std::task::Poll::Ready(Err(e)))
    })
    .await;
    let res = match res {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "the service failed");
            let body = "Internal Server Error\n";
            let head = format!("Status: 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}", body.len());
            return if out.write(Bytes::from(head)).await {
                Outcome::Complete
            } else {
                Outcome::WriterGone
            };
        }
    };
    let (parts, body) = res.into_parts();
    if !out.write_head(&parts).await {
        return Outcome::WriterGone;
    }
    if is_head {
        return Outcome::Complete;
    }
    let mut body = std::pin::pin!(body);
    loop {
        // Convert the error at once: the body's own error type need not be Send.
        let next: Option<Result<http_body::Frame<Bytes>, BoxError>> = std::future::poll_fn(|cx| {
            catch_panic(|| {
                body.as_mut()
                    .poll_frame(cx)
                    .map(|frame| frame.map(|frame| frame.map_err(Into::into)))
            })
            .unwrap_or_else(|e| std::task::Poll::Ready(Some(Err(e))))
        })
        .await;
        let Some(frame) = next else { break };
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    if !data.is_empty() && !out.write(data).await {
                        return Outcome::WriterGone;
                    }
                }
            }
            Err(e) => return Outcome::BodyFailed(e),
        }
    }
    Outcome::Complete
}

/// Runs `f`, turning a panic into an error that carries its message.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, BoxError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-string payload".to_owned());
        format!("panicked: {message}").into()
    })
}

/// Feeds a request body from an unbounded queue, so a front end's connection reader
/// never waits for the app to read.
///
/// nginx sends the whole request body to a FastCGI or SCGI backend before it reads
/// any of the response. An app that streams its answer while it reads (an echo)
/// would otherwise fill the socket buffers both ways and deadlock. The queue holds
/// at most the request's `CONTENT_LENGTH` bytes, which the web server caps
/// (`client_max_body_size` in nginx).
pub(crate) fn body_pump(
    mut body: gw_core::BodySender,
) -> tokio::sync::mpsc::UnboundedSender<Bytes> {
    let (queue, mut chunks) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    tokio::spawn(async move {
        while let Some(chunk) = chunks.recv().await {
            if body.send(chunk).await.is_err() {
                break;
            }
        }
    });
    queue
}
