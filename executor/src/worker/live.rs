//! Live frames for the hub: every aggregated second becomes one `LiveFrame` (each label's exact
//! `Kpi`, the virtual users, this process's CPU), POSTed to
//! `/api/scenarios/{testId}/testruns/{runId}/live` by a thread of its own. The pipeline never
//! waits for the hub: a full queue drops the frame, a failed POST is reported once.

use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::time::{Duration, Instant};

use parser::sidecar::LabelHist;
use stampede_control::live::LiveFrame;
use stampede_log::Log;
use stampede_report::{ReportError, Reporter, Verdict};
use stampede_stats::{Datapoint, KpiSet, Summary};

use super::TaskEnv;
use crate::hub_client::HubClient;

/// Frames waiting for the poster; more means the hub is not keeping up, and old news is dropped.
const QUEUE: usize = 32;
const TIMEOUT: Duration = Duration::from_secs(2);
/// How long the end of the run waits for the last frames to reach the hub.
const DRAIN: Duration = Duration::from_secs(5);

/// Where frames go: the hub and the run's live path.
#[derive(Clone, Debug)]
pub struct Target {
    client: HubClient,
    pub path: String,
}

impl Target {
    /// `url` is the hub's `http://host:port` (plain HTTP: the hub runs on this machine).
    pub fn new(
        url: &str,
        test_id: &str,
        run_id: &str,
        token: Option<String>,
    ) -> Result<Self, String> {
        Ok(Target {
            client: HubClient::new(url, token)
                .map_err(|e| e.to_string())?
                .with_timeout(TIMEOUT),
            path: format!("/api/scenarios/{test_id}/testruns/{run_id}/live"),
        })
    }

    /// One POST on a fresh connection; returns the status code.
    pub fn post(&self, body: &str) -> Result<u16, String> {
        self.client
            .send("POST", &self.path, body)
            .map(|(code, _)| code)
            .map_err(|e| e.to_string())
    }
}

/// The reporter the worker adds to its run.
pub struct LiveReporter {
    task: u32,
    queue: Option<SyncSender<String>>,
    /// Closed by the poster when it has sent (or given up on) every frame.
    drained: Receiver<()>,
    cpu: CpuMeter,
}

impl LiveReporter {
    pub fn start(url: &str, task: &TaskEnv) -> Result<Self, String> {
        let target = Target::new(url, &task.test_id, &task.run_id, task.token.clone())?;
        let (tx, rx) = sync_channel(QUEUE);
        let (done, drained) = channel::<()>();
        std::thread::Builder::new()
            .name("hub-live".into())
            .spawn(move || {
                post_all(&target, &rx);
                drop(done);
            })
            .map_err(|e| e.to_string())?;
        Ok(LiveReporter {
            task: task.task_index,
            queue: Some(tx),
            drained,
            cpu: CpuMeter::new(),
        })
    }
}

fn post_all(target: &Target, frames: &Receiver<String>) {
    let mut failures = 0u64;
    for body in frames {
        let problem = match target.post(&body) {
            Ok(204) => continue,
            Ok(status) => format!("the hub answered {status}"),
            Err(e) => e,
        };
        failures += 1;
        if failures == 1 {
            eprintln!("WARNING: live frame not delivered to the hub: {problem}");
        }
    }
    if failures > 1 {
        eprintln!("WARNING: {failures} live frames were not delivered to the hub");
    }
}

impl Reporter for LiveReporter {
    fn name(&self) -> &str {
        "hub-live"
    }

    fn datapoint(&mut self, dp: &Datapoint) -> Verdict {
        let frame = frame(self.task, dp, self.cpu.percent());
        // A histogram count beyond 2^63 cannot be encoded: that second is not sent.
        if let (Some(q), Ok(body)) = (&self.queue, frame.to_json()) {
            // Full: the hub is behind; this second is dropped rather than slowing the run.
            let _ = q.try_send(body);
        }
        Verdict::Continue
    }

    fn finish(&mut self, _summary: &Summary, _log: &mut dyn Log) -> Result<bool, ReportError> {
        // The last seconds are delivered before the process exits, unless the hub is unreachable.
        drop(self.queue.take());
        let _ = self.drained.recv_timeout(DRAIN);
        Ok(false)
    }
}

/// One second of this task as the hub merges it: each label, then the overall entry `""`.
pub fn frame(task: u32, dp: &Datapoint, cpu: Option<f32>) -> LiveFrame {
    let mut labels: Vec<LabelHist> = dp
        .current
        .iter()
        .filter(|(label, _)| !label.is_empty())
        .map(|(label, set)| live_label(label, set))
        .collect();
    labels.push(live_label("", dp.overall()));
    LiveFrame {
        task,
        second: i64::try_from(dp.ts).unwrap_or(i64::MAX),
        vu: u32::try_from(dp.overall().concurrency).unwrap_or(u32::MAX),
        cpu,
        labels,
    }
}

/// The label's exact KPIs, the same ones the final results and the sidecar are made of, so the
/// hub's merged percentiles equal the XML's.
fn live_label(label: &str, set: &KpiSet) -> LabelHist {
    LabelHist {
        label: label.into(),
        kpi: set.kpi.clone(),
        concurrency: set.concurrency,
    }
}

/// This process's CPU use since the previous reading, in percent of the whole machine.
struct CpuMeter {
    last: Option<(Instant, Duration)>,
    cores: f64,
}

impl CpuMeter {
    fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        CpuMeter {
            last: cpu_time().map(|t| (Instant::now(), t)),
            cores: cores as f64,
        }
    }

    fn percent(&mut self) -> Option<f32> {
        let now = (Instant::now(), cpu_time()?);
        let (at, used) = self.last.replace(now)?;
        let wall = now.0.duration_since(at).as_secs_f64();
        (wall > 0.0).then(|| {
            let busy = now.1.saturating_sub(used).as_secs_f64();
            (100.0 * busy / wall / self.cores).min(100.0) as f32
        })
    }
}

fn cpu_time() -> Option<Duration> {
    use nix::sys::resource::{UsageWho, getrusage};
    let u = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    let us = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec().max(0) as u64)
            + Duration::from_micros(t.tv_usec().max(0) as u64)
    };
    Some(us(u.user_time()) + us(u.system_time()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn hub_urls() {
        let t = Target::new("http://127.0.0.1:8080/", "t1", "r1", None).unwrap();
        assert_eq!(t.path, "/api/scenarios/t1/testruns/r1/live");
        assert!(Target::new("https://x:1", "t", "r", None).is_err());
        assert!(Target::new("http://x:1/api", "t", "r", None).is_err());
    }

    #[test]
    fn posts_reach_a_real_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            while !String::from_utf8_lossy(&got).ends_with("{\"a\":1}") {
                let n = conn.read(&mut buf).unwrap();
                assert!(n > 0, "connection closed early");
                got.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
            String::from_utf8(got).unwrap()
        });
        let t = Target::new(&url, "t1", "r1", Some("s3cret".into())).unwrap();
        assert_eq!(t.post("{\"a\":1}"), Ok(204));
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /api/scenarios/t1/testruns/r1/live HTTP/1.1\r\n"));
        assert!(request.contains("Authorization: Bearer s3cret\r\n"));
        assert!(request.contains("Content-Length: 7\r\n"));
    }

    #[test]
    fn cpu_is_measured() {
        let mut m = CpuMeter::new();
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(50) {
            std::hint::black_box(0u64);
        }
        let p = m.percent().unwrap();
        assert!(p > 0.0 && p <= 100.0, "{p}");
    }
}
