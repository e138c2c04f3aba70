//! Every real plan in `fixtures/jmx` is read; each one reads to the listed shape or is refused with
//! the listed elements. Facts checked against the XML by hand follow the table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_jmx::*;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jmx")
}

pub fn read(rel: &str) -> Result<Plan, ReadError> {
    read_file(&fixtures().join(rel), &Limits::default())
}

pub fn plan(rel: &str) -> Plan {
    read(rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn refusals(rel: &str) -> Vec<ElementError> {
    match read(rel) {
        Err(ReadError::Invalid(errors)) => errors,
        other => panic!("{rel}: expected refusals, got {other:?}"),
    }
}

pub fn group<'a>(plan: &'a Plan, name: &str) -> (&'a Node, &'a ThreadGroup) {
    plan.thread_groups()
        .find(|(n, _)| n.name == name)
        .unwrap_or_else(|| panic!("no thread group {name}"))
}

pub fn secs(s: u64) -> Time {
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
    ("apache-jmeter/Bug50898_inc.jmx", Refused(1, &[("JavaSampler", "Java Request")])),
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
    ("stampede/controllers-include.jmx", Read { groups: 0, samplers: 0 }),
    ("stampede/controllers.jmx", Read { groups: 2, samplers: 41 }),
    ("stampede/csv-modes.jmx", Read { groups: 4, samplers: 4 }),
    ("stampede/csv.jmx", Read { groups: 2, samplers: 2 }),
    ("stampede/uploads.jmx", Read { groups: 1, samplers: 6 }),
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
