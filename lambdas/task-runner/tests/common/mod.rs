//! One whole stack on moto per test (unique names, so tests run in parallel): the bucket with its
//! S3 → SQS notification for results, DLT's tables, the task queue, an ECS cluster and task
//! definition in moto's default VPC; and the steps DLT's managed services do between the Lambdas
//! (SQS → task runner, S3 event → results parser), done here by the test.

#![allow(dead_code)]

pub mod faults;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use aws_sdk_sqs::types::QueueAttributeName;
use results_parser::aws::{AwsStore, Tables};
use serde_json::{Value, json};
use stampede_control_aws::runner::{Pacing, Runner};
use stampede_control_aws::sdk::Clients;
use stampede_control_aws::settings::{Resources, TaskSettings};

pub struct Stack {
    pub clients: Clients,
    pub resources: Resources,
    pub tasks: TaskSettings,
    pub results_table: String,
    pub events_queue: String,
    pub app: api::App,
}

/// A moto EC2 query call (the SDK's EC2 crate is not worth its build time for two reads).
fn ec2(endpoint: &str, action: &str) -> String {
    let addr = endpoint.trim_start_matches("http://");
    let body = format!("Action={action}&Version=2016-11-15");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, \
         SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut conn = std::net::TcpStream::connect(addr).expect("moto answers");
    conn.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    conn.read_to_string(&mut out).unwrap();
    out
}

fn first_tag(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    xml[start..start + xml[start..].find('<').unwrap()].to_owned()
}

impl Stack {
    pub async fn new() -> Stack {
        let endpoint = testkit::moto::endpoint();
        let u = &uuid::Uuid::new_v4().simple().to_string()[..12];
        let clients = Clients::from_env().await;
        let region = std::env::var("AWS_REGION").unwrap();
        let resources = Resources {
            bucket: format!("stack-{u}"),
            scenarios_table: format!("scenarios-{u}"),
            history_table: format!("history-{u}"),
            queue_url: None,
            cluster: Some(format!("cluster-{u}")),
            region: region.clone(),
        };
        let store = parser_store(&clients, &resources, &format!("results-{u}"));
        store
            .s3
            .create_bucket()
            .bucket(&resources.bucket)
            .send()
            .await
            .unwrap();
        store
            .create_table(&resources.scenarios_table, &["testId"])
            .await
            .unwrap();
        store
            .create_table(&resources.history_table, &["testId", "testRunId"])
            .await
            .unwrap();
        store
            .create_table(&format!("results-{u}"), &["uuid"])
            .await
            .unwrap();
        let sqs = &clients.sqs;
        let tasks_queue = sqs
            .create_queue()
            .queue_name(format!("tasks-{u}"))
            .send()
            .await
            .unwrap();
        let events_queue = sqs
            .create_queue()
            .queue_name(format!("events-{u}"))
            .send()
            .await
            .unwrap();
        let events_url = events_queue.queue_url().unwrap().to_owned();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&events_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes()
            .unwrap()[&QueueAttributeName::QueueArn]
            .clone();
        notify_results(&clients, &resources.bucket, &arn).await;
        let subnet = first_tag(&ec2(&endpoint, "DescribeSubnets"), "subnetId");
        let group = first_tag(&ec2(&endpoint, "DescribeSecurityGroups"), "groupId");
        let cluster = format!("cluster-{u}");
        clients
            .ecs
            .create_cluster()
            .cluster_name(&cluster)
            .send()
            .await
            .unwrap();
        let container = ContainerDefinition::builder()
            .name("load-tester")
            .image("stampede:latest")
            .memory(2048)
            .cpu(512)
            .build();
        clients
            .ecs
            .register_task_definition()
            .family(format!("lt-{u}"))
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu("512")
            .memory("2048")
            .container_definitions(container)
            .send()
            .await
            .unwrap();
        let resources = Resources {
            queue_url: Some(tasks_queue.queue_url().unwrap().to_owned()),
            ..resources
        };
        let tasks = TaskSettings {
            cluster,
            task_definition: format!("lt-{u}"),
            container: "load-tester".into(),
            subnets: vec![subnet],
            security_group: group,
            bucket: resources.bucket.clone(),
            scenarios_table: resources.scenarios_table.clone(),
        };
        let app = api::App::new(stampede_control_aws::control_plane(
            &clients, &resources, None,
        ));
        Stack {
            clients,
            resources,
            tasks,
            results_table: format!("results-{u}"),
            events_queue: events_url,
            app,
        }
    }

    pub fn runner(&self) -> Runner {
        Runner::new(self.clients.clone(), self.tasks.clone(), test_pacing())
    }

    /// A runner whose ECS calls go to `endpoint` (a [`faults::FaultyEcs`]); every other client
    /// talks to moto directly.
    pub fn runner_via(&self, endpoint: &str) -> Runner {
        let ecs = self
            .clients
            .ecs
            .config()
            .to_builder()
            .endpoint_url(endpoint)
            .build();
        let clients = Clients {
            ecs: aws_sdk_ecs::Client::from_conf(ecs),
            ..self.clients.clone()
        };
        Runner::new(clients, self.tasks.clone(), test_pacing())
    }

