use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body, BoxError, Response};
use http::header::{self, HeaderValue};
use http::StatusCode;
use tower_layer::Layer;
use tower_service::Service;

use super::rules::OPT_OUT_HEADER;
use super::{ErrorDocumentRequest, ErrorDocuments, ErrorDocumentsLayer, NoErrorDocument};
use crate::catch::tests::{Scripted, Step};
use crate::ErrorCatcherLayer;

/// An app that answers with the status in the path (`/404`), with some headers.
#[derive(Clone)]
struct StatusApp;

impl Service<http::Request<Body>> for StatusApp {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let code: u16 = req.uri().path()[1..].parse().unwrap_or(200);
        let status = StatusCode::from_u16(code).unwrap();
        let mut res = Response::text("original body")
            .with_status(status)
            .header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"app\""),
            )
            .header(header::ALLOW, HeaderValue::from_static("GET, HEAD"))
            .header(header::LOCATION, HeaderValue::from_static("/elsewhere"))
            .header(header::RETRY_AFTER, HeaderValue::from_static("120"))
            .header(header::SET_COOKIE, HeaderValue::from_static("original=1"))
            .into_http();
        if req.uri().query() == Some("opt-out=header") {
            res.headers_mut()
                .insert(OPT_OUT_HEADER, HeaderValue::from_static("1"));
        }
        if req.uri().query() == Some("opt-out=extension") {
            res.extensions_mut().insert(NoErrorDocument);
        }
        std::future::ready(Ok(res))
    }
}

fn status_app() -> StatusApp {
    StatusApp
}

type Boxed = tower::util::BoxCloneSyncService<http::Request<Body>, http::Response<Body>, BoxError>;

fn boxed<S, B>(service: S) -> Boxed
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    use tower::ServiceExt;
    Boxed::new(
        service
            .map_response(|res: http::Response<B>| res.map(Body::new))
            .map_err(Into::into),
    )
}

/// The two ways to serve documents, which must answer alike: the documents layer
/// outside the catcher (as in the Pylons template), and the catcher serving them
/// itself (`ErrorCatcherLayer::error_documents`).
fn both_services<P, PB, S, B>(
    catcher: ErrorCatcherLayer,
    documents: ErrorDocumentsLayer<P>,
    app: S,
) -> [Boxed; 2]
where
    P: Service<http::Request<Body>, Response = http::Response<PB>> + Clone + Send + Sync + 'static,
    P::Future: Send + 'static,
    P::Error: Into<BoxError>,
    PB: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    PB::Error: Into<BoxError>,
    S: Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = bytes::Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    let separate = documents.clone().layer(catcher.clone().layer(app.clone()));
    let in_catcher = catcher.error_documents(documents).layer(app);
    [boxed(separate), boxed(in_catcher)]
}

