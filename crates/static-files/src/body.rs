//! The streaming body of a file that is not in the memory cache.
//!
//! Each chunk is a positioned read (`pread`). On Linux the read is first tried
//! on the calling task with `RWF_NOWAIT`, which copies what the page cache holds
//! and never waits for the disk: a warm file is streamed with no blocking-pool
//! round trip and no thread switch at all. What the page cache does not hold
//! (and every read on other systems) goes to tokio's blocking pool, with a
//! second read started ahead so that disk and socket overlap. A chunk's buffer
//! comes back to its body when the connection has written it (the chunk is a
//! `Bytes` that owns it), so a long download allocates, zeroes and faults in no
//! memory after its first chunks. Memory per response is bounded by a few chunks
//! (see `DEFAULT_CHUNK_SIZE`), whatever the file size.
//!
//! A file that shrinks, or changes in any way (its length or modification time
//! differ from those the response headers were built from), while it is sent
//! ends the body with an error, so the server cuts the response short instead of
//! sending a clean but wrong one.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
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

/// The spare chunk buffers of one body. Their bytes stay initialised, so a
/// reused buffer is read into without being zeroed again.
#[derive(Clone, Default)]
struct Pool(Arc<Mutex<Vec<Vec<u8>>>>);

impl Pool {
    /// A buffer of at least `len` bytes: a spare one, or a new one.
    fn take(&self, len: usize) -> Vec<u8> {
        let spare = self.0.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match spare {
            Some(buf) if buf.len() >= len => buf,
            _ => vec![0; len],
        }
    }

    fn give(&self, buf: Vec<u8>) {
        let mut spare = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.len() < SPARE {
            spare.push(buf);
        }
    }
}

/// The owner behind a chunk's `Bytes`: gives its buffer back to the pool when
/// the connection drops the chunk (or when a read into it failed).
struct Chunk {
    buf: Vec<u8>,
    len: usize,
    pool: Pool,
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
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
    /// Blocking reads in flight (only after the page cache missed).
    ahead: VecDeque<Pending>,
    /// Buffers the connection has finished writing.
    pool: Pool,
    chunk_size: usize,
    remaining: u64,
    /// Whether reads from the page cache on this task are still worth trying.
    nowait: bool,
}

impl std::fmt::Debug for FileBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBody")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// How many blocking reads run ahead of the chunk being written.
const AHEAD: usize = 2;

