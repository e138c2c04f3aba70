//! Scenario → program: requests and logic blocks flattened into a list of ops with jumps, so running
//! an iteration is a loop over `pc` with no recursion and no re-parsing.

use super::blocks::Block;
use super::compile_request::{encoding, opt_duration, opt_think, reject_unsupported};
use super::cond::Cond;
use super::data::{DataSource, RawDataSource};
use super::raw::{RawPostProcessors, RawScenario};
use super::request::Request;
use super::template::{Template, TemplateCompiler};
use super::timefmt::ThinkTime;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
pub enum Op {
    Request(usize),
    Jump(usize),
    /// A backward jump closing a loop body; checks for cancellation when the body sent nothing.
    Back(usize),
    /// Jump to `to` when the condition is false.
    Unless {
        cond: usize,
        to: usize,
    },
    LoopInit {
        slot: usize,
    },
    /// Enter the body while the slot's counter is below `count`.
    LoopTest {
        slot: usize,
        count: LoopCount,
        exit: usize,
    },
    /// Bind `item` to the next `prefix_N`; leave when it is not defined.
    ForeachTest {
        slot: usize,
        item: Box<str>,
        prefix: Box<str>,
        exit: usize,
    },
    /// `once`: skip after the user's first iteration.
    Once {
        exit: usize,
    },
    TxBegin(usize),
    TxEnd(usize),
    SetVars(usize),
    Action(Action),
}

/// A `loop` count: fixed (`None` = forever) or a template read each time, as JMeter's Loop Controller
/// does (`-1` = forever, anything not a number = no iterations).
#[derive(Debug)]
pub enum LoopCount {
    Fixed(Option<u64>),
    Tpl(Template),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause(Duration),
    /// `stop` / `stop-now` on the current thread: this user stops.
    StopUser,
    /// `continue`: start the next iteration.
    NextIteration,
}

#[derive(Debug)]
pub struct Tx {
    pub label: Arc<str>,
    /// Only the transaction's sample is reported, not its children.
    pub parent_only: bool,
}

/// Settings a scenario passes to its requests (an included scenario brings its own).
#[derive(Clone)]
pub(super) struct Defaults {
    pub base: Option<Template>,
    pub headers: IndexMap<String, Value>,
    pub keepalive: bool,
    pub timeout: Duration,
    pub think: Option<ThinkTime>,
    pub follow_redirects: bool,
    pub encoding: &'static encoding_rs::Encoding,
    pub parent_only: bool,
    pub base_dir: PathBuf,
    pub auth: std::sync::Arc<[super::auth::AuthEntry]>,
    /// Scenario-level assertions and extractors, compiled into each request.
    pub pp: std::sync::Arc<RawPostProcessors>,
}

/// Everything compilation produces.
#[derive(Debug, Default)]
pub struct Program {
    pub ops: Vec<Op>,
    pub requests: Vec<Request>,
    pub conds: Vec<Cond>,
    pub set_vars: Vec<Vec<(Box<str>, Template)>>,
    pub txs: Vec<Tx>,
    pub sources: Vec<DataSource>,
    pub slots: usize,
    pub warnings: Vec<String>,
}

pub struct Compiler<'a> {
    pub tc: TemplateCompiler,
    pub prog: Program,
    pub(super) scenarios: Option<&'a serde_json::Map<String, Value>>,
    /// Include chain, for cycle detection.
    chain: Vec<String>,
    pub base_dir: PathBuf,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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

impl<'a> Compiler<'a> {
    pub fn new(config: &'a Value, base_dir: &Path, tc: TemplateCompiler) -> Self {
        Compiler {
            tc,
            prog: Program::default(),
            scenarios: config.get("scenarios").and_then(Value::as_object),
            chain: Vec::new(),
            base_dir: base_dir.to_path_buf(),
        }
    }

