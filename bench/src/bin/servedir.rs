//! `servedir PORT DIR`: tower-http's `ServeDir` alone on the canonical hyper loop.

use hyper_util::service::TowerToHyperService;
use tower_http::services::ServeDir;

fn main() {
    let port = gateway_bench::port_arg();
    let dir = gateway_bench::dir_arg();
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::tokio_listener(port);
        let service = TowerToHyperService::new(ServeDir::new(dir));
        gateway_bench::serve_hyper(listener, service).await
    });
}
