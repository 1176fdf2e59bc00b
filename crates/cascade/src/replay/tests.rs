use std::future::poll_fn;
use std::sync::Arc;

use bytes::Bytes;
use gw_core::Body;
use http_body::Body as _;

use super::*;

fn config(threshold: u64, limit: u64, dir: &std::path::Path) -> Arc<Shared> {
    Arc::new(Shared {
        policy: Policy::default(),
        replay: ReplayConfig {
            threshold,
            limit,
            spill_dir: Some(dir.to_path_buf()),
        },
    })
}

/// Reads up to `max` bytes (all when `None`), returning them and the trailers seen.
async fn read<B>(state: &mut ReplayState<B>, max: Option<usize>) -> (Vec<u8>, Option<HeaderMap>)
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let mut got = Vec::new();
    let mut trailers = None;
    while max.is_none_or(|n| got.len() < n) {
        match poll_fn(|cx| state.poll_frame(cx)).await {
            None => break,
            Some(frame) => {
                let frame = frame.unwrap();
                match frame.into_data() {
                    Ok(data) => got.extend_from_slice(&data),
                    Err(frame) => trailers = frame.into_trailers().ok(),
                }
            }
        }
    }
    (got, trailers)
}

fn chunks(total: usize, size: usize) -> (Vec<u8>, Body) {
    let data: Vec<u8> = (0..total).map(|i| (i % 253) as u8).collect();
    let parts: Vec<Bytes> = data.chunks(size).map(Bytes::copy_from_slice).collect();
    (data, Body::from_chunks(parts))
}

#[tokio::test]
async fn bytes_past_the_threshold_spill_and_replay_identically() {
    let dir = tempfile::tempdir().unwrap();
    let (data, body) = chunks(300 * 1024, 10_000);
    let mut state = ReplayState::new(Box::pin(body), config(1000, u64::MAX, dir.path()));
    let (first, _) = read(&mut state, None).await;
    assert_eq!(first, data);
    assert!(state.spilled());
    assert_eq!(state.recorded(), data.len() as u64);
    for _ in 0..2 {
        state.rewind();
        assert_eq!(read(&mut state, None).await.0, data);
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "the spill file has no name"
    );
}

#[tokio::test]
async fn a_partial_reader_leaves_the_rest_on_the_connection_for_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let (data, body) = chunks(200 * 1024, 7_000);
    let mut state = ReplayState::new(Box::pin(body), config(4096, u64::MAX, dir.path()));
    let (first, _) = read(&mut state, Some(100_000)).await;
    assert!(first.len() >= 100_000 && first.len() < data.len());
    state.rewind();
    state.stop_recording();
    assert_eq!(read(&mut state, None).await.0, data);
}

#[test]
fn spilling_works_outside_a_tokio_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let (data, body) = chunks(150 * 1024, 9_000);
    let mut state = ReplayState::new(Box::pin(body), config(100, u64::MAX, dir.path()));
    let got = futures_util::FutureExt::now_or_never(read(&mut state, None))
        .expect("inline I/O never waits");
    assert_eq!(got.0, data);
    state.rewind();
    let again = futures_util::FutureExt::now_or_never(read(&mut state, None)).unwrap();
    assert_eq!(again.0, data);
    assert!(state.spilled());
}

#[tokio::test]
async fn the_limit_counts_recorded_bytes_and_is_reported_as_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (_, body) = chunks(1000, 100);
    let mut state = ReplayState::new(Box::pin(body), config(10, 550, dir.path()));
    let mut got = 0;
    let err = loop {
        match poll_fn(|cx| state.poll_frame(cx)).await.unwrap() {
            Ok(frame) => got += frame.into_data().unwrap().len(),
            Err(e) => break e,
        }
    };
    assert_eq!(got, 500);
    assert!(matches!(
        err.downcast_ref::<ReplayError>(),
        Some(ReplayError::LimitExceeded { limit: 550 })
    ));
    assert_eq!(state.failure(), Some(Failure::OverLimit(550)));
}

#[tokio::test]
async fn a_missing_spill_dir_fails_the_body_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let (_, body) = chunks(200 * 1024, 16 * 1024);
    let mut state = ReplayState::new(Box::pin(body), config(1024, u64::MAX, &gone));
    let err = loop {
        match poll_fn(|cx| state.poll_frame(cx)).await {
            Some(Ok(_)) => continue,
            Some(Err(e)) => break e,
            None => panic!("the body ended without the spill error"),
        }
    };
    assert!(
        matches!(
            err.downcast_ref::<ReplayError>(),
            Some(ReplayError::Spill(_))
        ),
        "{err}"
    );
    assert_eq!(state.failure(), Some(Failure::Spill));
}

#[derive(Debug)]
struct WithTrailers(Option<http_body::Frame<Bytes>>, Option<HeaderMap>);

impl http_body::Body for WithTrailers {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(frame) = self.0.take() {
            return Poll::Ready(Some(Ok(frame)));
        }
        Poll::Ready(self.1.take().map(|t| Ok(Frame::trailers(t))))
    }
}

