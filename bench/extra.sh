#!/usr/bin/env bash
# The engine's own targets (issue 3) that peers.sh does not measure, against a private nginx on
# 127.0.0.1 (one core) with the generator pinned to the other core:
#   - RSS with 1,000 users, and the same after a 10x longer run (flat memory);
#   - open-loop accuracy: throughput 5000 and 20000 over 20 s (server-counted);
#   - first request after launch and exit delay after the hold ends (5 s hold).
# Usage: bash bench/extra.sh   (SHORT=10 LONG=100 to change the RSS run lengths)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/examples/engine_bench}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p executor --example engine_bench)
SHORT=${SHORT:-10}; LONG=${LONG:-100}; OPEN_SECS=${OPEN_SECS:-20}; HOLD=${HOLD:-5}
WORK=$(mktemp -d); NGX_PID=""
cleanup() { [ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$WORK/tmp"
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1; daemon off; master_process off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections 8192; multi_accept on; }
http { access_log off; keepalive_requests 1000000000; keepalive_timeout 300s;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$PORT backlog=4096; default_type text/plain;
    location = /small { return 200 "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"; }
    location = /peers_status { stub_status; } } }
NGX
taskset -c 1 nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" >/dev/null 2>&1 &
NGX_PID=$!
for _ in $(seq 1 30); do curl -s -o /dev/null "http://127.0.0.1:$PORT/peers_status" && break; sleep 0.1; done
URL=http://127.0.0.1:$PORT/small
served() { curl -s "http://127.0.0.1:$PORT/peers_status" | awk 'NF==3 && $1 ~ /^[0-9]+$/ {print $3}'; }
run() { # conns secs rate -> prints the tool's lines plus server-counted requests and wall time
  local b a t0 t1
  b=$(served); t0=$(date +%s.%N)
  taskset -c 0 /usr/bin/time -f 'time: %e s wall, %U user, %S sys, maxrss %M KB' "$BIN" "$URL" "$1" "$2" "$3" 2>&1
  t1=$(date +%s.%N); a=$(served)
  echo "served: $((a - b - 1)) requests ($(awk -v n=$((a - b - 1)) -v d="$2" 'BEGIN{printf "%.1f", n/d}')/s over the hold)"
  echo "process wall: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}') s for a $2 s hold"
}
echo "== RSS, 1000 users, ${SHORT} s"; run 1000 "$SHORT" 0
echo "== RSS, 1000 users, ${LONG} s"; run 1000 "$LONG" 0
echo "== open loop 5000/s, 50 users, ${OPEN_SECS} s"; run 50 "$OPEN_SECS" 5000
echo "== open loop 20000/s, 200 users, ${OPEN_SECS} s"; run 200 "$OPEN_SECS" 20000
echo "== start/stop, 50 users, ${HOLD} s"; run 50 "$HOLD" 0
