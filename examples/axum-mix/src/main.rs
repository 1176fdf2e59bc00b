//! `cargo run -p axum-mix [PUBLIC_DIR]`: serves the mixed app on 127.0.0.1:3000
//! (`BIND` overrides), with `public/` beside this package as the default files.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), gw_core::BoxError> {
    let public = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/public")));
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let app = axum_mix::app(&public)?;
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("serving on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
