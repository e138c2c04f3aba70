//! Thread groups: JMeter's own (main, setUp, tearDown) and the Concurrency / Ultimate plugins.

use std::time::Duration;

use crate::document::{Element, PropValue, Props};
use crate::fields::{Fields, is_expr};
use crate::plan::{Num, Time};

/// A thread group.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadGroup {
    pub role: GroupRole,
    pub on_sample_error: OnSampleError,
    pub kind: GroupKind,
}

/// When the group runs relative to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRole {
    /// `SetupThreadGroup`: runs before the main groups.
    Setup,
    Main,
    /// `PostThreadGroup`: runs after the main groups.
    Teardown,
}

/// What a thread does after a failed sample (`ThreadGroup.on_sample_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnSampleError {
    Continue,
    StartNextLoop,
    StopThread,
    StopTest,
    StopTestNow,
}

/// The group's schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupKind {
    /// JMeter's ThreadGroup, SetupThreadGroup and PostThreadGroup.
    Standard {
        threads: Num<u64>,
        ramp_up: Time,
        loops: Loops,
        /// "Specify thread lifetime": `(duration, startup delay)` when the scheduler is on.
        scheduler: Option<(Option<Time>, Option<Time>)>,
        /// "Delay thread creation until needed".
        delayed_start: bool,
        same_user_on_next_iteration: bool,
    },
    /// `com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroup`.
    /// Literal times are already converted from `Unit`; an expression is in `minutes` units when set.
    Concurrency {
        target: Num<u64>,
        ramp_up: Option<Time>,
        steps: Option<Num<u64>>,
        hold: Option<Time>,
        iterations: Option<Num<u64>>,
        minutes: bool,
    },
    /// `kg.apc.jmeter.threads.UltimateThreadGroup`: one row per batch of threads.
    Ultimate {
        rows: Vec<UltimateRow>,
        loops: Loops,
    },
}

/// One row of an Ultimate Thread Group schedule (all times in seconds in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct UltimateRow {
    pub threads: Num<u64>,
    pub initial_delay: Time,
    pub startup: Time,
    pub hold: Time,
    pub shutdown: Time,
}

/// How often a loop runs its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loops {
    /// Loop count -1 (or any negative count): until the scheduler or the test stops it.
    Forever,
    /// A count; an expression evaluating to a negative number means forever, as in JMeter.
    Count(Num<u64>),
}

pub(crate) const CONCURRENCY: &str =
    "com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroup";
pub(crate) const ULTIMATE: &str = "kg.apc.jmeter.threads.UltimateThreadGroup";

/// Reads a thread group of a known class.
pub(crate) fn read(el: &Element, f: &mut Fields) -> ThreadGroup {
    let role = match el.class.as_str() {
        "SetupThreadGroup" => GroupRole::Setup,
        "PostThreadGroup" => GroupRole::Teardown,
        _ => GroupRole::Main,
    };
    let on_sample_error = on_error(f);
    let kind = match el.class.as_str() {
        CONCURRENCY => concurrency(f),
        ULTIMATE => GroupKind::Ultimate {
            rows: ultimate_rows(f),
            loops: main_loops(el, f),
        },
        _ => standard(el, f),
    };
    ThreadGroup {
        role,
        on_sample_error,
        kind,
    }
}

fn on_error(f: &mut Fields) -> OnSampleError {
    match f.text("ThreadGroup.on_sample_error").as_str() {
        "" | "continue" => OnSampleError::Continue,
        "startnextloop" => OnSampleError::StartNextLoop,
        "stopthread" => OnSampleError::StopThread,
        "stoptest" => OnSampleError::StopTest,
        "stoptestnow" => OnSampleError::StopTestNow,
        other => {
            let other = other.to_owned();
            f.bad(
                "ThreadGroup.on_sample_error",
                &other,
                "continue, startnextloop, stopthread, stoptest or stoptestnow",
            );
            OnSampleError::Continue
        }
    }
}

