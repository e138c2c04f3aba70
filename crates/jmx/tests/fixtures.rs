//! Every real plan in `fixtures/jmx` is read; each one reads to the listed shape or is refused with
//! the listed elements. Facts checked against the XML by hand follow the table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_jmx::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jmx")
}

fn read(rel: &str) -> Result<Plan, ReadError> {
    read_file(&fixtures().join(rel), &Limits::default())
}

fn plan(rel: &str) -> Plan {
    read(rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn refusals(rel: &str) -> Vec<ElementError> {
    match read(rel) {
        Err(ReadError::Invalid(errors)) => errors,
        other => panic!("{rel}: expected refusals, got {other:?}"),
    }
}

fn group<'a>(plan: &'a Plan, name: &str) -> (&'a Node, &'a ThreadGroup) {
    plan.thread_groups()
        .find(|(n, _)| n.name == name)
        .unwrap_or_else(|| panic!("no thread group {name}"))
}

fn secs(s: u64) -> Time {
    Num::Lit(Duration::from_secs(s))
}

enum Outcome {
    Read {
        groups: usize,
        samplers: usize,
    },
    /// How many elements are refused, and some of them as (class, name).
    Refused(usize, &'static [(&'static str, &'static str)]),
    /// The read fails before any element is looked at; the message starts with this.
    Fails(&'static str),
}
use Outcome::*;

#[rustfmt::skip]
const TABLE: &[(&str, Outcome)] = &[
    ("apache-jmeter/AssertionTestPlan.jmx", Read { groups: 1, samplers: 1 }),
    ("apache-jmeter/AuthManagerTestPlan.jmx", Read { groups: 1, samplers: 3 }),
    ("apache-jmeter/Bug50898.jmx", Read { groups: 1, samplers: 0 }),
    ("apache-jmeter/CSVSample.jmx", Refused(6, &[("JavaSampler", "Dummy Login"), ("UserParameters", "User Parameters")])),
    ("apache-jmeter/GenTest22.jmx", Refused(36, &[("JavaConfig", "Java Request Defaults"), ("JDBCDataSource", "JDBC Connection Configuration")])),
    ("apache-jmeter/GenTest27.jmx", Refused(53, &[("JavaConfig", "Java Request Defaults"), ("JDBCDataSource", "JDBC Connection Configuration")])),
    ("apache-jmeter/GenTest3_0.jmx", Refused(56, &[("CriticalSectionController", "Critical Section Controller"), ("JavaConfig", "Java Request Defaults")])),
    ("apache-jmeter/HeaderManagerTestPlan.jmx", Read { groups: 1, samplers: 1 }),
    ("apache-jmeter/Http4ImplPreemptiveBasicAuth.jmx", Refused(3, &[("UserParameters", "User Parameters"), ("UserParameters", "User Parameters")])),
    ("apache-jmeter/IfTest.jmx", Refused(2, &[("JavaSampler", "If"), ("JavaSampler", "Always")])),
    ("apache-jmeter/InterleaveTestPlan.jmx", Read { groups: 1, samplers: 3 }),
    ("apache-jmeter/Load_JMeter_Page.jmx", Fails("the file has no enabled TestPl")),
    ("apache-jmeter/LoopTestPlan.jmx", Read { groups: 1, samplers: 2 }),
    ("apache-jmeter/OnceOnlyTestPlan.jmx", Read { groups: 1, samplers: 2 }),
    ("apache-jmeter/PerformanceTestPlanMemoryThread.jmx", Read { groups: 1, samplers: 2 }),
    ("apache-jmeter/ResponseDecompression.jmx", Read { groups: 1, samplers: 2 }),
    ("apache-jmeter/TEST_HTTP.jmx", Refused(3, &[("JSR223Sampler", "JSS_startMirror"), ("JSR223Assertion", "JSR223-Assertion-CheckCorrectEncodingForParam")])),
    ("apache-jmeter/TestCookieManager.jmx", Refused(2, &[("JSR223Sampler", "JSS_startMirror"), ("JSR223Sampler", "JSS_stopMirror")])),
    ("apache-jmeter/TestDisable.jmx", Refused(2, &[("JavaSampler", "Java 1"), ("JavaSampler", "Java3")])),
    ("apache-jmeter/build-adv-web-test-plan.jmx", Read { groups: 1, samplers: 3 }),
    ("apache-jmeter/build-web-test-plan.jmx", Read { groups: 1, samplers: 2 }),
    ("apache-jmeter/jdbc.jmx", Refused(2, &[("JDBCDataSource", "JDBC Connection Configuration"), ("JDBCSampler", "JDBC Request")])),
    ("apache-jmeter/recording.jmx", Read { groups: 1, samplers: 0 }),
    ("apache-jmeter/simple-http-request-test-plan.jmx", Read { groups: 1, samplers: 1 }),
    ("jmeter-java-dsl/codegeneration-disabled-elements.jmx", Read { groups: 1, samplers: 1 }),
    ("jmeter-java-dsl/codegeneration-recorded.jmx", Read { groups: 1, samplers: 2 }),
    ("jmeter-java-dsl/docs-motivation-sample.jmx", Read { groups: 1, samplers: 1 }),
    ("jmeter-java-dsl/jmeter-java-dsl-parallel-parallel.jmx", Refused(2, &[("com.blazemeter.jmeter.controller.ParallelSampler", "bzm - Parallel Controller"), ("com.blazemeter.jmeter.controller.ParallelSampler", "bzm - Parallel Controller")])),
    ("jmeter-java-dsl/resources-test-plan.jmx", Read { groups: 1, samplers: 2 }),
    ("jmeter-java-dsl/websocket-codegeneration-complex-websocket.jmx", Refused(4, &[("eu.luminis.jmeter.wssampler.OpenWebSocketSampler", "WebSocket Open Connection"), ("eu.luminis.jmeter.wssampler.SingleWriteWebSocketSampler", "WebSocket Single Write")])),
    ("jmeter-plugins/ComplexExample.jmx", Refused(7, &[("kg.apc.jmeter.threads.SteppingThreadGroup", "${__machineName()}_Test all Graphs"), ("kg.apc.jmeter.samplers.DummySampler", "slow")])),
    ("jmeter-plugins/JSONPathExtractorExample.jmx", Refused(3, &[("kg.apc.jmeter.samplers.DummySampler", "jp@gc - Dummy JSON"), ("DebugSampler", "Debug Sampler")])),
    ("jmeter-plugins/SteppingThreadGroupExample.jmx", Refused(4, &[("kg.apc.jmeter.threads.SteppingThreadGroup", "jp@gc - Stepping Thread Group 1"), ("kg.apc.jmeter.samplers.DummySampler", "jp@gc - Dummy Sampler")])),
    ("jmeter-plugins/ThroughputShapingExample.jmx", Refused(1, &[("kg.apc.jmeter.samplers.DummySampler", "jp@gc - Dummy Sampler")])),
    ("overrides/groups.jmx", Read { groups: 5, samplers: 5 }),
    ("taurus/SteppingThreadGroup.jmx", Refused(1, &[("kg.apc.jmeter.threads.SteppingThreadGroup", "stepping tg")])),
    ("taurus/TP.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/UTG_dummy.jmx", Refused(1, &[("kg.apc.jmeter.samplers.DummySampler", "1")])),
    ("taurus/all_controllers.jmx", Refused(2, &[("DebugSampler", "DS1"), ("CriticalSectionController", "CSC")])),
    ("taurus/broken.jmx", Fails("line 43: invalid XML: unclosed")),
    ("taurus/converter-assertions.jmx", Read { groups: 3, samplers: 3 }),
    ("taurus/converter-auth_manager.jmx", Read { groups: 1, samplers: 0 }),
    ("taurus/converter-broken_resp_asserts.jmx", Read { groups: 18, samplers: 0 }),
    ("taurus/converter-controllers.jmx", Read { groups: 1, samplers: 7 }),
    ("taurus/converter-default.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/converter-disabled.jmx", Read { groups: 2, samplers: 6 }),
    ("taurus/converter-duration.jmx", Read { groups: 3, samplers: 2 }),
    ("taurus/converter-extractors.jmx", Read { groups: 3, samplers: 4 }),
    ("taurus/converter-global_copy.jmx", Refused(2, &[("ConfigTestElement", "tg2_request_defaults"), ("ConfigTestElement", "HTTP Request Defaults")])),
    ("taurus/converter-group-tg.jmx", Read { groups: 3, samplers: 3 }),
    ("taurus/converter-json_body.jmx", Read { groups: 2, samplers: 9 }),
    ("taurus/converter-loop-controllers.jmx", Read { groups: 1, samplers: 2 }),
    ("taurus/converter-param-null.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/converter-params_conversion.jmx", Read { groups: 1, samplers: 3 }),
    ("taurus/converter-unicode.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/converter-vars.jmx", Refused(1, &[("kg.apc.jmeter.control.sampler.SetVariablesAction", "jp@gc - Set Variables Action")])),
    ("taurus/cookiemanagers.jmx", Read { groups: 2, samplers: 2 }),
    ("taurus/csvs.jmx", Refused(1, &[("ConfigTestElement", "Defaults")])),
    ("taurus/delimiters.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/dummy.jmx", Refused(3, &[("DebugSampler", "Debug Sampler"), ("DebugSampler", "Debug Sampler Fail")])),
    ("taurus/dummy_plan.jmx", Refused(1, &[("DebugSampler", "Debug Sampler")])),
    ("taurus/empty_concurrency.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/examples-BOOTH2-Blazedemo.java.jmx", Read { groups: 1, samplers: 10 }),
    ("taurus/examples-blazemeter-demo-existing-BlazeDemo.jmx", Refused(1, &[("ConfigTestElement", "HTTP Request Defaults")])),
    ("taurus/examples-jmeter-existing.jmx", Read { groups: 1, samplers: 5 }),
    ("taurus/examples-jmeter-external.jmx", Refused(1, &[("kg.apc.jmeter.samplers.DummySampler", "jp@gc - Dummy Sampler")])),
    ("taurus/examples-jmeter-jmxvals.jmx", Refused(1, &[("DebugSampler", "Debug Sampler")])),
    ("taurus/files.jmx", Refused(7, &[("JSR223Sampler", "JSR223 Sampler"), ("BeanShellSampler", "BeanShell Sampler")])),
    ("taurus/files_paths.jmx", Refused(1, &[("ConfigTestElement", "Defaults")])),
    ("taurus/http.jmx", Refused(2, &[("RegexExtractor", "Regular Expression Extractor"), ("DebugSampler", "Debug Sampler")])),
    ("taurus/int_threads.jmx", Read { groups: 2, samplers: 0 }),
    ("taurus/issue_no_iterations.jmx", Refused(5, &[("DebugSampler", "only once"), ("kg.apc.jmeter.samplers.DummySampler", "Checkout")])),
    ("taurus/iterations-TG.jmx", Read { groups: 1, samplers: 0 }),
    ("taurus/iterations-property.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/json_extractors.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/jsr223.jmx", Refused(5, &[("JSR223PreProcessor", "JSR223 PreProcessor"), ("JSR223PostProcessor", "JSR223 PostProcessor")])),
    ("taurus/nested-directory-csv.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/null-iterations.jmx", Read { groups: 1, samplers: 0 }),
    ("taurus/props_tg.jmx", Refused(1, &[("DebugSampler", "Debug Sampler")])),
    ("taurus/stepping_ramp_up.jmx", Read { groups: 3, samplers: 3 }),
    ("taurus/threadgroups.jmx", Refused(2, &[("kg.apc.jmeter.threads.SteppingThreadGroup", "STG.03"), ("com.blazemeter.jmeter.threads.arrivals.ArrivalsThreadGroup", "ATG.05")])),
    ("taurus/torero-duration-with-env.jmx", Refused(1, &[("kg.apc.jmeter.samplers.DummySampler", "jp@gc - Dummy Sampler")])),
    ("taurus/transactions.jmx", Read { groups: 1, samplers: 4 }),
    ("taurus/two_tg.jmx", Refused(3, &[("DebugSampler", "Debug Sampler"), ("DebugSampler", "Debug Sampler")])),
    ("taurus/ultimateGroupTest.jmx", Refused(1, &[("kg.apc.jmeter.samplers.DummySampler", "jp@gc - Dummy Sampler")])),
    ("taurus/variable_csv.jmx", Read { groups: 0, samplers: 0 }),
    ("taurus/variable_file_upload.jmx", Read { groups: 1, samplers: 1 }),
    ("taurus/zero-concurrency.jmx", Read { groups: 4, samplers: 3 }),
];

#[test]
fn every_fixture_is_listed_and_reads_as_listed() {
    let mut on_disk = Vec::new();
    for dir in std::fs::read_dir(fixtures()).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "jmx")
                    && !f
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("taurus-")
                {
                    on_disk.push(
                        f.strip_prefix(fixtures())
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
    }
    on_disk.sort();
    let listed: Vec<String> = TABLE.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(on_disk, listed, "fixtures on disk and in the table differ");
    assert!(on_disk.len() >= 80);
    for (file, outcome) in TABLE {
        match (outcome, read(file)) {
            (Read { groups, samplers }, Ok(plan)) => {
                let found: usize = plan
                    .thread_groups()
                    .map(|(n, _)| n.http_samplers().len())
                    .sum();
                assert_eq!(
                    (plan.thread_groups().count(), found),
                    (*groups, *samplers),
                    "{file}"
                );
            }
            (Refused(count, some), Err(ReadError::Invalid(errors))) => {
                assert_eq!(errors.len(), *count, "{file}: {errors:#?}");
                for (class, name) in *some {
                    assert!(
                        errors.iter().any(|e| e.class == *class && e.name == *name),
                        "{file}: no {class} {name}"
                    );
                }
            }
            (Fails(start), Err(e)) => assert!(e.to_string().starts_with(start), "{file}: {e}"),
            (_, got) => panic!("{file}: unexpected {got:?}"),
        }
    }
}

type Standard<'a> = (
    &'a Num<u64>,
    &'a Time,
    &'a Loops,
    &'a Option<(Option<Time>, Option<Time>)>,
);

fn standard(g: &ThreadGroup) -> Standard<'_> {
    match &g.kind {
        GroupKind::Standard {
            threads,
            ramp_up,
            loops,
            scheduler,
            ..
        } => (threads, ramp_up, loops, scheduler),
        other => panic!("not a standard group: {other:?}"),
    }
}

#[test]
fn standard_thread_groups_keep_threads_ramp_loops_and_scheduler() {
    let p = plan("taurus/stepping_ramp_up.jmx");
    let names: Vec<&str> = p.thread_groups().map(|(n, _)| n.name.as_str()).collect();
    assert_eq!(names, ["Privusers", "anonymoususers", "stuff"]);
    let (_, g) = group(&p, "Privusers");
    assert_eq!(
        standard(g),
        (
            &Num::Lit(20),
            &secs(20),
            &Loops::Forever,
            &Some((Some(secs(60)), None))
        )
    );
    let (_, g) = group(&p, "anonymoususers");
    assert_eq!(
        standard(g),
        (&Num::Lit(100), &secs(20), &Loops::Count(Num::Lit(1)), &None)
    );
    let (_, g) = group(&p, "stuff");
    assert_eq!(
        standard(g),
        (
            &Num::Lit(50),
            &secs(40),
            &Loops::Forever,
            &Some((Some(secs(120)), None))
        )
    );
}

#[test]
fn expressions_stay_raw() {
    let p = plan("taurus/iterations-property.jmx");
    let (_, g) = group(&p, "TG");
    let (threads, _, loops, _) = standard(g);
    assert_eq!(threads, &Num::Expr("${__P(NumberOfThreads,2)}".into()));
    assert_eq!(
        loops,
        &Loops::Count(Num::Expr("${__P(LoopCount,5)}".into()))
    );

    let p = plan("taurus/zero-concurrency.jmx");
    let threads: Vec<Num<u64>> = p
        .thread_groups()
        .map(|(_, g)| standard(g).0.clone())
        .collect();
    let expected = ["2", "0", "${some_var}", "${__P(prop, 3)}"].map(|t| match t.parse() {
        Ok(n) => Num::Lit(n),
        Err(_) => Num::Expr(t.to_owned()),
    });
    assert_eq!(threads, expected);
}

#[test]
fn concurrency_thread_group_times_follow_its_unit() {
    let p = plan("taurus/converter-group-tg.jmx");
    let (_, g) = group(&p, "bzm - Concurrency Thread Group");
    let minutes = |m: u64| Some(secs(m * 60));
    assert_eq!(
        g.kind,
        GroupKind::Concurrency {
            target: Num::Lit(12),
            ramp_up: minutes(60),
            steps: Some(Num::Lit(3)),
            hold: minutes(180),
            iterations: None,
            minutes: true,
        }
    );
    let p = plan("taurus/null-iterations.jmx");
    let (_, g) = group(&p, "CTG.02");
    let GroupKind::Concurrency {
        ramp_up,
        hold,
        iterations,
        minutes,
        ..
    } = &g.kind
    else {
        panic!()
    };
    assert_eq!(
        (ramp_up, hold, iterations, minutes),
        (&Some(secs(100)), &None, &None, &false)
    );
}

#[test]
fn ultimate_rows_setup_groups_and_disabled_groups() {
    let p = plan("overrides/groups.jmx");
    let roles: Vec<(&str, GroupRole)> = p
        .thread_groups()
        .map(|(n, g)| (n.name.as_str(), g.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("setup", GroupRole::Setup),
            ("TG A", GroupRole::Main),
            ("TG B", GroupRole::Main),
            ("CTG", GroupRole::Main),
            ("UTG", GroupRole::Main)
        ]
    );
    let (_, g) = group(&p, "UTG");
    let GroupKind::Ultimate { rows, loops } = &g.kind else {
        panic!("{g:?}")
    };
    assert_eq!(loops, &Loops::Forever);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (&rows[0].threads, &rows[0].startup, &rows[0].hold),
        (&Num::Lit(5), &secs(10), &secs(60))
    );
    assert_eq!(rows[1].threads, Num::Expr("${__P(utg_users,2)}".into()));
    assert_eq!(
        (&rows[1].initial_delay, &rows[1].startup),
        (&secs(30), &Num::Lit(Duration::from_millis(500)))
    );
    let (_, g) = group(&p, "TG A");
    assert_eq!(g.on_sample_error, OnSampleError::StopTest);
    let GroupKind::Standard {
        delayed_start,
        same_user_on_next_iteration,
        scheduler,
        ..
    } = &g.kind
    else {
        panic!()
    };
    assert_eq!(
        (delayed_start, same_user_on_next_iteration, scheduler),
        (&true, &false, &None)
    );
    assert_eq!(
        p.variables,
        [Variable {
            name: "rampB".into(),
            value: "4".into()
        }]
    );
    assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    assert!(
        p.notes[0]
            .to_string()
            .contains("ResultCollector \"View Results Tree\": listener ignored")
    );
}

