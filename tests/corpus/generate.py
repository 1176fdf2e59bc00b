#!/usr/bin/env python3
"""Writes the hostile request corpus: one raw request per file, replayed over TCP by
tests/tests/corpus.rs. Run it from anywhere; it rewrites tests/corpus/*.http.

Each file starts with one expectation line, then the raw bytes to send:

    # expect: 4xx|closed single

- alternatives separated by `|`: an exact status (`404`), a class (`4xx`), `closed`
  (the server closed the connection without answering) or `goaway` (HTTP/2 frames
  ending in a GOAWAY with an error code, then close);
- `single`: at most one response may come back (a smuggled second request must not
  be answered); responses are told apart by their framing, so one glued to the end
  of a body counts;
- `has=TEXT`: when the first response is a 2xx, its body contains TEXT (used with
  the fixture's `/probe/seen`, which answers what the app saw: method, original
  method, mount prefix, path, Host, client address, scheme); `is=TEXT`: that body
  is exactly TEXT;
- `close`: the first response says `Connection: close` and the server closes the
  connection (RFC 9112 §6.3 asks both after a 400 for a bad message length);
- `open`: the connection may still be open at the deadline (only with `known=`);
- `known=TAG`: the answer accepted is a known gap, not the behaviour we want; the
  test prints these so they stay visible (see SECURITY.md, "Known gaps").

Every file is also checked for what must never happen, whatever its line says: the
server dies or stops answering /hello, a response leaks a file from outside the
public root or debug text, or the connection stays open past the timeout.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []


def case(name, expect, raw):
    if isinstance(raw, str):
        raw = raw.encode("latin-1")
    CASES.append((name, expect, raw))


def req(target, method="GET", headers=(), body=b"", host="localhost", close=True, version="HTTP/1.1"):
    lines = [f"{method} {target} {version}".encode("latin-1")]
    if host is not None:
        lines.append(b"Host: " + host.encode("latin-1"))
    for h in headers:
        lines.append(h if isinstance(h, bytes) else h.encode("latin-1"))
    if close:
        lines.append(b"Connection: close")
    if isinstance(body, str):
        body = body.encode("latin-1")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


SMUGGLED = "GET /smuggled-second HTTP/1.1\r\nHost: localhost\r\n\r\n"

# --- request smuggling -------------------------------------------------------
case("smuggle-cl-te", "4xx|closed|2xx single", req("/echo", "POST", ["Content-Length: 6", "Transfer-Encoding: chunked"], "0\r\n\r\nX" + SMUGGLED, close=False))
case("smuggle-te-cl", "4xx|closed single", req("/echo", "POST", ["Transfer-Encoding: chunked", "Content-Length: 4"], "5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n", close=False))
for i, te in enumerate([
    "chunked, x", "x, chunked, x", "x", "chunked\x0b", " chunked", "chunked ", "Chunked", "CHUNKED",
    "chunked, chunked", "identity, chunked, identity", "gzip", "xchunked", "chunk", "\tchunked",
    "chunked;q=1", "\"chunked\"",
]):
    # RFC 9112 §6.3: a Transfer-Encoding whose final coding is not chunked makes the
    # body length unknowable: 400, then close. Where chunked is final (any case, with
    # whitespace around it), "hello" is no chunk size: 400 and close again.
    case(f"smuggle-te-variant-{i:02}", "400 single close",
         req("/echo", "POST", ["Content-Length: 5", "Transfer-Encoding: " + te], "hello" + SMUGGLED, close=False))
case("smuggle-te-twice", "4xx|closed|2xx single", req("/echo", "POST", ["Transfer-Encoding: chunked", "Transfer-Encoding: x"], "5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, close=False))
case("smuggle-te-obs-fold", "4xx|closed single", req("/echo", "POST", ["Content-Length: 5", "Transfer-Encoding: x,", " chunked"], "hello" + SMUGGLED, close=False))
case("smuggle-te-http10", "4xx|closed|2xx single", req("/echo", "POST", ["Transfer-Encoding: chunked"], "5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, close=False, version="HTTP/1.0"))
for i, cl in enumerate(["5, 6", "6, 5", "+5", "-5", "0x5", "5.0", " 5 5", "99999999999999999999999", "abc", ""]):
    case(f"smuggle-cl-invalid-{i:02}", "4xx|closed single", req("/echo", "POST", ["Content-Length: " + cl], "hello" + SMUGGLED, close=False))
# hyper reads `5 ` as 5 (trailing whitespace is not part of a field value), so the
# request after the body is a pipelined one; `5<NUL>` is refused.
case("smuggle-cl-trailing-space", "4xx|closed|2xx", req("/echo", "POST", ["Content-Length: 5 "], "hello" + SMUGGLED, close=False))
case("smuggle-cl-trailing-nul", "4xx|closed single", req("/echo", "POST", ["Content-Length: 5\x00"], "hello" + SMUGGLED, close=False))
case("smuggle-cl-duplicate-differ", "4xx|closed single", req("/echo", "POST", ["Content-Length: 5", "Content-Length: 6"], "hello!" + SMUGGLED, close=False))
case("smuggle-cl-duplicate-same", "4xx|2xx|closed single", req("/echo", "POST", ["Content-Length: 5", "Content-Length: 5"], "hello", close=True))
case("smuggle-cl-space-before-colon", "4xx|closed single", req("/echo", "POST", ["Content-Length : 5"], "hello" + SMUGGLED, close=False))
case("smuggle-te-space-before-colon", "4xx|closed single", req("/echo", "POST", ["Transfer-Encoding : chunked", "Content-Length: 5"], "hello" + SMUGGLED, close=False))
case("smuggle-obs-fold-plain", "4xx|closed single", req("/hello", headers=["X-A: a", " folded"], close=False))
case("smuggle-obs-fold-host", "4xx|closed single", req("/hello", headers=[" evil.example"], close=False))
# A broken chunked body reaches /echo as a body error: the error catcher answers
# 500 where 400 is right (known gap).
for i, size in enumerate(["ffffffffffffffffff", "-1", "0x5", "5 5", "g", ""]):
    case(f"smuggle-chunk-size-{i:02}", "4xx|closed single",
         req("/echo", "POST", ["Transfer-Encoding: chunked"], size + "\r\nhello\r\n0\r\n\r\n" + SMUGGLED, close=False))
# Well-formed chunked bodies: the request after them is a pipelined one, answered.
for i, size in enumerate(["5;" + "a" * 9000, "00000000000000000000005"]):
    case(f"smuggle-chunk-size-valid-{i:02}", "2xx|4xx|closed",
         req("/echo", "POST", ["Transfer-Encoding: chunked"], size + "\r\nhello\r\n0\r\n\r\n" + SMUGGLED, close=False))
case("smuggle-chunk-bare-lf", "4xx|closed|2xx single", req("/echo", "POST", ["Transfer-Encoding: chunked"], "5\nhello\n0\n\n" + SMUGGLED, close=False))
case("smuggle-chunk-trailer-smuggle", "4xx|closed|2xx single", req("/echo", "POST", ["Transfer-Encoding: chunked"], "0\r\nX-T: 1\r\nContent-Length: 50\r\n\r\n", close=True))
case("smuggle-bare-cr-line-end", "4xx|closed single", b"GET /hello HTTP/1.1\rHost: localhost\r\r\n\r\n")
case("smuggle-lf-only-lines", "2xx|4xx|closed single", b"GET /hello HTTP/1.1\nHost: localhost\nConnection: close\n\n")
case("smuggle-get-with-body-cl", "2xx|4xx|closed single", req("/hello", "GET", ["Content-Length: " + str(len(SMUGGLED))], SMUGGLED, close=True))
case("smuggle-http09", "4xx|closed", b"GET /hello\r\n\r\n")

# --- path traversal ----------------------------------------------------------
SECRETS = ["../Cargo.toml", "../../../../../../etc/passwd", "../production.toml", "../src/main.rs", "../../../Cargo.toml"]
def encodings(path):
    yield "plain", path
    yield "pct-dots", path.replace("..", "%2e%2e")
    yield "pct-dots-upper", path.replace("..", "%2E%2E")
    yield "pct-mixed", path.replace("..", ".%2e")
    yield "pct-slash", path.replace("/", "%2f")
    yield "pct-slash-upper", path.replace("/", "%2F")
    yield "double", path.replace("..", "%252e%252e").replace("/", "%252f")
    yield "double-dots", path.replace("..", "%252e%252e")
    yield "overlong-dot", path.replace(".", "%c0%ae")
    yield "overlong-slash", path.replace("/", "%c0%af")
    yield "overlong-3byte", path.replace(".", "%e0%80%ae")
    yield "backslash", path.replace("/", "\\")
    yield "pct-backslash", path.replace("/", "%5c")
    yield "mixed-slashes", path.replace("/", "/\\")
    yield "dot-slash", path.replace("../", "..//")
    yield "unicode-dot", path.replace("..", "%u002e%u002e")
    yield "fullwidth", path.replace(".", "%ef%bc%8e")
    yield "nul-suffix", path + "%00.html"
for si, secret in enumerate(SECRETS):
    for name, p in encodings(secret):
        for prefix in ["/", "/javascripts/"]:
            tag = "js-" if prefix != "/" else ""
            case(f"traverse-{si}-{tag}{name}", "4xx|closed|3xx", req(prefix + p))
case("traverse-absolute-etc", "4xx|closed", req("//etc/passwd"))
case("traverse-dotfile", "4xx|closed", req("/.git/config"))
case("traverse-dotfile-encoded", "4xx|closed", req("/%2egit/config"))
case("traverse-semicolon", "4xx|closed", req("/..;/Cargo.toml"))
case("traverse-question", "4xx|closed", req("/%2e%2e%2fCargo.toml?x=1"))
case("traverse-index-dotdot", "4xx|3xx|closed", req("/index.html/../../Cargo.toml"))
case("traverse-raw-utf8-bytes", "4xx|closed", b"GET /\xc0\xae\xc0\xae/Cargo.toml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
case("traverse-controller", "2xx|4xx|closed", req("/greet/show/..%2f..%2fCargo.toml"))
case("traverse-hex-pct-broken", "4xx|closed", req("/%2/%zz/Cargo.toml"))

# --- header and method oddities ----------------------------------------------
case("header-nul-value", "4xx|closed", req("/hello", headers=[b"X-A: a\x00b"]))
case("header-nul-name", "4xx|closed", req("/hello", headers=[b"X-\x00A: a"]))
case("header-cr-in-value", "4xx|closed", req("/hello", headers=[b"X-A: a\rb"]))
case("header-lf-in-value-injection", "2xx|4xx|closed", req("/hello", headers=[b"X-A: a\nSet-Cookie: evil=1"]))
case("header-no-colon", "4xx|closed", req("/hello", headers=["Nocolon"]))
case("header-empty-name", "4xx|closed", req("/hello", headers=[": value"]))
case("header-space-in-name", "4xx|closed", req("/hello", headers=["X A: b"]))
case("header-high-bytes", "2xx|4xx|closed", req("/hello", headers=[b"X-A: \xff\xfe"]))
case("header-count-200", "431|4xx|closed", req("/hello", headers=[f"X-H{i}: v" for i in range(200)]))
case("header-count-5000", "431|4xx|closed", req("/hello", headers=[f"X-H{i}: v" for i in range(5000)]))
case("header-line-100k", "431|4xx|closed", req("/hello", headers=["X-Big: " + "a" * 100_000]))
case("header-cookie-60k", "2xx|431|4xx|closed", req("/hello", headers=["Cookie: " + "a=b; " * 12000]))
case("request-line-100k", "414|431|4xx|closed", req("/hello?" + "a" * 100_000))
case("request-line-path-70k", "414|431|4xx|closed", req("/" + "a" * 70_000))
# Methods are case-sensitive tokens (RFC 9110 §9.1): `get` is not GET. A malformed
# method is a 400; a well-formed one reaches the app unchanged, as the probe shows
# (it is the app's to allow or refuse: a Pylons controller takes any method), and
# the static files, which serve only GET and HEAD, answer 405.
for i, m in enumerate(["G ET", "GET\x00", "\x00GET", "get", "FOO", "TRACE", "CONNECT", "PROPFIND", "DELETE", "PUT", "OPTIONS", "PATCH", "G\x7fET", "GET(", "A" * 5000]):
    if m == "CONNECT":
        case(f"method-{i:02}", "400", req("localhost:80", method=m))
    elif m.isalpha():
        case(f"method-{i:02}", "2xx has=method=" + m + ";", req("/probe/seen", method=m))
    else:
        case(f"method-{i:02}", "400", req("/hello", method=m))
case("method-lowercase-get-static", "405", req("/", method="get"))
case("method-unknown-static", "405", req("/", method="FOO"))
case("method-head-hello", "2xx", req("/hello", method="HEAD"))
case("version-http2-text", "4xx|5xx|closed", req("/hello", version="HTTP/2.0"))
case("version-http3", "4xx|5xx|closed", req("/hello", version="HTTP/3.0"))
case("version-bogus", "4xx|closed", req("/hello", version="HTTX/1.1"))
case("version-missing", "4xx|closed", b"GET /hello\r\nHost: localhost\r\n\r\n")
case("version-lower", "4xx|closed", req("/hello", version="http/1.1"))
case("version-09", "4xx|closed", req("/hello", version="HTTP/0.9"))
case("target-absolute-form", "2xx|4xx", req("http://localhost/hello"))
case("target-absolute-form-other-host", "2xx|4xx", req("http://evil.example/hello"))
case("target-absolute-https", "2xx|4xx", req("https://evil.example:443/hello"))
case("target-absolute-traverse", "4xx|closed", req("http://localhost/../Cargo.toml"))
case("target-absolute-userinfo", "2xx|4xx|closed", req("http://user:pw@localhost/hello"))
case("target-authority-form-get", "4xx|closed", req("localhost:80"))
case("target-authority-form-connect", "4xx|5xx|closed", req("evil.example:443", method="CONNECT"))
case("target-asterisk-options", "2xx|4xx|closed", req("*", method="OPTIONS"))
case("target-asterisk-get", "4xx|closed", req("*"))
case("target-empty", "4xx|closed", b"GET  HTTP/1.1\r\nHost: localhost\r\n\r\n")
case("target-fragment", "2xx|4xx|closed", req("/hello#frag"))
case("target-space", "4xx|closed", b"GET /he llo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
case("target-tab", "4xx|closed", b"GET /hello\tHTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
case("target-ctl", "4xx|closed", b"GET /hel\x01lo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
case("target-relative", "4xx|closed", req("hello"))
case("host-missing", "400", req("/hello", host=None))
case("host-duplicate", "400", req("/hello", headers=["Host: evil.example"]))
case("host-empty", "2xx|4xx", req("/hello", host=""))
case("host-garbage", "400", req("/hello", host="a b<script>"))
case("host-long", "2xx|4xx|closed", req("/hello", host="a" * 9000))
case("request-empty-lines-first", "2xx|4xx|closed", b"\r\n\r\nGET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
case("request-only-garbage", "4xx|closed", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)))
case("request-binary-noise", "4xx|closed", bytes((i * 37) % 256 for i in range(4096)))
# The preface switches to HTTP/2 (h2c prior knowledge); the garbage after it is no
# frame, so the answer is a GOAWAY with an error code, then close.
case("request-h2-preface-then-garbage", "goaway", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64)
case("expect-100-no-body", "2xx|4xx|closed", req("/echo", "POST", ["Expect: 100-continue", "Content-Length: 5"], "hello"))
case("expect-bogus", "2xx|417|4xx|closed", req("/echo", "POST", ["Expect: 200-ok", "Content-Length: 5"], "hello"))
case("upgrade-websocket", "2xx|4xx|closed", req("/hello", headers=["Upgrade: websocket", "Connection: Upgrade"], close=False))
case("upgrade-h2c", "2xx|4xx|closed", req("/hello", headers=["Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA", "Connection: Upgrade, HTTP2-Settings"], close=False))

# --- Range bombs -------------------------------------------------------------
def ranged(spec, extra=()):
    return req("/", headers=["Range: " + spec, *extra])
case("range-thousands", "200|206|416", ranged("bytes=" + ",".join(f"{i}-{i}" for i in range(3000))))
case("range-thousands-overlap", "200|206|416", ranged("bytes=" + ",".join("0-" for _ in range(3000))))
case("range-overlap-many", "200|206", ranged("bytes=" + ",".join(f"{i}-{i+50}" for i in range(0, 200))))
case("range-overlap-suffix", "200|206", ranged("bytes=-100,-99,-98,-97,0-,1-,2-"))
case("range-whole-many-times", "200|206", ranged("bytes=" + ",".join("0-99999" for _ in range(100))))
case("range-reverse", "416|200", ranged("bytes=50-10"))
case("range-past-end", "416", ranged("bytes=999999-"))
case("range-huge-number", "206|416|200", ranged("bytes=0-99999999999999999999999999"))
case("range-negative", "416|200", ranged("bytes=--5"))
case("range-garbage", "416|200", ranged("bytes=a-b"))
case("range-unit", "200", ranged("lines=0-5"))
case("range-empty-list", "416|200", ranged("bytes=,,,,"))
case("range-spaces", "206|200|416", ranged("bytes = 0 - 5"))
case("range-header-100k", "200|206|416|431|4xx", ranged("bytes=" + "0-1," * 25000 + "0-1"))
case("range-if-range-garbage", "200|206", ranged("bytes=0-5", ["If-Range: garbage"]))
case("range-on-controller", "2xx", req("/hello", headers=["Range: bytes=0-2"]))
case("range-on-embedded", "200|206", req("/javascripts/helpers.js", headers=["Range: bytes=" + ",".join(f"{i}-" for i in range(1000))]))
case("range-on-head", "200|206", req("/", method="HEAD", headers=["Range: bytes=0-5"]))
case("conditional-inm-garbage", "200", req("/", headers=["If-None-Match: " + "\"x\"," * 5000]))
case("conditional-ims-garbage", "200", req("/", headers=["If-Modified-Since: yesterday"]))
case("conditional-ims-future", "200|304", req("/", headers=["If-Modified-Since: Tue, 01 Jan 2999 00:00:00 GMT"]))
case("conditional-if-match-fail", "412", req("/", headers=["If-Match: \"nope\""]))
case("conditional-ius-epoch", "412|200", req("/", headers=["If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT"]))

# --- _method abuse -----------------------------------------------------------
# Only a POST form body may override the method, and only to PUT, PATCH or DELETE;
# the probe answers the method the app saw.
PROBE = "/probe/seen"
SEEN_GET = "has=method=GET; has=original=-;"
SEEN_POST = "has=method=POST; has=original=-;"
FORM = "Content-Type: application/x-www-form-urlencoded"
case("method-override-get-query", "2xx " + SEEN_GET, req(PROBE + "?_method=DELETE"))
case("method-override-get-query-post", "2xx|4xx", req("/echo?_method=POST"))
case("method-override-post-form", "2xx has=method=DELETE; has=original=POST;", req(PROBE, "POST", [FORM, "Content-Length: 14"], "_method=DELETE"))
case("method-override-post-form-get", "2xx " + SEEN_POST, req(PROBE, "POST", [FORM, "Content-Length: 11"], "_method=GET"))
case("method-override-post-form-connect", "2xx " + SEEN_POST, req(PROBE, "POST", [FORM, "Content-Length: 15"], "_method=CONNECT"))
case("method-override-post-json", "2xx " + SEEN_POST, req(PROBE, "POST", ["Content-Type: application/json", "Content-Length: 20"], "{\"_method\":\"DELETE\"}"))
case("method-override-garbage", "2xx " + SEEN_GET, req(PROBE + "?_method=%00%0d%0aX:1"))
case("method-override-connect", "2xx " + SEEN_GET, req(PROBE + "?_method=CONNECT"))
case("method-override-long", "2xx " + SEEN_GET, req(PROBE + "?_method=" + "A" * 5000))
case("method-override-header", "2xx " + SEEN_GET, req(PROBE, headers=["X-HTTP-Method-Override: DELETE"]))
# Past the 64 KiB override limit the form is not read: still a POST.
case("method-override-form-huge", "2xx|413 " + SEEN_POST, req(PROBE, "POST", [FORM, "Content-Length: 200000"], "_method=PUT&" + "a" * (200000 - 12)))
case("method-override-post-static", "405", req("/index.html", "POST", [FORM, "Content-Length: 11"], "_method=GET"))

# --- Host and forwarded-header spoofing from an untrusted peer ---------------
# No proxy is trusted: the probe must see the peer's own address, plain http, no
# forwarding, the real mount prefix and path, and the Host that was sent.
UNTOUCHED = "has=prefix=/probe; has=path=/seen; has=host=localhost; has=addr=127.0.0.1; has=scheme=http; has=forwarded=false;"
for i, h in enumerate([
    "X-Forwarded-For: 10.0.0.1", "X-Forwarded-For: 127.0.0.1, 10.0.0.1", "X-Forwarded-Host: evil.example",
    "X-Forwarded-Proto: https", "Forwarded: for=10.0.0.1;host=evil.example;proto=https",
    "Forwarded: for=\"[::1]\";by=evil", "X-Forwarded-Prefix: /evil", "X-Real-IP: 10.0.0.1",
    "X-Forwarded-For: " + "1.1.1.1, " * 2000 + "2.2.2.2", "Forwarded: " + "for=a;" * 3000,
    "X-Script-Name: /evil", "X-Original-URL: /../Cargo.toml", "X-Rewrite-URL: /../Cargo.toml",
]):
    case(f"spoof-{i:02}", "2xx " + UNTOUCHED, req(PROBE, headers=[h]))
# /greet/links generates a path: the mount prefix only, never a forged one.
case("spoof-prefix-links", "2xx is=/greet/show/3?q=x", req("/greet/links", headers=["X-Forwarded-Prefix: /evil", "X-Script-Name: /evil"]))
case("spoof-host-links", "2xx", req("/greet/links", host="evil.example"))
case("spoof-host-absolute-links", "2xx|4xx", req("http://evil.example/greet/links"))

# --- bodies --------------------------------------------------------------------
case("body-short-cl", "4xx|closed", req("/echo", "POST", ["Content-Length: 100"], "only-a-few", close=True))
case("body-chunked-huge-declared", "4xx|closed", req("/echo", "POST", ["Transfer-Encoding: chunked"], "7fffffff\r\nabc", close=True))
case("body-chunked-many-tiny", "2xx", req("/echo", "POST", ["Transfer-Encoding: chunked"], "1\r\na\r\n" * 3000 + "0\r\n\r\n", close=True))
case("body-post-fail", "500", req("/fail", "POST", ["Content-Length: 3"], "abc"))
case("fail-generic-page", "500", req("/fail"))
case("fail-late", "2xx|closed", req("/fail_late"))
case("not-found-xss", "4xx", req("/<script>alert(1)</script>"))
case("not-found-xss-encoded", "404", req("/%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
# /greet/show/ID echoes ID: it must come back as text, never as markup.
case("greet-echoes-id-as-text", "2xx|4xx", req("/greet/show/%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
case("pipelined-three", "2xx", b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")

if __name__ == "__main__":
    for f in os.listdir(HERE):
        if f.endswith(".http"):
            os.remove(os.path.join(HERE, f))
    for n, (name, expect, raw) in enumerate(CASES):
        with open(os.path.join(HERE, f"{n:03}-{name}.http"), "wb") as f:
            f.write(f"# expect: {expect}\n".encode() + raw)
    print(f"wrote {len(CASES)} files")
