#!/usr/bin/env bash
# Stampede side by side with wrk (and oha, h2load, ... where installed) through the shared peers.sh:
# nginx pinned to one core, the generator to the other, loopback only, HTTP/1.1 keep-alive.
# Stampede runs its REAL path: `target/release/stampede run {config}` on the Taurus YAML that peers.sh
# writes per run (concurrency, hold-for, throughput, one GET), with the full aggregator (per-label
# HDR histograms, per-second datapoints), the Taurus console lines and the final reports.
# Usage, from anywhere:
#   bash bench/peers.sh                                  # wrk ours, DURATION=10 RUNS=3, open loop 5000/s
#   DURATION=5 RUNS=3 CASES="small:50 small:1" TOOLS="wrk ours" bash bench/peers.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers.sh}
[ -f "$PEERS" ] || PEERS=/work/shared/bench/peers.sh
STAMPEDE=${STAMPEDE:-$ROOT/target/release/stampede}
[ -x "$STAMPEDE" ] || (cd "$ROOT" && cargo build --release -p executor --bin stampede)
# Each run's artifacts (bzt.log, report.html, ...) go to a scratch dir removed at exit.
ART=$(mktemp -d)
trap 'rm -rf "$ART"' EXIT
export OURS=${OURS:-"cd $ART && $STAMPEDE run {config}"}
export TOOLS=${TOOLS:-"wrk ours"}
export OPEN_TOOLS=${OPEN_TOOLS:-"wrk2 oha ours"}
echo "OURS=$OURS" >&2
bash "$PEERS"
