//! Benchmark driver for the engine alone (until `stampede run` is wired end to end):
//! `engine_bench URL CONNS SECONDS RATE` runs one execution (`concurrency: CONNS`, `hold-for: SECONDS`,
//! `throughput: RATE` unless 0) of one GET on a single-threaded runtime, records every sample into an
//! HDR histogram, and prints what `shared/bench/peers.sh` parses, plus start/stop delays and peak RSS.

use stampede_config::LoadSpec;
use stampede_engine::simple::{SimpleRequest, SimpleScript};
use stampede_engine::{self as engine, Execution, LoadState, Profile};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let launched = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: engine_bench URL CONNS SECONDS RATE");
        std::process::exit(2);
    }
    let url = args[1].clone();
    let conns: u32 = args[2].parse().expect("CONNS is a number");
    let secs: u64 = args[3].parse().expect("SECONDS is a number");
    let rate: f64 = args[4].parse().expect("RATE is a number");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let load = LoadSpec {
            concurrency: conns,
            ramp_up: None,
            hold_for: Some(Duration::from_secs(secs)),
            iterations: None,
            throughput: (rate > 0.0).then_some(rate),
            steps: None,
        };
        let profile = Profile::from_load(&load);
        let script = SimpleScript::new(vec![SimpleRequest::get(&url)]);
        let exec = Execution { profile: Arc::new(profile), script: Arc::new(script), source: 0, delay: std::time::Duration::ZERO };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let stop = tokio_util::sync::CancellationToken::new();
        let state = Arc::new(LoadState::default());
        let started = Instant::now();
        let eng = tokio::spawn(engine::run(vec![exec], tx, stop, state));
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("hdr");
        let (mut n, mut errors, mut first) = (0u64, 0u64, None);
        while let Some(batch) = rx.recv().await {
            for s in batch.iter() {
                first.get_or_insert(s.start_ms);
                n += 1;
                errors += u64::from(s.failure.is_some());
                let _ = h.record(s.elapsed_us.max(1));
            }
            batch.recycle();
        }
        let _ = eng.await;
        let total = started.elapsed();
        let hold_end = started + Duration::from_secs(secs);
        let exit_delay = Instant::now().saturating_duration_since(hold_end);
        let launch_ms = launched.elapsed().as_secs_f64() * 1000.0 - total.as_secs_f64() * 1000.0;
        let first_ms = first.map_or(0, |f| f.saturating_sub(epoch_ms_at(started)));
        println!("requests: {n}, errors: {errors}");
        println!("Requests/sec: {:.1}", n as f64 / secs as f64);
        println!(
            "p50={:.3}ms p99={:.3}ms p99.9={:.3}ms max={:.3}ms",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0,
            h.value_at_quantile(0.999) as f64 / 1000.0,
            h.max() as f64 / 1000.0
        );
        println!("startup_ms={launch_ms:.1} first_request_after_start_ms={first_ms} exit_after_hold_ms={:.1}", exit_delay.as_secs_f64() * 1000.0);
        println!("peak_rss_kb={}", peak_rss_kb());
    });
}

fn epoch_ms_at(i: Instant) -> u64 {
    let now = stampede_engine::simple::epoch_ms();
    now.saturating_sub(i.elapsed().as_millis() as u64)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
