//! YAML logic blocks (`docs/taurus-config.md#logic-blocks`) lowered into builder blocks: `if`, `once`, `loop`, `while`,
//! `foreach`, `transaction`, `set-variables`, `include-scenario`, `action`.

use super::builder::Count;
use super::compile::Action;
use super::error::{At, Problem, Res};
use super::raw::{RawAction, RawScenario, scalar_text};
use super::yaml::{Compiler, Defaults};
use serde_json::Value;

/// A block being compiled: its keyword, its mapping and where it is (for errors).
pub(super) struct YamlBlock<'v> {
    pub name: &'static str,
    pub obj: &'v serde_json::Map<String, Value>,
    pub at: &'v str,
}

impl YamlBlock<'_> {
    /// The list under `key` (`then`, `else`, `do`, `once`); errors are keyed by it.
    fn list(&self, key: &'static str) -> Res<&Vec<Value>> {
        match self.obj.get(key) {
            Some(Value::Array(a)) => Ok(a),
            Some(Value::Null) | None => Err(Problem::Missing {
                what: format!("`{}` block", self.name),
                key: match key {
                    "then" => "a `then` list",
                    "once" => "a `once` list",
                    _ => "a `do` list",
                },
            })
            .at("", key),
            Some(other) => Err(Problem::WrongType {
                what: format!("`{key}`"),
                expected: "a list",
                found: other.to_string(),
            })
            .at("", key),
        }
    }

    fn text(&self) -> String {
        scalar_text(&self.obj[self.name]).unwrap_or_default()
    }

    fn sub(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }
}

