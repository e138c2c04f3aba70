//! Writes a `report.html` for a made-up but realistic test (a ramp to 50 users over 3 minutes,
//! six labels with their own response-time spreads, a burst of errors), through the same pipeline
//! a run uses, to look at the page: `cargo run -p stampede-report --example html_report -- out.html`.

use std::sync::Arc;

use stampede_kpi::{Failure, FailureKind, Rc, Sample};
use stampede_log::MemoryLog;
use stampede_report::{HtmlReport, Pipeline, Reporter};
use stampede_stats::Aggregator;

const T0: u64 = 1_767_225_600;
const LABELS: [(&str, u64); 6] = [
    ("GET /", 40),
    ("GET /api/products?page=<n>", 90),
    ("POST /api/cart", 150),
    ("GET /static/app.js", 8),
    ("POST /api/checkout", 420),
    ("GET /search?q=\"shoes\" & socks", 230),
];

/// A small deterministic generator (xorshift), so the page is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "report.html".into());
    let report = HtmlReport::new(out.clone().into());
    let mut p = Pipeline::new(
        Aggregator::default(),
        vec![Box::new(report) as Box<dyn Reporter>],
    );
    let mut rng = Rng(0x5eed);
    for sec in 0..180u64 {
        let users = (sec * 50 / 60).clamp(1, 50);
        // Each user waits on its responses, so fewer hits per user once the server slows down.
        let hits =
            (users as f64 * 6.0 / (1.0 + users as f64 / 40.0) * (0.85 + 0.3 * rng.next())) as u64;
        for i in 0..hits {
            let (label, base) = LABELS[(rng.next() * LABELS.len() as f64) as usize];
            // A long tail: most near the base, a few up to ten times slower; slower under load.
            let load = 1.0 + users as f64 / 60.0;
            let tail = -rng.next().max(1e-9).ln();
            let elapsed_us = (base as f64 * load * (0.6 + 0.5 * tail) * 1000.0) as u64;
            let failed = (100..110).contains(&sec) && rng.next() < 0.2;
            p.sample(&Sample {
                start_ms: (T0 + sec) * 1000 + i * 1000 / hits,
                label: Arc::from(label),
                elapsed_us,
                latency_us: elapsed_us / 2,
                connect_us: 0,
                rc: Some(Rc::Http(if failed { 503 } else { 200 })),
                failure: failed.then(|| Failure {
                    kind: FailureKind::Error,
                    message: "Service Unavailable".into(),
                }),
                bytes: 1024,
                sent_bytes: 100,
                concurrency: users as u32,
                source: 0,
                thread: (1 + i % users) as u32,
            });
        }
        p.tick(T0 + sec - 2);
    }
    let finished = p.finish(&mut MemoryLog::default());
    assert!(finished.errors.is_empty(), "{:?}", finished.errors);
    println!("{out}");
}
