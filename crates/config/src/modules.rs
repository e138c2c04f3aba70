//! Settings of Taurus's `jmeter` module: Stampede runs requests scenarios natively, so only
//! `properties` (read by `${__P(...)}`) means something here. Every other setting the user wrote
//! is reported as ignored, so that nothing that could change a JMeter run is dropped silently.

use serde_json::{Map, Value};

/// Settings that only install or launch JMeter: without a JVM they change nothing measured.
const TOOL_ONLY: &[&str] = &[
    "path",
    "download-link",
    "version",
    "plugins",
    "detect-plugins",
    "fix-jars",
    "memory-xmx",
    "gui",
    "class",
    "install-plugins",
    "plugins-manager",
    "command-runner",
    "mirrors",
    "jmeter-log",
];

/// Warns about the user's `modules.jmeter` settings (from their files, `merged`) that have no effect.
pub fn lint(merged: &Map<String, Value>, warnings: &mut Vec<String>) {
    let Some(Value::Object(jmeter)) = merged.get("modules").and_then(|m| m.get("jmeter")) else {
        return;
    };
    for (key, value) in jmeter {
        let key = key.trim_start_matches(['~', '$', '^']);
        match key {
            "properties" => engine_properties(value, warnings),
            k if TOOL_ONLY.contains(&k) => {}
            k => warnings.push(format!(
                "modules.jmeter.{k} is a JMeter setting that Stampede's native HTTP engine does not use; it was ignored"
            )),
        }
    }
}

/// Properties are there for `${__P(name)}`; dotted names are JMeter's own engine and
/// HttpClient settings (`httpclient4.retrycount`, `https.default.protocol`), which do nothing here.
fn engine_properties(value: &Value, warnings: &mut Vec<String>) {
    let Value::Object(props) = value else {
        return;
    };
    let engine: Vec<&str> = props
        .keys()
        .map(String::as_str)
        .filter(|k| k.contains('.'))
        .collect();
    if !engine.is_empty() {
        warnings.push(format!(
            "modules.jmeter.properties: {} look like JMeter engine properties; they are readable with ${{__P(...)}} but do not configure Stampede's HTTP engine",
            engine.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(modules: Value) -> Vec<String> {
        let Value::Object(merged) = json!({ "modules": modules }) else {
            unreachable!()
        };
        let mut w = Vec::new();
        lint(&merged, &mut w);
        w
    }

    #[test]
    fn ignored_settings_are_named_and_tool_settings_are_quiet() {
        let w = run(json!({"jmeter": {
            "path": "~/.bzt/jmeter", "version": "5.5", "memory-xmx": "4G",
            "properties": {"host": "x", "httpclient4.retrycount": 3},
            "system-properties": {"sun.net.http.allowRestrictedHeaders": "true"},
            "xml-jtl-flags": {"responseData": true},
        }}));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].contains("httpclient4.retrycount") && !w[0].contains("host"),
            "{w:?}"
        );
        assert!(
            w[1].starts_with("modules.jmeter.system-properties is a JMeter setting"),
            "{w:?}"
        );
        assert!(w[2].starts_with("modules.jmeter.xml-jtl-flags"), "{w:?}");
        assert!(run(json!({"jmeter": {"properties": {"users": 5}}})).is_empty());
        assert!(run(json!({"local": {"sequential": true}})).is_empty());
    }
}