/// [`both_services`], each in a test client and named.
fn forms(services: [Boxed; 2]) -> [(&'static str, TestClient<Boxed>); 2] {
    let [separate, in_catcher] = services;
    [
        ("separate layers", TestClient::new(separate)),
        ("in the catcher", TestClient::new(in_catcher)),
    ]
}

/// Both forms with the default catcher and documents around [`StatusApp`].
fn default_forms() -> [(&'static str, TestClient<Boxed>); 2] {
    forms(both_services(
        ErrorCatcherLayer::new(),
        ErrorDocumentsLayer::new(),
        status_app(),
    ))
}

#[tokio::test]
async fn configured_statuses_get_the_page_and_keep_their_status() {
    for (form, client) in default_forms() {
        for code in [400, 401, 403, 404, 500] {
            let res = client.get(&format!("/{code}")).send().await;
            res.assert_status(code)
                .assert_header("content-type", "text/html; charset=utf-8")
                .assert_body_contains(&format!("Error {code}"))
                .assert_body_lacks("original body");
            assert_eq!(
                res.header("content-length"),
                Some(res.bytes().len().to_string().as_str()),
                "{form}"
            );
        }
    }
}

#[tokio::test]
async fn the_documents_layer_alone_serves_documents() {
    let client = TestClient::new(ErrorDocuments::new(status_app()));
    client
        .get("/404")
        .send()
        .await
        .assert_status(404)
        .assert_body_contains("Error 404");
    client.get("/200").send().await.assert_body("original body");
}

#[tokio::test]
async fn other_statuses_pass_through_untouched() {
    for (_, client) in default_forms() {
        for code in [200, 405, 418, 503] {
            client
                .get(&format!("/{code}"))
                .send()
                .await
                .assert_status(code)
                .assert_body("original body");
        }
    }
}

#[tokio::test]
async fn headers_are_merged_so_challenge_allow_location_retry_after_and_cookies_survive() {
    let page = app_fn(|_req: http::Request<Body>| async {
        Response::html("custom page")
            .header(header::SET_COOKIE, HeaderValue::from_static("page=2"))
            .header(header::ALLOW, HeaderValue::from_static("POST"))
    });
    let documents = ErrorDocumentsLayer::new()
        .status(StatusCode::METHOD_NOT_ALLOWED)
        .page_service(page);
    for (form, client) in forms(both_services(
        ErrorCatcherLayer::new(),
        documents,
        status_app(),
    )) {
        for code in [401, 405] {
            let res = client.get(&format!("/{code}")).send().await;
            res.assert_status(code)
                .assert_body("custom page")
                .assert_header("www-authenticate", "Basic realm=\"app\"")
                .assert_header("allow", "GET, HEAD")
                .assert_header("location", "/elsewhere")
                .assert_header("retry-after", "120")
                .assert_header("content-type", "text/html; charset=utf-8")
                .assert_header("content-length", "11");
            let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
            assert_eq!(cookies, ["original=1", "page=2"], "{form}");
        }
    }
}

#[tokio::test]
async fn a_response_can_opt_out_and_the_opt_out_header_is_never_sent() {
    for (_, client) in default_forms() {
        for how in ["header", "extension"] {
            client
                .get(&format!("/404?opt-out={how}"))
                .send()
                .await
                .assert_status(404)
                .assert_body("original body")
                .assert_no_header("x-no-error-document");
        }
        client
            .get("/200?opt-out=header")
            .send()
            .await
            .assert_body("original body")
            .assert_no_header("x-no-error-document");
    }
}

#[tokio::test]
async fn head_gets_the_headers_only() {
    for (_, client) in default_forms() {
        let get = client.get("/404").send().await;
        let head = client.head("/404").send().await;
        head.assert_status(404)
            .assert_body("")
            .assert_header("content-type", "text/html; charset=utf-8")
            .assert_header("content-length", get.header("content-length").unwrap());
    }
}

#[tokio::test]
async fn a_custom_page_service_gets_the_code_and_the_original_request() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in_page = seen.clone();
    let page = app_fn(move |req: http::Request<Body>| {
        let about = req
            .extensions()
            .get::<ErrorDocumentRequest>()
            .cloned()
            .unwrap();
        seen_in_page
            .lock()
            .unwrap()
            .push((req.method().clone(), req.uri().to_string(), about));
        async { Response::html("from the error controller") }
    });
    let documents = ErrorDocumentsLayer::new()
        .document_path("/errors/show")
        .unwrap()
        .page_service(page);
    for (form, client) in forms(both_services(
        ErrorCatcherLayer::new(),
        documents,
        status_app(),
    )) {
        client
            .post("/403?x=1")
            .send()
            .await
            .assert_status(403)
            .assert_body("from the error controller");
        let (method, uri, about) = seen.lock().unwrap().pop().unwrap();
        assert_eq!(
            (method, uri.as_str()),
            (http::Method::GET, "/errors/show?code=403"),
            "{form}"
        );
        assert_eq!(about.status, StatusCode::FORBIDDEN);
        assert_eq!(about.original_method, http::Method::POST);
        assert_eq!(about.original_uri, "/403?x=1");
        assert_eq!(about.error_id, None);
    }
}

#[tokio::test]
async fn documents_follow_accept_json_text_and_html_with_protective_headers() {
    for (form, client) in default_forms() {
        let json = client
            .get("/404")
            .header("accept", "application/json")
            .send()
            .await;
        json.assert_status(404)
            .assert_header("content-type", "application/problem+json")
            .assert_header("x-content-type-options", "nosniff");
        let problem: serde_json::Value = serde_json::from_slice(json.bytes()).unwrap();
        assert_eq!(problem["status"], 404, "{form}");
        assert_eq!(problem["title"], "Not Found", "{form}");
        assert_eq!(problem["type"], "about:blank", "{form}");

        client
            .get("/404")
            .header("accept", "text/plain")
            .send()
            .await
            .assert_status(404)
            .assert_header("content-type", "text/plain; charset=utf-8")
            .assert_body_contains("404 Not Found\n");

        let html = client
            .get("/404")
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await;
        html.assert_status(404)
            .assert_header("content-type", "text/html; charset=utf-8")
            .assert_header("x-content-type-options", "nosniff")
            .assert_header(
                "content-security-policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            )
            .assert_body_contains("<title>404 Not Found</title>");
    }
}

#[tokio::test]
async fn a_caught_500_is_problem_json_with_the_error_id_for_a_json_client() {
    crate::install_panic_hook();
    let panics = app_fn(|_req: http::Request<Body>| async {
        if true {
            panic!("secret failure detail");
        }
        "unreachable"
    });
    for (form, client) in forms(both_services(
        ErrorCatcherLayer::new(),
        ErrorDocumentsLayer::new(),
        panics,
    )) {
        let res = client
            .get("/")
            .header("accept", "application/json")
            .send()
            .await;
        res.assert_status(500)
            .assert_header("content-type", "application/problem+json")
            .assert_body_lacks("secret failure detail");
        let id = res.header("x-error-id").expect(form);
        let problem: serde_json::Value = serde_json::from_slice(res.bytes()).unwrap();
        assert_eq!(problem["error_id"], id, "{form}");
        assert_eq!(problem["status"], 500, "{form}");
    }
}

#[tokio::test]
async fn a_pattern_path_names_the_status_and_an_html_page_is_not_sent_to_a_json_client() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in_page = seen.clone();
    let page = app_fn(move |req: http::Request<Body>| {
        seen_in_page
            .lock()
            .unwrap()
            .push((req.uri().to_string(), req.headers().get("accept").cloned()));
        async { Response::html("<h1>our own 404 page</h1>") }
    });
    let documents = ErrorDocumentsLayer::new()
        .document_path("/errors/{status}.html")
        .unwrap()
        .page_service(page);
    for (form, client) in forms(both_services(
        ErrorCatcherLayer::new(),
        documents,
        status_app(),
    )) {
        client
            .get("/404")
            .send()
            .await
            .assert_status(404)
            .assert_body("<h1>our own 404 page</h1>");
        let (uri, _) = seen.lock().unwrap().pop().unwrap();
        assert_eq!(uri, "/errors/404.html?code=404", "{form}");

        let json = client
            .get("/404")
            .header("accept", "application/json")
            .send()
            .await;
        json.assert_status(404)
            .assert_header("content-type", "application/problem+json")
            .assert_body_lacks("our own 404 page");
        let (_, accept) = seen.lock().unwrap().pop().unwrap();
        assert_eq!(
            accept.unwrap(),
            "application/json",
            "{form}: the page sees Accept"
        );
    }
}

#[tokio::test]
async fn a_failing_page_gives_a_plain_text_fallback() {
    #[derive(Clone)]
    enum Page {
        Err,
        Panic,
        Status,
        BodyError,
        TooBig,
    }
    impl Service<http::Request<Body>> for Page {
        type Response = http::Response<Body>;
        type Error = BoxError;
        type Future = std::future::Ready<Result<http::Response<Body>, BoxError>>;
        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), BoxError>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: http::Request<Body>) -> Self::Future {
            std::future::ready(match self {
                Page::Err => Err("template missing".into()),
                Page::Panic => panic!("page exploded"),
                Page::Status => Ok(Response::html("x")
                    .with_status(StatusCode::NOT_FOUND)
                    .into_http()),
                Page::BodyError => Ok(Response::html(Body::new(Scripted(
                    vec![Step::Data("<h1>"), Step::Fail("template broke")].into(),
                )))
                .into_http()),
                Page::TooBig => Ok(Response::html(vec![b'x'; 100_000]).into_http()),
            })
        }
    }
    crate::install_panic_hook();
    for page in [
        Page::Err,
        Page::Panic,
        Page::Status,
        Page::BodyError,
        Page::TooBig,
    ] {
        let documents = ErrorDocumentsLayer::new().page_service(page);
        for (_, client) in forms(both_services(
            ErrorCatcherLayer::new(),
            documents,
            status_app(),
        )) {
            client
                .get("/401")
                .send()
                .await
                .assert_status(401)
                .assert_header("content-type", "text/plain; charset=utf-8")
                .assert_header("www-authenticate", "Basic realm=\"app\"")
                .assert_body("401 Unauthorized\n");
        }
    }
}