/// How many spare buffers a body keeps for reuse.
const SPARE: usize = AHEAD + 1;

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
            pool: Pool::default(),
            chunk_size: chunk_size.max(4096),
            remaining,
            nowait: cfg!(target_os = "linux"),
        }
    }

    /// The offset and length of the next file chunk, if the next piece is one.
    fn next_chunk(&self) -> Option<(u64, usize)> {
        match self.segments.front()? {
            Segment::File(r) => Some((
                r.start,
                (r.end - r.start).min(self.chunk_size as u64) as usize,
            )),
            Segment::Bytes(_) => None,
        }
    }

    /// Marks `n` bytes of the front file segment as taken.
    fn advance(&mut self, n: usize) {
        if let Some(Segment::File(r)) = self.segments.front_mut() {
            r.start += n as u64;
            if r.start == r.end {
                self.segments.pop_front();
            }
        }
    }

    /// Reads the next chunk here and now if the page cache holds (some of) it.
    /// `None` means it would have to wait for the disk: use the blocking pool.
    #[cfg(target_os = "linux")]
    fn read_cached(&mut self) -> Option<io::Result<Bytes>> {
        if !self.nowait {
            return None;
        }
        let (offset, len) = self.next_chunk()?;
        let mut chunk = Chunk {
            buf: self.pool.take(len),
            len,
            pool: self.pool.clone(),
        };
        let mut iov = [io::IoSliceMut::new(&mut chunk.buf[..len])];
        let flags = rustix::io::ReadWriteFlags::NOWAIT;
        chunk.len = match rustix::io::preadv2(&*self.file, &mut iov, offset, flags) {
            Ok(n) if n > 0 => n,
            // End of file (it shrank): the blocking read reports it.
            Ok(_) => return None,
            Err(e) => {
                // EAGAIN: not cached. Anything else (an old kernel, a file
                // system without RWF_NOWAIT): stop trying for this body.
                self.nowait = e == rustix::io::Errno::AGAIN;
                return None;
            }
        };
        self.advance(chunk.len);
        Some(check_version(&self.file, self.version).map(|()| Bytes::from_owner(chunk)))
    }

    #[cfg(not(target_os = "linux"))]
    fn read_cached(&mut self) -> Option<io::Result<Bytes>> {
        None
    }

    /// Starts the next piece: fixed bytes as they are, a file chunk as a read on
    /// the blocking pool.
    fn start_next(&mut self) -> bool {
        let Some(segment) = self.segments.front_mut() else {
            return false;
        };
        if let Segment::Bytes(b) = segment {
            let b = std::mem::take(b);
            self.segments.pop_front();
            self.ahead.push_back(Pending::Ready(b));
            return true;
        }
        let Some((offset, len)) = self.next_chunk() else {
            return false;
        };
        self.advance(len);
        let chunk = Chunk {
            buf: self.pool.take(len),
            len,
            pool: self.pool.clone(),
        };
        let file = self.file.clone();
        let version = self.version;
        let read = move || read_unchanged(&file, version, chunk, offset);
        let pending = match tokio::runtime::Handle::try_current() {
            Ok(rt) => Pending::Reading(rt.spawn_blocking(read)),
            // Outside a tokio runtime there is no blocking pool: read inline.
            Err(_) => match read() {
                Ok(b) => Pending::Ready(b),
                Err(e) => Pending::Failed(Some(e)),
            },
        };
        self.ahead.push_back(pending);
        true
    }

    fn fail(&mut self, e: io::Error) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.segments.clear();
        self.ahead.clear();
        Poll::Ready(Some(Err(e)))
    }
}

/// Checks that the file is still the version the response describes.
fn check_version(file: &File, version: Option<Version>) -> io::Result<()> {
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
    Ok(())
}

/// Fills `chunk` from `offset`, then checks that the file is still the version
/// the response describes. The check comes after the read: a change that landed
/// before it shows in the metadata, and one after it did not affect these bytes.
fn read_unchanged(
    file: &File,
    version: Option<Version>,
    mut chunk: Chunk,
    offset: u64,
) -> io::Result<Bytes> {
    let len = chunk.len;
    read_exact_at(file, &mut chunk.buf[..len], offset)?;
    check_version(file, version)?;
    Ok(Bytes::from_owner(chunk))
}

fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = read_at(file, &mut buf[filled..], offset + filled as u64)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being sent",
            ));
        }
        filled += n;
    }
    Ok(())
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
        if this.ahead.is_empty() {
            match this.read_cached() {
                Some(Ok(chunk)) => {
                    this.remaining -= chunk.len() as u64;
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                Some(Err(e)) => return this.fail(e),
                // Not in the page cache: read it, and the next, on the pool.
                None => while this.ahead.len() < AHEAD && this.start_next() {},
            }
        }
        let Some(front) = this.ahead.front_mut() else {
            return Poll::Ready(None);
        };
        let chunk = match front {
            Pending::Ready(b) => std::mem::take(b),
            Pending::Failed(e) => {
                let e = e.take().unwrap_or_else(|| io::Error::other("read failed"));
                return this.fail(e);
            }
            Pending::Reading(handle) => match Pin::new(handle).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Ok(b))) => b,
                Poll::Ready(Ok(Err(e))) => return this.fail(e),
                Poll::Ready(Err(join)) => return this.fail(io::Error::other(join)),
            },
        };
        this.ahead.pop_front();
        this.remaining -= chunk.len() as u64;
        if !this.nowait {
            // Every read goes to the pool: start the next now, so it runs while
            // this chunk is written. (Otherwise the page cache is tried again
            // once the reads in flight are used up.)
            while this.ahead.len() < AHEAD && this.start_next() {}
        }
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