    /// How many tasks moto recorded for the test (ListTasks by `startedBy`, every page).
    pub async fn ecs_task_count(&self, test_id: &str) -> usize {
        let mut pages = self
            .clients
            .ecs
            .list_tasks()
            .cluster(&self.tasks.cluster)
            .started_by(stampede_control_aws::ecs::started_by(test_id))
            .into_paginator()
            .send();
        let mut n = 0;
        while let Some(page) = pages.next().await {
            n += page.unwrap().task_arns().len();
        }
        n
    }

    /// An API Gateway proxy event, through the API Lambda's handler.
    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let event = json!({"httpMethod": method, "path": path, "headers": {"content-type": "application/json"},
            "body": body.map(Value::to_string), "isBase64Encoded": false});
        let out = api::handle(event, &self.app).await;
        let status = out["statusCode"].as_u64().unwrap() as u16;
        let text = out["body"].as_str().unwrap();
        (
            status,
            serde_json::from_str(text).unwrap_or(Value::String(text.into())),
        )
    }

    /// The task queue's messages as one SQS event (what the event source mapping delivers).
    pub async fn task_event(&self) -> Value {
        let url = self.resources.queue_url.as_deref().unwrap();
        let out = self
            .clients
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        let records: Vec<Value> = out
            .messages()
            .iter()
            .map(|m| {
                json!({
            "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
            "eventSource": "aws:sqs"})
            })
            .collect();
        json!({ "Records": records })
    }

    /// Feeds every S3 event in the results queue to the results parser until `done` holds for the
    /// Scenarios item (or `limit` passes); returns the handler outputs.
    pub async fn parse_results(
        &self,
        test_id: &str,
        limit: Duration,
        done: impl Fn(&serde_json::Map<String, Value>) -> bool,
    ) -> Vec<Value> {
        let store = parser_store(&self.clients, &self.resources, &self.results_table);
        let cfg = results_parser::Config {
            bucket: Some(self.resources.bucket.clone()),
            ..Default::default()
        };
        let until = Instant::now() + limit;
        let mut outputs = Vec::new();
        while Instant::now() < until {
            let out = self
                .clients
                .sqs
                .receive_message()
                .queue_url(&self.events_queue)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            for m in out.messages() {
                let event: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                if event.get("Records").is_some() {
                    outputs.push(results_parser::handle(event, &store, &cfg).await.unwrap());
                }
                self.clients
                    .sqs
                    .delete_message()
                    .queue_url(&self.events_queue)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
            if out.messages().is_empty() && done(&self.item(test_id).await) {
                break;
            }
        }
        outputs
    }

    /// The raw Scenarios item.
    pub async fn item(&self, id: &str) -> serde_json::Map<String, Value> {
        let store = parser_store(&self.clients, &self.resources, &self.results_table);
        use results_parser::Store as _;
        store
            .get_item(
                results_parser::Table::Scenarios,
                results_parser::store::key("testId", id),
            )
            .await
            .unwrap()
            .unwrap()
    }

    pub fn fargate(&self, work: &std::path::Path) -> stampede_control_aws::fargate::LocalFargate {
        let env = [
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ]
        .iter()
        .map(|k| ((*k).to_owned(), std::env::var(k).unwrap()))
        .collect();
        stampede_control_aws::fargate::LocalFargate::new(
            self.clients.ecs.clone(),
            &self.tasks.cluster,
            stampede_bin(),
            vec!["ecs".into()],
            env,
            work,
        )
    }
}

/// Short backoffs so retries take milliseconds; 4 tries in all.
pub fn test_pacing() -> Pacing {
    Pacing {
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        max_attempts: 3,
    }
}

fn parser_store(clients: &Clients, r: &Resources, results: &str) -> AwsStore {
    AwsStore {
        s3: clients.s3.clone(),
        ddb: clients.ddb.clone(),
        tables: Tables {
            scenarios: Some(r.scenarios_table.clone()),
            results: Some(results.to_owned()),
            history: Some(r.history_table.clone()),
        },
    }
}

async fn notify_results(clients: &Clients, bucket: &str, queue_arn: &str) {
    let rule = |name, value: &str| FilterRule::builder().name(name).value(value).build();
    let filter = NotificationConfigurationFilter::builder()
        .key(
            S3KeyFilter::builder()
                .filter_rules(rule(FilterRuleName::Prefix, "results/"))
                .filter_rules(rule(FilterRuleName::Suffix, ".xml"))
                .build(),
        )
        .build();
    let queue = QueueConfiguration::builder()
        .queue_arn(queue_arn)
        .events(Event::S3ObjectCreated)
        .filter(filter)
        .build()
        .unwrap();
    clients
        .s3
        .put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(queue)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The `stampede` binary (`stampede ecs` is the container): `STAMPEDE_BIN`, else the one Cargo
/// built next to this test (`cargo test --workspace` builds it; alone: `cargo build -p executor`).
pub fn stampede_bin() -> PathBuf {
    if let Ok(p) = std::env::var("STAMPEDE_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("stampede");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p executor` (or set STAMPEDE_BIN)",
        bin.display()
    );
    bin
}

/// The Taurus config of a short simple test against `url`.
pub fn scenario(url: &str, hold: &str) -> Value {
    json!({"execution": [{"concurrency": 1, "hold-for": hold, "scenario": "s"}],
           "scenarios": {"s": {"requests": [{"url": url, "method": "GET"}]}}})
}
