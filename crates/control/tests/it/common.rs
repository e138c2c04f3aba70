//! A control plane on a temp dir, and results files written the way a worker writes them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parser::model::{FinalStatus, Group, Kpi, Num};
use serde_json::{Value, json};
use stampede_control::blobs::DirBlobs;
use stampede_control::clock::{ManualClock, SequentialIds};
use stampede_control::launcher::ProcessLauncher;
use stampede_control::ports::ConfigValidator;
use stampede_control::service::{ControlPlane, Deps};
use stampede_control::sqlite::SqliteStore;
use stampede_kpi::Kpi as Counters;

pub const T0: i64 = 1_767_225_600_000; // 2026-01-01 00:00:00 UTC

pub struct Env {
    pub dir: tempfile::TempDir,
    pub cp: Arc<ControlPlane>,
    pub clock: Arc<ManualClock>,
}

/// What every task runs: copy `fixtures/task<i>.xml` (and its sidecar, if any) to `RESULTS_FILE`,
/// after an optional `fixtures/wait` sleep; a missing fixture means the task leaves nothing (lost).
///
/// With `fixtures/partial`, the task waits for SIGTERM and then writes its results (a worker that
/// uploads partial results when stopped); with `fixtures/stubborn` it ignores SIGTERM. Either way
/// it touches `<results>.ready` once its signal handling is in place.
pub const TASK_SCRIPT: &str = r#"
f="$FIXTURES/task$TASK_INDEX"
ready="${RESULTS_FILE%.xml}.ready"
if [ -f "$FIXTURES/partial" ]; then
  trap 'cp "$f.xml" "$RESULTS_FILE"; exit 0' TERM
  touch "$ready"; sleep 30 & wait; exit 5
fi
if [ -f "$FIXTURES/stubborn" ]; then
  trap '' TERM
  touch "$ready"; sleep 30; exit 5
fi
[ -f "$FIXTURES/wait" ] && sleep "$(cat "$FIXTURES/wait")"
[ -f "$FIXTURES/wait$TASK_INDEX" ] && sleep "$(cat "$FIXTURES/wait$TASK_INDEX")"
[ -f "$f.xml" ] || exit 3
cp "$f.xml" "$RESULTS_FILE"
[ -f "$f.hist.json" ] && cp "$f.hist.json" "${RESULTS_FILE%.xml}.hist.json"
grep -q '"taskCount"' "$SCENARIO_FILE" || exit 4
exit 0
"#;

pub fn env(validator: Option<ConfigValidator>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(fixtures(dir.path())).unwrap();
    env_in(dir, validator)
}

pub fn fixtures(root: &Path) -> PathBuf {
    root.join("fixtures")
}

pub fn env_in(dir: tempfile::TempDir, validator: Option<ConfigValidator>) -> Env {
    let blob_dir = dir.path().join("blobs");
    let launcher = ProcessLauncher::new(&blob_dir, "sh", vec!["-c".into(), TASK_SCRIPT.into()])
        .with_env("FIXTURES", fixtures(dir.path()).to_str().unwrap())
        .with_kill_after(Duration::from_millis(300));
    let clock = Arc::new(ManualClock::new(T0));
    let cp = ControlPlane::new(Deps {
        store: Arc::new(SqliteStore::open(&dir.path().join("hub.db")).unwrap()),
        blobs: Arc::new(DirBlobs::open(&blob_dir).unwrap()),
        launcher: Arc::new(launcher),
        clock: clock.clone(),
        ids: Arc::new(SequentialIds::new(&format!("id{}", std::process::id()))),
        validator,
        grace_ms: 1000,
    });
    Env { dir, cp, clock }
}

pub fn body(tasks: u32, concurrency: u32) -> Value {
    json!({
        "testName": "checkout",
        "testDescription": "checkout under load",
        "testType": "simple",
        "testTaskConfigs": [{"region": "local", "taskCount": tasks, "concurrency": concurrency}],
        "testScenario": {
            "execution": [{"ramp-up": "1s", "hold-for": "2s", "scenario": "s"}],
            "scenarios": {"s": {"requests": [{"url": "http://127.0.0.1:9/a", "method": "GET",
                "headers": {"Authorization": "Bearer very-secret"}}]}},
        },
        "tags": ["smoke"],
    })
}

