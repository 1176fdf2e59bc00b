//! The response body type shared by every Gateway crate.

use std::any::Any;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::sync::mpsc;

use crate::BoxError;

type DynBody = Pin<Box<dyn AnyBody>>;

/// A boxed body that can say what it is, for [`Body::downcast_ref`].
trait AnyBody: http_body::Body<Data = Bytes, Error = BoxError> + Send + 'static {
    fn as_any(&self) -> &dyn Any;
}

impl<T> AnyBody for T
where
    T: http_body::Body<Data = Bytes, Error = BoxError> + Send + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The body of a Gateway response.
///
/// A fixed body ([`Bytes`], `&'static str`, `String`, `Vec<u8>`) is stored inline:
/// no boxing and no allocation beyond the bytes themselves. Anything else — another
/// [`http_body::Body`], a [`Stream`](futures_core::Stream) of chunks, an iterator of
/// chunks, or a [`channel`](Body::channel) — is boxed once.
///
/// A body built from chunks is the twin of a WSGI app that `yield`s: each chunk is
/// sent as its own frame, as soon as it is produced.
///
/// A `Body` is 32 bytes, the size of its [`Bytes`], so a `Request<Body>` is 256:
/// requests and responses are moved from layer to layer, and a move of up to 256
/// bytes is a few instructions fewer than one above it.
///
/// ```
/// use gw_core::Body;
/// use http_body::Body as _;
///
/// let fixed = Body::from("Hello World!");
/// assert_eq!(fixed.size_hint().exact(), Some(12));
///
/// let chunked = Body::from_chunks(["Hello ", "World!"]);
/// assert_eq!(chunked.size_hint().exact(), None);
/// ```
pub struct Body {
    kind: Kind,
}

enum Kind {
    /// The whole body; empty once sent (or when there was none).
    Full { chunk: Bytes },
    /// Any other body.
    Boxed { body: DynBody },
}

impl Body {
    /// An empty body.
    pub const fn empty() -> Self {
        Body {
            kind: Kind::Full {
                chunk: Bytes::new(),
            },
        }
    }

    /// Boxes `body` as it is: no check that it has ended, and no wrapper around
    /// its error, already a [`BoxError`]. For a body known to be live, such as
    /// one a layer makes to stand for the request's, where [`Body::new`]'s
    /// checks would only cost time. [`Body::downcast_ref`] finds it.
    ///
    /// ```
    /// use gw_core::Body;
    /// use http_body::Body as _;
    ///
    /// // Any body whose error is a `BoxError`; here another `Body`.
    /// let body = Body::boxed(Body::from("hi"));
    /// assert!(body.downcast_ref::<Body>().is_some());
    /// assert_eq!(body.size_hint().exact(), Some(2));
    /// ```
    pub fn boxed(
        body: impl http_body::Body<Data = Bytes, Error = BoxError> + Send + 'static,
    ) -> Self {
        Body {
            kind: Kind::Boxed {
                body: Box::pin(body),
            },
        }
    }

