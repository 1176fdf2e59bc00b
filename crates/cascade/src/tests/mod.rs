//! The cascade through `Lint` and the in-process client.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body, BoxError, Environ, EnvironKey, IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use tower_service::Service;

use crate::{Cascade, CatchSet, Final, ReplayError, CASCADE_HEADER, STOP};
use gw_core::BoxApp;

type Req = http::Request<Body>;

/// A member that counts its calls and answers `status` with `body`.
#[derive(Clone, Debug)]
struct Fixed {
    status: StatusCode,
    body: &'static str,
    calls: Arc<AtomicUsize>,
}

fn fixed(status: u16, body: &'static str) -> Fixed {
    Fixed {
        status: StatusCode::from_u16(status).unwrap(),
        body,
        calls: Arc::default(),
    }
}

impl<B> Service<http::Request<B>> for Fixed {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let body = if req.method() == Method::HEAD {
            Body::empty()
        } else {
            Body::from(self.body)
        };
        ready(Ok(Response::text(body)
            .with_status(self.status)
            .header(
                http::header::HeaderName::from_static("x-member"),
                HeaderValue::from_static(self.body),
            )
            .into_http()))
    }
}

impl Fixed {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn first_member_that_answers_wins_and_the_rest_are_not_called() {
    let (a, b) = (fixed(200, "a"), fixed(200, "b"));
    let client = TestClient::new(cascade!(a.clone(), b.clone()));
    client
        .get("/")
        .send()
        .await
        .assert_status(200)
        .assert_body("a");
    assert_eq!((a.calls(), b.calls()), (1, 0));
}

#[tokio::test]
async fn a_middle_member_answers_after_a_miss() {
    let (a, b, c) = (fixed(404, "a"), fixed(201, "b"), fixed(200, "c"));
    let client = TestClient::new(cascade!(a.clone(), b.clone(), c.clone()));
    client
        .get("/")
        .send()
        .await
        .assert_status(201)
        .assert_body("b");
    assert_eq!((a.calls(), b.calls(), c.calls()), (1, 1, 0));
}

#[tokio::test]
async fn when_all_miss_the_last_response_is_sent_unchanged() {
    let client = TestClient::new(cascade!(fixed(404, "a"), fixed(404, "b"), fixed(404, "c")));
    client
        .get("/")
        .send()
        .await
        .assert_status(404)
        .assert_header("x-member", "c")
        .assert_header("content-type", "text/plain; charset=utf-8")
        .assert_body("c");
}

#[tokio::test]
async fn default_catch_set_answers_a_405() {
    let client = TestClient::new(cascade!(fixed(405, "a"), fixed(200, "b")));
    client
        .get("/")
        .send()
        .await
        .assert_status(405)
        .assert_body("a");
}

#[tokio::test]
async fn a_custom_catch_set_catches_405_and_500_but_not_404() {
    let set = CatchSet::new([405, 500]).unwrap();
    let client = TestClient::new(
        cascade!(
            fixed(405, "a"),
            fixed(500, "b"),
            fixed(404, "c"),
            fixed(200, "d")
        )
        .catch(set),
    );
    client
        .get("/")
        .send()
        .await
        .assert_status(404)
        .assert_body("c");
    let rack = TestClient::new(
        cascade!(fixed(405, "a"), fixed(404, "b"), fixed(200, "c")).catch(CatchSet::RACK),
    );
    rack.get("/")
        .send()
        .await
        .assert_status(200)
        .assert_body("c");
}

#[tokio::test]
async fn an_empty_catch_set_makes_the_first_member_answer() {
    let later = fixed(200, "b");
    let client = TestClient::new(cascade!(fixed(404, "a"), later.clone()).catch(CatchSet::NONE));
    client
        .get("/")
        .send()
        .await
        .assert_status(404)
        .assert_body("a");
    assert_eq!(later.calls(), 0);
}

/// Asserts that `member`'s 404 is final: sent as it is, without the control
/// header, and the member after it never called.
async fn assert_final<S>(member: S, body: &str)
where
    S: Service<Req, Response = http::Response<Body>, Error = Infallible> + Clone,
{
    let later = fixed(200, "b");
    TestClient::new(cascade!(member, later.clone()))
        .get("/")
        .send()
        .await
        .assert_status(404)
        .assert_body(body)
        .assert_no_header("x-cascade");
    assert_eq!(later.calls(), 0);
}

#[tokio::test]
async fn the_stop_header_makes_a_404_final_and_is_stripped() {
    let final_404 = app_fn(|_req: Req| async {
        Response::text("no such user")
            .with_status(StatusCode::NOT_FOUND)
            .header(CASCADE_HEADER, STOP)
            .into_http()
    });
    assert_final(final_404, "no such user").await;
}

#[tokio::test]
async fn the_final_extension_makes_a_404_final() {
    let final_404 = app_fn(|_req: Req| async {
        let mut res = Response::text("gone for good")
            .with_status(StatusCode::NOT_FOUND)
            .into_http();
        res.extensions_mut().insert(Final);
        res
    });
    assert_final(final_404, "gone for good").await;
}

#[tokio::test]
async fn the_last_member_loses_a_stop_header_on_a_caught_status() {
    let last = app_fn(|_req: Req| async {
        Response::text("x")
            .with_status(StatusCode::NOT_FOUND)
            .header(CASCADE_HEADER, STOP)
    });
    TestClient::new(cascade!(fixed(404, "a"), last))
        .get("/")
        .send()
        .await
        .assert_status(404)
        .assert_no_header("x-cascade");
}

/// A body that records when it is dropped.
struct DropFlag {
    dropped: Arc<AtomicBool>,
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl http_body::Body for DropFlag {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(
            b"never sent",
        )))))
    }
}

