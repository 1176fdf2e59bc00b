//! The command line of an example binary: the twin of `paster serve`.
//!
//! ```text
//! APP serve [CONFIG] [--name SECTION] [--server-name SECTION] [--bind ADDR]...
//!           [--set KEY=VALUE]... [--reload] [--check]
//! APP                      # serves the binary's built-in config
//! ```
//!
//! - `CONFIG` is a deploy file (see [`crate::deploy`]); without it the binary's built-in
//!   config is served, with relative paths taken from where that file lives in the
//!   source tree.
//! - `--name` picks the app, pipeline or composite to serve (default `main`);
//!   `--server-name` the `[server.NAME]` section (default `main`; a missing
//!   `[server.main]` means Gateway's HTTP server with its defaults).
//! - `--bind` (repeatable) overrides the server's `bind`; `--set KEY=VALUE` overrides
//!   a setting for every section that takes it.
//! - `--check` loads and validates everything (the built-in server's settings
//!   too), prints the assembled stack as a tree and the addresses it would listen
//!   on, and exits 0 without binding.
//! - `--reload` polls the config files (every 500 ms) and the binary itself. A
//!   changed config is loaded and swapped in without dropping a request: requests in
//!   flight finish on the old stack. An invalid config is reported and the old stack
//!   keeps serving. The server section is read once, at start: a reload that
//!   changes it (`bind`, a timeout, a limit) swaps the app in and logs a warning
//!   naming the changed keys, which need a restart. A rebuilt binary is started with the listening socket handed
//!   over; once it is ready, this process answers its last requests with
//!   `Connection: close`, drains and exits. SIGHUP reloads the config at any time.
//!
//! Errors are one line on stderr (`error: ...`) and a non-zero exit: 1 for a bad
//! config or a failed start, 2 for bad arguments.
//!
//! Daemonising, PID files and `--stop-daemon` are left to systemd: see
//! `examples/systemd/` for a unit file and a socket file.

mod handover;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use gw_core::BoxError;

use crate::deploy::{Error, Loader, Registry, ServerSection, SharedApp, Stack};
use crate::{ServeError, Server, ServerConfig};

pub use crate::deploy::BoxApp;

/// What an example binary tells [`run`] about itself.
#[derive(Debug, Clone)]
pub struct AppSpec {
    /// The binary's name, for help and messages.
    pub name: &'static str,
    /// The text of the built-in config, served when no CONFIG is given.
    pub default_config: &'static str,
    /// Where the built-in config lives, so `${here}` and relative paths resolve.
    pub default_config_path: PathBuf,
    /// Builds the registry of factories the config files may `use`.
    pub registry: fn() -> Registry,
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

#[derive(clap::Args, Debug, Clone)]
struct ServeArgs {
    /// The config file; without it, the built-in config is served.
    config: Option<PathBuf>,
    /// The app, pipeline or composite to serve.
    #[arg(long, short = 'n', value_name = "SECTION", default_value = "main")]
    name: String,
    /// The [server.SECTION] to use.
    #[arg(long, short = 's', value_name = "SECTION", default_value = "main")]
    server_name: String,
    /// Listen on HOST:PORT instead of the server's `bind` (repeatable).
    #[arg(long, value_name = "HOST:PORT")]
    bind: Vec<String>,
    /// Override a setting, e.g. `--set debug=false`.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    set: Vec<(String, String)>,
    /// Reload when the config files change; re-execute when the binary is rebuilt.
    #[arg(long)]
    reload: bool,
    /// How often `--reload` looks at the files.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_interval, hide = true)]
    reload_interval: Duration,
    /// Load and validate the config, print the stack as a tree, and exit.
    #[arg(long)]
    check: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            config: None,
            name: "main".into(),
            server_name: "main".into(),
            bind: Vec::new(),
            set: Vec::new(),
            reload: false,
            reload_interval: Duration::from_millis(500),
            check: false,
        }
    }
}

fn parse_key_value(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected KEY=VALUE, got {raw:?}")),
    }
}

fn parse_interval(raw: &str) -> Result<Duration, String> {
    gw_core::settings::parse_duration(raw)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("expected a duration such as 500ms, got {raw:?}"))
}

