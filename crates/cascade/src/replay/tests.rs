use std::future::poll_fn;
use std::sync::Arc;

use bytes::Bytes;
use gw_core::Body;
use http_body::Body as _;

use super::*;
use crate::handoff::{Carry, Lease, Pending};

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
async fn read(state: &mut ReplayState, max: Option<usize>) -> (Vec<u8>, Option<HeaderMap>) {
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
    let mut state = ReplayState::new(Body::new(body), config(1000, u64::MAX, dir.path()));
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
    let mut state = ReplayState::new(Body::new(body), config(4096, u64::MAX, dir.path()));
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
    let mut state = ReplayState::new(Body::new(body), config(100, u64::MAX, dir.path()));
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
    let mut state = ReplayState::new(Body::new(body), config(10, 550, dir.path()));
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
    let mut state = ReplayState::new(Body::new(body), config(1024, u64::MAX, &gone));
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
    let mut state = ReplayState::new(Body::new(body), config(1024, 4096, dir.path()));
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
    let mut state = ReplayState::new(Body::from("0123456789"), config(1024, 4096, dir.path()));
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
            ReplayState::new(Body::new(Body::from("abc")), config(1024, 4096, dir.path()));
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

/// A request through a cascade with `config`, its body `body`.
fn pending(body: Body, config: &Arc<Shared>) -> Pending {
    let req = http::Request::new(body);
    let carry = Carry::new(req.body().is_end_stream(), config);
    Pending { req, carry }
}

/// The request for the last member.
fn last(pending: Pending) -> http::Request<Body> {
    let Pending { mut req, carry } = pending;
    carry.into_last(&mut req);
    req
}

/// Everything a body yields.
async fn drain(body: &mut Body) -> Vec<u8> {
    let mut got = Vec::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await {
        got.extend_from_slice(&frame.unwrap().into_data().unwrap());
    }
    got
}

/// The slot a lease holds (the client sent a body).
fn slot_of(lease: &Lease) -> Slot {
    lease.slot().expect("a body was lent").clone()
}

fn is_view_of(body: &Body, slot: &Slot) -> bool {
    body.downcast_ref::<ReplayBody>()
        .is_some_and(|view| view.is_view_of(slot))
}

#[tokio::test]
async fn a_body_lent_to_a_member_that_read_nothing_goes_on_as_it_is_and_a_read_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(1000, u64::MAX, dir.path());
    let (data, live) = chunks(3000, 1000);
    let Pending { mut req, mut carry } = pending(live, &config);

    let lease = carry.lend(&mut req);
    let slot = slot_of(&lease);
    assert!(is_view_of(req.body(), &slot), "lent as a view");
    carry.resume(&mut req, lease);
    assert!(is_view_of(req.body(), &slot), "untouched: kept");
    // Lent again (the next member): the same recording, no new state.
    let again = carry.lend(&mut req);
    assert!(Arc::ptr_eq(&slot, &slot_of(&again)));

    // This member reads one frame, then misses: the request gets a rewound
    // recording, and the view it read from is detached.
    let first = poll_fn(|cx| Pin::new(req.body_mut()).poll_frame(cx)).await;
    assert_eq!(first.unwrap().unwrap().into_data().unwrap(), data[..1000]);
    carry.resume(&mut req, again);
    assert!(!is_view_of(req.body(), &slot));
    assert!(lock(&slot).is_none(), "the old view is detached");
    let next = carry.lend(&mut req);
    assert!(!Arc::ptr_eq(&slot, &slot_of(&next)));
    assert_eq!(drain(req.body_mut()).await, data);
}

#[tokio::test]
async fn the_last_member_reads_the_clients_own_body_unless_a_member_read_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(1000, u64::MAX, dir.path());

    // Never lent: the body is the client's, untouched.
    let (data, live) = chunks(3000, 1000);
    let mut req = last(pending(live, &config));
    assert!(req.body().downcast_ref::<ReplayBody>().is_none());
    assert_eq!(drain(req.body_mut()).await, data);

    // Lent to a probe that declined without reading: the client's body again.
    let (data, live) = chunks(3000, 1000);
    let mut lent = pending(live, &config);
    let lease = lent.carry.lend(&mut lent.req);
    lent.carry.resume(&mut lent.req, lease);
    let mut req = last(lent);
    assert!(req.body().downcast_ref::<ReplayBody>().is_none());
    assert_eq!(drain(req.body_mut()).await, data);

    // Given by value to a member that dropped it unread: the client's body is
    // taken back from the recording, as it came.
    let (data, live) = chunks(3000, 1000);
    let Pending { req, carry } = pending(live, &config);
    let (given, handoff) = carry.split(req);
    drop(given);
    let mut outcome: Result<http::Response<()>, ()> =
        Ok(http::Response::builder().status(404).body(()).unwrap());
    let crate::handoff::Settled::Next(kept) = handoff.settle(&mut outcome) else {
        panic!("a 404 is a miss");
    };
    let mut req = last(kept);
    assert!(req.body().downcast_ref::<ReplayBody>().is_none());
    assert_eq!(drain(req.body_mut()).await, data);

    // Read from before: the bytes read first come from the recording, the
    // rest from the client, with nothing recorded any more.
    let (data, live) = chunks(3000, 1000);
    let mut read = pending(live, &config);
    let lease = read.carry.lend(&mut read.req);
    let slot = slot_of(&lease);
    let first = poll_fn(|cx| Pin::new(read.req.body_mut()).poll_frame(cx)).await;
    assert_eq!(first.unwrap().unwrap().into_data().unwrap(), data[..1000]);
    read.carry.resume(&mut read.req, lease);
    drop(slot);
    let mut req = last(read);
    assert!(req.body().downcast_ref::<ReplayBody>().is_some());
    assert_eq!(drain(req.body_mut()).await, data);

    // No body at all: nothing to record, ever.
    let mut empty = pending(Body::empty(), &config);
    assert!(empty.carry.lend(&mut empty.req).slot().is_none());
    let req = last(empty);
    assert!(req.body().is_end_stream());
}
