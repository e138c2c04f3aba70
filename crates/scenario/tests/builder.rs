//! A program made with `ProgramBuilder` alone (no YAML), as a JMX front end would, run against the
//! real test server through the real client: every block kind, a CSV source and variables, with
//! exact request and sample counts.

use stampede_http::Client;
use stampede_kpi::{Rc, Sample};
use stampede_scenario::{
    Action, AssertionSpec, AuthEntry, BodySpec, CompiledScenario, Count, CsvSpec, DataSource,
    ExtractExpr, ExtractFrom, ExtractorSpec, Hooks, IterationEnd, ProgramBuilder, RequestSpec,
    Subject, ThinkTime,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use testkit::TestServer;

#[derive(Default)]
struct Collect {
    samples: Vec<Sample>,
    sleeps: Vec<Duration>,
}

impl Hooks for Collect {
    async fn gate(&mut self) -> Option<Instant> {
        Some(Instant::now())
    }
    fn record(&mut self, sample: Sample) {
        self.samples.push(sample);
    }
    async fn sleep(&mut self, d: Duration) -> bool {
        self.sleeps.push(d);
        true
    }
}

fn jsonpath(var: &str, path: &str, match_no: Option<i64>) -> ExtractorSpec {
    ExtractorSpec {
        var: var.into(),
        expr: ExtractExpr::JsonPath {
            jsonpath: path.into(),
            concat: false,
        },
        match_no,
        default: None,
        from: ExtractFrom::Response(Subject::Body),
    }
}

fn labelled(server: &TestServer, path: &str, label: &str) -> RequestSpec {
    let mut r = RequestSpec::get(path);
    r.base = Some(server.url(""));
    r.label = Some(label.into());
    r
}

/// login (CSV user) → 3× private with the token → if the token came: the JSON ids → foreach id:
/// echo; once: bytes; while n < 2: count up. The first iteration sends 1+3+1+2+1+2 = 10 requests,
/// the second 1+3+1+2 = 7 (once is done, n is already 2).
fn program(server: &TestServer, csv: &std::path::Path) -> CompiledScenario {
    let mut b = ProgramBuilder::new(HashMap::new());
    let mut users = CsvSpec::path(csv.file_name().unwrap().to_str().unwrap());
    users.variable_names = Some("who".into());
    b.data_source(DataSource::load(&users, csv.parent().unwrap()).unwrap());
    b.variable("n", "0").unwrap();

    let tx = b.begin_transaction("flow", false);
    let mut login = labelled(server, "/login", "login");
    login.method = "POST".into();
    login.body = BodySpec::Text("${who}".into());
    login.extractors = vec![
        b.extractor(jsonpath("token", "$.token", None)).unwrap(),
        b.extractor(jsonpath("user", "$.user", None)).unwrap(),
    ];
    b.request(login).unwrap();
    let times = b.begin_loop(Count::Times(3)).unwrap();
    let mut private = labelled(server, "/private", "private");
    private
        .headers
        .push(("Authorization".into(), "Bearer ${token}".into()));
    private.think = Some(ThinkTime::Constant(Duration::from_millis(5)));
    private.assertions = vec![
        b.assertion(AssertionSpec::Response {
            patterns: vec!["ok ${token}".into()],
            subject: Subject::Body,
            regexp: false,
            not: false,
            assume_success: false,
        })
        .unwrap(),
    ];
    b.request(private).unwrap();
    b.end(times);
    b.end(tx);

    let mut when = b.begin_if(r#""${token}" != "NOT_FOUND""#).unwrap();
    let mut json = labelled(server, "/json", "json");
    json.extractors = vec![
        b.extractor(jsonpath("ids", "$.store.book[*].id", Some(-1)))
            .unwrap(),
    ];
    b.request(json).unwrap();
    b.begin_else(&mut when);
    b.action(Action::StopUser);
    b.end(when);

    let each = b.begin_foreach("id", "ids");
    let mut echo = labelled(server, "/echo?id=${id}", "echo ${id}");
    echo.auth = vec![AuthEntry::basic_for_url(&server.url("/echo"), "ann", "pw")].into();
    echo.extractors = vec![
        b.extractor(jsonpath("sent", "$.headers.authorization", None))
            .unwrap(),
    ];
    b.request(echo).unwrap();
    b.end(each);

    let once = b.begin_once();
    b.request(labelled(server, "/bytes/10", "bytes")).unwrap();
    b.end(once);

    let counting = b.begin_while("${n} < 2").unwrap();
    b.set_variables(&[("n".into(), "${__intSum(${n},1)}".into())])
        .unwrap();
    b.request(labelled(server, "/status/204", "count")).unwrap();
    b.end(counting);

    b.finish("built", Default::default(), 4).unwrap()
}

async fn iterate(s: &CompiledScenario, u: &mut stampede_scenario::UserState) -> Collect {
    let mut hooks = Collect::default();
    let mut client = Client::new(s.client_config());
    assert_eq!(
        s.run_iteration(u, &mut client, &mut hooks).await,
        IterationEnd::Completed
    );
    hooks
}

fn labels(samples: &[Sample]) -> Vec<&str> {
    samples.iter().map(|s| &*s.label).collect()
}

#[tokio::test]
async fn a_program_built_without_yaml_runs_with_exact_counts() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(&csv, "ann\nbob\n").unwrap();
    let s = program(&server, &csv);
    assert_eq!(
        s.labels(),
        [
            "flow",
            "login",
            "private",
            "json",
            "echo ${id}",
            "bytes",
            "count"
        ]
    );
    let mut u = s.new_user(1);

    let first = iterate(&s, &mut u).await;
    assert_eq!(server.requests(), 10);
    assert_eq!(
        labels(&first.samples),
        [
            "login", "private", "private", "private", "flow", "json", "echo 1", "echo 2", "bytes",
            "count", "count"
        ]
    );
    assert!(
        first
            .samples
            .iter()
            .all(|s| s.is_success() && s.source == 4),
        "{:?}",
        first.samples
    );
    let flow = first.samples.iter().find(|s| &*s.label == "flow").unwrap();
    assert_eq!(flow.rc, Some(Rc::Http(200)));
    assert_eq!(first.sleeps, [Duration::from_millis(5); 3]);
    assert_eq!(u.vars().get("user"), Some("ann"));
    assert_eq!(u.vars().get("n"), Some("2"));
    // base64("ann:pw")
    assert_eq!(u.vars().get("sent"), Some("Basic YW5uOnB3"));

    let second = iterate(&s, &mut u).await;
    assert_eq!(server.requests(), 17);
    assert_eq!(
        labels(&second.samples),
        [
            "login", "private", "private", "private", "flow", "json", "echo 1", "echo 2"
        ]
    );
    assert_eq!(u.vars().get("user"), Some("bob"));
    assert_eq!(u.vars().get("token"), Some("tok-2"));
}

/// The builder's own checks: a literal URL needs a base, and its errors carry the key.
#[test]
fn builder_errors_carry_the_key_inside_the_item() {
    let mut b = ProgramBuilder::new(HashMap::new());
    let e = b.request(RequestSpec::get("/x")).unwrap_err();
    assert_eq!(e.at.path(), "url");
    let mut r = RequestSpec::get("http://h/");
    r.headers.push(("Bad Name".into(), "v".into()));
    let e = b.request(r).unwrap_err();
    assert_eq!(e.at.path(), "headers.Bad Name");
    assert!(b.begin_if("${a} ===").is_err());
    assert!(!b.has_requests());
    let e = b.finish("empty", Default::default(), 0).unwrap_err();
    assert!(matches!(e.problem, stampede_scenario::Problem::NoRequests));
}
