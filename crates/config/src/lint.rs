//! Key checks in the spirit of Taurus's linter (`cli.linter`): a key that is not known but within a
//! small edit distance of a known one is a typo. Taurus only warns and runs without the key; a typo such
//! as `hold-fr` silently changes what is measured, so Stampede makes typos at the top level, in
//! `settings` and in `execution` items an error, and only warns for scenario keys (whose set differs
//! per executor). Keys far from every known name are kept and reported as ignored.

use serde_json::{Map, Value};

use super::error::Typo;

#[rustfmt::skip]
pub const TOP: &[&str] = &[
    "execution", "scenarios", "reporting", "services", "modules", "settings", "provisioning",
    "included-configs", "version", "cli", "cli-aliases", "locations",
];
#[rustfmt::skip]
pub const EXECUTION: &[&str] = &[
    "executor", "scenario", "concurrency", "ramp-up", "hold-for", "iterations", "throughput",
    "steps", "delay", "start-at", "env", "files", "criteria", "locations", "locations-weighted",
    "write-xml-jtl", "distributed", "data-file", "errors-file", "properties", "system-properties",
    "runner", "provisioning", "taskCount", "blazegrid", "csv-jtl-flags", "jmeter-version",
    "results-timeout", "wait-for-file",
];
#[rustfmt::skip]
pub const SETTINGS: &[&str] = &[
    "artifacts-dir", "check-interval", "aggregator", "default-executor", "env", "ramp-up-exclude",
    "verbose", "check-updates", "proxy", "tab-replacement-spaces", "log-level", "dump-effective",
];
#[rustfmt::skip]
pub const SCENARIO: &[&str] = &[
    "requests", "script", "default-address", "headers", "keepalive", "timeout", "think-time",
    "variables", "store-cookie", "cookies", "store-cache", "follow-redirects", "retrieve-resources",
    "retrieve-resources-regex", "concurrent-pool-size", "use-dns-cache-mgr", "content-encoding",
    "force-parent-sample", "data-sources", "properties", "system-properties", "authorization",
    "keystore-config", "protocol", "jsr223", "modifications", "disable-listeners", "criteria",
    "random-source-ip", "browser", "action-delay", "capabilities", "additional-classpath", "files",
    "iterations", "hold-for", "ramp-up", "concurrency", "env", "data-file", "errors-file",
];

/// Request and logic-block keys (`docs/taurus-config.md#request-keys`, `docs/taurus-config.md#logic-blocks`). Checked for near misses only: executors add their
/// own request keys, so a far unknown key is not worth a warning here.
#[rustfmt::skip]
pub const REQUEST: &[&str] = &[
    "url", "label", "method", "headers", "body", "body-file", "upload-files", "think-time",
    "timeout", "keepalive", "follow-redirects", "content-encoding", "random-source-ip", "assert",
    "assert-jsonpath", "assert-xpath", "extract-regexp", "extract-jsonpath", "extract-css-jquery",
    "extract-xpath", "extract-boundary", "jsr223", "if", "then", "else", "once", "loop", "do",
    "while", "foreach", "transaction", "force-parent-sample", "include-timers", "include-scenario",
    "action", "target", "pause-duration", "set-variables", "setup", "teardown", "actions",
    "assert-dialog", "assume-success",
];

/// Near-miss keys in requests and nested blocks, as warnings.
fn lint_requests(path: &str, requests: &[Value], warnings: &mut Vec<String>) {
    for (i, request) in requests.iter().enumerate() {
        let Value::Object(map) = request else {
            continue;
        };
        let at = format!("{path}.{i}");
        for key in map.keys().filter(|k| !REQUEST.contains(&k.as_str())) {
            if let Some(suggestion) = closest(key, REQUEST) {
                let typo = Typo {
                    path: format!("{at}.{key}"),
                    key: key.clone(),
                    suggestion: suggestion.to_string(),
                };
                warnings.push(typo.to_string());
            }
        }
        for nested in ["then", "else", "do", "once", "setup", "teardown"] {
            if let Some(Value::Array(items)) = map.get(nested) {
                lint_requests(&format!("{at}.{nested}"), items, warnings);
            }
        }
    }
}

