//! `gw-server PORT`: the bare `gw_server::Server` with a trivial handler that
//! answers every request with `Hello World!`, written the way helloworld's `/hello`
//! controller is.

use gw_core::app_fn;

fn main() {
    let port = gateway_bench::port_arg();
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::std_listener(port);
        let app = app_fn(|_req: http::Request<gw_core::Body>| async { gateway_bench::HELLO });
        gw_server::Server::from_std(listener)
            .expect("cannot adopt the listener")
            .quiet()
            .serve(app)
            .await
            .expect("serve failed");
    });
}
