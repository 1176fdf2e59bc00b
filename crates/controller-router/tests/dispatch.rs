//! The Router and Mount as services, through gw-core's TestClient (which
//! wraps them in a strict Lint).

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use gw_controller_router::{Actions, Mapper, Mount, OriginalMethod, Route, Router, Urls};
use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body, IntoResponse, MountPrefix, RoutingArgs};
use http::Method;
use tower::ServiceExt;

#[derive(Clone)]
struct Classy;

impl<B> tower_service::Service<http::Request<B>> for Classy {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _req: http::Request<B>) -> Self::Future {
        ready(Ok("Hello World!".into_response()))
    }
}

fn greet() -> Actions {
    let inner = app_fn(|_req: http::Request<Body>| async { String::from("<p>inner</p>") });
    Actions::new()
        .action("show", |_req, args| async move {
            args.get("id").unwrap_or_default().to_owned()
        })
        .action("links", |req, _args| async move {
            Urls::of(&req)
                .expect("router sets Urls")
                .url_for("greet", "show", &[("id", "3"), ("q", "x")])
                .unwrap()
        })
        .action("say_hi", |_req, _args| async { String::from("hi") })
        .action("_secret", |_req, _args| async { String::from("secret") })
        .action("index", |_req, _args| async { String::from("index") })
        .action("wrapped", move |req, _args| async move {
            match inner.oneshot(req).await {
                Ok(res) => res,
                Err(never) => match never {},
            }
        })
        .action("method", |req, _args| async move {
            let original = req
                .extensions()
                .get::<OriginalMethod>()
                .map(|m| m.0.to_string())
                .unwrap_or_default();
            let body = http_body_util::BodyExt::collect(req.into_body())
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            format!("{} {}", original, String::from_utf8_lossy(&body))
        })
}

