//! Live CloudWatch metrics: the `cloudwatch` reporting module.
//!
//! Every `interval` (default 60 s) it publishes, in total and per label: `Requests`, `Failures`,
//! `Users` (Count) and `AvgResponseTime`, `P50ResponseTime`, `P95ResponseTime`, `P99ResponseTime`
//! (Milliseconds), with the dimensions `TestId` [, `Label`] plus any configured ones.
//!
//! Its settings (`mode`, `interval`, `namespace`, `test-id`, `dimensions`, `per-label`, `buffer`,
//! `region`) are typed and checked with the plan: `stampede_config::reporting::CloudwatchSettings`.
//!
//! Intervals are whole seconds aligned to the clock (60 s = calendar minutes); a sample counts in the
//! interval of its start time, and an interval is closed when the aggregator's datapoint for its last
//! second arrives (that second is then complete). The metric timestamp is the interval's end.
//!
//! It never slows the load: samples go into an O(1) histogram per label; a closed interval is handed
//! to a background thread through a bounded queue with `try_send`; a full queue drops the interval
//! and counts it. One PutMetricData call per interval, split only at the API's limits (1000 datums,
//! 1 MB). The `emf` mode makes no API call: CloudWatch Logs extracts the metrics from the lines.
//!
//! Protocol: the workspace pins `aws-sdk-cloudwatch = "=1.99.0"`, the last release speaking awsQuery.
//! CloudWatch still serves awsQuery, and it is the protocol the local test endpoint (moto) routes;
//! newer SDKs speak RPCv2-CBOR only, which moto answers with 404. Moving up means testing the CBOR
//! client against a CBOR-capable endpoint first.

mod publish;
mod window;

pub use publish::{
    Datum, MAX_BYTES_PER_CALL, MAX_DATUMS_PER_CALL, Unit, batches, datums, emf_lines,
};
pub use window::{IntervalStats, ScopeStats, Window};

use stampede_kpi::Sample;
use stampede_log::Log;
use stampede_report::{ReportError, Reporter, Verdict};
use stampede_stats::{Datapoint, Summary};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use stampede_config::reporting::{
    CloudwatchError as SettingsError, CloudwatchMode as Mode, CloudwatchSettings as Settings,
};

/// `90`, `30s`, `1m30s`, `500ms`, `2h` → a duration (Taurus's time format, the config's parser).
pub fn parse_duration(s: &str) -> Option<Duration> {
    stampede_config::dehumanize(s).ok()
}

/// What the background sender did; shared with the reporter (and tests).
#[derive(Debug, Default)]
pub struct Counters {
    /// Intervals dropped because the queue was full.
    pub dropped_intervals: AtomicU64,
    pub calls: AtomicU64,
    pub datums_sent: AtomicU64,
    pub failed_calls: AtomicU64,
    pub emf_lines: AtomicU64,
}

/// Where the metrics go.
pub enum Output {
    /// PutMetricData; `None` builds a client from the environment on the sender thread.
    Api(Option<aws_sdk_cloudwatch::Client>),
    /// EMF lines to this writer (stdout in production).
    Emf(Box<dyn Write + Send>),
}

enum Msg {
    Interval(IntervalStats),
}

pub struct CloudWatchReporter {
    settings: Settings,
    /// Open intervals by index (epoch second / interval): intervals are aligned to the clock, so a
    /// 60 s interval is a calendar minute, and a sample counts in the interval of its own start time.
    windows: BTreeMap<u64, Window>,
    tx: Option<SyncSender<Msg>>,
    sender: Option<std::thread::JoinHandle<()>>,
    /// Receives once the sender has drained the queue.
    sender_done: Receiver<()>,
    counters: Arc<Counters>,
}

/// How long `finish` waits for the queued intervals to be sent before giving up on them.
const FINISH_TIMEOUT: Duration = Duration::from_secs(15);

impl CloudWatchReporter {
    pub fn new(settings: Settings, output: Output) -> CloudWatchReporter {
        let (tx, rx) = std::sync::mpsc::sync_channel(settings.buffer);
        let counters = Arc::new(Counters::default());
        let (s, c) = (settings.clone(), counters.clone());
        let (done_tx, sender_done) = std::sync::mpsc::channel();
        let sender = std::thread::Builder::new()
            .name("cloudwatch".into())
            .spawn(move || {
                send_loop(rx, output, &s, &c);
                let _ = done_tx.send(());
            })
            .ok();
        CloudWatchReporter {
            settings,
            windows: BTreeMap::new(),
            tx: Some(tx),
            sender,
            sender_done,
            counters,
        }
    }

    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// Interval length in whole seconds.
    fn step(&self) -> u64 {
        self.settings.interval.as_secs().max(1)
    }

