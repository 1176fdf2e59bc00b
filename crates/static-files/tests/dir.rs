//! `StaticFiles` through gw-core's TestClient (every response checked by Lint).

use std::fs;
use std::path::Path;
use std::time::Duration;

use gw_core::test_client::{TestClient, TestResponse};
use gw_core::{MountPrefix, Settings};
use gw_static_files::{BuildError, ContentDisposition, Dotfiles, Encoding, StaticFiles, Symlinks};
use http::Method;
use tempfile::TempDir;

const BIG: usize = 300 * 1024 + 17;

fn big_contents() -> Vec<u8> {
    (0..BIG).map(|i| (i % 251) as u8).collect()
}

/// A tree with every kind of entry the tests need, plus a secret outside it.
struct Fixture {
    _outer: TempDir,
    root: std::path::PathBuf,
    outside: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("public");
    let outside = outer.path().join("secret.txt");
    fs::write(&outside, "TOP SECRET").unwrap();
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
    fs::create_dir_all(root.join(".git")).unwrap();
    let w = |p: &str, c: &[u8]| fs::write(root.join(p), c).unwrap();
    w("index.html", b"<h1>home</h1>");
    w("hello.txt", b"Hello World!");
    w("digits.txt", b"0123456789");
    w("archive.tar.gz", b"\x1f\x8b fake gzip");
    w("app.js", b"console.log('plain plain plain');");
    w("app.js.br", b"BR-BYTES");
    w("app.js.gz", b"GZIP-BYTES!");
    w("app.3f2a9c1b.css", b"body{}");
    w("sub/page.html", b"<p>sub</p>");
    w("empty/a b&<c>.txt", b"x");
    w(".env", b"PASSWORD=1");
    w(".git/config", b"[core]");
    w("big.bin", &big_contents());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("hello.txt"), root.join("link_in.txt")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link_out.txt")).unwrap();
        std::os::unix::fs::symlink(outer.path(), root.join("link_up")).unwrap();
        std::os::unix::fs::symlink(root.join(".env"), root.join("env_link")).unwrap();
    }
    Fixture {
        root,
        outside,
        _outer: outer,
    }
}

fn client(files: StaticFiles) -> TestClient<StaticFiles> {
    TestClient::new(files)
}

async fn get(c: &TestClient<StaticFiles>, uri: &str) -> TestResponse {
    c.get(uri).send().await
}

#[tokio::test]
async fn missing_file_is_404_for_every_method() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    for m in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let res = c
            .request(Method::from_bytes(m.as_bytes()).unwrap(), "/nope.txt")
            .send()
            .await;
        res.assert_status(404);
    }
}

#[tokio::test]
async fn existing_file_answers_get_and_head_and_405_with_allow_otherwise() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    get(&c, "/hello.txt")
        .await
        .assert_status(200)
        .assert_body("Hello World!");
    c.head("/hello.txt")
        .send()
        .await
        .assert_status(200)
        .assert_header("content-length", "12")
        .assert_body("");
    for m in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        c.request(m, "/hello.txt")
            .send()
            .await
            .assert_status(405)
            .assert_header("allow", "GET, HEAD");
    }
}

#[tokio::test]
async fn traversal_in_every_spelling_gets_404_and_no_path_in_the_body() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap().dotfiles(Dotfiles::Allow));
    let root = f.root.to_str().unwrap().to_owned();
    for uri in [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/sub/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/hello.txt%00",
        "/%ff.txt",
        "/sub//page.html",
        "/./hello.txt",
    ] {
        let res = get(&c, uri).await;
        res.assert_status(404)
            .assert_body_lacks("SECRET")
            .assert_body_lacks(&root)
            .assert_body_lacks("public");
    }
}

#[tokio::test]
async fn dotfiles_are_hidden_by_default_and_servable_when_allowed() {
    let f = fixture();
    let hidden = client(StaticFiles::new(&f.root).unwrap().listing(true));
    get(&hidden, "/.env").await.assert_status(404);
    get(&hidden, "/.git/config").await.assert_status(404);
    get(&hidden, "/%2eenv").await.assert_status(404);
    get(&hidden, "/").await.assert_status(200);
    let allowed = client(StaticFiles::new(&f.root).unwrap().dotfiles(Dotfiles::Allow));
    get(&allowed, "/.env")
        .await
        .assert_status(200)
        .assert_body("PASSWORD=1");
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_outside_the_root_are_refused_by_default() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    get(&c, "/link_in.txt")
        .await
        .assert_status(200)
        .assert_body("Hello World!");
    get(&c, "/link_out.txt").await.assert_status(404);
    get(&c, "/link_up/secret.txt").await.assert_status(404);
    // A visible name must not expose a hidden file.
    get(&c, "/env_link").await.assert_status(404);

    let refuse = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .symlinks(Symlinks::Refuse),
    );
    get(&refuse, "/link_in.txt").await.assert_status(404);

    let follow = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .symlinks(Symlinks::Follow),
    );
    get(&follow, "/link_out.txt")
        .await
        .assert_status(200)
        .assert_body("TOP SECRET");
    assert!(f.outside.exists());
}

