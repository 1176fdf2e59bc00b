//! A fixture server for the hardening tests, and the example of mounting the
//! server's [`Stats`](gw_server::Stats) as a JSON endpoint.
//!
//! Usage: `hardened_server [--systemd] [KEY=VALUE]...` where the pairs are
//! `ServerConfig` settings (see the gw-server README). It binds
//! 127.0.0.1:0 (or takes the sockets systemd passed with `--systemd`), prints
//! `serving on http://ADDR` (https with `tls_cert`), and at exit prints
//! `final stats {JSON}`.
//!
//! Routes: `GET /slow?ms=N` answers after N ms; `GET /stats` answers the counters
//! as JSON; anything else `Hello World!`.

use std::time::Duration;

use gw_core::{app_fn, Body, Settings};
use gw_server::{Server, ServerConfig};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        // Display, not Debug: start-up errors are for people.
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut systemd = false;
    let mut settings = Settings::new();
    for arg in std::env::args().skip(1) {
        if arg == "--systemd" {
            systemd = true;
        } else if let Some((key, value)) = arg.split_once('=') {
            settings.insert(key, value);
        } else {
            return Err(format!("unexpected argument {arg:?}").into());
        }
    }
    let config = ServerConfig::from_settings(&settings)?;
    let server = if systemd {
        Server::from_systemd()?
    } else {
        Server::bind("127.0.0.1:0").await?
    }
    .config(config);

    // Mounting the counters: clone the handle into the app.
    let stats = server.stats();
    let app = {
        let stats = stats.clone();
        app_fn(move |req: http::Request<Body>| {
            let stats = stats.clone();
            async move {
                match req.uri().path() {
                    "/stats" => http::Response::builder()
                        .header(http::header::CONTENT_TYPE, "application/json")
                        .body(Body::from(stats.snapshot().to_json()))
                        .expect("a valid response"),
                    "/slow" => {
                        let ms = gateway_tests::query_ms(req.uri());
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        http::Response::new(Body::from(format!("slept {ms} ms")))
                    }
                    _ => http::Response::new(Body::from("Hello World!")),
                }
            }
        })
    };
    let result = server.serve(app).await;
    println!("final stats {}", stats.snapshot().to_json());
    result?;
    Ok(())
}
