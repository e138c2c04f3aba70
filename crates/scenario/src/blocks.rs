//! Logic blocks (spec §3.6) compiled into ops with jumps: `if`, `loop`, `while`, `foreach`,
//! `transaction`, `set-variables`, `include-scenario`, `action`.

use super::compile::{Action, Compiler, Defaults, LoopCount, Op, Tx};
use super::cond;
use super::raw::{RawAction, RawScenario, scalar_text};
use serde_json::Value;

/// A block being compiled: its keyword, its mapping and where it is (for errors).
pub(super) struct Block<'v> {
    pub name: &'static str,
    pub obj: &'v serde_json::Map<String, Value>,
    pub at: &'v str,
}

impl Block<'_> {
    pub fn list(&self, key: &str) -> Result<&Vec<Value>, String> {
        match self.obj.get(key) {
            Some(Value::Array(a)) => Ok(a),
            Some(Value::Null) | None => Err(format!(
                "{}: `{}` block needs a `{key}` list",
                self.at, self.name
            )),
            Some(other) => Err(format!(
                "{}: `{key}` must be a list, found {other}",
                self.at
            )),
        }
    }

    fn text(&self) -> String {
        scalar_text(&self.obj[self.name]).unwrap_or_default()
    }
}

impl Compiler<'_> {
    pub(super) fn block_if(&mut self, b: &Block<'_>, d: &Defaults) -> Result<(), String> {
        let at = b.at;
        let c = cond::parse(&b.text(), &mut self.tc).map_err(|e| format!("{at}: {e}"))?;
        let cond = self.push_cond(c);
        let unless = self.emit(Op::Unless { cond, to: 0 });
        self.list(b.list("then")?, d, &format!("{at}.then"))?;
        match b.obj.get("else") {
            Some(Value::Array(els)) => {
                let jump = self.emit(Op::Jump(0));
                self.patch(unless);
                self.list(els, d, &format!("{at}.else"))?;
                self.patch(jump);
            }
            None | Some(Value::Null) => self.patch(unless),
            Some(other) => return Err(format!("{at}: `else` must be a list, found {other}")),
        }
        Ok(())
    }

    pub(super) fn block_loop(&mut self, b: &Block<'_>, d: &Defaults) -> Result<(), String> {
        let at = b.at;
        let count = match &b.obj["loop"] {
            Value::String(s) if s == "forever" => LoopCount::Fixed(None),
            Value::Number(n) if n.as_i64() == Some(-1) => LoopCount::Fixed(None),
            Value::Number(n) if n.as_u64().is_some() => LoopCount::Fixed(n.as_u64()),
            Value::String(s) if s.trim().parse::<u64>().is_ok() => {
                LoopCount::Fixed(s.trim().parse().ok())
            }
            Value::String(s) if s.contains("${") => {
                LoopCount::Tpl(self.tpl(s, &format!("{at}: loop"))?)
            }
            other => {
                return Err(format!(
                    "{at}: `loop` must be a count or `forever`, found {other}"
                ));
            }
        };
        let slot = self.slot();
        self.emit(Op::LoopInit { slot });
        let test = self.emit(Op::LoopTest {
            slot,
            count,
            exit: 0,
        });
        self.body_and_back(b, d, test)
    }

    pub(super) fn block_while(&mut self, b: &Block<'_>, d: &Defaults) -> Result<(), String> {
        let mut text = b.text();
        if text.trim().is_empty() || text.trim() == "LAST" {
            // JMeter: a blank condition (or LAST) loops until a sample in the body fails.
            text = "${JMeterThread.last_sample_ok}".into();
        }
        let c = cond::parse(&text, &mut self.tc).map_err(|e| format!("{}: {e}", b.at))?;
        let cond = self.push_cond(c);
        let test = self.emit(Op::Unless { cond, to: 0 });
        self.body_and_back(b, d, test)
    }

    pub(super) fn block_foreach(&mut self, b: &Block<'_>, d: &Defaults) -> Result<(), String> {
        let spec = b.text();
        let (item, prefix) = spec
            .split_once(" in ")
            .map(|(a, b)| (a.trim(), b.trim()))
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| {
                format!(
                    "{}: foreach must read `<item> in <collection>`, found {spec:?}",
                    b.at
                )
            })?;
        let slot = self.slot();
        self.emit(Op::LoopInit { slot });
        let test = self.emit(Op::ForeachTest {
            slot,
            item: item.into(),
            prefix: prefix.into(),
            exit: 0,
        });
        self.body_and_back(b, d, test)
    }

    /// The `do` list, a jump back to the loop's test, and the test's exit pointing past it.
    fn body_and_back(&mut self, b: &Block<'_>, d: &Defaults, test: usize) -> Result<(), String> {
        self.list(b.list("do")?, d, &format!("{}.do", b.at))?;
        self.emit(Op::Back(test));
        self.patch(test);
        Ok(())
    }

    pub(super) fn block_transaction(&mut self, b: &Block<'_>, d: &Defaults) -> Result<(), String> {
        let at = b.at;
        let label = scalar_text(&b.obj["transaction"])
            .ok_or_else(|| format!("{at}: transaction needs a name"))?;
        let parent_only = match b.obj.get("force-parent-sample") {
            Some(Value::Bool(v)) => *v,
            _ => d.parent_only,
        };
        if matches!(b.obj.get("include-timers"), Some(Value::Bool(true))) {
            return Err(format!(
                "{at}: include-timers: true is not supported (think time is never part of a transaction's time here)"
            ));
        }
        let tx = self.prog.txs.len();
        self.prog.txs.push(Tx {
            label: label.into(),
            parent_only,
        });
        self.emit(Op::TxBegin(tx));
        self.list(b.list("do")?, d, &format!("{at}.do"))?;
        self.emit(Op::TxEnd(tx));
        Ok(())
    }

    pub(super) fn block_set_variables(&mut self, b: &Block<'_>) -> Result<(), String> {
        let at = b.at;
        let Some(Value::Object(m)) = b.obj.get("set-variables") else {
            return Err(format!(
                "{at}: set-variables must be a mapping of name: value"
            ));
        };
        let mut vars = Vec::new();
        for (k, v) in m {
            let text = scalar_text(v)
                .ok_or_else(|| format!("{at}: set-variables {k}: value must be a scalar"))?;
            vars.push((
                k.as_str().into(),
                self.tpl(&text, &format!("{at}: set-variables {k}"))?,
            ));
        }
        self.prog.set_vars.push(vars);
        self.emit(Op::SetVars(self.prog.set_vars.len() - 1));
        Ok(())
    }

    pub(super) fn include(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        parent: &Defaults,
        at: &str,
    ) -> Result<(), String> {
        let name = obj["include-scenario"]
            .as_str()
            .ok_or_else(|| format!("{at}: include-scenario needs a scenario name"))?;
        let scen = self
            .scenarios
            .and_then(|s| s.get(name))
            .ok_or_else(|| {
                format!("{at}: include-scenario {name:?}: no such scenario in `scenarios`")
            })?
            .clone();
        let raw: RawScenario = serde_json::from_value(scen)
            .map_err(|e| format!("{at}: included scenario {name:?}: {e}"))?;
        // Included scenarios come from the same effective config; their files resolve like the parent's.
        let base_dir = self.base_dir.clone();
        self.scenario(name, &raw, &base_dir, Some(parent))
            .map_err(|e| format!("{at}: in included scenario {name:?}: {e}"))
    }

    pub(super) fn action(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<(), String> {
        if obj.contains_key("jsr223") {
            return Err(format!(
                "{at}: jsr223 is not supported (Groovy/JavaScript cannot run here); use set-variables instead"
            ));
        }
        let raw: RawAction = serde_json::from_value(Value::Object(obj.clone()))
            .map_err(|e| format!("{at}: action: {e} (keys: action, target, pause-duration)"))?;
        let target = raw.target.as_deref().unwrap_or("current-thread");
        let act = match raw.action.as_str() {
            "pause" => {
                // Taurus: no pause-duration means a zero pause (a "parameterized controller").
                let d = self
                    .duration(raw.pause_duration.as_ref(), "pause-duration")
                    .map_err(|e| format!("{at}: {e}"))?
                    .unwrap_or_default();
                Action::Pause(d)
            }
            "stop" | "stop-now" if target == "current-thread" => Action::StopUser,
            "continue" => Action::NextIteration,
            "stop" | "stop-now" => {
                return Err(format!(
                    "{at}: action {} with target {target:?} is not supported; use target: current-thread",
                    raw.action
                ));
            }
            other => {
                return Err(format!(
                    "{at}: unknown action {other:?} (use pause, stop, stop-now or continue)"
                ));
            }
        };
        self.emit(Op::Action(act));
        Ok(())
    }
}