#[tokio::test]
async fn directories_use_index_files_and_redirect_without_slash() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    get(&c, "/")
        .await
        .assert_status(200)
        .assert_body("<h1>home</h1>");
    get(&c, "/sub/").await.assert_status(404); // no index.html in sub
    get(&c, "/sub/page.html").await.assert_status(200);
    get(&c, "/sub?a=1&b=2")
        .await
        .assert_status(301)
        .assert_header("location", "/sub/?a=1&b=2");
    c.get("/sub")
        .extension(MountPrefix::new("/static"))
        .send()
        .await
        .assert_status(301)
        .assert_header("location", "/static/sub/");
    get(&c, "/empty/").await.assert_status(404);
    get(&c, "/hello.txt/").await.assert_status(404);

    let custom = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .index_files(["page.html"]),
    );
    get(&custom, "/sub/")
        .await
        .assert_status(200)
        .assert_body("<p>sub</p>");
    assert!(matches!(
        StaticFiles::new(&f.root).unwrap().try_index_files(["a/b"]),
        Err(BuildError::InvalidIndexFile { .. })
    ));
}

#[tokio::test]
async fn listing_is_off_by_default_and_escaped_when_on() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap().listing(true));
    let res = get(&c, "/empty/").await;
    res.assert_status(200)
        .assert_header("content-type", "text/html; charset=utf-8")
        .assert_body_contains("a b&amp;&lt;c&gt;.txt")
        .assert_body_contains("href=\"./a%20b%26%3Cc%3E.txt\"")
        .assert_body_lacks("<c>")
        .assert_body_lacks(f.root.to_str().unwrap());
    let root = get(&c, "/").await; // has index.html, so no listing
    root.assert_body("<h1>home</h1>");
}

#[tokio::test]
async fn headers_of_a_200() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    let res = get(&c, "/hello.txt").await;
    res.assert_status(200)
        .assert_header("content-type", "text/plain; charset=utf-8")
        .assert_header("content-length", "12")
        .assert_header("accept-ranges", "bytes")
        .assert_no_header("content-range")
        .assert_no_header("content-encoding")
        .assert_no_header("cache-control")
        .assert_no_header("vary");
    let etag = res.header("etag").unwrap();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let lm = res.header("last-modified").unwrap();
    assert!(httpdate::parse_http_date(lm).is_ok(), "{lm}");

    let gz = get(&c, "/archive.tar.gz").await;
    gz.assert_status(200).assert_no_header("content-encoding");
    assert!(gz.header("content-type").unwrap().contains("gzip"));
}

#[tokio::test]
async fn cache_control_max_age_immutable_and_disposition() {
    let f = fixture();
    let c = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .max_age(Duration::from_secs(600))
            .immutable_fingerprinted(true)
            .content_disposition(ContentDisposition::Attachment),
    );
    get(&c, "/hello.txt")
        .await
        .assert_header("cache-control", "public, max-age=600")
        .assert_header("content-disposition", "attachment; filename=\"hello.txt\"");
    get(&c, "/app.3f2a9c1b.css")
        .await
        .assert_header("cache-control", "public, max-age=31536000, immutable");
    let literal = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .try_cache_control("no-store")
            .unwrap(),
    );
    get(&literal, "/hello.txt")
        .await
        .assert_header("cache-control", "no-store");
}

#[tokio::test]
async fn not_modified_keeps_validators_and_drops_type_and_length() {
    let f = fixture();
    let c = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .max_age(Duration::from_secs(60))
            .precompressed([Encoding::Br]),
    );
    let first = get(&c, "/app.js").await;
    let etag = first.header("etag").unwrap().to_owned();
    let lm = first.header("last-modified").unwrap().to_owned();
    let res = c.get("/app.js").header("if-none-match", &etag).send().await;
    res.assert_status(304)
        .assert_header("etag", &etag)
        .assert_header("last-modified", &lm)
        .assert_header("cache-control", "public, max-age=60")
        .assert_header("vary", "accept-encoding")
        .assert_no_header("content-type")
        .assert_no_header("content-length")
        .assert_body("");
    c.get("/app.js")
        .header("if-none-match", "*")
        .send()
        .await
        .assert_status(304);
    c.get("/app.js")
        .header("if-none-match", &format!("W/{etag}"))
        .send()
        .await
        .assert_status(304);
    c.get("/app.js")
        .header("if-modified-since", &lm)
        .send()
        .await
        .assert_status(304);
}