    /// Compiles a scenario's requests and data sources into the program.
    pub fn scenario(
        &mut self,
        name: &str,
        raw: &RawScenario,
        base_dir: &Path,
        parent: Option<&Defaults>,
    ) -> Result<(), String> {
        if self.chain.iter().any(|n| n == name) {
            return Err(format!(
                "include-scenario cycle: {} -> {name}; remove one of the includes",
                self.chain.join(" -> ")
            ));
        }
        self.chain.push(name.to_string());
        let mut d = self.defaults(raw, base_dir)?;
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
            let rds: RawDataSource = match ds {
                Value::String(p) => RawDataSource {
                    path: p.clone(),
                    delimiter: None,
                    quoted: false,
                    loop_: None,
                    variable_names: None,
                    encoding: None,
                    random_order: false,
                },
                other => serde_json::from_value(other.clone())
                    .map_err(|e| format!("data-sources[{i}]: {e} (keys: path, delimiter, quoted, loop, variable-names, encoding, random-order)"))?,
            };
            let mut rds = rds;
            // `${__P(csv_file)}` is resolved now (properties are fixed); runtime variables cannot be.
            let path = self.tpl(&rds.path, &format!("data-sources[{i}] path"))?;
            rds.path = path
                .as_literal()
                .ok_or_else(|| {
                    format!(
                        "data-sources[{i}]: path {:?} uses runtime variables; only ${{__P(...)}} properties can be resolved before the test",
                        rds.path
                    )
                })?
                .to_string();
            self.prog.sources.push(DataSource::load(&rds, base_dir)?);
        }
        let requests = raw.requests.as_ref().ok_or_else(|| match &raw.script {
            Some(script) => format!(
                "scenario {name:?} runs the script {script}; only `requests` scenarios are compiled here"
            ),
            None => format!("scenario {name:?} has no `requests` list"),
        })?;
        self.list(requests, &d, "requests")?;
        self.chain.pop();
        Ok(())
    }

    fn defaults(&mut self, raw: &RawScenario, base_dir: &Path) -> Result<Defaults, String> {
        reject_unsupported(raw)?;
        for k in raw.other.keys() {
            self.prog.warnings.push(format!(
                "scenario key `{k}` is not used by the HTTP executor"
            ));
        }
        let base = match &raw.default_address {
            Some(a) if !a.trim().is_empty() => {
                let a = a.trim();
                if !(a.contains("${") || a.starts_with("http://") || a.starts_with("https://")) {
                    return Err(format!(
                        "default-address {a:?} must start with http:// or https:// (e.g. http://{a})"
                    ));
                }
                Some(self.tpl(a, "default-address")?)
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
            encoding: encoding(raw.content_encoding.as_deref())?,
            parent_only: raw.force_parent_sample.unwrap_or(false),
            base_dir: base_dir.to_path_buf(),
            pp: std::sync::Arc::new(raw.pp.clone()),
            auth: match &raw.authorization {
                Some(v) => super::auth::parse(v)?.into(),
                None => Vec::new().into(),
            },
        })
    }

    /// Times may be written with properties (`${__P(timeout,30s)}`); those are known now. Anything
    /// needing a runtime variable cannot be a timer or timeout.
    fn time_text(&mut self, v: Option<&Value>, what: &str) -> Result<Option<Value>, String> {
        match v {
            Some(Value::String(s)) if s.contains("${") => {
                let t = self.tpl(s, what)?;
                let lit = t.as_literal().ok_or_else(|| {
                    format!("{what} {s:?} uses runtime variables; only ${{__P(...)}} properties are allowed there")
                })?;
                Ok(Some(Value::String(lit.to_string())))
            }
            other => Ok(other.cloned()),
        }
    }

    pub(super) fn duration(
        &mut self,
        v: Option<&Value>,
        what: &str,
    ) -> Result<Option<Duration>, String> {
        let v = self.time_text(v, what)?;
        opt_duration(v.as_ref(), what)
    }

    pub(super) fn think(&mut self, v: Option<&Value>) -> Result<Option<ThinkTime>, String> {
        let v = self.time_text(v, "think-time")?;
        opt_think(v.as_ref())
    }

    pub(super) fn tpl(&mut self, text: &str, what: &str) -> Result<Template, String> {
        self.tc.parse(text).map_err(|e| format!("{what}: {e}"))
    }

    pub(super) fn list(&mut self, items: &[Value], d: &Defaults, path: &str) -> Result<(), String> {
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            self.item(item, d, &at)?;
        }
        Ok(())
    }

    fn item(&mut self, item: &Value, d: &Defaults, at: &str) -> Result<(), String> {
        let obj = match item {
            Value::String(url) => {
                let mut m = serde_json::Map::new();
                m.insert("url".into(), Value::String(url.clone()));
                return self.request(&m, d, at);
            }
            Value::Object(m) => m,
            other => {
                return Err(format!(
                    "{at}: expected a request (a URL or a mapping), found {other}"
                ));
            }
        };
        let Some(&block) = BLOCKS.iter().find(|b| obj.contains_key(**b)) else {
            return self.request(obj, d, at);
        };
        let block = Block {
            name: block,
            obj,
            at,
        };
        match block.name {
            "if" => self.block_if(&block, d),
            "once" => {
                let op = self.emit(Op::Once { exit: 0 });
                self.list(block.list("once")?, d, &format!("{at}.once"))?;
                self.patch(op);
                Ok(())
            }
            "loop" => self.block_loop(&block, d),
            "while" => self.block_while(&block, d),
            "foreach" => self.block_foreach(&block, d),
            "transaction" => self.block_transaction(&block, d),
            "include-scenario" => self.include(obj, d, at),
            "action" => self.action(obj, at),
            "set-variables" => self.block_set_variables(&block),
            other => Err(format!(
                "{at}: `{other}` blocks are apiritif-only and not supported by the JMeter-compatible executor"
            )),
        }
    }

    pub(super) fn emit(&mut self, op: Op) -> usize {
        self.prog.ops.push(op);
        self.prog.ops.len() - 1
    }

    /// Points the forward jump at `at` to the next op.
    pub(super) fn patch(&mut self, at: usize) {
        let here = self.prog.ops.len();
        match &mut self.prog.ops[at] {
            Op::Unless { to, .. } | Op::Jump(to) => *to = here,
            Op::LoopTest { exit, .. } | Op::ForeachTest { exit, .. } | Op::Once { exit } => {
                *exit = here
            }
            other => unreachable!("patching a non-jump {other:?}"),
        }
    }

    pub(super) fn push_cond(&mut self, c: Cond) -> usize {
        self.prog.conds.push(c);
        self.prog.conds.len() - 1
    }

    pub(super) fn slot(&mut self) -> usize {
        self.prog.slots += 1;
        self.prog.slots - 1
    }
}
