//! A thread group's schedule as the engine's [`LoadSpec`] (after Taurus's overrides, which have
//! already rewritten the group in the document).

use std::time::Duration;

use stampede_config::LoadSpec;
use stampede_jmx::{GroupKind, Loops, Num, ThreadGroup, Time};

use crate::eval::Eval;

const SECOND: Duration = Duration::from_secs(1);

/// The load, the startup delay, or why the group cannot run.
pub(crate) fn load_spec(
    g: &ThreadGroup,
    ev: Eval<'_>,
) -> Result<(LoadSpec, Option<Duration>), String> {
    match &g.kind {
        GroupKind::Standard {
            threads,
            ramp_up,
            loops,
            scheduler,
            ..
        } => {
            let threads = ev.int(threads).map_err(not_constant)?;
            let ramp = ev.time(ramp_up, SECOND).map_err(not_constant)?;
            let iterations = iterations(loops, ev).map_err(not_constant)?;
            let (duration, delay) = match scheduler {
                Some((duration, delay)) => (
                    opt_time(duration.as_ref(), ev)?,
                    opt_time(delay.as_ref(), ev)?,
                ),
                None => (None, None),
            };
            standard(threads, ramp, iterations, duration).map(|l| (l, delay))
        }
        GroupKind::Concurrency { .. } => concurrency(&g.kind, ev).map(|l| (l, None)),
        GroupKind::Ultimate { rows, loops } => {
            let [row] = rows.as_slice() else {
                return Err(format!(
                    "has {} schedule rows; only one row (threads, delay, startup, hold) is supported",
                    rows.len()
                ));
            };
            let threads = ev.int(&row.threads).map_err(not_constant)?;
            let time = |t: &Time| ev.time(t, SECOND).map_err(not_constant);
            let (delay, startup, hold) = (
                time(&row.initial_delay)?,
                time(&row.startup)?,
                time(&row.hold)?,
            );
            let iterations = iterations(loops, ev).map_err(not_constant)?;
            let load = standard(threads, startup, iterations, Some(startup + hold))?;
            Ok((load, (!delay.is_zero()).then_some(delay)))
        }
    }
}

fn not_constant(raw: String) -> String {
    format!("{raw:?} has no value before the test starts; write a number or ${{__P(name,default)}}")
}

/// The Concurrency Thread Group: it lasts ramp-up + hold, iterations or not.
fn concurrency(kind: &GroupKind, ev: Eval<'_>) -> Result<LoadSpec, String> {
    let GroupKind::Concurrency {
        target,
        ramp_up,
        steps,
        hold,
        iterations,
        minutes,
    } = kind
    else {
        unreachable!("called for a Concurrency Thread Group")
    };
    let unit = if *minutes { 60 * SECOND } else { SECOND };
    let time = |t: Option<&Time>| -> Result<Option<Duration>, String> {
        t.map(|t| ev.time(t, unit))
            .transpose()
            .map_err(not_constant)
    };
    let ramp = time(ramp_up.as_ref())?.filter(|d| !d.is_zero());
    let hold = time(hold.as_ref())?.filter(|d| !d.is_zero());
    let hold = hold.or(ramp.map(|_| Duration::ZERO));
    let count = |n: Option<&Num<u64>>| n.map(|n| ev.int(n)).transpose().map_err(not_constant);
    let iterations = count(iterations.as_ref())?.filter(|n| *n > 0);
    if ramp.is_none() && hold.is_none() && iterations.is_none() {
        return Err("has neither a hold time nor iterations: it would run forever".into());
    }
    Ok(LoadSpec {
        concurrency: threads_u32(ev.int(target).map_err(not_constant)?)?,
        ramp_up: ramp,
        hold_for: hold,
        iterations,
        throughput: None,
        steps: count(steps.as_ref())?
            .filter(|s| *s > 0)
            .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
    })
}

/// `None` = forever.
fn iterations(loops: &Loops, ev: Eval<'_>) -> Result<Option<u64>, String> {
    Ok(match loops {
        Loops::Forever => None,
        Loops::Count(Num::Lit(n)) => Some(*n),
        Loops::Count(Num::Expr(raw)) => {
            let n = ev.signed(raw)?;
            u64::try_from(n).ok()
        }
    })
}

fn opt_time(t: Option<&Time>, ev: Eval<'_>) -> Result<Option<Duration>, String> {
    let t = t
        .map(|t| ev.time(t, SECOND))
        .transpose()
        .map_err(not_constant)?;
    Ok(t.filter(|d| !d.is_zero()))
}

/// JMeter's ThreadGroup: loops and an optional scheduler duration that counts from the start of
/// the group (ramp-up included), whichever ends first.
fn standard(
    threads: u64,
    ramp: Duration,
    iterations: Option<u64>,
    duration: Option<Duration>,
) -> Result<LoadSpec, String> {
    if iterations.is_none() && duration.is_none() {
        return Err(
            "loops forever without a scheduler duration: it would never end; set a loop count or a duration"
                .into(),
        );
    }
    if iterations == Some(0) {
        return Err("has a loop count of 0: it would send nothing".into());
    }
    // A hold (even zero) marks a time-limited group; without one, the loops alone end it and
    // the ramp-up only spreads the starts (JMeter's ThreadGroup without scheduler).
    let (ramp_up, hold_for) = match duration {
        Some(d) => {
            let r = ramp.min(d);
            (Some(r).filter(|r| !r.is_zero()), Some(d - r))
        }
        None => (Some(ramp).filter(|r| !r.is_zero()), None),
    };
    Ok(LoadSpec {
        concurrency: threads_u32(threads)?,
        ramp_up,
        hold_for,
        iterations,
        throughput: None,
        steps: None,
    })
}

fn threads_u32(n: u64) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("{n} threads is too many"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn group(loops: Loops, scheduler: Option<(Option<Time>, Option<Time>)>) -> ThreadGroup {
        ThreadGroup {
            role: stampede_jmx::GroupRole::Main,
            on_sample_error: stampede_jmx::OnSampleError::Continue,
            kind: GroupKind::Standard {
                threads: Num::Expr("${__P(users,4)}".into()),
                ramp_up: Num::Lit(Duration::from_secs(2)),
                loops,
                scheduler,
                delayed_start: false,
                same_user_on_next_iteration: true,
            },
        }
    }

    #[test]
    fn thread_group_schedules() {
        let props = HashMap::new();
        let ev = Eval {
            props: &props,
            vars: &props,
        };
        let (l, delay) = load_spec(&group(Loops::Count(Num::Lit(3)), None), ev).unwrap();
        assert_eq!(
            (l.concurrency, l.iterations, l.hold_for, delay),
            (4, Some(3), None, None)
        );
        let sched = Some((Some(Num::Lit(SECOND)), None));
        let (l, _) = load_spec(&group(Loops::Count(Num::Lit(3)), sched), ev).unwrap();
        assert_eq!(
            (l.ramp_up, l.hold_for),
            (Some(SECOND), Some(Duration::ZERO))
        );
        let sched = Some((Some(Num::Lit(10 * SECOND)), Some(Num::Lit(SECOND))));
        let (l, delay) = load_spec(&group(Loops::Forever, sched), ev).unwrap();
        assert_eq!(l.ramp_up, Some(2 * SECOND));
        assert_eq!(l.hold_for, Some(8 * SECOND));
        assert_eq!((l.iterations, delay), (None, Some(SECOND)));
        let err = load_spec(&group(Loops::Forever, None), ev).unwrap_err();
        assert!(err.contains("forever"), "{err}");
    }
}
