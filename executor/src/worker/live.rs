//! Live frames for the hub: every aggregated second becomes one `LiveFrame` (each label's exact
//! `Kpi`, the virtual users, this process's CPU), POSTed to
//! `/api/scenarios/{testId}/testruns/{runId}/live` by a thread of its own. The pipeline never
//! waits for the hub: a full queue drops the frame, a failed POST is reported once.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::time::{Duration, Instant};

use parser::sidecar::LabelHist;
use stampede_control::live::LiveFrame;
use stampede_log::Log;
use stampede_report::{ReportError, Reporter, Verdict};
use stampede_stats::{Datapoint, KpiSet, Summary};

use super::TaskEnv;

/// Frames waiting for the poster; more means the hub is not keeping up, and old news is dropped.
const QUEUE: usize = 32;
const TIMEOUT: Duration = Duration::from_secs(2);
/// A connection unused this long is replaced rather than trusted (the hub may have closed it).
const IDLE: Duration = Duration::from_secs(10);
/// How long the end of the run waits for the last frames to reach the hub.
const DRAIN: Duration = Duration::from_secs(5);

/// Where frames go: `host:port` and the request path.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub host: String,
    pub path: String,
    pub token: Option<String>,
}

impl Target {
    /// `url` is the hub's `http://host:port` (plain HTTP: the hub runs on this machine).
    pub fn new(
        url: &str,
        test_id: &str,
        run_id: &str,
        token: Option<String>,
    ) -> Result<Self, String> {
        let host = url
            .strip_prefix("http://")
            .map(|h| h.trim_end_matches('/'))
            .filter(|h| !h.is_empty() && !h.contains('/'))
            .ok_or_else(|| format!("hub URL {url:?} is not http://host:port"))?;
        Ok(Target {
            host: host.into(),
            path: format!("/api/scenarios/{test_id}/testruns/{run_id}/live"),
            token,
        })
    }

    /// One POST on `link`'s connection (opened when it has none or it sat idle, dropped after any
    /// error, so the next POST starts afresh); returns the status code. A frame is never sent
    /// twice: a second copy would be merged twice.
    pub fn post(&self, link: &mut Link, body: &str) -> Result<u16, String> {
        let result = self.exchange(link, body);
        match &result {
            Ok((_, true)) => link.used = Some(Instant::now()),
            _ => *link = Link::default(),
        }
        result.map(|(status, _)| status)
    }

    /// Sends the request and reads the whole reply: `(status, whether the connection can be reused)`.
    fn exchange(&self, link: &mut Link, body: &str) -> Result<(u16, bool), String> {
        let fresh = link.used.is_none_or(|at| at.elapsed() > IDLE);
        if fresh || link.conn.is_none() {
            link.conn = Some(self.connect()?);
        }
        let conn = link.conn.as_mut().expect("connected above");
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n{auth}\r\n",
            self.path,
            self.host,
            body.len()
        );
        // One write: head and body in separate small segments would wait on each other's ACK.
        conn.write_all(format!("{head}{body}").as_bytes())
            .map_err(|e| e.to_string())?;
        read_reply(conn)
    }

    fn connect(&self) -> Result<TcpStream, String> {
        let addr = self
            .host
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .next()
            .ok_or("the hub's host has no address")?;
        let conn = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| e.to_string())?;
        conn.set_read_timeout(Some(TIMEOUT))
            .map_err(|e| e.to_string())?;
        conn.set_write_timeout(Some(TIMEOUT))
            .map_err(|e| e.to_string())?;
        let _ = conn.set_nodelay(true);
        Ok(conn)
    }
}

/// The poster's connection to the hub, kept open between frames: a connection per frame cost the
/// hub more than merging the frame (bench/hub-live.sh).
#[derive(Debug, Default)]
pub struct Link {
    conn: Option<TcpStream>,
    used: Option<Instant>,
}

/// Reads one reply: its status, and whether its end was found (a 204, or `Content-Length` bytes
/// of body) so that the connection can carry the next request.
fn read_reply(conn: &mut TcpStream) -> Result<(u16, bool), String> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the hub closed the connection".into());
        }
        reply.extend_from_slice(&buf[..n]);
        let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
            if reply.len() > 16 * 1024 {
                return Err("the hub's reply has no end of headers".into());
            }
            continue;
        };
        let head = String::from_utf8_lossy(&reply[..end]).to_ascii_lowercase();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or("the hub's reply has no HTTP status")?;
        let length = head.lines().find_map(|l| {
            l.strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        });
        let closes = head.lines().any(|l| l == "connection: close");
        let Some(length) = length.or((status == 204).then_some(0)) else {
            // No length: the body runs to the close; the status is all we need.
            return Ok((status, false));
        };
        if reply.len() >= end + 4 + length {
            return Ok((status, !closes));
        }
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
    let mut link = Link::default();
    for body in frames {
        let problem = match target.post(&mut link, &body) {
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
    use std::net::TcpListener;

    #[test]
    fn hub_urls() {
        let t = Target::new("http://127.0.0.1:8080/", "t1", "r1", None).unwrap();
        assert_eq!(t.host, "127.0.0.1:8080");
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
        assert_eq!(t.post(&mut Link::default(), "{\"a\":1}"), Ok(204));
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /api/scenarios/t1/testruns/r1/live HTTP/1.1\r\n"));
        assert!(request.contains("Authorization: Bearer s3cret\r\n"));
        assert!(request.contains("Content-Length: 7\r\n"));
    }

    #[test]
    fn frames_share_one_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            // One accepted connection answers both requests.
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 4096];
            for reply in [
                &b"HTTP/1.1 204 No Content\r\n\r\n"[..],
                b"HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}",
            ] {
                let mut got = Vec::new();
                while !got.ends_with(b"{\"n\":1}") {
                    let n = conn.read(&mut buf).unwrap();
                    assert!(n > 0, "connection closed early");
                    got.extend_from_slice(&buf[..n]);
                }
                conn.write_all(reply).unwrap();
            }
        });
        let t = Target::new(&url, "t1", "r1", None).unwrap();
        let mut link = Link::default();
        assert_eq!(t.post(&mut link, "{\"n\":1}"), Ok(204));
        assert_eq!(t.post(&mut link, "{\"n\":1}"), Ok(409));
        server.join().unwrap();
        // The server has gone: the next frame fails, and the link starts afresh.
        assert!(t.post(&mut link, "{\"n\":1}").is_err());
        assert!(link.conn.is_none());
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
