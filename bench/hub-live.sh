#!/usr/bin/env bash
# The hub's CPU to merge live data: a real `stampede hub` (release build) runs a test of WORKERS
# local tasks; the real workers are kept idle (one request, then a 10-minute think time), while
# `live_sim` (crates/hub/examples/live_sim.rs) sends, for each task, one realistic live frame per
# second (LABELS labels + the overall entry) to the same endpoint the workers use. The hub
# process's utime+stime (/proc/PID/stat) over DURATION seconds, after WARMUP seconds, is printed as
# % of one core, next to the same window with no frames (BASELINE: the hub idling with WORKERS
# running tasks).
#
#   cargo build --release -p executor && bash bench/hub-live.sh
#   WORKERS=100 LABELS=10 DURATION=60 WARMUP=15 BIN=target/release/stampede bash bench/hub-live.sh
#   PERF=1 bash bench/hub-live.sh   # also `perf record` the hub during the busy window, top symbols
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/stampede}
WORKERS=${WORKERS:-100}
LABELS=${LABELS:-10}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-15}
BASELINE=${BASELINE:-20}
SIM=$ROOT/target/release/examples/live_sim

[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p executor" >&2; exit 1; }
(cd "$ROOT" && cargo build -q --release -p stampede-hub --example live_sim)

work=$(mktemp -d)
hub_pid=
cleanup() {
    [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" hub --listen 127.0.0.1:0 --data "$work/data" >"$work/hub.out" 2>"$work/hub.err" &
hub_pid=$!
for _ in $(seq 100); do grep -q http "$work/hub.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/hub.out" | head -1)
[ -n "$url" ] || { cat "$work/hub.err" >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$hub_pid/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$hub_pid/status"; }
hz=$(getconf CLK_TCK)
# % of one core used by the hub over the next $1 seconds.
cpu_over() {
    local t0 t1 w0 w1
    t0=$(ticks); w0=$(date +%s.%N)
    sleep "$1"
    t1=$(ticks); w1=$(date +%s.%N)
    awk -v t="$((t1 - t0))" -v hz="$hz" -v w0="$w0" -v w1="$w1" \
        'BEGIN {printf "%.2f", 100 * t / hz / (w1 - w0)}'
}

hold=$((WARMUP + DURATION + BASELINE + 120))
body=$(cat <<EOF
{"testName": "hub-live bench", "testDescription": "bench/hub-live.sh",
 "testTaskConfigs": [{"region": "local", "taskCount": $WORKERS, "concurrency": 1}],
 "testScenario": {"execution": [{"hold-for": "${hold}s", "scenario": "idle"}],
                  "scenarios": {"idle": {"think-time": "10m", "requests": ["http://127.0.0.1:9/"]}}}}
EOF
)
test_id=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$body" "$url/api/scenarios" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["testId"])')
run_id=$(curl -sf "$url/api/scenarios/$test_id" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["testRunId"])')

# Let the tasks start (100 processes on a small machine take a while), then the idle baseline.
sleep "$WARMUP"
idle=$(cpu_over "$BASELINE")
idle_rss=$(rss_mb)

"$SIM" "$url" "$test_id" "$run_id" "$WORKERS" "$LABELS" $((DURATION + 10)) >"$work/sim.out" &
sim_pid=$!
sleep 5
if [ -n "${PERF:-}" ]; then
    perf record -q -e cpu-clock -F 999 -g -p "$hub_pid" -o "$work/perf.data" -- sleep "$DURATION" 2>/dev/null &
    perf_pid=$!
fi
busy=$(cpu_over "$DURATION")
busy_rss=$(rss_mb)
wait "$sim_pid"
seconds=$(curl -sf "$url/api/scenarios/$test_id/testruns/$run_id/timeline" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["seconds"]))')
curl -sf -X POST "$url/api/scenarios/$test_id" >/dev/null

if [ -n "${PERF:-}" ]; then
    wait "$perf_pid" || true
    perf report -q -i "$work/perf.data" ${PERF_REPORT:---no-children} --sort symbol --percent-limit 1.5 -g none 2>/dev/null | grep -v '^$' | grep '%' | head -30
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "simulator: $(cat "$work/sim.out")"
echo "hub timeline: $seconds merged seconds"
echo "hub CPU, $WORKERS tasks running, no frames:        $idle % of one core (RSS $idle_rss MB)"
echo "hub CPU, $WORKERS workers x $LABELS labels, 1 frame/s: $busy % of one core (RSS $busy_rss MB) over ${DURATION}s"
