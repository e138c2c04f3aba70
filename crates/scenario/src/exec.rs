//! Running one iteration of one user: the interpreter over the compiled ops, and the per-request path
//! (think time → render → gate → send → extract → assert → record).

use super::choice;
use super::compile::{Action, LoopCount, Op};
use super::extract::Exchange;
use super::request::Request;
use super::template::RenderEnv;
use super::{CompiledScenario, Hooks, IterationEnd, UserState};
use stampede_http::{Client, RequestParts, Timing};
use stampede_kpi::{Failure, FailureKind, Message, Rc, Sample};
use std::time::{Duration, Instant};

const LAST_SAMPLE_OK: &str = "JMeterThread.last_sample_ok";

/// An open transaction's running totals (JMeter Transaction Controller, non-parent mode: the sum of
/// its children, timers excluded).
#[derive(Debug)]
pub struct TxAcc {
    tx: usize,
    start_ms: Option<u64>,
    elapsed_us: u64,
    latency_us: u64,
    connect_us: u64,
    bytes: u64,
    sent_bytes: u64,
    calls: u32,
    failures: u32,
}

impl TxAcc {
    fn new(tx: usize) -> Self {
        TxAcc {
            tx,
            start_ms: None,
            elapsed_us: 0,
            latency_us: 0,
            connect_us: 0,
            bytes: 0,
            sent_bytes: 0,
            calls: 0,
            failures: 0,
        }
    }

    fn add(&mut self, s: &Sample) {
        self.start_ms.get_or_insert(s.start_ms);
        self.elapsed_us += s.elapsed_us;
        self.latency_us += s.latency_us;
        self.connect_us += s.connect_us;
        self.bytes += s.bytes;
        self.sent_bytes += s.sent_bytes;
        self.calls += 1;
        self.failures += u32::from(!s.is_success());
    }
}

pub async fn run<H: Hooks>(
    s: &CompiledScenario,
    u: &mut UserState,
    client: &mut Client,
    hooks: &mut H,
) -> IterationEnd {
    // JMeter's CSV Data Set hands out the next line at the start of each iteration.
    for (ds, own) in s.prog.sources.iter().zip(&mut u.source_cursors) {
        if !ds.next_into(&mut u.vars, own) {
            return IterationEnd::StopUser;
        }
    }
    u.txs.clear();
    // JMeter restarts a Runtime Controller's clock when the thread's loop ends.
    u.clocks.iter_mut().for_each(|c| *c = None);
    let (mut pc, mut sent, mut sent_at_back) = (0usize, 0u64, u64::MAX);
    let end = loop {
        let Some(op) = s.prog.ops.get(pc) else {
            break IterationEnd::Completed;
        };
        pc += 1;
        match op {
            Op::Request(i) => {
                if !request(s, &s.prog.requests[*i], u, client, hooks).await {
                    break IterationEnd::Stopped;
                }
                sent += 1;
                u.sent += 1;
            }
            Op::Jump(to) => pc = *to,
            Op::Back(to) => {
                // A loop whose body sent nothing would spin without ever yielding: check for stop.
                if sent == sent_at_back && !hooks.sleep(Duration::ZERO).await {
                    break IterationEnd::Stopped;
                }
                sent_at_back = sent;
                pc = *to;
            }
            Op::TxEnd(t) => {
                if let Some(acc) = u.txs.pop() {
                    debug_assert_eq!(acc.tx, *t, "transactions nest");
                    emit_tx(s, u, acc, hooks);
                }
            }
            Op::Action(Action::Pause(d)) => {
                // A Flow Control Action is a sampler to JMeter's controllers (it takes a turn).
                u.sent += 1;
                if !hooks.sleep(*d).await {
                    break IterationEnd::Stopped;
                }
            }
            Op::Action(Action::StopUser) => break IterationEnd::StopUser,
            Op::Action(Action::NextIteration) => break IterationEnd::Completed,
            other => {
                if let Some(to) = control(s, u, other) {
                    pc = to;
                }
            }
        }
    };
    if end == IterationEnd::Stopped {
        u.txs.clear();
    } else {
        // Transactions left open by `continue`/`stop` still report what they measured.
        while let Some(acc) = u.txs.pop() {
            emit_tx(s, u, acc, hooks);
        }
    }
    u.iteration += 1;
    end
}

