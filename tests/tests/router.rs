//! controller-router meeting axum and hyper: an axum Router as a controller and as
//! a mount, the router inside axum, and the router fed hyper's `Incoming` over a
//! real socket.

use std::convert::Infallible;
use std::time::Duration;

use axum::routing::get;
use gw_controller_router::{Actions, Mapper, Mount, Route, Router, Urls};
use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn axum_app() -> axum::Router {
    axum::Router::new()
        .route(
            "/api/users/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<String>| async move {
                    format!("axum user {id}")
                },
            ),
        )
        .route("/users/{id}", get(|| async { "axum mounted" }))
}

fn router() -> Router {
    let mapper = Mapper::new()
        .route(Route::new("/api/{*rest}").default("controller", "api"))
        .unwrap()
        .default_routes()
        .unwrap();
    Router::new(mapper)
        .controller("api", axum_app())
        .controller(
            "echo",
            app_fn(|req: http::Request<Body>| async move { req.into_body() }),
        )
        .controller(
            "greet",
            Actions::new().action("links", |req, _args| async move {
                Urls::of(&req)
                    .expect("set by the router")
                    .url_for("greet", "show", &[("id", "3"), ("q", "x")])
                    .unwrap_or_default()
            }),
        )
}

#[tokio::test]
async fn axum_router_works_as_a_controller() {
    let client = TestClient::new(router());
    client
        .get("/api/users/7")
        .send()
        .await
        .assert_status(200)
        .assert_body("axum user 7");
    // axum's own 404 comes back as it is.
    client.get("/api/nothing").send().await.assert_status(404);
}

#[tokio::test]
async fn axum_router_works_as_a_mount() {
    let mount = Mount::new().mount("/legacy", axum_app()).unwrap();
    TestClient::new(mount)
        .get("/legacy/users/1")
        .send()
        .await
        .assert_body("axum mounted");
}

#[tokio::test]
async fn router_works_as_axum_route_service_and_fallback() {
    let app = axum::Router::new()
        .route("/native", get(|| async { "native" }))
        .nest_service("/app", Mount::new().mount("/", router()).unwrap())
        .fallback_service(router());
    let call = |uri: &'static str| {
        let app = app.clone();
        async move {
            let res = app
                .oneshot(
                    http::Request::get(uri)
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (status.as_u16(), String::from_utf8(body.to_vec()).unwrap())
        }
    };
    assert_eq!(call("/native").await, (200, "native".to_owned()));
    assert_eq!(call("/api/users/2").await, (200, "axum user 2".to_owned()));
    assert_eq!(
        call("/greet/links").await,
        (200, "/greet/show/3?q=x".to_owned())
    );
    assert_eq!(call("/nothing/here/at/all").await.0, 404);
}

async fn serve(listener: tokio::net::TcpListener, app: Mount) {
    // Bounded: the test makes two requests on two connections.
    for _ in 0..2 {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let app = app.clone();
                    async move {
                        Ok::<_, Infallible>(
                            app.oneshot(req)
                                .await
                                .unwrap_or_else(|never| match never {}),
                        )
                    }
                });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

#[tokio::test]
async fn router_under_a_mount_serves_hyper_incoming_over_a_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Mount::new().mount("/app", router()).unwrap();
    let server = tokio::spawn(serve(listener, app));

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let fetch = |req: http::Request<http_body_util::Full<bytes::Bytes>>| {
        let client = client.clone();
        async move {
            let res = tokio::time::timeout(Duration::from_secs(20), client.request(req))
                .await
                .expect("answered in time")
                .unwrap();
            let status = res.status().as_u16();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (status, body)
        }
    };

    let links = http::Request::get(format!("http://{addr}/app/greet/links"))
        .header("connection", "close")
        .body(Default::default())
        .unwrap();
    let (status, body) = fetch(links).await;
    assert_eq!((status, &body[..]), (200, &b"/app/greet/show/3?q=x"[..]));

    let payload = bytes::Bytes::from(vec![b'x'; 100_000]);
    let echo = http::Request::post(format!("http://{addr}/app/echo"))
        .header("connection", "close")
        .body(http_body_util::Full::new(payload.clone()))
        .unwrap();
    let (status, body) = fetch(echo).await;
    assert_eq!(status, 200);
    assert_eq!(body, payload, "the body comes back byte for byte");

    server.abort();
}

