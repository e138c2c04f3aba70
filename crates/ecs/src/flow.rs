//! The container's life, step by step (`docs/dlt-container.md#flow`, v4.1+ shape for every era).

use super::barrier::{self, StartSignal, WorkerEnd};
use super::engine::{self, EngineEnd};
use super::env::{EcsEnv, Era, TcpRole, TestType};
use super::events::{self, Event, EventContext};
use super::meta::{self, TaskMeta};
use super::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FATAL: u8 = 1;
pub const EXIT_TEST_FAILED: u8 = 2;
pub const EXIT_SIGTERM: u8 = 143;

/// A token cancelled on SIGTERM (ECS stop, scale-in) or SIGINT (Ctrl-C when run by hand).
pub fn sigterm_token() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            super::eline!("WARN: cannot install the SIGTERM handler");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        println!("container received SIGTERM.");
        t.cancel();
    });
    token
}

/// One container run.
struct Task {
    env: EcsEnv,
    store: Store,
    workdir: PathBuf,
    uuid: String,
    meta: TaskMeta,
    ctx: EventContext,
    sigterm: CancellationToken,
}

impl Task {
    fn event(&self, level: &str, event: Event, message: &str) {
        events::emit(&self.ctx, level, event, message);
    }

    fn fail(&self, code: u8, message: &str) -> u8 {
        super::eline!("[ERROR] {message}");
        self.event("ERROR", Event::TaskFailed, message);
        code
    }
}

/// Runs the whole contract and returns the exit code.
pub async fn run(env: EcsEnv, store: Store, workdir: PathBuf, sigterm: CancellationToken) -> u8 {
    let started = SystemTime::now();
    let uuid = uuid::Uuid::new_v4().to_string();
    for (k, v) in [
        ("S3_BUCKET", Some(env.bucket.as_str())),
        ("TEST_ID", Some(env.test_id.as_str())),
        ("TEST_RUN_ID", env.test_run_id.as_deref()),
        ("PREFIX", env.prefix.as_deref()),
        ("UUID", Some(uuid.as_str())),
        ("LIVE_DATA_ENABLED", env.live_data.as_deref()),
        ("MAIN_STACK_REGION", env.bucket_region.as_deref()),
    ] {
        println!("{k}:: {}", v.unwrap_or_default());
    }
    let how = if env.era_overridden {
        "STAMPEDE_DLT_ERA"
    } else {
        "detected"
    };
    println!("DLT_ERA:: {} ({how})", env.era);
    let meta = task_meta(&env, &uuid, started).await;
    println!("TASK_ID:: {}", meta.task_id);
    let ctx = EventContext {
        test_id: env.test_id.clone(),
        test_run_id: env.test_run_id.clone().unwrap_or_default(),
        region: env.region.clone().unwrap_or_default(),
        task_id: meta.task_id.clone(),
    };
    let task = Task {
        env,
        store,
        workdir,
        uuid,
        meta,
        ctx,
        sigterm,
    };
    task.run().await
}

async fn task_meta(env: &EcsEnv, uuid: &str, started: SystemTime) -> TaskMeta {
    if let Some(uri) = &env.metadata_uri {
        match meta::fetch(uri).await {
            Ok(m) => return m,
            Err(e) => super::eline!("WARN: {e}; using local values for TaskId/TaskCPU/TaskMemory"),
        }
    }
    TaskMeta::local(uuid, started)
}

impl Task {
    async fn run(&self) -> u8 {
        if let TestType::Unsupported(t) = &self.env.test_type {
            let msg = format!(
                "TEST_TYPE={t} is not supported by Stampede: only `simple` tests (HTTP requests in the \
                 Taurus config) and `jmeter` plans run natively; run {t} tests with DLT's own \
                 load-tester image"
            );
            return self.fail(EXIT_TEST_FAILED, &msg);
        }
        let plan = match self.download_plan().await {
            Ok(p) => p,
            Err((code, msg)) => return self.fail(code, &msg),
        };
        let config = match self.prepare_scenario(plan.as_deref()).await {
            Ok(c) => c,
            Err((code, msg)) => return self.fail(code, &msg),
        };
        if let Some(code) = self.start_barrier().await {
            return code;
        }
        self.event("INFO", Event::TaskStarted, "Start signal received");
        println!("Running test");
        let result_tmp = self.workdir.join("result.tmp");
        let argv = engine::command_line(
            self.env.settings.engine.as_deref(),
            &config.path,
            &self.env.settings.artifacts_dir,
        );
        let ran = engine::run(
            &argv,
            &self.workdir,
            self.env.line_prefix(),
            &result_tmp,
            &self.sigterm,
            self.env.settings.sigterm_grace,
        )
        .await;
        self.finish(&config.results_xml, &result_tmp, ran).await
    }
}

