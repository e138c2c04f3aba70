//! Compile errors: a table of bad scenarios, each with the exact kind of problem, the key path where
//! it is, and the message the user reads (file, scenario, item, problem, fix).

use serde_json::{Value, json};
use stampede_scenario::{
    CompileContext, CompiledScenario, Lang, Problem, ScenarioError, TemplateProblem,
};
use std::path::Path;

fn compile_err(scenario: Value) -> ScenarioError {
    let config = json!({"scenarios": {
        "s": scenario.clone(),
        "b": {"requests": [{"url": "http://h/", "timeout": "soon"}]},
    }});
    let ctx = CompileContext {
        file: Some(Path::new("tests/t.yml")),
        base_dir: Path::new("."),
        search_path: &[],
        config: &config,
        source: 0,
    };
    match CompiledScenario::compile("s", &scenario, &ctx) {
        Ok(_) => panic!("{scenario} compiled"),
        Err(e) => e,
    }
}

type Check = fn(&Problem) -> bool;

#[test]
fn bad_scenarios_name_the_file_the_key_path_the_problem_and_the_fix() {
    let ok = "http://h/";
    let table: Vec<(Value, Check, &str, &str)> = vec![
        (
            json!({"requests": [ok, ok, ok, {"url": "http://h/x", "extract-jsonpath": {"token": "$["}}]}),
            |p| matches!(p, Problem::Expression { lang: Lang::JsonPath, expr, .. } if expr == "$["),
            "requests[3].extract-jsonpath.token",
            "requests[3] (http://h/x): extract-jsonpath \"token\": bad JSONPath \"$[\"",
        ),
        (
            json!({"requests": [ok, ok, {"if": "${a} === ", "then": [ok]}]}),
            |p| matches!(p, Problem::JsCondition { text, .. } if text == "${a} === "),
            "requests[2].if",
            "requests[2]: if: condition \"${a} === \": syntax error",
        ),
        (
            json!({"requests": [{"if": "true", "then": ["http://h/${__javaScript(JSON.stringify(1))}"]}]}),
            |p| {
                matches!(p, Problem::Template(t)
                    if matches!(&t.problem, TemplateProblem::JavaScript { message } if message.contains("`JSON` is not supported")))
            },
            "requests[0].then[0].url",
            "requests[0].then[0] (http://h/${__javaScript(JSON.stringify(1))}): url: __javaScript `JSON.stringify(1)`: `JSON` is not supported at column 1",
        ),
        (
            json!({"requests": [{"loop": "often", "do": [ok]}]}),
            |p| {
                matches!(
                    p,
                    Problem::WrongType {
                        expected: "a count or `forever`",
                        ..
                    }
                )
            },
            "requests[0].loop",
            "requests[0]: loop: the count must be a count or `forever`, found \"often\"",
        ),
        (
            json!({"requests": [{"url": ok, "headers": {"X-Trace": "a\nb"}}]}),
            |p| matches!(p, Problem::HeaderValue { name, .. } if name == "X-Trace"),
            "requests[0].headers.X-Trace",
            "requests[0] (http://h/): headers.X-Trace: invalid value \"a\\nb\" for header X-Trace; header values",
        ),
        (
            json!({"requests": [{"url": ok, "think-time": "3 parsecs"}]}),
            |p| matches!(p, Problem::Invalid { what, .. } if what == "time"),
            "requests[0].think-time",
            "requests[0] (http://h/): think-time: time \"3 parsecs\" is not a time",
        ),
        (
            json!({"data-sources": ["missing.csv"], "requests": [ok]}),
            |p| matches!(p, Problem::NotFound { tried, .. } if tried.len() == 1 && tried[0].ends_with("missing.csv")),
            "data-sources[0]",
            "data-sources[0]: data-sources \"missing.csv\" not found; tried ./missing.csv; relative paths are looked up in the working directory, then",
        ),
        (
            json!({"requests": [{"action": "explode"}]}),
            |p| matches!(p, Problem::Invalid { value, .. } if value == "explode"),
            "requests[0].action",
            "requests[0]: action: \"explode\" is not an action; use pause, stop, stop-now or continue",
        ),
        (
            json!({"requests": [{"include-scenario": "nope"}]}),
            |p| matches!(p, Problem::UnknownScenario { name } if name == "nope"),
            "requests[0].include-scenario",
            "requests[0]: include-scenario: no scenario \"nope\" in `scenarios`; define it",
        ),
        (
            json!({"default-address": "ftp://h.example", "requests": ["/x"]}),
            |p| matches!(p, Problem::Invalid { value, .. } if value == "ftp://h.example"),
            "default-address",
            "default-address: \"ftp://h.example\" uses the scheme \"ftp\"; only http and https are supported; write an http:// or https:// address",
        ),
        (
            json!({"requests": [{"set-variables": {"a": "1"}}]}),
            |p| matches!(p, Problem::NoRequests),
            "",
            "scenario \"s\": has no requests, so there is nothing to measure; add at least one request",
        ),
        (
            json!({"requests": [{"url": ok, "assert": [ok, "a("]}]}),
            |p| matches!(p, Problem::Expression { lang: Lang::Regex, expr, .. } if expr == "a("),
            "requests[0].assert[1]",
            "requests[0] (http://h/): assert[1]: bad regular expression \"a(\"",
        ),
        (
            json!({"requests": [{"url": ok, "jsr223": [{"script-text": "x"}]}]}),
            |p| matches!(p, Problem::Unsupported { what, .. } if what.contains("jsr223")),
            "requests[0].jsr223",
            "requests[0] (http://h/): jsr223: jsr223 pre/post-processors is not supported; they run Groovy",
        ),
        (
            json!({"timeout": "${t}", "requests": [ok]}),
            |p| matches!(p, Problem::RuntimeVariables { text, .. } if text == "${t}"),
            "timeout",
            "timeout: \"${t}\" uses runtime variables; only ${__P(...)} properties",
        ),
        (
            json!({"requests": [{"url": "/relative"}]}),
            |p| matches!(p, Problem::NoScheme { url } if url == "/relative"),
            "requests[0].url",
            "requests[0] (/relative): url: URL \"/relative\" has no scheme and host; write the full URL",
        ),
    ];
    for (scenario, check, path, text) in table {
        let e = compile_err(scenario.clone());
        let shown = e.to_string();
        assert!(check(&e.problem), "{scenario}: {:?}", e.problem);
        assert_eq!(e.at.path(), path, "{scenario}: {shown}");
        assert_eq!(e.scenario, "s");
        assert!(
            shown.starts_with("tests/t.yml: scenario \"s\": "),
            "{shown}"
        );
        assert!(shown.contains(text), "{scenario}:\n{shown}\nlacks\n{text}");
        if let Some(fix) = e.fix() {
            assert!(shown.ends_with(&format!("; {fix}")), "{shown}");
        }
    }
}