impl Compiler<'_> {
    /// Errors are keyed inside the block; the caller places them at the block's item.
    pub(super) fn block(&mut self, b: &YamlBlock<'_>, d: &Defaults) -> Res<()> {
        match b.name {
            "if" => self.block_if(b, d),
            "once" => {
                let list = b.list("once")?;
                let block = self.b.begin_once();
                self.list(list, d, &b.sub("once"))?;
                self.b.end(block);
                Ok(())
            }
            "loop" => self.block_loop(b, d),
            "while" => {
                let mut text = b.text();
                if text.trim().is_empty() || text.trim() == "LAST" {
                    // JMeter: a blank condition (or LAST) loops until a sample in the body fails.
                    text = "${JMeterThread.last_sample_ok}".into();
                }
                let list = b.list("do")?;
                let block = self.b.begin_while(&text).at("", "while")?;
                self.list(list, d, &b.sub("do"))?;
                self.b.end(block);
                Ok(())
            }
            "foreach" => self.block_foreach(b, d),
            "transaction" => self.block_transaction(b, d),
            "include-scenario" => self.include(b, d),
            "action" => self.action(b),
            "set-variables" => self.block_set_variables(b),
            other => Err(Problem::Unsupported {
                what: format!("`{other}` blocks"),
                fix: "they are apiritif-only; the JMeter-compatible executor has no equivalent",
            })
            .at("", other),
        }
    }

    fn block_if(&mut self, b: &YamlBlock<'_>, d: &Defaults) -> Res<()> {
        let then = b.list("then")?;
        let els = match b.obj.get("else") {
            Some(Value::Array(els)) => Some(els),
            None | Some(Value::Null) => None,
            Some(other) => {
                return Err(Problem::WrongType {
                    what: "`else`".into(),
                    expected: "a list",
                    found: other.to_string(),
                })
                .at("", "else");
            }
        };
        let mut block = self.b.begin_if(&b.text()).at("", "if")?;
        self.list(then, d, &b.sub("then"))?;
        if let Some(els) = els {
            self.b.begin_else(&mut block);
            self.list(els, d, &b.sub("else"))?;
        }
        self.b.end(block);
        Ok(())
    }

    fn block_loop(&mut self, b: &YamlBlock<'_>, d: &Defaults) -> Res<()> {
        let count = match &b.obj["loop"] {
            Value::String(s) if s == "forever" => Count::Forever,
            Value::Number(n) if n.as_i64() == Some(-1) => Count::Forever,
            Value::Number(n) if n.as_u64().is_some() => Count::Times(n.as_u64().unwrap_or(0)),
            Value::String(s) if s.trim().parse::<u64>().is_ok() => {
                Count::Times(s.trim().parse().unwrap_or(0))
            }
            Value::String(s) if s.contains("${") => Count::Expr(s.clone()),
            other => {
                return Err(Problem::WrongType {
                    what: "the count".into(),
                    expected: "a count or `forever`",
                    found: other.to_string(),
                })
                .at("", "loop");
            }
        };
        let list = b.list("do")?;
        let block = self.b.begin_loop(count).at("", "loop")?;
        self.list(list, d, &b.sub("do"))?;
        self.b.end(block);
        Ok(())
    }

    fn block_foreach(&mut self, b: &YamlBlock<'_>, d: &Defaults) -> Res<()> {
        let spec = b.text();
        let (item, prefix) = spec
            .split_once(" in ")
            .map(|(a, b)| (a.trim(), b.trim()))
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| Problem::Invalid {
                what: "foreach".into(),
                value: spec.clone(),
                reason: "must read `<item> in <collection>`".into(),
                fix: "write e.g. `foreach: id in ids` (ids_1, ids_2... from an extractor with match-no: -1)"
                    .into(),
            })
            .at("", "foreach")?;
        let list = b.list("do")?;
        let block = self.b.begin_foreach(item, prefix);
        self.list(list, d, &b.sub("do"))?;
        self.b.end(block);
        Ok(())
    }

    fn block_transaction(&mut self, b: &YamlBlock<'_>, d: &Defaults) -> Res<()> {
        let label = scalar_text(&b.obj["transaction"])
            .ok_or(Problem::Missing {
                what: "transaction".into(),
                key: "a name",
            })
            .at("", "transaction")?;
        let parent_only = match b.obj.get("force-parent-sample") {
            Some(Value::Bool(v)) => *v,
            _ => d.parent_only,
        };
        if matches!(b.obj.get("include-timers"), Some(Value::Bool(true))) {
            return Err(Problem::Unsupported {
                what: "include-timers: true".into(),
                fix: "think time is never part of a transaction's time here; remove it",
            })
            .at("", "include-timers");
        }
        let list = b.list("do")?;
        let block = self.b.begin_transaction(&label, parent_only);
        self.list(list, d, &b.sub("do"))?;
        self.b.end(block);
        Ok(())
    }

    fn block_set_variables(&mut self, b: &YamlBlock<'_>) -> Res<()> {
        let Some(Value::Object(m)) = b.obj.get("set-variables") else {
            return Err(Problem::WrongType {
                what: "set-variables".into(),
                expected: "a mapping of name: value",
                found: b.obj["set-variables"].to_string(),
            })
            .at("", "set-variables");
        };
        let mut vars = Vec::with_capacity(m.len());
        for (k, v) in m {
            let text = scalar_text(v)
                .ok_or_else(|| Problem::WrongType {
                    what: "a value".into(),
                    expected: "a scalar",
                    found: v.to_string(),
                })
                .at("", &format!("set-variables.{k}"))?;
            vars.push((k.clone(), text));
        }
        self.b.set_variables(&vars)
    }

    fn include(&mut self, b: &YamlBlock<'_>, parent: &Defaults) -> Res<()> {
        let name = b.obj["include-scenario"]
            .as_str()
            .ok_or(Problem::Missing {
                what: "include-scenario".into(),
                key: "a scenario name",
            })
            .at("", "include-scenario")?;
        let scen = self
            .scenarios
            .and_then(|s| s.get(name))
            .ok_or_else(|| Problem::UnknownScenario { name: name.into() })
            .at("", "include-scenario")?
            .clone();
        let raw: RawScenario = serde_json::from_value(scen)
            .map_err(|e| Problem::Shape {
                detail: format!("included scenario {name:?}: {e}"),
                keys: "requests, default-address, headers, ...",
            })
            .at("", "include-scenario")?;
        self.include_scenario(name, &raw, parent, b.at)
    }

    fn action(&mut self, b: &YamlBlock<'_>) -> Res<()> {
        if b.obj.contains_key("jsr223") {
            return Err(Problem::Unsupported {
                what: "jsr223".into(),
                fix: "Groovy/JavaScript cannot run here; use set-variables instead",
            })
            .at("", "jsr223");
        }
        let raw: RawAction = serde_json::from_value(Value::Object(b.obj.clone()))
            .map_err(|e| Problem::Shape {
                detail: format!("action: {e}"),
                keys: "action, target, pause-duration",
            })
            .at("", "action")?;
        let target = raw.target.as_deref().unwrap_or("current-thread");
        let act = match raw.action.as_str() {
            // Taurus: no pause-duration means a zero pause (a "parameterized controller").
            "pause" => Action::Pause(
                self.duration(raw.pause_duration.as_ref(), "pause-duration")?
                    .unwrap_or_default(),
            ),
            "stop" | "stop-now" if target == "current-thread" => Action::StopUser,
            "continue" => Action::NextIteration,
            "stop" | "stop-now" => {
                return Err(Problem::Unsupported {
                    what: format!("action {} with target {target:?}", raw.action),
                    fix: "use target: current-thread",
                })
                .at("", "target");
            }
            other => {
                return Err(Problem::Invalid {
                    what: String::new(),
                    value: other.into(),
                    reason: "is not an action".into(),
                    fix: "use pause, stop, stop-now or continue".into(),
                })
                .at("", "action");
            }
        };
        self.b.action(act);
        Ok(())
    }
}