fn router() -> Router {
    let mapper = Mapper::new()
        .redirect("/old", "/hello")
        .unwrap()
        .redirect_permanent("/legacy/{id}", "/greet/show/{id}")
        .unwrap()
        .redirect("/away", "https://example.com/x")
        .unwrap()
        .resource("message", "messages")
        .unwrap()
        .route(
            Route::new("/echo")
                .defaults([("controller", "echo")])
                .method(Method::POST),
        )
        .unwrap()
        .default_routes()
        .unwrap();
    Router::new(mapper)
        .controller(
            "hello",
            app_fn(|_req: http::Request<Body>| async { "Hello World!" }),
        )
        .controller("classy", Classy)
        .controller("greet", greet())
        .controller(
            "messages",
            Actions::new()
                .action("index", |_r, _a| async { String::from("index") })
                .action("update", |req, args| async move {
                    format!(
                        "update {} {}",
                        args.get("id").unwrap_or_default(),
                        req.method()
                    )
                })
                .action("delete", |_r, a| async move {
                    format!("delete {}", a.get("id").unwrap_or_default())
                })
                .action("show", |_r, a| async move {
                    format!("show {}", a.get("format").unwrap_or("html"))
                }),
        )
        .controller(
            "echo",
            app_fn(|req: http::Request<Body>| async move {
                let body = http_body_util::BodyExt::collect(req.into_body())
                    .await
                    .map(|c| c.to_bytes())
                    .unwrap_or_default();
                gw_core::Response::text(body)
            }),
        )
        .controller(
            "args",
            app_fn(|req: http::Request<Body>| async move {
                let args = RoutingArgs::of(&req).cloned().unwrap_or_default();
                args.named()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        )
}

#[tokio::test]
async fn function_and_struct_controllers_answer() {
    let client = TestClient::new(router());
    client
        .get("/hello")
        .send()
        .await
        .assert_status(200)
        .assert_header("content-type", "text/plain; charset=utf-8")
        .assert_body("Hello World!");
    client
        .get("/classy")
        .send()
        .await
        .assert_body("Hello World!");
}

#[tokio::test]
async fn actions_get_their_routing_args() {
    let client = TestClient::new(router());
    client.get("/greet/show/42").send().await.assert_body("42");
    client.get("/greet").send().await.assert_body("index");
    client
        .get("/args/show/a%20b")
        .send()
        .await
        .assert_body("controller=args,action=show,id=a b");
}

#[tokio::test]
async fn url_generation_inside_a_controller_uses_the_mount_prefix() {
    let client = TestClient::new(router());
    client
        .get("/greet/links")
        .send()
        .await
        .assert_body("/greet/show/3?q=x");
    client
        .get("/greet/links")
        .extension(MountPrefix::new("/app"))
        .send()
        .await
        .assert_body("/app/greet/show/3?q=x");
}

#[tokio::test]
async fn an_action_can_run_another_app() {
    TestClient::new(router())
        .get("/greet/wrapped")
        .send()
        .await
        .assert_body("<p>inner</p>");
}

#[tokio::test]
async fn private_actions_are_never_reachable() {
    let client = TestClient::new(router());
    client.get("/greet/_secret").send().await.assert_status(404);
    client.get("/greet/-secret").send().await.assert_status(404);
    client
        .get("/greet/%5Fsecret")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn dash_in_an_action_name_reads_as_underscore() {
    TestClient::new(router())
        .get("/greet/say-hi")
        .send()
        .await
        .assert_body("hi");
}

#[tokio::test]
async fn unknown_controller_or_action_or_path_gives_404() {
    let client = TestClient::new(router());
    client.get("/nobody").send().await.assert_status(404);
    client.get("/greet/nothing").send().await.assert_status(404);
    client.get("/").send().await.assert_status(404);
    client.get("/a/b/c/d").send().await.assert_status(404);
}

#[tokio::test]
async fn head_runs_the_get_route_without_a_body() {
    TestClient::new(router())
        .head("/hello")
        .send()
        .await
        .assert_status(200)
        .assert_body("");
}

#[tokio::test]
async fn method_condition_failure_is_404() {
    let mapper = Mapper::new()
        .route(
            Route::new("/echo")
                .default("controller", "echo")
                .method(Method::POST),
        )
        .unwrap();
    let router = Router::new(mapper).controller(
        "echo",
        app_fn(|req: http::Request<Body>| async move { req.into_body() }),
    );
    let client = TestClient::new(router);
    client.get("/echo").send().await.assert_status(404);
    client.post("/echo").body("x").send().await.assert_body("x");
}

#[tokio::test]
async fn method_condition_failure_falls_through_to_later_routes() {
    // GET /echo skips the POST-only route and reaches the default `/{controller}`.
    let client = TestClient::new(router());
    client
        .get("/echo")
        .send()
        .await
        .assert_status(200)
        .assert_body("");
    client.post("/echo").body("x").send().await.assert_body("x");
}

#[tokio::test]
async fn redirect_routes_answer_with_location() {
    let client = TestClient::new(router());
    client
        .get("/old?a=1")
        .send()
        .await
        .assert_status(302)
        .assert_header("location", "/hello?a=1");
    client
        .get("/legacy/7")
        .send()
        .await
        .assert_status(301)
        .assert_header("location", "/greet/show/7");
    client
        .get("/legacy/7")
        .extension(MountPrefix::new("/app"))
        .send()
        .await
        .assert_header("location", "/app/greet/show/7");
    client
        .get("/away")
        .send()
        .await
        .assert_status(302)
        .assert_header("location", "https://example.com/x");
}

fn form<'a>(
    client: &'a TestClient<Router>,
    uri: &str,
    body: &'static str,
) -> gw_core::test_client::TestRequest<'a, Router> {
    client
        .post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", &body.len().to_string())
        .body(body)
}

#[tokio::test]
async fn method_override_on_a_post_form_routes_as_that_method() {
    let client = TestClient::new(router());
    form(&client, "/messages/5", "_method=PUT&title=x")
        .send()
        .await
        .assert_body("update 5 PUT");
    form(&client, "/messages/5", "_method=delete")
        .send()
        .await
        .assert_body("delete 5");
}

#[tokio::test]
async fn method_override_keeps_the_body_for_the_controller() {
    let client = TestClient::new(router());
    form(&client, "/greet/method", "_method=PUT&title=x")
        .send()
        .await
        .assert_body("POST _method=PUT&title=x");
}

#[tokio::test]
async fn method_override_is_never_taken_from_a_get_or_the_query() {
    let client = TestClient::new(router());
    client
        .get("/messages/5?_method=DELETE")
        .send()
        .await
        .assert_body("show html");
    client
        .request(Method::GET, "/messages/5")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("_method=DELETE")
        .send()
        .await
        .assert_body("show html");
    // A POST with the override only in the query string is a plain POST.
    client
        .post("/messages/5?_method=DELETE")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn method_override_can_be_turned_off() {
    let client = TestClient::new(router().method_override(false));
    form(&client, "/messages/5", "_method=PUT")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn resource_format_reaches_the_action() {
    TestClient::new(router())
        .get("/messages/5.json")
        .send()
        .await
        .assert_body("show json");
}

#[tokio::test]
async fn path_value_that_is_not_utf8_is_400() {
    TestClient::new(router())
        .get("/greet/show/%FF")
        .send()
        .await
        .assert_status(400);
}

#[tokio::test]
async fn failing_controller_gives_500() {
    #[derive(Clone)]
    struct Fails;
    impl tower_service::Service<http::Request<Body>> for Fails {
        type Response = http::Response<Body>;
        type Error = std::io::Error;
        type Future = Ready<Result<Self::Response, std::io::Error>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), std::io::Error>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
            ready(Err(std::io::Error::other("nope")))
        }
    }
    let router = Router::new(Mapper::new().default_routes().unwrap()).controller("f", Fails);
    TestClient::new(router)
        .get("/f")
        .send()
        .await
        .assert_status(500);
}

#[tokio::test]
async fn a_controller_that_fails_its_readiness_check_gives_500() {
    #[derive(Clone)]
    struct Broken;
    impl tower_service::Service<http::Request<Body>> for Broken {
        type Response = http::Response<Body>;
        type Error = std::io::Error;
        type Future = Ready<Result<Self::Response, std::io::Error>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), std::io::Error>> {
            Poll::Ready(Err(std::io::Error::other("overloaded")))
        }
        fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
            unreachable!("never called when not ready")
        }
    }
    let router = Router::new(Mapper::new().default_routes().unwrap()).controller("b", Broken);
    TestClient::new(router)
        .get("/b")
        .send()
        .await
        .assert_status(500);
}

