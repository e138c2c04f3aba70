//! Shared setup for tests against moto: unique bucket and tables per test, so tests run in parallel.

#![allow(dead_code)]

use results_parser::Config;
use results_parser::aws::{AwsStore, Tables};
use serde_json::Value;

pub struct Env {
    pub store: AwsStore,
    pub cfg: Config,
    pub bucket: String,
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/dlt/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixed_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
        .unwrap()
        .into()
}

pub async fn env() -> Env {
    let moto = testkit::moto::endpoint();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut store = AwsStore::from_env().await;
    let ddb = store
        .ddb
        .config()
        .to_builder()
        .endpoint_url(serial_proxy(&moto).await)
        .build();
    store.ddb = aws_sdk_dynamodb::Client::from_conf(ddb);
    store.tables = Tables {
        scenarios: Some(format!("scen-{id}")),
        results: Some(format!("res-{id}")),
        history: Some(format!("hist-{id}")),
    };
    let bucket = format!("b-{}", &id[..20]);
    store
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    store
        .create_table(store.tables.scenarios.as_ref().unwrap(), &["testId"])
        .await
        .unwrap();
    store
        .create_table(store.tables.results.as_ref().unwrap(), &["uuid"])
        .await
        .unwrap();
    store
        .create_table(
            store.tables.history.as_ref().unwrap(),
            &["testId", "testRunId"],
        )
        .await
        .unwrap();
    let cfg = Config {
        bucket: Some(bucket.clone()),
        now: fixed_now,
        ..Config::default()
    };
    Env { store, cfg, bucket }
}

pub async fn put(e: &Env, key: &str, body: &str) {
    e.store
        .s3
        .put_object()
        .bucket(&e.bucket)
        .key(key)
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
}

/// An S3 event as moto sends it: no `userIdentity`, key URL-encoded.
pub fn s3_event(bucket: &str, key: &str) -> Value {
    let encoded: String = key.split('/').collect::<Vec<_>>().join("%2F");
    serde_json::json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": encoded, "size": 1}}}]})
}

pub async fn scenario(e: &Env, test_id: &str) -> serde_json::Map<String, Value> {
    use results_parser::Store;
    e.store
        .get_item(
            results_parser::Table::Scenarios,
            results_parser::store::key("testId", test_id),
        )
        .await
        .unwrap()
        .expect("scenario item")
}

pub async fn put_scenario(e: &Env, item: Value) {
    use results_parser::Store;
    e.store
        .put_item(
            results_parser::Table::Scenarios,
            item.as_object().unwrap().clone(),
        )
        .await
        .unwrap();
}

/// A results XML for one task: the reconstructed DLT fixture with its throughput scaled by `k`.
pub fn task_xml(k: u32) -> String {
    fixture("results-multiple-rc-RECONSTRUCTED.xml").replace(
        "<throughput value=\"31301\">\n      <name>throughput</name>\n      <value>31301</value>",
        &format!(
            "<throughput value=\"{v}\">\n      <name>throughput</name>\n      <value>{v}</value>",
            v = 31301 * k
        ),
    )
}

/// moto checks an UpdateItem's condition and applies it as two steps with no lock, so two
/// concurrent requests can both pass a condition DynamoDB (which serialises the writes to an item)
/// lets only one pass. The tests' DynamoDB client talks to moto through this proxy, which passes
/// one request at a time, so races between invocations meet DynamoDB's guarantees, not moto's.
pub async fn serial_proxy(moto: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let moto = moto.trim_start_matches("http://").to_owned();
    let lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let (moto, lock) = (moto.clone(), lock.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let (moto, lock) = (moto.clone(), lock.clone());
                    async move {
                        let _one_at_a_time = lock.lock().await;
                        Ok::<_, std::convert::Infallible>(forward(req, &moto).await)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(conn), service)
                    .await;
            });
        }
    });
    url
}

/// The request to moto as it came, moto's answer as it came.
async fn forward(
    req: hyper::Request<hyper::body::Incoming>,
    moto: &str,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    use http_body_util::{BodyExt, Full};
    use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
    let (mut parts, body) = req.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let stream = tokio::net::TcpStream::connect(moto)
        .await
        .expect("moto answers");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    for h in [CONTENT_LENGTH, CONNECTION, TRANSFER_ENCODING] {
        parts.headers.remove(h);
    }
    parts.headers.insert(HOST, moto.parse().unwrap());
    parts
        .headers
        .insert(CONTENT_LENGTH, body.len().to_string().parse().unwrap());
    let res = sender
        .send_request(hyper::Request::from_parts(parts, Full::new(body)))
        .await
        .unwrap();
    let (mut parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    for h in [CONTENT_LENGTH, CONNECTION, TRANSFER_ENCODING] {
        parts.headers.remove(h);
    }
    hyper::Response::from_parts(parts, Full::new(body))
}
