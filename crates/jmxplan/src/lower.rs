//! The walk: the Test Plan's elements scope over every group, a group's over its samplers; logic
//! controllers become the builder's blocks.

use stampede_http::ClientConfig;
use stampede_jmx::{
    Assertion, Config, Controller, Extractor, FlowControl, GroupRole, HttpRequest, Kind, Loops,
    Node, Num, OnSampleError, Plan, Timer,
};
use stampede_scenario::{Action, AuthEntry, Count, ProgramBuilder};

use crate::control::{Includes, load_includes};
use crate::eval::Eval;
use crate::names::kind_name;
use crate::{Error, Group, Lowered, Options, Refusal, load};

/// What applies to the samplers below a point of the tree (JMeter's scoping rules).
#[derive(Clone, Default)]
pub(crate) struct Scope<'p> {
    pub path: Vec<&'p str>,
    /// HTTP Request Defaults, outermost first.
    pub defaults: Vec<&'p HttpRequest>,
    /// Header Managers merged: a closer manager replaces a header of the same name.
    pub headers: Vec<(String, String)>,
    /// Closest manager first.
    pub auth: Vec<AuthEntry>,
    pub timers: Vec<(&'p Node, &'p Timer)>,
    pub extractors: Vec<(&'p Node, &'p Extractor)>,
    pub assertions: Vec<(&'p Node, &'p Assertion)>,
}

/// Where a scope's elements sit: some only work at the top of a group.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Plan,
    Group,
    Inner,
}

/// Lowers one thread group.
pub(crate) struct Lowerer<'o> {
    pub b: ProgramBuilder,
    pub ev: Eval<'o>,
    pub opts: &'o Options,
    pub refusals: Vec<Refusal>,
    pub warnings: Vec<String>,
    pub cookies: bool,
    /// Requests per second for the group from a Constant or Precise Throughput Timer.
    pub throughput: Option<f64>,
    pub threads: u32,
    /// The plan: where Module Controllers find their targets.
    pub plan: &'o Plan,
    pub includes: &'o Includes,
    /// The Module targets and included fragments being lowered, outermost first.
    pub expanding: Vec<&'o Node>,
    /// Module and Include Controllers expanded so far in this thread group.
    pub expansions: usize,
    /// CSV readers shared by several thread groups, by file name and sharing key.
    pub csv_readers: &'o CsvReaders,
}

pub(crate) type CsvReaders = std::cell::RefCell<
    std::collections::HashMap<String, std::sync::Arc<stampede_scenario::DataSource>>,
>;

impl<'o> Lowerer<'o> {
    pub(crate) fn refuse(&mut self, scope: &Scope<'_>, node: &Node, reason: impl Into<String>) {
        let mut path = scope.path.join(" / ");
        if !path.is_empty() {
            path.push_str(" / ");
        }
        path.push_str(&node.name);
        self.refusals.push(Refusal {
            line: node.line,
            path,
            kind: kind_name(&node.kind).to_string(),
            reason: reason.into(),
        });
    }

