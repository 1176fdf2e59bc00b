//! The CGI front end: one request from the environment and stdin, the response to
//! stdout. The twin of Paste's CGI runner and `wsgiref.handlers.CGIHandler`.

use std::io::{Read, Write};

use bytes::Bytes;
use gw_core::{Body, BoxError};

use super::cgi_env::{self, CgiVars};
use super::respond::{respond, ChunkWriter, Outcome};

/// Serves the one request described by the process environment and stdin, writing
/// `Status:`, headers and body to stdout. Returns the process exit code: 0 when the
/// response was written whole, 1 when it could not be (bad request variables are
/// answered with a 400 and still exit 0).
///
/// A body that fails midway can only be signalled by the exit code: a CGI response
/// ends when the process does.
///
/// ```no_run
/// use gw_core::{app_fn, Body};
///
/// fn main() -> std::process::ExitCode {
///     gw_server::frontend::run_cgi(app_fn(|_req: http::Request<Body>| async { "Hello World!" }))
/// }
/// ```
pub fn run_cgi<S, B>(service: S) -> std::process::ExitCode
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve_cgi(service)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The async core of [`run_cgi`], for a caller that already runs a tokio runtime
/// (the deploy loader's `cgi` server). An error means the response could not be
/// written whole.
pub async fn serve_cgi<S, B>(service: S) -> Result<(), BoxError>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let vars = CgiVars(
        std::env::vars_os()
            .map(|(k, v)| {
                (
                    Bytes::from(k.into_encoded_bytes()),
                    Bytes::from(v.into_encoded_bytes()),
                )
            })
            .collect(),
    );
    let mut out = StdoutWriter(std::io::stdout());
    let length = match cgi_env::content_length(&vars) {
        Ok(length) => length.unwrap_or(0),
        Err(e) => return Ok(out.0.write_all(&cgi_env::bad_request(&e.0))?),
    };
    let (mut stdin_tx, body) = Body::channel();
    let req = match cgi_env::build_request(vars, body) {
        Ok(req) => req,
        Err(e) => return Ok(out.0.write_all(&cgi_env::bad_request(&e.0))?),
    };
    // stdin is blocking: read it on its own thread, never past CONTENT_LENGTH.
    let (chunks_tx, mut chunks_rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock().take(length);
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0
                || chunks_tx
                    .blocking_send(Bytes::copy_from_slice(&buf[..n]))
                    .is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(chunk) = chunks_rx.recv().await {
            if stdin_tx.send(chunk).await.is_err() {
                break;
            }
        }
    });
    match respond(service, req, &mut out).await {
        Outcome::Complete => Ok(()),
        Outcome::BodyFailed(e) => Err(format!("the response body failed midway: {e}").into()),
        Outcome::WriterGone => Err("stdout was closed before the response was written".into()),
    }
}

/// Standard output, written and flushed chunk by chunk.
struct StdoutWriter(std::io::Stdout);

impl ChunkWriter for StdoutWriter {
    async fn write(&mut self, chunk: Bytes) -> bool {
        let mut out = self.0.lock();
        out.write_all(&chunk).and_then(|()| out.flush()).is_ok()
    }
}