    /// Closes every interval that ends at or before `until` (epoch seconds), oldest first.
    fn close_until(&mut self, until: u64) {
        let step = self.step();
        while let Some(entry) = self.windows.first_entry() {
            if (entry.key() + 1) * step > until {
                break;
            }
            let (idx, mut window) = entry.remove_entry();
            self.queue(window.take((idx + 1) * step, self.settings.per_label));
        }
    }

    /// Hands a closed interval to the sender without waiting; a full queue drops it.
    fn queue(&mut self, stats: IntervalStats) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(Msg::Interval(stats)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.counters
                    .dropped_intervals
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Reporter for CloudWatchReporter {
    fn name(&self) -> &str {
        "cloudwatch"
    }

    fn sample(&mut self, sample: &Sample) {
        let idx = sample.start_ms / 1000 / self.step();
        self.windows.entry(idx).or_default().add(sample);
    }

    /// A datapoint for second `ts` means every sample of that second has arrived.
    fn datapoint(&mut self, dp: &Datapoint) -> Verdict {
        let idx = dp.ts / self.step();
        let users = dp.overall().concurrency;
        self.windows.entry(idx).or_default().users(users);
        self.close_until(dp.ts + 1);
        Verdict::Continue
    }

    fn finish(&mut self, _summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        self.close_until(u64::MAX);
        // Closing the queue lets the sender drain what is queued and stop; an unreachable endpoint
        // must not hold the end of the test for long.
        self.tx = None;
        if let Some(h) = self.sender.take() {
            match self.sender_done.recv_timeout(FINISH_TIMEOUT) {
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = h.join();
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => log.warn(&format!(
                    "cloudwatch: metrics still unsent after {}s; not waiting for them",
                    FINISH_TIMEOUT.as_secs()
                )),
            }
        }
        let c = &self.counters;
        let dropped = c.dropped_intervals.load(Ordering::Relaxed);
        let failed = c.failed_calls.load(Ordering::Relaxed);
        if dropped > 0 || failed > 0 {
            log.warn(&format!(
                "cloudwatch: {dropped} interval(s) dropped (queue full), {failed} PutMetricData call(s) failed"
            ));
        }
        Ok(false)
    }
}

/// The background sender: one thread, its own small runtime for the SDK.
fn send_loop(rx: Receiver<Msg>, output: Output, settings: &Settings, c: &Counters) {
    match output {
        Output::Emf(mut w) => {
            for Msg::Interval(stats) in rx {
                for mut line in emf_lines(&stats, settings) {
                    // One write per line: stdout is shared with the console log lines.
                    line.push('\n');
                    let _ = w.write_all(line.as_bytes());
                    c.emf_lines.fetch_add(1, Ordering::Relaxed);
                }
                let _ = w.flush();
            }
        }
        Output::Api(client) => {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                eprintln!("cloudwatch: cannot start the sender runtime; metrics are not sent");
                return;
            };
            rt.block_on(api_loop(rx, client, settings, c));
        }
    }
}

async fn api_loop(
    rx: Receiver<Msg>,
    client: Option<aws_sdk_cloudwatch::Client>,
    settings: &Settings,
    c: &Counters,
) {
    let client = match client {
        Some(cl) => cl,
        None => {
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            if let Some(r) = &settings.region {
                loader = loader.region(aws_config::Region::new(r.clone()));
            }
            aws_sdk_cloudwatch::Client::new(&loader.load().await)
        }
    };
    let rx = Arc::new(Mutex::new(rx));
    loop {
        // The std receiver blocks; waiting on it off the runtime keeps the SDK's timers alive.
        let r = rx.clone();
        let next =
            tokio::task::spawn_blocking(move || r.lock().map(|rx| rx.recv().ok()).ok().flatten())
                .await
                .ok()
                .flatten();
        let Some(Msg::Interval(stats)) = next else {
            break;
        };
        for batch in batches(
            datums(&stats, settings),
            MAX_DATUMS_PER_CALL,
            MAX_BYTES_PER_CALL,
        ) {
            let n = batch.len() as u64;
            let sent = client
                .put_metric_data()
                .namespace(&settings.namespace)
                .set_metric_data(Some(batch.iter().map(publish::to_sdk).collect()))
                .send()
                .await;
            c.calls.fetch_add(1, Ordering::Relaxed);
            match sent {
                Ok(_) => {
                    c.datums_sent.fetch_add(n, Ordering::Relaxed);
                }
                Err(e) => {
                    c.failed_calls.fetch_add(1, Ordering::Relaxed);
                    eprintln!(
                        "cloudwatch: PutMetricData failed: {}",
                        aws_sdk_cloudwatch::error::DisplayErrorContext(&e)
                    );
                }
            }
        }
    }
}
