//! The Taurus YAML front end: a scenario mapping (through the serde mirror in `raw`) lowered into
//! [`ProgramBuilder`] calls. Requests are in `yaml_request`, logic blocks in `blocks`.

use super::builder::ProgramBuilder;
use super::compile::DEFAULT_TIMEOUT;
use super::data::{CsvSpec, DataSource};
use super::error::{At, Include, KeyPath, Problem, Res, ScenarioError};
use super::files::FileSearch;
use super::raw::{RawPostProcessors, RawScenario, scalar_text};
use super::timefmt::ThinkTime;
use super::yaml_request::{encoding, opt_duration, opt_think, reject_unsupported};
use super::{CompileContext, CompiledScenario};
use indexmap::IndexMap;
use serde_json::Value;
use stampede_http::ClientConfig;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Settings a scenario passes to its requests (an included scenario brings its own).
#[derive(Clone)]
pub(super) struct Defaults {
    pub base: Option<String>,
    pub headers: IndexMap<String, Value>,
    pub keepalive: bool,
    pub timeout: Duration,
    pub think: Option<ThinkTime>,
    pub follow_redirects: bool,
    pub encoding: &'static encoding_rs::Encoding,
    pub parent_only: bool,
    /// Where relative data files are looked for.
    pub files: Arc<FileSearch>,
    pub auth: Arc<[super::auth::AuthEntry]>,
    /// Scenario-level assertions and extractors, compiled into each request.
    pub pp: Arc<RawPostProcessors>,
}

pub struct Compiler<'a> {
    pub b: ProgramBuilder,
    pub(super) scenarios: Option<&'a serde_json::Map<String, Value>>,
    /// Include chain, for cycle detection.
    chain: Vec<String>,
    pub files: Arc<FileSearch>,
}

const BLOCKS: &[&str] = &[
    "if",
    "once",
    "loop",
    "while",
    "foreach",
    "transaction",
    "include-scenario",
    "action",
    "set-variables",
    "setup",
    "teardown",
];

const SCENARIO_KEYS: &str = "requests, default-address, headers, ...";

/// Compiles a Taurus scenario mapping; the error names the scenario (and the file, when the context
/// knows it).
pub fn compile(
    name: &str,
    scenario: &Value,
    ctx: &CompileContext<'_>,
) -> Result<CompiledScenario, ScenarioError> {
    compile_inner(name, scenario, ctx).map_err(|mut e| {
        e.scenario = name.to_string();
        e.file = ctx.file.map(Path::to_path_buf);
        e
    })
}

fn compile_inner(name: &str, scenario: &Value, ctx: &CompileContext<'_>) -> Res<CompiledScenario> {
    let raw: RawScenario = serde_json::from_value(scenario.clone())
        .map_err(|e| Problem::Shape {
            detail: e.to_string(),
            keys: SCENARIO_KEYS,
        })
        .at("", "")?;
    let mut builder = ProgramBuilder::new(properties(ctx.config, raw.properties.as_ref()));
    builder.thread_group(name);
    let mut compiler = Compiler {
        b: builder,
        scenarios: ctx.config.get("scenarios").and_then(Value::as_object),
        chain: Vec::new(),
        files: Arc::new(FileSearch::new(ctx.search_path, ctx.base_dir)),
    };
    compiler.scenario(name, &raw, None)?;
    for (k, v) in raw.variables.iter().flatten() {
        let key = format!("variables.{k}");
        let text = scalar_text(v)
            .ok_or_else(|| Problem::WrongType {
                what: "a variable".into(),
                expected: "a scalar",
                found: v.to_string(),
            })
            .at("", &key)?;
        compiler.b.variable(k, &text).at("", &key)?;
    }
    let timeout = compiler.duration(raw.timeout.as_ref(), "timeout")?;
    let client = ClientConfig {
        keepalive: raw.keepalive.unwrap_or(true),
        connect_timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        follow_redirects: raw.follow_redirects.unwrap_or(true),
        store_cookies: raw.store_cookie.unwrap_or(true),
        // JMeter accepts any certificate, so existing tests against staging hosts keep working;
        // `verify-tls: true` (scenario) or `settings.verify-tls: true` turns checking on.
        verify_tls: raw.verify_tls.unwrap_or_else(|| {
            ctx.config
                .pointer("/settings/verify-tls")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        }),
    };
    compiler.b.finish(name, client, ctx.source)
}

