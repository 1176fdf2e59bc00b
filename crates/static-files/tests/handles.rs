//! Paste leaks the open file on HEAD, 304 and 416; this pins that we do not.
//! Alone in its own test binary, so no other test opens files meanwhile.
#![cfg(target_os = "linux")]

use gw_core::test_client::TestClient;
use gw_static_files::StaticFiles;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[tokio::test]
async fn head_304_416_and_aborted_bodies_close_their_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.bin"), vec![7u8; 512 * 1024]).unwrap();
    // The cache is off, so every answer opens the file.
    let c = TestClient::new(StaticFiles::new(dir.path()).unwrap().cache_size(0));
    let etag = c
        .get("/big.bin")
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let before = open_fds();
    for _ in 0..200 {
        c.head("/big.bin").send().await.assert_status(200);
        c.get("/big.bin")
            .header("if-none-match", &etag)
            .send()
            .await
            .assert_status(304);
        c.get("/big.bin")
            .header("range", "bytes=999999999-")
            .send()
            .await
            .assert_status(416);
    }
    // A body dropped half-way (a client that went away).
    for _ in 0..50 {
        use tower::ServiceExt;
        let files = StaticFiles::new(dir.path()).unwrap().cache_size(0);
        let res = files
            .oneshot(http::Request::get("/big.bin").body(()).unwrap())
            .await
            .unwrap();
        let mut body = res.into_body();
        let _first = http_body_util::BodyExt::frame(&mut body).await;
        drop(body);
    }
    // Reads already started finish on the blocking pool and then drop the file.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let after = open_fds();
    assert!(
        after <= before + 4,
        "open descriptors grew from {before} to {after}"
    );
}
