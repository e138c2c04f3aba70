//! Run validity: how much of the planned load really ran, from which tasks, how late they started,
//! and whether a worker was CPU-bound, so a reader knows when the numbers understate the target.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::finalise::TaskOutcome;
use crate::live::TaskLive;

/// A task that starts this long after the first one is "late".
pub const LATE_AFTER_MS: i64 = 10_000;

/// A task is CPU-saturated when at least this share of its reported seconds were busy.
pub const BUSY_SHARE: f64 = 0.2;

pub const SATURATION_SENTENCE: &str = "results may understate the target's capacity";

/// What the domain knows about one task when the run ends.
#[derive(Clone, Debug)]
pub struct TaskFacts<'a> {
    pub outcome: &'a TaskOutcome,
    pub planned_vu: u32,
    /// When the launcher reported it started (ms), if it did.
    pub started_ms: Option<i64>,
    pub exit_code: Option<i32>,
    pub exited: bool,
    pub live: Option<TaskLive>,
}

/// The `validity` object stored on the run.
pub fn assess(tasks: &[TaskFacts<'_>]) -> Value {
    // The task's real start: its first live second when it sent any, else the launcher's report.
    let starts: BTreeMap<u32, i64> = tasks
        .iter()
        .filter_map(|t| {
            let live = t.live.map(|l| l.first_second * 1000);
            live.or(t.started_ms).map(|s| (t.outcome.task, s))
        })
        .collect();
    let first = starts.values().min().copied();
    let skew = match (first, starts.values().max()) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    };
    let mut warnings = Vec::new();
    let rows: Vec<TaskRow> = tasks
        .iter()
        .map(|t| {
            let offset = starts.get(&t.outcome.task).zip(first).map(|(s, f)| s - f);
            task_row(t, offset, &mut warnings)
        })
        .collect();
    let count = |f: fn(&TaskRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let planned: u64 = tasks.iter().map(|t| u64::from(t.planned_vu)).sum();
    let achieved: u64 = rows.iter().map(|r| r.achieved_vu).sum();
    let percent = if planned == 0 {
        0.0
    } else {
        achieved as f64 * 100.0 / planned as f64
    };
    json!({
        "plannedVu": planned,
        "achievedVu": achieved,
        "achievedPercent": (percent * 10.0).round() / 10.0,
        "tasksPlanned": tasks.len(),
        "tasksLost": count(|r| r.lost),
        "tasksLate": count(|r| r.late),
        "startSkewMs": skew,
        "cpuSaturated": count(|r| r.saturated) > 0,
        "tasks": rows.into_iter().map(|r| r.json).collect::<Vec<_>>(),
        "warnings": warnings,
    })
}

struct TaskRow {
    achieved_vu: u64,
    lost: bool,
    late: bool,
    saturated: bool,
    json: Value,
}

/// One task's row; its problems, in plain words, go to `warnings`.
fn task_row(t: &TaskFacts<'_>, offset: Option<i64>, warnings: &mut Vec<String>) -> TaskRow {
    let id = t.outcome.task;
    let lost = t.outcome.problem.is_some();
    let achieved_vu = if lost {
        0
    } else {
        t.live
            .map(|l| u64::from(l.peak_vu))
            .unwrap_or_else(|| t.outcome.concurrency.unwrap_or(0.0).round() as u64)
    };
    let late = offset.is_some_and(|o| o > LATE_AFTER_MS);
    let busy = t.live.filter(|l| {
        l.seconds > 0 && f64::from(l.cpu_busy_seconds) >= BUSY_SHARE * f64::from(l.seconds)
    });
    if let Some(reason) = &t.outcome.problem {
        warnings.push(format!(
            "task {id} is lost ({reason}); the run's numbers come from the other tasks"
        ));
    }
    if late {
        warnings.push(format!(
            "task {id} started {} ms after the first task",
            offset.unwrap_or(0)
        ));
    }
    if let Some(l) = busy {
        warnings.push(format!(
            "task {id} ran at {}% CPU or more for {} of {} seconds: {SATURATION_SENTENCE}",
            crate::live::CPU_BUSY_PERCENT,
            l.cpu_busy_seconds,
            l.seconds
        ));
    }
    let json = json!({
        "task": id,
        "region": t.outcome.region,
        "plannedVu": t.planned_vu,
        "achievedVu": achieved_vu,
        "requests": t.outcome.requests,
        "startOffsetMs": offset,
        "exitCode": t.exit_code,
        "exited": t.exited,
        "lost": lost,
        "late": late,
        "cpuSaturated": busy.is_some(),
    });
    TaskRow {
        achieved_vu,
        lost,
        late,
        saturated: busy.is_some(),
        json,
    }
}
