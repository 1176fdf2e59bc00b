//! `axum-static-first PORT DIR`: the way the seed's cascade is written with axum
//! today. tower-http's `ServeDir` over `DIR` answers first; what it does not find
//! falls back to a 50-route axum `Router` (`/hello` among them).

use axum::routing::get;
use tower_http::services::ServeDir;

async fn hello() -> axum::response::Html<&'static str> {
    axum::response::Html(gateway_bench::HELLO)
}

/// `/hello` plus 49 routes of the shapes a Pylons project has.
fn router() -> axum::Router {
    let mut router = axum::Router::new().route("/hello", get(hello));
    for i in 0..49 {
        let path = match i % 3 {
            0 => format!("/page{i}"),
            1 => format!("/controller{i}/{{action}}"),
            _ => format!("/controller{i}/{{action}}/{{id}}"),
        };
        router = router.route(&path, get(hello));
    }
    router
}

fn main() {
    let port = gateway_bench::port_arg();
    let dir = gateway_bench::dir_arg();
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::tokio_listener(port);
        let app = axum::Router::new().fallback_service(ServeDir::new(dir).fallback(router()));
        axum::serve(listener, app)
            .await
            .expect("axum::serve failed");
    });
}
