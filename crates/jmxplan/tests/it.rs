//! Real plans from `fixtures/jmx/` (provenance in `fixtures/jmx/README.md`) lowered to loads and
//! programs; running them against a server is tested in `executor/tests/jmx.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_jmx::{Num, Overrides};
use stampede_jmxplan::{Error, Options, lower_file};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/jmx")
        .join(rel)
}

fn options(rel: &str) -> Options {
    Options {
        base_dir: fixture(rel).parent().unwrap().to_path_buf(),
        ..Options::default()
    }
}

#[test]
fn a_real_plan_keeps_its_thread_group_and_sampler_names() {
    let lowered = lower_file(
        &fixture("apache-jmeter/OnceOnlyTestPlan.jmx"),
        &options("apache-jmeter/x"),
    )
    .unwrap();
    let [g] = lowered.groups.as_slice() else {
        panic!("{:?}", lowered.groups)
    };
    assert_eq!(g.name, "Jakarta Users");
    assert_eq!(
        (g.load.concurrency, g.load.iterations, g.load.hold_for),
        (2, Some(3), None)
    );
    assert_eq!(g.scenario.labels(), ["Home Page", "Bug Page"]);
    // The listener is read and ignored with a note.
    assert!(
        lowered.warnings.iter().any(|w| w.contains("File Reporter")),
        "{:?}",
        lowered.warnings
    );
}

#[test]
fn transactions_come_before_their_children_as_in_jmeter() {
    let lowered = lower_file(&fixture("taurus/transactions.jmx"), &options("taurus/x")).unwrap();
    assert_eq!(
        lowered.groups[0].scenario.labels(),
        [
            "Transaction Controller 1",
            "1 sec",
            "2 sec",
            "Transaction Controller 2",
            "1 sec",
            "2 sec"
        ]
    );
}

#[test]
fn every_kind_of_thread_group_becomes_a_load() {
    let lowered = lower_file(
        &fixture("taurus/converter-group-tg.jmx"),
        &options("taurus/x"),
    )
    .unwrap();
    let loads: Vec<_> = lowered.groups.iter().map(|g| &g.load).collect();
    assert_eq!(loads.len(), 3);
    assert_eq!((loads[0].concurrency, loads[0].iterations), (10, Some(5)));
    assert_eq!(loads[0].ramp_up, Some(Duration::from_secs(20)));
    // Scheduler duration 150 s counts from the start: 30 s ramp-up, then 120 s.
    assert_eq!(
        (loads[1].ramp_up, loads[1].hold_for),
        (
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(120))
        )
    );
    assert_eq!((loads[2].concurrency, loads[2].steps), (12, Some(3)));
}

#[test]
fn taurus_concurrency_is_shared_in_proportion_and_properties_answer_p() {
    let mut opts = options("overrides/x");
    opts.overrides = Overrides {
        concurrency: Some(Num::Lit(10)),
        hold_for: Some(Duration::from_secs(30)),
        disable: vec!["setup".into(), "UTG".into()],
        concurrency_thread_group_available: true,
        ..Overrides::default()
    };
    opts.properties.insert("b_users".into(), "3".into());
    let lowered = lower_file(&fixture("overrides/groups.jmx"), &opts).unwrap();
    let names: Vec<_> = lowered.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["TG A", "TG B", "CTG"]);
    // Taurus weighs `${__P(b_users,1)}` by its default, not the property: sizes 3, 1, 4 share 10
    // as round(3.75), round(1.25), round(5).
    let threads: Vec<u32> = lowered.groups.iter().map(|g| g.load.concurrency).collect();
    assert_eq!(threads, [4, 1, 5]);
    let runs: Vec<_> = lowered
        .groups
        .iter()
        .map(|g| (g.load.hold_for, g.load.iterations))
        .collect();
    let hold = Some(Duration::from_secs(30));
    // A Concurrency Thread Group keeps its own iteration limit (7), as Taurus writes it.
    assert_eq!(runs, [(hold, None), (hold, None), (hold, Some(7))]);
}

#[test]
fn scripts_are_refused_with_the_element_path() {
    let err = lower_file(&fixture("taurus/jsr223.jmx"), &options("taurus/x")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Read(_)), "{text}");
    assert!(
        text.contains("line 48: Test Plan / Thread Group / HTTP Request / JSR223PreProcessor \"JSR223 PreProcessor\""),
        "{text}"
    );
}

#[test]
fn controllers_the_program_cannot_express_are_refused_by_type_name_and_path() {
    let err = lower_file(
        &fixture("apache-jmeter/InterleaveTestPlan.jmx"),
        &options("apache-jmeter/x"),
    )
    .unwrap_err();
    let Error::Refused(refusals) = err else {
        panic!("{err}")
    };
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].kind, "Interleave Controller");
    assert_eq!(
        refusals[0].path,
        "Test Plan / Jakarta Users / Interleave Controller"
    );
}

#[test]
fn setup_and_teardown_groups_keep_their_role() {
    let mut opts = options("overrides/x");
    opts.overrides.disable = vec!["UTG".into()];
    let lowered = lower_file(&fixture("overrides/groups.jmx"), &opts).unwrap();
    let groups: Vec<_> = lowered
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.role))
        .collect();
    use stampede_jmxplan::GroupRole::*;
    assert_eq!(
        groups,
        [
            ("setup", Setup),
            ("TG A", Main),
            ("TG B", Main),
            ("CTG", Main)
        ]
    );
}
