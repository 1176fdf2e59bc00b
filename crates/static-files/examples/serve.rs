//! Serves a directory over HTTP/1.1 on 127.0.0.1, for trying the crate by hand
//! and for quick load tests: `cargo run --release -p gw-static-files --example serve -- DIR [PORT] [servedir]`.
//! With `servedir` as the third argument, tower-http's ServeDir answers instead.

use std::convert::Infallible;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::ServiceExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let root = args.next().unwrap_or_else(|| ".".into());
    let port: u16 = args.next().map_or(Ok(8080), |p| p.parse())?;
    let servedir = args.next().as_deref() == Some("servedir");
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("serving on http://{}", listener.local_addr()?);
    let ours = gw_static_files::StaticFiles::new(&root)?;
    let theirs = tower_http::services::ServeDir::new(&root);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let ours = ours.clone();
        let theirs = theirs.clone();
        tokio::spawn(async move {
            let conn = http1::Builder::new();
            if servedir {
                let svc = hyper::service::service_fn(move |req| theirs.clone().oneshot(req));
                let _ = conn.serve_connection(TokioIo::new(stream), svc).await;
            } else {
                let svc = hyper::service::service_fn(move |req| {
                    let res = ours.clone().oneshot(req);
                    async move { Ok::<_, Infallible>(res.await.unwrap_or_else(|e| match e {})) }
                });
                let _ = conn.serve_connection(TokioIo::new(stream), svc).await;
            }
        });
    }
}
