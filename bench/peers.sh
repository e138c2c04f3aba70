#!/usr/bin/env bash
# Stampede side by side with wrk, oha, ... through the shared peers.sh (nginx on one core, the generator
# on the other, loopback only). Usage, from anywhere:
#   bash bench/peers.sh                                  # wrk oha ours, DURATION=10 RUNS=3, open loop 5000/s
#   DURATION=5 RUNS=1 TOOLS="wrk ours" bash bench/peers.sh
# Uses `target/release/stampede run {config}` once `stampede run` works end to end (config + scenario
# merged); until then the engine's own driver `target/release/examples/engine_bench` (same engine, same
# client, one GET, a single-threaded runtime), which is what bench/README.md reports.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers.sh}
[ -f "$PEERS" ] || PEERS=/work/shared/bench/peers.sh
STAMPEDE=$ROOT/target/release/stampede
ENGINE_BENCH=$ROOT/target/release/examples/engine_bench
if [ -z "${OURS:-}" ]; then
  if [ -x "$STAMPEDE" ] && "$STAMPEDE" run --help >/dev/null 2>&1; then
    OURS="$STAMPEDE run {config}"
  else
    [ -x "$ENGINE_BENCH" ] || (cd "$ROOT" && cargo build --release -p executor --example engine_bench)
    OURS="$ENGINE_BENCH {url} {conns} {duration} {rate}"
  fi
fi
export OURS
export TOOLS=${TOOLS:-"wrk oha ours"}
export OPEN_TOOLS=${OPEN_TOOLS:-"wrk2 oha ours"}
echo "OURS=$OURS" >&2
exec bash "$PEERS"
