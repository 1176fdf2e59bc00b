use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body, BoxError, Environ, EnvironKey, Response};
use http_body::Frame;
use tower_layer::Layer;
use tower_service::Service;

use crate::{ErrorCatcherLayer, ErrorKind, ErrorReport, Reporter};

/// A body that plays a script: data chunks, then maybe an error or a panic.
#[derive(Debug)]
pub(crate) enum Step {
    Data(&'static str),
    Fail(&'static str),
    Panic(&'static str),
}

#[derive(Debug)]
pub(crate) struct Scripted(pub(crate) VecDeque<Step>);

impl http_body::Body for Scripted {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(match self.0.pop_front() {
            None => None,
            Some(Step::Data(s)) => Some(Ok(Frame::data(Bytes::from_static(s.as_bytes())))),
            Some(Step::Fail(s)) => Some(Err(s.into())),
            Some(Step::Panic(s)) => panic!("{s}"),
        })
    }
}

fn scripted(
    steps: Vec<Step>,
) -> impl Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible> + Clone
{
    let steps = Arc::new(Mutex::new(Some(steps)));
    app_fn(move |_req: http::Request<Body>| {
        let steps = steps.lock().unwrap().take().unwrap_or_default();
        async move { Response::text(Body::new(Scripted(steps.into()))) }
    })
}

/// A service whose `call` itself panics.
#[derive(Clone)]
struct PanicsInCall;

impl Service<http::Request<Body>> for PanicsInCall {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<Body>) -> Self::Future {
        panic!("boom in call")
    }
}

/// Keeps every report it gets.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<ErrorReport>>>);

impl Reporter for Recorder {
    fn report(&self, report: &ErrorReport) -> Result<(), BoxError> {
        self.0.lock().unwrap().push(report.clone());
        Ok(())
    }
}

impl Recorder {
    fn take(&self) -> Vec<ErrorReport> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn failing_app(
) -> impl Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible> + Clone
{
    app_fn(|_req: http::Request<Body>| async {
        if true {
            panic!("boom <b>from</b> the fail controller");
        }
        Response::text("unreachable")
    })
}

#[tokio::test]
async fn panic_in_call_gives_500() {
    let recorder = Recorder::default();
    let layer = ErrorCatcherLayer::new()
        .debug(true)
        .reporter(recorder.clone());
    let res = TestClient::new(layer.layer(PanicsInCall))
        .get("/")
        .send()
        .await;
    res.assert_status(500).assert_body_contains("boom in call");
    let reports = recorder.take();
    assert_eq!(reports[0].kind, ErrorKind::PanicInCall);
    assert_eq!(res.header("x-error-id"), Some(reports[0].id.as_str()));
}

#[tokio::test]
async fn panic_in_response_future_gives_500_with_its_location() {
    let recorder = Recorder::default();
    let layer = ErrorCatcherLayer::new()
        .debug(true)
        .reporter(recorder.clone());
    let res = TestClient::new(layer.layer(failing_app()))
        .get("/fail")
        .send()
        .await;
    res.assert_status(500)
        .assert_header("content-type", "text/html; charset=utf-8")
        .assert_body_contains("boom &lt;b&gt;from&lt;/b&gt; the fail controller")
        .assert_body_lacks("<b>from</b>")
        .assert_body_contains("catch/tests.rs");
    let report = &recorder.take()[0];
    assert_eq!(report.kind, ErrorKind::PanicInFuture);
    assert!(report
        .location
        .as_ref()
        .unwrap()
        .file
        .ends_with("catch/tests.rs"));
}

#[tokio::test]
async fn panic_in_body_before_the_first_chunk_gives_500() {
    let recorder = Recorder::default();
    let layer = ErrorCatcherLayer::new()
        .debug(true)
        .reporter(recorder.clone());
    let app = layer.layer(scripted(vec![Step::Panic("boom in body")]));
    TestClient::new(app)
        .get("/")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("boom in body");
    let report = &recorder.take()[0];
    assert_eq!(
        (report.kind, report.after_headers),
        (ErrorKind::PanicInBody, false)
    );
}

#[tokio::test]
async fn error_frame_before_the_first_chunk_gives_500() {
    let layer = ErrorCatcherLayer::new().debug(true);
    let app = layer.layer(scripted(vec![Step::Fail("disk gone")]));
    TestClient::new(app)
        .get("/")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("error from the response body")
        .assert_body_contains("disk gone");
}

#[derive(Debug)]
struct DbError;
impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("database unreachable")
    }
}
impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        None
    }
}

