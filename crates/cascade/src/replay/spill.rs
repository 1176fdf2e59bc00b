//! The spill file: the part of a recorded body beyond `replay_threshold`.
//!
//! The file is created with `tempfile::tempfile_in`, which unlinks it at once (it
//! uses `O_TMPFILE` where the file system has it). No name is ever left in the spill
//! directory: the bytes go away when the descriptor is closed, whether the request
//! ends well, fails, is dropped on a client disconnect, unwinds from a panic, or the
//! process is killed.
//!
//! Every file operation runs on tokio's blocking pool, so a slow disk never stalls
//! the async worker. Outside a tokio runtime the operation runs inline instead.
//! Reads and writes are positional (`pread`/`pwrite`), so they never fight over a
//! file offset.

use std::fs::File;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use tokio::task::JoinHandle;

/// Bytes per read from the spill file, and the most bytes that gather in memory
/// while a write is in flight.
pub(crate) const SPILL_CHUNK: usize = 64 * 1024;

/// A blocking operation: on the blocking pool, or already done inline.
enum Offload<T> {
    Pool(JoinHandle<io::Result<T>>),
    Done(Option<io::Result<T>>),
}

impl<T: Send + 'static> Offload<T> {
    fn run(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> Self {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => Offload::Pool(handle.spawn_blocking(f)),
            Err(_) => Offload::Done(Some(f())),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self {
            Offload::Pool(handle) => Pin::new(handle)
                .poll(cx)
                .map(|joined| joined.unwrap_or_else(|e| Err(io::Error::other(e)))),
            Offload::Done(result) => Poll::Ready(
                result
                    .take()
                    .unwrap_or_else(|| Err(io::Error::other("spill operation polled twice"))),
            ),
        }
    }
}

enum Op {
    Write(Offload<File>),
    Read {
        offset: u64,
        op: Offload<(File, Bytes)>,
    },
}

/// The file region of a recording.
pub(crate) struct Spill {
    dir: PathBuf,
    file: Option<File>,
    op: Option<Op>,
    /// Bytes written or being written.
    len: u64,
}

impl Spill {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Spill {
            dir,
            file: None,
            op: None,
            len: 0,
        }
    }

    /// Bytes in the file, counting a write still in flight.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// True while an operation is in flight (or done but not yet collected).
    pub(crate) fn is_busy(&self) -> bool {
        self.op.is_some()
    }

    /// Waits for the operation in flight, if any.
    pub(crate) fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.op.as_mut() {
            None => Poll::Ready(Ok(())),
            Some(Op::Write(op)) => {
                let file = ready!(op.poll(cx));
                self.op = None;
                self.file = Some(file?);
                Poll::Ready(Ok(()))
            }
            Some(Op::Read { op, .. }) => {
                let done = ready!(op.poll(cx));
                self.op = None;
                // A read nobody waits for any more: keep the file, drop the bytes.
                self.file = Some(done?.0);
                Poll::Ready(Ok(()))
            }
        }
    }

    /// Appends `chunks` at the end of the file, creating the file the first time.
    /// The caller must have seen [`poll_idle`](Self::poll_idle) ready.
    pub(crate) fn start_append(&mut self, chunks: Vec<Bytes>) {
        debug_assert!(self.op.is_none(), "one spill operation at a time");
        let offset = self.len;
        self.len += chunks.iter().map(|c| c.len() as u64).sum::<u64>();
        let file = self.file.take();
        let dir = self.dir.clone();
        self.op = Some(Op::Write(Offload::run(move || {
            let file = match file {
                Some(file) => file,
                None => {
                    tracing::debug!(target: "gateway::cascade", dir = %dir.display(), "spilling a request body to a temporary file");
                    tempfile::tempfile_in(&dir)?
                }
            };
            let mut at = offset;
            for chunk in &chunks {
                write_all_at(&file, chunk, at)?;
                at += chunk.len() as u64;
            }
            Ok(file)
        })));
    }

    /// Reads up to [`SPILL_CHUNK`] bytes at `offset`.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        offset: u64,
    ) -> Poll<io::Result<Bytes>> {
        loop {
            if let Some(Op::Read { offset: at, op }) = self.op.as_mut() {
                if *at == offset {
                    let done = ready!(op.poll(cx));
                    self.op = None;
                    let (file, bytes) = done?;
                    self.file = Some(file);
                    return Poll::Ready(Ok(bytes));
                }
            }
            ready!(self.poll_idle(cx))?;
            let Some(file) = self.file.take() else {
                return Poll::Ready(Err(io::Error::other("the spill file is missing")));
            };
            let len = (self.len.saturating_sub(offset)).min(SPILL_CHUNK as u64) as usize;
            self.op = Some(Op::Read {
                offset,
                op: Offload::run(move || {
                    let mut buf = vec![0; len];
                    read_exact_at(&file, &mut buf, offset)?;
                    Ok((file, Bytes::from(buf)))
                }),
            });
        }
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}
