//! ECS task metadata (endpoint v4 `/task`) and the v3.3.3+ results.xml enrichment (`docs/dlt-container.md#enrichment`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What DLT reads from `$ECS_CONTAINER_METADATA_URI_V4/task`.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskMeta {
    /// Last `/` segment of `TaskARN` (v4.1+ rule).
    pub task_id: String,
    /// `.Limits.CPU` as jq prints it (e.g. `2`, `0.5`); empty when unknown.
    pub cpu: String,
    /// `.Limits.Memory` as jq prints it (MiB); empty when unknown.
    pub memory: String,
    /// `.Containers[0].StartedAt`, epoch seconds.
    pub started_at: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("ECS metadata URI {uri:?} is not a plain http:// URL")]
    BadUri { uri: String },
    #[error("cannot reach the ECS metadata endpoint {uri}: {reason}")]
    Http { uri: String, reason: String },
    #[error("the ECS metadata endpoint {uri} answered {status}")]
    Status { uri: String, status: u16 },
    #[error("the ECS metadata from {uri} is not the v4 task JSON: {reason}")]
    Json { uri: String, reason: String },
}

/// jq's rendering of a JSON scalar as `jq '.Limits.CPU'` prints it (no quotes for numbers).
fn jq_scalar(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "null".into(),
        Some(serde_json::Value::String(s)) => format!("\"{s}\""),
        Some(other) => other.to_string(),
    }
}

impl TaskMeta {
    /// Parses the `/task` document.
    pub fn from_json(doc: &serde_json::Value) -> Option<TaskMeta> {
        let arn = doc.get("TaskARN")?.as_str()?;
        let started_at = doc
            .pointer("/Containers/0/StartedAt")
            .and_then(|v| v.as_str())
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .and_then(|t| u64::try_from(t.timestamp()).ok());
        Some(TaskMeta {
            task_id: arn.rsplit('/').next().unwrap_or(arn).to_string(),
            cpu: jq_scalar(doc.pointer("/Limits/CPU")),
            memory: jq_scalar(doc.pointer("/Limits/Memory")),
            started_at,
        })
    }

    /// Outside ECS (no endpoint): the run id as task id, this machine's CPUs and memory, and the
    /// process start as the container start, so the XML keeps the four elements the v3.3.3+ parser
    /// requires.
    pub fn local(run_uuid: &str, started_at: SystemTime) -> TaskMeta {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        TaskMeta {
            task_id: run_uuid.replace('-', ""),
            cpu: cpus.to_string(),
            memory: mem_total_mib().map(|m| m.to_string()).unwrap_or_default(),
            started_at: started_at
                .duration_since(UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs()),
        }
    }
}

fn mem_total_mib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// GETs `<uri>/task` over plain HTTP (the endpoint is `http://169.254.170.2/v4/<id>`).
pub async fn fetch(uri: &str) -> Result<TaskMeta, MetaError> {
    let url = format!("{}/task", uri.trim_end_matches('/'));
    let parsed = url::Url::parse(&url).map_err(|_| MetaError::BadUri { uri: uri.into() })?;
    let (Some(host), "http") = (parsed.host_str(), parsed.scheme()) else {
        return Err(MetaError::BadUri { uri: uri.into() });
    };
    let port = parsed.port_or_known_default().unwrap_or(80);
    let http_err = |e: &dyn std::fmt::Display| MetaError::Http {
        uri: url.clone(),
        reason: e.to_string(),
    };
    let body = tokio::time::timeout(Duration::from_secs(5), async {
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| http_err(&e))?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| http_err(&e))?;
        tokio::spawn(conn);
        let req = http::Request::get(parsed.path())
            .header("host", host)
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .map_err(|e| http_err(&e))?;
        let resp = sender.send_request(req).await.map_err(|e| http_err(&e))?;
        if !resp.status().is_success() {
            return Err(MetaError::Status {
                uri: url.clone(),
                status: resp.status().as_u16(),
            });
        }
        use http_body_util::BodyExt;
        let bytes = resp.into_body().collect().await.map_err(|e| http_err(&e))?;
        Ok(bytes.to_bytes())
    })
    .await
    .map_err(|_| http_err(&"timed out after 5 s"))??;
    let json_err = |reason: String| MetaError::Json {
        uri: url.clone(),
        reason,
    };
    let doc: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| json_err(e.to_string()))?;
    TaskMeta::from_json(&doc).ok_or_else(|| json_err("no TaskARN".into()))
}

/// Appends `<TaskId>…</TaskId><TaskCPU>…</TaskCPU><TaskMemory>…</TaskMemory><ECSDuration>…</ECSDuration>`
/// on one line just before `</FinalStatus>`, as DLT v3.3.6+'s sed does. `None` if there is no
/// `</FinalStatus>` (not a Taurus results file).
pub fn enrich(xml: &str, meta: &TaskMeta, now_epoch: u64) -> Option<String> {
    let at = xml.rfind("</FinalStatus>")?;
    let duration = meta
        .started_at
        .map(|s| now_epoch.saturating_sub(s).to_string())
        .unwrap_or_default();
    let extra = format!(
        "<TaskId>{}</TaskId><TaskCPU>{}</TaskCPU><TaskMemory>{}</TaskMemory><ECSDuration>{duration}</ECSDuration>",
        xml_escape(&meta.task_id),
        xml_escape(&meta.cpu),
        xml_escape(&meta.memory),
    );
    Some(format!("{}{extra}{}", &xml[..at], &xml[at..]))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Seconds from the first `Test duration: …` line of the unprefixed console (`result.tmp`), in
/// Python timedelta form `H:MM:SS` or `N day(s), H:MM:SS` (the v4.2.2 parsing).
pub fn calculated_duration(console: &str) -> Option<u64> {
    let line = console.lines().find(|l| l.contains("Test duration"))?;
    let rest = line.split("Test duration:").nth(1)?.trim();
    let (days, clock) = match rest.split_once(',') {
        Some((d, c)) => (d.split_whitespace().next()?.parse::<u64>().ok()?, c.trim()),
        None => (0, rest),
    };
    let mut parts = clock.split(':').map(|p| p.trim().parse::<f64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(days * 86_400 + (h * 3600.0 + m * 60.0 + s) as u64)
}

/// DLT's correction: when `<TestDuration>` (with a decimal point) exceeds the wall-clock duration,
/// it is replaced by that integer.
pub fn correct_test_duration(xml: &str, calculated: u64) -> Option<String> {
    const OPEN: &str = "<TestDuration>";
    let start = xml.find(OPEN)? + OPEN.len();
    let end = start + xml[start..].find("</TestDuration>")?;
    let value = &xml[start..end];
    if !value.contains('.') {
        return None;
    }
    let reported: f64 = value.parse().ok()?;
    (reported > calculated as f64).then(|| format!("{}{calculated}{}", &xml[..start], &xml[end..]))
}
