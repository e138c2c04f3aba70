//! [`ProgramBuilder`]: how a front end (Taurus YAML, a JMX test plan) makes a [`CompiledScenario`]
//! without going through YAML. It takes resolved descriptions ([`RequestSpec`], conditions as text,
//! [`Count`]s), does every compile-time job once (templates split into segments, literal requests
//! prebuilt, expressions compiled, jumps patched) and checks the nesting of blocks.
//!
//! Errors are [`ScenarioError`]s whose [`KeyPath`] names the key inside the item (`url`,
//! `headers.Accept`...); the front end fills in the item (`requests[3]`) and the scenario.

use super::assert::{Assertion, AssertionSpec};
use super::auth::AuthEntry;
use super::compile::{Action, LoopCount, Op, Program, Tx};
use super::data::DataSource;
use super::error::{At, KeyPath, Problem, Res, ScenarioError};
use super::extract::{Extractor, ExtractorSpec};
use super::request::{Body, HeaderVal, Label, Method, Request, shown_value};
use super::template::{Template, TemplateCompiler};
use super::timefmt::ThinkTime;
use super::{CompiledScenario, cond, exec};

mod choices;
use stampede_http::ClientConfig;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One HTTP request, resolved: scenario defaults already merged in. Texts may hold `${...}`
/// templates (JMeter syntax), parsed once by [`ProgramBuilder::request`].
#[derive(Debug)]
pub struct RequestSpec {
    pub url: String,
    /// The sample label; `None` = the URL as written.
    pub label: Option<String>,
    pub method: String,
    /// Prefix for a URL without scheme and host (`default-address`, JMeter's HTTP Request Defaults).
    pub base: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: BodySpec,
    /// The charset of the body and of form parameters.
    pub encoding: &'static encoding_rs::Encoding,
    /// `false` adds `Connection: close` unless a Connection header is given.
    pub keepalive: bool,
    pub timeout: Duration,
    pub follow_redirects: bool,
    /// Think time, waited before the request (JMeter timers).
    pub think: Option<ThinkTime>,
    /// Made with [`ProgramBuilder::extractor`], run in order on the response.
    pub extractors: Vec<Extractor>,
    /// Made with [`ProgramBuilder::assertion`]; the first failing one fails the sample.
    pub assertions: Vec<Assertion>,
    /// Basic credentials added to matching URLs.
    pub auth: Arc<[AuthEntry]>,
}

impl RequestSpec {
    /// A GET of `url` with JMeter's defaults: keep-alive, redirects followed, 30 s timeout, UTF-8.
    pub fn get(url: &str) -> RequestSpec {
        RequestSpec {
            url: url.to_string(),
            label: None,
            method: "GET".into(),
            base: None,
            headers: Vec::new(),
            body: BodySpec::Empty,
            encoding: encoding_rs::UTF_8,
            keepalive: true,
            timeout: super::compile::DEFAULT_TIMEOUT,
            follow_redirects: true,
            think: None,
            extractors: Vec::new(),
            assertions: Vec::new(),
            auth: Arc::new([]),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub enum BodySpec {
    #[default]
    Empty,
    /// A text body (may hold templates), sent in the request's encoding.
    Text(String),
    /// Form parameters (names and values may hold templates); `None` value = the name alone. Sent
    /// URL-encoded in the body, or in the query string for GET, DELETE, HEAD and OPTIONS.
    Form(Vec<(String, Option<String>)>),
    /// Fixed bytes (a file, a multipart body), sent as they are.
    Bytes(bytes::Bytes),
}

/// How many times a loop runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    Times(u64),
    Forever,
    /// A template read at each entry to the loop (`-1` = forever, not a number = no iterations).
    Expr(String),
}

/// How a choice block picks its arms ([`ProgramBuilder::begin_choice`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceSpec {
    /// One arm at random (another when it sent nothing, until the first pick recurs).
    Random,
    /// Every arm once per pass, in random order.
    RandomOrder,
    /// The user's next arm in turn; `offset_by_thread` starts user N at arm N - 1.
    Interleave { offset_by_thread: bool },
    /// The arm named by the value, or at that index (JMeter's Switch Controller).
    Switch(String),
}

/// An open block, returned by `begin_*` and given back to [`ProgramBuilder::end`].
#[must_use = "a block must be closed with ProgramBuilder::end"]
#[derive(Debug)]
pub struct Block {
    depth: usize,
    kind: Open,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    If {
        unless: usize,
        jump: Option<usize>,
    },
    Loop {
        test: usize,
    },
    Once {
        op: usize,
    },
    Tx {
        tx: usize,
    },
    /// `next` is the `ChoiceNext` op every arm jumps back to.
    Choice {
        choice: usize,
        next: usize,
    },
    Gate {
        op: usize,
    },
    RunTime {
        test: usize,
        slot: usize,
        limit: Duration,
    },
}

/// Builds a program, then the [`CompiledScenario`] ([`ProgramBuilder::finish`]).
#[derive(Debug, Default)]
pub struct ProgramBuilder {
    tc: TemplateCompiler,
    prog: Program,
    open: Vec<Open>,
    variables: Vec<(Box<str>, Template)>,
    /// Forward exits of Runtime Controller checks, patched when the block at that depth ends.
    exits: Vec<(usize, usize)>,
}

impl ProgramBuilder {
    /// `properties` are JMeter properties, resolved now by `${__P(name)}`.
    pub fn new(properties: HashMap<String, String>) -> ProgramBuilder {
        ProgramBuilder {
            tc: TemplateCompiler {
                props: properties,
                ..TemplateCompiler::default()
            },
            ..ProgramBuilder::default()
        }
    }

