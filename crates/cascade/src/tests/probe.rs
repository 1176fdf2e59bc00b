//! The fast path: members put in the cascade with `Probing`, through `Lint` and the
//! in-process client.

use std::pin::Pin;

use gw_core::{Probe, Probed};

use super::*;
use crate::Probing;

type BoxFuture =
    Pin<Box<dyn std::future::Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

/// A file server stand-in that implements `Probe`:
///
/// - `/hit`: answered at once, from memory;
/// - `/slow`: answered after a wait (a disk read);
/// - `/gone`: a 404 found only after a wait (a file deleted since the last scan);
/// - `/read4`: takes the body, reads 4 bytes of it after a wait, then 404s;
/// - `/caught`, `/wrong`: a 404, a 405, at once;
/// - `/stop`: a 404 with `x-cascade: stop`, at once;
/// - `/final`: a 404 with the `Final` extension, after a wait;
/// - anything else: `Miss`.
///
/// It counts its probes and its plain calls apart.
#[derive(Clone, Default)]
struct Files {
    probes: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
    not_ready_once: Arc<AtomicBool>,
}

impl Files {
    fn counts(&self) -> (usize, usize) {
        (
            self.probes.load(Ordering::SeqCst),
            self.calls.load(Ordering::SeqCst),
        )
    }

    fn answer(method: &Method, status: StatusCode, text: &'static str) -> http::Response<Body> {
        let res = Response::text(text).with_status(status).into_http();
        if method == Method::HEAD {
            let (mut parts, _) = res.into_parts();
            parts
                .headers
                .insert(http::header::CONTENT_LENGTH, HeaderValue::from(text.len()));
            return http::Response::from_parts(parts, Body::empty());
        }
        res
    }

    fn later(res: http::Response<Body>) -> BoxFuture {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok(res)
        })
    }
}

impl Service<http::Request<Body>> for Files {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        if self.not_ready_once.swap(false, Ordering::SeqCst) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: http::Request<Body>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.answer_for(&mut req) {
            Probed::Miss => Box::pin(ready(Ok(Files::answer(
                req.method(),
                StatusCode::NOT_FOUND,
                "not a file",
            )))),
            Probed::Ready(res) => Box::pin(ready(Ok(res))),
            Probed::Pending(fut) => fut,
        }
    }
}

impl Probe<http::Request<Body>> for Files {
    fn probe(&mut self, req: &mut http::Request<Body>) -> Probed<Self::Response, Self::Future> {
        self.probes.fetch_add(1, Ordering::SeqCst);
        self.answer_for(req)
    }
}

/// [`Files`] that never touches the body (`READS_BODY = false`), as a file
/// server: `/read4` is one more path it does not know.
#[derive(Clone, Default)]
struct Paths(Files);

impl Service<http::Request<Body>> for Paths {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        if req.uri().path() == "/read4" {
            let res = Files::answer(req.method(), StatusCode::NOT_FOUND, "not a file");
            return Box::pin(ready(Ok(res)));
        }
        self.0.call(req)
    }
}

impl Probe<http::Request<Body>> for Paths {
    const READS_BODY: bool = false;

    fn probe(&mut self, req: &mut http::Request<Body>) -> Probed<Self::Response, Self::Future> {
        if req.uri().path() == "/read4" {
            return Probed::Miss;
        }
        self.0.probe(req)
    }
}

impl Files {
    fn answer_for(&self, req: &mut http::Request<Body>) -> Probed<http::Response<Body>, BoxFuture> {
        let method = req.method().clone();
        match req.uri().path() {
            "/hit" => Probed::Ready(Files::answer(&method, StatusCode::OK, "file")),
            "/slow" => Probed::Pending(Files::later(Files::answer(
                &method,
                StatusCode::OK,
                "slow file",
            ))),
            "/gone" => Probed::Pending(Files::later(Files::answer(
                &method,
                StatusCode::NOT_FOUND,
                "gone",
            ))),
            "/read4" => {
                let mut body = std::mem::take(req.body_mut());
                Probed::Pending(Box::pin(async move {
                    let mut got = 0;
                    while got < 4 {
                        match body.frame().await {
                            Some(Ok(frame)) => got += frame.data_ref().map_or(0, Bytes::len),
                            _ => break,
                        }
                    }
                    Ok(StatusCode::NOT_FOUND.into_response())
                }))
            }
            "/caught" => Probed::Ready(Files::answer(&method, StatusCode::NOT_FOUND, "caught")),
            "/wrong" => Probed::Ready(Files::answer(
                &method,
                StatusCode::METHOD_NOT_ALLOWED,
                "wrong",
            )),
            "/stop" => {
                let mut res = Files::answer(&method, StatusCode::NOT_FOUND, "kept");
                res.headers_mut().insert(CASCADE_HEADER, STOP);
                Probed::Ready(res)
            }
            "/final" => {
                let mut res = Files::answer(&method, StatusCode::NOT_FOUND, "final");
                res.extensions_mut().insert(Final);
                Probed::Pending(Files::later(res))
            }
            _ => Probed::Miss,
        }
    }
}