    /// Wraps any [`http_body::Body`] whose data is [`Bytes`].
    ///
    /// Nothing is boxed for a `gw_core::Body`, which is returned as it is, nor for
    /// a body that has already ended ([`is_end_stream`](http_body::Body::is_end_stream):
    /// a GET's), which becomes [`Body::empty`]. Anything else is boxed once.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        // Avoid boxing a body that is already ours.
        let mut slot = Some(body);
        if let Some(ours) = <dyn Any>::downcast_mut::<Option<Body>>(&mut slot) {
            if let Some(ours) = ours.take() {
                return ours;
            }
        }
        let body = slot.expect("slot is only emptied for our own type");
        // An ended body yields no frame, not even trailers (http-body's contract
        // for `is_end_stream`), so an empty one answers exactly the same.
        if body.is_end_stream() {
            return Body::empty();
        }
        Body::boxed(MapErr { inner: body })
    }

    /// The body that [`Body::new`] wrapped, if it is a `T`: a layer that put a
    /// body of its own in a request can tell, later, whether the request still
    /// holds it. `None` for any other body, and for a fixed one.
    ///
    /// ```
    /// use gw_core::Body;
    /// use http_body_util::Full;
    /// use bytes::Bytes;
    ///
    /// let body = Body::new(Full::new(Bytes::from("hi")));
    /// assert!(body.downcast_ref::<Full<Bytes>>().is_some());
    /// assert!(Body::from("hi").downcast_ref::<Full<Bytes>>().is_none());
    /// ```
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        let Kind::Boxed { body } = &self.kind else {
            return None;
        };
        let any = body.as_ref().get_ref().as_any();
        // `Body::new` wraps a body in `MapErr`; `Body::boxed` boxes it as it is.
        any.downcast_ref::<T>().or_else(|| {
            any.downcast_ref::<MapErr<T>>()
                .map(|wrapped| &wrapped.inner)
        })
    }

    /// The whole body, if it is fixed: bytes already in memory, which polling
    /// hands over in one frame, with no wait and no error. `None` for a boxed
    /// body, even one that holds bytes. A layer can pass a fixed body on
    /// untouched where another needs watching.
    ///
    /// ```
    /// use gw_core::Body;
    ///
    /// assert_eq!(Body::from("hi").as_bytes().map(|b| &b[..]), Some(&b"hi"[..]));
    /// assert!(Body::empty().as_bytes().is_some_and(|b| b.is_empty()));
    /// assert!(Body::from_chunks(["hi"]).as_bytes().is_none());
    /// ```
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Full { chunk } => Some(chunk),
            Kind::Boxed { .. } => None,
        }
    }

    /// A body made of a stream of chunks; a stream error ends the body with that error.
    pub fn from_stream<S, T, E>(stream: S) -> Self
    where
        S: futures_core::Stream<Item = Result<T, E>> + Send + 'static,
        T: Into<Bytes>,
        E: Into<BoxError>,
    {
        Body::boxed(StreamBody { stream })
    }

    /// A body that sends each item of an iterator as its own chunk.
    ///
    /// The iterator is run lazily, one chunk per poll, like a WSGI generator.
    /// Empty chunks are skipped.
    pub fn from_chunks<I>(chunks: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Bytes> + 'static,
        I::IntoIter: Send + 'static,
    {
        Body::boxed(ChunksBody {
            chunks: chunks.into_iter(),
        })
    }

    /// A body fed from a task through a [`BodySender`]: `yield` for async code.
    ///
    /// The channel holds one chunk, so a sender that outruns the client waits
    /// (backpressure). Dropping the sender ends the body cleanly; [`BodySender::abort`]
    /// ends it with an error, which makes the server cut the response short.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use gw_core::Body;
    ///
    /// let (mut tx, body) = Body::channel();
    /// tokio::spawn(async move {
    ///     tx.send("Hello ").await.ok();
    ///     tx.send("World!").await.ok();
    /// });
    /// # let _ = body;
    /// # }
    /// ```
    pub fn channel() -> (BodySender, Body) {
        let (tx, rx) = mpsc::channel(1);
        (BodySender { tx }, Body::boxed(ChannelBody { rx }))
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full { chunk } => f.debug_tuple("Body::Full").field(chunk).finish(),
            Kind::Boxed { .. } => f.write_str("Body::Boxed"),
        }
    }
}

macro_rules! body_from {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Body {
            fn from(value: $ty) -> Self {
                Body { kind: Kind::Full { chunk: Bytes::from(value) } }
            }
        }
    )*};
}
body_from!(Bytes, &'static str, &'static [u8], String, Vec<u8>);

impl From<()> for Body {
    fn from((): ()) -> Self {
        Body::empty()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Full { chunk } => {
                Poll::Ready((!chunk.is_empty()).then(|| Ok(Frame::data(std::mem::take(chunk)))))
            }
            Kind::Boxed { body } => body.as_mut().poll_frame(cx),
        }
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full { chunk } => chunk.is_empty(),
            Kind::Boxed { body } => body.is_end_stream(),
        }
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full { chunk } => SizeHint::with_exact(chunk.len() as u64),
            Kind::Boxed { body } => body.size_hint(),
        }
    }
}

/// The sending half of [`Body::channel`].
#[derive(Debug)]
pub struct BodySender {
    tx: mpsc::Sender<Result<Bytes, BoxError>>,
}

/// The receiving body was dropped: the client has gone away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyClosed;

impl fmt::Display for BodyClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the response body was dropped before the sender finished")
    }
}

impl std::error::Error for BodyClosed {}

impl BodySender {
    /// Sends one chunk, waiting while the previous one has not been taken yet.
    pub async fn send(&mut self, chunk: impl Into<Bytes>) -> Result<(), BodyClosed> {
        self.tx.send(Ok(chunk.into())).await.map_err(|_| BodyClosed)
    }

    /// Ends the body with an error. The server aborts the response, so the client
    /// sees a truncated body instead of a clean end.
    pub async fn abort(self, error: impl Into<BoxError>) {
        let _ = self.tx.send(Err(error.into())).await;
    }

    /// True when the body has been dropped, so further chunks would be wasted.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

pin_project! {
    struct MapErr<B> {
        #[pin]
        inner: B,
    }
}

impl<B> http_body::Body for MapErr<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.project().inner.poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// [`Body::from_chunks`]: one frame per non-empty item.
    struct ChunksBody<I> {
        chunks: I,
    }
}

