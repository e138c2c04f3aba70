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
    let (mut lost, mut late, mut saturated) = (0u32, 0u32, false);
    let (mut planned_total, mut achieved_total) = (0u64, 0u64);
    let mut per_task = Vec::new();
    for t in tasks {
        let id = t.outcome.task;
        let is_lost = t.outcome.problem.is_some();
        let achieved = if is_lost {
            0
        } else {
            t.live
                .map(|l| u64::from(l.peak_vu))
                .unwrap_or_else(|| t.outcome.concurrency.unwrap_or(0.0).round() as u64)
        };
        let offset = match (starts.get(&id), first) {
            (Some(s), Some(f)) => Some(s - f),
            _ => None,
        };
        let is_late = offset.is_some_and(|o| o > LATE_AFTER_MS);
        let busy = t.live.filter(|l| {
            l.seconds > 0 && f64::from(l.cpu_busy_seconds) >= BUSY_SHARE * f64::from(l.seconds)
        });
        if let Some(reason) = &t.outcome.problem {
            lost += 1;
            warnings.push(format!(
                "task {id} is lost ({reason}); the run's numbers come from the other tasks"
            ));
        }
        if is_late {
            late += 1;
            warnings.push(format!(
                "task {id} started {} ms after the first task",
                offset.unwrap_or(0)
            ));
        }
        if let Some(l) = busy {
            saturated = true;
            warnings.push(format!(
                "task {id} ran at {}% CPU or more for {} of {} seconds: {SATURATION_SENTENCE}",
                crate::live::CPU_BUSY_PERCENT,
                l.cpu_busy_seconds,
                l.seconds
            ));
        }
        planned_total += u64::from(t.planned_vu);
        achieved_total += achieved;
        per_task.push(json!({
            "task": id,
            "region": t.outcome.region,
            "plannedVu": t.planned_vu,
            "achievedVu": achieved,
            "requests": t.outcome.requests,
            "startOffsetMs": offset,
            "exitCode": t.exit_code,
            "exited": t.exited,
            "lost": is_lost,
            "late": is_late,
            "cpuSaturated": busy.is_some(),
        }));
    }
    let percent = if planned_total == 0 {
        0.0
    } else {
        achieved_total as f64 * 100.0 / planned_total as f64
    };
    json!({
        "plannedVu": planned_total,
        "achievedVu": achieved_total,
        "achievedPercent": (percent * 10.0).round() / 10.0,
        "tasksPlanned": tasks.len(),
        "tasksLost": lost,
        "tasksLate": late,
        "startSkewMs": skew,
        "cpuSaturated": saturated,
        "tasks": per_task,
        "warnings": warnings,
    })
}
