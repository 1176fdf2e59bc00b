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
    // Pages freed after a flood go back within 5 s instead of jemalloc's default
    // 10 s, for the arena that exists now and every one made later: a server's
    // memory is back near its baseline well inside the 10 s that SECURITY.md's
    // flood check allows, at the cost of a few more `madvise` calls under churn.
    #[cfg(all(unix, not(target_env = "musl")))]
    {
        use tikv_jemalloc_ctl::{Access, AsName};
        const DECAY_MS: isize = 5_000;
        for key in [
            &b"arenas.dirty_decay_ms\0"[..],
            &b"arena.0.dirty_decay_ms\0"[..],
        ] {
            if let Err(e) = key.name().write(DECAY_MS) {
                eprintln!("warning: jemalloc decay time not set: {e}");
            }
        }
    }
    gw_server::cli::run(helloworld::spec())
}
