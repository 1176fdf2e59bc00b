//! `helloworld serve [CONFIG] [--bind HOST:PORT] [--set KEY=VALUE]...`

fn main() -> std::process::ExitCode {
    gw_server::cli::run(helloworld::spec())
}