#[tokio::test]
async fn a_probed_hit_is_answered_without_a_call_and_the_rest_is_not_reached() {
    let (files, app) = (Files::default(), fixed(200, "app"));
    let client = TestClient::new(cascade!(Probing(files.clone()), app.clone()));
    client
        .get("/hit")
        .send()
        .await
        .assert_status(200)
        .assert_body("file");
    assert_eq!(files.counts(), (1, 0));
    assert_eq!(app.calls(), 0);
}

#[tokio::test]
async fn a_probed_miss_hands_the_same_head_environ_and_body_to_the_next_member() {
    let log = Arc::default();
    let seen = Arc::new(Mutex::new(String::new()));
    let record = {
        let seen = seen.clone();
        let read = reader(&log, None, StatusCode::OK);
        app_fn(move |req: Req| {
            let env = Environ::of(&req)
                .and_then(|e| e.get("test.hello"))
                .unwrap_or("-")
                .to_owned();
            *seen.lock().unwrap() = format!(
                "{} {} {} {}",
                req.method(),
                req.uri(),
                req.headers()["x-in"].to_str().unwrap(),
                env
            );
            let mut read = read.clone();
            async move { read.call(req).await.unwrap() }
        })
    };
    let files = Files::default();
    let mut env = Environ::new();
    env.insert(EnvironKey::new("test.hello").unwrap(), "Hello World");
    TestClient::new(cascade!(Probing(files.clone()), record))
        .request(Method::PUT, "/nothing/here?x=1")
        .header("x-in", "abc")
        .extension(env)
        .body(Body::from_chunks(["one ", "two"]))
        .send()
        .await
        .assert_status(200)
        .assert_body("7");
    assert_eq!(
        *seen.lock().unwrap(),
        "PUT /nothing/here?x=1 abc Hello World"
    );
    assert_eq!(*log.lock().unwrap(), [b"one two".to_vec()]);
    assert_eq!(files.counts(), (1, 0));
}

#[tokio::test]
async fn a_probed_member_that_waits_then_answers_is_the_answer() {
    let (files, app) = (Files::default(), fixed(200, "app"));
    TestClient::new(cascade!(Probing(files.clone()), app.clone()))
        .get("/slow")
        .send()
        .await
        .assert_status(200)
        .assert_body("slow file");
    assert_eq!((files.counts(), app.calls()), ((1, 0), 0));
}

#[tokio::test]
async fn a_late_404_goes_on_to_the_next_member() {
    let (files, app) = (Files::default(), fixed(200, "app"));
    TestClient::new(cascade!(Probing(files.clone()), app.clone()))
        .get("/gone")
        .send()
        .await
        .assert_status(200)
        .assert_body("app");
    assert_eq!((files.counts(), app.calls()), ((1, 0), 1));
}

#[tokio::test]
async fn the_body_replays_byte_exact_after_a_probed_member_read_part_of_it() {
    let big = pattern(100 * 1024);
    for (body, expected) in [
        (
            Body::from_chunks(["ab", "cdef", "ghij"]),
            b"abcdefghij".to_vec(),
        ),
        (Body::from(big.clone()), big),
    ] {
        let log = Arc::default();
        TestClient::new(cascade!(
            Probing(Files::default()),
            reader(&log, None, StatusCode::OK)
        ))
        .post("/read4")
        .body(body)
        .send()
        .await
        .assert_status(200)
        .assert_body(expected.len().to_string());
        assert_eq!(*log.lock().unwrap(), [expected]);
    }
}

#[tokio::test]
async fn head_is_answered_by_a_probed_hit_and_falls_through_a_probed_miss() {
    let files = Files::default();
    let client = TestClient::new(cascade!(Probing(files.clone()), fixed(200, "app")));
    let res = client.head("/hit").send().await;
    res.assert_status(200).assert_header("content-length", "4");
    assert!(res.bytes().is_empty());
    let res = client.head("/elsewhere").send().await;
    res.assert_status(200).assert_header("x-member", "app");
    assert!(res.bytes().is_empty());
}

