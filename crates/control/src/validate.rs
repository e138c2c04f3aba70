//! `POST /api/scenarios` body validation with DLT's limits (`schemas.ts`, v4). Every bad field is
//! reported, each by its path (`testScenario.execution[0].hold-for`), never just the first one.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::TaskConfig;

/// One problem with one field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A create-and-run body, validated. `scenario` is always a JSON object (a YAML string is parsed).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateRequest {
    pub test_id: Option<String>,
    pub test_name: String,
    pub test_description: String,
    pub test_type: String,
    pub file_type: Option<String>,
    pub task_configs: Vec<TaskConfig>,
    pub scenario: Value,
    /// Client fields the hub keeps but does not interpret.
    pub extra: Map<String, Value>,
}

/// Fields the server owns: a client cannot set them through the body.
const SERVER_FIELDS: [&str; 9] = [
    "status",
    "startTime",
    "endTime",
    "testRunId",
    "errorReason",
    "history",
    "results",
    "totalTestRuns",
    "completeTasks",
];

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Taurus request-list entries that are logic blocks, not requests, and so carry no `url`.
const LOGIC_BLOCKS: [&str; 10] = [
    "include-scenario",
    "transaction",
    "if",
    "loop",
    "while",
    "foreach",
    "once",
    "set-variables",
    "action",
    "think-time",
];

static TEST_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9-]{1,128}$").expect("valid regex"));
/// DLT v1.1+ `validateTimeUnit`: number+unit pairs such as `1h30m`.
static DURATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+(ms|s|m|h|d))+$").expect("valid regex"));

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }
}

/// Validates `body`. `region_ok` says whether a region can run here (`Err` explains which can);
/// `validator` is the executor's own config check, run only when the DLT-level checks pass.
pub fn create_request(
    body: &Value,
    region_ok: &dyn Fn(&str) -> Result<(), String>,
    validator: Option<&crate::ports::ConfigValidator>,
) -> Result<CreateRequest, Vec<FieldError>> {
    let mut errs = Errors(Vec::new());
    let Some(obj) = body.as_object() else {
        errs.add("body", "must be a JSON object");
        return Err(errs.0);
    };
    let test_id = obj.get("testId").and_then(|v| match v.as_str() {
        Some(s) if TEST_ID.is_match(s) => Some(s.to_owned()),
        _ => {
            errs.add("testId", "must be 1..128 letters, digits or '-'");
            None
        }
    });
    let test_name = text(obj, "testName", 3, 255, &mut errs);
    let test_description = text(obj, "testDescription", 3, 60_000, &mut errs);
    let test_type = one_of(
        obj,
        "testType",
        &["simple", "jmeter", "locust", "k6"],
        &mut errs,
    )
    .unwrap_or_else(|| "simple".into());
    let file_type = one_of(obj, "fileType", &["none", "script", "zip"], &mut errs);
    if matches!(file_type.as_deref(), Some("script" | "zip")) {
        errs.add(
            "fileType",
            "script and zip uploads are not supported by the hub yet: put the Taurus config in testScenario",
        );
    }
    let scenario = scenario(obj.get("testScenario"), &mut errs);
    let task_configs = task_configs(obj, scenario.as_ref(), region_ok, &mut errs);
    check_extras(obj, &mut errs);
    if let (Some(sc), Some(validate), true) = (&scenario, validator, errs.0.is_empty())
        && let Err(messages) = validate(sc)
    {
        for m in messages {
            errs.add("testScenario", m);
        }
    }
    if !errs.0.is_empty() {
        return Err(errs.0);
    }
    Ok(CreateRequest {
        test_id,
        test_name: test_name.expect("no errors means present"),
        test_description: test_description.expect("no errors means present"),
        test_type,
        file_type,
        task_configs: task_configs.expect("no errors means present"),
        scenario: scenario.expect("no errors means present"),
        extra: client_extras(obj),
    })
}

/// The body's fields the hub keeps without interpreting: all but the typed and server-owned ones.
fn client_extras(obj: &Map<String, Value>) -> Map<String, Value> {
    let typed = [
        "testId",
        "testName",
        "testDescription",
        "testType",
        "fileType",
        "testTaskConfigs",
        "testScenario",
    ];
    obj.iter()
        .filter(|(k, _)| !typed.contains(&k.as_str()) && !SERVER_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn text(
    obj: &Map<String, Value>,
    key: &str,
    min: usize,
    max: usize,
    errs: &mut Errors,
) -> Option<String> {
    match obj.get(key) {
        None => errs.add(key, "is required"),
        Some(Value::String(s)) if (min..=max).contains(&s.chars().count()) => {
            return Some(s.clone());
        }
        Some(Value::String(_)) => errs.add(key, format!("must be {min}..{max} characters")),
        Some(_) => errs.add(key, "must be a string"),
    }
    None
}

fn one_of(
    obj: &Map<String, Value>,
    key: &str,
    allowed: &[&str],
    errs: &mut Errors,
) -> Option<String> {
    let v = obj.get(key)?;
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Some(s.to_owned()),
        _ => {
            errs.add(key, format!("must be one of {}", allowed.join(", ")));
            None
        }
    }
}

/// An integer, from a JSON number with no fraction or (`lenient`, DLT v1.0 bodies) a digit string.
fn int(v: &Value, lenient: bool) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Value::String(s) if lenient => s.trim().parse().ok(),
        _ => None,
    }
}