#[test]
fn http_bodies_arguments_and_files() {
    let p = plan("taurus/converter-json_body.jmx");
    let (tg1, _) = group(&p, "tg1");
    let samplers = tg1.http_samplers();
    let (_, r1_2) = samplers.iter().find(|(n, _)| n.name == "r1_2").unwrap();
    assert_eq!(
        r1_2.body.as_deref(),
        Some(r#"[{"a1": ${var1}}, {"a2": "${var2}"}]"#)
    );
    assert!(r1_2.arguments.is_empty());
    assert_eq!(
        (r1_2.domain.as_deref(), r1_2.path.as_deref()),
        (Some("blazedemo.com"), None)
    );
    let variables = p.walk().into_iter().find_map(|(_, n)| match &n.kind {
        Kind::Config(Config::Variables(v)) => Some(v.clone()),
        _ => None,
    });
    assert_eq!(
        variables
            .unwrap()
            .iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>(),
        ["val1", "val2"]
    );

    let p = plan("taurus/converter-disabled.jmx");
    let (first, _) = group(&p, "First Thread Group");
    let upload = first
        .http_samplers()
        .into_iter()
        .find(|(n, _)| n.name == "request with files")
        .unwrap()
        .1;
    assert_eq!(upload.method.as_deref(), Some("POST"));
    assert!(upload.multipart);
    assert_eq!(
        upload.files,
        [FileArg {
            path: "file.txt".into(),
            param: "attachment".into(),
            mime_type: "text/plain".into()
        }]
    );
}

#[test]
fn refusals_name_class_name_path_and_line() {
    let errors = refusals("taurus/jsr223.jmx");
    assert_eq!(
        errors[0].to_string(),
        "line 48: Test Plan / Thread Group / HTTP Request / JSR223PreProcessor \"JSR223 PreProcessor\": scripting elements (JSR223/BeanShell/BSF) are not supported; remove or disable it"
    );
    assert!(
        errors.iter().all(|e| e.problem == Problem::Script),
        "{errors:#?}"
    );

    let errors = refusals("taurus/threadgroups.jmx");
    assert!(
        errors
            .iter()
            .all(|e| e.problem == Problem::UnsupportedThreadGroup)
    );

    let errors = refusals("taurus/http.jmx");
    let bad = errors.iter().find(|e| e.class == "RegexExtractor").unwrap();
    assert_eq!(
        bad.problem,
        Problem::BadValue {
            prop: "RegexExtractor.match_number".into(),
            value: "match no".into(),
            expected: "a number".into()
        }
    );
    let errors = refusals("taurus/csvs.jmx");
    assert_eq!(errors[0].problem, Problem::EmbeddedResources);

    assert!(matches!(
        read("taurus/broken.jmx"),
        Err(ReadError::Xml { line: 43, .. })
    ));
    assert!(matches!(
        read("apache-jmeter/Load_JMeter_Page.jmx"),
        Err(ReadError::NoTestPlan)
    ));
}

/// Disables every refused element (as Taurus's `modifications.disable` would) and reads the rest.
fn plan_without_refusals(rel: &str) -> Plan {
    let text = load(&fixtures().join(rel), &Limits::default()).unwrap();
    let mut doc = Document::parse(&text, &Limits::default()).unwrap();
    let escape = |name: &str| {
        name.replace('[', "[[]")
            .replace('*', "[*]")
            .replace('?', "[?]")
    };
    let disable = refusals(rel).iter().map(|e| escape(&e.name)).collect();
    let warnings = apply_overrides(
        &mut doc,
        &Overrides {
            disable,
            ..Overrides::default()
        },
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    doc.to_plan().unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn first_of<'a, T>(plan: &'a Plan, name: &str, pick: impl Fn(&'a Kind) -> Option<&'a T>) -> &'a T {
    plan.walk()
        .into_iter()
        .filter(|(_, n)| n.name == name)
        .find_map(|(_, n)| pick(&n.kind))
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn jmeter_2_2_and_3_0_save_formats() {
    for rel in [
        "apache-jmeter/GenTest22.jmx",
        "apache-jmeter/GenTest27.jmx",
        "apache-jmeter/GenTest3_0.jmx",
    ] {
        let p = plan_without_refusals(rel);
        let timer = |name| {
            first_of(&p, name, |k| {
                if let Kind::Timer(t) = k {
                    Some(t)
                } else {
                    None
                }
            })
        };
        assert_eq!(
            timer("Constant Timer"),
            &Timer::Constant {
                delay: Some(Num::Lit(Duration::from_millis(300)))
            },
            "{rel}"
        );
        assert_eq!(
            timer("Gaussian Random Timer"),
            &Timer::Gaussian {
                delay: Some(Num::Lit(Duration::from_millis(300))),
                deviation: Some(Num::Lit(Duration::from_millis(100)))
            },
            "{rel}"
        );
        let Timer::ConstantThroughput { calc_mode, .. } = timer("Constant Throughput Timer") else {
            panic!()
        };
        assert_eq!(calc_mode, &Num::Lit(0), "{rel}");
        let controller = |name| {
            first_of(&p, name, |k| {
                if let Kind::Controller(c) = k {
                    Some(c)
                } else {
                    None
                }
            })
        };
        assert_eq!(
            controller("Throughput Controller"),
            &Controller::Throughput {
                style: ThroughputStyle::TotalExecutions(Some(Num::Lit(1))),
                per_thread: true
            },
            "{rel}"
        );
        assert_eq!(
            controller("Runtime Controller"),
            &Controller::RunTime {
                duration: Some(secs(1))
            },
            "{rel}"
        );
    }
}

fn kinds(plan: &Plan) -> Vec<(String, Kind)> {
    plan.walk()
        .into_iter()
        .map(|(_, n)| (n.name.clone(), n.kind.clone()))
        .collect()
}

fn find(plan: &Plan, name: &str) -> Kind {
    kinds(plan)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn extractors_keep_their_settings() {
    let p = plan("taurus/converter-extractors.jmx");
    let Kind::Extractor(Extractor::XPath {
        var,
        query,
        default,
        match_no,
        use_namespaces,
        ..
    }) = find(&p, "global_xpath_extractor")
    else {
        panic!()
    };
    assert_eq!(
        (var.as_str(), query.as_str()),
        ("bookAuthor", "/books/[@title()='1984']/author")
    );
    assert_eq!(
        (default.as_deref(), match_no, use_namespaces),
        (Some("no_author"), Some(Num::Lit(-1)), false)
    );
    let Kind::Extractor(Extractor::Boundary {
        left, right, field, ..
    }) = find(&p, "bndex2")
    else {
        panic!()
    };
    assert_eq!(
        (left.as_str(), right.as_str(), field.as_str()),
        ("Host:", "\\n", "true")
    );
    let Kind::Extractor(Extractor::Json {
        vars,
        paths,
        defaults,
        ..
    }) = find(&p, "global_native_jpe")
    else {
        panic!()
    };
    assert_eq!(
        (vars.as_str(), paths.as_str(), defaults.as_str()),
        ("VAR1;VAR2", "$.foo;$.bar", "DEF_1;DEF_2")
    );
    let Kind::Extractor(Extractor::Css {
        expr,
        attribute,
        match_no,
        ..
    }) = find(&p, "tg3h1html")
    else {
        panic!()
    };
    assert_eq!(
        (expr.as_str(), attribute.as_str(), match_no),
        ("input[name~=my_input]", "value", Some(Num::Lit(0)))
    );
    let Kind::Extractor(Extractor::JsonPlugin {
        var, path, default, ..
    }) = find(&p, "global_jpe2")
    else {
        panic!()
    };
    assert_eq!(
        (var.as_str(), path.as_str(), default.as_str()),
        ("var2", "$.jsonpath[1]", "def2")
    );
}

#[test]
fn assertions_decode_their_flags() {
    let p = plan("taurus/converter-assertions.jmx");
    let Kind::Assertion(Assertion::Response {
        field,
        rule,
        strings,
        ..
    }) = find(&p, "txt_resp_contains")
    else {
        panic!()
    };
    assert_eq!(field, "Assertion.response_headers");
    assert_eq!(
        rule,
        MatchRule {
            kind: MatchKind::Contains,
            not: false,
            or: false
        }
    );
    assert_eq!(strings, ["tg1httpreq1", "tg1httpreq12"]);
    let Kind::Assertion(Assertion::Response { rule, .. }) = find(&p, "tg1_assertion_body") else {
        panic!()
    };
    assert!(rule.not);
    let Kind::Assertion(Assertion::JsonPath {
        validate,
        expect_null,
        invert,
        ..
    }) = find(&p, "tg2_req1_jp_assertion")
    else {
        panic!()
    };
    assert_eq!((validate, expect_null, invert), (true, true, true));
    let Kind::Assertion(Assertion::XPath {
        xpath,
        negate,
        tolerant,
        ..
    }) = find(&p, "second_assertion")
    else {
        panic!()
    };
    assert_eq!(
        (xpath.as_str(), negate, tolerant),
        ("/note/from", true, true)
    );
}

#[test]
fn csv_data_sets_keep_delimiters_and_defaults() {
    let p = plan("taurus/delimiters.jmx");
    let csv: Vec<CsvDataSet> = kinds(&p)
        .into_iter()
        .filter_map(|(_, k)| match k {
            Kind::Config(Config::Csv(c)) => Some(c),
            _ => None,
        })
        .collect();
    let delimiters: Vec<&str> = csv.iter().map(|c| c.delimiter.as_str()).collect();
    assert_eq!(delimiters, ["1", "2", ","]);
    assert!(
        csv.iter().all(|c| c.filename == "name_of_csv_file"
            && c.recycle
            && c.share_mode == ShareMode::All)
    );
}