/// A member that answers "dropped" if `dropped` was set when it was called,
/// "still alive" if not.
fn reports_drop(
    dropped: Arc<AtomicBool>,
) -> impl Service<Req, Response = http::Response<Body>, Error = Infallible, Future: Send> + Clone {
    app_fn(move |_req: Req| {
        let was_dropped = dropped.load(Ordering::SeqCst);
        async move {
            Response::text(if was_dropped {
                "dropped"
            } else {
                "still alive"
            })
        }
    })
}

#[tokio::test]
async fn a_caught_body_is_dropped_before_the_next_member_is_called() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let first = app_fn(move |_req: Req| {
        let dropped = flag.clone();
        async move {
            let mut res = http::Response::new(Body::new(DropFlag { dropped }));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    });
    let second = reports_drop(dropped.clone());
    TestClient::new(cascade!(first, second))
        .get("/")
        .send()
        .await
        .assert_status(200)
        .assert_body("dropped");
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn head_falls_through_a_miss_and_gets_an_empty_body_with_the_length() {
    let get_like = app_fn(|req: Req| async move {
        assert_eq!(req.method(), Method::HEAD);
        // A HEAD answer declares the GET's length with an empty body.
        Response::text(Body::empty())
            .header(http::header::CONTENT_LENGTH, HeaderValue::from_static("12"))
    });
    let res = TestClient::new(cascade!(fixed(404, "a"), get_like))
        .head("/")
        .send()
        .await;
    res.assert_status(200).assert_header("content-length", "12");
    assert!(res.bytes().is_empty());
}

#[tokio::test]
async fn head_that_misses_everywhere_returns_the_last_empty_404() {
    let res = TestClient::new(cascade!(fixed(404, "a"), fixed(404, "b")))
        .head("/")
        .send()
        .await;
    res.assert_status(404).assert_header("x-member", "b");
    assert!(res.bytes().is_empty());
}

#[derive(Clone)]
struct Failing;

impl<B> Service<http::Request<B>> for Failing {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Ready<Result<http::Response<Body>, BoxError>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: http::Request<B>) -> Self::Future {
        ready(Err("member failed".into()))
    }
}

fn boxed_fixed(
    status: u16,
    body: &'static str,
) -> impl Service<http::Request<Body>, Response = http::Response<Body>, Error = BoxError, Future: Send>
       + Clone {
    tower::ServiceExt::<Req>::map_err(fixed(status, body), |never: Infallible| -> BoxError {
        match never {}
    })
}

#[tokio::test]
async fn an_error_ends_the_cascade_by_default() {
    let client = TestClient::new(cascade!(Failing, boxed_fixed(200, "b")));
    let err = client.get("/").try_send().await.unwrap_err();
    assert_eq!(err.to_string(), "member failed");
}