fn bounded(
    v: Option<&Value>,
    field: &str,
    range: (i64, i64),
    lenient: bool,
    errs: &mut Errors,
) -> Option<u32> {
    match v.and_then(|v| int(v, lenient)) {
        Some(n) if (range.0..=range.1).contains(&n) => Some(n as u32),
        _ => {
            errs.add(
                field,
                format!("must be an integer in {}..{}", range.0, range.1),
            );
            None
        }
    }
}

/// `testTaskConfigs`, or the seed's `taskCount` with `execution[0].concurrency` in region `local`.
fn task_configs(
    obj: &Map<String, Value>,
    scenario: Option<&Value>,
    region_ok: &dyn Fn(&str) -> Result<(), String>,
    errs: &mut Errors,
) -> Option<Vec<TaskConfig>> {
    let Some(configs) = obj.get("testTaskConfigs") else {
        return seed_task_config(obj, scenario, errs).map(|c| vec![c]);
    };
    let Some(list) = configs.as_array().filter(|l| !l.is_empty()) else {
        errs.add(
            "testTaskConfigs",
            "must be a non-empty array of {region, taskCount, concurrency}",
        );
        return None;
    };
    let out: Vec<TaskConfig> = list
        .iter()
        .enumerate()
        .filter_map(|(i, c)| task_config(i, c, &list[..i], region_ok, errs))
        .collect();
    (out.len() == list.len()).then_some(out)
}

/// The v1.0 body: a top-level `taskCount`, the per-task concurrency in the config.
fn seed_task_config(
    obj: &Map<String, Value>,
    scenario: Option<&Value>,
    errs: &mut Errors,
) -> Option<TaskConfig> {
    let Some(count) = obj.get("taskCount") else {
        errs.add(
            "testTaskConfigs",
            "is required (or the v1 body's taskCount)",
        );
        return None;
    };
    let task_count = bounded(Some(count), "taskCount", (1, 1000), true, errs);
    let first = scenario.and_then(|s| s.pointer("/execution/0"));
    let concurrency = first.map(|e| {
        bounded(
            e.get("concurrency"),
            "testScenario.execution[0].concurrency",
            (1, 25_000),
            true,
            errs,
        )
    });
    Some(TaskConfig {
        region: "local".into(),
        task_count: task_count?,
        concurrency: concurrency??,
    })
}

/// Entry `i` of `testTaskConfigs`; `before` are the entries ahead of it.
fn task_config(
    i: usize,
    c: &Value,
    before: &[Value],
    region_ok: &dyn Fn(&str) -> Result<(), String>,
    errs: &mut Errors,
) -> Option<TaskConfig> {
    let at = |k: &str| format!("testTaskConfigs[{i}].{k}");
    let region = match c.get("region").and_then(Value::as_str) {
        Some(r)
            if before
                .iter()
                .any(|p| p.get("region").and_then(Value::as_str) == Some(r)) =>
        {
            errs.add(at("region"), "appears twice: give each region one entry");
            None
        }
        Some(r) => match region_ok(r) {
            Ok(()) => Some(r.to_owned()),
            Err(hint) => {
                errs.add(at("region"), hint);
                None
            }
        },
        None => {
            errs.add(at("region"), "is required (a string)");
            None
        }
    };
    let task_count = bounded(c.get("taskCount"), &at("taskCount"), (1, 1000), false, errs);
    let concurrency = bounded(
        c.get("concurrency"),
        &at("concurrency"),
        (1, 25_000),
        false,
        errs,
    );
    Some(TaskConfig {
        region: region?,
        task_count: task_count?,
        concurrency: concurrency?,
    })
}

fn check_extras(obj: &Map<String, Value>, errs: &mut Errors) {
    for key in ["scheduleDate", "scheduleTime", "recurrence", "cronValue"] {
        let set = obj
            .get(key)
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
        if set {
            errs.add(
                key,
                "scheduled runs are not supported by the hub yet: start runs from cron or CI",
            );
        }
    }
    if obj.get("saveOnly").is_some_and(|v| !v.is_boolean()) {
        errs.add("saveOnly", "must be true or false");
    }
    if let Some(tags) = obj.get("tags")
        && !tags
            .as_array()
            .is_some_and(|t| t.len() <= 5 && t.iter().all(Value::is_string))
    {
        errs.add("tags", "must be an array of at most 5 strings");
    }
    if let Some(h) = obj.get("healthyThreshold")
        && !h.as_f64().is_some_and(|h| (0.0..=100.0).contains(&h))
    {
        errs.add("healthyThreshold", "must be a number in 0..100");
    }
    if let Some(v) = obj.get("showLive")
        && !v.is_boolean()
    {
        errs.add("showLive", "must be true or false");
    }
}