/// helloworld's routing, written out here: every controller row of helloworld's
/// contract (examples/helloworld/README.md) except `/fail`, whose panic belongs to
/// error-catcher.
fn helloworld_router() -> Router {
    let wsgi_app = app_fn(|_req: http::Request<Body>| async {
        String::from("<html>\n<body>\nHello World!\n</body>\n</html>")
    });
    Router::new(Mapper::new().default_routes().unwrap())
        .controller(
            "hello",
            app_fn(|_req: http::Request<Body>| async { "Hello World!" }),
        )
        .controller(
            "stream",
            app_fn(|_req: http::Request<Body>| async {
                gw_core::Response::html(Body::from_chunks(["Hello ", "World!"]))
            }),
        )
        .controller(
            "wrapped",
            Actions::new().action("index", move |req, _args| async move {
                wsgi_app
                    .oneshot(req)
                    .await
                    .unwrap_or_else(|never| match never {})
            }),
        )
        .controller(
            "environ",
            app_fn(|req: http::Request<Body>| async move {
                gw_core::Environ::of(&req)
                    .and_then(|env| env.get("test.hello"))
                    .unwrap_or_default()
                    .to_owned()
            }),
        )
        .controller(
            "greet",
            Actions::new()
                .action("show", |_req, args| async move {
                    args.get("id").unwrap_or_default().to_owned()
                })
                .action("links", |req, _args| async move {
                    let urls = Urls::of(&req).expect("set by the router");
                    urls.url_for("greet", "show", &[("id", "3"), ("q", "x")])
                        .map_err(|e| (http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
                }),
        )
        .controller(
            "echo",
            app_fn(
                |req: http::Request<Body>| async move { gw_core::Response::new(req.into_body()) },
            ),
        )
        .controller(
            "fail_late",
            app_fn(|_req: http::Request<Body>| async {
                let (mut tx, body) = Body::channel();
                tokio::spawn(async move {
                    let _ = tx.send("partial").await;
                    tx.abort("boom after the headers").await;
                });
                gw_core::Response::html(body)
            }),
        )
}

#[tokio::test]
async fn helloworld_contract_rows_through_the_router() {
    let client = TestClient::new(helloworld_router());
    client
        .get("/hello")
        .send()
        .await
        .assert_body("Hello World!");
    client
        .get("/stream")
        .send()
        .await
        .assert_body("Hello World!");
    client
        .get("/wrapped")
        .send()
        .await
        .assert_body("<html>\n<body>\nHello World!\n</body>\n</html>");
    let mut env = gw_core::Environ::new();
    env.insert(
        gw_core::EnvironKey::new("test.hello").unwrap(),
        "Hello World",
    );
    client
        .get("/environ")
        .extension(env)
        .send()
        .await
        .assert_body("Hello World");
    client.get("/greet/show/42").send().await.assert_body("42");
    client
        .get("/greet/links")
        .send()
        .await
        .assert_body("/greet/show/3?q=x");
    client
        .post("/echo")
        .body("bytes \u{0}\u{ff}")
        .send()
        .await
        .assert_body("bytes \u{0}\u{ff}");
    assert!(
        client.get("/fail_late").try_send().await.is_err(),
        "a truncated body is an error"
    );
    client.get("/nothing").send().await.assert_status(404);

    let mounted = TestClient::new(Mount::new().mount("/app", helloworld_router()).unwrap());
    mounted
        .get("/app/greet/links")
        .send()
        .await
        .assert_body("/app/greet/show/3?q=x");
}
