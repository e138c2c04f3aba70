//! The engine against a real server on 127.0.0.1:0: load-shape arithmetic, ramp-up, open-loop rate,
//! coordinated omission, several executions, stopping.

use stampede_config::LoadSpec;
use stampede_engine::simple::{SimpleRequest, SimpleScript};
use stampede_engine::{self as engine, Execution, LoadState, Profile};
use stampede_kpi::Sample;
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::TestServer;
use tokio_util::sync::CancellationToken;

fn load(c: u32) -> LoadSpec {
    LoadSpec {
        concurrency: c,
        ramp_up: None,
        hold_for: None,
        iterations: None,
        throughput: None,
        steps: None,
    }
}

fn exec(l: &LoadSpec, urls: &[String], source: u16) -> Execution<SimpleScript> {
    let p = Profile::from_load(l);
    let reqs = urls.iter().map(|u| SimpleRequest::get(u)).collect();
    Execution {
        profile: Arc::new(p),
        script: Arc::new(SimpleScript::new(reqs)),
        source,
        delay: std::time::Duration::ZERO,
    }
}

/// Runs the executions to the end and returns every sample and the wall time.
async fn run(
    execs: Vec<Execution<SimpleScript>>,
    stop: CancellationToken,
) -> (Vec<Sample>, Duration) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let t0 = Instant::now();
    let eng = tokio::spawn(engine::run(execs, tx, stop, Arc::new(LoadState::default())));
    let mut all = Vec::new();
    while let Some(b) = rx.recv().await {
        all.extend(b.iter().cloned());
        b.recycle();
    }
    eng.await.unwrap();
    (all, t0.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iterations_times_requests_is_exact() {
    let srv = TestServer::start().await;
    let mut l = load(3);
    l.iterations = Some(4);
    let urls = [srv.url("/"), srv.url("/status/404")];
    let (samples, _) = run(vec![exec(&l, &urls, 0)], CancellationToken::new()).await;
    assert_eq!(samples.len(), 24);
    assert_eq!(srv.requests(), 24);
    assert_eq!(srv.connections(), 3, "one keep-alive connection per user");
    for t in 1..=3 {
        assert_eq!(samples.iter().filter(|s| s.thread == t).count(), 8);
    }
    let failed = samples.iter().filter(|s| !s.is_success()).count();
    assert_eq!(failed, 12);
    assert!(
        samples
            .iter()
            .all(|s| s.concurrency >= 1 && s.concurrency <= 3)
    );
    let first_per_user = samples.iter().filter(|s| s.connect_us > 0).count();
    assert_eq!(
        first_per_user, 3,
        "connect time only on each user's first request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ramp_up_starts_users_linearly() {
    let srv = TestServer::start().await;
    let mut l = load(4);
    l.ramp_up = Some(Duration::from_millis(800));
    l.hold_for = Some(Duration::from_millis(200));
    let t0 = stampede_engine::simple::epoch_ms();
    let (samples, took) = run(
        vec![exec(&l, &[srv.url("/delay/5")], 0)],
        CancellationToken::new(),
    )
    .await;
    assert!(took < Duration::from_millis(1400), "{took:?}");
    for user in 0..4u32 {
        let first = samples
            .iter()
            .filter(|s| s.thread == user + 1)
            .map(|s| s.start_ms)
            .min()
            .unwrap();
        let expect = t0 + u64::from(user) * 200;
        assert!(
            first.abs_diff(expect) < 80,
            "user {user}: {first} vs {expect}"
        );
    }
    // Concurrency seen by samples follows the ramp: 1 user in the first 200 ms, 4 at the end.
    let early = samples.iter().filter(|s| s.start_ms < t0 + 150);
    assert!(early.clone().count() > 0 && early.clone().all(|s| s.concurrency == 1));
    assert_eq!(samples.iter().map(|s| s.concurrency).max(), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_is_an_open_loop_schedule() {
    let srv = TestServer::start().await;
    let mut l = load(10);
    l.hold_for = Some(Duration::from_millis(1500));
    l.throughput = Some(200.0);
    let (samples, took) = run(vec![exec(&l, &[srv.url("/")], 0)], CancellationToken::new()).await;
    assert_eq!(samples.len(), 300, "200/s for 1.5 s, all sent on schedule");
    assert!(took < Duration::from_millis(1700), "{took:?}");
}

/// The coordinated-omission load: one user, 50 ms per request, 50 req/s scheduled, so it falls
/// behind by 30 ms per request.
fn late_load() -> LoadSpec {
    let mut l = load(1);
    l.hold_for = Some(Duration::from_millis(600));
    l.throughput = Some(50.0);
    l
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinated_omission_is_corrected() {
    let srv = TestServer::start().await;
    let (samples, _) = run(
        vec![exec(&late_load(), &[srv.url("/delay/50")], 0)],
        CancellationToken::new(),
    )
    .await;
    assert_measured_from_the_schedule(&samples);
}

/// The same through a compiled Taurus scenario, which measures from the instant the gate returns:
/// the lateness is counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinated_omission_is_corrected_once_for_a_compiled_scenario() {
    let srv = TestServer::start().await;
    let scenario = serde_json::json!({"requests": [srv.url("/delay/50")]});
    let config = serde_json::json!({});
    let ctx = stampede_scenario::CompileContext {
        base_dir: std::path::Path::new("."),
        config: &config,
        source: 0,
        file: None,
        search_path: &[],
    };
    let script = stampede_scenario::CompiledScenario::compile("late", &scenario, &ctx).unwrap();
    let e = Execution {
        profile: Arc::new(Profile::from_load(&late_load())),
        script: Arc::new(script),
        source: 0,
        delay: Duration::ZERO,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let state = Arc::new(LoadState::default());
    let eng = tokio::spawn(engine::run(vec![e], tx, CancellationToken::new(), state));
    let mut samples = Vec::new();
    while let Some(b) = rx.recv().await {
        samples.extend(b.iter().cloned());
    }
    eng.await.unwrap();
    assert_measured_from_the_schedule(&samples);
}

fn assert_measured_from_the_schedule(samples: &[Sample]) {
    assert!(samples.len() >= 8, "{}", samples.len());
    let last = samples.iter().max_by_key(|s| s.elapsed_us).unwrap();
    assert!(
        last.elapsed_us > 200_000,
        "latency measured from the schedule: {last:?}"
    );
    assert!(last.latency_us > 200_000);
    let first = &samples[0];
    assert!(first.elapsed_us < 150_000);
    // Start times are the scheduled ones: 20 ms apart.
    let mut starts: Vec<u64> = samples.iter().map(|s| s.start_ms).collect();
    starts.sort();
    let span = starts[starts.len() - 1] - starts[0];
    let expect = 20 * (starts.len() as u64 - 1);
    assert!(span.abs_diff(expect) < 25, "{span} vs {expect}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_run_at_once_with_their_own_source() {
    let srv = TestServer::start().await;
    let mut a = load(2);
    a.iterations = Some(3);
    let mut b = load(1);
    b.hold_for = Some(Duration::from_millis(300));
    b.throughput = Some(20.0);
    let execs = vec![
        exec(&a, &[srv.url("/")], 0),
        exec(&b, &[srv.url("/status/500")], 1),
    ];
    let (samples, took) = run(execs, CancellationToken::new()).await;
    assert_eq!(samples.iter().filter(|s| s.source == 0).count(), 6);
    assert_eq!(samples.iter().filter(|s| s.source == 1).count(), 6);
    assert!(
        samples
            .iter()
            .filter(|s| s.source == 1)
            .all(|s| !s.is_success())
    );
    assert!(took < Duration::from_millis(600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_end_stops_promptly_and_lets_in_flight_finish() {
    let srv = TestServer::start().await;
    let mut l = load(5);
    l.hold_for = Some(Duration::from_millis(300));
    let (samples, took) = run(
        vec![exec(&l, &[srv.url("/delay/100")], 0)],
        CancellationToken::new(),
    )
    .await;
    // Requests started before 300 ms finish (up to 100 ms later); none starts after.
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(550),
        "{took:?}"
    );
    assert_eq!(samples.len() as u64, srv.requests());
    assert_eq!(samples.len(), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_stops_everything_within_the_stop_grace() {
    let srv = TestServer::start().await;
    let mut l = load(3);
    l.hold_for = Some(Duration::from_secs(60));
    let stop = CancellationToken::new();
    let s2 = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        s2.cancel();
    });
    let (samples, took) = run(vec![exec(&l, &[srv.url("/delay/2000")], 0)], stop).await;
    // In-flight requests are cut after STOP_GRACE and not recorded.
    assert!(took < Duration::from_millis(200) + engine::STOP_GRACE + Duration::from_millis(200));
    assert!(samples.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn think_time_is_cut_short_by_the_end_of_the_hold() {
    let srv = TestServer::start().await;
    let mut l = load(2);
    l.hold_for = Some(Duration::from_millis(300));
    let mut e = exec(&l, &[srv.url("/")], 0);
    let mut script = (*e.script).clone();
    script.requests[0].think_time = Some(Duration::from_secs(10));
    script
        .requests
        .push(SimpleRequest::get(&srv.url("/status/201")));
    e.script = Arc::new(script);
    let (samples, took) = run(vec![e], CancellationToken::new()).await;
    assert!(took < Duration::from_millis(450), "{took:?}");
    assert!(
        samples.is_empty(),
        "think time runs before the request it belongs to"
    );
}
