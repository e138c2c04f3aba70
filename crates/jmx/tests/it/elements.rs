//! Facts of single elements in real plans, checked against their XML by hand.

use std::time::Duration;

use stampede_jmx::*;

use crate::fixtures::{fixtures, group, plan, read, refusals, secs};

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