impl<I> http_body::Body for ChunksBody<I>
where
    I: Iterator,
    I::Item: Into<Bytes>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let chunks = self.project().chunks;
        Poll::Ready(
            chunks
                .map(Into::into)
                .find(|c: &Bytes| !c.is_empty())
                .map(|c| Ok(Frame::data(c))),
        )
    }
}

/// [`Body::channel`]: what the [`BodySender`] sends.
struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, BoxError>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.rx
            .poll_recv(cx)
            .map(|item| item.map(|r| r.map(Frame::data)))
    }
}

pin_project! {
    struct StreamBody<S> {
        #[pin]
        stream: S,
    }
}

impl<S, T, E> http_body::Body for StreamBody<S>
where
    S: futures_core::Stream<Item = Result<T, E>>,
    T: Into<Bytes>,
    E: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut stream = self.project().stream;
        loop {
            return match futures_core::ready!(stream.as_mut().poll_next(cx)) {
                None => Poll::Ready(None),
                Some(Err(e)) => Poll::Ready(Some(Err(e.into()))),
                Some(Ok(chunk)) => {
                    let chunk: Bytes = chunk.into();
                    if chunk.is_empty() {
                        continue;
                    }
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                }
            };
        }
    }
}

/// Collects the chunks of a body into a queue; used by the test client and tests.
#[cfg(any(test, feature = "test-util"))]
pub(crate) async fn collect_frames<B>(
    body: B,
) -> Result<(std::collections::VecDeque<Bytes>, Option<http::HeaderMap>), B::Error>
where
    B: http_body::Body<Data = Bytes>,
{
    use http_body_util::BodyExt;
    let mut body = std::pin::pin!(body);
    let mut chunks = std::collections::VecDeque::new();
    let mut trailers = None;
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        match frame.into_data() {
            Ok(data) => chunks.push_back(data),
            Err(frame) => trailers = frame.into_trailers().ok(),
        }
    }
    Ok((chunks, trailers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;

    #[tokio::test]
    async fn fixed_body_is_one_frame_with_exact_size() {
        let body = Body::from("Hello World!");
        assert_eq!(body.size_hint().exact(), Some(12));
        let (chunks, _) = collect_frames(body).await.unwrap();
        assert_eq!(chunks, [Bytes::from_static(b"Hello World!")]);
    }

    #[tokio::test]
    async fn empty_string_is_an_ended_body() {
        let body = Body::from(String::new());
        assert!(body.is_end_stream());
        assert_eq!(body.size_hint().exact(), Some(0));
    }

    #[test]
    fn a_body_is_no_larger_than_its_bytes() {
        // What keeps a `Request<Body>` within 256 bytes (see the type's docs).
        assert_eq!(std::mem::size_of::<Body>(), std::mem::size_of::<Bytes>());
    }

    #[tokio::test]
    async fn chunks_arrive_one_frame_each_and_empty_ones_are_skipped() {
        let body = Body::from_chunks(["Hello ", "", "World!"]);
        let (chunks, _) = collect_frames(body).await.unwrap();
        assert_eq!(
            chunks,
            [Bytes::from_static(b"Hello "), Bytes::from_static(b"World!")]
        );
    }

    #[tokio::test]
    async fn channel_abort_ends_the_body_with_an_error() {
        let (mut tx, body) = Body::channel();
        tokio::spawn(async move {
            tx.send("partial").await.unwrap();
            tx.abort("it broke").await;
        });
        let err = collect_frames(body).await.unwrap_err();
        assert_eq!(err.to_string(), "it broke");
    }

    #[tokio::test]
    async fn wrapping_our_own_body_does_not_box_it_again() {
        let body = Body::new(Body::from("x"));
        assert!(matches!(body.kind, Kind::Full { .. }));
    }

    #[tokio::test]
    async fn an_ended_body_is_not_boxed_and_a_live_one_keeps_every_frame() {
        let ended = Body::new(http_body_util::Empty::<Bytes>::new());
        assert!(matches!(&ended.kind, Kind::Full { chunk } if chunk.is_empty()));
        let live = Body::new(http_body_util::Full::new(Bytes::from_static(b"abc")));
        assert!(matches!(live.kind, Kind::Boxed { .. }));
        let (chunks, _) = collect_frames(live).await.unwrap();
        assert_eq!(chunks, [Bytes::from_static(b"abc")]);
    }

    #[tokio::test]
    async fn stream_errors_end_the_body() {
        let items: Vec<Result<&'static str, BoxError>> = vec![Ok("a"), Err("bad".into())];
        let body = Body::from_stream(Iter(items.into_iter()));
        assert_eq!(collect_frames(body).await.unwrap_err().to_string(), "bad");
    }

    struct Iter<I>(I);
    impl<I: Iterator + Unpin> futures_core::Stream for Iter<I> {
        type Item = I::Item;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
            Poll::Ready(self.0.next())
        }
    }
}