#[tokio::test]
async fn preconditions_follow_rfc_9110_order() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    let first = get(&c, "/hello.txt").await;
    let etag = first.header("etag").unwrap().to_owned();
    let lm = first.header("last-modified").unwrap().to_owned();
    c.get("/hello.txt")
        .header("if-match", "\"nope\"")
        .send()
        .await
        .assert_status(412);
    c.get("/hello.txt")
        .header("if-match", &etag)
        .send()
        .await
        .assert_status(200);
    c.get("/hello.txt")
        .header("if-unmodified-since", "Thu, 01 Jan 1970 00:00:00 GMT")
        .send()
        .await
        .assert_status(412);
    // If-None-Match wins over If-Modified-Since.
    c.get("/hello.txt")
        .header("if-none-match", "\"other\"")
        .header("if-modified-since", &lm)
        .send()
        .await
        .assert_status(200);
    // Malformed and future dates are ignored: 200, not 400.
    c.get("/hello.txt")
        .header("if-modified-since", "not a date")
        .send()
        .await
        .assert_status(200)
        .assert_body("Hello World!");
    c.get("/hello.txt")
        .header("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")
        .send()
        .await
        .assert_status(200);
    c.get("/hello.txt")
        .header("if-unmodified-since", "garbage")
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn ranges_follow_rfc_9110_section_14() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    let range = |r: &'static str| c.get("/digits.txt").header("range", r).send();
    range("bytes=0-0")
        .await
        .assert_status(206)
        .assert_header("content-range", "bytes 0-0/10")
        .assert_header("content-length", "1")
        .assert_body("0");
    range("bytes=-3")
        .await
        .assert_status(206)
        .assert_header("content-range", "bytes 7-9/10")
        .assert_body("789");
    range("bytes=6-")
        .await
        .assert_status(206)
        .assert_body("6789");
    range("bytes=8-100")
        .await
        .assert_status(206)
        .assert_header("content-range", "bytes 8-9/10")
        .assert_body("89");
    range("bytes=10-20")
        .await
        .assert_status(416)
        .assert_header("content-range", "bytes */10");
    range("items=0-1")
        .await
        .assert_status(200)
        .assert_no_header("content-range")
        .assert_body("0123456789");
    // HEAD ignores Range (RFC 9110 §14.2: only GET).
    c.head("/digits.txt")
        .header("range", "bytes=0-0")
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn several_ranges_give_coalesced_multipart_byteranges() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap().max_ranges(2));
    let res = c
        .get("/digits.txt")
        .header("range", "bytes=7-8, 0-1, 1-2")
        .send()
        .await;
    res.assert_status(206);
    let ct = res.header("content-type").unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("{ct}"));
    let want = format!(
        "--{b}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes 0-2/10\r\n\r\n012\r\n--{b}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes 7-8/10\r\n\r\n78\r\n--{b}--\r\n",
        b = boundary
    );
    res.assert_body(want.as_bytes());
    res.assert_no_header("content-range");
    // Over the part cap: the whole file.
    c.get("/digits.txt")
        .header("range", "bytes=0-0, 2-2, 4-4")
        .send()
        .await
        .assert_status(200)
        .assert_body("0123456789");
}

#[tokio::test]
async fn if_range_with_a_stale_validator_gives_the_whole_file() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap());
    let etag = get(&c, "/digits.txt")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    c.get("/digits.txt")
        .header("range", "bytes=0-0")
        .header("if-range", &etag)
        .send()
        .await
        .assert_status(206);
    c.get("/digits.txt")
        .header("range", "bytes=0-0")
        .header("if-range", "\"old\"")
        .send()
        .await
        .assert_status(200)
        .assert_body("0123456789");
}

