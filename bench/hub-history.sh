#!/usr/bin/env bash
# A test page with a long history: a real `stampede hub` (release build) runs one real test (three
# labels against the hub's own console files), is stopped, `seed_history`
# (crates/control/examples/seed_history.rs) copies that run into RUNS runs through the SQLite
# store, and the hub is started again on the same data. Then, median of LOADS each:
#   - GET /api/scenarios/{id} (DLT's test details, with the whole history), time and size (curl);
#   - GET /api/scenarios/{id}/testruns?limit=50 (the page of history the console shows);
#   - the console's test page in headless Chromium (selenium): ms from navigation start until the
#     history table has its rows.
#
#   cargo build --release -p executor && bash bench/hub-history.sh
#   RUNS=1000 LOADS=9 BIN=target/release/stampede PYTHON=~/.cache/stampede-moto-venv/bin/python bash bench/hub-history.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/stampede}
RUNS=${RUNS:-1000}
LOADS=${LOADS:-9}
PYTHON=${PYTHON:-${STAMPEDE_BROWSER_PYTHON:-python3}}
SEED=$ROOT/target/release/examples/seed_history

[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p executor" >&2; exit 1; }
(cd "$ROOT" && cargo build -q --release -p stampede-control --example seed_history)

work=$(mktemp -d)
hub_pid=
stop_hub() {
    if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
    hub_pid=
}
trap 'stop_hub; rm -rf "$work"' EXIT
start_hub() {
    : >"$work/hub.out"
    "$BIN" hub --listen "${1:-127.0.0.1:0}" --data "$work/data" >"$work/hub.out" 2>>"$work/hub.err" &
    hub_pid=$!
    for _ in $(seq 100); do grep -q http "$work/hub.out" 2>/dev/null && break; sleep 0.1; done
    url=$(grep -o 'http://[0-9.:]*' "$work/hub.out" | head -1)
    [ -n "$url" ] || { cat "$work/hub.err" >&2; exit 1; }
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

start_hub
body=$(cat <<EOF
{"testName": "hub-history bench", "testDescription": "bench/hub-history.sh",
 "testTaskConfigs": [{"region": "local", "taskCount": 1, "concurrency": 2}],
 "testScenario": {"execution": [{"hold-for": "5s", "throughput": 30, "scenario": "s"}],
                  "scenarios": {"s": {"requests": ["$url/", "$url/assets/app.css", "$url/assets/app.js"]}}}}
EOF
)
test_id=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$body" "$url/api/scenarios" | json '["testId"]')
for _ in $(seq 120); do
    status=$(curl -sf "$url/api/scenarios/$test_id" | json '["status"]')
    [ "$status" = running ] || break
    sleep 1
done
[ "$status" = complete ] || { echo "the seed run ended $status" >&2; exit 1; }
stop_hub
"$SEED" "$work/data" "$test_id" "$RUNS"
start_hub

# Median of $LOADS curl timings of $1, in ms, and the body size.
timed() {
    for _ in $(seq "$LOADS"); do curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$1"; done |
        sort -n | awk '{t[NR] = $1; s = $2} END {printf "%.1f ms median (min %.1f, max %.1f), %d bytes", 1000 * t[int((NR + 1) / 2)], 1000 * t[1], 1000 * t[NR], s}'
}
details=$(timed "$url/api/scenarios/$test_id")
page=$(timed "$url/api/scenarios/$test_id/testruns?limit=50")

browser=$("$PYTHON" - "$url" "$test_id" "$LOADS" <<'EOF'
import shutil, statistics, sys, tempfile
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

url, test_id, loads = sys.argv[1], sys.argv[2], int(sys.argv[3])
opts = webdriver.ChromeOptions()
opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1400,1000", "--user-data-dir=" + tempfile.mkdtemp(prefix="stampede-bench-")):
    opts.add_argument(arg)
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
ROWS = "return document.querySelectorAll('#history tbody tr').length"
times = []
try:
    for i in range(loads + 1):
        driver.get(f"{url}/?load={i}#/test/{test_id}")
        WebDriverWait(driver, 60, poll_frequency=0.005).until(lambda d: d.execute_script(ROWS) > 0)
        times.append(driver.execute_script("return performance.now()"))
        rows = driver.execute_script(ROWS)
finally:
    driver.quit()
times = times[1:]  # the first load warms the browser
print(f"{statistics.median(times):.0f} ms median (min {min(times):.0f}, max {max(times):.0f}), {rows} rows shown")
EOF
)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $(curl -sf "$url/api/scenarios/$test_id" | json '["totalTestRuns"]')"
echo "GET /api/scenarios/{id}:                 $details"
echo "GET /api/scenarios/{id}/testruns?limit=50: $page"
echo "console test page until the history shows: $browser"