/// JMeter properties: `modules.jmeter.properties`, overridden by the scenario's `properties`.
fn properties(
    config: &Value,
    scenario: Option<&IndexMap<String, Value>>,
) -> HashMap<String, String> {
    let mut props = HashMap::new();
    let global = config
        .pointer("/modules/jmeter/properties")
        .and_then(Value::as_object);
    for (k, v) in global.into_iter().flatten() {
        if let Some(s) = scalar_text(v) {
            props.insert(k.clone(), s);
        }
    }
    for (k, v) in scenario.into_iter().flatten() {
        if let Some(s) = scalar_text(v) {
            props.insert(k.clone(), s);
        }
    }
    props
}

/// Gives an error raised inside an item (key path relative to it) the item's place.
pub(super) fn place(mut e: ScenarioError, item: &str, url: Option<&str>) -> ScenarioError {
    if e.at.item.is_empty() && e.via.is_empty() {
        e.at.item = item.to_string();
        e.at.url = url.map(str::to_string);
    }
    e
}

impl Compiler<'_> {
    /// Compiles a scenario's data sources and requests into the program.
    pub fn scenario(
        &mut self,
        name: &str,
        raw: &RawScenario,
        parent: Option<&Defaults>,
    ) -> Res<()> {
        if self.chain.iter().any(|n| n == name) {
            let mut chain = self.chain.clone();
            chain.push(name.to_string());
            return Err(Problem::IncludeCycle { chain }).at("", "");
        }
        self.chain.push(name.to_string());
        let mut d = self.defaults(raw)?;
        if let Some(p) = parent {
            // JMeter's HTTP Request Defaults and Header Manager sit above the included requests, so
            // the including scenario's default-address and headers reach them; per-sampler settings
            // (timeout, keepalive, think-time, redirects) do not.
            if d.base.is_none() {
                d.base = p.base.clone();
            }
            let mut headers = p.headers.clone();
            for (k, v) in std::mem::take(&mut d.headers) {
                headers.retain(|name, _| !name.eq_ignore_ascii_case(&k));
                headers.insert(k, v);
            }
            d.headers = headers;
            if d.auth.is_empty() {
                d.auth = p.auth.clone();
            }
        }
        for (i, ds) in raw.data_sources.iter().flatten().enumerate() {
            let source = self.data_source(ds).at("", &format!("data-sources[{i}]"))?;
            self.b.data_source(source);
        }
        let requests = raw.requests.as_ref().ok_or_else(|| {
            let name = name.to_string();
            let p = match &raw.script {
                Some(script) => Problem::Script {
                    name,
                    script: script.to_string(),
                },
                None => Problem::NoRequestList { name },
            };
            ScenarioError::new(KeyPath::default(), p)
        })?;
        self.list(requests, &d, "requests")?;
        self.chain.pop();
        Ok(())
    }

    fn data_source(&mut self, ds: &Value) -> Result<DataSource, Problem> {
        let mut spec: CsvSpec = match ds {
            Value::String(p) => CsvSpec::path(p),
            other => serde_json::from_value(other.clone()).map_err(|e| Problem::Shape {
                detail: e.to_string(),
                keys: "path, delimiter, quoted, loop, variable-names, encoding, random-order",
            })?,
        };
        // `${__P(csv_file)}` is resolved now (properties are fixed); runtime variables cannot be.
        let path = self.b.template(&spec.path)?;
        spec.path = path
            .as_literal()
            .ok_or_else(|| Problem::RuntimeVariables {
                what: "path".into(),
                text: spec.path.clone(),
            })?
            .to_string();
        let mut warnings = Vec::new();
        let path = self
            .files
            .find_warn("data-sources", &spec.path, &mut warnings)?;
        warnings.into_iter().for_each(|w| self.b.warn(w));
        DataSource::load_file(&spec, path)
    }

    fn defaults(&mut self, raw: &RawScenario) -> Res<Defaults> {
        reject_unsupported(raw)?;
        for k in raw.other.keys() {
            self.b.warn(format!(
                "scenario key `{k}` is not used by the HTTP executor"
            ));
        }
        let base = match &raw.default_address {
            Some(a) if !a.trim().is_empty() => {
                let a = self.default_address(a.trim()).at("", "default-address")?;
                // Checked once here; each request parses it again as its own base.
                self.b.template(&a).at("", "default-address")?;
                Some(a)
            }
            _ => None,
        };
        Ok(Defaults {
            base,
            headers: raw.headers.clone().unwrap_or_default(),
            keepalive: raw.keepalive.unwrap_or(true),
            timeout: self
                .duration(raw.timeout.as_ref(), "timeout")?
                .unwrap_or(DEFAULT_TIMEOUT),
            think: self.think(raw.think_time.as_ref())?,
            follow_redirects: raw.follow_redirects.unwrap_or(true),
            encoding: encoding(raw.content_encoding.as_deref()).at("", "content-encoding")?,
            parent_only: raw.force_parent_sample.unwrap_or(false),
            files: Arc::clone(&self.files),
            pp: Arc::new(raw.pp.clone()),
            auth: match &raw.authorization {
                Some(v) => super::auth::parse(v)?.into(),
                None => Vec::new().into(),
            },
        })
    }

    /// `default-address` with its scheme. `//host:port` is http, as in Taurus (JMeter's default
    /// protocol). A bare `host:port` makes Taurus's JMeter fail every sample (`Host may not be
    /// blank`, or `unknown protocol: localhost`); a user means http, so it is run as http with a
    /// warning. Other schemes are refused.
    fn default_address(&mut self, a: &str) -> Result<String, Problem> {
        if a.contains("${") || a.starts_with("http://") || a.starts_with("https://") {
            return Ok(a.to_string());
        }
        if let Some(rest) = a.strip_prefix("//") {
            return Ok(format!("http://{rest}"));
        }
        if let Some((scheme, _)) = a.split_once("://") {
            return Err(Problem::Invalid {
                what: String::new(),
                value: a.into(),
                reason: format!("uses the scheme {scheme:?}; only http and https are supported"),
                fix: "write an http:// or https:// address".into(),
            });
        }
        let url = format!("http://{a}");
        self.b.warn(format!(
            "default-address {a:?} has no scheme: Stampede sends to {url}; Taurus's JMeter would \
             fail every sample (\"Host may not be blank\" or \"unknown protocol\"): write {url}"
        ));
        Ok(url)
    }

    /// Times may be written with properties (`${__P(timeout,30s)}`); those are known now. Anything
    /// needing a runtime variable cannot be a timer or timeout.
    fn time_text(&mut self, v: Option<&Value>) -> Result<Option<Value>, Problem> {
        match v {
            Some(Value::String(s)) if s.contains("${") => {
                let t = self.b.template(s)?;
                let lit = t.as_literal().ok_or_else(|| Problem::RuntimeVariables {
                    // The key names the setting.
                    what: String::new(),
                    text: s.clone(),
                })?;
                Ok(Some(Value::String(lit.to_string())))
            }
            other => Ok(other.cloned()),
        }
    }

    /// A time under `key` (`timeout`, `pause-duration`), placed at scenario level.
    pub(super) fn duration(&mut self, v: Option<&Value>, key: &str) -> Res<Option<Duration>> {
        self.time_text(v)
            .and_then(|v| opt_duration(v.as_ref(), key))
            .at("", key)
    }

    pub(super) fn think(&mut self, v: Option<&Value>) -> Res<Option<ThinkTime>> {
        self.time_text(v)
            .and_then(|v| opt_think(v.as_ref()))
            .at("", "think-time")
    }

    pub(super) fn list(&mut self, items: &[Value], d: &Defaults, path: &str) -> Res<()> {
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            self.item(item, d, &at)?;
        }
        Ok(())
    }

    fn item(&mut self, item: &Value, d: &Defaults, at: &str) -> Res<()> {
        let obj = match item {
            Value::String(url) => {
                let mut m = serde_json::Map::new();
                m.insert("url".into(), Value::String(url.clone()));
                return self.request(&m, d, at);
            }
            Value::Object(m) => m,
            other => {
                return Err(Problem::WrongType {
                    what: "an item".into(),
                    expected: "a request (a URL or a mapping)",
                    found: other.to_string(),
                })
                .at(at, "");
            }
        };
        let Some(&block) = BLOCKS.iter().find(|b| obj.contains_key(**b)) else {
            return self.request(obj, d, at);
        };
        let block = super::blocks::YamlBlock {
            name: block,
            obj,
            at,
        };
        self.block(&block, d).map_err(|e| place(e, at, None))
    }

    /// Compiles an included scenario in place; its errors say they are inside it.
    pub(super) fn include_scenario(
        &mut self,
        name: &str,
        raw: &RawScenario,
        parent: &Defaults,
        at: &str,
    ) -> Res<()> {
        // Included scenarios come from the same effective config; their files resolve like the parent's.
        self.scenario(name, raw, Some(parent)).map_err(|mut e| {
            e.via.insert(
                0,
                Include {
                    at: KeyPath::new(at, ""),
                    scenario: name.to_string(),
                },
            );
            e
        })
    }
}
