//! The streaming body of a file that is not in the memory cache.
//!
//! Each chunk is a positioned read (`pread`). On Linux it is first tried with
//! `RWF_NOWAIT`, which copies what the page cache holds and never waits for the
//! disk: a warm file streams with no blocking-pool round trip and no thread
//! switch. What the page cache does not hold (and every read elsewhere) goes to
//! tokio's blocking pool. A long body (see [`READ_AHEAD_BYTES`]) reads its next
//! chunk ahead, as a task that runs while the connection waits for its socket;
//! a short one reads each chunk when the connection asks for it, which costs
//! less CPU. A chunk is a `Bytes` that owns its buffer; when the connection has
//! written it, the buffer goes back to a process-wide spare list, so a download
//! does not allocate, zero or fault in fresh memory per chunk. Memory per
//! response is at most three chunks (one or two with the connection, one read
//! ahead), whatever the file size.
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
use std::task::{ready, Context, Poll};

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

/// Chunk buffers the connections have finished writing, shared by every body
/// in the process (a body of a few chunks would otherwise rarely get to reuse
/// one). Their bytes stay initialised, so a reused buffer is read into without
/// being zeroed again, and a download faults in no fresh memory.
static SPARE: Mutex<Spare> = Mutex::new(Spare {
    buffers: Vec::new(),
    bytes: 0,
});

struct Spare {
    buffers: Vec<Vec<u8>>,
    /// Their lengths, summed.
    bytes: usize,
}

/// How much the spare buffers may hold in all: 68 chunks of the default size.
const SPARE_BYTES: usize = 4 << 20;

/// How many spare buffers are kept at most (for small chunk sizes).
const SPARE_MAX: usize = 64;

/// A buffer of at least `len` bytes: a spare one, or a new one of `size`
/// bytes (the chunk size; a short last chunk still gets a reusable buffer, whose
/// untouched pages cost nothing).
fn take_buffer(len: usize, size: usize) -> Vec<u8> {
    let spare = {
        let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
        let buf = spare.buffers.pop();
        spare.bytes -= buf.as_ref().map_or(0, Vec::len);
        buf
    };
    match spare {
        Some(buf) if buf.len() >= len => buf,
        _ => vec![0; len.max(size)],
    }
}

/// The owner behind a chunk's `Bytes`: gives its buffer back to the spares when
/// the connection drops the chunk (or when a read into it failed).
struct Chunk {
    buf: Vec<u8>,
    len: usize,
}

