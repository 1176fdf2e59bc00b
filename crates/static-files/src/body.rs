//! The streaming body of a file that is not in the memory cache.
//!
//! Reads are positioned (`pread`), one chunk at a time, on tokio's blocking pool;
//! one read is started ahead while the previous chunk is being written, so disk
//! and socket overlap. Memory per response is bounded by two chunks plus what the
//! connection holds, whatever the file size. A file that shrinks while it is sent
//! ends the body with an error, so the server cuts the response short instead of
//! sending a clean but wrong one.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::task::JoinHandle;

/// A piece of a response body: fixed bytes (multipart headers) or a file range.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Bytes(Bytes),
    File(Range<u64>),
}

impl Segment {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Segment::Bytes(b) => b.len() as u64,
            Segment::File(r) => r.end - r.start,
        }
    }
}

enum Pending {
    Ready(Bytes),
    Failed(Option<io::Error>),
    Reading(JoinHandle<io::Result<Bytes>>),
}

/// Streams file ranges and fixed bytes in order.
pub(crate) struct FileBody {
    file: Arc<File>,
    segments: VecDeque<Segment>,
    ahead: VecDeque<Pending>,
    chunk_size: usize,
    remaining: u64,
}

impl std::fmt::Debug for FileBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBody")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// How many pieces are prepared ahead of the one being written.
const AHEAD: usize = 2;

impl FileBody {
    pub(crate) fn new(file: Arc<File>, segments: Vec<Segment>, chunk_size: usize) -> Self {
        let remaining = segments.iter().map(Segment::len).sum();
        FileBody {
            file,
            segments: segments.into_iter().filter(|s| s.len() > 0).collect(),
            ahead: VecDeque::with_capacity(AHEAD),
            chunk_size: chunk_size.max(4096),
            remaining,
        }
    }

    /// Starts the next piece: fixed bytes as they are, a file chunk as a read.
    fn start_next(&mut self) -> bool {
        let Some(segment) = self.segments.front_mut() else {
            return false;
        };
        match segment {
            Segment::Bytes(b) => {
                let b = std::mem::take(b);
                self.segments.pop_front();
                self.ahead.push_back(Pending::Ready(b));
            }
            Segment::File(r) => {
                let len = (r.end - r.start).min(self.chunk_size as u64) as usize;
                let offset = r.start;
                r.start += len as u64;
                if r.start == r.end {
                    self.segments.pop_front();
                }
                let file = self.file.clone();
                let read = move || read_exact_at(&file, len, offset);
                let pending = match tokio::runtime::Handle::try_current() {
                    Ok(rt) => Pending::Reading(rt.spawn_blocking(read)),
                    // Outside a tokio runtime there is no blocking pool: read inline.
                    Err(_) => match read() {
                        Ok(b) => Pending::Ready(b),
                        Err(e) => Pending::Failed(Some(e)),
                    },
                };
                self.ahead.push_back(pending);
            }
        }
        true
    }
}

fn read_exact_at(file: &File, len: usize, offset: u64) -> io::Result<Bytes> {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        let n = read_at(file, &mut buf[filled..], offset + filled as u64)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being sent",
            ));
        }
        filled += n;
    }
    Ok(Bytes::from(buf))
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        while this.ahead.len() < AHEAD && this.start_next() {}
        let Some(front) = this.ahead.front_mut() else {
            return Poll::Ready(None);
        };
        let chunk = match front {
            Pending::Ready(b) => std::mem::take(b),
            Pending::Failed(e) => {
                let e = e.take().unwrap_or_else(|| io::Error::other("read failed"));
                this.segments.clear();
                this.ahead.clear();
                return Poll::Ready(Some(Err(e)));
            }
            Pending::Reading(handle) => match Pin::new(handle).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Ok(b))) => b,
                Poll::Ready(Ok(Err(e))) => {
                    this.segments.clear();
                    this.ahead.clear();
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Err(join)) => {
                    this.segments.clear();
                    this.ahead.clear();
                    return Poll::Ready(Some(Err(io::Error::other(join))));
                }
            },
        };
        this.ahead.pop_front();
        this.remaining -= chunk.len() as u64;
        // Start the next read now, so it runs while this chunk is written.
        while this.ahead.len() < AHEAD && this.start_next() {}
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