fn standard(el: &Element, f: &mut Fields) -> GroupKind {
    let scheduler = f
        .flag("ThreadGroup.scheduler", false)
        .then(|| (f.secs("ThreadGroup.duration"), f.secs("ThreadGroup.delay")));
    GroupKind::Standard {
        threads: f.num("ThreadGroup.num_threads").unwrap_or(Num::Lit(1)),
        ramp_up: f
            .secs("ThreadGroup.ramp_time")
            .unwrap_or(Num::Lit(Duration::ZERO)),
        loops: main_loops(el, f),
        scheduler,
        delayed_start: f.flag("ThreadGroup.delayedStart", false),
        same_user_on_next_iteration: f.flag("ThreadGroup.same_user_on_next_iteration", true),
    }
}

/// The loop count of the group's `ThreadGroup.main_controller`.
fn main_loops(el: &Element, f: &mut Fields) -> Loops {
    match el.element("ThreadGroup.main_controller") {
        Some(controller) => loops(&mut f.nested(controller)),
        None => Loops::Count(Num::Lit(1)),
    }
}

/// `LoopController.loops`; JMeter runs a missing or empty count once.
pub(crate) fn loops(f: &mut Fields) -> Loops {
    let raw = f.text("LoopController.loops");
    let raw = raw.trim();
    if raw.is_empty() {
        return Loops::Count(Num::Lit(1));
    }
    if is_expr(raw) {
        return Loops::Count(Num::Expr(raw.to_owned()));
    }
    match raw.parse::<i64>() {
        Ok(n) if n < 0 => Loops::Forever,
        Ok(n) => Loops::Count(Num::Lit(n.unsigned_abs())),
        Err(_) => {
            f.bad(
                "LoopController.loops",
                raw,
                "a whole number, -1 for forever",
            );
            Loops::Count(Num::Lit(1))
        }
    }
}

fn concurrency(f: &mut Fields) -> GroupKind {
    let minutes = f.text("Unit") == "M";
    let unit = if minutes {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(1)
    };
    GroupKind::Concurrency {
        target: f.num("TargetLevel").unwrap_or(Num::Lit(1)),
        ramp_up: f.time("RampUp", unit),
        steps: f.num("Steps"),
        hold: f.time("Hold", unit),
        iterations: f.num("Iterations"),
        minutes,
    }
}

fn ultimate_rows(f: &mut Fields) -> Vec<UltimateRow> {
    let mut rows = Vec::new();
    for row in f.entries(None, "ultimatethreadgroupdata") {
        let PropValue::Collection(cells) = &row.value else {
            continue;
        };
        let cell = |i: usize| match cells.get(i).map(|c| &c.value) {
            Some(PropValue::Text(t)) => t.trim().to_owned(),
            _ => String::new(),
        };
        let time = |i: usize, f: &mut Fields| match parse_cell(&cell(i)) {
            Some(n) => n.map_lit(Duration::from_secs_f64),
            None => {
                f.bad("ultimatethreadgroupdata", &cell(i), "a number of seconds");
                Num::Lit(Duration::ZERO)
            }
        };
        let threads = match parse_cell(&cell(0)) {
            Some(Num::Lit(v)) => Num::Lit(v as u64),
            Some(Num::Expr(e)) => Num::Expr(e),
            None => {
                f.bad("ultimatethreadgroupdata", &cell(0), "a thread count");
                Num::Lit(0)
            }
        };
        rows.push(UltimateRow {
            threads,
            initial_delay: time(1, f),
            startup: time(2, f),
            hold: time(3, f),
            shutdown: time(4, f),
        });
    }
    rows
}

fn parse_cell(raw: &str) -> Option<Num<f64>> {
    if is_expr(raw) {
        return Some(Num::Expr(raw.to_owned()));
    }
    raw.parse::<f64>()
        .ok()
        .filter(|v| (0.0..1e12).contains(v))
        .map(Num::Lit)
}
