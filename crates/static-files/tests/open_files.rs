//! The open-file cache: descriptors of large files kept between requests, what
//! happens when such a file changes, and the bound on how many are kept.
//!
//! Descriptors are counted in `/proc/self/fd`, only those that lead into the
//! test's own directory, so tests running alongside do not disturb the counts.
#![cfg(target_os = "linux")]

use std::fs;
use std::path::Path;
use std::time::Duration;

use gw_core::test_client::TestClient;
use gw_static_files::StaticFiles;

/// Larger than the memory cache's per-file cap (64 KiB): served from disk.
const LARGE: usize = 200 * 1024;

fn large(fill: u8) -> Vec<u8> {
    vec![fill; LARGE]
}

/// Open descriptors of this process that lead to files under `dir`.
fn fds_into(dir: &Path) -> usize {
    fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

/// A tempdir's canonical path, as `/proc/self/fd` shows it.
fn tempdir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    (dir, root)
}

/// No rescan during the test: only the per-request check can see a change.
const NEVER: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_large_file_keeps_its_descriptor_between_requests_unless_turned_off() {
    let (_dir, root) = tempdir();
    fs::write(root.join("big.bin"), large(b'A')).unwrap();
    let kept = TestClient::new(StaticFiles::new(&root).unwrap());
    for _ in 0..20 {
        kept.get("/big.bin")
            .send()
            .await
            .assert_status(200)
            .assert_body(large(b'A'));
    }
    assert_eq!(fds_into(&root), 1, "one descriptor kept for the file");
    drop(kept);
    assert_eq!(fds_into(&root), 0, "dropping the service closes it");

    let never = TestClient::new(StaticFiles::new(&root).unwrap().open_files(0));
    for _ in 0..20 {
        never.get("/big.bin").send().await.assert_status(200);
    }
    assert_eq!(fds_into(&root), 0, "open_files(0) keeps nothing");
}

#[tokio::test]
async fn a_kept_file_replaced_by_a_new_one_serves_the_new_content() {
    let (_dir, root) = tempdir();
    let path = root.join("big.bin");
    fs::write(&path, large(b'A')).unwrap();
    let c = TestClient::new(StaticFiles::new(&root).unwrap().revalidate_interval(NEVER));
    let old = c.get("/big.bin").send().await;
    old.assert_status(200).assert_body(large(b'A'));
    let old_etag = old.header("etag").unwrap().to_owned();
    assert_eq!(fds_into(&root), 1);

    // A new file (a new inode) renamed over the old name, as deploy tools do.
    let new = root.join("big.bin.tmp");
    fs::write(&new, large(b'B')).unwrap();
    fs::rename(&new, &path).unwrap();
    let res = c.get("/big.bin").send().await;
    res.assert_status(200).assert_body(large(b'B'));
    assert_ne!(res.header("etag").unwrap(), old_etag);
    // The old descriptor was closed; the new version is kept after the next
    // rescan gives it an entry of its own.
    assert_eq!(fds_into(&root), 0);

    // Rewritten in place (same inode) with another length: fresh headers and
    // the new bytes, read through the kept or a new descriptor.
    let c = TestClient::new(StaticFiles::new(&root).unwrap().revalidate_interval(NEVER));
    c.get("/big.bin").send().await.assert_body(large(b'B'));
    fs::write(&path, vec![b'C'; LARGE + 10]).unwrap();
    c.get("/big.bin")
        .send()
        .await
        .assert_status(200)
        .assert_header("content-length", &(LARGE + 10).to_string())
        .assert_body(vec![b'C'; LARGE + 10]);
}

#[tokio::test]
async fn a_kept_file_deleted_is_404_at_the_next_request() {
    let (_dir, root) = tempdir();
    fs::write(root.join("big.bin"), large(b'A')).unwrap();
    let c = TestClient::new(StaticFiles::new(&root).unwrap().revalidate_interval(NEVER));
    c.get("/big.bin").send().await.assert_status(200);
    assert_eq!(fds_into(&root), 1);
    fs::remove_file(root.join("big.bin")).unwrap();
    c.get("/big.bin").send().await.assert_status(404);
    c.head("/big.bin").send().await.assert_status(404);
    assert_eq!(
        fds_into(&root),
        0,
        "the deleted file's descriptor was closed"
    );
}

#[tokio::test]
async fn a_kept_file_renamed_away_is_served_until_the_next_rescan() {
    // The documented limit of the per-request check: a file that still has a
    // name (here a new one) is served from its descriptor until the rescan.
    let (_dir, root) = tempdir();
    fs::write(root.join("big.bin"), large(b'A')).unwrap();
    let interval = Duration::from_millis(200);
    let c = TestClient::new(
        StaticFiles::new(&root)
            .unwrap()
            .revalidate_interval(interval),
    );
    c.get("/big.bin").send().await.assert_status(200);
    fs::rename(root.join("big.bin"), root.join("moved.bin")).unwrap();
    c.get("/big.bin")
        .send()
        .await
        .assert_status(200)
        .assert_body(large(b'A'));
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    c.get("/big.bin").send().await.assert_status(404);
    c.get("/moved.bin")
        .send()
        .await
        .assert_status(200)
        .assert_body(large(b'A'));
}

#[tokio::test]
async fn the_number_of_kept_descriptors_is_bounded() {
    let (_dir, root) = tempdir();
    for i in 0..40 {
        fs::write(root.join(format!("f{i}.bin")), large(i as u8)).unwrap();
    }
    let c = TestClient::new(
        StaticFiles::new(&root)
            .unwrap()
            .open_files(8)
            .revalidate_interval(NEVER),
    );
    for round in 0..3 {
        for i in 0..40 {
            c.get(&format!("/f{i}.bin"))
                .send()
                .await
                .assert_status(200)
                .assert_body(large(i as u8));
        }
        assert_eq!(fds_into(&root), 8, "round {round}: kept past the bound");
    }
}

#[tokio::test]
async fn a_rescan_closes_descriptors_no_request_used_since_the_previous_one() {
    let (_dir, root) = tempdir();
    for name in ["a.bin", "b.bin"] {
        fs::write(root.join(name), large(b'A')).unwrap();
    }
    fs::write(root.join("small.txt"), "small").unwrap();
    let interval = Duration::from_millis(100);
    let c = TestClient::new(
        StaticFiles::new(&root)
            .unwrap()
            .revalidate_interval(interval),
    );
    c.get("/a.bin").send().await.assert_status(200);
    c.get("/b.bin").send().await.assert_status(200);
    assert_eq!(fds_into(&root), 2);
    // Only `a.bin` and a file from memory are asked for: rescans keep going, and
    // close `b.bin`'s idle descriptor. Bounded: 40 requests over 4 s.
    let mut left = 2;
    for _ in 0..40 {
        tokio::time::sleep(interval).await;
        c.get("/a.bin").send().await.assert_status(200);
        c.get("/small.txt").send().await.assert_status(200);
        left = fds_into(&root);
        if left == 1 {
            break;
        }
    }
    assert_eq!(left, 1, "b.bin's idle descriptor stays open");
}
