//! A fixture app served through each front end, for the nginx peer tests.
//!
//! `frontend_app fastcgi ADDR | scgi ADDR | http ADDR | cgi`
//!
//! Routes: `/hello`, `/stream` (two chunks), `/echo` (the POST body back),
//! `/echo_stream` (the body streamed back as it arrives), `/fail_late` (sends
//! `partial`, then fails), `/where` (mount prefix, path and
//! query), `/peer` (peer address and scheme), `/big?bytes=N`.

use std::time::Duration;

use gw_core::{app_fn, Body, BoxError, MountPrefix, Response};
use gw_server::frontend::{run_cgi, FastCgiServer, ScgiServer};
use gw_server::{ClientInfo, PeerAddr, Server};
use http_body_util::BodyExt;

fn app() -> impl tower::Service<
    http::Request<Body>,
    Response = http::Response<Body>,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone
       + Send
       + 'static {
    app_fn(|req: http::Request<Body>| async move {
        match req.uri().path() {
            "/hello" => Response::html("Hello World!"),
            "/stream" => Response::html(Body::from_chunks(["Hello ", "World!"])),
            "/echo" => {
                let body = req
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                Response::text(body)
            }
            // Streams the body back while still reading it, as helloworld's /echo does.
            "/echo_stream" => Response::text(req.into_body()),
            // Panics before it has a response.
            "/panic_now" => panic!("the handler panicked before answering"),
            // Panics while the body streams, after its first chunk went out.
            "/panic_late" => Response::html(Body::from_stream(PanicAfterFirst(false))),
            "/fail_late" => {
                let (mut tx, body) = Body::channel();
                tokio::spawn(async move {
                    let _ = tx.send("partial").await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    tx.abort("failed after the first chunk").await;
                });
                Response::html(body)
            }
            "/where" => {
                let text = format!(
                    "prefix={} path={} query={}",
                    MountPrefix::of(&req),
                    req.uri().path(),
                    req.uri().query().unwrap_or("")
                );
                Response::text(text)
            }
            "/peer" => {
                let peer = PeerAddr::of(&req)
                    .map(|p| p.0.ip().to_string())
                    .unwrap_or_default();
                let scheme = ClientInfo::of(&req)
                    .map(|c| c.scheme.to_string())
                    .unwrap_or_default();
                Response::text(format!("peer={peer} scheme={scheme}"))
            }
            "/big" => {
                let n: usize = req
                    .uri()
                    .query()
                    .and_then(|q| q.strip_prefix("bytes="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                Response::text(vec![b'x'; n])
            }
            _ => Response::text("not found").with_status(http::StatusCode::NOT_FOUND),
        }
    })
}

fn main() -> Result<std::process::ExitCode, BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    if mode == "cgi" {
        return Ok(run_cgi(app()));
    }
    let addr = args
        .get(1)
        .cloned()
        .ok_or("usage: frontend_app fastcgi|scgi|http ADDR | cgi")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match mode {
            "fastcgi" => FastCgiServer::bind(&addr).await?.serve(app()).await?,
            "scgi" => ScgiServer::bind(&addr).await?.serve(app()).await?,
            "http" => {
                let app = app();
                // The FastCGI and SCGI front ends have no body limit: none here
                // either, so the 10 MiB echo compares like with like.
                Server::bind(&addr)
                    .await?
                    .max_request_body(None)
                    .serve(app)
                    .await?
            }
            other => return Err(format!("unknown mode {other:?}").into()),
        }
        Ok(std::process::ExitCode::SUCCESS)
    })
}

/// A stream that yields `partial`, then panics.
struct PanicAfterFirst(bool);

impl futures_core::Stream for PanicAfterFirst {
    type Item = Result<&'static str, std::convert::Infallible>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.0 {
            panic!("the body panicked after its first chunk");
        }
        self.0 = true;
        std::task::Poll::Ready(Some(Ok("partial")))
    }
}