/// One label's samples for a fixture: response times in µs and how many of them failed (503).
pub struct LabelSamples<'a> {
    pub label: &'a str,
    pub rt_us: &'a [u64],
    pub fail: u64,
}

/// Writes `fixtures/task<i>.xml` (DLT-parsable, with plausible per-task numbers) and, if `sidecar`,
/// its exact `.hist.json`.
pub fn write_task(root: &Path, index: u32, vu: i64, labels: &[LabelSamples<'_>], sidecar: bool) {
    let mut groups = Vec::new();
    let mut entries: Vec<(String, Counters, u64)> = Vec::new();
    let mut overall = Counters::default();
    for l in labels {
        let (g, k) = group(l, vu);
        groups.push(g);
        overall += &k;
        entries.push((l.label.into(), k, vu as u64));
    }
    let all: Vec<u64> = labels
        .iter()
        .flat_map(|l| l.rt_us.iter().copied())
        .collect();
    let fail: u64 = labels.iter().map(|l| l.fail).sum();
    groups.insert(
        0,
        group(
            &LabelSamples {
                label: "",
                rt_us: &all,
                fail,
            },
            vu,
        )
        .0,
    );
    // Peak VUs of one task are not summed across its own labels.
    entries.push((String::new(), overall, vu as u64));
    let fs = FinalStatus {
        test_duration: Some("10.0".into()),
        groups,
        ..FinalStatus::default()
    };
    let base = fixtures(root).join(format!("task{index}"));
    std::fs::write(base.with_extension("xml"), parser::write::to_string(&fs)).unwrap();
    if sidecar {
        let refs = entries.iter().map(|(l, k, c)| (l.as_str(), k, *c));
        std::fs::write(
            base.with_extension("hist.json"),
            parser::sidecar::to_string(refs).unwrap(),
        )
        .unwrap();
    }
}

fn group(l: &LabelSamples<'_>, vu: i64) -> (Group, Counters) {
    let n = l.rt_us.len() as u64;
    let sum: u64 = l.rt_us.iter().sum();
    let mut k = Counters {
        throughput: n,
        succ: n - l.fail,
        fail: l.fail,
        bytes: 100 * n,
        sum_rt_us: sum,
        sum_lt_us: sum,
        sum_ct_us: 0,
        ..Counters::default()
    };
    for v in l.rt_us {
        k.hist.record_us(*v);
    }
    let secs = |us: f64| Num::Float(us / 1e6);
    let perc = ["0.0", "50.0", "90.0", "95.0", "99.0", "99.9", "100.0"]
        .iter()
        .map(|p| Kpi {
            param: (*p).into(),
            value: Num::Float(
                k.hist.percentile_ms(p.parse::<f64>().unwrap()).unwrap_or(0) as f64 / 1e3,
            ),
        })
        .collect();
    let mut rc = vec![Kpi {
        param: "200".into(),
        value: Num::Int((n - l.fail) as i64),
    }];
    if l.fail > 0 {
        rc.push(Kpi {
            param: "503".into(),
            value: Num::Int(l.fail as i64),
        });
    }
    let mean_ms = sum as f64 / n.max(1) as f64 / 1e3;
    let g = Group {
        label: l.label.into(),
        throughput: Num::Int(n as i64),
        concurrency: Num::Int(vu),
        succ: Num::Int((n - l.fail) as i64),
        fail: Num::Int(l.fail as i64),
        avg_rt: secs(sum as f64 / n.max(1) as f64),
        stdev_rt: Num::Float(k.hist.stdev_ms(mean_ms) / 1e3),
        avg_lt: secs(sum as f64 / n.max(1) as f64),
        avg_ct: Num::Float(0.0),
        bytes: Num::Int(100 * n as i64),
        rc,
        perc,
    };
    (g, k)
}

/// Polls `f` until it returns `Some`, for at most 10 s.
pub fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "condition not reached within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until test `id` has a settled status and returns the `GET /scenarios/{id}` body.
pub fn settled(cp: &ControlPlane, id: &str) -> Value {
    wait_for(|| {
        let t = cp.get_test(id).unwrap();
        let s = t["status"].as_str().unwrap().to_owned();
        ["complete", "failed", "cancelled"]
            .contains(&s.as_str())
            .then_some(t)
    })
}
