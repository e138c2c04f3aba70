//! The scenario program: what every front end (the Taurus YAML compiler, a JMX reader) produces
//! through [`crate::ProgramBuilder`], and what the interpreter (`exec`) runs for each user.
//!
//! A program is a flat list of [`Op`]s with jumps, so running an iteration is a loop over a program
//! counter with no recursion and no re-parsing. Everything an op needs that is costly to make
//! (requests with prebuilt parts, parsed templates, conditions, CSV rows) lives in side tables of
//! [`Program`], indexed by the op. Front ends never write ops directly: the builder keeps the jumps
//! consistent.

use super::choice::{Choice, Gate};
use super::cond::Cond;
use super::data::DataSource;
use super::request::Request;
use super::template::Template;
use std::sync::Arc;
use std::time::Duration;

/// One step of the program.
#[derive(Debug)]
pub enum Op {
    /// Send `Program::requests[i]` and record its sample.
    Request(usize),
    Jump(usize),
    /// A backward jump closing a loop body; checks for cancellation when the body sent nothing.
    Back(usize),
    /// Jump to `to` when the condition `Program::conds[cond]` is false.
    Unless {
        cond: usize,
        to: usize,
    },
    /// Reset a loop's counter (a per-user slot).
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
    /// Open and close `Program::txs[i]`; the samples in between add up into its sample.
    TxBegin(usize),
    TxEnd(usize),
    /// Render and set the variables `Program::set_vars[i]`.
    SetVars(usize),
    Action(Action),
    /// Start a pass of `Program::choices[i]` (which arms run).
    ChoiceInit(usize),
    /// Jump to the next chosen arm of `Program::choices[choice]`, or to `exit`; every arm ends
    /// with a jump back here.
    ChoiceNext {
        choice: usize,
        exit: usize,
    },
    /// Throughput Controller: jump to `exit` unless `Program::gates[gate]` lets this pass run.
    Gate {
        gate: usize,
        exit: usize,
    },
    /// Runtime Controller: jump to `exit` once the user's clock `slot` has run for `limit`.
    Deadline {
        slot: usize,
        limit: Duration,
        exit: usize,
    },
}

/// A loop count: fixed (`None` = forever) or a template read each time, as JMeter's Loop Controller
/// does (`-1` = forever, anything not a number = no iterations).
#[derive(Debug)]
pub enum LoopCount {
    Fixed(Option<u64>),
    Tpl(Template),
}

/// What an `action` op does (JMeter's Flow Control Action on the current thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause(Duration),
    /// `stop` / `stop-now` on the current thread: this user stops.
    StopUser,
    /// `continue`: start the next iteration.
    NextIteration,
}

/// A transaction (JMeter Transaction Controller).
#[derive(Debug)]
pub struct Tx {
    pub label: Arc<str>,
    /// Only the transaction's sample is reported, not its children.
    pub parent_only: bool,
}

/// The ops and their side tables.
#[derive(Debug, Default)]
pub struct Program {
    pub ops: Vec<Op>,
    pub requests: Vec<Request>,
    pub conds: Vec<Cond>,
    pub set_vars: Vec<Vec<(Box<str>, Template)>>,
    pub txs: Vec<Tx>,
    /// CSV data sources: each hands the next row to a user at the start of its iteration.
    pub sources: Vec<Arc<DataSource>>,
    /// Per-user loop counters.
    pub slots: usize,
    pub choices: Vec<Choice>,
    pub gates: Vec<Gate>,
    /// Per-user Runtime Controller clocks.
    pub clocks: usize,
    /// Keys accepted but not used, for the log.
    pub warnings: Vec<String>,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
