#!/usr/bin/env python3
"""Lambda cold start: process start -> first event handled, through a local Runtime API (stdlib).

Usage: coldstart.py BINARY [--endpoint http://127.0.0.1:5000] [--runs 5]
Without --endpoint the event is one the handler rejects without AWS calls (runtime + client setup +
one invocation). With --endpoint (moto; needs boto3, e.g. the moto venv's python) the event is a real
S3 ObjectCreated event: GetObject, PutItem, UpdateItem, Scan, UpdateItem against that endpoint.
Prints min/median milliseconds and the process's peak RSS (VmHWM)."""
import argparse, json, os, statistics, subprocess, threading, time, uuid
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

XML = os.path.join(os.path.dirname(__file__), "../../fixtures/dlt/results-multiple-rc-RECONSTRUCTED.xml")


def aws_setup(endpoint):
    import boto3
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    rid = uuid.uuid4().hex[:12]
    bucket, scen, res = f"cold-{rid}", f"scen-{rid}", f"res-{rid}"
    boto3.client("s3", **kw).create_bucket(Bucket=bucket)
    ddb = boto3.client("dynamodb", **kw)
    for name, key in ((scen, "testId"), (res, "uuid")):
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])
    return kw, bucket, scen, res


def one_run(binary, endpoint, aws):
    env = dict(os.environ, AWS_LAMBDA_FUNCTION_NAME="results-parser", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test")
    if endpoint:
        import boto3
        kw, bucket, scen, res = aws
        test_id = uuid.uuid4().hex[:10]
        boto3.client("dynamodb", **kw).put_item(TableName=scen, Item={"testId": {"S": test_id}, "taskCount": {"N": "1"}})
        key = f"results/{test_id}/u1.xml"
        boto3.client("s3", **kw).put_object(Bucket=bucket, Key=key, Body=open(XML, "rb").read())
        event = {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}
        env.update(AWS_ENDPOINT_URL=endpoint, SCENARIOS_TABLE=scen, RESULTS_TABLE=res)
    else:
        event = {"probe": "no AWS calls"}
    body = json.dumps(event).encode()
    done, result = threading.Event(), {}

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def _reply(self, code, data=b"", headers=None):
            self.send_response(code)
            for k, v in (headers or {}).items(): self.send_header(k, v)
            self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
        def do_GET(self):
            if result.get("served"):
                time.sleep(5); return self._reply(500)
            result["served"] = True
            self._reply(200, body, {"Lambda-Runtime-Aws-Request-Id": "r1", "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60000),
                                    "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:results-parser"})
        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            result["at"] = time.perf_counter(); result["kind"] = self.path.rsplit("/", 1)[-1]; result["body"] = data
            self._reply(202, b"{}"); done.set()

    class Quiet(ThreadingHTTPServer):
        def handle_error(self, *a): pass  # the killed binary's dangling long-poll is expected

    srv = Quiet(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{srv.server_address[1]}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = done.wait(30)
    rss = 0
    try:
        for line in open(f"/proc/{proc.pid}/status"):
            if line.startswith("VmHWM:"): rss = int(line.split()[1])
    except OSError:
        pass
    proc.kill(); proc.wait(); srv.shutdown()
    if not ok: raise SystemExit("no response within 30 s")
    return (result["at"] - t0) * 1000, rss, result["kind"], result["body"][:200]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary"); ap.add_argument("--endpoint"); ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    aws = aws_setup(a.endpoint) if a.endpoint else None
    runs = [one_run(a.binary, a.endpoint, aws) for _ in range(a.runs)]
    ms = [r[0] for r in runs]
    mode = "S3 event against " + a.endpoint if a.endpoint else "event handled without AWS calls"
    print(f"cold start ({mode}): min {min(ms):.1f} ms, median {statistics.median(ms):.1f} ms over {len(ms)} runs; "
          f"peak RSS {max(r[1] for r in runs)} KB; last outcome {runs[-1][2]}: {runs[-1][3].decode(errors='replace')}")


if __name__ == "__main__":
    main()
