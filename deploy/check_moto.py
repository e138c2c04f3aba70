#!/usr/bin/env python3
"""Creates deploy/template.yaml on moto's CloudFormation and checks how the stack is wired.

    ~/.cache/stampede-moto-venv/bin/python deploy/check_moto.py

Run it with the Python of the moto venv (.ci/moto.sh makes it: boto3, PyYAML, moto_server). It
starts its own moto server on a free loopback port and stops it at the end, so the stack it creates
never shows up in another test's moto; `--endpoint URL` uses a running server instead. moto's CloudFormation does not implement Cognito, CloudFront, S3 bucket policies or
API Gateway authorizers, so those resources (and what refers to them) are left out; everything else
is created from the template as written, and the checks read the result back through the services'
own APIs: the Lambdas' environment, the parser's S3 permission, the queue mapping, the task
definition, the roles' policies. moto accepts but does not create metric filters, alarms, API stages
and bucket notifications; the script names them. Exits 1 with the failed checks.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager

import boto3
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
UNSUPPORTED = (
    "AWS::Cognito::",
    "AWS::CloudFront::",
    "AWS::S3::BucketPolicy",
    "AWS::ApiGateway::Authorizer",
)
# Resources that only exist to point at an unsupported one, and the MOCK method moto cannot read
# (its API Gateway method needs an integration URI).
DEPENDENT = {"ConsoleUserRole", "ApiProxyOptions"}
SHORT_FORMS = ["Ref", "Condition"] + [
    "Fn::" + f
    for f in ("Base64 Cidr FindInMap GetAZs ImportValue Join Select Split Sub Transform "
              "And Equals If Not Or").split()
]


def load_template(path):
    """YAML with CloudFormation's short forms (`!Ref x`) turned into their long JSON forms."""

    class Loader(yaml.SafeLoader):
        pass

    def construct(name):
        def fn(loader, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {name: value}

        return fn

    for name in SHORT_FORMS:
        Loader.add_constructor("!" + name.removeprefix("Fn::"), construct(name))
    Loader.add_constructor(
        "!GetAtt",
        lambda loader, node: {"Fn::GetAtt": loader.construct_scalar(node).split(".", 1)},
    )
    with open(path) as f:
        return yaml.load(f, Loader=Loader)


def refers_to(value, names):
    text = json.dumps(value)
    return any(f'"{n}"' in text or f"${{{n}}}" in text or f"${{{n}." in text for n in names)


def for_moto(template):
    resources = template["Resources"]
    gone = {k for k, r in resources.items() if r["Type"].startswith(UNSUPPORTED)} | DEPENDENT
    for name in gone:
        del resources[name]
    method = resources["ApiProxyAny"]["Properties"]
    method["AuthorizationType"] = "NONE"
    del method["AuthorizerId"]
    for r in resources.values():
        if isinstance(r.get("DependsOn"), list):
            r["DependsOn"] = [d for d in r["DependsOn"] if d not in gone]
    template["Outputs"] = {k: v for k, v in template["Outputs"].items() if not refers_to(v, gone)}
    del template["Rules"]  # moto does not evaluate them
    leftovers = [k for k, r in resources.items() if refers_to(r, gone)]
    assert not leftovers, f"still refer to removed resources: {leftovers}"
    return template, gone


class Checks:
    def __init__(self):
        self.failed = []

    def eq(self, what, got, want):
        if got != want:
            self.failed.append(f"{what}: got {got!r}, want {want!r}")

    def true(self, what, cond):
        if not cond:
            self.failed.append(what)


def create_stack(cfn, name, body, params):
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(body),
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
    )
    for _ in range(120):
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            break
        time.sleep(0.5)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        sys.exit(f"stack {name}: {stack['StackStatus']} {stack.get('StackStatusReason', '')}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    }
    return stack["StackId"], outputs, physical


def check(session, stack_id, outputs, physical):
    c = Checks()
    lam = session.client("lambda")
    bucket = outputs["ScenariosBucket"]
    stack_uuid = stack_id.split("/")[2]
    c.true(f"bucket name {bucket} carries the stack id", stack_uuid.split("-")[0] in bucket)
    c.true(f"bucket name {bucket} is at most 63 characters", len(bucket) <= 63)

    env = {
        k: lam.get_function_configuration(FunctionName=physical[k])["Environment"]["Variables"]
        for k in ("ApiFunction", "TaskRunnerFunction", "ResultsParserFunction")
    }
    c.eq("api env keys", sorted(env["ApiFunction"]),
         ["HISTORY_TABLE", "RESULTS_TABLE", "SCENARIOS_BUCKET", "SCENARIOS_TABLE", "SQS_URL",
          "TASK_CLUSTER"])
    c.eq("api HISTORY_TABLE", env["ApiFunction"]["HISTORY_TABLE"], outputs["HistoryTable"])
    c.eq("task-runner env keys", sorted(env["TaskRunnerFunction"]),
         ["SCENARIOS_BUCKET", "SCENARIOS_TABLE", "SUBNET_A", "SUBNET_B", "TASK_CLUSTER",
          "TASK_DEFINITION", "TASK_IMAGE", "TASK_SECURITY_GROUP"])
    for fn in env:
        c.eq(f"{fn} SCENARIOS_BUCKET", env[fn]["SCENARIOS_BUCKET"], bucket)
    c.eq("parser SCENARIOS_TABLE", env["ResultsParserFunction"]["SCENARIOS_TABLE"],
         outputs["ScenariosTable"])
    c.eq("parser STAMPEDE_DLT_ERA", env["ResultsParserFunction"]["STAMPEDE_DLT_ERA"], "v1")
    c.eq("api SQS_URL", env["ApiFunction"]["SQS_URL"], outputs["TaskQueueUrl"])
    runner = env["TaskRunnerFunction"]
    c.eq("runner TASK_DEFINITION", runner["TASK_DEFINITION"], outputs["TaskDefinition"])
    c.eq("runner SUBNET_A", runner["SUBNET_A"], physical["SubnetA"])
    c.eq("runner TASK_SECURITY_GROUP", runner["TASK_SECURITY_GROUP"], physical["TaskSecurityGroup"])

    policy = json.loads(lam.get_policy(FunctionName=physical["ResultsParserFunction"])["Policy"])
    sources = [s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]]
    c.true(f"parser invoke permission names the bucket ({sources})",
           any(s.endswith(":::" + bucket) for s in sources))

    mappings = lam.list_event_source_mappings(FunctionName=physical["TaskRunnerFunction"])
    m = mappings["EventSourceMappings"]
    c.eq("one SQS mapping", len(m), 1)
    if m:
        c.eq("mapping batch size", m[0]["BatchSize"], 1)
    sqs = session.client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=outputs["TaskQueueUrl"], AttributeNames=["All"])["Attributes"]
    timeout = lam.get_function_configuration(FunctionName=physical["TaskRunnerFunction"])["Timeout"]
    c.true("queue visibility > runner timeout", int(attrs["VisibilityTimeout"]) > timeout)
    c.eq("dead-letter after", json.loads(attrs["RedrivePolicy"])["maxReceiveCount"], 3)

    td = session.client("ecs").describe_task_definition(taskDefinition=outputs["TaskDefinition"])["taskDefinition"]
    # moto's CloudFormation keeps the memory but drops Cpu, NetworkMode and RequiresCompatibilities.
    c.eq("task memory (default 1vcpu-2gb)", td["memory"], "2048")
    c.eq("container name = TASK_IMAGE", td["containerDefinitions"][0]["name"], runner["TASK_IMAGE"])
    c.eq("log group", td["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"],
         outputs["ContainerLogGroup"])

    iam = session.client("iam")
    role = physical["ResultsParserRole"]
    doc = json.dumps(iam.get_role_policy(RoleName=role, PolicyName="results-parser")["PolicyDocument"])
    c.true("parser role reads the bucket's results/", f"{bucket}/results/*" in doc)
    runner_doc = json.dumps(iam.get_role_policy(RoleName=physical["TaskRunnerRole"], PolicyName="task-runner")["PolicyDocument"])
    c.true("runner may RunTask on the task definition", outputs["TaskDefinition"] in runner_doc)

    body = session.client("cloudwatch").get_dashboard(DashboardName=physical["Dashboard"])["DashboardBody"]
    widgets = json.loads(body)["widgets"]
    query = next(w["properties"]["query"] for w in widgets if w["type"] == "log")
    c.true("dashboard's Logs Insights widget reads the container log group",
           f"SOURCE '{outputs['ContainerLogGroup']}'" in query)
    c.true("dashboard's regex keeps its backslashes", r"(?<vu>\d+) vu\s+" in query)
    return c.failed


