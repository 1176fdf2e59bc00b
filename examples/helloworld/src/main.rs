//! `helloworld serve [CONFIG] [--bind HOST:PORT] [--set KEY=VALUE]...`

// jemalloc gives back to the system the memory a flood of connections used once
// they are gone; glibc's malloc keeps most of it (SECURITY.md has the figures).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    // jemalloc's background thread returns freed pages after `dirty_decay_ms`
    // (10 s) even when the server is quiet; without it they wait for the next
    // allocations.
    #[cfg(all(unix, not(target_env = "musl")))]
    if let Err(e) = tikv_jemalloc_ctl::background_thread::write(true) {
        eprintln!("warning: jemalloc background thread not started: {e}");
    }
    gw_server::cli::run(helloworld::spec())
}