impl Task {
    /// `TEST_TYPE=jmeter`: the plan DLT's console uploaded, next to `test.json` (whose
    /// `scenario.script` names `<TEST_ID>.jmx`). With `FILE_TYPE=zip` the archive (plan, data files,
    /// plugins) is unpacked there and its first plan is returned, to replace `<TEST_ID>.jmx` in
    /// `test.json` as DLT's `sed` does.
    async fn download_plan(&self) -> Result<Option<String>, (u8, String)> {
        if self.env.test_type != TestType::Jmeter {
            return Ok(None);
        }
        let id = &self.env.test_id;
        let zip = self.env.file_type.as_deref() == Some("zip");
        let ext = if zip { "zip" } else { "jmx" };
        let key = format!("public/test-scenarios/jmeter/{id}.{ext}");
        let (_, body) = self
            .store
            .download_first(std::slice::from_ref(&key))
            .await
            .map_err(|e| {
                (
                    EXIT_FATAL,
                    format!("Failed to download the JMeter test: {e}"),
                )
            })?;
        println!("Downloaded s3://{}/{key}", self.env.bucket);
        if zip {
            let plan =
                super::unzip::extract(&body, &self.workdir, Default::default()).map_err(|e| {
                    (
                        EXIT_TEST_FAILED,
                        format!("s3://{}/{key}: {e}", self.env.bucket),
                    )
                })?;
            return Ok(Some(plan.display().to_string()));
        }
        let path = self.workdir.join(format!("{id}.jmx"));
        std::fs::write(&path, body)
            .map_err(|e| (EXIT_FATAL, format!("cannot write {}: {e}", path.display())))?;
        Ok(None)
    }
}

/// The downloaded scenario, written as `test.json`.
struct Scenario {
    path: PathBuf,
    results_xml: PathBuf,
}

impl Task {
    /// `plan`: the plan found in a zip, written over `<TEST_ID>.jmx` in the scenario.
    async fn prepare_scenario(&self, plan: Option<&str>) -> Result<Scenario, (u8, String)> {
        println!("Download test scenario");
        let (key, body) = self
            .store
            .download_first(&self.env.scenario_keys())
            .await
            .map_err(|e| (EXIT_FATAL, format!("Failed to download test scenario: {e}")))?;
        let mut doc: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            let msg = format!(
                "s3://{}/{key} is not valid JSON (line {}, column {}): {e}; DLT writes the scenario \
                 as a Taurus JSON config",
                self.env.bucket,
                e.line(),
                e.column()
            );
            (EXIT_TEST_FAILED, msg)
        })?;
        let results_xml = redirect_dump_xml(&mut doc, &self.env.settings.artifacts_dir);
        let path = self.workdir.join("test.json");
        let _ = std::fs::create_dir_all(&self.env.settings.artifacts_dir);
        let mut text = doc.to_string();
        if let Some(plan) = plan {
            let plan = serde_json::to_string(plan).expect("a string serialises");
            let old = format!("\"{}.jmx\"", self.env.test_id);
            text = text.replace(&old, &plan);
        }
        std::fs::write(&path, text)
            .map_err(|e| (EXIT_FATAL, format!("cannot write {}: {e}", path.display())))?;
        println!("Downloaded s3://{}/{key}", self.env.bucket);
        Ok(Scenario { path, results_xml })
    }
}

/// DLT's API always writes `dump-xml: /tmp/artifacts/results.xml`. When the artifacts directory is
/// elsewhere, paths under `/tmp/artifacts/` move with it. A hand-written scenario with no `dump-xml`
/// gets DLT's `final-stats` item appended, so that there are results to upload. Returns where the
/// XML will be.
pub fn redirect_dump_xml(doc: &mut serde_json::Value, artifacts: &Path) -> PathBuf {
    const DLT_DIR: &str = "/tmp/artifacts/";
    let mut found = None;
    if let Some(items) = doc.get_mut("reporting").and_then(|r| r.as_array_mut()) {
        for item in items {
            let Some(dump) = item.get_mut("dump-xml") else {
                continue;
            };
            let Some(path) = dump.as_str() else { continue };
            let moved = match path.strip_prefix(DLT_DIR) {
                Some(rest) => artifacts.join(rest),
                None => PathBuf::from(path),
            };
            *dump = serde_json::Value::String(moved.display().to_string());
            found.get_or_insert(moved);
        }
    }
    if let Some(path) = found {
        return path;
    }
    let path = artifacts.join("results.xml");
    let item = serde_json::json!({
        "module": "final-stats", "summary": true, "percentiles": true, "summary-labels": true,
        "test-duration": true, "dump-xml": path.display().to_string(),
    });
    if let Some(obj) = doc.as_object_mut() {
        match obj.get_mut("reporting") {
            Some(serde_json::Value::Array(items)) => items.push(item),
            Some(_) => {}
            None => {
                obj.insert("reporting".into(), serde_json::Value::Array(vec![item]));
            }
        }
    }
    path
}