#[tokio::test]
async fn precompressed_variants_follow_accept_encoding() {
    let f = fixture();
    let c = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .precompressed(Encoding::ALL),
    );
    let plain = c.get("/app.js").send().await;
    plain
        .assert_status(200)
        .assert_no_header("content-encoding")
        .assert_header("vary", "accept-encoding")
        .assert_body("console.log('plain plain plain');");
    let br = c
        .get("/app.js")
        .header("accept-encoding", "gzip, br")
        .send()
        .await;
    br.assert_header("content-encoding", "br")
        .assert_header("content-length", "8")
        .assert_header("vary", "accept-encoding")
        .assert_body("BR-BYTES");
    assert!(br.header("content-type").unwrap().contains("javascript"));
    assert_ne!(br.header("etag"), plain.header("etag"));
    let gz = c
        .get("/app.js")
        .header("accept-encoding", "br;q=0, gzip;q=0.5")
        .send()
        .await;
    gz.assert_header("content-encoding", "gzip")
        .assert_body("GZIP-BYTES!");
    assert_ne!(gz.header("etag"), br.header("etag"));
    c.get("/app.js")
        .header("accept-encoding", "br;q=0, gzip;q=0")
        .send()
        .await
        .assert_no_header("content-encoding");
    // Ranges apply to the chosen variant.
    c.get("/app.js")
        .header("accept-encoding", "br")
        .header("range", "bytes=0-1")
        .send()
        .await
        .assert_status(206)
        .assert_header("content-range", "bytes 0-1/8")
        .assert_body("BR");
    // A sidecar asked for by name is itself, never Content-Encoding.
    c.get("/app.js.gz")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .assert_status(200)
        .assert_no_header("content-encoding")
        .assert_body("GZIP-BYTES!");
}

#[tokio::test]
async fn large_files_stream_from_disk_whole_and_in_ranges() {
    let f = fixture();
    let want = big_contents();
    // A 64 KiB read size spreads the file over several chunks.
    let c = client(StaticFiles::new(&f.root).unwrap().chunk_size(64 * 1024));
    let res = get(&c, "/big.bin").await;
    res.assert_status(200)
        .assert_header("content-length", &BIG.to_string())
        .assert_body(&want);
    c.head("/big.bin")
        .send()
        .await
        .assert_header("content-length", &BIG.to_string())
        .assert_body("");
    let res = c
        .get("/big.bin")
        .header("range", "bytes=100000-200000")
        .send()
        .await;
    res.assert_status(206).assert_body(&want[100_000..=200_000]);
    let res = c
        .get("/big.bin")
        .header("range", "bytes=0-9, -10")
        .send()
        .await;
    res.assert_status(206).assert_body_contains(&format!(
        "content-range: bytes {}-{}/{BIG}",
        BIG - 10,
        BIG - 1
    ));
    let etag = get(&c, "/big.bin").await.header("etag").unwrap().to_owned();
    c.get("/big.bin")
        .header("if-none-match", &etag)
        .send()
        .await
        .assert_status(304);
}

#[tokio::test]
async fn with_the_cache_off_small_files_come_from_disk_too() {
    let f = fixture();
    let c = client(StaticFiles::new(&f.root).unwrap().cache_size(0));
    get(&c, "/hello.txt")
        .await
        .assert_status(200)
        .assert_header("content-length", "12")
        .assert_body("Hello World!");
}

