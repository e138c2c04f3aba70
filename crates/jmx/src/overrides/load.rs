//! Taurus's `LoadSettingsProcessor`: concurrency, ramp-up, hold-for, iterations, steps and
//! throughput rewrite the TestPlan's thread groups.

use super::{GROUP_CLASSES, Overrides, Warning, string_prop};
use crate::document::{Element, PropElement, PropKind, PropValue, Property, Props};
use crate::groups::CONCURRENCY;
use crate::plan::Num;

/// A value Taurus writes: a number, or text it copies unchanged (a `${...}` expression).
#[derive(Debug, Clone, PartialEq)]
enum V {
    Int(i64),
    Text(String),
}

impl V {
    /// Python truthiness, which Taurus's rules are written in.
    fn truthy(&self) -> bool {
        match self {
            V::Int(n) => *n != 0,
            V::Text(t) => !t.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            V::Int(n) => n.to_string(),
            V::Text(t) => t.clone(),
        }
    }

    /// Taurus's `_get_val`: digits (with an optional sign) become a number, other text stays.
    fn parse(raw: &str) -> V {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(raw) || raw.get(1..).is_some_and(digits) {
            raw.parse()
                .map(V::Int)
                .unwrap_or_else(|_| V::Text(raw.to_owned()))
        } else {
            V::Text(raw.to_owned())
        }
    }
}

/// The load as Taurus's `get_specific_load` computes it, times truncated to whole seconds.
struct Load {
    hold: i64,
    ramp_up: Option<i64>,
    duration: i64,
    iterations: u64,
}

fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn load_of(o: &Overrides) -> Load {
    let hold = o.hold_for.map(secs).unwrap_or(0);
    let ramp_up = o.ramp_up.map(secs);
    let duration = match (hold, ramp_up) {
        (0, r) => r.unwrap_or(0),
        (h, None | Some(0)) => h,
        (h, Some(r)) => h.saturating_add(r),
    };
    let iterations = match o.iterations {
        Some(n) if n > 0 => n,
        _ if duration != 0 => 0,
        _ => 1,
    };
    Load {
        hold,
        ramp_up,
        duration,
        iterations,
    }
}

pub(super) fn apply(plan: &mut Element, o: &Overrides, warnings: &mut Vec<Warning>) {
    let load = load_of(o);
    let concurrency_given = match &o.concurrency {
        Some(Num::Lit(n)) => *n > 0,
        Some(Num::Expr(e)) => !e.is_empty(),
        None => false,
    };
    if !(o.iterations.is_some_and(|n| n > 0) || concurrency_given || load.duration != 0) {
        return;
    }
    let use_ctg =
        o.concurrency_thread_group_available && load.duration != 0 && load.iterations == 0;
    let groups: Vec<usize> = GROUP_CLASSES
        .iter()
        .flat_map(|class| {
            plan.children
                .iter()
                .enumerate()
                .filter(move |(_, e)| e.class == *class && e.enabled)
        })
        .map(|(i, _)| i)
        .collect();
    let targets = concurrencies(
        &groups
            .iter()
            .map(|&i| &plan.children[i])
            .collect::<Vec<_>>(),
        o,
        warnings,
    );
    for (&i, concurrency) in groups.iter().zip(targets) {
        let group = &mut plan.children[i];
        let (ramp_up, add_ramp) = match load.ramp_up {
            Some(r) if r != 0 => (V::Int(r), true),
            _ => (ramp_up_of(group), false),
        };
        if use_ctg {
            to_concurrency_group(group, &concurrency, &ramp_up, &load, o.steps.unwrap_or(0));
        } else {
            to_thread_group(group, &concurrency, &ramp_up, add_ramp, &load);
        }
    }
    if let Some(rps) = o.throughput.filter(|t| *t != 0.0) {
        add_shaper(plan, rps, &load, o.steps.unwrap_or(0), warnings);
    }
    if !use_ctg && o.steps.is_some_and(|s| s > 0) {
        warnings.push(Warning(
            "Stepping ramp-up isn't supported for regular ThreadGroup".into(),
        ));
    }
}

/// The concurrency property of a group class, if Taurus knows one.
fn concurrency_prop(class: &str) -> Option<&'static str> {
    match class {
        "ThreadGroup" | "kg.apc.jmeter.threads.SteppingThreadGroup" => {
            Some("ThreadGroup.num_threads")
        }
        CONCURRENCY => Some("TargetLevel"),
        _ => None,
    }
}