/// Checks one mapping's keys; pushes typos and warnings.
pub fn check_keys(
    path: &str,
    map: &Map<String, Value>,
    known: &[&'static str],
    typos: &mut Vec<Typo>,
    warnings: &mut Vec<String>,
    typo_is_error: bool,
) {
    for key in map.keys() {
        if known.contains(&key.as_str()) {
            continue;
        }
        let at = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match closest(key, known) {
            Some(suggestion) => {
                let typo = Typo {
                    path: at,
                    key: key.clone(),
                    suggestion: suggestion.to_string(),
                };
                if typo_is_error {
                    typos.push(typo);
                } else {
                    warnings.push(typo.to_string());
                }
            }
            None => warnings.push(format!("at path '{at}': unknown key '{key}' is ignored")),
        }
    }
}

/// Edit distance (adjacent transpositions count once) at most 3 and at most a third of the known
/// name, so short unknown keys are
/// not mistaken for typos of unrelated short names.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::osa_distance(key, k), *k))
        .filter(|(d, k)| *d <= 3 && *d * 3 <= k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Lints the unified config (execution is a list by now).
pub fn lint(config: &Map<String, Value>, typos: &mut Vec<Typo>, warnings: &mut Vec<String>) {
    check_keys("", config, TOP, typos, warnings, true);
    if let Some(Value::Object(settings)) = config.get("settings") {
        check_keys("settings", settings, SETTINGS, typos, warnings, true);
    }
    if let Some(Value::Array(items)) = config.get("execution") {
        for (i, item) in items.iter().enumerate() {
            let Value::Object(map) = item else { continue };
            let at = format!("execution.{i}");
            check_keys(&at, map, EXECUTION, typos, warnings, true);
            if let Some(Value::Object(inline)) = map.get("scenario") {
                lint_scenario(&format!("{at}.scenario"), inline, typos, warnings);
            }
        }
    }
    if let Some(Value::Object(scenarios)) = config.get("scenarios") {
        for (name, scenario) in scenarios {
            if let Value::Object(map) = scenario {
                lint_scenario(&format!("scenarios.{name}"), map, typos, warnings);
            }
        }
    }
}

fn lint_scenario(
    at: &str,
    map: &Map<String, Value>,
    typos: &mut Vec<Typo>,
    warnings: &mut Vec<String>,
) {
    check_keys(at, map, SCENARIO, typos, warnings, false);
    if let Some(Value::Array(requests)) = map.get("requests") {
        lint_requests(&format!("{at}.requests"), requests, warnings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(v: Value) -> (Vec<Typo>, Vec<String>) {
        let Value::Object(map) = v else { panic!() };
        let (mut t, mut w) = (Vec::new(), Vec::new());
        lint(&map, &mut t, &mut w);
        (t, w)
    }

    #[test]
    fn taurus_typo_messages() {
        let (typos, _) = run(json!({
            "execution": [{"concurency": 2, "ramp-up": "2s", "hold-fr": "3s", "scenario": "s1"}],
            "reportng": [],
        }));
        let msgs: Vec<String> = typos.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            [
                "at path 'reportng': unfamiliar name 'reportng'. Did you mean 'reporting'?",
                "at path 'execution.0.concurency': unfamiliar name 'concurency'. Did you mean 'concurrency'?",
                "at path 'execution.0.hold-fr': unfamiliar name 'hold-fr'. Did you mean 'hold-for'?",
            ]
        );
    }

    #[test]
    fn far_unknown_keys_are_warnings() {
        let (typos, warnings) = run(json!({
            "execution": [{"scenario": "s1", "bogus-exec-key": 1}],
            "scenarios": {"s1": {"bogus-scenario-key": "x", "requests": [], "think-tme": "1s"}},
            "totally-unknown-top-level": 42,
            "foo": 1,
        }));
        assert!(typos.is_empty(), "{typos:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("'execution.0.bogus-exec-key'")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("Did you mean 'think-time'")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains("unknown key 'foo'")),
            "{warnings:?}"
        );
    }

    #[test]
    fn request_typos_are_warnings_down_nested_blocks() {
        let (typos, warnings) = run(json!({
            "scenarios": {"s": {"requests": [
                {"url": "/", "lable": "x", "bogus-request-key": 1},
                {"transaction": "t", "do": [{"url": "/", "methd": "POST"}]},
                "http://plain/",
            ]}},
        }));
        assert!(typos.is_empty(), "{typos:?}");
        assert_eq!(
            warnings,
            [
                "at path 'scenarios.s.requests.0.lable': unfamiliar name 'lable'. Did you mean 'label'?",
                "at path 'scenarios.s.requests.1.do.0.methd': unfamiliar name 'methd'. Did you mean 'method'?",
            ]
        );
    }
}
