//! The server over real sockets: HTTP/1.1 and h2c, graceful drain, start-up errors.

mod support;

use std::time::Duration;

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
    // A 10 min drain deadline: the server can only exit within the 60 s liveness
    // bound below by noticing that its last request finished.
    let mut server = start(SLOW, &["600000"]).await;
    let url = format!("http://{}/slow?ms=1500", server.addr);
    let request = tokio::spawn(async move { get(&http1(), &url).await });
    // Let the request reach the handler before the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server.child, "TERM");

    let (status, _, body) = request.await.expect("the request task");
    assert_eq!(status.as_u16(), 200);
    assert_eq!(&body[..], b"slept 1500 ms");

    let exit = tokio::time::timeout(Duration::from_secs(60), server.child.wait())
        .await
        .expect("exits once the in-flight request is done, not at the drain deadline")
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
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
    // Behaviour, not speed: with a 3 s drain deadline, a 1 s request that is in
    // flight at the signal completes and a 10 min one is cut. The server exits
    // zero; the 60 s bound below only says it does not hang (it would otherwise
    // wait the 10 minutes).
    let mut server = start(SLOW, &["3000"]).await;
    let short_url = format!("http://{}/slow?ms=1000", server.addr);
    let long_url = format!("http://{}/slow?ms=600000", server.addr);
    let short = tokio::spawn(async move { get(&http1(), &short_url).await });
    let long = tokio::spawn(async move { http1().get(long_url.parse().unwrap()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server.child, "TERM");
    let exit = tokio::time::timeout(Duration::from_secs(60), server.child.wait())
        .await
        .expect("the server exits at its drain deadline, not after the long request")
        .unwrap();
    assert!(exit.success());
    let (status, _, body) = short.await.unwrap();
    assert_eq!(
        (status.as_u16(), &body[..]),
        (200, &b"slept 1000 ms"[..]),
        "a request shorter than the deadline finishes"
    );
    assert!(
        long.await.unwrap().is_err(),
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
