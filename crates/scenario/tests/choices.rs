//! The choice, gate and runtime blocks (JMeter's Interleave, Random, Random Order, Switch,
//! Throughput and Runtime controllers) built with `ProgramBuilder` and run against the real test
//! server, with the exact sequence of samples per iteration.

use stampede_http::Client;
use stampede_kpi::Sample;
use stampede_scenario::{
    ChoiceSpec, CompiledScenario, Hooks, IterationEnd, ProgramBuilder, RequestSpec, ThroughputRule,
    UserState,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use testkit::TestServer;

#[derive(Default)]
struct Collect(Vec<Sample>);

impl Hooks for Collect {
    async fn gate(&mut self) -> Option<Instant> {
        Some(Instant::now())
    }
    fn record(&mut self, sample: Sample) {
        self.0.push(sample);
    }
    async fn sleep(&mut self, _: Duration) -> bool {
        tokio::task::yield_now().await;
        true
    }
}

fn get(b: &mut ProgramBuilder, server: &TestServer, label: &str) {
    let mut r = RequestSpec::get("/echo");
    r.base = Some(server.url(""));
    r.label = Some(label.into());
    b.request(r).unwrap();
}

/// Interleave [a, if false {never}, b]; Switch on `${pick}` [s0, named, default]; Throughput
/// (first 3 passes of all users) [t]; Random Order [x, y]; Random [r1, r2].
fn program(server: &TestServer) -> CompiledScenario {
    let mut b = ProgramBuilder::new(HashMap::new());
    b.set_variables(&[("pick".into(), "${__counter(TRUE)}".into())])
        .unwrap();
    let il = b
        .begin_choice(ChoiceSpec::Interleave {
            offset_by_thread: false,
        })
        .unwrap();
    b.begin_arm(&il, "a");
    get(&mut b, server, "a");
    b.begin_arm(&il, "If");
    let never = b.begin_if("false").unwrap();
    get(&mut b, server, "never");
    b.end(never);
    b.begin_arm(&il, "b");
    get(&mut b, server, "b");
    b.end(il);
    // Counter 1 → arm 1 by index; 2 → arm 2; 3 → out of range → arm 0; 4 → arm 0 too.
    let sw = b
        .begin_choice(ChoiceSpec::Switch("${pick}".into()))
        .unwrap();
    for name in ["s0", "s1", "Default"] {
        b.begin_arm(&sw, name);
        get(&mut b, server, name);
    }
    b.end(sw);
    let gate = b.begin_gate(ThroughputRule::Total(3), true);
    get(&mut b, server, "t");
    b.end(gate);
    let ro = b.begin_choice(ChoiceSpec::RandomOrder).unwrap();
    for name in ["x", "y"] {
        b.begin_arm(&ro, name);
        get(&mut b, server, name);
    }
    b.end(ro);
    let rnd = b.begin_choice(ChoiceSpec::Random).unwrap();
    for name in ["r1", "r2"] {
        b.begin_arm(&rnd, name);
        get(&mut b, server, name);
    }
    b.end(rnd);
    b.finish("choices", Default::default(), 0).unwrap()
}

async fn iterate(s: &CompiledScenario, u: &mut UserState) -> Vec<String> {
    let mut hooks = Collect::default();
    let mut client = Client::new(s.client_config());
    assert_eq!(
        s.run_iteration(u, &mut client, &mut hooks).await,
        IterationEnd::Completed
    );
    hooks.0.iter().map(|s| s.label.to_string()).collect()
}

#[tokio::test]
async fn choice_and_gate_blocks_pick_their_arms_as_jmeter() {
    let server = TestServer::start().await;
    let s = program(&server);
    let (mut one, mut two) = (s.new_user(1), s.new_user(2));
    let mut runs = Vec::new();
    for _ in 0..4 {
        runs.push(iterate(&s, &mut one).await);
    }
    let other = iterate(&s, &mut two).await;
    // Fixed parts: interleave (the If that sends nothing passes its turn to b), switch, gate.
    let fixed: Vec<Vec<&str>> = runs
        .iter()
        .map(|r| {
            r.iter()
                .map(String::as_str)
                .filter(|l| !matches!(*l, "x" | "y" | "r1" | "r2"))
                .collect()
        })
        .collect();
    assert_eq!(
        fixed,
        [
            vec!["a", "s1", "t"],
            vec!["b", "Default", "t"],
            vec!["a", "s0", "t"],
            vec!["b", "s0"],
        ]
    );
    for r in &runs {
        let order: Vec<&str> = r
            .iter()
            .map(String::as_str)
            .filter(|l| matches!(*l, "x" | "y"))
            .collect();
        assert!(order == ["x", "y"] || order == ["y", "x"], "{r:?}");
        let random = r.iter().filter(|l| matches!(l.as_str(), "r1" | "r2"));
        assert_eq!(random.count(), 1, "{r:?}");
    }
    // The gate is shared: the second user comes after the 3 passes it lets through.
    assert!(!other.iter().any(|l| l == "t"), "{other:?}");
    // 11 fixed samples, 2 random-order and 1 random per iteration; `never` is never sent.
    assert_eq!(runs.iter().map(Vec::len).sum::<usize>(), 11 + 4 * 3);
    assert_eq!(server.requests(), 23 + other.len() as u64);
}

#[tokio::test]
async fn a_runtime_block_repeats_its_body_until_its_time_is_over() {
    let server = TestServer::start().await;
    let mut b = ProgramBuilder::new(HashMap::new());
    let rt = b.begin_runtime(Duration::from_millis(300));
    get(&mut b, &server, "first");
    b.check_deadline(&rt);
    get(&mut b, &server, "second");
    b.end(rt);
    get(&mut b, &server, "after");
    let s = b.finish("runtime", Default::default(), 0).unwrap();
    let mut u = s.new_user(1);
    let start = Instant::now();
    let labels = iterate(&s, &mut u).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(labels.last().map(String::as_str), Some("after"));
    let firsts = labels.iter().filter(|l| *l == "first").count();
    let seconds = labels.iter().filter(|l| *l == "second").count();
    assert!(
        firsts >= 1 && (seconds == firsts || seconds + 1 == firsts),
        "{labels:?}"
    );
}