/// The ops that neither send, sleep nor record; returns the jump target, if any.
fn control(s: &CompiledScenario, u: &mut UserState, op: &Op) -> Option<usize> {
    match op {
        Op::Unless { cond, to } => (!s.prog.conds[*cond].eval(&mut env(u))).then_some(*to),
        Op::LoopInit { slot } => {
            u.slots[*slot] = 0;
            None
        }
        Op::LoopTest { slot, count, exit } => {
            let count = match count {
                LoopCount::Fixed(c) => *c,
                LoopCount::Tpl(t) => match t.render(&mut env(u)).trim().parse::<i64>() {
                    Ok(n) if n < 0 => None,
                    Ok(n) => Some(n as u64),
                    Err(_) => Some(0),
                },
            };
            if count.is_some_and(|c| u.slots[*slot] >= c) {
                return Some(*exit);
            }
            u.slots[*slot] += 1;
            None
        }
        Op::ForeachTest {
            slot,
            item,
            prefix,
            exit,
        } => {
            u.slots[*slot] += 1;
            let key = format!("{prefix}_{}", u.slots[*slot]);
            match u.vars.get(&key).map(str::to_owned) {
                Some(v) => {
                    u.vars.set(item, &v);
                    None
                }
                None => Some(*exit),
            }
        }
        Op::Once { exit } => (u.iteration > 0).then_some(*exit),
        Op::TxBegin(t) => {
            u.txs.push(TxAcc::new(*t));
            None
        }
        Op::ChoiceInit(c) => {
            let UserState {
                vars,
                rng,
                counters,
                thread,
                iteration,
                choices,
                ..
            } = u;
            let mut env = RenderEnv {
                vars,
                rng,
                counters,
                thread: *thread,
                iteration: *iteration + 1,
            };
            s.prog.choices[*c].init(&mut choices[*c], &mut env);
            None
        }
        Op::ChoiceNext { choice, exit } => Some(
            s.prog.choices[*choice]
                .next(&mut u.choices[*choice], u.sent, &mut u.rng)
                .unwrap_or(*exit),
        ),
        Op::Gate { gate, exit } => {
            (!s.prog.gates[*gate].pass(&mut u.gates[*gate])).then_some(*exit)
        }
        Op::Deadline { slot, limit, exit } => {
            choice::deadline_passed(&mut u.clocks[*slot], *limit).then_some(*exit)
        }
        Op::SetVars(i) => {
            for (k, t) in &s.prog.set_vars[*i] {
                let v = t.render(&mut env(u));
                u.vars.set(k, &v);
            }
            None
        }
        Op::Request(_) | Op::Jump(_) | Op::Back(_) | Op::TxEnd(_) | Op::Action(_) => {
            unreachable!("handled by run")
        }
    }
}

fn env(u: &mut UserState) -> RenderEnv<'_> {
    RenderEnv {
        vars: &mut u.vars,
        rng: &mut u.rng,
        counters: &mut u.counters,
        thread: u.thread,
        iteration: u.iteration + 1,
    }
}

/// One request; false when the test is stopping.
async fn request<H: Hooks>(
    s: &CompiledScenario,
    r: &Request,
    u: &mut UserState,
    client: &mut Client,
    hooks: &mut H,
) -> bool {
    // JMeter timers run before the sampler they belong to.
    if let Some(t) = &r.think {
        let d = t.sample(&mut u.rng);
        if !d.is_zero() && !hooks.sleep(d).await {
            return false;
        }
    }
    let UserState {
        vars,
        rng,
        counters,
        thread,
        iteration,
        scratch,
        ..
    } = u;
    let mut renv = RenderEnv {
        vars,
        rng,
        counters,
        thread: *thread,
        iteration: *iteration + 1,
    };
    let rendered = match r.prebuilt {
        Some(_) => Ok(()),
        None => r.render(&mut renv, scratch),
    };
    let label = r.label(&mut renv);
    let Some(scheduled) = hooks.gate().await else {
        return false;
    };
    // Open-loop runs measure from the scheduled instant (coordinated omission).
    let queued = Instant::now().saturating_duration_since(scheduled);
    let mut sample = Sample {
        start_ms: s.epoch_ms(scheduled),
        label,
        elapsed_us: 0,
        latency_us: 0,
        connect_us: 0,
        rc: None,
        failure: None,
        bytes: 0,
        sent_bytes: 0,
        concurrency: 0,
        source: s.source,
        thread: u.thread,
    };
    match rendered {
        Ok(()) => send(r, u, client, &mut sample, queued).await,
        Err(message) => {
            sample.rc = Some(s.texts.illegal_argument.clone());
            sample.failure = Some(Failure {
                kind: FailureKind::Error,
                message: message.into(),
            });
        }
    }
    finish(s, u, sample, hooks);
    true
}