async fn eventually_equal(c: &TestClient<StaticFiles>, uri: &str, status: u16, body: &str) {
    let res = get(c, uri).await;
    res.assert_status(status);
    if status == 200 {
        res.assert_body(body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_disk_are_seen_within_the_revalidation_interval() {
    let f = fixture();
    let interval = Duration::from_millis(300);
    let c = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .revalidate_interval(interval),
    );
    get(&c, "/hello.txt").await.assert_body("Hello World!");
    get(&c, "/new.txt").await.assert_status(404);

    // Change (same size, so only the mtime and content differ), add, delete.
    std::thread::sleep(Duration::from_millis(20));
    fs::write(f.root.join("hello.txt"), "Howdy World!").unwrap();
    fs::write(f.root.join("new.txt"), "fresh").unwrap();
    fs::remove_file(f.root.join("digits.txt")).unwrap();
    // The documented bound is the interval; the margin absorbs a loaded machine
    // but stays far below a second interval's worth of doubt.
    tokio::time::sleep(interval + Duration::from_millis(50)).await;

    eventually_equal(&c, "/hello.txt", 200, "Howdy World!").await;
    eventually_equal(&c, "/new.txt", 200, "fresh").await;
    eventually_equal(&c, "/digits.txt", 404, "").await;
}

#[tokio::test]
async fn before_the_interval_the_cached_answer_may_still_be_served() {
    // Pins the other side of the bound: with a long interval, a deletion is not
    // seen at once, which proves the cache is really answering.
    let f = fixture();
    let c = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .revalidate_interval(Duration::from_secs(3600)),
    );
    get(&c, "/hello.txt").await.assert_status(200);
    fs::remove_file(f.root.join("hello.txt")).unwrap();
    get(&c, "/hello.txt")
        .await
        .assert_status(200)
        .assert_body("Hello World!");
}

#[tokio::test]
async fn a_zero_interval_rescans_on_every_request() {
    let f = fixture();
    let c = client(
        StaticFiles::new(&f.root)
            .unwrap()
            .revalidate_interval(Duration::ZERO),
    );
    get(&c, "/hello.txt").await.assert_status(200);
    fs::remove_file(f.root.join("hello.txt")).unwrap();
    get(&c, "/hello.txt").await.assert_status(404);
}

#[test]
fn missing_root_is_a_typed_error_naming_the_path() {
    let err = StaticFiles::new("/definitely/not/here").unwrap_err();
    assert!(matches!(err, BuildError::RootNotADirectory { .. }));
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    let f = fixture();
    let file = f.root.join("hello.txt");
    let err = StaticFiles::new(&file).unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[tokio::test]
async fn from_settings_reads_every_key_and_rejects_typos() {
    let f = fixture();
    let root = f.root.to_str().unwrap();
    let settings = Settings::from_pairs([
        ("root", root),
        ("index_files", "page.html, index.html"),
        ("max_age", "1h"),
        ("immutable", "true"),
        ("dotfiles", "false"),
        ("symlinks", "refuse"),
        ("precompressed", "br gzip"),
        ("listing", "true"),
        ("content_disposition", "inline"),
        ("cache_size", "1MiB"),
        ("cache_file_max", "16KiB"),
        ("revalidate", "2s"),
        ("chunk_size", "64KiB"),
        ("max_ranges", "4"),
    ]);
    let c = client(StaticFiles::from_settings(&settings).unwrap());
    get(&c, "/sub/").await.assert_body("<p>sub</p>");
    get(&c, "/hello.txt")
        .await
        .assert_header("cache-control", "public, max-age=3600")
        .assert_header("content-disposition", "inline; filename=\"hello.txt\"");
    c.get("/app.js")
        .header("accept-encoding", "br")
        .send()
        .await
        .assert_header("content-encoding", "br");
    #[cfg(unix)]
    get(&c, "/link_in.txt").await.assert_status(404);

    for (key, value, needle) in [
        ("symlinks", "sometimes", "symlinks"),
        ("precompressed", "lzma", "precompressed"),
        ("max_agee", "1h", "max_agee"),
        ("max_age", "soon", "max_age"),
    ] {
        let bad = Settings::from_pairs([("root", root), (key, value)]);
        let err = StaticFiles::from_settings(&bad).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
    let missing = Settings::from_pairs([("max_age", "1h")]);
    assert!(StaticFiles::from_settings(&missing)
        .unwrap_err()
        .to_string()
        .contains("root"));
    let _ = Path::new(root);
}

mod traversal_property {
    use super::*;
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "..",
            ".",
            "%2e%2e",
            "%2E%2e",
            ".%2e",
            "..%2f",
            "%2f",
            "%5c",
            "%00",
            "%ff",
            "secret.txt",
            "public",
            "sub",
            "link_up",
            "link_out.txt",
            "hello.txt",
            "",
            ".env",
            "%2e",
            "a%2f..%2f..",
            "..%5c..",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        // With Symlinks::Follow this fails on /link_out.txt, so it can fail.
        #[test]
        fn no_request_path_serves_a_file_outside_the_root(
            segs in prop::collection::vec(segment(), 1..7),
            trailing in any::<bool>(),
        ) {
            let f = FIXTURE.with(|f| f.root.clone());
            let mut uri = String::new();
            for s in &segs {
                uri.push('/');
                uri.push_str(s);
            }
            if trailing {
                uri.push('/');
            }
            let Ok(req) = http::Request::get(uri.as_str()).body(gw_core::Body::empty()) else {
                return Ok(());
            };
            let files = StaticFiles::new(&f).unwrap().dotfiles(Dotfiles::Allow);
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let res = rt.block_on(tower::ServiceExt::oneshot(files, req)).unwrap();
            let body = rt.block_on(http_body_util::BodyExt::collect(res.into_body())).unwrap().to_bytes();
            prop_assert!(!body.windows(10).any(|w| w == b"TOP SECRET"), "{uri} leaked the secret");
        }
    }

    thread_local! {
        static FIXTURE: Fixture = fixture();
    }
}