impl Task {
    /// Waits for the era's start barrier. `Some(code)` ends the container (SIGTERM, replacement task).
    async fn start_barrier(&self) -> Option<u8> {
        // The v4 task definitions' health check is `test -f /tmp/health_ready`; writing it in every
        // era is harmless and keeps a v4.0 stack's tasks healthy too.
        let health = &self.env.settings.health_file;
        if let Err(e) = std::fs::write(health, "READY\n") {
            super::eline!("WARN: cannot write {}: {e}", health.display());
        }
        if self.env.era == Era::E6 {
            return self.s3_barrier().await;
        }
        match &self.env.tcp_role {
            None => None,
            Some(TcpRole::Worker) => self.tcp_worker().await,
            Some(TcpRole::Leader { network, hosts }) => {
                self.tcp_leader(network, hosts.as_deref()).await;
                None
            }
        }
    }

    async fn s3_barrier(&self) -> Option<u8> {
        println!("Waiting for S3 start signal...");
        let key = self.env.start_signal_key();
        let s = &self.env.settings;
        let signal = tokio::select! {
            s = barrier::wait_for_start_signal(&self.store, &key, s.start_poll, s.start_stale) => s,
            () = self.sigterm.cancelled() => return Some(self.fail(EXIT_SIGTERM, "Sigterm handler exit")),
        };
        let StartSignal::Stale { age } = signal else {
            return None;
        };
        let msg = format!(
            "Start signal is {}s old (threshold: {}s). Skipping load.",
            age.as_secs(),
            s.start_stale.as_secs()
        );
        self.event("WARN", Event::ReplacementTaskSkipped, &msg);
        self.write_completion_marker().await;
        self.event(
            "INFO",
            Event::TaskCompleted,
            "Replacement task - wrote completion marker",
        );
        Some(self.idle_until_sigterm().await)
    }

    async fn tcp_worker(&self) -> Option<u8> {
        let port = self.env.settings.barrier_port;
        let listener = match tokio::net::TcpListener::bind(("0.0.0.0", port)).await {
            Ok(l) => l,
            Err(e) => {
                super::eline!(
                    "WARN: cannot listen on port {port} for the start barrier ({e}); starting now"
                );
                return None;
            }
        };
        println!("Waiting for the leader's start on port {port}");
        tokio::select! {
            end = barrier::worker_wait(listener, self.env.timeout) => {
                if end == WorkerEnd::TimedOut {
                    println!("socket timed out, closing socket and starting test.");
                }
                None
            }
            () = self.sigterm.cancelled() => Some(self.fail(EXIT_SIGTERM, "Sigterm handler exit")),
        }
    }

    async fn tcp_leader(&self, network: &str, hosts: Option<&[String]>) {
        let hosts = match hosts {
            Some(h) => h.to_vec(),
            None => match self.store.get_text(&self.env.iphosts_key()).await {
                Ok(Some(text)) => super::env::split_hosts(&text),
                Ok(None) | Err(_) => {
                    super::eline!(
                        "WARN: no IPHOSTS and no s3://{}/{}; no worker to start",
                        self.env.bucket,
                        self.env.iphosts_key()
                    );
                    Vec::new()
                }
            },
        };
        println!("Sending start to {} worker(s)", hosts.len());
        for (addr, why) in
            barrier::leader_send(network, &hosts, self.env.settings.barrier_port).await
        {
            super::eline!("WARN: worker {addr} did not get the start message: {why}");
        }
    }

    async fn write_completion_marker(&self) {
        let key = self.env.completion_key(&self.meta.task_id);
        if let Err(e) = self.store.put_empty(&key).await {
            super::eline!("WARN: cannot write the completion marker: {e}");
        }
    }

    /// v4.1+: the service keeps the task until desiredCount → 0; SIGTERM then ends it with 0.
    async fn idle_until_sigterm(&self) -> u8 {
        println!("Test complete. Waiting for ECS termination signal...");
        self.sigterm.cancelled().await;
        println!("Received SIGTERM, shutting down");
        EXIT_OK
    }
}