#[tokio::test]
async fn errors_as_misses_tries_the_next_member() {
    let client = TestClient::new(cascade!(Failing, boxed_fixed(200, "b")).errors_as_misses(true));
    client.get("/").send().await.assert_body("b");
    // The last member's error is still returned.
    let client = TestClient::new(cascade!(boxed_fixed(404, "a"), Failing).errors_as_misses(true));
    assert!(client.get("/").try_send().await.is_err());
}

/// Never ready: a member that must not be readied before it is reached.
#[derive(Clone)]
struct NeverReady;

impl<B> Service<http::Request<B>> for NeverReady {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<Body>, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Pending
    }
    fn call(&mut self, _: http::Request<B>) -> Self::Future {
        unreachable!("called without being ready")
    }
}

#[tokio::test]
async fn poll_ready_does_not_wait_for_members_the_request_never_reaches() {
    let mut cascade = cascade!(fixed(200, "a"), NeverReady);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(matches!(
        Service::<http::Request<Body>>::poll_ready(&mut cascade, &mut cx),
        Poll::Ready(Ok(()))
    ));
    TestClient::new(cascade)
        .get("/")
        .send()
        .await
        .assert_body("a");
}

#[tokio::test]
async fn every_member_sees_the_same_head_and_environ_even_if_one_changes_its_copy() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = |status: StatusCode| {
        let seen = seen.clone();
        app_fn(move |mut req: Req| {
            let seen = seen.clone();
            async move {
                let env = Environ::of(&req)
                    .and_then(|e| e.get("test.hello"))
                    .unwrap_or("-")
                    .to_owned();
                seen.lock().unwrap().push(format!(
                    "{} {} {:?} {} {}",
                    req.method(),
                    req.uri(),
                    req.version(),
                    req.headers()["x-in"].to_str().unwrap(),
                    env
                ));
                // Scribble on this member's copy: the next must not see it.
                req.headers_mut()
                    .insert("x-in", HeaderValue::from_static("changed"));
                Environ::of_mut(&mut req).insert(EnvironKey::new("test.hello").unwrap(), "changed");
                status
            }
        })
    };
    let mut env = Environ::new();
    env.insert(EnvironKey::new("test.hello").unwrap(), "Hello World");
    TestClient::new(cascade!(
        record(StatusCode::NOT_FOUND),
        record(StatusCode::NOT_FOUND),
        record(StatusCode::OK)
    ))
    .request(Method::PUT, "/x?y=1")
    .header("x-in", "abc")
    .extension(env)
    .send()
    .await
    .assert_status(200);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for line in seen.iter() {
        assert_eq!(line, "PUT /x?y=1 HTTP/1.1 abc Hello World");
    }
}

/// A member that reads `limit` bytes of the body (all of it when `None`), logs them,
/// and answers `status`.
fn reader(
    log: &Arc<Mutex<Vec<Vec<u8>>>>,
    limit: Option<usize>,
    status: StatusCode,
) -> impl Service<Req, Response = http::Response<Body>, Error = Infallible, Future: Send> + Clone {
    let log = log.clone();
    app_fn(move |req: Req| {
        let log = log.clone();
        async move {
            let mut body = req.into_body();
            let mut got = Vec::new();
            while limit.is_none_or(|n| got.len() < n) {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            got.extend_from_slice(&data);
                        }
                    }
                    Some(Err(e)) => {
                        log.lock().unwrap().push(format!("error: {e}").into_bytes());
                        return status.into_response();
                    }
                    None => break,
                }
            }
            let n = got.len();
            log.lock().unwrap().push(got);
            Response::text(format!("{n}"))
                .with_status(status)
                .into_http()
        }
    })
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn members_that_read_all_get_identical_bytes_and_a_reader_of_nothing_costs_nothing() {
    for len in [1, 10, 1000, 64 * 1024 + 1, 300 * 1024] {
        let log = Arc::default();
        let spill = tempfile::tempdir().unwrap();
        let client = TestClient::new(
            cascade!(
                reader(&log, Some(0), StatusCode::NOT_FOUND),
                reader(&log, None, StatusCode::NOT_FOUND),
                reader(&log, Some(len / 2), StatusCode::NOT_FOUND),
                reader(&log, None, StatusCode::OK)
            )
            .spill_dir(spill.path()),
        );
        let body = pattern(len);
        client
            .post("/")
            .body(body.clone())
            .send()
            .await
            .assert_status(200)
            .assert_body(len.to_string());
        let log = log.lock().unwrap();
        assert!(log[0].is_empty(), "the first member read nothing");
        assert_eq!(log[1], body, "len {len}");
        assert_eq!(log[3], body, "len {len}");
        assert!(std::fs::read_dir(spill.path()).unwrap().next().is_none());
    }
}

