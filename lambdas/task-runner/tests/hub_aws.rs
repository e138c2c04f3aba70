//! `stampede hub --aws`: the console's API on a laptop over the same tables, bucket, queue and
//! cluster as the Lambdas; a test the API Lambda created is seen and cancelled through the hub.

mod common;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Stack, scenario, stampede_bin};
use serde_json::{Value, json};

struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request to the hub; (status, JSON body).
fn http(port: u16, method: &str, path: &str) -> Option<(u16, Value)> {
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    conn.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let body = out.split("\r\n\r\n").nth(1)?;
    Some((status, serde_json::from_str(body).ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_with_aws_back_ends_serves_and_cancels_what_the_lambda_created() {
    let stack = Stack::new().await;
    let body = json!({"testName": "from the Lambda", "testDescription": "seen by the hub",
        "testType": "simple", "taskCount": 2, "testScenario": scenario("http://127.0.0.1:9/", "1m")});
    let (code, created) = stack.call("POST", "/scenarios", Some(&body)).await;
    assert_eq!(code, 200, "{created}");
    let test_id = created["testId"].as_str().unwrap().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = &stack.resources;
    let _hub = Hub(Command::new(stampede_bin())
        .args(["hub", "--aws", "--listen", &format!("127.0.0.1:{port}")])
        .env("SCENARIOS_BUCKET", &r.bucket)
        .env("SCENARIOS_TABLE", &r.scenarios_table)
        .env("HISTORY_TABLE", &r.history_table)
        .env("SQS_URL", r.queue_url.as_deref().unwrap())
        .env("TASK_CLUSTER", r.cluster.as_deref().unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap());
    let began = Instant::now();
    let list = loop {
        if let Some((200, v)) = http(port, "GET", "/api/scenarios") {
            break v;
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the hub did not answer"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(list["Items"][0]["testId"], json!(test_id), "{list}");
    assert_eq!(list["Items"][0]["status"], "running");
    let (code, reply) = http(port, "POST", &format!("/api/scenarios/{test_id}")).unwrap();
    assert_eq!((code, reply), (200, json!("test cancelling")));
    let (_, got) = stack
        .call("GET", &format!("/scenarios/{test_id}"), None)
        .await;
    assert_eq!(got["status"], "cancelled", "{got}");
    assert_eq!(got["history"][0]["status"], "cancelled");
}