/// `/stop` (a 404 with `x-cascade: stop`, at once) and `/final` (a 404 with
/// `Final`, after a wait) are answers, and the header is stripped.
macro_rules! assert_stop_and_final_are_kept {
    ($client:expr) => {{
        $client
            .get("/stop")
            .send()
            .await
            .assert_status(404)
            .assert_body("kept")
            .assert_no_header("x-cascade");
        $client
            .get("/final")
            .send()
            .await
            .assert_status(404)
            .assert_body("final");
    }};
}

#[tokio::test]
async fn the_stop_header_and_final_are_honoured_on_both_probed_paths() {
    let app = fixed(200, "app");
    let client = TestClient::new(cascade!(Probing(Files::default()), app.clone()));
    assert_stop_and_final_are_kept!(client);
    assert_eq!(app.calls(), 0);
}

#[tokio::test]
async fn probed_members_chain_and_the_last_one_answers_its_own_404() {
    let (a, b, c) = (Files::default(), Files::default(), Files::default());
    TestClient::new(cascade!(
        Probing(a.clone()),
        Probing(b.clone()),
        Probing(c.clone())
    ))
    .get("/nowhere")
    .send()
    .await
    .assert_status(404)
    .assert_body("not a file");
    // The last member is called, not probed: its 404 is the answer.
    assert_eq!(
        (a.counts(), b.counts(), c.counts()),
        ((1, 0), (1, 0), (0, 1))
    );
}

#[tokio::test]
async fn without_404_in_the_catch_set_a_probed_member_is_called_and_its_404_sent() {
    let (files, app) = (Files::default(), fixed(200, "app"));
    TestClient::new(
        cascade!(Probing(files.clone()), app.clone()).catch(CatchSet::new([405]).unwrap()),
    )
    .get("/nowhere")
    .send()
    .await
    .assert_status(404)
    .assert_body("not a file");
    assert_eq!((files.counts(), app.calls()), ((0, 1), 0));
}

#[tokio::test]
async fn a_probed_member_not_ready_at_once_is_readied_and_called_the_plain_way() {
    let files = Files::default();
    files.not_ready_once.store(true, Ordering::SeqCst);
    let app = fixed(200, "app");
    let client = TestClient::new(cascade!(Probing(files.clone()), app.clone()));
    client.get("/hit").send().await.assert_body("file");
    assert_eq!(files.counts(), (0, 1));
    // Ready again: back on the fast path, and a plain-path miss still goes on.
    client.get("/nowhere").send().await.assert_body("app");
    assert_eq!((files.counts(), app.calls()), ((1, 1), 1));
}

/// Records what the member after a probed one received.
fn recorder<B>(
    seen: &Arc<Mutex<String>>,
) -> impl Service<
    http::Request<B>,
    Response = http::Response<Body>,
    Error = Infallible,
    Future = impl Send + 'static,
> + Clone
       + Send
       + Sync
       + 'static
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::fmt::Debug,
{
    let seen = seen.clone();
    app_fn(move |req: http::Request<B>| {
        let env = Environ::of(&req)
            .and_then(|e| e.get("test.hello"))
            .unwrap_or("-")
            .to_owned();
        let head = format!(
            "{} {} {} {}",
            req.method(),
            req.uri(),
            req.headers()["x-in"].to_str().unwrap(),
            env
        );
        let seen = seen.clone();
        async move {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            *seen.lock().unwrap() = format!("{head} body={}", body.len());
            "recorded"
        }
    })
}

#[tokio::test]
async fn a_request_without_a_body_is_lent_with_an_empty_body_and_a_miss_hands_it_on_whole() {
    let seen = Arc::new(Mutex::new(String::new()));
    let files = Files::default();
    let client = TestClient::new(cascade!(Probing(files.clone()), recorder(&seen)));
    for (path, probes) in [
        ("/nothing/here?x=1", 1),
        ("/gone?x=1", 2),
        ("/read4?x=1", 3),
    ] {
        let mut env = Environ::new();
        env.insert(EnvironKey::new("test.hello").unwrap(), "Hello World");
        client
            .get(path)
            .header("x-in", "abc")
            .extension(env)
            .send()
            .await
            .assert_status(200)
            .assert_body("recorded");
        // At once (Miss), after a wait (a late 404), and after the member took the
        // (empty) body: the next member gets the head, the environ and no body.
        assert_eq!(
            *seen.lock().unwrap(),
            format!("GET {path} abc Hello World body=0")
        );
        assert_eq!(files.counts(), (probes, 0));
    }
    // With a body, the member is lent a recording of it.
    client
        .post("/nothing/here?x=1")
        .header("x-in", "abc")
        .body("xyz")
        .send()
        .await
        .assert_body("recorded");
    assert_eq!(*seen.lock().unwrap(), "POST /nothing/here?x=1 abc - body=3");
    assert_eq!(files.counts(), (4, 0));
}

