//! Aggregation cost per sample stays small and memory bounded over a long synthetic run.

use stampede_kpi::{Rc, Sample};
use stampede_stats::Aggregator;
use std::sync::Arc;

#[test]
fn twenty_minutes_of_samples_aggregate_with_bounded_state() {
    let labels: Vec<Arc<str>> = (0..20).map(|i| Arc::from(format!("/api/{i}"))).collect();
    let mut a = Aggregator::default();
    let t0 = 1_700_000_000_000u64;
    let started = std::time::Instant::now();
    let mut n = 0u64;
    // 1200 seconds × 50 samples: a second is flushed as soon as the buffer rule allows.
    for sec in 0..1200u64 {
        for i in 0..50u64 {
            let s = Sample {
                start_ms: t0 + sec * 1000 + i * 20,
                label: labels[(i % 20) as usize].clone(),
                elapsed_us: 1000 + (i * 7919 % 5000) * 100,
                latency_us: 500,
                connect_us: 0,
                rc: Some(Rc::Http(200)),
                failure: None,
                bytes: 100,
                sent_bytes: 10,
                concurrency: 10,
                source: 0,
                thread: 1,
            };
            a.add(&s);
            n += 1;
        }
        a.flush_until(t0 / 1000 + sec);
    }
    let elapsed = started.elapsed();
    let (_, sum) = a.finish();
    assert_eq!(sum.cumulative[""].throughput, n);
    assert_eq!(sum.cumulative.len(), 21);
    let buckets: usize = sum.cumulative.values().map(|k| k.hist.bucket_count()).sum();
    assert!(
        buckets < 21 * 600,
        "histograms stay sparse: {buckets} buckets"
    );
    eprintln!(
        "aggregated {n} samples in {elapsed:?} ({:.0} ns/sample, debug build)",
        elapsed.as_nanos() as f64 / n as f64
    );
}