/// Sends the rendered request and fills the sample from the response (or the transport error).
async fn send(
    r: &Request,
    u: &mut UserState,
    client: &mut Client,
    sample: &mut Sample,
    queued: Duration,
) {
    let sc = r.prebuilt.as_ref().unwrap_or(&u.scratch);
    let parts = RequestParts {
        method: sc.method.as_ref().expect("render sets the method"),
        url: &sc.url,
        headers: &sc.headers,
        body: &sc.body,
        timeout: r.timeout,
        follow_redirects: r.follow_redirects,
        want_body: r.want_body,
        want_headers: r.want_headers,
    };
    match client.send(&parts).await {
        Ok(resp) => {
            set_timing(sample, resp.timing, queued);
            sample.bytes = resp.bytes;
            sample.sent_bytes = resp.sent_bytes;
            sample.rc = Some(Rc::Http(resp.status));
            let ex = Exchange {
                status: resp.status,
                headers: &resp.headers,
                body: &resp.body,
                url: &sc.url,
                reason: resp.custom_reason.as_ref(),
                headers_text: resp.headers_text.as_deref(),
                elapsed: Duration::from_micros(sample.elapsed_us),
                bytes: resp.bytes,
            };
            let env = RenderEnv {
                vars: &mut u.vars,
                rng: &mut u.rng,
                counters: &mut u.counters,
                thread: u.thread,
                iteration: u.iteration + 1,
            };
            sample.failure = judge(r, &ex, env);
        }
        Err(e) => {
            set_timing(sample, e.timing, queued);
            sample.rc = Some(Rc::Transport(e.kind));
            sample.failure = Some(Failure {
                kind: FailureKind::Error,
                message: e.message(),
            });
        }
    }
}

/// `${JMeterThread.last_sample_ok}`, the open transactions, then the sample itself unless a
/// parent-sample transaction hides its children.
fn finish<H: Hooks>(s: &CompiledScenario, u: &mut UserState, sample: Sample, hooks: &mut H) {
    u.vars.set(
        LAST_SAMPLE_OK,
        if sample.is_success() { "true" } else { "false" },
    );
    let mut child_visible = true;
    for acc in &mut u.txs {
        acc.add(&sample);
        child_visible &= !s.prog.txs[acc.tx].parent_only;
    }
    if child_visible {
        hooks.record(sample);
    }
}

/// Post-processors, then assertions, then the HTTP status: JMeter's order and precedence.
pub(super) fn judge(r: &Request, ex: &Exchange<'_>, mut env: RenderEnv<'_>) -> Option<Failure> {
    for e in &r.extractors {
        e.apply(ex, env.vars, env.rng);
    }
    let mut failed = None;
    for a in &r.assertions {
        if let Err(message) = a.check(ex, &mut env) {
            failed.get_or_insert(message);
        }
    }
    if let Some(message) = failed {
        return Some(Failure {
            kind: FailureKind::Assertion,
            message: message.into(),
        });
    }
    if ex.status >= 400 && !r.assume_success {
        return Some(Failure {
            kind: FailureKind::Error,
            message: match ex.reason {
                Some(reason) => Message::Text(reason.clone()),
                None => Message::Reason(ex.status),
            },
        });
    }
    None
}

/// Failure data built once, so failing samples do not allocate it (the other failures are data:
/// [`Rc::Transport`], [`Message::Reason`]; reports make their text).
#[derive(Debug)]
pub struct Texts {
    /// A request that could not be built (JMeter's `IllegalArgumentException`).
    illegal_argument: Rc,
}

impl Texts {
    pub fn new() -> Texts {
        Texts {
            illegal_argument: Rc::Text("IllegalArgumentException".into()),
        }
    }
}

fn set_timing(s: &mut Sample, t: Timing, queued: Duration) {
    s.elapsed_us = (t.elapsed + queued).as_micros() as u64;
    s.latency_us = (t.latency + queued).as_micros() as u64;
    s.connect_us = t.connect.as_micros() as u64;
}

fn emit_tx<H: Hooks>(s: &CompiledScenario, u: &UserState, acc: TxAcc, hooks: &mut H) {
    if acc.calls == 0 {
        return;
    }
    let tx = &s.prog.txs[acc.tx];
    let failure = (acc.failures > 0).then_some(Failure {
        kind: FailureKind::SubSample,
        message: Message::SubSamples {
            calls: acc.calls,
            failures: acc.failures,
        },
    });
    hooks.record(Sample {
        start_ms: acc.start_ms.unwrap_or(0),
        label: tx.label.clone(),
        elapsed_us: acc.elapsed_us,
        latency_us: acc.latency_us,
        connect_us: acc.connect_us,
        // JMeter sets 200 on a successful transaction and leaves a failed one without a code.
        rc: failure.is_none().then_some(Rc::Http(200)),
        failure,
        bytes: acc.bytes,
        sent_bytes: acc.sent_bytes,
        concurrency: 0,
        source: s.source,
        thread: u.thread,
    });
}

impl CompiledScenario {
    fn epoch_ms(&self, t: Instant) -> u64 {
        let (at, ms) = self.anchor;
        match t.checked_duration_since(at) {
            Some(d) => ms + d.as_millis() as u64,
            None => ms.saturating_sub(at.duration_since(t).as_millis() as u64),
        }
    }
}
