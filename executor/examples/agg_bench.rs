//! Per-sample cost of the aggregator (`stats::Aggregator`, as `stampede run` uses it):
//! `agg_bench [SAMPLES] [LABELS] [RATE]` feeds SAMPLES samples spread over LABELS labels at RATE
//! samples per simulated second (ticking once per simulated second, as the run does), then prints
//! nanoseconds per sample for `add`, for the per-second flushes and for `finish`.

use stampede_kpi::{Rc, Sample};
use stampede_stats::Aggregator;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("arguments are numbers"))
        .collect();
    let n = args.first().copied().unwrap_or(2_000_000);
    let labels = args.get(1).copied().unwrap_or(1).max(1);
    let rate = args.get(2).copied().unwrap_or(20_000).max(1);
    let names: Vec<Arc<str>> = (0..labels)
        .map(|i| Arc::from(format!("http://127.0.0.1:8080/small/{i}")))
        .collect();
    let base_ms = 1_800_000_000_000u64;
    let mut agg = Aggregator::default();
    let (mut add_ns, mut tick_ns, mut points) = (0u128, 0u128, 0usize);
    let mut sec = base_ms / 1000;
    let batch = 1000u64;
    let mut i = 0u64;
    while i < n {
        let t = Instant::now();
        for j in i..(i + batch).min(n) {
            let s = Sample {
                start_ms: base_ms + j * 1000 / rate,
                label: names[(j % labels) as usize].clone(),
                elapsed_us: 200 + (j * 7919) % 5000,
                latency_us: 150,
                connect_us: 0,
                rc: Some(Rc::Http(200)),
                failure: None,
                bytes: 217,
                sent_bytes: 60,
                concurrency: 50,
                source: 0,
                thread: (j % 50) as u32 + 1,
            };
            agg.add(&s);
        }
        add_ns += t.elapsed().as_nanos();
        i += batch;
        let now_sec = (base_ms + i * 1000 / rate) / 1000;
        if now_sec > sec {
            sec = now_sec;
            let t = Instant::now();
            points += agg.flush_until(sec).len();
            tick_ns += t.elapsed().as_nanos();
        }
    }
    let t = Instant::now();
    let (last, summary) = agg.finish();
    let finish_ns = t.elapsed().as_nanos();
    points += last.len();
    let per = |ns: u128| ns as f64 / n as f64;
    println!(
        "{n} samples, {labels} labels, {rate}/s: add {:.0} ns/sample, ticks {:.0} ns/sample ({points} seconds), finish {:.2} ms; {} cumulative sets",
        per(add_ns),
        per(tick_ns),
        finish_ns as f64 / 1e6,
        summary.cumulative.len()
    );
}