#[tokio::test]
async fn a_spill_dir_that_cannot_be_written_gives_507_with_a_plain_explanation() {
    let log = Arc::default();
    let spill = tempfile::tempdir().unwrap();
    let gone = spill.path().join("removed-after-build");
    std::fs::create_dir(&gone).unwrap();
    let client = TestClient::new(
        cascade!(
            reader(&log, None, StatusCode::NOT_FOUND),
            reader(&log, None, StatusCode::OK)
        )
        .replay_threshold(1024)
        .spill_dir(&gone),
    );
    std::fs::remove_dir(&gone).unwrap();
    let res = client.post("/").body(pattern(64 * 1024)).send().await;
    res.assert_status(507);
    let text = res.text();
    assert!(text.starts_with("507 Insufficient Storage\n"), "{text}");
    assert!(
        !text.contains("removed-after-build"),
        "the path leaked: {text}"
    );
    // A small body never touches the disk, so the cascade keeps serving.
    client
        .post("/")
        .body("small")
        .send()
        .await
        .assert_status(200);
}

/// Two reading members; the first reads `first_reads` bytes (all when `None`) and
/// misses. Returns the response body and what each member read.
async fn two_readers(first_reads: Option<usize>, body: Body) -> (String, Vec<Vec<u8>>) {
    let log = Arc::default();
    let client = TestClient::new(cascade!(
        reader(&log, first_reads, StatusCode::NOT_FOUND),
        reader(&log, None, StatusCode::OK)
    ));
    let res = client.post("/").body(body).send().await;
    let log = log.lock().unwrap().clone();
    (res.text(), log)
}

#[tokio::test]
async fn a_chunked_body_is_replayed_chunk_for_chunk() {
    let (answer, log) = two_readers(None, Body::from_chunks(["one ", "two ", "three"])).await;
    assert_eq!(answer, "13");
    assert_eq!(log, [b"one two three", b"one two three"]);
}

#[tokio::test]
async fn a_later_member_reads_on_past_what_an_earlier_one_read() {
    let (answer, log) = two_readers(Some(4), Body::from_chunks(["abcd", "efgh", "ijkl"])).await;
    assert_eq!(answer, "12");
    assert_eq!(log, [b"abcd".to_vec(), b"abcdefghijkl".to_vec()]);
}