#[tokio::test]
async fn err_from_the_service_gives_500_naming_the_error_type() {
    let app = tower::service_fn(|_req: http::Request<Body>| async {
        Err::<http::Response<Body>, _>(DbError)
    });
    let app = ErrorCatcherLayer::new().debug(true).layer(app);
    TestClient::new(app)
        .get("/")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("database unreachable")
        .assert_body_contains("DbError");
}

#[tokio::test]
async fn poll_ready_error_is_answered_by_the_next_call() {
    #[derive(Clone)]
    struct NeverReady;
    impl Service<http::Request<Body>> for NeverReady {
        type Response = http::Response<Body>;
        type Error = BoxError;
        type Future = std::future::Ready<Result<http::Response<Body>, BoxError>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Err("pool closed".into()))
        }
        fn call(&mut self, _: http::Request<Body>) -> Self::Future {
            unreachable!("call after a failed poll_ready")
        }
    }
    let app = ErrorCatcherLayer::new().debug(true).layer(NeverReady);
    TestClient::new(app)
        .get("/")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("pool closed");
}

#[tokio::test]
async fn failure_after_the_first_chunk_aborts_the_body_and_is_reported() {
    for last in [Step::Fail("late failure"), Step::Panic("late panic")] {
        let recorder = Recorder::default();
        let layer = ErrorCatcherLayer::new()
            .debug(true)
            .reporter(recorder.clone());
        let app = layer.layer(scripted(vec![Step::Data("partial"), last]));
        let err = TestClient::new(app).get("/").try_send().await.unwrap_err();
        assert!(
            err.to_string().contains("after its headers were sent"),
            "{err}"
        );
        let report = &recorder.take()[0];
        assert!(report.after_headers);
        assert!(err.to_string().contains(report.id.as_str()));
    }
}

#[tokio::test]
async fn without_waiting_for_the_first_frame_an_early_body_error_aborts() {
    let layer = ErrorCatcherLayer::new().wait_for_first_frame(false);
    let app = layer.layer(scripted(vec![Step::Fail("early")]));
    let err = TestClient::new(app).get("/").try_send().await.unwrap_err();
    assert!(
        err.to_string().contains("after its headers were sent"),
        "{err}"
    );
}