/// Refuses every readiness check, with an error.
#[derive(Clone)]
struct Refusing;

impl<B> Service<http::Request<B>> for Refusing {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Ready<Result<http::Response<Body>, BoxError>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Err("overloaded".into()))
    }
    fn call(&mut self, _: http::Request<B>) -> Self::Future {
        unreachable!("never ready")
    }
}

impl<B> Probe<http::Request<B>> for Refusing {
    fn probe(&mut self, _: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
        unreachable!("never ready")
    }
}

#[tokio::test]
async fn a_probed_member_that_fails_its_readiness_check_ends_the_cascade_unless_errors_are_misses()
{
    let app = tower::service_fn(|_req: Req| async { Ok::<_, BoxError>("app".into_response()) });
    for body in [Body::empty(), Body::from("with a body")] {
        let mut cascade = cascade!(Probing(Refusing), app);
        let req = http::Request::post("/").body(body).unwrap();
        let err = cascade.call(req).await.unwrap_err();
        assert_eq!(err.to_string(), "overloaded");
    }
    for body in [Body::empty(), Body::from("with a body")] {
        let client = TestClient::new(cascade!(Probing(Refusing), app).errors_as_misses(true));
        client.post("/").body(body).send().await.assert_body("app");
    }
}

/// The last member after probes that declined without reading: the request's
/// body is the client's own, not a replay of it, in both forms.
#[tokio::test]
async fn after_probes_that_declined_the_last_member_reads_the_clients_own_body() {
    type Own = http_body_util::Full<Bytes>;
    let last = || {
        app_fn(|req: Req| async move {
            let own = req.body().downcast_ref::<Own>().is_some();
            let bytes = req.into_body().collect().await.unwrap().to_bytes();
            format!("own body: {own}, {}", String::from_utf8_lossy(&bytes))
        })
    };
    let request = || {
        http::Request::post("/nowhere")
            .body(Body::new(Own::new(Bytes::from_static(b"payload"))))
            .unwrap()
    };
    let mut probed = cascade!(Probing(Files::default()), Probing(Paths::default()), last());
    let mut dynamic = Cascade::dynamic([
        gw_core::BoxApp::probing(Paths::default()),
        gw_core::BoxApp::probing(Files::default()),
        gw_core::BoxApp::new(last()),
    ])
    .unwrap();
    // Members that never touch the body are lent it with nothing recorded.
    let mut bodiless = cascade!(Probing(Paths::default()), Probing(Paths::default()), last());
    let answers = [
        probed.call(request()).await.unwrap().into_body(),
        dynamic.call(request()).await.unwrap().into_body(),
        bodiless.call(request()).await.unwrap().into_body(),
    ];
    for body in answers {
        let text = body.collect().await.unwrap().to_bytes();
        assert_eq!(text, "own body: true, payload");
    }
}

/// The dynamic form: members boxed with `BoxApp::probing`.
mod dynamic {
    use super::*;
    use gw_core::BoxApp;

    fn dynamic(members: impl IntoIterator<Item = BoxApp>) -> Cascade<crate::members::Dyn> {
        Cascade::dynamic(members).unwrap()
    }

    #[tokio::test]
    async fn a_probing_member_answers_a_get_without_a_call_and_the_rest_is_not_reached() {
        let (files, app) = (Files::default(), fixed(200, "app"));
        let client = TestClient::new(dynamic([
            BoxApp::probing(files.clone()),
            BoxApp::new(app.clone()),
        ]));
        client
            .get("/hit")
            .send()
            .await
            .assert_status(200)
            .assert_body("file");
        client.head("/hit").send().await.assert_status(200);
        client.get("/slow").send().await.assert_body("slow file");
        assert_eq!((files.counts(), app.calls()), ((3, 0), 0));
    }

