//! Real plans from `fixtures/jmx/` (provenance in `fixtures/jmx/README.md`) lowered to loads and
//! programs; running them against a server is tested in `executor/tests/jmx.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_jmx::{Num, Overrides};
use stampede_jmxplan::{Error, Options, lower_file, lower_text};

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
fn every_logic_controller_of_a_plan_lowers_with_its_children_in_order() {
    let lowered = lower_file(&fixture("stampede/controllers.jmx"), &options("stampede/x")).unwrap();
    let names: Vec<_> = lowered.groups.iter().map(|g| g.name.as_str()).collect();
    // The disabled "Library" group does not run; its block runs through a Module Controller.
    assert_eq!(names, ["Controllers", "Checks"]);
    let labels = lowered.groups[0].scenario.labels();
    let at = |l: &str| labels.iter().position(|x| x == l).unwrap();
    assert!(
        at("il-a") < at("ro-a") && at("ro-a") < at("sw6-c"),
        "{labels:?}"
    );
    // Module Controller targets (a Test Fragment's block, a disabled group's block) and the
    // Include Controller's fragment from the file next to the plan.
    assert_eq!(
        labels[labels.len() - 4..],
        ["mod-a", "lib", "inc-a", "inc-b"]
    );
}

#[test]
fn an_include_controller_reads_the_file_next_to_the_plan_and_names_its_problems() {
    // JMeter's own test of two Include Controllers of one file: the fragment holds a Java
    // Request, refused with the included file's path and the element's line there.
    let err = lower_file(
        &fixture("apache-jmeter/Bug50898.jmx"),
        &options("apache-jmeter/x"),
    )
    .unwrap_err();
    let Error::Refused(refusals) = err else {
        panic!("{err}")
    };
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    for r in &refusals {
        assert_eq!(r.kind, "Include Controller");
        assert!(r.reason.contains("Bug50898_inc.jmx"), "{r}");
        assert!(
            r.reason
                .contains("line 16: Bug50898_inc / Test Fragment / JavaSampler \"Java Request\""),
            "{r}"
        );
    }
}

#[test]
fn controllers_the_program_cannot_express_are_refused_by_type_name_and_path() {
    let text = r#"<jmeterTestPlan version="1.2"><hashTree>
      <TestPlan testclass="TestPlan" testname="P" enabled="true"/><hashTree>
        <ThreadGroup testclass="ThreadGroup" testname="Users" enabled="true"/><hashTree>
          <kg.apc.jmeter.timers.VariableThroughputTimer testclass="kg.apc.jmeter.timers.VariableThroughputTimer" testname="Shape" enabled="true">
            <collectionProp name="load_profile">
              <collectionProp name="1"><stringProp name="1">1</stringProp><stringProp name="2">10</stringProp><stringProp name="3">60</stringProp></collectionProp>
            </collectionProp>
          </kg.apc.jmeter.timers.VariableThroughputTimer><hashTree/>
          <RandomController testclass="RandomController" testname="Pick" enabled="true">
            <intProp name="InterleaveControl.style">0</intProp>
          </RandomController><hashTree>
            <GenericController testclass="GenericController" testname="Block" enabled="true"/><hashTree>
              <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="a" enabled="true">
                <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
              </HTTPSamplerProxy><hashTree/>
            </hashTree>
          </hashTree>
          <IncludeController testclass="IncludeController" testname="Inc" enabled="true">
            <stringProp name="IncludeController.includepath">missing.jmx</stringProp>
          </IncludeController><hashTree/>
        </hashTree>
      </hashTree></hashTree></jmeterTestPlan>"#;
    let Error::Refused(refusals) = lower_text(text, &options("stampede/x")).unwrap_err() else {
        panic!("refused")
    };
    let got: Vec<_> = refusals
        .iter()
        .map(|r| (r.kind.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("jp@gc Throughput Shaping Timer", "P / Users / Shape"),
            ("Random Controller", "P / Users / Pick"),
            ("Include Controller", "P / Users / Inc")
        ]
    );
    assert!(
        refusals[0].reason.contains("rate over time"),
        "{}",
        refusals[0]
    );
    assert!(refusals[1].reason.contains("ignore sub-controller blocks"));
    assert!(
        refusals[2].reason.contains("missing.jmx"),
        "{}",
        refusals[2]
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

#[test]
fn mutated_controller_plans_lower_or_are_refused_without_panicking() {
    let text = std::fs::read_to_string(fixture("stampede/controllers.jmx")).unwrap();
    let opts = options("stampede/x");
    // Swaps of controller classes and names (module paths that name themselves, includes of
    // missing files, thread groups under controllers...), with a fixed xorshift seed.
    let swaps = [
        ("Module target", "Run module"),
        ("Fragment", "Controllers"),
        ("controllers-include.jmx", "controllers.jmx"),
        ("GenericController", "ModuleController"),
        ("InterleaveControl", "RandomController"),
        ("SwitchController", "ThroughputController"),
        ("RunTime", "IncludeController"),
        (">1<", ">0<"),
        (">4<", ">-1<"),
        ("Library block", "Library"),
    ];
    let mut seed: u64 = 0x0dd_5eed;
    let mut outcomes = (0, 0);
    for _ in 0..60 {
        let mut t = text.clone();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (a, b) = swaps[(seed % swaps.len() as u64) as usize];
            let n = 1 + (seed >> 32) as usize % 3;
            t = if seed & 1 == 0 {
                t.replacen(a, b, n)
            } else {
                t.replacen(b, a, n)
            };
        }
        match lower_text(&t, &opts) {
            Ok(l) => {
                outcomes.0 += 1;
                assert!(!l.groups.is_empty());
            }
            Err(e) => {
                outcomes.1 += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}
