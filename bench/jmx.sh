#!/usr/bin/env bash
# Issue 15: a JMeter plan runs at the same CPU per request as the equivalent YAML scenario.
# The same load (USERS threads x ITER loops of one GET) through `stampede run t.yml` and through
# `stampede run t.jmx` (a ThreadGroup with one HTTP Request), on the REAL path (config, scenario,
# engine, aggregator, reports), against a private nginx on 127.0.0.1 pinned to CPU 1 with the
# generator pinned to CPU 0. Requests are counted by nginx; CPU is user+sys of the stampede process.
# Usage: bash bench/jmx.sh      knobs: USERS=20 ITER=2500 REPEAT=3 BIN=target/release/stampede
# Runs alternate (yaml, jmx, yaml, jmx...) so that load from other users of the machine hits both.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/stampede}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p executor --bin stampede)
BIN=$(realpath "$BIN")
USERS=${USERS:-20}; ITER=${ITER:-2500}; REPEAT=${REPEAT:-3}
WORK=$(mktemp -d); NGX_PID=""
cleanup() { [ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$WORK/tmp" "$WORK/art"
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
served() { curl -s "http://127.0.0.1:$PORT/peers_status" | awk 'NF==3 && $1 ~ /^[0-9]+$/ {print $3}'; }

cat > "$WORK/t.yml" <<YML
execution:
- concurrency: $USERS
  iterations: $ITER
  scenario: s
scenarios:
  s:
    requests:
    - url: http://127.0.0.1:$PORT/small
      label: small
YML
cat > "$WORK/t.jmx" <<JMX
<?xml version="1.0" encoding="UTF-8"?>
<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.4.1"><hashTree>
  <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="bench" enabled="true"/>
  <hashTree>
    <ThreadGroup guiclass="ThreadGroupGui" testclass="ThreadGroup" testname="users" enabled="true">
      <stringProp name="ThreadGroup.on_sample_error">continue</stringProp>
      <elementProp name="ThreadGroup.main_controller" elementType="LoopController" guiclass="LoopControlPanel" testclass="LoopController" enabled="true">
        <stringProp name="LoopController.loops">$ITER</stringProp>
      </elementProp>
      <stringProp name="ThreadGroup.num_threads">$USERS</stringProp>
      <stringProp name="ThreadGroup.ramp_time">0</stringProp>
    </ThreadGroup>
    <hashTree>
      <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="small" enabled="true">
        <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
        <stringProp name="HTTPSampler.port">$PORT</stringProp>
        <stringProp name="HTTPSampler.protocol">http</stringProp>
        <stringProp name="HTTPSampler.path">/small</stringProp>
        <stringProp name="HTTPSampler.method">GET</stringProp>
        <boolProp name="HTTPSampler.follow_redirects">true</boolProp>
        <boolProp name="HTTPSampler.use_keepalive">true</boolProp>
      </HTTPSamplerProxy>
      <hashTree/>
    </hashTree>
  </hashTree>
</hashTree></jmeterTestPlan>
JMX

run() { # file -> one table row: requests (nginx), wall s, CPU s, us of CPU per request
  local b a n t
  b=$(served)
  t=$(cd "$WORK/art" && taskset -c 0 /usr/bin/time -f '%e %U %S' timeout 120 "$BIN" run "$WORK/$1" \
      -o "settings.artifacts-dir=$WORK/art/run" -o modules.console.disable=true 2>&1 >/dev/null | tail -1)
  rm -rf "$WORK/art/run"
  a=$(served); n=$((a - b - 1))
  echo "$t" | awk -v f="$1" -v n="$n" '{cpu=$2+$3; printf "| %-5s | %9d | %6.2f | %6.2f | %7.2f |\n", f, n, $1, cpu, cpu*1e6/n}'
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $USERS users x $ITER iterations; $BIN"
echo "| plan  |  requests | wall s |  CPU s | us/req |"
echo "|-------|----------:|-------:|-------:|-------:|"
for _ in $(seq 1 "$REPEAT"); do
  run t.yml | sed 's/t.yml/yaml /'
  run t.jmx | sed 's/t.jmx/jmx  /'
done