    #[tokio::test]
    async fn misses_at_once_and_late_hand_the_whole_request_to_the_next_member() {
        let seen = Arc::new(Mutex::new(String::new()));
        let (a, b) = (Files::default(), Files::default());
        let client = TestClient::new(dynamic([
            BoxApp::probing(a.clone()),
            BoxApp::probing(b.clone()),
            BoxApp::new(recorder(&seen)),
        ]));
        for (n, path) in ["/nothing?x=1", "/gone?x=1"].into_iter().enumerate() {
            let mut env = Environ::new();
            env.insert(EnvironKey::new("test.hello").unwrap(), "Hello World");
            client
                .get(path)
                .header("x-in", "abc")
                .extension(env)
                .send()
                .await
                .assert_body("recorded");
            assert_eq!(
                *seen.lock().unwrap(),
                format!("GET {path} abc Hello World body=0")
            );
            assert_eq!((a.counts(), b.counts()), ((n + 1, 0), (n + 1, 0)));
        }
    }

    #[tokio::test]
    async fn a_request_with_a_body_is_probed_and_replayed_to_the_next_member() {
        let seen = Arc::new(Mutex::new(String::new()));
        let files = Files::default();
        let client = TestClient::new(dynamic([
            BoxApp::probing(files.clone()),
            BoxApp::new(recorder(&seen)),
        ]));
        client
            .post("/read4")
            .header("x-in", "abc")
            .body(Body::from_chunks(["ab", "cdef", "ghij"]))
            .send()
            .await
            .assert_body("recorded");
        // The member took the body and read four bytes of it in its future,
        // then answered 404: the next member still gets every byte.
        assert_eq!(*seen.lock().unwrap(), "POST /read4 abc - body=10");
        assert_eq!(files.counts(), (1, 0));
    }

    #[tokio::test]
    async fn stop_final_custom_catch_and_the_last_member_behave_as_in_the_static_form() {
        let app = fixed(200, "app");
        let files = Files::default();
        let client = TestClient::new(dynamic([
            BoxApp::probing(files.clone()),
            BoxApp::new(app.clone()),
        ]));
        assert_stop_and_final_are_kept!(client);
        assert_eq!(app.calls(), 0);
        // Without 404 in the catch set a miss must be a real 404: called, not probed.
        let client = TestClient::new(
            dynamic([BoxApp::probing(files.clone()), BoxApp::new(app.clone())])
                .catch(CatchSet::new([405]).unwrap()),
        );
        client
            .get("/nowhere")
            .send()
            .await
            .assert_status(404)
            .assert_body("not a file");
        // The last member is called, not probed: its 404 is the answer.
        let last = Files::default();
        TestClient::new(dynamic([
            BoxApp::probing(files.clone()),
            BoxApp::probing(last.clone()),
        ]))
        .get("/nowhere")
        .send()
        .await
        .assert_status(404)
        .assert_body("not a file");
        assert_eq!(last.counts(), (0, 1));
    }

    #[tokio::test]
    async fn a_member_not_ready_at_once_is_readied_and_called() {
        let files = Files::default();
        files.not_ready_once.store(true, Ordering::SeqCst);
        let app = fixed(200, "app");
        let client = TestClient::new(dynamic([
            BoxApp::probing(files.clone()),
            BoxApp::new(app.clone()),
        ]));
        client.get("/hit").send().await.assert_body("file");
        assert_eq!(files.counts(), (0, 1));
        client.get("/nowhere").send().await.assert_body("app");
        assert_eq!((files.counts(), app.calls()), ((1, 1), 1));
    }
}

/// The fast paths answer exactly what the plain path answers.
mod equivalence {
    use super::*;
    use gw_core::BoxApp;
    use proptest::prelude::*;

    /// Echoes what it got: method, URI, a header, and the body's bytes.
    fn echo<B>() -> impl Service<
        http::Request<B>,
        Response = http::Response<Body>,
        Error = Infallible,
        Future = impl Send + 'static,
    > + Clone
           + Send
           + Sync
           + 'static
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: std::fmt::Debug,
    {
        app_fn(|req: http::Request<B>| async move {
            let head = format!(
                "{} {} {:?}|",
                req.method(),
                req.uri(),
                req.headers().get("x-in")
            );
            let is_head = req.method() == Method::HEAD;
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let mut out = head.into_bytes();
            out.extend_from_slice(&body);
            if is_head {
                // A HEAD answer has no body: what was seen goes in a header.
                let seen = HeaderValue::from_bytes(&out).unwrap_or(HeaderValue::from_static("?"));
                let mut res = http::Response::new(Body::empty());
                res.headers_mut().insert("x-echo", seen);
                return res;
            }
            http::Response::new(Body::from(out))
        })
    }

