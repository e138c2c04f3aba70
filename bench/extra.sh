#!/usr/bin/env bash
# Issue 3's targets that peers.sh does not measure, on the REAL path (`stampede run CONFIG`, full
# aggregator and reports), against a private nginx on 127.0.0.1 pinned to one core, the generator
# pinned to the other:
#   - peak RSS with 1,000 users, and the same after a 10x longer run (flat memory);
#   - open-loop accuracy: throughput 5000 and 20000 over 20 s (counted by nginx);
#   - first request after launch and exit delay after the hold ends (5 s hold, nginx logs $msec).
# Usage: bash bench/extra.sh        knobs: SHORT=10 LONG=100 OPEN_SECS=20 HOLD=5 REPEAT=3 ONLY="rss open startstop"
# Each measure runs REPEAT times; the script prints every run and the load average before it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/stampede}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p executor --bin stampede)
SHORT=${SHORT:-10}; LONG=${LONG:-100}; OPEN_SECS=${OPEN_SECS:-20}; HOLD=${HOLD:-5}; REPEAT=${REPEAT:-3}
ONLY=${ONLY:-"rss open startstop"}
WORK=$(mktemp -d); NGX_PID=""
cleanup() { [ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$WORK/tmp" "$WORK/art"
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1; daemon off; master_process off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections 8192; multi_accept on; }
http { access_log off; keepalive_requests 1000000000; keepalive_timeout 300s;
  log_format t '\$msec';
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$PORT backlog=4096; default_type text/plain;
    location = /small { return 200 "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"; }
    location = /timed { access_log $WORK/timed.log t; return 200 "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"; }
    location = /peers_status { stub_status; } } }
NGX
taskset -c 1 nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" >/dev/null 2>&1 &
NGX_PID=$!
for _ in $(seq 1 30); do curl -s -o /dev/null "http://127.0.0.1:$PORT/peers_status" && break; sleep 0.1; done
served() { curl -s "http://127.0.0.1:$PORT/peers_status" | awk 'NF==3 && $1 ~ /^[0-9]+$/ {print $3}'; }
config() { # users secs rate path -> a Taurus YAML like peers.sh writes
  { printf 'execution:\n- concurrency: %s\n  hold-for: %ss\n' "$1" "$2"
    [ "$3" = 0 ] || printf '  throughput: %s\n' "$3"
    printf '  scenario: s\nscenarios:\n  s:\n    requests:\n    - http://127.0.0.1:%s%s\n' "$PORT" "$4"
  } > "$WORK/t.yml"
}
run() { # users secs rate [path] -> RSS, CPU, server-counted requests and rate
  local b a n
  config "$1" "$2" "$3" "${4:-/small}"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  b=$(served)
  (cd "$WORK/art" && taskset -c 0 /usr/bin/time -f 'time: %e s wall, %U user, %S sys, maxrss %M KB' \
    timeout $(($2 + 60)) "$BIN" run "$WORK/t.yml" 2>&1 | grep -E '^time:|Samples count' || true)
  a=$(served); n=$((a - b - 1))
  echo "served: $n requests = $(awk -v n="$n" -v d="$2" -v r="$3" 'BEGIN{printf "%.1f/s", n/d; if (r>0) printf " (%+.2f %% of %s/s)", (n/d-r)/r*100, r}')"
}
startstop() { # users: first request after launch, exit after the hold's end, from nginx's $msec log
  local t0 t1
  config "$1" "$HOLD" 0 /timed; : > "$WORK/timed.log"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  t0=$(date +%s.%N)
  (cd "$WORK/art" && taskset -c 0 "$BIN" run "$WORK/t.yml" >/dev/null 2>&1)
  t1=$(date +%s.%N)
  sleep 0.2
  sort -n "$WORK/timed.log" | awk -v t0="$t0" -v t1="$t1" -v hold="$HOLD" '
    NR==1 {first=$1} {last=$1}
    END {printf "first request %.1f ms after launch; last response %.1f ms after first+hold; exit %.1f ms after first+hold (%.1f ms after the last response); wall - hold = %.1f ms\n",
      (first-t0)*1000, (last-first-hold)*1000, (t1-first-hold)*1000, (t1-last)*1000, (t1-t0-hold)*1000}'
}
for i in $(seq 1 "$REPEAT"); do
  echo "##### round $i"
  if [[ $ONLY == *rss* ]]; then
    echo "== RSS, 1000 users, ${SHORT} s"; run 1000 "$SHORT" 0
    echo "== RSS, 1000 users, ${LONG} s"; run 1000 "$LONG" 0
  fi
  if [[ $ONLY == *open* ]]; then
    echo "== open loop 5000/s, 50 users, ${OPEN_SECS} s"; run 50 "$OPEN_SECS" 5000
    echo "== open loop 20000/s, 200 users, ${OPEN_SECS} s"; run 200 "$OPEN_SECS" 20000
  fi
  if [[ $ONLY == *startstop* ]]; then
    echo "== start/stop, 50 users, ${HOLD} s"; startstop 50
    echo "== start/stop, 1000 users, ${HOLD} s"; startstop 1000
  fi
done
