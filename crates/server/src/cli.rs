//! The command line of an example binary: the twin of `paster serve`.
//!
//! ```text
//! APP serve [CONFIG] [--bind HOST:PORT] [--set KEY=VALUE]...
//! APP                      # serves the binary's built-in development config
//! ```
//!
//! Errors are one line on stderr (`error: ...`) and a non-zero exit: 1 for a bad
//! config or a failed start, 2 for bad arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gateway_core::{Body, BoxError, Settings};
use tower::ServiceExt;

use crate::config::Config;
use crate::{Server, ServerConfig};

/// A boxed, cloneable app as a config-built stack produces it.
pub type BoxApp = tower::util::BoxCloneService<http::Request<Body>, http::Response<Body>, BoxError>;

/// What an example binary tells [`run`] about itself.
#[derive(Debug, Clone)]
pub struct AppSpec {
    /// The binary's name, for help and messages.
    pub name: &'static str,
    /// The text of the built-in config, served when no CONFIG is given.
    pub default_config: &'static str,
    /// Where the built-in config lives, so `public_dir` and other relative paths resolve.
    pub default_config_path: PathBuf,
    /// Builds the app from its settings (`[app.main]` over `[global]`).
    pub build: fn(&Settings) -> Result<BoxApp, BoxError>,
}

#[derive(Parser, Debug)]
#[command(about = "Serve a Gateway app", disable_help_subcommand = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the app described by a config file.
    Serve(ServeArgs),
}

#[derive(clap::Args, Debug, Default)]
struct ServeArgs {
    /// The config file; without it, the built-in development config is served.
    config: Option<PathBuf>,
    /// Listen on HOST:PORT instead of the config's `bind`.
    #[arg(long, value_name = "HOST:PORT")]
    bind: Option<String>,
    /// Override a setting of the app, e.g. `--set debug=false`.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    set: Vec<(String, String)>,
}

fn parse_key_value(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected KEY=VALUE, got {raw:?}")),
    }
}

/// Parses the command line and serves; returns the process exit code.
pub fn run(spec: AppSpec) -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        None => ServeArgs::default(),
    };
    match serve(&spec, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(spec: &AppSpec, args: ServeArgs) -> Result<(), BoxError> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::parse(spec.default_config, &spec.default_config_path)?,
    };
    let mut app_settings = config.app("main");
    for (key, value) in &args.set {
        app_settings.insert(key.clone(), value.clone());
    }
    let mut server_settings = config.server("main");
    let configured_bind = server_settings.remove("bind");
    let bind = args
        .bind
        .or(configured_bind)
        .unwrap_or_else(|| "127.0.0.1:8000".to_owned());
    let server_config = ServerConfig::from_settings(&server_settings)?;
    let app = (spec.build)(&app_settings)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = Server::bind(&bind).await?.config(server_config);
        let app = app.map_request(|req: http::Request<hyper::body::Incoming>| req.map(Body::new));
        server.serve(app).await?;
        Ok(())
    })
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
