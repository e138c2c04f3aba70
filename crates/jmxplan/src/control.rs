//! The logic controllers beyond plain blocks: Random, Random Order, Interleave, Switch,
//! Throughput and Runtime controllers become the builder's choice, gate and runtime blocks;
//! Module and Include controllers run another part of the tree (or of another file) in place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_jmx::{Controller, Kind, Limits, Node, Plan, ThroughputStyle};
use stampede_scenario::{ChoiceSpec, ThroughputRule};

use crate::Options;
use crate::lower::{Level, Lowerer, Scope};

/// How deep Module and Include Controllers may nest, and how many times a thread group may
/// expand them in all: a plan beyond these would build a program too large to be meant.
const MAX_NESTING: usize = 16;
const MAX_EXPANSIONS: usize = 1000;

/// The Test Fragment of every file named by an Include Controller, read before lowering, keyed
/// by the file name as written; `Err` says why it cannot be used.
pub(crate) type Includes = HashMap<String, Result<Node, String>>;

/// Whether JMeter counts the node among a controller's children (its `subControllersAndSamplers`):
/// samplers, controllers and Flow Control Actions; config elements, timers and the like are not.
pub(crate) fn is_step(node: &Node) -> bool {
    matches!(
        node.kind,
        Kind::Http(_) | Kind::Controller(_) | Kind::FlowControl(_)
    )
}

impl<'o> Lowerer<'o> {
    /// A controller the builder has no plain block for.
    pub(crate) fn special<'p>(
        &mut self,
        node: &'p Node,
        c: &'p Controller,
        outer: &Scope<'p>,
        inner: &Scope<'p>,
    ) where
        'o: 'p,
    {
        match c {
            Controller::Random {
                ignore_sub_controller_blocks,
            } => self.choice(
                node,
                ChoiceSpec::Random,
                *ignore_sub_controller_blocks,
                outer,
                inner,
            ),
            Controller::RandomOrder => {
                self.choice(node, ChoiceSpec::RandomOrder, false, outer, inner)
            }
            Controller::Interleave {
                ignore_sub_controller_blocks,
                across_threads,
            } => self.choice(
                node,
                ChoiceSpec::Interleave {
                    offset_by_thread: *across_threads,
                },
                *ignore_sub_controller_blocks,
                outer,
                inner,
            ),
            Controller::Switch { value } => {
                self.choice(node, ChoiceSpec::Switch(value.clone()), false, outer, inner)
            }
            Controller::Throughput { style, per_thread } => {
                self.throughput(node, style, *per_thread, outer, inner)
            }
            Controller::RunTime { duration } => self.runtime(node, duration.as_ref(), outer, inner),
            Controller::Module { node_path } => self.module(node, node_path, outer),
            Controller::Include { filename } => self.include(node, filename, outer),
            _ => self.refuse(outer, node, "is not supported"),
        }
    }

    fn choice<'p>(
        &mut self,
        node: &'p Node,
        spec: ChoiceSpec,
        ignore_blocks: bool,
        outer: &Scope<'p>,
        inner: &Scope<'p>,
    ) where
        'o: 'p,
    {
        let arms: Vec<&Node> = node.children.iter().filter(|n| is_step(n)).collect();
        if ignore_blocks && arms.iter().any(|n| matches!(n.kind, Kind::Controller(_))) {
            return self.refuse(
                outer,
                node,
                "\"ignore sub-controller blocks\" with a controller among its children is not supported; uncheck it to run each child controller whole",
            );
        }
        let block = match self.b.begin_choice(spec) {
            Ok(block) => block,
            Err(e) => return self.refuse(outer, node, e.to_string()),
        };
        for arm in arms {
            self.b.begin_arm(&block, &arm.name);
            self.child(arm, inner);
        }
        self.b.end(block);
    }

    fn throughput<'p>(
        &mut self,
        node: &'p Node,
        style: &ThroughputStyle,
        per_thread: bool,
        outer: &Scope<'p>,
        inner: &Scope<'p>,
    ) where
        'o: 'p,
    {
        let no_value = |raw: String| format!("{raw:?} has no value before the test starts");
        // JMeter's defaults when the value is missing: 1 execution, 100 percent.
        let rule = match style {
            ThroughputStyle::TotalExecutions(n) => match n.as_ref().map(|n| self.ev.int(n)) {
                None => Ok(ThroughputRule::Total(1)),
                Some(n) => n.map(ThroughputRule::Total),
            },
            ThroughputStyle::Percent(p) => match p.as_ref().map(|p| self.ev.float(p)) {
                None => Ok(ThroughputRule::Percent(100.0)),
                Some(p) => p.map(ThroughputRule::Percent),
            },
        };
        let rule = match rule {
            Ok(rule) => rule,
            Err(raw) => return self.refuse(outer, node, no_value(raw)),
        };
        let block = self.b.begin_gate(rule, !per_thread);
        self.children(&node.children, inner);
        self.b.end(block);
    }

    fn runtime<'p>(
        &mut self,
        node: &'p Node,
        duration: Option<&stampede_jmx::Time>,
        outer: &Scope<'p>,
        inner: &Scope<'p>,
    ) where
        'o: 'p,
    {
        let limit = match duration.map(|t| self.ev.time(t, Duration::from_secs(1))) {
            None => Duration::ZERO,
            Some(Ok(d)) => d,
            Some(Err(raw)) => {
                return self.refuse(
                    outer,
                    node,
                    format!("{raw:?} has no value before the test starts"),
                );
            }
        };
        // JMeter reads whole seconds; with no time or no children the controller is skipped.
        let limit = Duration::from_secs(limit.as_secs());
        let steps: Vec<&Node> = node.children.iter().filter(|n| is_step(n)).collect();
        if limit.is_zero() || steps.is_empty() {
            return;
        }
        let block = self.b.begin_runtime(limit);
        for (i, step) in steps.into_iter().enumerate() {
            if i > 0 {
                self.b.check_deadline(&block);
            }
            self.child(step, inner);
        }
        self.b.end(block);
    }

    fn module<'p>(&mut self, node: &'p Node, node_path: &[String], outer: &Scope<'p>)
    where
        'o: 'p,
    {
        let Some(target) = self.plan.module_target(node_path) else {
            return self.refuse(
                outer,
                node,
                format!(
                    "its target {:?} is not an enabled element",
                    node_path.join(" / ")
                ),
            );
        };
        if self.expanding.iter().any(|t| std::ptr::eq(*t, target)) {
            return self.refuse(
                outer,
                node,
                "its target contains this Module Controller: it would run itself forever",
            );
        }
        self.expanding.push(target);
        self.nested(node, outer, |l| match &target.kind {
            Kind::Controller(c) => l.controller(target, c, outer),
            Kind::ThreadGroup(_) => {
                let inner = l.enter(outer, target, Level::Inner);
                l.children(&target.children, &inner);
            }
            _ => l.refuse(outer, node, "its target is not a controller"),
        });
        self.expanding.pop();
    }

    fn include<'p>(&mut self, node: &'p Node, filename: &str, outer: &Scope<'p>)
    where
        'o: 'p,
    {
        let includes = self.includes;
        match includes.get(filename) {
            Some(Ok(fragment)) if self.expanding.iter().any(|t| std::ptr::eq(*t, fragment)) => self
                .refuse(
                    outer,
                    node,
                    "the file includes itself: it would run forever",
                ),
            Some(Ok(fragment)) => {
                self.expanding.push(fragment);
                self.nested(node, outer, |l| {
                    // JMeter puts the fragment's children under the Include Controller.
                    let inner = l.enter(outer, node, Level::Inner);
                    let inner = l.enter(&inner, fragment, Level::Inner);
                    l.children(&fragment.children, &inner);
                });
                self.expanding.pop();
            }
            Some(Err(reason)) => self.refuse(outer, node, reason.clone()),
            None => self.refuse(outer, node, format!("{filename:?} was not read")),
        }
    }

    /// Runs `f` one Module/Include level deeper (the caller pushed the target on `expanding`),
    /// refusing a chain too deep or too many expansions.
    fn nested<'p>(&mut self, node: &'p Node, outer: &Scope<'p>, f: impl FnOnce(&mut Self)) {
        if self.expanding.len() > MAX_NESTING || self.expansions >= MAX_EXPANSIONS {
            return self.refuse(
                outer,
                node,
                format!(
                    "Module/Include Controllers nest more than {MAX_NESTING} deep or run more than {MAX_EXPANSIONS} times in a thread group"
                ),
            );
        }
        self.expansions += 1;
        f(self);
    }
}