impl Chunk {
    fn new(len: usize, size: usize) -> Self {
        Chunk {
            buf: take_buffer(len, size),
            len,
        }
    }
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.buffers.len() < SPARE_MAX && spare.bytes + buf.len() <= SPARE_BYTES {
            spare.bytes += buf.len();
            spare.buffers.push(buf);
        }
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
    /// The read of the next chunk, when it runs as a task of its own.
    ahead: Option<JoinHandle<io::Result<Bytes>>>,
    /// Whether the body has let other tasks run since its last chunk.
    yielded: bool,
    /// Whether it lets other tasks run between chunks: made inside a tokio
    /// runtime (outside one there is nobody to yield to). Asked once, not per
    /// chunk: the question clones the runtime's handle.
    yields: bool,
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

/// A body with at least this much left reads the next chunk ahead, as a task
/// that runs while the connection waits for its socket. A long download is
/// bound by one connection's round trips, and overlapping them with the read
/// pays (about 1.4× on one 100 MiB download here); a short body is not, so it
/// reads each chunk when the connection asks for it, without a task (a task
/// per chunk costs about 10% more CPU per 1 MiB response).
const READ_AHEAD_BYTES: u64 = 2 << 20;

/// A body that reads ahead reads this many chunks at a time: one long download
/// pays per read (a task, a hand-off) and not for the size of its writes, as
/// many downloads at once do (see [`DEFAULT_CHUNK_SIZE`]).
///
/// [`DEFAULT_CHUNK_SIZE`]: crate::DEFAULT_CHUNK_SIZE
const READ_AHEAD_SCALE: usize = 2;

/// What the next piece gave when read on the spot.
enum Now {
    Chunk(Bytes),
    Failed(io::Error),
    /// Its read went to a task (`ahead`).
    Started,
    End,
}

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
            ahead: None,
            yielded: true,
            yields: tokio::runtime::Handle::try_current().is_ok(),
            chunk_size: chunk_size.max(4096),
            remaining,
        }
    }

    /// The offset and length of the next file chunk, if the next piece is one.
    fn next_chunk(&self) -> Option<(u64, usize)> {
        let size = if self.reads_ahead() {
            self.chunk_size * READ_AHEAD_SCALE
        } else {
            self.chunk_size
        };
        match self.segments.front()? {
            Segment::File(r) => Some((r.start, (r.end - r.start).min(size as u64) as usize)),
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

    /// The next piece, read here if it can be without waiting for the disk:
    /// fixed bytes, what the page cache holds, or anything outside a tokio
    /// runtime (there is no blocking pool there). Otherwise its read is started
    /// as a task.
    fn read_now(&mut self) -> Now {
        let Some(segment) = self.segments.front_mut() else {
            return Now::End;
        };
        if let Segment::Bytes(b) = segment {
            let b = std::mem::take(b);
            self.segments.pop_front();
            return Now::Chunk(b);
        }
        let Some((offset, len)) = self.next_chunk() else {
            return Now::End;
        };
        let mut chunk = Chunk::new(len, self.chunk_size);
        let cached = read_cached(&self.file, &mut chunk.buf[..len], offset);
        if cached > 0 {
            chunk.len = cached;
            self.advance(cached);
            return match check_version(&self.file, self.version) {
                Ok(()) => Now::Chunk(Bytes::from_owner(chunk)),
                Err(e) => Now::Failed(e),
            };
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                drop(chunk);
                self.start_read(&rt);
                Now::Started
            }
            Err(_) => {
                self.advance(len);
                match read_unchanged(&self.file, self.version, chunk, offset) {
                    Ok(b) => Now::Chunk(b),
                    Err(e) => Now::Failed(e),
                }
            }
        }
    }

    /// Starts reading the next chunk as a task, if the next piece is a chunk.
    fn start_read(&mut self, rt: &tokio::runtime::Handle) {
        let Some((offset, len)) = self.next_chunk() else {
            return;
        };
        self.advance(len);
        let chunk = Chunk::new(len, self.chunk_size);
        let file = self.file.clone();
        let version = self.version;
        self.ahead = Some(spawn_read(rt, file, version, chunk, offset));
    }

    /// Whether the next chunk should be read ahead (see [`READ_AHEAD_BYTES`]).
    /// Where the page cache cannot be read on the spot, every read goes to the
    /// blocking pool and always runs ahead.
    fn reads_ahead(&self) -> bool {
        !cfg!(target_os = "linux") || self.remaining >= READ_AHEAD_BYTES
    }

    fn fail(&mut self, e: io::Error) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.segments.clear();
        self.ahead = None;
        Poll::Ready(Some(Err(e)))
    }
}

/// Reads one chunk as a task of its own: from the page cache on the worker if
/// it holds the bytes (no thread switch), the rest on the blocking pool.
#[cfg(target_os = "linux")]
fn spawn_read(
    rt: &tokio::runtime::Handle,
    file: Arc<File>,
    version: Option<Version>,
    mut chunk: Chunk,
    offset: u64,
) -> JoinHandle<io::Result<Bytes>> {
    rt.spawn(async move {
        let len = chunk.len;
        let cached = read_cached(&file, &mut chunk.buf[..len], offset);
        if cached == len {
            check_version(&file, version)?;
            return Ok(Bytes::from_owner(chunk));
        }
        let rest = move || {
            read_exact_at(&file, &mut chunk.buf[cached..len], offset + cached as u64)?;
            check_version(&file, version)?;
            Ok(Bytes::from_owner(chunk))
        };
        tokio::task::spawn_blocking(rest)
            .await
            .unwrap_or_else(|join| Err(io::Error::other(join)))
    })
}

