//! The built `stampede` binary: `validate`, error exits with Taurus's messages, `--help`, and the same
//! binary invoked as `bzt` with DLT's exact command line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stampede");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/config/taurus-generated")
}

fn run(bin: &Path, args: &[&str], cwd: &Path) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A symlink named `bzt` to the binary, as an image would install it. (A copy would be racy: a
/// child forked by a parallel test can inherit the copy's write handle, and exec fails with ETXTBSY.)
fn bzt(dir: &Path) -> PathBuf {
    let path = dir.join("bzt");
    std::os::unix::fs::symlink(BIN, &path).unwrap();
    path
}

#[test]
fn validate_prints_summary_and_effective_config() {
    let tmp = tempfile::tempdir().unwrap();
    let dlt = fixtures().join("dlt.json");
    let out = run(
        BIN.as_ref(),
        &[
            "validate",
            dlt.to_str().unwrap(),
            "-o",
            "modules.console.disable=true",
            "--effective",
        ],
        tmp.path(),
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Config is valid: 1 execution(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "execution.0: executor jmeter, scenario 's1', concurrency 2, ramp-up 1s, hold-for 5s"
        ),
        "{stderr}"
    );
    // DLT's config never names an executor: no emulation note.
    assert!(!stderr.contains("WARNING: executor 'jmeter'"), "{stderr}");
    assert!(stdout.contains("modules:\n  consolidator:"), "{stdout}");
    assert!(stdout.contains("    disable: true"), "{stdout}");
    assert!(
        stdout.contains("dump-xml: /tmp/artifacts/results.xml"),
        "{stdout}"
    );
    // Nothing is created by validate.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn validate_errors_exit_1_with_taurus_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "no-execution.yml",
            "Config Error: No 'execution' is configured. Did you forget to pass config files?",
        ),
        (
            "missing-scenario.yml",
            "Config Error: Scenario 'does-not-exist' not found in scenarios: [s1]",
        ),
        (
            "unknown-executor.yml",
            "Config Error: Module 'no-such-tool' not found in list of available aliases",
        ),
        (
            "invalid-yaml.yml",
            "Config Error: Error when reading config file",
        ),
        ("typo-keys.yml", "Did you mean 'hold-for'?"),
    ];
    for (file, want) in cases {
        let path = fixtures().join("errors").join(file);
        let out = run(
            BIN.as_ref(),
            &["validate", path.to_str().unwrap()],
            tmp.path(),
        );
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert!(stderr.contains(want), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
    }
}

/// A malformed expression in a request is caught by `validate` (and before any load by `run`), with
/// the config file, the scenario, the request and the problem named.
#[test]
fn validate_names_file_scenario_and_request_of_a_bad_expression() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.yml");
    std::fs::write(
        &path,
        "execution:\n- iterations: 1\n  scenario: s\nscenarios:\n  s:\n    requests:\n    \
         - url: http://127.0.0.1:9/\n      extract-jsonpath:\n        tok: $..[bad\n",
    )
    .unwrap();
    for sub in ["validate", "run"] {
        let out = run(BIN.as_ref(), &[sub, path.to_str().unwrap()], tmp.path());
        let (_, stderr) = text(&out);
        let (stdout, _) = text(&out);
        let all = format!("{stdout}{stderr}");
        assert_eq!(out.status.code(), Some(1), "{sub}: {all}");
        let want = format!(
            "{}: scenario \"s\": requests[0] (http://127.0.0.1:9/): extract-jsonpath \"tok\": bad JSONPath",
            path.display()
        );
        assert!(all.contains(&want), "{sub}: {all}");
    }
}

#[test]
fn run_config_error_exits_1_like_taurus() {
    let tmp = tempfile::tempdir().unwrap();
    let path = fixtures().join("errors/no-execution.yml");
    let out = run(BIN.as_ref(), &["run", path.to_str().unwrap()], tmp.path());
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let tail: Vec<&str> = lines.iter().rev().take(3).rev().map(|l| &l[9..]).collect();
    assert_eq!(
        tail,
        [
            "ERROR: Config Error: No 'execution' is configured. Did you forget to pass config files?",
            "INFO: Artifacts dir: None",
            "WARNING: Done performing with code: 1",
        ],
        "{stdout}"
    );
}

#[test]
fn usage_errors_and_help() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(BIN.as_ref(), &["run"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("CONFIG"), "{}", text(&out).1);
    for sub in ["run", "validate", "ecs"] {
        let out = run(BIN.as_ref(), &[sub, "--help"], tmp.path());
        assert_eq!(out.status.code(), Some(0));
        let (stdout, _) = text(&out);
        assert!(stdout.contains("Example"), "{sub}: {stdout}");
        assert!(
            stdout.contains(&format!("stampede {sub}")),
            "{sub}: {stdout}"
        );
    }
    let out = run(BIN.as_ref(), &["--help"], tmp.path());
    assert!(
        text(&out)
            .0
            .contains("bzt test.json -o modules.console.disable=true")
    );
}