/// A problem inside an included scenario says where it was included, then where it is.
#[test]
fn errors_in_included_scenarios_name_the_include_chain() {
    let e = compile_err(json!({"requests": ["http://h/", {"include-scenario": "b"}]}));
    assert_eq!(e.via.len(), 1);
    assert_eq!(e.via[0].scenario, "b");
    assert_eq!(e.via[0].at.path(), "requests[1]");
    assert_eq!(e.innermost_scenario(), "b");
    assert_eq!(e.at.path(), "requests[0].timeout");
    assert!(matches!(&e.problem, Problem::Invalid { value, .. } if value == "soon"));
    assert!(
        e.to_string().starts_with(
            "tests/t.yml: scenario \"s\": requests[1]: in included scenario \"b\": \
             requests[0] (http://h/): timeout: time \"soon\" is not a time"
        ),
        "{e}"
    );
}

/// Without a file in the context, the message starts at the scenario.
#[test]
fn without_a_file_the_message_starts_at_the_scenario() {
    let config = json!({});
    let ctx = CompileContext {
        file: None,
        base_dir: Path::new("."),
        search_path: &[],
        config: &config,
        source: 0,
    };
    let e = CompiledScenario::compile("s", &json!({"requests": ["/x"]}), &ctx).unwrap_err();
    assert!(e.file.is_none());
    assert!(
        e.to_string()
            .starts_with("scenario \"s\": requests[0] (/x): url: "),
        "{e}"
    );
}
