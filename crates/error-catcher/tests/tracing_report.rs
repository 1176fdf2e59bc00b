//! The report reaches `tracing` at error level with the page's error id.
//!
//! In its own test binary with a global subscriber: tracing caches callsite
//! interest per process, so a thread-local subscriber in a crowded unit-test binary
//! would be flaky.

use std::sync::{Arc, Mutex};

use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body};
use gw_error_catcher::ErrorCatcherLayer;
use tower::Layer;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn reports_go_to_tracing_at_error_level_with_the_id() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_ansi(false)
        .init();
    let app = app_fn(|_req: http::Request<Body>| async {
        if true {
            panic!("boom from the fail controller");
        }
        "unreachable"
    });
    let client = TestClient::new(ErrorCatcherLayer::new().layer(app));
    let res = client.get("/fail").send().await;
    res.assert_status(500).assert_body_lacks("boom");
    let id = res.header("x-error-id").unwrap();
    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains(&format!("error_id={id}")))
        .unwrap_or_else(|| panic!("no log line with the id in {log}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("boom from the fail controller"), "{line}");
    assert!(line.contains("uri=/fail"), "{line}");
}
