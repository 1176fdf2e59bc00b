#!/usr/bin/env bash
# Screenshots of error-catcher's pages, taken with Debian's headless chromium.
#
#   crates/error-catcher/scripts/screenshots.sh [OUTPUT_DIR]
#
# Starts the `error_pages` example on 127.0.0.1, photographs the debug page, the
# production page and a 404 error document, and writes PNGs to OUTPUT_DIR
# (default: docs/screenshots/ at the workspace root). Needs `chromium`
# (`apt-get install -y chromium`). Run it from anywhere inside the workspace.
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
out="${1:-$root/docs/screenshots}"
port="${PORT:-18077}"
mkdir -p "$out"
cd "$root"

command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install -y chromium)" >&2; exit 1; }

cargo build -q -p gw-error-catcher --example error_pages
profile="$(mktemp -d)"
# The server prints each caught panic to stderr: keep that beside the profile.
"$root/target/debug/examples/error_pages" "127.0.0.1:$port" >/dev/null 2>"$profile/server.log" &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; rm -rf "$profile"; }
trap cleanup EXIT

# Wait (at most 10 s) for the server to accept connections.
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/debug/hello"; then break; fi
  sleep 0.1
done

shoot() { # NAME PATH HEIGHT
  timeout 60 chromium --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update --disable-sync \
    --no-first-run --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$out/$1.png" --window-size="1280,$3" \
    "http://127.0.0.1:$port$2" >/dev/null 2>&1
  echo "wrote $out/$1.png"
}

shoot debug-page /debug/fail 1600
if [ -n "${FULL:-}" ]; then shoot debug-page-full /debug/fail 3200; fi
shoot production-page /production/fail 900
shoot error-document-404 /production/missing 900