/// Reads one chunk on the blocking pool.
#[cfg(not(target_os = "linux"))]
fn spawn_read(
    rt: &tokio::runtime::Handle,
    file: Arc<File>,
    version: Option<Version>,
    chunk: Chunk,
    offset: u64,
) -> JoinHandle<io::Result<Bytes>> {
    rt.spawn_blocking(move || read_unchanged(&file, version, chunk, offset))
}

/// Fills `buf` from `offset` with what the page cache holds, without waiting
/// for the disk (`preadv2` with `RWF_NOWAIT`); returns how many bytes it read.
/// Any error reads as 0: the blocking read that follows reports it.
#[cfg(target_os = "linux")]
fn read_cached(file: &File, buf: &mut [u8], offset: u64) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        let mut iov = [io::IoSliceMut::new(&mut buf[filled..])];
        let flags = rustix::io::ReadWriteFlags::NOWAIT;
        match rustix::io::preadv2(file, &mut iov, offset + filled as u64, flags) {
            Ok(n) if n > 0 => filled += n,
            _ => break,
        }
    }
    filled
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &File, _: &mut [u8], _: u64) -> usize {
    0
}

/// Checks that the file is still the version the response describes.
fn check_version(file: &File, version: Option<Version>) -> io::Result<()> {
    if let Some(expected) = version {
        if current_version(file)? != expected {
            return Err(io::Error::other("the file changed while it was being sent"));
        }
    }
    Ok(())
}

