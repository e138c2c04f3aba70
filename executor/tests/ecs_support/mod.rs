//! Helpers of the container tests: env tables, a local ECS metadata stub, moto S3, and a harness
//! that runs `stampede ecs` as a child process with a stand-in engine.
#![allow(dead_code)]

use stampede_ecs::store::Store;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod dlt_checks;

// Each test binary that includes this module uses a different subset.
#[allow(unused_imports)]
pub use dlt_checks::{assert_dlt_parsable, assert_live_data_line, json_events, xml_texts};

pub const CHILD_FLAG: &str = "STAMPEDE_ECS_TEST_CHILD";

pub fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

pub fn lookup_owned(vars: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

/// The environment DLT v4.1+'s task runner and ECS give the container (`docs/dlt-container.md#env`).
pub fn e6_env(bucket: &str, test_id: &str, metadata_uri: &str) -> Vec<(String, String)> {
    [
        ("S3_BUCKET", bucket),
        ("TEST_ID", test_id),
        ("TEST_TYPE", "simple"),
        ("FILE_TYPE", "none"),
        ("PREFIX", "2026-05-01T12-00-00_abc1234567"),
        ("LIVE_DATA_ENABLED", "live=true"),
        ("MAIN_STACK_REGION", "us-east-1"),
        ("AWS_REGION", "eu-west-1"),
        ("TIMEOUT", "900"),
        ("SCRIPT", "ecslistener.py"),
        ("TEST_RUN_ID", "abc1234567"),
        ("TASK_COUNT", "1"),
        ("ECS_CONTAINER_METADATA_URI_V4", metadata_uri),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub fn era_name(e: stampede_ecs::Era) -> &'static str {
    use stampede_ecs::Era::*;
    match e {
        E1 => "e1",
        E2 => "e2",
        E3 => "e3",
        E4 => "e4",
        E5 => "e5",
        E6 => "e6",
    }
}

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/container")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture")
}

/// A local stand-in for the ECS task metadata endpoint v4: `GET /v4/test/task` → the document.
pub struct MetadataStub {
    pub addr: std::net::SocketAddr,
}

impl MetadataStub {
    pub fn start(doc: String) -> MetadataStub {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(l.local_addr().unwrap()).unwrap();
                loop {
                    let (s, _) = l.accept().await.unwrap();
                    let doc = doc.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(
                            move |req: hyper::Request<hyper::body::Incoming>| {
                                let (status, body) = if req.uri().path() == "/v4/test/task" {
                                    (200, doc.clone())
                                } else {
                                    (404, "not found".to_string())
                                };
                                async move {
                                    Ok::<_, std::convert::Infallible>(
                                        hyper::Response::builder()
                                            .status(status)
                                            .body(http_body_util::Full::new(bytes::Bytes::from(
                                                body,
                                            )))
                                            .unwrap(),
                                    )
                                }
                            },
                        );
                        let io = hyper_util::rt::TokioIo::new(s);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, svc)
                            .await;
                    });
                }
            });
        });
        MetadataStub {
            addr: rx.recv().unwrap(),
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The value ECS puts in `ECS_CONTAINER_METADATA_URI_V4`.
    pub fn uri(&self) -> String {
        format!("http://{}/v4/test", self.addr)
    }
}

/// A store on a fresh moto bucket.
pub async fn moto_store(tag: &str) -> (Store, String) {
    testkit::moto::endpoint();
    let client = stampede_ecs::store::client(Some("us-east-1")).await;
    let bucket = format!("{tag}-{}", uuid::Uuid::new_v4().simple());
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    let store = Store {
        client,
        bucket: bucket.clone(),
        attempts: 3,
    };
    (store, bucket)
}

pub async fn put(store: &Store, key: &str, body: &[u8]) {
    store
        .client
        .put_object()
        .bucket(&store.bucket)
        .key(key)
        .body(body.to_vec().into())
        .send()
        .await
        .expect("put");
}

pub async fn get(store: &Store, key: &str) -> Vec<u8> {
    let out = store
        .client
        .get_object()
        .bucket(&store.bucket)
        .key(key)
        .send()
        .await
        .expect("get");
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn connect_retry(port: u16) -> std::net::TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("connect to the barrier port: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Stands in for `bzt test.json -o …` until the engine is merged; `FAKE_MODE` picks the behaviour.
const FAKE_ENGINE: &str = r#"#!/bin/sh
ART=""
for a in "$@"; do case "$a" in settings.artifacts-dir=*) ART="${a#settings.artifacts-dir=}";; esac; done
echo "$@" > "$FAKE_WORK/engine-args.txt"
grep -q "\"dump-xml\":\"$ART/results.xml\"" test.json || { echo "dump-xml not redirected" >&2; exit 9; }
write_xml() { cp "$FAKE_XML" "$ART/results.xml"; echo '{}' > "$ART/results.hist.json"; echo "bzt log" > "$ART/bzt.log"; }
echo '{"_aws":{"Timestamp":0},"Requests":1}'
printf '12:00:00 INFO: Current: 2 vu\t5 succ\t1 fail\t0.123 avg rt\t/\tCumulative: 0.123 avg rt, 16%% failures\n'
case "$FAKE_MODE" in
  ok) write_xml; echo "12:00:02 INFO: Test duration: 0:00:02"; exit 0;;
  fail) write_xml; exit 3;;
  noxml) exit 1;;
  wait) write_xml; while [ ! -f "$FAKE_WORK/go" ]; do sleep 0.05; done; exit 0;;
  hang) trap 'write_xml; echo "12:00:03 INFO: Test duration: 0:00:03"; exit 2' TERM
        while :; do sleep 0.05; done;;
