#!/usr/bin/env bash
# Checks that the test suite passes on a busy machine: two fresh clones run `npm test` at the same
# moment while a third hub, with the vault, runs on the default ports (1939, 1940).
# Usage: scripts/concurrency-check.sh   (from a checkout; takes a few minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t parachute-concurrency-XXXXXX)"
third_pid=""
cleanup() {
  if [ -n "$third_pid" ]; then kill -TERM "$third_pid" 2>/dev/null || true; wait "$third_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "work folder: $work"
if ss -ltn 2>/dev/null | grep -q ':1939 '; then
  echo "port 1939 is already in use: that hub stands in for the third one"
else
  echo "starting a third hub on the default port, with the vault"
  (cd "$root" && PARACHUTE_HOME="$work/third" exec node_modules/.bin/bun packages/hub/src/cli/bin.ts serve) \
    >"$work/third.log" 2>&1 &
  third_pid=$!
  for _ in $(seq 1 100); do [ -f "$work/third/hub.runtime.json" ] && break; sleep 0.1; done
  (cd "$root" && PARACHUTE_HOME="$work/third" node_modules/.bin/bun packages/hub/src/cli/bin.ts install vault)
fi

for c in a b; do
  git clone --quiet "$root" "$work/$c"
  (cd "$work/$c" && npm ci --no-audit --no-fund >"$work/$c-ci.log" 2>&1)
done

echo "running npm test in two clones at once"
(cd "$work/a" && npm test >"$work/a-test.log" 2>&1) &
a=$!
(cd "$work/b" && npm test >"$work/b-test.log" 2>&1) &
b=$!
status=0
wait "$a" || status=1
wait "$b" || status=1
for c in a b; do echo "clone $c: $(tail -n 1 "$work/$c-test.log")"; done
if [ "$status" -ne 0 ]; then
  for c in a b; do grep -E '^\(fail\)' "$work/$c-test.log" | sort -u | sed "s/^/clone $c: /" || true; done
  keep="$(mktemp -d -t parachute-concurrency-logs-XXXXXX)"
  cp "$work"/*-test.log "$keep"/
  echo "the test logs are kept in $keep"
  echo "FAILED"
  exit 1
fi
echo "both passed beside another hub"
