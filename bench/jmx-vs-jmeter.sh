#!/usr/bin/env bash
# jmx-vs-jmeter.sh — runs .jmx plans with JMeter 2.13 and with Stampede against the same local
# counting target and compares, per plan, the requests per path (what the target saw) and the
# samples and failures per label (JMeter's JTL, Stampede's final-stats CSV). Exit 1 on a mismatch.
#
# Usage: bench/jmx-vs-jmeter.sh [PLAN...]   (default: the plans listed below, from fixtures/jmx)
# Environment: BIN (default target/debug/stampede), JMETER (default /opt/jmeter-bzt/bin/jmeter,
# Debian's JMeter 2.13 with the XStream shim that /work/shared/bench/run-taurus.sh sets up).
#
# Each plan is copied to a temporary directory with the files next to it, and pointed at the
# target: every HTTPSampler.domain becomes 127.0.0.1, every HTTPSampler.port the target's port
# (plans written for this project read it from `${__P(port)}`, given to both as a property), and
# a whole URL in a path the target's URL. Labels whose count is random (Random Controller picks)
# or timed (Runtime Controller) are compared as the sum of the group (`RANDOM`) or only printed
# (`TIMED`).
set -u -o pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/target/debug/stampede}
JMETER=${JMETER:-/opt/jmeter-bzt/bin/jmeter}
PLANS=("$@")
if [ ${#PLANS[@]} -eq 0 ]; then
  PLANS=(
    fixtures/jmx/stampede/controllers.jmx
    fixtures/jmx/stampede/uploads.jmx
    fixtures/jmx/stampede/csv.jmx
    fixtures/jmx/stampede/csv-modes.jmx
    fixtures/jmx/apache-jmeter/OnceOnlyTestPlan.jmx
    fixtures/jmx/apache-jmeter/LoopTestPlan.jmx
    fixtures/jmx/apache-jmeter/InterleaveTestPlan.jmx
    fixtures/jmx/taurus/transactions.jmx
    fixtures/jmx/apache-jmeter/HeaderManagerTestPlan.jmx
    fixtures/jmx/apache-jmeter/AssertionTestPlan.jmx
    fixtures/jmx/taurus/cookiemanagers.jmx
  )
fi
RANDOM_LABELS="rnd-a rnd-b"
TIMED_LABELS="rt"
[ -x "$BIN" ] || { echo "no stampede binary at $BIN (cargo build -p executor --bin stampede)" >&2; exit 2; }
[ -x "$JMETER" ] || { echo "no JMeter at $JMETER (run /work/shared/bench/run-taurus.sh once)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'kill $TARGET_PID 2>/dev/null; rm -rf "$WORK"' EXIT

# The target: counts per path, per "METHOD path content-type" for requests with a body, and
# "path file" / "path field" when an uploaded file or a form field is in the body.
cat > "$WORK/target.py" <<'EOF'
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
counts, lock = {}, threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        global counts
        path = self.path.split("?")[0]
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        if path in ("/__counts", "/__reset"):
            with lock:
                body = json.dumps(counts, sort_keys=True).encode()
                if path == "/__reset": counts = {}
        else:
            keys = [path]
            if data:
                ctype = (self.headers.get("Content-Type") or "none").split(";")[0]
                keys.append(f"{self.command} {path} {ctype}")
                if b"hello upload" in data: keys.append(f"{path} file")
                if b'name="who"' in data or b'name="a"' in data: keys.append(f"{path} field")
            with lock:
                for k in keys: counts[k] = counts.get(k, 0) + 1
            parts = path.strip("/").split("/")
            body = b"ok"
            if parts[0] == "sleep" and len(parts) > 1: time.sleep(int(parts[1]) / 1000)
            if parts[0] == "size" and len(parts) > 1: body = b"x" * int(parts[1])
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_PUT = do_GET
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
python3 -u "$WORK/target.py" > "$WORK/port" &
TARGET_PID=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT=$(head -1 "$WORK/port")

# The plan pointed at the target, with the files of its directory beside it.
localize() {
  local src=$1 dir=$2
  cp "$(dirname "$src")"/* "$dir/" 2>/dev/null
  python3 - "$src" "$dir/$(basename "$src")" "$PORT" <<'EOF'
import re, sys
src, dst, port = sys.argv[1:]
t = open(src, encoding="utf-8").read()
t = re.sub(r'(<stringProp name="HTTPSampler\.domain")(/>|>[^<]*</stringProp>)', r'\1>127.0.0.1</stringProp>', t)
t = re.sub(r'(<stringProp name="HTTPSampler\.port")(/>|>[^<]*</stringProp>)', r'\1>%s</stringProp>' % port, t)
t = re.sub(r'(name="HTTPSampler\.path">)https?://[^/<]+', r'\1http://127.0.0.1:%s' % port, t)
open(dst, "w", encoding="utf-8").write(t)
EOF
}

# label -> "samples failures" from a JMeter 2.13 CSV JTL (no header line).
jtl_labels() {
  python3 - "$1" <<'EOF'
import csv, sys
c = {}
for r in csv.reader(open(sys.argv[1])):
    s, f = c.get(r[2], (0, 0))
    c[r[2]] = (s + 1, f + (r[7] != "true"))
for k in sorted(c): print(f"{k}\t{c[k][0]} {c[k][1]}")
EOF
}

# label -> "samples failures" from Stampede's final-stats CSV.
csv_labels() {
  python3 - "$1" <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["label"]: print(f'{r["label"]}\t{int(r["succ"]) + int(r["fail"])} {r["fail"]}')
EOF
}

paths() { curl -s "http://127.0.0.1:$PORT/__reset" | python3 -c 'import json,sys; [print(f"{k}\t{v}") for k,v in sorted(json.load(sys.stdin).items())]'; }

# Random labels summed, timed labels dropped, for the comparison.
normalize() {
  awk -F'\t' -v rnd="$RANDOM_LABELS" -v timed="$TIMED_LABELS" '
    BEGIN { split(rnd, r, " "); for (i in r) R[r[i]] = 1; split(timed, t, " "); for (i in t) T[t[i]] = 1 }
    { if ($1 in T) next; if ($1 in R) { split($2, v, " "); rs += v[1]; rf += v[2]; next } print }
    END { if (rs) print "RANDOM\t" rs " " rf }' | sort
}
normalize_paths() { grep -v -E '^/(rnd/|rt\b)' | sort; }

status=0
for plan in "${PLANS[@]}"; do
  name=$(basename "$plan" .jmx)
  for tool in jmeter stampede; do mkdir -p "$WORK/$name/$tool"; localize "$(cd "$ROOT" && realpath "$plan")" "$WORK/$name/$tool"; done
  paths > /dev/null
  start=$(date +%s.%N)
  (cd "$WORK/$name/jmeter" && timeout 600 "$JMETER" -n -t "$name.jmx" -l jm.jtl -j jm.log -Jport="$PORT" \
     -Jjmeter.save.saveservice.output_format=csv > jm.out 2>&1)
  jm_s=$(printf "%.1f" "$(echo "$(date +%s.%N) - $start" | bc)")
  paths | sort > "$WORK/$name/jmeter/paths"
  jtl_labels "$WORK/$name/jmeter/jm.jtl" | sort > "$WORK/$name/jmeter/labels"
  start=$(date +%s.%N)
  (cd "$WORK/$name/stampede" && timeout 600 "$BIN" run "$name.jmx" -o "modules.jmeter.properties.port=$PORT" \
     -o settings.artifacts-dir=art -o modules.console.disable=true \
     -o 'reporting=[{"module": "final-stats", "dump-csv": "labels.csv"}]' > st.out 2>&1) \
     || { echo "stampede failed on $plan:"; tail -20 "$WORK/$name/stampede/st.out"; status=1; continue; }
  st_s=$(printf "%.1f" "$(echo "$(date +%s.%N) - $start" | bc)")
  paths | sort > "$WORK/$name/stampede/paths"
  csv_labels "$WORK/$name/stampede/labels.csv" | sort > "$WORK/$name/stampede/labels"
  echo "== $plan (wall time: JMeter ${jm_s} s, Stampede ${st_s} s)"
  printf '%-36s %14s %14s\n' "label (samples failures)" "JMeter 2.13" "Stampede"
  join -t $'\t' -a1 -a2 -e '-' -o 0,1.2,2.2 "$WORK/$name/jmeter/labels" "$WORK/$name/stampede/labels" \
    | awk -F'\t' '{ printf "%-36s %14s %14s%s\n", $1, $2, $3, ($2 == $3 ? "" : "   <-") }'
  printf '%-36s %14s %14s\n' "path" "JMeter 2.13" "Stampede"
  join -t $'\t' -a1 -a2 -e '-' -o 0,1.2,2.2 "$WORK/$name/jmeter/paths" "$WORK/$name/stampede/paths" \
    | awk -F'\t' '{ printf "%-36s %14s %14s%s\n", $1, $2, $3, ($2 == $3 ? "" : "   <-") }'
  if diff <(normalize < "$WORK/$name/jmeter/labels") <(normalize < "$WORK/$name/stampede/labels") > /dev/null \
     && diff <(normalize_paths < "$WORK/$name/jmeter/paths") <(normalize_paths < "$WORK/$name/stampede/paths") > /dev/null; then
    echo "-> same counts"
  else
    echo "-> MISMATCH"; status=1
  fi
done
exit $status