#[tokio::test]
async fn trailers_are_replayed_after_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut trailers = HeaderMap::new();
    trailers.insert("x-sum", "42".parse().unwrap());
    let body = WithTrailers(
        Some(Frame::data(Bytes::from_static(b"abc"))),
        Some(trailers.clone()),
    );
    let mut state = ReplayState::new(Box::pin(body), config(1024, 4096, dir.path()));
    assert_eq!(
        read(&mut state, None).await,
        (b"abc".to_vec(), Some(trailers.clone()))
    );
    state.rewind();
    assert_eq!(
        read(&mut state, None).await,
        (b"abc".to_vec(), Some(trailers))
    );
    assert!(state.is_end_stream());
}

#[tokio::test]
async fn size_hint_counts_down_from_the_content_length() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = ReplayState::new(
        Box::pin(Body::from("0123456789")),
        config(1024, 4096, dir.path()),
    );
    assert_eq!(state.size_hint().exact(), Some(10));
    read(&mut state, None).await;
    assert_eq!(state.size_hint().exact(), Some(0));
    state.rewind();
    assert_eq!(state.size_hint().exact(), Some(10));
    assert!(!state.is_end_stream());
}

#[tokio::test]
async fn the_last_reader_ends_with_the_live_bodys_last_frame_a_recording_one_at_its_end() {
    let dir = tempfile::tempdir().unwrap();
    for recording in [false, true] {
        let mut state =
            ReplayState::new(Box::pin(Body::from("abc")), config(1024, 4096, dir.path()));
        if !recording {
            state.stop_recording();
        }
        let frame = poll_fn(|cx| state.poll_frame(cx)).await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "abc");
        // While recording, the end waits for the live body's own end (and any
        // spill write), so a reader polls once more.
        assert_eq!(state.is_end_stream(), !recording, "recording: {recording}");
        assert!(poll_fn(|cx| state.poll_frame(cx)).await.is_none());
        assert!(state.is_end_stream());
    }
}

#[tokio::test]
async fn an_empty_replay_body_is_ended_and_sized_zero() {
    let body: ReplayBody<Body> = ReplayBody::empty();
    assert!(body.is_end_stream());
    assert_eq!(body.size_hint().exact(), Some(0));
}

#[tokio::test]
async fn a_share_no_one_read_from_goes_on_as_it_is_and_a_read_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(1000, u64::MAX, dir.path());
    let (data, live) = chunks(3000, 1000);
    let mut body = ReplayBody::direct(live);
    let slot = body.share(Some(&config)).unwrap();
    assert!(body.is_untouched_share(&slot), "a fresh share");
    // Lent again (the next member): the same recording, no new state.
    let again = body.share(None).unwrap();
    assert!(Arc::ptr_eq(&slot, &again));
    assert!(
        !body.is_untouched_share(&slot),
        "a third holder: not only ours"
    );
    drop(again);
    // Someone reads one frame: the share is no longer untouched.
    let first = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
    let first = first.unwrap().unwrap().into_data().unwrap();
    assert_eq!(first, data[..1000]);
    assert!(!body.is_untouched_share(&slot));
    // The last reader stops the recording and still gets the rest.
    body.stop_recording();
    drop(slot);
    let mut rest = Vec::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        rest.extend_from_slice(&frame.unwrap().into_data().unwrap());
    }
    assert_eq!(rest, data[1000..]);
}

#[tokio::test]
async fn the_last_reader_of_an_untouched_share_reads_the_client_body_directly() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(1000, u64::MAX, dir.path());

    // Lent to a member that declined without reading, then handed to the last
    // member (recording stopped): every byte, read straight from the client.
    let (data, live) = chunks(3000, 1000);
    let mut body = ReplayBody::direct(live);
    let slot = body.share(Some(&config)).unwrap();
    drop(slot);
    body.stop_recording();
    let mut got = Vec::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        got.extend_from_slice(&frame.unwrap().into_data().unwrap());
        assert!(matches!(body.kind, Kind::Direct { .. }));
    }
    assert_eq!(got, data);

    // Still recording (a member that may miss): read through the recording,
    // which keeps every byte for the next member.
    let (data, live) = chunks(3000, 1000);
    let mut body = ReplayBody::direct(live);
    let slot = body.share(Some(&config)).unwrap();
    drop(slot);
    let first = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
    assert_eq!(first.unwrap().unwrap().into_data().unwrap(), data[..1000]);
    assert!(matches!(body.kind, Kind::Shared { .. }));

    // Recording stopped but someone else still holds the recording (a member
    // that kept its body): read through it, not taken from under the holder.
    let (data, live) = chunks(3000, 1000);
    let mut body = ReplayBody::direct(live);
    let slot = body.share(Some(&config)).unwrap();
    body.stop_recording();
    let first = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
    assert_eq!(first.unwrap().unwrap().into_data().unwrap(), data[..1000]);
    assert!(matches!(body.kind, Kind::Shared { .. }));
    drop(slot);

    // Read from before, then replayed to the last reader: the bytes read
    // first come from the recording, the rest from the client.
    let (data, live) = chunks(3000, 1000);
    let mut body = ReplayBody::direct(live);
    let slot = body.share(Some(&config)).unwrap();
    let first = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
    assert_eq!(first.unwrap().unwrap().into_data().unwrap(), data[..1000]);
    drop(body);
    let mut state = lock(&slot).take().unwrap();
    state.rewind();
    drop(slot);
    let mut body = ReplayBody::owned(Box::new(state));
    body.stop_recording();
    let mut got = Vec::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        got.extend_from_slice(&frame.unwrap().into_data().unwrap());
    }
    assert_eq!(got, data);
}
