//! `StaticFiles` and `Embedded` as `gw_core::Probe`s: what a cascade's fast
//! path sees.

use gw_core::{Probe, Probed};
use gw_static_files::{Embedded, StaticFiles};
use http::{Method, Request, StatusCode};
use tower::ServiceExt;

fn request(method: Method, uri: &str) -> Request<()> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("x-kept", "yes")
        .body(())
        .unwrap()
}

/// A directory with a small file (held in memory) and a large one (read from disk).
fn tree() -> (tempfile::TempDir, StaticFiles) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.txt"), "small").unwrap();
    std::fs::write(dir.path().join("large.bin"), vec![b'x'; 200 * 1024]).unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let files = StaticFiles::new(dir.path()).unwrap();
    (dir, files)
}

/// Scans the tree once, through a plain call, so the next probes find it fresh.
async fn warm(files: &StaticFiles) {
    let res = files
        .clone()
        .oneshot(request(Method::GET, "/small.txt"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_first_probe_waits_for_the_scan_and_answers_from_its_future() {
    let (_dir, mut files) = tree();
    let mut req = request(Method::GET, "/small.txt");
    let Probed::Pending(future) = files.probe(&mut req) else {
        panic!("a never-scanned tree must wait for the scan");
    };
    assert_eq!(future.await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_cached_file_is_ready_and_the_request_is_left_alone() {
    let (_dir, mut files) = tree();
    warm(&files).await;
    let mut req = request(Method::GET, "/small.txt");
    let Probed::Ready(res) = files.probe(&mut req) else {
        panic!("a small file is served from memory");
    };
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-length"], "5");
    assert_eq!(req.uri().path(), "/small.txt");
    assert_eq!(req.headers()["x-kept"], "yes");
}

#[tokio::test]
async fn unknown_paths_escapes_and_index_less_directories_are_misses_for_every_method() {
    let (_dir, mut files) = tree();
    warm(&files).await;
    for (method, uri) in [
        (Method::GET, "/nope.txt"),
        (Method::POST, "/nope.txt"),
        (Method::HEAD, "/nope.txt"),
        (Method::GET, "/../etc/passwd"),
        (Method::GET, "/.hidden"),
        (Method::GET, "/empty/"),
        (Method::GET, "/small.txt/"),
    ] {
        let mut req = request(method.clone(), uri);
        assert!(files.probe(&mut req).is_miss(), "{method} {uri}");
        assert_eq!(req.uri(), uri);
    }
}

#[tokio::test]
async fn a_known_path_with_another_method_is_a_ready_405_not_a_miss() {
    let (_dir, mut files) = tree();
    warm(&files).await;
    let Probed::Ready(res) = files.probe(&mut request(Method::POST, "/small.txt")) else {
        panic!("the file exists: 405, answered at once");
    };
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_large_file_is_opened_in_the_future_then_answered_at_once_from_its_descriptor() {
    let (_dir, mut files) = tree();
    warm(&files).await;
    let mut answers = Vec::new();
    let Probed::Pending(future) = files.probe(&mut request(Method::GET, "/large.bin")) else {
        panic!("a file too large for memory is first opened in the future");
    };
    answers.push((Method::GET, future.await.unwrap()));
    // Its descriptor is now kept: no future, for GET and HEAD alike.
    for method in [Method::GET, Method::HEAD] {
        let Probed::Ready(res) = files.probe(&mut request(method.clone(), "/large.bin")) else {
            panic!("{method}: a kept descriptor is answered at once");
        };
        answers.push((method, res));
    }
    for (method, res) in answers {
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-length"], "204800");
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap();
        let expected = if method == Method::HEAD { 0 } else { 204_800 };
        assert_eq!(body.to_bytes().len(), expected, "{method}");
    }
    // With the open-file cache off, every request opens the file in the future.
    let mut files = files.open_files(0);
    warm(&files).await;
    for _ in 0..2 {
        let Probed::Pending(future) = files.probe(&mut request(Method::GET, "/large.bin")) else {
            panic!("open_files(0): opened in the future every time");
        };
        assert_eq!(future.await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn a_file_deleted_since_the_scan_is_a_late_404_from_the_future() {
    let (dir, mut files) = tree();
    warm(&files).await;
    std::fs::remove_file(dir.path().join("large.bin")).unwrap();
    let Probed::Pending(future) = files.probe(&mut request(Method::GET, "/large.bin")) else {
        panic!("the index still lists it: opened in the future");
    };
    assert_eq!(future.await.unwrap().status(), 404);
}

#[tokio::test]
async fn embedded_assets_are_ready_or_a_miss_never_pending() {
    let mut assets = Embedded::new().file("js/app.js", b"app()");
    let Probed::Ready(res) = assets.probe(&mut request(Method::GET, "/js/app.js")) else {
        panic!("embedded assets are in memory");
    };
    assert_eq!(res.status(), 200);
    let Probed::Ready(res) = assets.probe(&mut request(Method::GET, "/js")) else {
        panic!("a directory without a slash is redirected at once");
    };
    assert_eq!(res.status(), 301);
    assert!(assets
        .probe(&mut request(Method::GET, "/js/other.js"))
        .is_miss());
    // A plain call still answers the miss with a 404.
    let res = assets
        .oneshot(request(Method::HEAD, "/js/other.js"))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// A request body that knows whether it was read, and which one it is.
#[derive(Default)]
struct Watched {
    id: u32,
    read: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl http_body::Body for Watched {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        self.read.store(true, std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(bytes::Bytes::from_static(
            b"payload",
        )))))
    }
}

/// `READS_BODY = false` is a promise a cascade relies on (it keeps no copy of
/// the body for such a member): whatever the probe answers, and after its future
/// has run, the request holds the same body, never read.
#[tokio::test]
async fn neither_probe_touches_the_body_as_reads_body_promises() {
    const {
        assert!(!<StaticFiles as Probe<Request<Watched>>>::READS_BODY);
        assert!(!<Embedded as Probe<Request<Watched>>>::READS_BODY);
    }
    let (_dir, mut files) = tree();
    let mut assets = Embedded::new().file("js/app.js", b"app()");
    let read = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The first probe is the rescan's future; then a hit in memory, a large file
    // opened in the future, a directory, a miss, a POST, and the embedded assets.
    let cases = [
        (Method::GET, "/small.txt"),
        (Method::GET, "/small.txt"),
        (Method::GET, "/large.bin"),
        (Method::GET, "/empty"),
        (Method::GET, "/nowhere"),
        (Method::POST, "/small.txt"),
    ];
    let mut outcomes = Vec::new();
    for (id, (method, uri)) in (1..).zip(cases) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Watched {
                id,
                read: read.clone(),
            })
            .unwrap();
        let outcome = match files.probe(&mut req) {
            Probed::Miss => "miss",
            Probed::Ready(_) => "ready",
            Probed::Pending(future) => {
                future.await.unwrap();
                "pending"
            }
        };
        outcomes.push(outcome);
        assert_eq!(req.body().id, id, "{uri}: the body was replaced");
    }
    assert_eq!(
        outcomes,
        ["pending", "ready", "pending", "ready", "miss", "ready"]
    );
    for (id, uri) in [(7, "/js/app.js"), (8, "/js/other.js")] {
        let mut req = Request::get(uri)
            .body(Watched {
                id,
                read: read.clone(),
            })
            .unwrap();
        let _ = assets.probe(&mut req);
        assert_eq!(req.body().id, id, "{uri}: the body was replaced");
    }
    assert!(
        !read.load(std::sync::atomic::Ordering::SeqCst),
        "a body was read"
    );
}