#[tokio::test]
async fn a_controller_not_ready_at_first_is_readied_then_called() {
    /// Pending (waking at once) for its first two readiness checks.
    #[derive(Clone)]
    struct Slow(Arc<std::sync::atomic::AtomicUsize>);
    impl tower_service::Service<http::Request<Body>> for Slow {
        type Response = http::Response<Body>;
        type Error = Infallible;
        type Future = Ready<Result<Self::Response, Infallible>>;
        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
            ready(Ok(http::Response::new(Body::from("ready at last"))))
        }
    }
    let checks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let router =
        Router::new(Mapper::new().default_routes().unwrap()).controller("s", Slow(checks.clone()));
    TestClient::new(router)
        .get("/s")
        .send()
        .await
        .assert_status(200)
        .assert_body("ready at last");
    assert_eq!(checks.load(std::sync::atomic::Ordering::SeqCst), 3);
}

// ---- mounts ----

fn echo_mount() -> impl tower_service::Service<
    http::Request<Body>,
    Response = http::Response<Body>,
    Error = Infallible,
    Future: Send,
> + Clone
       + Send
       + Sync
       + 'static {
    app_fn(|req: http::Request<Body>| async move {
        format!("[{}] {}", MountPrefix::of(&req), req.uri())
    })
}

#[tokio::test]
async fn longest_prefix_wins_on_segment_boundaries() {
    let mount = Mount::new()
        .mount("/", echo_mount())
        .unwrap()
        .mount("/blog", echo_mount())
        .unwrap()
        .mount("/blog/admin/", echo_mount())
        .unwrap();
    let client = TestClient::new(mount);
    client
        .get("/blog/post?x=1")
        .send()
        .await
        .assert_body("[/blog] /post?x=1");
    client.get("/blog").send().await.assert_body("[/blog] /");
    client
        .get("/blog/admin/users")
        .send()
        .await
        .assert_body("[/blog/admin] /users");
    client
        .get("/blogger")
        .send()
        .await
        .assert_body("[] /blogger");
    client.get("/").send().await.assert_body("[] /");
}

#[tokio::test]
async fn no_mount_gives_404() {
    let mount = Mount::new().mount("/blog", echo_mount()).unwrap();
    TestClient::new(mount)
        .get("/other")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn mounts_nest_and_prefixes_add_up() {
    let inner = Mount::new().mount("/admin", echo_mount()).unwrap();
    let outer = Mount::new().mount("/blog", inner).unwrap();
    TestClient::new(outer)
        .get("/blog/admin/x")
        .send()
        .await
        .assert_body("[/blog/admin] /x");
}

#[test]
fn bad_mount_prefixes_are_refused() {
    assert!(Mount::new().mount("blog", echo_mount()).is_err());
    assert!(Mount::new().mount("/a?b", echo_mount()).is_err());
    assert!(Mount::new().mount("/a//b", echo_mount()).is_err());
    let err = Mount::new()
        .mount("/a", echo_mount())
        .unwrap()
        .mount("/a/", echo_mount())
        .unwrap_err();
    assert!(err.to_string().contains("already mounted"), "{err}");
}

#[tokio::test]
async fn generation_under_a_mount_includes_the_prefix() {
    let mount = Mount::new().mount("/app", router()).unwrap();
    let client = TestClient::new(mount);
    client
        .get("/app/greet/links")
        .send()
        .await
        .assert_body("/app/greet/show/3?q=x");
    client
        .get("/app/greet/show/42")
        .send()
        .await
        .assert_body("42");
    client
        .get("/app/old")
        .send()
        .await
        .assert_header("location", "/app/hello");
}

/// A controller that answers with what it was given: controller, mount prefix,
/// path and query.
#[derive(Clone)]
struct EchoWhere;

impl tower_service::Service<http::Request<Body>> for EchoWhere {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let args = RoutingArgs::of(&req).expect("the router sets routing args");
        let text = format!(
            "{} {} {}",
            args.get("controller").unwrap_or("-"),
            MountPrefix::of(&req),
            req.uri()
        );
        ready(Ok(text.into_response()))
    }
}

