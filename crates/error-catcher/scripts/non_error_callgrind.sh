#!/usr/bin/env bash
# Instructions per request on the non-error path, in process: the criterion bench
# `non_error_path` under callgrind, one variant at a time.
#
#   crates/error-catcher/scripts/non_error_callgrind.sh [VARIANT...]
#
# Variants (default: all): bare error_catcher error_documents
# error_catcher_and_documents error_catcher_with_documents. Collection is on only
# inside criterion's `Bencher::iter`; each iteration is one `Runtime::block_on`
# (build the request, call, collect the body), so the figure is the collected
# instructions divided by the number of `block_on` calls. Needs valgrind.
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
variants=("$@")
[ "${#variants[@]}" -gt 0 ] || variants=(bare error_catcher error_documents
  error_catcher_and_documents error_catcher_with_documents)

bin="$(cargo bench -q -p gw-error-catcher --bench non_error_path --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*non_error_path[^"]*\)".*/\1/p' | tail -1)"
[ -x "$bin" ] || { echo "cannot find the bench binary" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for v in "${variants[@]}"; do
  valgrind --tool=callgrind --callgrind-out-file="$tmp/$v.out" \
    --toggle-collect='*Bencher*iter*' "$bin" --bench --profile-time 1 "non_error_path/$v\$" \
    >/dev/null 2>&1
  # Total collected, and the call count of every call edge to Runtime::block_on
  # (callgrind names a function once, then by its number alone).
  awk -v v="$v" '
    /^totals:/ { total = $2 }
    /^c?fn=\([0-9]+\) tokio::runtime::runtime::Runtime::block_on$/ {
      match($0, /\([0-9]+\)/); id = substr($0, RSTART, RLENGTH)
    }
    /^cfn=\(/ { match($0, /\([0-9]+\)/); want = (id != "" && substr($0, RSTART, RLENGTH) == id); next }
    /^calls=/ { if (want) { split($1, c, "="); calls += c[2] } want = 0; next }
    { want = 0 }
    END { printf "%-30s %8d iterations %8.0f instructions each\n", v, calls, total / calls }
  ' "$tmp/$v.out"
done