/// Reads the file of every Include Controller of the plan (and of the files it includes).
pub(crate) fn load_includes(plan: &Plan, opts: &Options) -> Includes {
    let mut out = Includes::new();
    let mut todo: Vec<(String, usize)> = include_names(&plan.children)
        .into_iter()
        .map(|n| (n, 0))
        .collect();
    while let Some((name, depth)) = todo.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let fragment = load_fragment(&name, &opts.base_dir);
        if let Ok(f) = &fragment
            && depth < MAX_NESTING
        {
            todo.extend(
                include_names(&f.children)
                    .into_iter()
                    .map(|n| (n, depth + 1)),
            );
        }
        out.insert(name, fragment);
    }
    out
}

fn include_names(nodes: &[Node]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = nodes.iter().collect();
    while let Some(n) = stack.pop() {
        if let Kind::Controller(Controller::Include { filename }) = &n.kind {
            out.push(filename.clone());
        }
        stack.extend(&n.children);
    }
    out
}

/// JMeter's lookup: the name as given (absolute, or from the working directory), else from the
/// plan's directory; then the first enabled Test Fragment of that plan.
fn load_fragment(name: &str, base_dir: &Path) -> Result<Node, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("names no file".into());
    }
    let given = PathBuf::from(trimmed);
    let path = if given.is_file() {
        given
    } else {
        base_dir.join(trimmed)
    };
    let plan = stampede_jmx::read_file(&path, &Limits::default())
        .map_err(|e| format!("cannot use {}: {e}", path.display()))?;
    plan.children
        .into_iter()
        .find(|n| matches!(n.kind, Kind::Controller(Controller::Fragment)))
        .ok_or_else(|| format!("{} has no enabled Test Fragment", path.display()))
}