    /// The scope inside `node`: its parent's plus the node's own config elements, timers,
    /// extractors and assertions.
    pub(crate) fn enter<'p>(
        &mut self,
        outer: &Scope<'p>,
        node: &'p Node,
        level: Level,
    ) -> Scope<'p> {
        let mut scope = outer.clone();
        scope.path.push(&node.name);
        for child in &node.children {
            match &child.kind {
                Kind::Config(c) => self.config(&mut scope, child, c, level),
                Kind::Timer(t) => self.timer(&mut scope, child, t, level),
                Kind::Extractor(e) => scope.extractors.push((child, e)),
                Kind::Assertion(a) => scope.assertions.push((child, a)),
                _ => {}
            }
        }
        scope
    }

    fn timer<'p>(&mut self, scope: &mut Scope<'p>, node: &'p Node, t: &'p Timer, level: Level) {
        let rate = match t {
            Timer::ConstantThroughput {
                per_minute,
                calc_mode,
            } => per_minute.as_ref().map(|pm| {
                self.ev.float(pm).map(|pm| {
                    // Mode 0 paces each thread; the others share the rate across threads.
                    let per_thread = matches!(calc_mode, Num::Lit(0));
                    let threads = if per_thread {
                        f64::from(self.threads)
                    } else {
                        1.0
                    };
                    pm / 60.0 * threads
                })
            }),
            Timer::PreciseThroughput {
                throughput, period, ..
            } => throughput.as_ref().map(|n| {
                let per = period
                    .as_ref()
                    .map_or(Ok(std::time::Duration::from_secs(3600)), |p| {
                        self.ev.time(p, std::time::Duration::from_secs(1))
                    });
                self.ev
                    .float(n)
                    .and_then(|n| per.map(|p| n / p.as_secs_f64().max(1e-9)))
            }),
            Timer::Shaping { .. } => {
                self.refuse(
                    scope,
                    node,
                    "is not supported: its schedule changes the rate over time and the engine paces a thread group at one rate; use Taurus's `throughput` with `ramp-up`/`hold-for`/`steps`, or a Constant Throughput Timer",
                );
                return;
            }
            _ => {
                scope.timers.push((node, t));
                return;
            }
        };
        if level == Level::Inner {
            self.refuse(scope, node, "paces only the samplers of a controller; put it directly under the Thread Group or the Test Plan");
            return;
        }
        match rate {
            Some(Ok(r)) if r > 0.0 => {
                self.throughput = Some(self.throughput.map_or(r, |t| t.min(r)))
            }
            Some(Ok(_)) | None => {}
            Some(Err(raw)) => self.refuse(
                scope,
                node,
                format!("{raw:?} has no value before the test starts"),
            ),
        }
    }

    fn config<'p>(&mut self, scope: &mut Scope<'p>, node: &'p Node, c: &'p Config, level: Level) {
        match c {
            Config::HttpDefaults(d) => scope.defaults.push(d),
            Config::Headers(h) => merge_headers(&mut scope.headers, h),
            Config::Cookies {
                cookies,
                clear_each_iteration,
                ..
            } => {
                if !cookies.is_empty() {
                    self.refuse(scope, node, "user-defined cookies are not supported; set them with a Header Manager (Cookie header)");
                }
                if *clear_each_iteration {
                    self.warnings.push(format!("{}: cookies are kept across iterations (\"clear cookies each iteration\" is not supported)", node.name));
                }
                if level == Level::Inner {
                    self.warnings.push(format!("{}: a Cookie Manager inside a controller stores cookies for the whole thread group", node.name));
                }
                self.cookies = true;
            }
            Config::Cache { .. } => self.warnings.push(format!(
                "{}: HTTP Cache Manager ignored: every request is sent",
                node.name
            )),
            Config::Auth { entries, .. } => {
                let mut own = Vec::new();
                for e in entries {
                    if e.mechanism.is_empty() || e.mechanism.eq_ignore_ascii_case("BASIC") {
                        own.push(AuthEntry::basic_for_url(&e.url, &e.username, &e.password));
                    } else {
                        self.refuse(
                            scope,
                            node,
                            format!("mechanism {} is not supported (only BASIC)", e.mechanism),
                        );
                    }
                }
                own.append(&mut scope.auth);
                scope.auth = own;
            }
            Config::Variables(vars) => {
                for v in vars {
                    if let Err(e) = self.b.variable(&v.name, &v.value) {
                        self.refuse(scope, node, format!("variable {}: {e}", v.name));
                    }
                }
            }
            Config::Csv(csv) => self.csv(scope, node, csv, level),
            Config::RandomVariable { .. } | Config::Counter { .. } => {
                self.per_iteration(scope, node, c, level)
            }
        }
    }

    /// Samplers, controllers and flow control actions, in order.
    pub(crate) fn children<'p>(&mut self, nodes: &'p [Node], scope: &Scope<'p>)
    where
        'o: 'p,
    {
        for node in nodes {
            self.child(node, scope);
        }
    }

    /// One sampler, controller or flow control action (anything else does nothing here).
    pub(crate) fn child<'p>(&mut self, node: &'p Node, scope: &Scope<'p>)
    where
        'o: 'p,
    {
        match &node.kind {
            Kind::Http(h) => self.sampler(node, h, scope),
            Kind::Controller(c) => self.controller(node, c, scope),
            Kind::FlowControl(f) => self.flow(node, f, scope),
            _ => {}
        }
    }

    pub(crate) fn controller<'p>(&mut self, node: &'p Node, c: &'p Controller, outer: &Scope<'p>)
    where
        'o: 'p,
    {
        let inner = self.enter(outer, node, Level::Inner);
        let block = match c {
            // A Test Fragment runs here only as a Module Controller's target.
            Controller::Simple | Controller::Fragment => {
                self.children(&node.children, &inner);
                return;
            }
            Controller::Transaction {
                parent,
                include_timers,
            } => {
                if *include_timers && !inner.timers.is_empty() {
                    self.warnings.push(format!(
                        "{}: timer time is not counted in the transaction's time",
                        node.name
                    ));
                }
                Ok(self.b.begin_transaction(&node.name, *parent))
            }
            Controller::Loop { loops } => self.b.begin_loop(match loops {
                Loops::Forever => Count::Forever,
                Loops::Count(Num::Lit(n)) => Count::Times(*n),
                Loops::Count(Num::Expr(raw)) => Count::Expr(raw.clone()),
            }),
            Controller::If {
                condition,
                evaluate_all,
                ..
            } => {
                if *evaluate_all {
                    return self.refuse(
                        outer,
                        node,
                        "\"Evaluate for all children\" is not supported",
                    );
                }
                if condition.trim().is_empty() {
                    return self.refuse(outer, node, "has an empty condition");
                }
                self.b.begin_if(condition.trim())
            }
            Controller::While { condition } => {
                let c = condition.trim();
                if c.is_empty() || c == "LAST" {
                    return self.refuse(outer, node, "conditions on the last sample's result (empty or LAST) are not supported; write a ${...} condition");
                }
                self.b.begin_while(c)
            }
            Controller::ForEach {
                input_prefix,
                output_var,
                use_separator,
                start,
                end,
            } => {
                if !*use_separator || start.is_some() || end.is_some() {
                    return self.refuse(outer, node, "only the default form (prefix_1, prefix_2..., no start or end index) is supported");
                }
                Ok(self.b.begin_foreach(output_var, input_prefix))
            }
            Controller::OnceOnly => Ok(self.b.begin_once()),
            other => return self.special(node, other, outer, &inner),
        };
        match block {
            Ok(block) => {
                self.children(&node.children, &inner);
                self.b.end(block);
            }
            Err(e) => self.refuse(outer, node, e.to_string()),
        }
    }

    fn flow(&mut self, node: &Node, f: &FlowControl, scope: &Scope<'_>) {
        let action =
            match f {
                FlowControl::Pause(None) => return,
                FlowControl::Pause(Some(t)) => {
                    match self.ev.time(t, std::time::Duration::from_millis(1)) {
                        Ok(d) => Action::Pause(d),
                        Err(raw) => {
                            return self.refuse(
                                scope,
                                node,
                                format!("{raw:?} has no value before the test starts"),
                            );
                        }
                    }
                }
                FlowControl::StopThread => Action::StopUser,
                FlowControl::StartNextThreadLoop => Action::NextIteration,
                _ => return self.refuse(
                    scope,
                    node,
                    "only pause, stop the current thread and start next thread loop are supported",
                ),
            };
        self.b.action(action);
    }
}