#[tokio::test]
async fn the_app_itself_as_page_service_cannot_loop() {
    // Every page request 404s again; the marker extension stops the recursion.
    let pages = both_services(
        ErrorCatcherLayer::new(),
        ErrorDocumentsLayer::new(),
        status_app(),
    );
    for (form, page) in pages.into_iter().enumerate() {
        let documents = ErrorDocumentsLayer::new()
            .document_path("/404")
            .unwrap()
            .page_service(page);
        let [separate, in_catcher] =
            both_services(ErrorCatcherLayer::new(), documents, status_app());
        let app = if form == 0 { separate } else { in_catcher };
        TestClient::new(app)
            .get("/404")
            .send()
            .await
            .assert_status(404)
            .assert_body("404 Not Found\n");
    }
}

#[tokio::test]
async fn the_catchers_production_500_is_rendered_with_its_error_id() {
    crate::install_panic_hook();
    let panics = app_fn(|_req: http::Request<Body>| async {
        if true {
            panic!("secret failure detail");
        }
        "unreachable"
    });
    let fails_before_first_byte = app_fn(|_req: http::Request<Body>| async {
        Response::html(Body::new(Scripted(
            vec![Step::Fail("secret body failure")].into(),
        )))
    });
    for (form, client) in forms(both_services(
        ErrorCatcherLayer::new(),
        ErrorDocumentsLayer::new(),
        panics,
    )) {
        let res = client.get("/").send().await;
        res.assert_status(500)
            .assert_body_contains("500 Internal Server Error")
            .assert_body_lacks("secret failure detail");
        res.assert_body_contains(res.header("x-error-id").expect(form));
    }
    for (form, client) in forms(both_services(
        ErrorCatcherLayer::new(),
        ErrorDocumentsLayer::new(),
        fails_before_first_byte,
    )) {
        let res = client.head("/").send().await;
        res.assert_status(500).assert_body("");
        assert!(res.header("x-error-id").is_some(), "{form}");
    }
}

#[tokio::test]
async fn the_debug_page_is_not_replaced() {
    crate::install_panic_hook();
    let app = app_fn(|_req: http::Request<Body>| async {
        if true {
            panic!("shown in debug");
        }
        "unreachable"
    });
    let debug = ErrorCatcherLayer::new().debug(true);
    for (_, client) in forms(both_services(debug, ErrorDocumentsLayer::new(), app)) {
        client
            .get("/")
            .send()
            .await
            .assert_status(500)
            .assert_body_contains("shown in debug");
    }
}

#[tokio::test]
async fn an_inner_error_passes_through() {
    let app = tower::service_fn(|_req: http::Request<Body>| async {
        Err::<http::Response<Body>, BoxError>("inner failed".into())
    });
    let err = TestClient::new(ErrorDocuments::new(app))
        .get("/")
        .try_send()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "inner failed");
}