/// Each group's new concurrency: the expression as is, the group's own value when none is given,
/// or the total divided in proportion to the groups' own values.
fn concurrencies(groups: &[&Element], o: &Overrides, warnings: &mut Vec<Warning>) -> Vec<V> {
    let own_raw = |g: &Element| {
        concurrency_prop(&g.class)
            .and_then(|p| g.text(p))
            .map(str::to_owned)
    };
    match &o.concurrency {
        Some(Num::Expr(e)) => groups.iter().map(|_| V::Text(e.clone())).collect(),
        None => groups
            .iter()
            .map(|g| own_raw(g).map(V::Text).unwrap_or(V::Int(1)))
            .collect(),
        Some(Num::Lit(total)) => {
            let own: Vec<i64> = groups
                .iter()
                .map(|g| own_raw(g).map_or(1, |raw| as_int(&raw)))
                .collect();
            divide(*total, &own, warnings)
                .into_iter()
                .map(V::Int)
                .collect()
        }
    }
}

/// Taurus's `try_convert(value, default=1)`: a `${__P(name,default)}` gives its default.
fn as_int(raw: &str) -> i64 {
    if raw.contains("${") {
        let is_property = raw.starts_with("${__property(") || raw.starts_with("${__P(");
        let default = raw
            .find(',')
            .filter(|_| is_property)
            .and_then(|c| raw.get(c + 1..raw.len().saturating_sub(2)));
        return default.and_then(|d| d.trim().parse().ok()).unwrap_or(1);
    }
    raw.trim().parse().unwrap_or(1)
}

fn divide(total: u64, own: &[i64], warnings: &mut Vec<Warning>) -> Vec<i64> {
    let sum: i64 = own.iter().sum();
    let parts: Vec<i64> = own
        .iter()
        .map(|&c| {
            if sum == 0 || c == 0 {
                return 0;
            }
            let share = (total as f64 * c as f64 / sum as f64).round_ties_even() as i64;
            share.max(1)
        })
        .collect();
    let leftover = i64::try_from(total).unwrap_or(i64::MAX) - parts.iter().sum::<i64>();
    if leftover < 0 {
        warnings.push(Warning(format!(
            "Had to add {} more threads to maintain thread group proportion",
            -leftover
        )));
    } else if leftover > 0 {
        warnings.push(Warning(format!(
            "{leftover} threads left undistributed due to thread group proportion"
        )));
    }
    parts
}

fn ramp_up_of(group: &Element) -> V {
    let prop = match group.class.as_str() {
        "ThreadGroup" => "ThreadGroup.ramp_time",
        CONCURRENCY => "RampUp",
        _ => return V::Int(0),
    };
    match group.text(prop) {
        Some(raw) if !raw.is_empty() => V::parse(raw),
        _ => V::Int(0),
    }
}

fn bool_prop(name: &str, value: bool) -> Property {
    Property {
        name: name.to_owned(),
        kind: PropKind::Bool,
        value: PropValue::Text(value.to_string()),
    }
}

fn element_prop(name: &str, element_type: &str, props: Vec<Property>) -> Property {
    Property {
        name: name.to_owned(),
        kind: PropKind::Element,
        value: PropValue::Element(PropElement {
            element_type: Some(element_type.to_owned()),
            props,
        }),
    }
}

/// Taurus's `get_thread_group`, replacing the group in place (its children stay).
fn to_thread_group(group: &mut Element, concurrency: &V, ramp_up: &V, add_ramp: bool, load: &Load) {
    let was_thread_group = group.class == "ThreadGroup";
    let on_error = group.text("ThreadGroup.on_sample_error").map(str::to_owned);
    let same_user = same_user(group);
    let delayed_start = was_thread_group && group.text("ThreadGroup.delayedStart") == Some("true");
    let delay = group
        .text("ThreadGroup.delay")
        .filter(|d| was_thread_group && !d.is_empty())
        .map(str::to_owned);
    let hold = V::Int(load.hold);
    let duration = match (hold.truthy(), ramp_up.truthy(), ramp_up) {
        (false, _, _) => ramp_up.clone(),
        (true, false, _) => hold.clone(),
        (true, true, V::Int(r)) => V::Int(load.hold.saturating_add(*r)),
        (true, true, V::Text(_)) if !add_ramp => hold.clone(),
        (true, true, V::Text(r)) => V::Text(format!("${{__intSum({r},{})}}", load.hold)),
    };
    let loops = match load.iterations {
        0 if duration.truthy() => -1,
        0 => 1,
        n => i64::try_from(n).unwrap_or(i64::MAX),
    };
    let scheduler = hold.truthy() || (ramp_up.truthy() && loops == -1);
    let mut props = Vec::new();
    if let Some(on_error) = on_error {
        props.push(string_prop("ThreadGroup.on_sample_error", &on_error));
    }
    let controller = vec![
        bool_prop("LoopController.continue_forever", false),
        string_prop("LoopController.loops", &loops.to_string()),
    ];
    props.push(element_prop(
        "ThreadGroup.main_controller",
        "LoopController",
        controller,
    ));
    props.push(string_prop("ThreadGroup.num_threads", &concurrency.text()));
    props.push(string_prop("ThreadGroup.ramp_time", &ramp_up.text()));
    props.push(string_prop("ThreadGroup.start_time", ""));
    props.push(string_prop("ThreadGroup.end_time", ""));
    props.push(bool_prop("ThreadGroup.scheduler", scheduler));
    props.push(string_prop("ThreadGroup.duration", &duration.text()));
    props.push(bool_prop(
        "ThreadGroup.same_user_on_next_iteration",
        same_user,
    ));
    if let Some(delay) = delay {
        props.push(string_prop("ThreadGroup.delay", &delay));
    }
    if delayed_start {
        props.push(bool_prop("ThreadGroup.delayedStart", true));
    }
    replace(group, "ThreadGroup", "ThreadGroupGui", concurrency, props);
}

