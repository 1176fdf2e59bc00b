//! The streaming body of a file that is not in the memory cache.
//!
//! Reads are positioned (`pread`), one chunk at a time, on tokio's blocking pool;
//! one read is started ahead while the previous chunk is being written, so disk
//! and socket overlap. Memory per response is bounded by two chunks plus what the
//! connection holds, whatever the file size. A file that shrinks, or changes in
//! any way (its length or modification time differ from those the response
//! headers were built from), while it is sent ends the body with an error, so the
//! server cuts the response short instead of sending a clean but wrong one.

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

/// The length and modification time a response was built from; checked after
/// every read, so bytes of a newer version are never sent under the old headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Version {
    pub(crate) len: u64,
    pub(crate) mtime: Option<std::time::SystemTime>,
}

/// Streams file ranges and fixed bytes in order.
pub(crate) struct FileBody {
    file: Arc<File>,
    version: Option<Version>,
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
    pub(crate) fn new(
        file: Arc<File>,
        version: Option<Version>,
        segments: Vec<Segment>,
        chunk_size: usize,
    ) -> Self {
        let remaining = segments.iter().map(Segment::len).sum();
        FileBody {
            file,
            version,
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
                let version = self.version;
                let read = move || read_unchanged(&file, version, len, offset);
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

/// Reads `len` bytes at `offset`, then checks that the file is still the version
/// the response describes. The check comes after the read: a change that landed
/// before it shows in the metadata, and one after it did not affect these bytes.
fn read_unchanged(
    file: &File,
    version: Option<Version>,
    len: usize,
    offset: u64,
) -> io::Result<Bytes> {
    let bytes = read_exact_at(file, len, offset)?;
    if let Some(expected) = version {
        let meta = file.metadata()?;
        let now = Version {
            len: meta.len(),
            mtime: meta.modified().ok(),
        };
        if now != expected {
            return Err(io::Error::other("the file changed while it was being sent"));
        }
    }
    Ok(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn body_over(path: &std::path::Path, chunk: usize) -> FileBody {
        let file = File::open(path).unwrap();
        let meta = file.metadata().unwrap();
        let version = Version {
            len: meta.len(),
            mtime: meta.modified().ok(),
        };
        FileBody::new(
            Arc::new(file),
            Some(version),
            vec![Segment::File(0..meta.len())],
            chunk,
        )
    }

    #[tokio::test]
    async fn a_file_rewritten_in_place_while_it_streams_ends_the_body_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, vec![b'A'; 64 * 1024]).unwrap();
        let mut body = body_over(&path, 4096);
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert!(first.iter().all(|&b| b == b'A'));
        // Same length, new bytes: only the modification time tells.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, vec![b'B'; 64 * 1024]).unwrap();
        let mut sent = first.len();
        let err = loop {
            match body.frame().await {
                Some(Ok(frame)) => {
                    let data = frame.into_data().unwrap();
                    // Chunks read ahead before the rewrite are the old version.
                    assert!(data.iter().all(|&b| b == b'A'), "a rewritten byte was sent");
                    sent += data.len();
                }
                Some(Err(e)) => break e,
                None => panic!("the body ended cleanly after {sent} bytes"),
            }
        };
        assert_eq!(err.to_string(), "the file changed while it was being sent");
        assert!(sent < 64 * 1024);
    }

    #[tokio::test]
    async fn an_unchanged_file_streams_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let got = body_over(&path, 4096).collect().await.unwrap().to_bytes();
        assert_eq!(got, data);
    }
}