#[test]
fn as_bzt_config_errors_and_aliases() {
    let tmp = tempfile::tempdir().unwrap();
    let bzt = bzt(tmp.path());
    let missing = fixtures().join("errors/missing-scenario.yml");
    let out = run(
        &bzt,
        &[
            missing.to_str().unwrap(),
            "-o",
            "modules.console.disable=true",
        ],
        tmp.path(),
    );
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "ERROR: Config Error: Scenario 'does-not-exist' not found in scenarios: [s1]"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("WARNING: Done performing with code: 1"),
        "{stdout}"
    );

    let basic = fixtures().join("basic.yml");
    let out = run(&bzt, &["-lint", basic.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).1.contains("Config is valid"), "{:?}", text(&out));

    let out = run(&bzt, &["-cloud", basic.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .1
            .contains("not supported yet: the bzt alias -cloud"),
        "{:?}",
        text(&out)
    );

    let out = run(
        &bzt,
        &["-q", "-v", "-n", "-l", "x.log", "test.jmx"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .0
            .contains("Config Error: execution.0: test.jmx: file not found"),
        "{:?}",
        text(&out)
    );

    // `bzt results.jtl`: bzt's shorthand for an external-results-loader execution.
    let out = run(&bzt, &["-lint", "kpi.jtl"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(
        text(&out)
            .1
            .contains("Config Error: execution.0.data-file: file 'kpi.jtl' not found"),
        "{:?}",
        text(&out)
    );
    std::fs::write(tmp.path().join("kpi.jtl"), "timeStamp,elapsed\n").unwrap();
    let out = run(&bzt, &["-lint", "kpi.jtl"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        text(&out)
            .1
            .contains("execution.0: executor external-results-loader"),
        "{:?}",
        text(&out)
    );
}

#[test]
fn as_bzt_config_defined_aliases() {
    let tmp = tempfile::tempdir().unwrap();
    let bzt = bzt(tmp.path());
    let cfg = tmp.path().join("t.yml");
    std::fs::write(
        &cfg,
        "cli-aliases:\n  heavy:\n    execution:\n    - concurrency: 40\n      hold-for: 1m\n      scenario: s\n\
         scenarios:\n  s:\n    requests: [http://127.0.0.1:9/]\n",
    )
    .unwrap();
    let out = run(
        &bzt,
        &["-lint", "-heavy", cfg.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        text(&out)
            .1
            .contains("concurrency 40, ramp-up 0s, hold-for 60s"),
        "{:?}",
        text(&out)
    );
    let out = run(
        &bzt,
        &["-lint", "-light", cfg.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("Config Error: Unknown CLI alias: -light. Define it under 'cli-aliases:' in a config (defined: [heavy])"), "{:?}", text(&out));

    // Like bzt, ~/.bzt-rc is loaded first (here it provides the scenario), unless -n.
    std::fs::write(
        tmp.path().join(".bzt-rc"),
        "scenarios:\n  s:\n    requests: [http://127.0.0.1:9/]\n",
    )
    .unwrap();
    std::fs::write(&cfg, "execution:\n- scenario: s\n").unwrap();
    let with_home = |args: &[&str]| {
        Command::new(&bzt)
            .args(args)
            .current_dir(tmp.path())
            .env("HOME", tmp.path())
            .output()
            .unwrap()
    };
    let out = with_home(&["-lint", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = with_home(&["-lint", "-n", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(
        text(&out).1.contains("Scenario 's' not found"),
        "{:?}",
        text(&out)
    );
}

#[test]
fn as_bzt_report_alias_warns_and_points_at_the_local_report() {
    // Scripts pass `-report` (BlazeMeter online reports); the test still runs and exits 0.
    let server = testkit::TestServer::start_background();
    let tmp = tempfile::tempdir().unwrap();
    let bzt = bzt(tmp.path());
    let cfg = tmp.path().join("t.yml");
    std::fs::write(
        &cfg,
        format!(
            "execution:\n- iterations: 2\n  concurrency: 1\n  scenario: s\nscenarios:\n  s:\n    requests: ['{}']\nsettings:\n  artifacts-dir: {}/art\n",
            server.url("/"),
            tmp.path().display()
        ),
    )
    .unwrap();
    let out = run(&bzt, &["-report", cfg.to_str().unwrap()], tmp.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(server.requests(), 2);
    let html = tmp.path().join("art/report.html");
    assert!(html.is_file());
    assert!(
        stdout.contains(&format!(
            "WARNING: Reporting module 'blazemeter' is not supported by Stampede and was ignored; no online report was sent to BlazeMeter: the local HTML report is {}",
            html.display()
        )),
        "{stdout}"
    );
}

#[test]
fn env_function_sees_settings_env_at_compile_time() {
    // `${__env(X)}` is resolved when the scenario compiles, so settings.env must be exported first.
    let server = testkit::TestServer::start_background();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.yml");
    std::fs::write(
        &cfg,
        format!(
            "settings:\n  env:\n    STAMPEDE_TEST_CODE: '202'\n  artifacts-dir: {}/art\n\
             execution:\n- iterations: 1\n  concurrency: 1\n  scenario: s\n\
             scenarios:\n  s:\n    requests: ['{}/status/${{__env(STAMPEDE_TEST_CODE)}}']\n\
             reporting:\n- module: final-stats\n  dump-xml: {}/r.xml\n",
            tmp.path().display(),
            server.url(""),
            tmp.path().display()
        ),
    )
    .unwrap();
    let out = run(BIN.as_ref(), &["run", cfg.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let xml = std::fs::read_to_string(tmp.path().join("r.xml")).unwrap();
    assert!(xml.contains("param=\"202\""), "{xml}");
}
