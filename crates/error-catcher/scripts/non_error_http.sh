#!/usr/bin/env bash
# The non-error path's cost over HTTP: helloworld's production app with
# error-catcher against the same app without it (gateway-bench's
# `gw-errors PORT PUBLIC with|two-layers|without`, the servers of
# `cargo xtask bench errors`): `with` is helloworld's make_app (the catcher
# serving the documents itself), `two-layers` ErrorDocuments over ErrorCatcher.
#
#   crates/error-catcher/scripts/non_error_http.sh [ROUNDS] [SECONDS]
#
# Two measures that the load of a shared machine moves much less than req/s:
#
# 1. Server CPU per request: both servers run side by side, pinned to CPU 0 with
#    the client on CPU 1 when `taskset` and two CPUs are there; ROUNDS rounds
#    (default 5) alternate `wrk -t1 -c32 -dSECONDS` (default 5 s) between them and
#    read the server's utime+stime from /proc/PID/stat before and after each run.
#    req/s is printed too.
# 2. User-space instructions per request: each server under callgrind (instrumentation
#    switched on only while the load runs), `wrk -t1 -c4 -d8s`, then total Ir
#    divided by the requests wrk completed.
#
# Needs wrk and valgrind. Run from anywhere inside the workspace.
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
rounds="${1:-5}"
secs="${2:-5}"
cd "$root"
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
cargo build -q --release -p gateway-bench --bin gw-errors
bin="$root/target/release/gw-errors"
public="$root/examples/helloworld/public"
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

server_pin=() client_pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_pin=(taskset -c 0) client_pin=(taskset -c 1)
fi
tck="$(getconf CLK_TCK)"

wait_up() { # port
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$1/hello" && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
requests() { awk '/requests in/ {print $1}' "$1"; }

declare -A port pid
port[with]=18461 port[two-layers]=18462 port[without]=18463
variants=(with without two-layers)
for v in "${variants[@]}"; do
  TOKIO_WORKER_THREADS=2 "${server_pin[@]}" "$bin" "${port[$v]}" "$public" "$v" >/dev/null &
  pid[$v]=$!; pids+=("$!")
  wait_up "${port[$v]}"
done
[ "$(curl -s "http://127.0.0.1:${port[with]}/hello")" = "Hello World!" ] || { echo "bad probe" >&2; exit 1; }

echo "# CPU per request: $rounds rounds of wrk -t1 -c32 -d${secs}s, alternating"
for v in "${variants[@]}"; do "${client_pin[@]}" wrk -t1 -c32 -d1s "http://127.0.0.1:${port[$v]}/hello" >/dev/null; done
for r in $(seq 1 "$rounds"); do
  for v in "${variants[@]}"; do
    before="$(cpu_ticks "${pid[$v]}")"
    "${client_pin[@]}" wrk -t1 -c32 -d"${secs}s" "http://127.0.0.1:${port[$v]}/hello" >"$tmp/wrk.txt"
    after="$(cpu_ticks "${pid[$v]}")"
    n="$(requests "$tmp/wrk.txt")"
    awk -v v="$v" -v r="$r" -v n="$n" -v t="$((after - before))" -v hz="$tck" -v s="$secs" \
      'BEGIN { printf "round %d %-10s %8.0f req/s %6.2f us CPU/req\n", r, v, n / s, t / hz * 1e6 / n }'
  done
done
for v in "${variants[@]}"; do kill "${pid[$v]}"; done

command -v valgrind >/dev/null || { echo "valgrind is not installed: no instruction counts" >&2; exit 0; }
echo "# user-space instructions per request: callgrind, wrk -t1 -c4 -d8s"
for v in "${variants[@]}"; do
  p=$((port[$v] + 10))
  TOKIO_WORKER_THREADS=2 valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$tmp/$v.out" "$bin" "$p" "$public" "$v" >/dev/null 2>"$tmp/$v.log" &
  vpid=$!; pids+=("$vpid")
  wait_up "$p"
  callgrind_control -i on "$vpid" >/dev/null 2>&1
  wrk -t1 -c4 -d8s "http://127.0.0.1:$p/hello" >"$tmp/wrk.txt"
  callgrind_control -i off "$vpid" >/dev/null 2>&1
  kill "$vpid"; wait "$vpid" 2>/dev/null || true
  n="$(requests "$tmp/wrk.txt")"
  ir="$(awk '/^totals:/ {print $2; exit}' "$tmp/$v.out")"
  awk -v v="$v" -v n="$n" -v ir="$ir" 'BEGIN { printf "%-10s %6d requests %8.0f Ir/request\n", v, n, ir / n }'
done
