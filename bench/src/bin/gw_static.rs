//! The Gateway side of the `static` scenario: static-files with its defaults
//! (files up to 64 KiB from memory, larger ones streamed) on gw-server.
//!
//! Usage: `gw-static PORT DIR`.

fn main() {
    let port = gateway_bench::port_arg();
    let dir = gateway_bench::dir_arg();
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::std_listener(port);
        let app = gw_static_files::StaticFiles::new(&dir).expect("the static directory exists");
        gw_server::Server::from_std(listener)
            .expect("listener")
            .quiet()
            .serve(app)
            .await
            .expect("serve");
    });
}
