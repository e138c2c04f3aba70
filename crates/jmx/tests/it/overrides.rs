//! `apply_overrides` against real Taurus 1.17.2: each `fixtures/jmx/overrides/taurus-<case>.jmx` is the
//! modified plan Taurus wrote for `groups.jmx` with that case's settings (see the README there).
//! Our rewrite of `groups.jmx` must read to the same thread groups and the same top-level timers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_jmx::overrides::Warning;
use stampede_jmx::*;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jmx/overrides")
}

/// The thread groups and the TestPlan-level timers: what the load settings change.
fn load_shape(plan: &Plan) -> (Vec<(String, ThreadGroup)>, Vec<Timer>) {
    let groups = plan
        .thread_groups()
        .map(|(n, g)| (n.name.clone(), g.clone()))
        .collect();
    let timers = plan
        .children
        .iter()
        .filter_map(|n| match &n.kind {
            Kind::Timer(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    (groups, timers)
}

fn check(case: &str, overrides: Overrides, expected_warnings: &[&str]) {
    let limits = Limits::default();
    let mut doc =
        Document::parse(&load(&dir().join("groups.jmx"), &limits).unwrap(), &limits).unwrap();
    let warnings = apply_overrides(&mut doc, &overrides);
    let ours = doc.to_plan().unwrap_or_else(|e| panic!("{case}: {e}"));
    let taurus = read_file(&dir().join(format!("taurus-{case}.jmx")), &limits).unwrap();
    assert_eq!(load_shape(&ours), load_shape(&taurus), "{case}");
    let expected: Vec<Warning> = expected_warnings
        .iter()
        .map(|w| Warning(w.to_string()))
        .collect();
    assert_eq!(warnings, expected, "{case}");
}

fn secs(s: u64) -> Option<Duration> {
    Some(Duration::from_secs(s))
}

#[test]
fn total_concurrency_is_shared_in_proportion_with_hold_and_ramp_up() {
    let o = Overrides {
        concurrency: Some(Num::Lit(16)),
        ramp_up: secs(10),
        hold_for: secs(30),
        ..Default::default()
    };
    check("c16-r10-h30", o, &[]);
}

#[test]
fn concurrency_alone_resets_loops_to_one() {
    check(
        "c9",
        Overrides {
            concurrency: Some(Num::Lit(9)),
            ..Default::default()
        },
        &[],
    );
}

#[test]
fn iterations_with_concurrency() {
    let o = Overrides {
        concurrency: Some(Num::Lit(5)),
        iterations: Some(3),
        ..Default::default()
    };
    check(
        "c5-i3",
        o,
        &["Had to add 1 more threads to maintain thread group proportion"],
    );
}

#[test]
fn hold_alone_keeps_each_groups_own_concurrency() {
    check(
        "h60",
        Overrides {
            hold_for: secs(60),
            ..Default::default()
        },
        &[],
    );
}

#[test]
fn ramp_up_alone() {
    check(
        "r7",
        Overrides {
            ramp_up: secs(7),
            ..Default::default()
        },
        &[],
    );
}

#[test]
fn an_expression_concurrency_is_given_to_every_group() {
    let o = Overrides {
        concurrency: Some(Num::Expr("${__P(c,3)}".into())),
        hold_for: secs(20),
        ..Default::default()
    };
    check("cexpr-h20", o, &[]);
}

#[test]
fn throughput_adds_a_shaping_timer_in_steps() {
    let o = Overrides {
        concurrency: Some(Num::Lit(10)),
        ramp_up: secs(60),
        hold_for: secs(30),
        throughput: Some(100.0),
        steps: Some(3),
        ..Default::default()
    };
    let warnings = [
        "1 threads left undistributed due to thread group proportion",
        "Stepping ramp-up isn't supported for regular ThreadGroup",
    ];
    check("c10-r60-h30-t100-s3", o, &warnings);
    check(
        "t50-r10",
        Overrides {
            throughput: Some(50.0),
            ramp_up: secs(10),
            ..Default::default()
        },
        &[],
    );
}

#[test]
fn modifications_disable_enable_and_set_prop() {
    let o = Overrides {
        disable: vec!["TG B".into(), "Th*".into()],
        enable: vec!["TG off".into()],
        set_prop: [
            ("TG A>ThreadGroup.num_threads", "11"),
            ("TG A>ThreadGroup.main_controller>LoopController.loops", "2"),
            ("Think>NewProp", "x"),
            ("Nobody>x", "y"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec(),
        ..Default::default()
    };
    check("mods", o, &["No elements matched for set-prop: Nobody>x"]);
}

#[test]
fn concurrency_thread_groups_when_the_plugin_is_there() {
    let ctg = |o: Overrides| Overrides {
        concurrency_thread_group_available: true,
        ..o
    };
    let o = Overrides {
        concurrency: Some(Num::Lit(12)),
        ramp_up: secs(30),
        hold_for: secs(60),
        steps: Some(3),
        ..Default::default()
    };
    check(
        "ctg-c12-r30-h60-s3",
        ctg(o),
        &["1 threads left undistributed due to thread group proportion"],
    );
    check(
        "ctg-h60",
        ctg(Overrides {
            hold_for: secs(60),
            ..Default::default()
        }),
        &[],
    );
    let o = Overrides {
        concurrency: Some(Num::Lit(6)),
        iterations: Some(2),
        hold_for: secs(10),
        ..Default::default()
    };
    check(
        "ctg-c6-i2-h10",
        ctg(o),
        &["Had to add 1 more threads to maintain thread group proportion"],
    );
}