#[tokio::test]
async fn reading_past_the_replay_limit_gives_413_with_a_clear_body() {
    let log = Arc::default();
    let last = fixed(200, "never");
    let client = TestClient::new(
        cascade!(reader(&log, None, StatusCode::NOT_FOUND), last.clone())
            .replay_threshold(16)
            .replay_limit(100),
    );
    client
        .post("/")
        .body(pattern(101))
        .send()
        .await
        .assert_status(413)
        .assert_header("content-type", "text/plain; charset=utf-8")
        .assert_body_contains("larger than 100 bytes");
    assert_eq!(last.calls(), 0);
    assert!(String::from_utf8_lossy(&log.lock().unwrap()[0]).contains("replay_limit of 100 bytes"));
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_fine() {
    let log = Arc::default();
    let client = TestClient::new(
        cascade!(
            reader(&log, None, StatusCode::NOT_FOUND),
            reader(&log, None, StatusCode::OK)
        )
        .replay_threshold(16)
        .replay_limit(100),
    );
    client
        .post("/")
        .body(pattern(100))
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn the_last_member_is_not_limited_because_it_records_nothing() {
    let log = Arc::default();
    let client = TestClient::new(
        cascade!(fixed(404, "a"), reader(&log, None, StatusCode::OK)).replay_limit(10),
    );
    client
        .post("/")
        .body(pattern(1000))
        .send()
        .await
        .assert_body("1000");
}

#[tokio::test]
async fn a_member_that_answers_then_streams_the_body_back_is_not_limited() {
    // It answers 200 at once and reads while the response streams: no one will
    // replay after it, so recording stops and the cap does not apply.
    let echo = app_fn(|req: Req| async move { Response::text(Body::new(req.into_body())) });
    let client = TestClient::new(cascade!(echo, fixed(200, "b")).replay_limit(10));
    client
        .post("/")
        .body(pattern(5000))
        .send()
        .await
        .assert_body(pattern(5000));
}

#[tokio::test]
async fn a_body_error_is_replayed_to_the_next_member_after_the_bytes_that_arrived() {
    let (mut tx, body) = Body::channel();
    tokio::spawn(async move {
        tx.send("partial").await.ok();
        tx.abort("client went away").await;
    });
    let (answer, log) = two_readers(None, body).await;
    assert_eq!(answer, "", "the last member answered 200, empty");
    assert_eq!(log[0], b"error: client went away");
    assert_eq!(log[1], b"error: the request body failed: client went away");
}

#[tokio::test]
async fn a_body_kept_by_a_member_that_missed_is_detached() {
    let stash: Arc<Mutex<Option<Body>>> = Arc::default();
    let keep = stash.clone();
    let first = app_fn(move |req: Req| {
        *keep.lock().unwrap() = Some(req.into_body());
        async { StatusCode::NOT_FOUND }
    });
    let log = Arc::default();
    let client = TestClient::new(cascade!(first, reader(&log, None, StatusCode::OK)));
    client.post("/").body("data").send().await.assert_body("4");
    let stashed = stash.lock().unwrap().take().unwrap();
    let err = stashed.collect().await.unwrap_err();
    assert!(err
        .downcast_ref::<ReplayError>()
        .is_some_and(|e| matches!(e, ReplayError::Detached)));
}

#[tokio::test]
async fn a_dynamic_cascade_behaves_like_the_static_one() {
    let members = [
        BoxApp::new(fixed(404, "a")),
        BoxApp::new(fixed(200, "b")),
        BoxApp::new(fixed(200, "c")),
    ];
    let client = TestClient::new(Cascade::dynamic(members).unwrap());
    client
        .get("/")
        .send()
        .await
        .assert_status(200)
        .assert_body("b");

    let all_miss =
        Cascade::dynamic([BoxApp::new(fixed(404, "a")), BoxApp::new(fixed(404, "b"))]).unwrap();
    TestClient::new(all_miss)
        .get("/")
        .send()
        .await
        .assert_status(404)
        .assert_body("b");

    let echo = app_fn(|req: http::Request<Body>| async move {
        let body = req.into_body().collect().await.unwrap().to_bytes();
        Response::text(body)
    });
    let swallow = app_fn(|req: http::Request<Body>| async move {
        req.into_body().collect().await.unwrap();
        StatusCode::NOT_FOUND
    });
    let cascade = Cascade::dynamic([BoxApp::new(swallow)]).unwrap().or(echo);
    TestClient::new(cascade)
        .post("/echo")
        .body("ping")
        .send()
        .await
        .assert_body("ping");
}

#[tokio::test]
async fn a_dynamic_cascade_from_settings_uses_the_catch_list() {
    let settings = gw_core::Settings::from_pairs([("catch", "404 405")]);
    let cascade = Cascade::from_settings(
        &settings,
        [BoxApp::new(fixed(405, "a")), BoxApp::new(fixed(200, "b"))],
    )
    .unwrap();
    TestClient::new(cascade)
        .get("/")
        .send()
        .await
        .assert_body("b");
    assert_eq!(
        Cascade::from_settings(&settings, []).unwrap_err(),
        crate::CascadeError::NoMembers
    );
}

#[tokio::test]
async fn the_layer_puts_the_wrapped_service_first() {
    use tower_layer::Layer;
    let app = fixed(200, "app");
    let files = fixed(404, "files");
    let client = TestClient::new(crate::CascadeLayer::new(app.clone()).layer(files.clone()));
    client.get("/").send().await.assert_body("app");
    assert_eq!((files.calls(), app.calls()), (1, 1));
}

#[tokio::test]
async fn with_settings_configures_a_static_cascade_and_reports_bad_values() {
    let settings = gw_core::Settings::from_pairs([("catch", "405")]);
    let cascade = cascade!(fixed(405, "a"), fixed(200, "b"))
        .with_settings(&settings)
        .unwrap();
    TestClient::new(cascade)
        .get("/")
        .send()
        .await
        .assert_body("b");
    let bad = gw_core::Settings::from_pairs([("errors_as_misses", "sometimes")]);
    let err = cascade!(fixed(404, "a")).with_settings(&bad).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("setting errors_as_misses = \"sometimes\""),
        "{err}"
    );
}

mod probe;