/// The Taurus config: a JSON object, or a YAML (or JSON) document in a string.
fn scenario(v: Option<&Value>, errs: &mut Errors) -> Option<Value> {
    let parsed = match v {
        None => {
            errs.add(
                "testScenario",
                "is required (a Taurus config object or YAML text)",
            );
            return None;
        }
        Some(Value::String(text)) => match serde_saphyr::from_str::<Value>(text) {
            Ok(v) => v,
            Err(e) => {
                errs.add("testScenario", format!("is not valid Taurus YAML: {e}"));
                return None;
            }
        },
        Some(v) => v.clone(),
    };
    if !parsed.is_object() {
        errs.add(
            "testScenario",
            "must be a Taurus config object with an execution list",
        );
        return None;
    }
    let before = errs.0.len();
    execution(&parsed, errs);
    scenarios(&parsed, errs);
    (errs.0.len() == before).then_some(parsed)
}

fn execution(sc: &Value, errs: &mut Errors) {
    let Some(list) = sc
        .get("execution")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
    else {
        errs.add("testScenario.execution", "must be a non-empty list");
        return;
    };
    for (i, e) in list.iter().enumerate() {
        let at = |k: &str| format!("testScenario.execution[{i}].{k}");
        let Some(e) = e.as_object() else {
            errs.add(format!("testScenario.execution[{i}]"), "must be an object");
            continue;
        };
        if let Some(c) = e.get("concurrency") {
            bounded(Some(c), &at("concurrency"), (1, 25_000), true, errs);
        }
        duration(e.get("ramp-up"), &at("ramp-up"), 0, errs);
        duration(e.get("hold-for"), &at("hold-for"), 1, errs);
        if let Some(x) = e.get("executor")
            && !x
                .as_str()
                .is_some_and(|x| ["jmeter", "locust", "k6"].contains(&x))
        {
            errs.add(at("executor"), "must be one of jmeter, locust, k6");
        }
        if let Some(s) = e.get("scenario")
            && !(s.is_string() || s.is_object())
        {
            errs.add(
                at("scenario"),
                "must be a scenario name or an inline scenario",
            );
        }
    }
}

fn duration(v: Option<&Value>, field: &str, min: i64, errs: &mut Errors) {
    let Some(v) = v else { return };
    let ok = match v {
        Value::String(s) => {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            DURATION.is_match(&s) || s.parse::<i64>().is_ok_and(|n| n >= min)
        }
        other => int(other, false).is_some_and(|n| n >= min),
    };
    if !ok {
        errs.add(
            field,
            format!("must be whole seconds ≥ {min} or number+unit pairs such as 90s, 5m, 1h30m"),
        );
    }
}

fn scenarios(sc: &Value, errs: &mut Errors) {
    let Some(all) = sc.get("scenarios") else {
        return;
    };
    let Some(all) = all.as_object() else {
        errs.add(
            "testScenario.scenarios",
            "must be a map of scenario name to scenario",
        );
        return;
    };
    for (name, s) in all {
        let Some(requests) = s.get("requests") else {
            continue;
        };
        let at = format!("testScenario.scenarios.{name}.requests");
        let Some(list) = requests.as_array().filter(|l| (1..=100).contains(&l.len())) else {
            errs.add(at, "must be a list of 1..100 requests");
            continue;
        };
        for (i, r) in list.iter().enumerate() {
            request(r, &format!("{at}[{i}]"), errs);
        }
    }
}

fn request(r: &Value, at: &str, errs: &mut Errors) {
    let Some(r) = r.as_object() else {
        // Taurus's shorthand: the request is just its URL.
        if !r.as_str().is_some_and(is_http_url) {
            errs.add(at, "must be a request object or an http(s) URL");
        }
        return;
    };
    match r.get("url") {
        Some(Value::String(u)) if is_http_url(u) && u.len() <= 2048 => {}
        Some(_) => errs.add(
            format!("{at}.url"),
            "must be an http:// or https:// URL of at most 2048 characters",
        ),
        None if LOGIC_BLOCKS.iter().any(|k| r.contains_key(*k)) => {}
        None => errs.add(format!("{at}.url"), "is required"),
    }
    if let Some(m) = r.get("method")
        && !m.as_str().is_some_and(|m| METHODS.contains(&m))
    {
        errs.add(
            format!("{at}.method"),
            format!("must be one of {}", METHODS.join(", ")),
        );
    }
    if let Some(h) = r.get("headers")
        && !h
            .as_object()
            .is_some_and(|h| h.values().all(Value::is_string))
    {
        errs.add(
            format!("{at}.headers"),
            "must be a map of header name to string value",
        );
    }
    if let Some(Value::String(b)) = r.get("body")
        && b.len() > 65_536
    {
        errs.add(format!("{at}.body"), "must be at most 65536 bytes");
    }
}

fn is_http_url(u: &str) -> bool {
    let lower = u.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")) && u.len() > "http://".len()
}
