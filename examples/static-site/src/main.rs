//! `static-site serve [site.toml] [--check] [--reload] ...`: everything it serves
//! comes from the config file.

fn main() -> std::process::ExitCode {
    gw_server::cli::run(static_site::spec())
}
