//! Taurus's JMeter executor settings (`execution: [{executor: jmeter, scenario: {script: x.jmx}}]`)
//! as [`Options`]: the load settings and `modifications` rewrite the plan as Taurus does, the
//! `properties` answer `${__P()}`, `variables` and `headers` join the Test Plan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use stampede_config::LoadSpec;
use stampede_jmx::{Num, Overrides};

use crate::Options;

/// The settings of one Taurus execution whose scenario is a `.jmx` script.
#[derive(Debug, Clone, Copy)]
pub struct Execution<'a> {
    /// The execution item as written (which load keys were given).
    pub raw: &'a Value,
    /// Its load as the config validated it.
    pub load: &'a LoadSpec,
    /// The scenario mapping (`script`, `properties`, `variables`, `headers`, `modifications`).
    pub scenario: &'a Value,
    /// The whole effective config (`modules.jmeter.properties`).
    pub config: &'a Value,
}

/// The `script` of a scenario mapping, when it names a `.jmx` file.
pub fn jmx_script(scenario: &Value) -> Option<&str> {
    scenario
        .get("script")
        .and_then(Value::as_str)
        .filter(|s| s.to_ascii_lowercase().ends_with(".jmx"))
}

/// Finds a script as Taurus does: as written (absolute or from the working directory), then in each
/// directory of `search_path`.
pub fn find_script(script: &str, search_path: &[PathBuf]) -> Option<PathBuf> {
    let p = Path::new(script);
    if p.is_file() {
        return Some(p.to_path_buf());
    }
    search_path.iter().map(|d| d.join(p)).find(|c| c.is_file())
}

/// The options for lowering the execution's plan (found at `script`). `Err` names the bad key.
pub fn options(exec: Execution<'_>, script: &Path, first_source: u16) -> Result<Options, String> {
    let given = |key: &str| exec.raw.get(key).is_some_and(|v| !v.is_null());
    let mods = exec.scenario.get("modifications");
    let overrides = Overrides {
        concurrency: given("concurrency").then(|| Num::Lit(u64::from(exec.load.concurrency))),
        ramp_up: exec.load.ramp_up.filter(|_| given("ramp-up")),
        hold_for: exec.load.hold_for.filter(|_| given("hold-for")),
        iterations: exec.load.iterations.filter(|_| given("iterations")),
        // The engine shapes throughput itself (see `Options::throughput`).
        throughput: None,
        steps: exec.load.steps.filter(|_| given("steps")).map(u64::from),
        disable: patterns(mods.and_then(|m| m.get("disable")), "disable")?,
        enable: patterns(mods.and_then(|m| m.get("enable")), "enable")?,
        set_prop: set_prop(mods.and_then(|m| m.get("set-prop")))?,
        // Taurus installs the Concurrency Thread Group plugin with JMeter.
        concurrency_thread_group_available: true,
    };
    let mut properties = HashMap::new();
    let global = exec.config.pointer("/modules/jmeter/properties");
    for map in [global, exec.scenario.get("properties")]
        .into_iter()
        .flatten()
    {
        for (k, v) in map.as_object().into_iter().flatten() {
            if let Some(s) = scalar(v) {
                properties.insert(k.clone(), s);
            }
        }
    }
    Ok(Options {
        base_dir: script.parent().map(Path::to_path_buf).unwrap_or_default(),
        properties,
        overrides,
        throughput: exec.load.throughput.filter(|_| given("throughput")),
        variables: pairs(exec.scenario.get("variables"), "variables")?,
        headers: pairs(exec.scenario.get("headers"), "headers")?,
        first_source,
    })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn patterns(v: Option<&Value>, key: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                scalar(i)
                    .ok_or_else(|| format!("modifications.{key}: every item is an element name"))
            })
            .collect(),
        Some(_) => Err(format!(
            "modifications.{key}: expected an element name or a list of them"
        )),
    }
}

fn set_prop(v: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                scalar(v)
                    .map(|s| (k.clone(), s))
                    .ok_or_else(|| format!("modifications.set-prop.{k}: expected a scalar value"))
            })
            .collect(),
        Some(_) => {
            Err("modifications.set-prop: expected a mapping of \"Element>prop\" to values".into())
        }
    }
}

fn pairs(v: Option<&Value>, key: &str) -> Result<Vec<(String, String)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                scalar(v)
                    .map(|s| (k.clone(), s))
                    .ok_or_else(|| format!("scenario.{key}.{k}: expected a scalar value"))
            })
            .collect(),
        Some(_) => Err(format!("scenario.{key}: expected a mapping")),
    }
}