/// Parses the command line and serves; returns the process exit code.
pub fn run(spec: AppSpec) -> ExitCode {
    init_tracing();
    let matches = <Cli as clap::CommandFactory>::command()
        .name(spec.name)
        .bin_name(spec.name)
        .get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
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

/// Where the config comes from, and how to load it again on reload.
#[derive(Debug, Clone)]
struct Source {
    path: PathBuf,
    embedded: Option<&'static str>,
    args: ServeArgs,
}

/// One successful load: the app, its server section and the files it read.
struct Loaded {
    stack: Stack,
    server: ServerSection,
    files: Vec<PathBuf>,
}

impl Source {
    fn load(&self, registry: &Registry) -> Result<Loaded, Error> {
        let mut loader = Loader::new(registry);
        if let Some(text) = self.embedded {
            loader = loader.embed(&self.path, text);
        }
        for (key, value) in &self.args.set {
            loader = loader.set(key, value);
        }
        let file = self.path.display();
        let stack = loader.load_app(&format!("config:{file}#{}", self.args.name))?;
        let server = loader.load_server(&format!("config:{file}#{}", self.args.server_name))?;
        Ok(Loaded {
            stack,
            server,
            files: loader.files().to_vec(),
        })
    }
}

fn serve(spec: &AppSpec, args: ServeArgs) -> Result<(), BoxError> {
    let registry = (spec.registry)();
    let source = match &args.config {
        Some(path) => Source {
            path: path.clone(),
            embedded: None,
            args: args.clone(),
        },
        None => Source {
            path: spec.default_config_path.clone(),
            embedded: Some(spec.default_config),
            args: args.clone(),
        },
    };
    let loaded = source.load(&registry)?;
    let stamps = watch::stamps(&source, &loaded.files);
    let builtin = loaded.server.factory() == "http";
    // The built-in server's settings are validated before anything is served.
    let http = if builtin {
        let (binds, server_config) = loaded.server.configure(|settings| {
            let mut settings = settings.clone();
            let bind = settings.get_list("bind");
            settings.remove("bind");
            Ok((bind, ServerConfig::from_settings(&settings)?))
        })?;
        let binds = if !args.bind.is_empty() {
            args.bind.clone()
        } else {
            binds
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| vec!["127.0.0.1:8000".to_owned()])
        };
        Some((binds, server_config))
    } else {
        None
    };
    if args.check {
        print!("{}", loaded.stack.tree);
        print!("{}", loaded.server.tree());
        if let Some((binds, _)) = &http {
            println!("listen: {}", binds.join(", "));
        }
        println!("config OK");
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let Some((binds, server_config)) = http else {
        if args.reload {
            tracing::warn!("--reload works with the built-in http server only; serving without it");
        }
        let mut server = loaded.server;
        if let Some(bind) = args.bind.first() {
            server.override_setting("bind", bind);
        }
        let future = server.start(&registry, loaded.stack.app)?;
        return runtime.block_on(future);
    };
    let listeners = match handover::inherited_listener()? {
        Some(listener) => vec![listener],
        None => binds
            .iter()
            .map(|addr| handover::bind(addr))
            .collect::<Result<Vec<_>, ServeError>>()?,
    };
    let app = SharedApp::new(loaded.stack.app);
    runtime.block_on(serve_http(
        registry,
        source,
        (loaded.files, stamps),
        loaded.server,
        app,
        listeners,
        server_config,
    ))
}

async fn serve_http(
    registry: Registry,
    source: Source,
    (files, stamps): (Vec<PathBuf>, Vec<(PathBuf, watch::Stamp)>),
    server: ServerSection,
    app: SharedApp,
    listeners: Vec<std::net::TcpListener>,
    config: ServerConfig,
) -> Result<(), BoxError> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // A clone of the socket to hand to a rebuilt binary; one listener only.
    let handover = match listeners.as_slice() {
        [one] => Some(one.try_clone()?),
        _ => None,
    };
    let mut servers = tokio::task::JoinSet::new();
    for (index, listener) in listeners.into_iter().enumerate() {
        let mut config = config.clone();
        if index > 0 {
            // The extra `listen` addresses are opened once, by the first server.
            config.listen.clear();
        }
        let app = app.clone();
        let server = Server::from_std(listener)?.config(config);
        let mut stopped = stopped.clone();
        servers.spawn(async move {
            server
                .serve_with_shutdown(app, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
        });
    }
    handover::notify_ready();
    let watcher = watch::Watcher {
        registry,
        source,
        files,
        stamps,
        app,
        server,
        handover,
        stop: stop.clone(),
    };
    tokio::spawn(watcher.run());
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        let _ = stop.send(true);
    });
    let mut result = Ok(());
    while let Some(joined) = servers.join_next().await {
        if let Err(e) = joined? {
            result = Err(e.into());
        }
    }
    result
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
