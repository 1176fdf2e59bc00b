//! The `errors` scenario: `gw-errors PORT PUBLIC_DIR with|two-layers|without`.
//!
//! - `with` serves helloworld's own production app (`make_app` with
//!   `debug = false`: the error catcher serving the error documents itself,
//!   key adder, cascade of `public/`, the embedded script and the router);
//! - `two-layers` serves the same stack with `ErrorDocumentsLayer` outside
//!   `ErrorCatcherLayer`, the two-layer form;
//! - `without` serves the same stack minus error-catcher.
//!
//! All are boxed as the deploy loader boxes an app and served by the same
//! `gw_server::Server`, so the processes differ only in error-catcher's
//! layers, whose budget on the non-error path is at most 3 % of throughput.

use gw_cascade::Probing;
use gw_core::{Body, Settings};
use gw_error_catcher::{ErrorCatcherLayer, ErrorDocumentsLayer};
use gw_key_adder::KeyAdderLayer;
use gw_server::deploy::BoxApp;
use gw_static_files::{Embedded, StaticFiles};
use tower::ServiceBuilder;

/// helloworld's `make_app` without `ErrorDocumentsLayer` and `ErrorCatcherLayer`:
/// the key adder over the cascade, unboxed.
fn without_error_layers(
    public_dir: &std::path::Path,
) -> impl tower::Service<
    http::Request<Body>,
    Response = http::Response<
        impl http_body::Body<Data = bytes::Bytes, Error = impl Into<gw_core::BoxError>> + Send + 'static,
    >,
    Error = impl Into<gw_core::BoxError>,
    Future = impl Send + 'static,
> + Clone
       + Send
       + Sync
       + 'static {
    let public = StaticFiles::new(public_dir).expect("the public directory");
    let javascripts = Embedded::new().file(
        "javascripts/helpers.js",
        include_bytes!("../../../examples/helloworld/assets/javascripts/helpers.js"),
    );
    let router = helloworld::config::routing::make_router().expect("helloworld's routes");
    let app = gw_cascade::cascade!(Probing(public), Probing(javascripts), router);
    ServiceBuilder::new()
        .layer(KeyAdderLayer::new("test.hello", "Hello World").expect("a dotted key"))
        .service(app)
}

fn main() {
    let port = gateway_bench::port_arg();
    let public_dir = gateway_bench::dir_arg();
    let app = match std::env::args().nth(3).as_deref() {
        Some("with") => {
            let settings = Settings::from_pairs([
                ("debug", "false"),
                ("public_dir", &*public_dir.to_string_lossy()),
            ]);
            helloworld::config::middleware::make_app(&settings).expect("helloworld's app")
        }
        Some("two-layers") => BoxApp::new(
            ServiceBuilder::new()
                .layer(ErrorDocumentsLayer::new())
                .layer(ErrorCatcherLayer::new())
                .service(without_error_layers(&public_dir)),
        ),
        Some("without") => BoxApp::new(without_error_layers(&public_dir)),
        _ => {
            eprintln!("usage: gw-errors PORT PUBLIC_DIR with|two-layers|without");
            std::process::exit(2)
        }
    };
    gateway_bench::runtime().block_on(async move {
        let listener = gateway_bench::std_listener(port);
        gw_server::Server::from_std(listener)
            .expect("cannot adopt the listener")
            .quiet()
            .serve(app)
            .await
            .expect("serve failed");
    });
}