impl Task {
    async fn finish(&self, xml: &Path, result_tmp: &Path, ran: engine::EngineRun) -> u8 {
        if let EngineEnd::SpawnFailed(e) = &ran.end {
            super::eline!("[ERROR] cannot start the test engine: {e}");
        }
        let has_xml = xml.is_file();
        if has_xml {
            self.post_process(xml, result_tmp);
        } else {
            println!(
                "An error occurred while the test was running. results file {} not found.",
                xml.display()
            );
        }
        let failed_run = ran.interrupted || !has_xml || ran.end != EngineEnd::Exited(0);
        let uploaded = self.upload_artifacts(xml, result_tmp, failed_run).await;
        if ran.interrupted {
            return self.fail(EXIT_SIGTERM, "Sigterm handler exit");
        }
        if !has_xml {
            return self.fail(EXIT_FATAL, "No results.xml produced");
        }
        if let Err(msg) = uploaded {
            return self.fail(EXIT_FATAL, &msg);
        }
        match &ran.end {
            EngineEnd::Exited(0) => {}
            EngineEnd::Exited(c) => {
                return self.fail(EXIT_TEST_FAILED, &format!("bzt exited with code {c}"));
            }
            EngineEnd::Signalled => {
                return self.fail(EXIT_TEST_FAILED, "bzt was killed by a signal");
            }
            EngineEnd::SpawnFailed(e) => {
                return self.fail(EXIT_TEST_FAILED, &format!("cannot start the test: {e}"));
            }
        }
        if self.env.era == Era::E6 {
            self.write_completion_marker().await;
            self.event("INFO", Event::TaskCompleted, "Test complete");
            return self.idle_until_sigterm().await;
        }
        self.event("INFO", Event::TaskCompleted, "Test complete");
        EXIT_OK
    }

    /// v1.2+ duration correction and v3.3.3+ task metadata, in place (DLT edits the file too).
    fn post_process(&self, xml: &Path, result_tmp: &Path) {
        let Ok(mut text) = std::fs::read_to_string(xml) else {
            return;
        };
        let console = std::fs::read_to_string(result_tmp).unwrap_or_default();
        let corrected = meta::calculated_duration(&console)
            .and_then(|secs| meta::correct_test_duration(&text, secs));
        if let (true, Some(fixed)) = (self.env.era >= Era::E2, corrected) {
            println!("Updating test duration from the console's Test duration line");
            text = fixed;
        }
        if self.env.era >= Era::E4 {
            println!("Enriching results file with ECS task metadata...");
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            match meta::enrich(&text, &self.meta, now) {
                Some(t) => text = t,
                None => super::eline!(
                    "WARN: {} has no </FinalStatus>; not enriched",
                    xml.display()
                ),
            }
        }
        if let Err(e) = std::fs::write(xml, text) {
            super::eline!("WARN: cannot rewrite {}: {e}", xml.display());
        }
    }
}

impl Task {
    /// Uploads every artifact that exists. Only a failed results-XML upload is an error (the parser
    /// needs it); the others are best effort, as in DLT.
    async fn upload_artifacts(
        &self,
        xml: &Path,
        result_tmp: &Path,
        with_console: bool,
    ) -> Result<(), String> {
        if self.env.era == Era::E1 && xml.is_file() && !self.env.settings.e1_stagger_max.is_zero() {
            // v1.0's parser counts S3 events; spreading the uploads avoids its finalisation race.
            let max = self.env.settings.e1_stagger_max.as_millis() as u64;
            tokio::time::sleep(Duration::from_millis(rand::random_range(
                1000.min(max)..=max,
            )))
            .await;
        }
        println!("Uploading results, bzt log and kpi files");
        let mut error = Ok(());
        for (path, key, required) in self.artifact_list(xml, result_tmp, with_console) {
            if !path.is_file() {
                continue;
            }
            match self.store.upload_file(&path, &key).await {
                Ok(()) => println!(
                    "Uploaded: {} to s3://{}/{key}",
                    path.display(),
                    self.env.bucket
                ),
                Err(e) if required => {
                    error = Err(format!(
                        "{e}; the local files are kept in {}",
                        self.env.settings.artifacts_dir.display()
                    ));
                }
                Err(e) => println!("WARN: {e} (continuing)"),
            }
        }
        error
    }

    /// (local file, S3 key, whether its upload failing fails the task).
    fn artifact_list(
        &self,
        xml: &Path,
        result_tmp: &Path,
        with_console: bool,
    ) -> Vec<(PathBuf, String, bool)> {
        let dir = &self.env.settings.artifacts_dir;
        let key = |kind: Option<&str>, ext: &str| self.env.result_key(&self.uuid, kind, ext);
        let sidecar = xml.with_extension("hist.json");
        // The sidecar goes first: the XML's S3 event triggers the results Lambda (v1.0 S3 mode),
        // which looks for the sidecar next to it to merge percentiles exactly.
        let mut list = vec![
            (sidecar, key(None, "hist.json"), false),
            (xml.to_path_buf(), key(None, "xml"), true),
            (dir.join("bzt.log"), key(Some("bzt"), "log"), false),
            (dir.join("kpi.jtl"), key(Some("kpi"), "jtl"), false),
        ];
        if with_console {
            list.push((result_tmp.to_path_buf(), key(Some("result"), "tmp"), false));
        }
        list
    }
}
