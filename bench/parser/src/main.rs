//! `cargo run -p bench-parser --release [-- TASKS LABELS ROUNDS]`: parses TASKS results files of LABELS
//! labels each (generated in memory, Taurus-shaped, written by `parser::write`) and aggregates them as
//! DLT does, ROUNDS times; prints min/median wall time and the process's peak RSS. The files have
//! Taurus's own shape, so `read::from_str` takes its canonical scanner; the general streaming reader
//! (what any other well-formed file takes) is timed on the same files too.

use std::time::{Duration, Instant};

use parser::dlt::{self, Era};
use parser::model::{FinalStatus, Group, Kpi, Num};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let (tasks, labels, rounds) = (
        *args.first().unwrap_or(&100),
        *args.get(1).unwrap_or(&100),
        *args.get(2).unwrap_or(&20),
    );
    let files: Vec<String> = (0..tasks)
        .map(|t| parser::write::to_string(&task(t, labels)))
        .collect();
    let bytes: usize = files.iter().map(String::len).sum();
    assert!(
        files.iter().all(|f| parser::read::canonical(f).is_some()),
        "the generated files must have Taurus's canonical shape"
    );
    let mut times = Vec::with_capacity(rounds);
    let mut out_len = 0;
    let mut phases = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let models: Vec<FinalStatus> = files
            .iter()
            .map(|x| parser::read::from_str(x).expect("valid XML"))
            .collect();
        let read = start.elapsed();
        let parsed: Vec<dlt::TaskResult> = models
            .iter()
            .map(|m| dlt::task_result(m, Era::V4).expect("DLT stats"))
            .collect();
        let stats = start.elapsed() - read;
        let refs: Vec<&dlt::TaskResult> = parsed.iter().collect();
        let fin = dlt::final_results(&refs, Era::V4).expect("aggregate");
        out_len = serde_json::Value::Object(fin).to_string().len();
        let total = start.elapsed();
        phases.push((read, stats, total - read - stats));
        times.push(total);
    }
    let best = *phases
        .iter()
        .min_by_key(|p| p.0 + p.1 + p.2)
        .expect("at least one round");
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "parse+aggregate {tasks} files x {labels} labels ({:.1} MB XML, {:.0} KB JSON out): min {:.1} ms, median {:.1} ms over {rounds} rounds; peak RSS {} KB",
        bytes as f64 / 1e6,
        out_len as f64 / 1e3,
        ms(times[0]),
        ms(times[times.len() / 2]),
        peak_rss_kb().map_or("?".into(), |k| k.to_string())
    );
    println!(
        "  fastest round: XML read {:.1} ms, DLT per-file stats {:.1} ms, aggregate + JSON {:.1} ms",
        ms(best.0),
        ms(best.1),
        ms(best.2)
    );
    let mut general: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for x in &files {
                parser::read::streaming(x).expect("valid XML");
            }
            start.elapsed()
        })
        .collect();
    general.sort();
    println!(
        "  general streaming reader alone (the fallback for non-canonical files): XML read min {:.1} ms, median {:.1} ms",
        ms(general[0]),
        ms(general[general.len() / 2])
    );
}

/// One task's results: `labels` labelled groups plus the total, values varied per task and label.
fn task(t: usize, labels: usize) -> FinalStatus {
    let group = |label: String, i: usize| {
        let n = 1000 + (t * 7 + i * 13) % 500;
        let f = |base: f64| {
            Num::Float(
                ((base * (1.0 + (i % 10) as f64 / 10.0 + t as f64 / 1000.0)) * 1e5).round() / 1e5,
            )
        };
        let mut g = Group::empty(&label);
        g.throughput = Num::Int(n as i64);
        g.concurrency = Num::Int(10);
        g.succ = Num::Int(n as i64 - 3);
        g.fail = Num::Int(3);
        g.avg_rt = f(0.12345);
        g.stdev_rt = f(0.0321);
        g.avg_lt = f(0.1);
        g.avg_ct = f(0.01);
        g.bytes = Num::Int(n as i64 * 512);
        g.rc = vec![
            Kpi {
                param: "200".into(),
                value: Num::Int(n as i64 - 3),
            },
            Kpi {
                param: "503".into(),
                value: Num::Int(3),
            },
        ];
        g.perc = dlt::PERCENTILES
            .iter()
            .enumerate()
            .map(|(k, (p, _))| Kpi {
                param: (*p).into(),
                value: f(0.05 * (k + 1) as f64),
            })
            .collect();
        g
    };
    let mut groups: Vec<Group> = (0..labels)
        .map(|i| group(format!("https://example.test/api/{i}"), i))
        .collect();
    groups.push(group(String::new(), labels));
    FinalStatus {
        test_duration: Some("300.0".into()),
        groups,
        ..FinalStatus::default()
    }
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
