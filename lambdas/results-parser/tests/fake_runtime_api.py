#!/usr/bin/env python3
"""Minimal AWS Lambda Runtime API stand-in (stdlib only).
From shared/spec/aws-local.md Appendix A; changed only to print the bound port (PORT may be 0).
Usage: fake_runtime_api.py PORT OUTDIR EVENT.json [EVENT.json ...]
Serves each event once on GET /2018-06-01/runtime/invocation/next, records
POST .../response and .../error bodies to OUTDIR/<n>.response|.error, and exits
(status 0 if all responses arrived, 1 if any error) once every event is answered."""
import json, os, sys, threading, time, uuid, queue
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

port, outdir, events = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
os.makedirs(outdir, exist_ok=True)
pending = queue.Queue()
for i, p in enumerate(events):
    pending.put((i, str(uuid.uuid4()), open(p, 'rb').read()))
ids, results, done = {}, {}, threading.Event()

class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def _reply(self, code, body=b'', headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items(): self.send_header(k, v)
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        if self.path == '/2018-06-01/runtime/invocation/next':
            try: i, rid, body = pending.get(timeout=30)
            except queue.Empty: return self._reply(500, b'{"errorMessage":"no more events"}')
            ids[rid] = i
            return self._reply(200, body, {
                'Content-Type': 'application/json',
                'Lambda-Runtime-Aws-Request-Id': rid,
                'Lambda-Runtime-Deadline-Ms': str(int(time.time() * 1000) + 60_000),
                'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:results-parser',
                'Lambda-Runtime-Trace-Id': 'Root=1-00000000-000000000000000000000000;Sampled=0'})
        self._reply(404)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        parts = self.path.split('/')
        if self.path.startswith('/2018-06-01/runtime/invocation/') and parts[-1] in ('response', 'error'):
            rid, kind = parts[-2], parts[-1]
            i = ids.get(rid, -1)
            open(os.path.join(outdir, f'{i}.{kind}'), 'wb').write(body)
            results[rid] = kind
            self._reply(202, b'{"status":"OK"}', {'Content-Type': 'application/json'})
            if len(results) == len(events): done.set()
            return
        if self.path == '/2018-06-01/runtime/init/error':
            open(os.path.join(outdir, 'init.error'), 'wb').write(body)
            self._reply(202, b'{"status":"OK"}'); results['init'] = 'error'; done.set(); return
        self._reply(404)

srv = ThreadingHTTPServer(('127.0.0.1', port), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
print(f'runtime api on 127.0.0.1:{srv.server_address[1]}', flush=True)  # PORT 0 = any free port
ok = done.wait(timeout=float(os.environ.get('RAPI_TIMEOUT', '60')))
srv.shutdown()
sys.exit(0 if ok and all(v == 'response' for v in results.values()) else 1)