    /// Names the thread group, as `__javaScript`'s `threadName` shows it (`NAME 1-3`); JMeter's
    /// default is `Thread Group`.
    pub fn thread_group(&mut self, name: &str) {
        self.tc.thread_group = name.into();
    }

    /// Parses a template (`${var}`, `${__function(...)}`).
    pub(crate) fn template(&mut self, text: &str) -> Result<Template, Problem> {
        Ok(self.tc.parse(text)?)
    }

    pub fn extractor(&mut self, spec: ExtractorSpec) -> Result<Extractor, Problem> {
        Extractor::new(spec)
    }

    pub fn assertion(&mut self, spec: AssertionSpec) -> Result<Assertion, Problem> {
        Assertion::compile(spec, &mut self.tc)
    }

    /// A scenario variable, rendered for each new user in order (JMeter User Defined Variables).
    pub fn variable(&mut self, name: &str, value: &str) -> Result<(), Problem> {
        let t = self.template(value)?;
        self.variables.push((name.into(), t));
        Ok(())
    }

    /// A CSV source: every user takes its next row at the start of each iteration.
    pub fn data_source(&mut self, source: DataSource) {
        self.prog.sources.push(Arc::new(source));
    }

    /// A CSV source whose cursor other programs share too (JMeter's CSV Data Set in sharing mode
    /// "All threads" is one reader for every thread group of the plan).
    pub fn shared_data_source(&mut self, source: Arc<DataSource>) {
        self.prog.sources.push(source);
    }

    /// Something accepted but not used, for the log.
    pub fn warn(&mut self, warning: String) {
        self.prog.warnings.push(warning);
    }

    /// Adds a request. Everything without a template is prebuilt once here.
    pub fn request(&mut self, spec: RequestSpec) -> Res<()> {
        let url = self.template(&spec.url).at("", "url")?;
        if let Some(lit) = url.as_literal()
            && !lit.contains("://")
            && spec.base.is_none()
        {
            return Err(Problem::NoScheme { url: lit.into() }).at("", "url");
        }
        let base = match &spec.base {
            Some(b) => Some(self.template(b).at("", "default-address")?),
            None => None,
        };
        let label = match spec.label.as_deref().unwrap_or(&spec.url) {
            l if l.contains("${") => Label::Tpl(self.template(l).at("", "label")?, l.into()),
            l => Label::Fixed(l.into()),
        };
        let method_name = spec.method.trim().to_ascii_uppercase();
        let method = if spec.method.contains("${") {
            Method::Tpl(self.template(&spec.method).at("", "method")?)
        } else {
            Method::Fixed(
                http::Method::from_bytes(method_name.as_bytes())
                    .map_err(|_| invalid("method", &method_name, "is not an HTTP method"))
                    .at("", "method")?,
            )
        };
        let mut headers = spec.headers;
        if !spec.keepalive
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("connection"))
        {
            headers.push(("Connection".into(), "close".into()));
        }
        let headers = self.headers(&headers)?;
        let (body, form) = self.body(spec.body)?;
        let want_body = spec.extractors.iter().any(Extractor::needs_body)
            || spec.assertions.iter().any(Assertion::needs_body);
        let mut request = Request {
            label,
            method,
            url,
            base,
            headers,
            auth: spec.auth,
            body,
            form_in_query: form
                && matches!(method_name.as_str(), "GET" | "DELETE" | "HEAD" | "OPTIONS"),
            encoding: spec.encoding,
            timeout: spec.timeout,
            follow_redirects: spec.follow_redirects,
            think: spec.think,
            assume_success: spec.assertions.iter().any(Assertion::assume_success),
            want_body,
            want_headers: !spec.extractors.is_empty() || !spec.assertions.is_empty(),
            extractors: spec.extractors,
            assertions: spec.assertions,
            prebuilt: None,
        };
        request.prebuild();
        self.prog.requests.push(request);
        self.emit(Op::Request(self.prog.requests.len() - 1));
        Ok(())
    }