    /// What a client sees of a response.
    fn seen(res: &gw_core::test_client::TestResponse) -> (u16, Vec<(String, String)>, Bytes) {
        let mut headers: Vec<_> = res
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_owned()))
            .collect();
        headers.sort();
        (res.status().as_u16(), headers, res.bytes().clone())
    }

    fn method() -> impl Strategy<Value = Method> {
        prop::sample::select(vec![
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
        ])
    }

    fn path() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "/hit", "/slow", "/gone", "/caught", "/wrong", "/stop", "/final", "/read4", "/nowhere",
            "/",
        ])
    }

    fn catch() -> impl Strategy<Value = CatchSet> {
        prop::sample::select(vec![
            CatchSet::NOT_FOUND,
            CatchSet::RACK,
            CatchSet::new([405]).unwrap(),
            CatchSet::new([404, 500]).unwrap(),
        ])
    }

    /// A body as chunks, or none at all.
    fn body() -> impl Strategy<Value = Option<Vec<Vec<u8>>>> {
        prop::option::of(prop::collection::vec(
            prop::collection::vec(any::<u8>(), 0..40),
            0..5,
        ))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn probed_and_dynamic_cascades_answer_what_the_plain_cascade_answers(
            method in method(),
            path in path(),
            catch in catch(),
            header in prop::option::of("[a-z]{0,8}"),
            chunks in body(),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let answers = rt.block_on(async {
                let mut answers = Vec::new();
                macro_rules! ask {
                    ($client:expr) => {{
                        let mut req = $client.request(method.clone(), path);
                        if let Some(value) = &header {
                            req = req.header("x-in", value);
                        }
                        if let Some(chunks) = &chunks {
                            req = req.body(Body::from_chunks(chunks.clone()));
                        }
                        answers.push(seen(&req.send().await));
                    }};
                }
                // The member in the plain, the probed and the dynamic form, in
                // that order.
                macro_rules! ask_each_form {
                    ($member:expr) => {{
                        let plain = TestClient::new(cascade!($member, echo()).catch(catch));
                        let probed =
                            TestClient::new(cascade!(Probing($member), echo()).catch(catch));
                        let dynamic = TestClient::new(
                            Cascade::dynamic([BoxApp::probing($member), BoxApp::new(echo())])
                                .unwrap()
                                .catch(catch),
                        );
                        ask!(plain);
                        ask!(probed);
                        ask!(dynamic);
                    }};
                }
                ask_each_form!(Files::default());
                // A member that never touches the body: lent it with nothing recorded.
                ask_each_form!(Paths::default());
                answers
            });
            prop_assert_eq!(&answers[1], &answers[0], "probed vs plain");
            prop_assert_eq!(&answers[2], &answers[0], "dynamic vs plain");
            prop_assert_eq!(&answers[4], &answers[3], "bodiless probed vs plain");
            prop_assert_eq!(&answers[5], &answers[3], "bodiless dynamic vs plain");
        }
    }
}

/// Answers every probe at once with a caught 404 whose body records its drop.
#[derive(Clone)]
struct CaughtAtOnce {
    dropped: Arc<AtomicBool>,
}

impl<B> Service<http::Request<B>> for CaughtAtOnce {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: http::Request<B>) -> Self::Future {
        unreachable!("a probed member that is ready is never called")
    }
}

impl<B> Probe<http::Request<B>> for CaughtAtOnce {
    fn probe(&mut self, _req: &mut http::Request<B>) -> Probed<Self::Response, Self::Future> {
        let mut res = http::Response::new(Body::new(DropFlag {
            dropped: self.dropped.clone(),
        }));
        *res.status_mut() = StatusCode::NOT_FOUND;
        Probed::Ready(res)
    }
}

#[tokio::test]
async fn a_caught_probed_answer_is_dropped_before_the_next_member_is_called() {
    let dropped = Arc::new(AtomicBool::new(false));
    let next = reports_drop(dropped.clone());
    let caught = CaughtAtOnce {
        dropped: dropped.clone(),
    };
    TestClient::new(cascade!(Probing(caught), next))
        .get("/")
        .send()
        .await
        .assert_status(200)
        .assert_body("dropped");
}