esac
"#;

/// One container run's world: a moto bucket, a work dir, the stand-in engine.
pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub store: Store,
    pub bucket: String,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn new(tag: &str) -> Harness {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (store, bucket) = rt.block_on(moto_store(tag));
        let dir = tempfile::tempdir().unwrap();
        let engine = dir.path().join("fake-bzt.sh");
        std::fs::write(&engine, FAKE_ENGINE).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o755)).unwrap();
        Harness {
            rt,
            store,
            bucket,
            dir,
        }
    }

    /// A DLT scenario as the API writes it (compact JSON, `dump-xml` under /tmp/artifacts).
    pub fn put_scenario(&self, key: &str) {
        let doc = r#"{"execution":[{"ramp-up":"1s","hold-for":"2s","scenario":"s","taskCount":1,"concurrency":2}],"scenarios":{"s":{"requests":[{"url":"http://127.0.0.1:9/","method":"GET","headers":{}}]}},"reporting":[{"module":"final-stats","summary":true,"percentiles":true,"summary-labels":true,"test-duration":true,"dump-xml":"/tmp/artifacts/results.xml"}]}"#;
        self.put_raw(key, doc.as_bytes());
    }

    pub fn put_raw(&self, key: &str, body: &[u8]) {
        self.rt.block_on(put(&self.store, key, body));
    }

    pub fn put_start_signal(&self, key: &str) {
        self.put_raw(key, b"");
    }

    pub fn get(&self, key: &str) -> Vec<u8> {
        self.rt.block_on(get(&self.store, key))
    }

    pub fn keys(&self, prefix: &str) -> Vec<String> {
        self.rt.block_on(async {
            let out = self
                .store
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .send()
                .await
                .unwrap();
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(String::from))
                .collect()
        })
    }

    pub fn delete_bucket(&self) {
        let keys = self.keys("");
        self.rt.block_on(async {
            for k in keys {
                self.store
                    .client
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(k)
                    .send()
                    .await
                    .unwrap();
            }
            self.store
                .client
                .delete_bucket()
                .bucket(&self.bucket)
                .send()
                .await
                .unwrap();
        });
    }

    pub fn wait_for_key(&self, key: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.keys(key).iter().any(|k| k == key) {
            assert!(
                Instant::now() < deadline,
                "{key} did not appear in {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for_prefix(&self, prefix: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.keys(prefix).is_empty() {
            assert!(
                Instant::now() < deadline,
                "nothing under {prefix} in {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for_file(&self, path: &Path, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !path.exists() {
            assert!(
                Instant::now() < deadline,
                "{} did not appear in {limit:?}",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stampede's knobs pointing into the work dir, plus the stand-in engine in `mode`.
    pub fn stampede_env(&self, mode: &str) -> Vec<(String, String)> {
        let d = self.dir.path();
        [
            (
                "STAMPEDE_ARTIFACTS_DIR",
                d.join("artifacts").display().to_string(),
            ),
            (
                "STAMPEDE_HEALTH_FILE",
                d.join("health_ready").display().to_string(),
            ),
            ("STAMPEDE_START_POLL_MS", "100".into()),
            ("STAMPEDE_E1_STAGGER_MAX_S", "0".into()),
            (
                "STAMPEDE_ENGINE",
                d.join("fake-bzt.sh").display().to_string(),
            ),
            ("FAKE_MODE", mode.into()),
            ("FAKE_WORK", d.display().to_string()),
            (
                "FAKE_XML",
                fixture_path("taurus-results-sample-pr14.xml")
                    .display()
                    .to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Starts this test binary's `ecs_child_entry` as the container, with only `env` (plus PATH and
    /// the local AWS endpoint) in its environment and the work dir as its cwd.
    pub fn spawn(&self, env: &[(String, String)]) -> Container {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "ecs_child_entry",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env_clear()
        .current_dir(self.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(CHILD_FLAG, "1");
        for k in [
            "PATH",
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            if let Ok(v) = std::env::var(k) {
                cmd.env(k, v);
            }
        }
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if !env.iter().any(|(k, _)| k == "AWS_REGION") {
            cmd.env("AWS_REGION", "us-east-1");
        }
        let mut child = cmd.spawn().expect("spawn the container");
        let out = Arc::new(Mutex::new(String::new()));
        let readers = [
            pipe_into(child.stdout.take().unwrap(), out.clone()),
            pipe_into(child.stderr.take().unwrap(), out.clone()),
        ];
        Container {
            child,
            out,
            readers: Some(readers),
        }
    }
}

fn pipe_into(
    mut r: impl Read + Send + 'static,
    out: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
}

pub struct Container {
    child: Child,
    out: Arc<Mutex<String>>,
    readers: Option<[std::thread::JoinHandle<()>; 2]>,
}

impl Container {
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for the exit; the code and everything printed (stdout and stderr).
    pub fn wait(&mut self, limit: Duration) -> (i32, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the container did not exit in {limit:?}: {}",
                    self.out.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(rs) = self.readers.take() {
            for r in rs {
                let _ = r.join();
            }
        }
        (
            status.code().unwrap_or(-1),
            self.out.lock().unwrap().clone(),
        )
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
