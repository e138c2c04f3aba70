#!/usr/bin/env bash
# Flat CPU profile of the real path: `stampede run` (50 users, keep-alive, closed loop) against a
# private nginx on 127.0.0.1, generator on CPU 0, nginx on CPU 1, sampled by `perf record` (software
# clock: this VM has no hardware counters). Prints the top symbols, user and kernel.
# Usage: bash bench/profile.sh        knobs: USERS=50 SECS=8 TOP=40 RATE=0
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/stampede}
USERS=${USERS:-50}; SECS=${SECS:-8}; TOP=${TOP:-40}; RATE=${RATE:-0}
WORK=$(mktemp -d); NGX_PID=""
cleanup() { [ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$WORK/tmp" "$WORK/art"
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1; daemon off; master_process off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000000; keepalive_timeout 300s;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$PORT backlog=4096; default_type text/plain;
    location = /small { return 200 "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"; } } }
NGX
taskset -c 1 nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" >/dev/null 2>&1 &
NGX_PID=$!
for _ in $(seq 1 30); do curl -s -o /dev/null "http://127.0.0.1:$PORT/small" && break; sleep 0.1; done
{ printf 'execution:\n- concurrency: %s\n  hold-for: %ss\n' "$USERS" "$SECS"
  [ "$RATE" = 0 ] || printf '  throughput: %s\n' "$RATE"
  printf '  scenario: s\nscenarios:\n  s:\n    requests:\n    - http://127.0.0.1:%s/small\n' "$PORT"
} > "$WORK/t.yml"
(cd "$WORK/art" && taskset -c 0 perf record -F 1999 -o "$WORK/perf.data" -- "$BIN" run "$WORK/t.yml" 2>&1 | grep -E 'Samples count|perf record' || true)
echo "-- by thread and DSO"
perf report -i "$WORK/perf.data" --no-children --sort comm,dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 12
echo "-- by symbol"
perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --percent-limit 0.4 --stdio 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | head -n "$TOP"