/// The Test Plan's variables with a value known at start (literals and property functions).
fn plan_variables(plan: &Plan, opts: &Options) -> std::collections::HashMap<String, String> {
    let no_vars = std::collections::HashMap::new();
    let ev = Eval {
        props: &opts.properties,
        vars: &no_vars,
    };
    let top = plan.children.iter().filter_map(|n| match &n.kind {
        Kind::Config(Config::Variables(v)) => Some(v.iter().map(|v| (&v.name, &v.value))),
        _ => None,
    });
    let own = plan.variables.iter().map(|v| (&v.name, &v.value));
    let taurus = opts.variables.iter().map(|(k, v)| (k, v));
    own.chain(top.flatten())
        .chain(taurus)
        .filter_map(|(k, v)| ev.text(v).map(|v| (k.clone(), v)))
        .collect()
}

fn merge_headers(into: &mut Vec<(String, String)>, own: &[(String, String)]) {
    for (name, value) in own {
        into.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        into.push((name.clone(), value.clone()));
    }
}

/// Lowers every main thread group of the plan.
pub(crate) fn plan(plan: &Plan, opts: &Options) -> Result<Lowered, Error> {
    let vars = plan_variables(plan, opts);
    let ev = Eval {
        props: &opts.properties,
        vars: &vars,
    };
    let mut refusals = Vec::new();
    let mut warnings = Vec::new();
    let mut groups = Vec::new();
    let root = Node {
        name: plan.name.clone(),
        line: 0,
        kind: Kind::Controller(Controller::Simple),
        children: plan.children.clone(),
    };
    let includes = load_includes(plan, opts);
    let csv_readers = CsvReaders::default();
    let mains = plan
        .thread_groups()
        .filter(|(_, g)| g.role == GroupRole::Main)
        .count();
    for (node, g) in plan.thread_groups() {
        let top = Scope {
            path: vec![&plan.name],
            ..Scope::default()
        };
        let mut l = Lowerer::new(ev, opts, plan, &includes, &csv_readers);
        if g.role == GroupRole::Main && plan.serialize_thread_groups && mains > 1 {
            l.refuse(&top, node, "\"Run Thread Groups consecutively\" is not supported; run the groups as separate tests");
        } else {
            if g.on_sample_error != OnSampleError::Continue {
                l.warnings.push(format!(
                    "thread group {}: the action after a sampler error ({:?}) is not supported; its threads continue",
                    node.name, g.on_sample_error
                ));
            }
            match load::load_spec(g, ev) {
                Ok((load, delay)) => {
                    l.threads = load.concurrency;
                    if let Some(mut scenario) = l.group(plan, &root, node) {
                        scenario.role = g.role;
                        groups.push((node.name.clone(), load, delay, scenario, l.throughput));
                    }
                }
                Err(reason) => l.refuse(&top, node, reason),
            }
        }
        refusals.append(&mut l.refusals);
        warnings.append(&mut l.warnings);
    }
    refusals.dedup_by(|a, b| a.line == b.line && a.reason == b.reason);
    if !refusals.is_empty() {
        return Err(Error::Refused(refusals));
    }
    finish(groups, opts, warnings)
}