/// Only JMeter's ThreadGroup and the Concurrency Thread Group keep "same user on each iteration".
fn same_user(group: &Element) -> bool {
    matches!(group.class.as_str(), "ThreadGroup" | CONCURRENCY)
        && group
            .text("ThreadGroup.same_user_on_next_iteration")
            .is_none_or(|v| v == "true")
}

/// Taurus's `get_concurrency_thread_group`.
fn to_concurrency_group(
    group: &mut Element,
    concurrency: &V,
    ramp_up: &V,
    load: &Load,
    steps: u64,
) {
    let iterations = if group.class == CONCURRENCY {
        group.text("Iterations").unwrap_or("").to_owned()
    } else {
        String::new()
    };
    let on_error = group
        .text("ThreadGroup.on_sample_error")
        .unwrap_or("continue")
        .to_owned();
    let same_user = same_user(group);
    let props = vec![
        element_prop(
            "ThreadGroup.main_controller",
            "com.blazemeter.jmeter.control.VirtualUserController",
            Vec::new(),
        ),
        string_prop("ThreadGroup.on_sample_error", &on_error),
        string_prop("TargetLevel", &concurrency.text()),
        string_prop("RampUp", &ramp_up.text()),
        string_prop("Steps", &steps.to_string()),
        string_prop("Hold", &load.hold.to_string()),
        string_prop("LogFilename", ""),
        string_prop("Iterations", &iterations),
        string_prop("Unit", "S"),
        bool_prop("same_user_on_next_iteration", same_user),
    ];
    replace(
        group,
        CONCURRENCY,
        "com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroupGui",
        concurrency,
        props,
    );
}

fn replace(group: &mut Element, class: &str, gui: &str, concurrency: &V, props: Vec<Property>) {
    group.class = class.to_owned();
    group.gui_class = Some(gui.to_owned());
    group.enabled = !matches!(concurrency, V::Int(n) if *n <= 0);
    group.props = props;
}

/// Taurus's Throughput Shaping Timer ("Throughput_Limiter") at the TestPlan level.
fn add_shaper(plan: &mut Element, rps: f64, load: &Load, steps: u64, warnings: &mut Vec<Warning>) {
    if load.duration == 0 {
        warnings.push(Warning(
            "You must set 'ramp-up' and/or 'hold-for' when using 'throughput' option".into(),
        ));
        return;
    }
    let mut rows: Vec<(f64, f64, i64)> = Vec::new();
    if let Some(ramp) = load.ramp_up.filter(|r| *r != 0) {
        if steps == 0 {
            let start = (rps / load.duration as f64).max(1.0);
            rows.push((start, rps, ramp));
        } else {
            let (step_h, step_w) = (rps / steps as f64, ramp as f64 / steps as f64);
            let mut accumulated = 0i64;
            for step in 1..=steps {
                let width = step_w * step as f64 - accumulated as f64;
                rows.push((step_h * step as f64, step_h * step as f64, width as i64));
                accumulated += width as i64;
            }
        }
    }
    if load.hold != 0 {
        rows.push((rps, rps, load.hold));
    }
    let cell = |v: String| string_prop("", &v);
    let profile = rows
        .into_iter()
        .map(|(start, end, secs)| Property {
            name: String::new(),
            kind: PropKind::Collection,
            value: PropValue::Collection(vec![
                cell(py_float(start)),
                cell(py_float(end)),
                cell(secs.to_string()),
            ]),
        })
        .collect();
    plan.children.push(Element {
        class: crate::checks::SHAPING.to_owned(),
        gui_class: Some(format!("{}Gui", crate::checks::SHAPING)),
        name: "Throughput_Limiter".to_owned(),
        enabled: true,
        props: vec![Property {
            name: "load_profile".into(),
            kind: PropKind::Collection,
            value: PropValue::Collection(profile),
        }],
        children: Vec::new(),
        line: 0,
    });
}

/// `str(round(x, 3))` as Python prints a float: `2.0`, `0.333`.
fn py_float(x: f64) -> String {
    let rounded = (x * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.1}")
    } else {
        format!("{rounded}")
    }
}
