//! The builder's blocks for JMeter's choosing controllers: choice (Random, Random Order,
//! Interleave, Switch), gate (Throughput) and runtime (Runtime Controller).

use super::{Block, ChoiceSpec, Open, ProgramBuilder};
use crate::choice::{Choice, ChoiceKind, Gate, ThroughputRule};
use crate::compile::Op;
use crate::error::Problem;
use std::time::Duration;

impl ProgramBuilder {
    /// A block whose arms (each begun with [`ProgramBuilder::begin_arm`]) run as `kind` picks
    /// them: JMeter's Random, Random Order, Interleave and Switch controllers. A Switch value
    /// may hold templates, rendered on each pass.
    pub fn begin_choice(&mut self, kind: ChoiceSpec) -> Result<Block, Problem> {
        let kind = match kind {
            ChoiceSpec::Random => ChoiceKind::Random,
            ChoiceSpec::RandomOrder => ChoiceKind::RandomOrder,
            ChoiceSpec::Interleave { offset_by_thread } => {
                ChoiceKind::Interleave { offset_by_thread }
            }
            ChoiceSpec::Switch(value) => ChoiceKind::Switch(self.template(&value)?),
        };
        self.prog.choices.push(Choice {
            kind,
            arms: Vec::new(),
            names: Vec::new(),
        });
        let choice = self.prog.choices.len() - 1;
        self.emit(Op::ChoiceInit(choice));
        let next = self.emit(Op::ChoiceNext { choice, exit: 0 });
        Ok(self.open(Open::Choice { choice, next }))
    }

    /// Starts the next arm of a choice block (ending the previous one).
    ///
    /// # Panics
    /// When `block` is not the innermost open block or not a choice (a front end bug).
    pub fn begin_arm(&mut self, block: &Block, name: &str) {
        let Open::Choice { choice, next } = block.kind else {
            panic!("begin_arm on {:?}: only on a choice block", block.kind);
        };
        assert_eq!(block.depth, self.open.len(), "arm of the innermost block");
        if !self.prog.choices[choice].arms.is_empty() {
            self.emit(Op::Jump(next));
        }
        let here = self.prog.ops.len();
        let c = &mut self.prog.choices[choice];
        c.arms.push(here);
        c.names.push(name.into());
    }

    /// Throughput Controller: the body runs when `rule` lets this pass through, counted per user
    /// or across every user of the scenario (`shared`).
    pub fn begin_gate(&mut self, rule: ThroughputRule, shared: bool) -> Block {
        self.prog.gates.push(Gate {
            rule,
            shared: shared.then(|| std::sync::Mutex::new((0, 0))),
        });
        let gate = self.prog.gates.len() - 1;
        let op = self.emit(Op::Gate { gate, exit: 0 });
        self.open(Open::Gate { op })
    }

    /// Runtime Controller: the body runs again and again until `limit` has passed since the block
    /// was entered; [`ProgramBuilder::check_deadline`] adds a check between its children.
    pub fn begin_runtime(&mut self, limit: Duration) -> Block {
        let slot = self.prog.clocks;
        self.prog.clocks += 1;
        let test = self.emit(Op::Deadline {
            slot,
            limit,
            exit: 0,
        });
        self.open(Open::RunTime { test, slot, limit })
    }

    /// Leaves the Runtime Controller `block` here when its time is over (JMeter checks before
    /// each of its children).
    ///
    /// # Panics
    /// When `block` is not the innermost open block or not a Runtime block (a front end bug).
    pub fn check_deadline(&mut self, block: &Block) {
        let Open::RunTime { slot, limit, .. } = block.kind else {
            panic!(
                "check_deadline on {:?}: only on a runtime block",
                block.kind
            );
        };
        assert_eq!(block.depth, self.open.len(), "check in the innermost block");
        let op = self.emit(Op::Deadline {
            slot,
            limit,
            exit: 0,
        });
        self.exits.push((block.depth, op));
    }
}