@contextmanager
def own_moto():
    """A moto server of this venv on a free loopback port, stopped on exit."""
    server = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if not os.path.exists(server):
        sys.exit(f"check_moto.py: {server} not found; run this with the moto venv's python")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit(f"check_moto.py: moto_server exited with {proc.returncode}")
                time.sleep(0.2)
        else:
            sys.exit(f"check_moto.py: moto_server did not answer on {url} within 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    args = sys.argv[1:]
    if args[:1] == ["--endpoint"] and len(args) == 2:
        run_checks(args[1])
    elif not args:
        with own_moto() as url:
            run_checks(url)
    else:
        sys.exit("usage: check_moto.py [--endpoint URL]")


def run_checks(endpoint):
    os.environ["AWS_ENDPOINT_URL"] = endpoint  # boto3 sends every client there
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="test",
                                    aws_secret_access_key="test")
    template, gone = for_moto(load_template(os.path.join(HERE, "template.yaml")))
    run = uuid.uuid4().hex[:8]
    code_bucket = f"stampede-code-{run}"
    s3 = session.client("s3")
    s3.create_bucket(Bucket=code_bucket)
    for key in ("api", "task-runner", "results-parser"):
        s3.put_object(Bucket=code_bucket, Key=f"stampede/lambda/{key}.zip", Body=b"PK\x05\x06" + bytes(18))
    params = {
        "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/stampede:test",
        "CodeBucket": code_bucket,
        "AdminEmail": "admin@example.com",
        "EnableConsoleAlarms": "true",
        "AlarmTestId": "abcDEF1234",
        "AlarmEmail": "ops@example.com",
    }
    stack_id, outputs, physical = create_stack(session.client("cloudformation"), f"stampede-{run}", template, params)
    failed = check(session, stack_id, outputs, physical)
    skipped = sorted(set(template["Resources"]) - set(physical))
    print(f"moto: {len(physical)} resources created; left out of the template for moto: "
          f"{', '.join(sorted(gone))}; accepted but not created by moto (not checked): "
          f"{', '.join(skipped)}")
    for f in failed:
        print("FAIL", f)
    if failed:
        sys.exit(1)
    print("moto: all wiring checks passed")


if __name__ == "__main__":
    main()