/// The file's length and modification time now, as `std::fs::Metadata` gives
/// them. On Linux one `fstat`: std's `metadata` goes through `statx` and costs
/// about 230 user-space instructions more per call, and this runs after every
/// chunk (about 7,500 instructions per 1 MiB response).
#[cfg(target_os = "linux")]
fn current_version(file: &File) -> io::Result<Version> {
    let stat = rustix::fs::fstat(file)?;
    Ok(Version {
        len: stat.st_size as u64,
        mtime: system_time(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
    })
}

#[cfg(not(target_os = "linux"))]
fn current_version(file: &File) -> io::Result<Version> {
    let meta = file.metadata()?;
    Ok(Version {
        len: meta.len(),
        mtime: meta.modified().ok(),
    })
}

/// The `SystemTime` std builds from a `stat` time (seconds from the epoch, which
/// may be negative, and nanoseconds).
#[cfg(target_os = "linux")]
fn system_time(secs: i64, nanos: i64) -> Option<std::time::SystemTime> {
    let nanos = std::time::Duration::from_nanos(u64::try_from(nanos).ok()?);
    let epoch = std::time::UNIX_EPOCH;
    let whole = std::time::Duration::from_secs(secs.unsigned_abs());
    let at = if secs >= 0 {
        epoch.checked_add(whole)?
    } else {
        epoch.checked_sub(whole)?
    };
    at.checked_add(nanos)
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

impl FileBody {
    /// Counts `chunk` as sent and, for a long body, starts reading the next.
    fn sent(&mut self, chunk: Bytes) -> Frame<Bytes> {
        self.remaining -= chunk.len() as u64;
        self.yielded = false;
        if self.ahead.is_none() && self.reads_ahead() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                self.start_read(&rt);
            }
        }
        Frame::data(chunk)
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        // Between two chunks read on the spot, answer `Pending` once (waking at
        // once): hyper then writes the chunk it holds before it asks for the
        // next, so each chunk is one write. Without this, hyper queues chunks up
        // to its buffer limit (64 KiB under gw-server) and writes them together,
        // each connection until its socket is full, and that costs the kernel's
        // TCP path far more: with 32 KiB chunks, about 1.8× the system CPU per
        // 1 MiB response at 8 connections on loopback here. What matters is the
        // size of the writes, not the connections taking turns: flushing every
        // chunk through a 32 KiB buffer limit, without yielding, cost the same
        // as yielding (see `DEFAULT_CHUNK_SIZE` for the size itself).
        // Outside a runtime there is nobody to yield to.
        if this.yields && this.ahead.is_none() && !this.yielded && this.remaining > 0 {
            this.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if this.ahead.is_none() {
            match this.read_now() {
                Now::Chunk(chunk) => return Poll::Ready(Some(Ok(this.sent(chunk)))),
                Now::Failed(e) => return this.fail(e),
                Now::End => return Poll::Ready(None),
                Now::Started => {}
            }
        }
        let Some(handle) = this.ahead.as_mut() else {
            return Poll::Ready(None);
        };
        let chunk = match ready!(Pin::new(handle).poll(cx)) {
            Ok(Ok(chunk)) => chunk,
            Ok(Err(e)) => return this.fail(e),
            Err(join) => return this.fail(io::Error::other(join)),
        };
        this.ahead = None;
        Poll::Ready(Some(Ok(this.sent(chunk))))
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
    use http_body::Body as _;
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

    /// A temporary file of `len` numbered bytes: (its directory, path, bytes).
    fn numbered_file(len: usize) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let data: Vec<u8> = (0..len as u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        (dir, path, data)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_body_reads_ahead_and_its_chunks_keep_file_order() {
        let (_dir, path, data) = numbered_file(READ_AHEAD_BYTES as usize + 300_000);
        let mut body = body_over(&path, 4096);
        let mut got = Vec::new();
        let mut read_ahead = false;
        let mut sizes = std::collections::BTreeSet::new();
        while let Some(frame) = body.frame().await {
            let chunk = frame.unwrap().into_data().unwrap();
            sizes.insert(chunk.len());
            got.extend_from_slice(&chunk);
            read_ahead |= body.ahead.is_some();
        }
        assert!(read_ahead, "a body of 2.3 MiB never read ahead");
        // Read ahead 2 chunks at a time, then chunk by chunk below 2 MiB left.
        assert_eq!(sizes.iter().max(), Some(&(READ_AHEAD_SCALE * 4096)));
        assert!(sizes.contains(&4096), "{sizes:?}");
        assert!(body.ahead.is_none(), "a read ahead past the end");
        assert_eq!(got, data);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fixed_bytes_and_file_ranges_interleave_in_order_while_reading_ahead() {
        let (_dir, path, data) = numbered_file(2_200_000);
        let file = Arc::new(File::open(&path).unwrap());
        let segments = vec![
            Segment::Bytes(Bytes::from_static(b"<head>")),
            Segment::File(1000..2_150_000),
            Segment::Bytes(Bytes::from_static(b"<mid>")),
            Segment::File(0..10),
            Segment::Bytes(Bytes::new()),
            Segment::File(2_199_990..2_200_000),
            Segment::Bytes(Bytes::from_static(b"<tail>")),
        ];
        let body = FileBody::new(file, None, segments, 4096);
        assert_eq!(
            body.size_hint().exact(),
            Some(6 + 2_149_000 + 5 + 10 + 10 + 6)
        );
        let got = body.collect().await.unwrap().to_bytes();
        let mut want = b"<head>".to_vec();
        want.extend_from_slice(&data[1000..2_150_000]);
        want.extend_from_slice(b"<mid>");
        want.extend_from_slice(&data[..10]);
        want.extend_from_slice(&data[2_199_990..]);
        want.extend_from_slice(b"<tail>");
        assert_eq!(got, want);
    }

    #[test]
    fn spare_buffers_hold_at_most_4_mib() {
        let chunks: Vec<Chunk> = (0..10).map(|_| Chunk::new(1 << 20, 1 << 20)).collect();
        drop(chunks);
        let spare = SPARE.lock().unwrap();
        let held: usize = spare.buffers.iter().map(Vec::len).sum();
        // Other tests may take buffers meanwhile, never add past the bound.
        assert!(held <= SPARE_BYTES, "{held} bytes of spare buffers");
        assert_eq!(spare.bytes, held, "the running total is the sum");
    }

    #[test]
    fn outside_a_runtime_the_body_reads_inline() {
        let (_dir, path, data) = numbered_file(100_000);
        let mut body = std::pin::pin!(body_over(&path, 4096));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut got = Vec::new();
        // Bounded: 25 chunks and the end; every poll is ready at once.
        for _ in 0..100 {
            match body.as_mut().poll_frame(&mut cx) {
                Poll::Ready(Some(frame)) => {
                    got.extend_from_slice(&frame.unwrap().into_data().unwrap())
                }
                Poll::Ready(None) => break,
                Poll::Pending => panic!("a read outside a runtime waited"),
            }
        }
        assert_eq!(got, data);
    }

    #[tokio::test]
    async fn a_file_shrunk_before_its_chunk_is_read_ends_the_body_with_an_error() {
        let (_dir, path, _) = numbered_file(64 * 1024);
        let mut body = body_over(&path, 4096);
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap().len(), 4096);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(8192)
            .unwrap();
        let mut sent = 4096;
        let err = loop {
            match body.frame().await {
                Some(Ok(frame)) => sent += frame.into_data().unwrap().len(),
                Some(Err(e)) => break e,
                None => panic!("the body ended cleanly after {sent} bytes"),
            }
        };
        assert!(
            sent <= 8192 + 4096,
            "{sent} bytes sent of a file cut to 8192"
        );
        assert!(
            err.to_string().contains("changed") || err.to_string().contains("shrank"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_cached_file_streams_one_whole_chunk_per_frame() {
        // A frame is one `writev` on an HTTP/1.1 connection; smaller frames cost
        // more CPU per byte, so a chunk is never handed over in pieces. (The file
        // was just written: the page cache holds all of it.)
        let (_dir, path, data) = numbered_file(5 * 8192 + 100);
        let mut body = body_over(&path, 8192);
        let mut sizes = Vec::new();
        let mut got = Vec::new();
        while let Some(frame) = body.frame().await {
            let chunk = frame.unwrap().into_data().unwrap();
            sizes.push(chunk.len());
            got.extend_from_slice(&chunk);
        }
        assert_eq!(sizes, [8192, 8192, 8192, 8192, 8192, 100]);
        assert_eq!(got, data);
    }

    #[tokio::test]
    async fn between_chunks_a_body_lets_other_tasks_run_once() {
        struct Count(std::sync::atomic::AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let (_dir, path, data) = numbered_file(3 * 4096);
        let mut body = std::pin::pin!(body_over(&path, 4096));
        let count = Arc::new(Count(std::sync::atomic::AtomicUsize::new(0)));
        let waker = std::task::Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut got = Vec::new();
        let mut pending = 0;
        // Bounded: 3 chunks, a yield before each of the last two, and the end.
        for _ in 0..20 {
            match body.as_mut().poll_frame(&mut cx) {
                Poll::Ready(Some(frame)) => {
                    got.extend_from_slice(&frame.unwrap().into_data().unwrap())
                }
                Poll::Ready(None) => break,
                Poll::Pending => pending += 1,
            }
        }
        assert_eq!(got, data);
        assert_eq!(pending, 2, "one yield between two chunks");
        assert_eq!(
            count.0.load(std::sync::atomic::Ordering::Relaxed),
            2,
            "each yield wakes the task again"
        );
    }

    #[test]
    fn the_version_read_per_chunk_is_the_one_std_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, b"abc").unwrap();
        let epoch = std::time::UNIX_EPOCH;
        let times = [
            epoch + std::time::Duration::new(1_700_000_000, 123_456_789),
            epoch + std::time::Duration::new(5, 0),
            epoch - std::time::Duration::new(86_400, 0) + std::time::Duration::new(0, 999),
        ];
        for at in times {
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.set_modified(at).unwrap();
            let meta = file.metadata().unwrap();
            let std_version = Version {
                len: meta.len(),
                mtime: meta.modified().ok(),
            };
            assert_eq!(current_version(&file).unwrap(), std_version, "{at:?}");
            assert_eq!(std_version.len, 3);
        }
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