type Built = (
    String,
    stampede_config::LoadSpec,
    Option<std::time::Duration>,
    crate::lower::Pending,
    Option<f64>,
);

/// A group's program, not yet finished (the client settings are known at the end).
pub(crate) struct Pending {
    b: ProgramBuilder,
    cookies: bool,
    role: GroupRole,
}

impl<'o> Lowerer<'o> {
    fn new(
        ev: Eval<'o>,
        opts: &'o Options,
        plan: &'o Plan,
        includes: &'o Includes,
        csv_readers: &'o CsvReaders,
    ) -> Self {
        Lowerer {
            b: ProgramBuilder::new(opts.properties.clone()),
            ev,
            opts,
            refusals: Vec::new(),
            warnings: Vec::new(),
            cookies: false,
            throughput: None,
            threads: 1,
            plan,
            includes,
            expanding: Vec::new(),
            expansions: 0,
            csv_readers,
        }
    }

    fn group<'p>(&mut self, plan: &'p Plan, root: &'p Node, group: &'p Node) -> Option<Pending>
    where
        'o: 'p,
    {
        for v in &plan.variables {
            if let Err(e) = self.b.variable(&v.name, &v.value) {
                self.warnings
                    .push(format!("Test Plan variable {}: {e}", v.name));
            }
        }
        let mut top = self.enter(&Scope::default(), root, Level::Plan);
        for (name, value) in &self.opts.variables {
            if let Err(e) = self.b.variable(name, value) {
                self.refusals
                    .push(taurus_refusal("variables", name, e.to_string()));
            }
        }
        merge_headers(&mut top.headers, &self.opts.headers);
        top.path.truncate(1);
        let scope = self.enter(&top, group, Level::Group);
        self.children(&group.children, &scope);
        if !self.b.has_requests() && self.refusals.is_empty() {
            self.warnings.push(format!(
                "thread group {}: no HTTP sampler, nothing to run",
                group.name
            ));
            return None;
        }
        let b = std::mem::take(&mut self.b);
        Some(Pending {
            b,
            cookies: self.cookies,
            role: GroupRole::Main,
        })
    }
}

fn taurus_refusal(key: &str, name: &str, reason: String) -> Refusal {
    Refusal {
        line: 0,
        path: format!("scenario.{key}.{name}"),
        kind: "Taurus setting".into(),
        reason,
    }
}

fn finish(built: Vec<Built>, opts: &Options, warnings: Vec<String>) -> Result<Lowered, Error> {
    if built.is_empty() {
        return Err(Error::NothingToRun);
    }
    // Taurus's limiter is test-wide and its load settings touch only the main groups: each main
    // group takes its share of their threads.
    let main = |p: &Pending| p.role == GroupRole::Main;
    let total_threads: f64 = built
        .iter()
        .filter(|g| main(&g.3))
        .map(|g| f64::from(g.1.concurrency))
        .sum();
    let mut groups = Vec::new();
    for (i, (name, mut load, delay, pending, timer_rate)) in built.into_iter().enumerate() {
        let share = opts
            .throughput
            .filter(|_| main(&pending))
            .map(|t| t * f64::from(load.concurrency) / total_threads.max(1.0));
        load.throughput = match (share, timer_rate) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let client = ClientConfig {
            store_cookies: pending.cookies,
            ..ClientConfig::default()
        };
        let source = opts
            .first_source
            .saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        let scenario = pending
            .b
            .finish(&name, client, source)
            .map_err(|e| Error::Scenario {
                group: name.clone(),
                source: Box::new(e),
            })?;
        groups.push(Group {
            name,
            role: pending.role,
            load,
            delay,
            scenario,
        });
    }
    Ok(Lowered { groups, warnings })
}