#[tokio::test]
async fn streams_pass_through_and_fixed_bodies_keep_their_length() {
    let app = ErrorCatcherLayer::new().layer(scripted(vec![
        Step::Data("Hello "),
        Step::Data(""),
        Step::Data("World!"),
    ]));
    TestClient::new(app)
        .get("/")
        .send()
        .await
        .assert_status(200)
        .assert_body("Hello World!");

    let mut app = ErrorCatcherLayer::new()
        .layer(app_fn(|_req: http::Request<Body>| async { "Hello World!" }));
    let res = tower::ServiceExt::ready(&mut app)
        .await
        .unwrap()
        .call(http::Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(http_body::Body::size_hint(res.body()).exact(), Some(12));
}

/// A fixed body goes out as the same fixed body, waited for or not: nothing
/// wraps it. A boxed one, even one holding the same bytes, is still watched
/// either way.
#[tokio::test]
async fn a_fixed_body_passes_through_unwrapped() {
    for wait in [true, false] {
        let mut app = ErrorCatcherLayer::new()
            .wait_for_first_frame(wait)
            .layer(app_fn(|req: http::Request<Body>| async move {
                match req.uri().path() {
                    "/fixed" => Response::text("Hello World!"),
                    "/empty" => Response::text(Body::empty()),
                    _ => Response::text(Body::new(Scripted([Step::Data("Hello World!")].into()))),
                }
            }));
        for (path, fixed) in [("/fixed", Some("Hello World!")), ("/empty", Some(""))] {
            let res = tower::ServiceExt::ready(&mut app)
                .await
                .unwrap()
                .call(http::Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let bytes = res.body().as_bytes().map(|b| &b[..]);
            assert_eq!(bytes, fixed.map(str::as_bytes), "{path}, wait {wait}");
        }
        let res = tower::ServiceExt::ready(&mut app)
            .await
            .unwrap()
            .call(http::Request::get("/boxed").body(Body::empty()).unwrap())
            .await
            .unwrap();
        // It cannot say that it ends after its one frame, so it stays boxed
        // inside the catcher's body either way.
        assert!(res.body().as_bytes().is_none(), "boxed, wait {wait}");
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap();
        assert_eq!(body.to_bytes(), "Hello World!");
    }
}

/// What a client gets: the status, the headers, the exact length the body
/// announces, and its bytes.
async fn answer<S>(service: S) -> (http::StatusCode, http::HeaderMap, Option<u64>, Bytes)
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
{
    let res = tower::ServiceExt::oneshot(service, http::Request::new(Body::empty()))
        .await
        .unwrap();
    let exact = http_body::Body::size_hint(res.body()).exact();
    let (parts, body) = res.into_parts();
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .unwrap()
        .to_bytes();
    (parts.status, parts.headers, exact, bytes)
}

proptest::proptest! {
    /// A fixed body passed on untouched answers what the same bytes in a boxed
    /// body answer once the catcher has read or watched them: the same status,
    /// headers, length and bytes, whether the catcher waits for the first frame
    /// or not, and whether it serves the error documents or not.
    #[test]
    fn a_fixed_body_answers_as_a_watched_one(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        status in proptest::sample::select(vec![200_u16, 201, 204, 404, 500, 503]),
        wait in proptest::prelude::any::<bool>(),
        documents in proptest::prelude::any::<bool>(),
    ) {
        let app = |fixed: bool| {
            let bytes = Bytes::from(bytes.clone());
            app_fn(move |_req: http::Request<Body>| {
                let bytes = bytes.clone();
                async move {
                    let body = if fixed {
                        Body::from(bytes)
                    } else {
                        Body::new(http_body_util::Full::new(bytes))
                    };
                    Response::text(body)
                        .with_status(http::StatusCode::from_u16(status).unwrap())
                }
            })
        };
        let mut layer = ErrorCatcherLayer::new().wait_for_first_frame(wait);
        if documents {
            layer = layer.error_documents(crate::ErrorDocumentsLayer::new());
        }
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (fixed, watched) = runtime.block_on(async {
            (
                answer(layer.layer(app(true))).await,
                answer(layer.layer(app(false))).await,
            )
        });
        proptest::prop_assert_eq!(fixed, watched);
    }
}

#[tokio::test]
async fn production_pages_never_contain_the_message_in_any_format() {
    let recorder = Recorder::default();
    let layer = ErrorCatcherLayer::new().reporter(recorder.clone());
    let client = TestClient::new(layer.layer(failing_app()));
    for (accept, content_type) in [
        ("text/html", "text/html; charset=utf-8"),
        ("application/json", "application/problem+json"),
        ("text/plain", "text/plain; charset=utf-8"),
    ] {
        let res = client.get("/fail").header("accept", accept).send().await;
        res.assert_status(500)
            .assert_header("content-type", content_type)
            .assert_body_lacks("boom")
            .assert_body_lacks("fail controller")
            .assert_body_lacks("tests.rs")
            .assert_body_lacks("panic");
        let id = res.header("x-error-id").unwrap().to_owned();
        res.assert_body_contains(&id);
        if accept == "application/json" {
            // RFC 9457 problem details, the error id as an extension member.
            let json: serde_json::Value = serde_json::from_slice(res.bytes()).unwrap();
            assert_eq!(json["status"], 500);
            assert_eq!(json["title"], "Internal Server Error");
            assert_eq!(json["type"], "about:blank");
            assert_eq!(json["error_id"], id.as_str());
        }
        let report = recorder.take().pop().unwrap();
        assert_eq!(report.id.as_str(), id, "the log and the page share the id");
        assert!(
            report.message.contains("boom"),
            "the report has the message"
        );
    }
}

#[tokio::test]
async fn debug_page_redacts_secrets_and_shows_request_and_environ() {
    let layer = ErrorCatcherLayer::new().debug(true);
    let client = TestClient::new(layer.layer(failing_app()));
    let mut env = Environ::new();
    env.insert(EnvironKey::new("test.hello").unwrap(), "Hello World");
    env.insert(
        EnvironKey::new("beaker.session.secret").unwrap(),
        "environ-secret",
    );
    let res = client
        .get("/fail?page=2&token=query-secret")
        .header("cookie", "sid=cookie-secret")
        .header("authorization", "Bearer auth-secret")
        .header("proxy-authorization", "Basic proxy-secret")
        .header("x-api-key", "api-secret")
        .header("user-agent", "test-agent")
        .extension(env)
        .send()
        .await;
    res.assert_status(500)
        .assert_body_contains("test-agent")
        .assert_body_contains("test.hello")
        .assert_body_contains("Hello World")
        .assert_body_contains("page=2")
        .assert_body_contains("[redacted]");
    for secret in [
        "cookie-secret",
        "auth-secret",
        "proxy-secret",
        "api-secret",
        "query-secret",
        "environ-secret",
    ] {
        res.assert_body_lacks(secret);
    }
}

#[tokio::test]
async fn debug_page_shows_the_source_lines_and_the_backtrace() {
    let layer = ErrorCatcherLayer::new().debug(true);
    let res = TestClient::new(layer.layer(failing_app()))
        .get("/")
        .send()
        .await;
    // The excerpt around the panic, escaped, from this very file.
    res.assert_body_contains(
        "panic!(&quot;boom &lt;b&gt;from&lt;/b&gt; the fail controller&quot;);",
    )
    .assert_body_contains("class=\"hit\"")
    .assert_body_contains("Backtrace")
    .assert_body_contains("library frame");
}

#[tokio::test]
async fn debug_answers_json_and_plain_text_when_preferred() {
    let layer = ErrorCatcherLayer::new().debug(true);
    let client = TestClient::new(layer.layer(failing_app()));
    let res = client
        .get("/")
        .header("accept", "application/json")
        .header("cookie", "sid=cookie-secret")
        .send()
        .await;
    res.assert_header("content-type", "application/problem+json")
        .assert_body_lacks("cookie-secret");
    let json: serde_json::Value = serde_json::from_slice(res.bytes()).unwrap();
    assert_eq!(
        (json["status"].as_u64(), json["title"].as_str()),
        (Some(500), Some("Internal Server Error"))
    );
    assert_eq!(json["message"], "boom <b>from</b> the fail controller");
    assert_eq!(json["kind"], "panic_in_future");
    assert!(json["frames"].as_array().is_some());

    let res = client.get("/").header("accept", "text/plain").send().await;
    res.assert_header("content-type", "text/plain; charset=utf-8")
        .assert_body_contains("panic: boom <b>from</b> the fail controller");
}

#[derive(Clone)]
struct Failing;
impl Reporter for Failing {
    fn report(&self, _: &ErrorReport) -> Result<(), BoxError> {
        Err("mail server down".into())
    }
}
#[derive(Clone)]
struct Panicking;
impl Reporter for Panicking {
    fn report(&self, _: &ErrorReport) -> Result<(), BoxError> {
        panic!("reporter exploded")
    }
}

#[tokio::test]
async fn failing_or_panicking_reporters_cannot_break_the_response() {
    let recorder = Recorder::default();
    let layer = ErrorCatcherLayer::new()
        .reporter(Failing)
        .reporter(Panicking)
        .reporter(recorder.clone());
    let client = TestClient::new(layer.layer(failing_app()));
    client
        .get("/")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("Internal Server Error");
    assert_eq!(recorder.take().len(), 1, "later reporters still run");
    // After the headers, too.
    let layer = ErrorCatcherLayer::new()
        .reporter(Panicking)
        .reporter(Failing);
    let app = layer.layer(scripted(vec![Step::Data("partial"), Step::Fail("late")]));
    let err = TestClient::new(app).get("/").try_send().await.unwrap_err();
    assert!(err.to_string().contains("after its headers"));
}

#[tokio::test]
async fn production_reports_leave_out_headers_unless_asked() {
    for (details, expect_headers) in [(None, false), (Some(true), true)] {
        let recorder = Recorder::default();
        let mut layer = ErrorCatcherLayer::new().reporter(recorder.clone());
        if let Some(details) = details {
            layer = layer.report_request_details(details);
        }
        TestClient::new(layer.layer(failing_app()))
            .get("/fail?token=t")
            .header("cookie", "sid=cookie-secret")
            .header("user-agent", "agent")
            .send()
            .await
            .assert_status(500);
        let report = recorder.take().pop().unwrap();
        assert_eq!(report.request.uri, "/fail?token=[redacted]");
        assert_eq!(
            !report.request.headers.is_empty(),
            expect_headers,
            "{details:?}"
        );
        if expect_headers {
            assert!(report
                .request
                .headers
                .contains(&("cookie".to_owned(), "[redacted]".to_owned())));
        }
    }
}

#[tokio::test]
async fn debug_mode_can_turn_request_details_off() {
    let layer = ErrorCatcherLayer::new()
        .report_request_details(false)
        .debug(true);
    TestClient::new(layer.layer(failing_app()))
        .get("/")
        .header("user-agent", "agent-in-header")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("boom")
        .assert_body_lacks("agent-in-header");
}

#[tokio::test]
async fn the_debug_page_says_why_environ_keys_set_inside_it_are_missing() {
    let client = TestClient::new(ErrorCatcherLayer::new().debug(true).layer(failing_app()));
    client
        .get("/")
        .send()
        .await
        .assert_status(500)
        .assert_body_contains("key-adder sits inside the catcher in the usual stack");
    client
        .get("/")
        .header("accept", "text/plain")
        .send()
        .await
        .assert_body_contains(
            "\nenviron:\n  No environ keys were set when the request reached the error catcher.",
        );
}
