//! `--reload` and SIGHUP: watch the config files and the binary, reload or re-execute.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::deploy::{Registry, ServerSection, SharedApp};

use super::{handover, Source};

/// How long a re-executed binary may take to load its config and start serving.
const READY_DEADLINE: Duration = Duration::from_secs(60);
/// After the handover, how long this process keeps answering (with
/// `Connection: close`) before it drains, so keep-alive clients move over cleanly.
const HANDOVER_GRACE: Duration = Duration::from_secs(2);

pub(super) type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &std::path::Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

pub(super) struct Watcher {
    pub(super) registry: Registry,
    pub(super) source: Source,
    pub(super) files: Vec<PathBuf>,
    /// The files' stamps taken right after the first load, before anything was
    /// served: an edit made as soon as the server says it serves is seen.
    pub(super) stamps: Vec<(PathBuf, Stamp)>,
    pub(super) app: SharedApp,
    /// The server section the running server was started with.
    pub(super) server: ServerSection,
    pub(super) handover: Option<std::net::TcpListener>,
    pub(super) stop: tokio::sync::watch::Sender<bool>,
}

/// The stamps of the files a load read, and of the config file itself.
pub(super) fn stamps(source: &Source, files: &[PathBuf]) -> Vec<(PathBuf, Stamp)> {
    let mut paths = files.to_vec();
    if source.embedded.is_none() && !paths.contains(&source.path) {
        paths.push(source.path.clone());
    }
    paths
        .into_iter()
        .map(|path| {
            let stamp = stamp(&path);
            (path, stamp)
        })
        .collect()
}

impl Watcher {
    fn watched(&self) -> Vec<(PathBuf, Stamp)> {
        stamps(&self.source, &self.files)
    }

    pub(super) async fn run(mut self) {
        #[cfg(unix)]
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            Ok(signal) => Some(signal),
            Err(e) => {
                tracing::warn!(error = %e, "cannot install a SIGHUP handler");
                None
            }
        };
        let reload = self.source.args.reload;
        let mut tick = tokio::time::interval(self.source.args.reload_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let exe = std::env::current_exe().ok();
        let mut exe_stamp = exe.as_deref().and_then(stamp);
        let mut exe_pending: Stamp = None;
        let mut stamps = std::mem::take(&mut self.stamps);
        loop {
            tokio::select! {
                Some(()) = async {
                    match hangup.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    self.reload("SIGHUP").await;
                    stamps = self.watched();
                }
                _ = tick.tick(), if reload => {
                    if let Some(exe) = &exe {
                        let now = stamp(exe);
                        if now.is_some() && now != exe_stamp {
                            // Wait for the stamp to hold still: the build may still be writing.
                            if exe_pending == now {
                                exe_stamp = now;
                                exe_pending = None;
                                if self.reexec(exe).await {
                                    return;
                                }
                            } else {
                                exe_pending = now;
                            }
                            continue;
                        }
                    }
                    // Stamps taken before reading: a file that changes while it is
                    // read (or is half written) is read again on the next tick.
                    let before = self.watched();
                    if before != stamps {
                        self.reload("a config file changed").await;
                        stamps = before;
                    }
                }
            }
        }
    }

    async fn reload(&mut self, why: &str) {
        let registry = self.registry.clone();
        let source = self.source.clone();
        match tokio::task::spawn_blocking(move || source.load(&registry)).await {
            Ok(Ok(loaded)) => {
                self.app.replace(loaded.stack.app);
                self.files = loaded.files;
                tracing::info!(reason = why, "reloaded {}", self.source.path.display());
                let changed = self.server.changed_keys(&loaded.server);
                if !changed.is_empty() {
                    // The app was swapped; the listeners and limits were not.
                    tracing::warn!(
                        changed = %changed.join(", "),
                        "the server section of {} changed ({}), which a reload cannot apply: \
                         the server keeps its start-up settings until it is restarted",
                        self.source.path.display(),
                        changed.join(", "),
                    );
                }
            }
            Ok(Err(e)) => {
                tracing::error!(
                    reason = why,
                    "reload failed; the previous stack keeps serving: {e}"
                );
                eprintln!("reload failed; the previous stack keeps serving: {e}");
            }
            Err(e) => {
                tracing::error!(error = %e, "reload panicked; the previous stack keeps serving")
            }
        }
    }

    /// Starts the rebuilt binary on our socket. True once it serves and we are stopping.
    async fn reexec(&mut self, exe: &std::path::Path) -> bool {
        let Some(listener) = &self.handover else {
            tracing::warn!("the binary changed, but only a single listener can be handed over; restart by hand");
            return false;
        };
        let ready_path = handover::ready_path();
        let _ = std::fs::remove_file(&ready_path);
        let ready = match tokio::net::UnixListener::bind(&ready_path) {
            Ok(ready) => ready,
            Err(e) => {
                tracing::error!(error = %e, "cannot re-execute: no readiness socket");
                return false;
            }
        };
        let result = match handover::spawn(exe, listener, &ready_path) {
            Ok(mut child) => {
                let waited = handover::wait_ready(&mut child, &ready, READY_DEADLINE).await;
                waited.map(|()| child.id())
            }
            Err(e) => Err(e.to_string()),
        };
        drop(ready);
        let _ = std::fs::remove_file(&ready_path);
        match result {
            Ok(pid) => {
                println!("handed over to pid {pid}");
                tracing::info!(pid, "the rebuilt binary serves; draining this process");
                self.app.close_connections();
                tokio::time::sleep(HANDOVER_GRACE).await;
                let _ = self.stop.send(true);
                true
            }
            Err(why) => {
                tracing::error!("the rebuilt binary did not take over ({why}); still serving");
                eprintln!("the rebuilt binary did not take over ({why}); still serving");
                false
            }
        }
    }
}
