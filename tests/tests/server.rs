//! The server over real sockets: HTTP/1.1 and h2c, graceful drain, start-up errors.

mod support;

use std::time::{Duration, Instant};

use support::{get, h2c, http1, signal, start};

const SLOW: &str = env!("CARGO_BIN_EXE_slow_server");

#[tokio::test]
async fn serves_http1_and_h2c_on_one_port() {
    let server = start(SLOW, &["5000"]).await;
    let url = format!("http://{}/slow?ms=1", server.addr);

    let (status, version, body) = get(&http1(), &url).await;
    assert_eq!(
        (status.as_u16(), version, &body[..]),
        (200, http::Version::HTTP_11, &b"slept 1 ms"[..])
    );

    let (status, version, body) = get(&h2c(), &url).await;
    assert_eq!(
        (status.as_u16(), version, &body[..]),
        (200, http::Version::HTTP_2, &b"slept 1 ms"[..])
    );
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish_then_exits_zero() {
    let mut server = start(SLOW, &["5000"]).await;
    let url = format!("http://{}/slow?ms=1500", server.addr);
    let request = tokio::spawn(async move { get(&http1(), &url).await });
    // Let the request reach the handler before the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    signal(&server.child, "TERM");

    let (status, _, body) = request.await.expect("the request task");
    assert_eq!(status.as_u16(), 200);
    assert_eq!(&body[..], b"slept 1500 ms");

    let exit = tokio::time::timeout(Duration::from_secs(5), server.child.wait())
        .await
        .expect("exits within the drain deadline")
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(signalled.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn sigterm_stops_accepting_new_connections() {
    let mut server = start(SLOW, &["5000"]).await;
    let addr = server.addr;
    let url = format!("http://{addr}/slow?ms=1000");
    let in_flight = tokio::spawn(async move { get(&http1(), &url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server.child, "TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = tokio::net::TcpStream::connect(addr).await;
    assert!(refused.is_err(), "the listener is closed during the drain");
    assert_eq!(in_flight.await.unwrap().0.as_u16(), 200);
    assert!(server.child.wait().await.unwrap().success());
}

#[tokio::test]
async fn drain_deadline_cuts_a_request_that_runs_too_long() {
    let mut server = start(SLOW, &["500"]).await;
    let url = format!("http://{}/slow?ms=10000", server.addr);
    let request = tokio::spawn(async move { http1().get(url.parse().unwrap()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    signal(&server.child, "TERM");
    let exit = tokio::time::timeout(Duration::from_secs(5), server.child.wait())
        .await
        .expect("exits at the deadline")
        .unwrap();
    assert!(exit.success());
    let waited = signalled.elapsed();
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_secs(4),
        "exited after {waited:?}"
    );
    assert!(
        request.await.unwrap().is_err(),
        "the cut request fails instead of completing"
    );
}

#[tokio::test]
async fn a_second_signal_exits_at_once() {
    let mut server = start(SLOW, &["20000"]).await;
    let url = format!("http://{}/slow?ms=10000", server.addr);
    let _request = tokio::spawn(async move { http1().get(url.parse().unwrap()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server.child, "TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal(&server.child, "INT");
    let exit = tokio::time::timeout(Duration::from_secs(3), server.child.wait())
        .await
        .expect("exits at once")
        .unwrap();
    assert_eq!(exit.code(), Some(130));
}
