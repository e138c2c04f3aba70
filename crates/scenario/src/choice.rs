//! Blocks that pick which of their children run on a pass (JMeter's Random, Random Order,
//! Interleave and Switch controllers), the Throughput Controller's gate and the Runtime
//! Controller's clock. The semantics follow JMeter's controllers; `docs/jmx.md` lists them.

use super::template::{RenderEnv, Template};
use rand::Rng;
use rand::seq::SliceRandom;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How a choice block picks its arms (each arm is one child sampler or controller).
#[derive(Debug)]
pub enum ChoiceKind {
    /// One arm at random; an arm that sent nothing makes it pick again, until the first pick
    /// comes up again (JMeter's Random Controller).
    Random,
    /// Every arm once, in a new random order on each pass.
    RandomOrder,
    /// The user's next arm in turn; an arm that sent nothing passes the turn to the next one,
    /// at most once round. `offset_by_thread` starts thread N at arm N (JMeter's "interleave
    /// across threads").
    Interleave { offset_by_thread: bool },
    /// The arm whose index (from 0) or name the value gives: empty or out of range = arm 0; a
    /// name that matches none = the arm named `default` (any case), else nothing.
    Switch(Template),
}

#[derive(Debug)]
pub struct Choice {
    pub kind: ChoiceKind,
    /// First op of each arm.
    pub arms: Vec<usize>,
    /// Each arm's name (the Switch Controller selects by name).
    pub names: Vec<Box<str>>,
}

/// A user's state of one choice block.
#[derive(Debug, Clone, Default)]
pub struct ChoiceState {
    /// Arms still to run on this pass, the next one last.
    pending: Vec<usize>,
    /// The arm running now, and the user's request count when it started.
    running: Option<(usize, u64)>,
    /// The first arm of the pass, and how many arms were tried.
    first: usize,
    tried: usize,
    /// Interleave: the user's position, kept across passes.
    position: Option<usize>,
}

impl Choice {
    /// Starts a pass.
    pub fn init(&self, st: &mut ChoiceState, env: &mut RenderEnv<'_>) {
        let n = self.arms.len();
        st.pending.clear();
        st.running = None;
        st.tried = 0;
        if n == 0 {
            return;
        }
        let first = match &self.kind {
            ChoiceKind::Random => env.rng.random_range(0..n),
            ChoiceKind::RandomOrder => {
                st.pending.extend(0..n);
                st.pending.shuffle(env.rng);
                return;
            }
            ChoiceKind::Interleave { offset_by_thread } => *st.position.get_or_insert_with(|| {
                if *offset_by_thread {
                    (env.thread.saturating_sub(1) as usize) % n
                } else {
                    0
                }
            }),
            ChoiceKind::Switch(value) => match self.switch_arm(&value.render(env)) {
                Some(i) => i,
                None => return,
            },
        };
        st.first = first;
        st.pending.push(first);
    }

    /// The op to run next: the next arm's first op, or `None` when the pass is over. `sent` is
    /// the user's request count so far.
    pub fn next(&self, st: &mut ChoiceState, sent: u64, rng: &mut impl Rng) -> Option<usize> {
        let n = self.arms.len();
        if let Some((arm, at)) = st.running.take() {
            st.tried += 1;
            let empty = sent == at;
            match &self.kind {
                ChoiceKind::Interleave { .. } => {
                    let next = (arm + 1) % n;
                    st.position = Some(next);
                    if empty && st.tried < n {
                        st.pending.push(next);
                    }
                }
                ChoiceKind::Random if empty => {
                    let again = rng.random_range(0..n);
                    if again != st.first {
                        st.pending.push(again);
                    }
                }
                _ => {}
            }
        }
        let arm = st.pending.pop()?;
        st.running = Some((arm, sent));
        Some(self.arms[arm])
    }

    fn switch_arm(&self, value: &str) -> Option<usize> {
        let value = value.trim();
        if value.is_empty() {
            return Some(0);
        }
        if value.bytes().all(|b| b.is_ascii_digit()) {
            // JMeter: a number out of range selects the first child.
            return Some(
                value
                    .parse()
                    .ok()
                    .filter(|i| *i < self.arms.len())
                    .unwrap_or(0),
            );
        }
        self.names.iter().position(|n| **n == *value).or_else(|| {
            self.names
                .iter()
                .rposition(|n| n.eq_ignore_ascii_case("default"))
        })
    }
}

/// How many times a Throughput Controller lets its children run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThroughputRule {
    /// The first N times.
    Total(u64),
    /// This percentage of the times it is reached, spread evenly (JMeter's formula).
    Percent(f64),
}

/// A Throughput Controller's counters: per user, or shared by all users of the scenario.
#[derive(Debug)]
pub struct Gate {
    pub rule: ThroughputRule,
    /// `(executions, passes)` shared by every user; `None` = counted per user.
    pub shared: Option<Mutex<(u64, u64)>>,
}

impl Gate {
    /// Whether the children run this time; counts the pass (and the execution).
    pub fn pass(&self, own: &mut (u64, u64)) -> bool {
        let mut guard;
        let counts = match &self.shared {
            Some(m) => {
                guard = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                &mut *guard
            }
            None => own,
        };
        let (executions, passes) = counts;
        *passes += 1;
        let run = match self.rule {
            ThroughputRule::Total(n) => *executions < n,
            // JMeter: (100 × executions + 50) / (pass index + 1) < percent.
            ThroughputRule::Percent(p) => {
                (100.0 * *executions as f64 + 50.0) / (*passes as f64) < p
            }
        };
        if run {
            *executions += 1;
        }
        run
    }
}

/// Whether a Runtime Controller's time is over; the clock starts when the controller is entered
/// and restarts after it ends.
pub fn deadline_passed(start: &mut Option<Instant>, limit: Duration) -> bool {
    let at = *start.get_or_insert_with(Instant::now);
    let over = at.elapsed() >= limit;
    if over {
        *start = None;
    }
    over
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_percent_follows_jmeter_formula() {
        let gate = Gate {
            rule: ThroughputRule::Percent(50.0),
            shared: None,
        };
        let mut own = (0, 0);
        let runs: Vec<bool> = (0..6).map(|_| gate.pass(&mut own)).collect();
        // (100e+50)/(i+1) < 50: pass 0 → 50 < 50 no; pass 1 → 25 yes; pass 2 → 150/3 no...
        assert_eq!(runs, vec![false, true, false, true, false, true]);
        let gate = Gate {
            rule: ThroughputRule::Total(2),
            shared: Some(Mutex::new((0, 0))),
        };
        let runs: Vec<bool> = (0..4).map(|_| gate.pass(&mut (0, 0))).collect();
        assert_eq!(runs, vec![true, true, false, false]);
    }
}
