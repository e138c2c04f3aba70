#!/usr/bin/env python3
"""Cold-start and per-invocation times of the api and task-runner Lambdas against moto (docs/aws.md).

Usage (moto running, AWS_ENDPOINT_URL set; boto3 comes with moto):
  cargo build --release -p api -p task-runner
  $MOTO_VENV/bin/python lambdas/task-runner/bench/cold_start.py target/release \
      lambdas/results-parser/tests/fake_runtime_api.py
Creates its own bucket, tables, queue, cluster; writes event files to /tmp/measure."""
import boto3, json, os, subprocess, sys, time, statistics, uuid
EP = os.environ["AWS_ENDPOINT_URL"]; R = "us-east-1"
BIN = sys.argv[1]; STUB = sys.argv[2]; OUT = "/tmp/measure"
os.makedirs(OUT, exist_ok=True)
kw = dict(endpoint_url=EP, region_name=R, aws_access_key_id="test", aws_secret_access_key="test")
s3, ddb, sqs, ecs, ec2 = (boto3.client(x, **kw) for x in ("s3", "dynamodb", "sqs", "ecs", "ec2"))
u = uuid.uuid4().hex[:8]
bucket, scen, hist = f"m-{u}", f"scen-{u}", f"hist-{u}"
s3.create_bucket(Bucket=bucket)
def table(name, keys):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in zip(keys, ["HASH", "RANGE"])])
table(scen, ["testId"]); table(hist, ["testId", "testRunId"])
q = sqs.create_queue(QueueName=f"q-{u}")["QueueUrl"]
ecs.create_cluster(clusterName=f"c-{u}")
ecs.register_task_definition(family=f"lt-{u}", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
    cpu="512", memory="2048", containerDefinitions=[{"name": "load-tester", "image": "x", "memory": 2048, "cpu": 512}])
subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
sg = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
env = dict(os.environ, SCENARIOS_BUCKET=bucket, SCENARIOS_TABLE=scen, HISTORY_TABLE=hist, SQS_URL=q,
    TASK_CLUSTER=f"c-{u}", TASK_DEFINITION=f"lt-{u}", TASK_IMAGE="load-tester", SUBNET_A=subnet,
    TASK_SECURITY_GROUP=sg, AWS_REGION=R)
def write(name, ev):
    p = f"{OUT}/{name}.json"; open(p, "w").write(json.dumps(ev)); return p
post = write("post", {"httpMethod": "POST", "path": "/scenarios", "body": json.dumps({"testName": "cold start",
    "testDescription": "measure", "testType": "simple", "taskCount": 10,
    "testScenario": {"execution": [{"concurrency": 1, "hold-for": "1s", "scenario": "s"}],
                     "scenarios": {"s": {"requests": [{"url": "http://127.0.0.1:9/"}]}}}})})
get = write("get", {"httpMethod": "GET", "path": "/scenarios"})
def cold(binary, event, n=7):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        r = subprocess.run([f"{BIN}/{binary}", "local", event], env=env, capture_output=True)
        ts.append((time.perf_counter() - t) * 1000)
        assert r.returncode == 0, r.stderr
    return statistics.median(ts), min(ts), r.stdout
def warm(binary, events):
    # One Lambda process through the Runtime API stub: n events; per invocation = (T(n) - T(1)) / (n - 1).
    def run(evs):
        t = time.perf_counter()
        stub = subprocess.Popen(["python3", STUB, "0", f"{OUT}/out", *evs], stdout=subprocess.PIPE, text=True)
        addr = stub.stdout.readline().strip().rsplit(" ", 1)[1]
        lam = subprocess.Popen([f"{BIN}/{binary}"], env=dict(env, AWS_LAMBDA_RUNTIME_API=addr,
            AWS_LAMBDA_FUNCTION_NAME=binary, AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stub.wait(); dt = (time.perf_counter() - t) * 1000; lam.kill(); lam.wait()
        return dt
    t1 = run(events[:1]); tn = run(events[1:])
    return (tn - t1) / (len(events) - 2)
out = {}
out["api POST /scenarios (cold, local)"] = cold("api", post)[:2]
out["api GET /scenarios (cold, local)"] = cold("api", get)[:2]
out["api GET /scenarios (warm, per invocation)"] = warm("api", [get] * 31)
# task runner: one message per test, 10 tasks each (1 RunTask call)
msgs = []
for i in range(40):
    tid = f"t{i}{u}"
    ddb.put_item(TableName=scen, Item={"testId": {"S": tid}, "testRunId": {"S": "r1"}, "status": {"S": "running"},
        "launchedTasks": {"N": "0"}})
    msgs.append(write(f"sqs{i}", {"Records": [{"messageId": f"m{i}", "body": json.dumps({"testId": tid, "taskCount": 10, "testRunId": "r1"})}]}))
out["task-runner 10 tasks (cold, local)"] = cold("task-runner", msgs[0], n=1)[:2]
out["task-runner 10 tasks (cold, local) 2"] = cold("task-runner", msgs[1], n=1)[:2]
out["task-runner 10 tasks (warm, per invocation)"] = warm("task-runner", msgs[2:])
out["task-runner already launched (cold, local)"] = cold("task-runner", msgs[0])[:2]
for k, v in out.items(): print(f"{k}: {v if isinstance(v, tuple) else round(v, 1)}")