fn echo_where() -> EchoWhere {
    EchoWhere
}

#[tokio::test]
async fn unknown_controller_gives_later_routes_their_turn() {
    // Routes' behaviour: `/hi/{controller}` does not match an unknown name,
    // so the next route does; nobody has to tell the mapper the names.
    let mapper = Mapper::new()
        .connect("/hi/{controller}")
        .unwrap()
        .route(Route::new("/hi/{name}").defaults([("controller", "fallback")]))
        .unwrap();
    let router = Router::new(mapper)
        .controller("content", echo_where())
        .controller("fallback", echo_where());
    let client = TestClient::new(router);
    client
        .get("/hi/content")
        .send()
        .await
        .assert_body("content  /hi/content");
    client
        .get("/hi/13870948")
        .send()
        .await
        .assert_body("fallback  /hi/13870948");
}

#[tokio::test]
async fn controller_names_with_a_slash_dispatch() {
    let router = Router::new(Mapper::new().default_routes().unwrap())
        .controller("admin/user", echo_where())
        .controller("admin", echo_where());
    let client = TestClient::new(router.clone());
    client
        .get("/admin/user/show/bbangert")
        .send()
        .await
        .assert_body("admin/user  /admin/user/show/bbangert");
    client
        .get("/admin/show/7")
        .send()
        .await
        .assert_body("admin  /admin/show/7");
    client.get("/nobody/show/7").send().await.assert_status(404);
    // The mapper the controllers' `Urls` use knows the names too.
    assert_eq!(
        router
            .mapper()
            .url_for("admin/user", "show", &[("id", "7")])
            .unwrap(),
        "/admin/user/show/7"
    );
}

#[tokio::test]
async fn a_router_shared_before_a_controller_is_added_still_learns_it() {
    // `shared_mapper` holds the mapper: the router makes its own copy with the
    // new name, and the copy taken before is left as it was.
    let router = Router::new(Mapper::new().connect("/{controller}").unwrap());
    let before = router.shared_mapper();
    let router = router.controller("a/b", echo_where());
    let client = TestClient::new(router);
    client.get("/a/b").send().await.assert_body("a/b  /a/b");
    assert!(before.recognize(&Method::GET, "/a/b").is_none());
}

#[tokio::test]
async fn path_info_moves_the_matched_prefix_into_the_mount_prefix() {
    // Routes' `myapp/*path_info`: SCRIPT_NAME gets `/myapp`, PATH_INFO the rest.
    let mapper = Mapper::new()
        .route(Route::new("/myapp/{*path_info}").defaults([("controller", "myapp")]))
        .unwrap()
        .route(Route::new("/project/{*path_info}").defaults([("controller", "myapp")]))
        .unwrap();
    let router = Router::new(mapper).controller("myapp", echo_where());
    let app = Mount::new().mount("/site", router).unwrap();
    let client = TestClient::new(app);
    client
        .get("/site/myapp/some/other/url?x=1")
        .send()
        .await
        .assert_body("myapp /site/myapp /some/other/url?x=1");
    client
        .get("/site/project/pylonshq/browser/+package+/controllers")
        .send()
        .await
        .assert_body("myapp /site/project /pylonshq/browser/+package+/controllers");
    client
        .get("/site/myapp/")
        .send()
        .await
        .assert_body("myapp /site/myapp /");
}

#[tokio::test]
async fn path_info_prefix_is_in_generated_urls() {
    // Inside the mounted app, `Urls` puts the moved prefix first, as Routes'
    // url_for puts SCRIPT_NAME first.
    let mapper = Mapper::new()
        .route(Route::new("/blog/{*path_info}").defaults([("controller", "blog")]))
        .unwrap();
    let router = Router::new(mapper).controller(
        "blog",
        app_fn(
            |req: http::Request<Body>| async move { Urls::of(&req).unwrap().path("/post/1", &[]) },
        ),
    );
    TestClient::new(router)
        .get("/blog/anything")
        .send()
        .await
        .assert_body("/blog/post/1");
}
