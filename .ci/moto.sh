#!/usr/bin/env bash
# Install moto (the local S3/DynamoDB stand-in) into a venv if missing, start it on 127.0.0.1:$MOTO_PORT
# and wait until it answers. Prints the pid file; the caller stops it (`kill "$(cat /tmp/moto-5000.pid)"`).
set -euo pipefail
MOTO_VENV="${MOTO_VENV:-/work/.venv-moto}"
MOTO_PORT="${MOTO_PORT:-5000}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
MOTO_LOG="${MOTO_LOG:-/tmp/moto-$MOTO_PORT.log}"
PID_FILE="/tmp/moto-$MOTO_PORT.pid"

if ! "$MOTO_VENV/bin/moto_server" --help >/dev/null 2>&1 \
   || [ "$("$MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)')" != "$MOTO_VERSION" ]; then
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

if curl -sf -m 2 -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/"; then
  echo "moto already answers on http://127.0.0.1:$MOTO_PORT"
  exit 0
fi

"$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 </dev/null &
MOTO_PID=$!
echo "$MOTO_PID" >"$PID_FILE"
for _ in $(seq 1 150); do # up to ~30 s
  if curl -sf -m 2 -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/"; then break; fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$MOTO_LOG"; echo "moto died" >&2; exit 1; }
  sleep 0.2
done
curl -sf -m 2 -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" || { cat "$MOTO_LOG"; echo "moto did not answer" >&2; exit 1; }
echo "moto $MOTO_VERSION pid $MOTO_PID on http://127.0.0.1:$MOTO_PORT (log $MOTO_LOG, pid file $PID_FILE)"