    /// Header names are checked now; values without templates are prebuilt.
    fn headers(&mut self, headers: &[(String, String)]) -> Res<Vec<(http::HeaderName, HeaderVal)>> {
        let mut compiled = Vec::with_capacity(headers.len());
        for (k, v) in headers {
            let key = format!("headers.{k}");
            let name = http::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| invalid("header name", k, "is not a valid header name"))
                .at("", &key)?;
            let t = self.template(v).at("", &key)?;
            let val = match t.as_literal() {
                Some(lit) => HeaderVal::Fixed(
                    http::HeaderValue::from_str(lit)
                        .map_err(|_| Problem::HeaderValue {
                            name: k.clone(),
                            shown: shown_value(k, lit),
                        })
                        .at("", &key)?,
                ),
                None => HeaderVal::Tpl(t),
            };
            compiled.push((name, val));
        }
        Ok(compiled)
    }

    /// The body, and whether it is form parameters.
    fn body(&mut self, body: BodySpec) -> Res<(Body, bool)> {
        Ok(match body {
            BodySpec::Empty => (Body::Empty, false),
            BodySpec::Bytes(b) => (Body::Bytes(b), false),
            BodySpec::Text(s) => (Body::Raw(self.template(&s).at("", "body")?), false),
            BodySpec::Form(params) => {
                let mut out = Vec::with_capacity(params.len());
                for (k, v) in params {
                    let key = format!("body.{k}");
                    let value = match v {
                        Some(v) => Some(self.template(&v).at("", &key)?),
                        None => None,
                    };
                    out.push((self.template(&k).at("", &key)?, value));
                }
                (Body::Form(out), true)
            }
        })
    }

    /// `if`: the ops up to [`ProgramBuilder::begin_else`] (or [`ProgramBuilder::end`]) run when the
    /// condition holds. Conditions are JMeter's JavaScript subset: `"${status}" == "200" && ${ok}`.
    pub fn begin_if(&mut self, condition: &str) -> Result<Block, Problem> {
        let c = cond::parse(condition, &mut self.tc)?;
        self.prog.conds.push(c);
        let cond = self.prog.conds.len() - 1;
        let unless = self.emit(Op::Unless { cond, to: 0 });
        Ok(self.open(Open::If { unless, jump: None }))
    }

    /// Starts the `else` branch of an `if` block.
    ///
    /// # Panics
    /// When `block` is not the innermost open block, not an `if`, or already has an `else`: a front
    /// end bug, not bad input.
    pub fn begin_else(&mut self, block: &mut Block) {
        let Open::If { unless, jump: None } = block.kind else {
            panic!("begin_else on {:?}: only once, on an if block", block.kind);
        };
        assert_eq!(block.depth, self.open.len(), "else of the innermost block");
        let jump = self.emit(Op::Jump(0));
        self.patch(unless);
        block.kind = Open::If {
            unless,
            jump: Some(jump),
        };
        self.open[block.depth - 1] = block.kind;
    }

    pub fn begin_loop(&mut self, count: Count) -> Result<Block, Problem> {
        let count = match count {
            Count::Times(n) => LoopCount::Fixed(Some(n)),
            Count::Forever => LoopCount::Fixed(None),
            Count::Expr(text) => LoopCount::Tpl(self.template(&text)?),
        };
        let slot = self.slot();
        self.emit(Op::LoopInit { slot });
        let test = self.emit(Op::LoopTest {
            slot,
            count,
            exit: 0,
        });
        Ok(self.open(Open::Loop { test }))
    }

    /// `while`: the body runs while the condition holds, tested before each pass.
    pub fn begin_while(&mut self, condition: &str) -> Result<Block, Problem> {
        let c = cond::parse(condition, &mut self.tc)?;
        self.prog.conds.push(c);
        let cond = self.prog.conds.len() - 1;
        let test = self.emit(Op::Unless { cond, to: 0 });
        Ok(self.open(Open::Loop { test }))
    }

    /// `foreach`: binds `item` to `prefix_1`, `prefix_2`... while they are defined.
    pub fn begin_foreach(&mut self, item: &str, prefix: &str) -> Block {
        let slot = self.slot();
        self.emit(Op::LoopInit { slot });
        let test = self.emit(Op::ForeachTest {
            slot,
            item: item.into(),
            prefix: prefix.into(),
            exit: 0,
        });
        self.open(Open::Loop { test })
    }

    /// `once`: the body runs in the user's first iteration only.
    pub fn begin_once(&mut self) -> Block {
        let op = self.emit(Op::Once { exit: 0 });
        self.open(Open::Once { op })
    }

    /// A transaction: its sample sums its children's; `parent_only` hides the children.
    pub fn begin_transaction(&mut self, label: &str, parent_only: bool) -> Block {
        self.prog.txs.push(Tx {
            label: label.into(),
            parent_only,
        });
        let tx = self.prog.txs.len() - 1;
        self.emit(Op::TxBegin(tx));
        self.open(Open::Tx { tx })
    }

    /// Closes the innermost block.
    ///
    /// # Panics
    /// When `block` is not the innermost open block (a front end bug).
    pub fn end(&mut self, block: Block) {
        assert_eq!(
            block.depth,
            self.open.len(),
            "blocks end in the reverse order of their begin"
        );
        self.open.pop();
        match block.kind {
            Open::If { unless, jump } => self.patch(jump.unwrap_or(unless)),
            Open::Loop { test } => {
                self.emit(Op::Back(test));
                self.patch(test);
            }
            Open::Once { op } => self.patch(op),
            Open::Tx { tx } => {
                self.emit(Op::TxEnd(tx));
            }
            Open::Choice { choice, next } => {
                if !self.prog.choices[choice].arms.is_empty() {
                    self.emit(Op::Jump(next));
                }
                self.patch(next);
            }
            Open::Gate { op } => self.patch(op),
            Open::RunTime { test, .. } => {
                self.emit(Op::Back(test));
                self.patch(test);
                let depth = block.depth;
                let mut exits = std::mem::take(&mut self.exits);
                exits.retain(|&(d, op)| {
                    if d == depth {
                        self.patch(op);
                    }
                    d != depth
                });
                self.exits = exits;
            }
        }
    }

    /// Sets variables (rendered in order when the op runs).
    pub fn set_variables(&mut self, vars: &[(String, String)]) -> Res<()> {
        let mut compiled = Vec::with_capacity(vars.len());
        for (k, v) in vars {
            let t = self.template(v).at("", &format!("set-variables.{k}"))?;
            compiled.push((k.as_str().into(), t));
        }
        self.prog.set_vars.push(compiled);
        self.emit(Op::SetVars(self.prog.set_vars.len() - 1));
        Ok(())
    }

    pub fn action(&mut self, action: Action) {
        self.emit(Op::Action(action));
    }

    /// Whether a request was added (a program without one measures nothing).
    pub fn has_requests(&self) -> bool {
        !self.prog.requests.is_empty()
    }

    /// The scenario, ready to run. `source` is the execution's index (it goes into every sample).
    /// A program without requests is refused ([`Problem::NoRequests`]).
    ///
    /// # Panics
    /// When a block is still open (a front end bug).
    pub fn finish(
        self,
        name: &str,
        client: ClientConfig,
        source: u16,
    ) -> Result<CompiledScenario, ScenarioError> {
        assert!(self.open.is_empty(), "every block is ended before finish");
        if self.prog.requests.is_empty() {
            // An iteration that sends nothing would spin the user's loop without measuring anything.
            let mut e = ScenarioError::new(KeyPath::default(), Problem::NoRequests);
            e.scenario = name.to_string();
            return Err(e);
        }
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Ok(CompiledScenario {
            name: name.into(),
            user_counters: self.tc.user_counters,
            prog: self.prog,
            variables: self.variables,
            client,
            source,
            texts: exec::Texts::new(),
            anchor: (Instant::now(), epoch_ms),
        })
    }

    fn open(&mut self, kind: Open) -> Block {
        self.open.push(kind);
        Block {
            depth: self.open.len(),
            kind,
        }
    }

    fn emit(&mut self, op: Op) -> usize {
        self.prog.ops.push(op);
        self.prog.ops.len() - 1
    }

    /// Points the forward jump at `at` to the next op.
    fn patch(&mut self, at: usize) {
        let here = self.prog.ops.len();
        match &mut self.prog.ops[at] {
            Op::Unless { to, .. } | Op::Jump(to) => *to = here,
            Op::LoopTest { exit, .. }
            | Op::ForeachTest { exit, .. }
            | Op::Once { exit }
            | Op::ChoiceNext { exit, .. }
            | Op::Gate { exit, .. }
            | Op::Deadline { exit, .. } => *exit = here,
            other => unreachable!("patching a non-jump {other:?}"),
        }
    }

    fn slot(&mut self) -> usize {
        self.prog.slots += 1;
        self.prog.slots - 1
    }
}

fn invalid(what: &str, value: &str, reason: &str) -> Problem {
    Problem::Invalid {
        what: what.into(),
        value: value.into(),
        reason: reason.into(),
        fix: "".into(),
    }
}
