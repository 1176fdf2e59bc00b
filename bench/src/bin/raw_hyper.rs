//! `raw-hyper PORT`: hyper 1 + hyper-util's auto builder with a `service_fn`.
//! Any `POST` echoes its body as a stream; anything else is `Hello World!`.

use std::convert::Infallible;

use http_body_util::Either;
use hyper::body::Incoming;

fn main() {
    let port = gateway_bench::port_arg();
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::tokio_listener(port);
        let service = hyper::service::service_fn(|req: http::Request<Incoming>| async move {
            let res = if req.method() == http::Method::POST {
                http::Response::new(Either::Right(req.into_body()))
            } else {
                gateway_bench::hello_response().map(Either::Left)
            };
            Ok::<_, Infallible>(res)
        });
        gateway_bench::serve_hyper(listener, service).await
    });
}
