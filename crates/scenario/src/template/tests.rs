//! Unit tests of `scenario::template`.

use super::*;
use rand::SeedableRng;

fn env_parts() -> (Vars, StdRng, Vec<u64>) {
    (Vars::default(), StdRng::seed_from_u64(7), vec![0; 4])
}

fn render(t: &Template, vars: &mut Vars, counters: &mut [u64]) -> String {
    let mut rng = StdRng::seed_from_u64(7);
    let mut env = RenderEnv {
        vars,
        rng: &mut rng,
        counters,
        thread: 3,
        iteration: 1,
    };
    t.render(&mut env)
}

fn one(text: &str) -> String {
    let mut c = TemplateCompiler::default();
    let t = c.parse(text).unwrap();
    let (mut v, _, mut k) = env_parts();
    v.set("name", "Ann");
    render(&t, &mut v, &mut k)
}

#[test]
fn literal_and_variables() {
    let mut c = TemplateCompiler::default();
    assert_eq!(c.parse("/plain").unwrap().as_literal(), Some("/plain"));
    assert!(!c.parse("/u/${id}").unwrap().is_literal());
    assert_eq!(one("hi ${name}!"), "hi Ann!");
    assert_eq!(one("${unknown} stays"), "${unknown} stays");
    assert_eq!(one("cost $5 ${}"), "cost $5 ${}");
}

#[test]
fn unclosed_and_unknown_are_errors() {
    let mut c = TemplateCompiler::default();
    let e = c.parse("/a/${id").unwrap_err();
    assert!(
        matches!(e.problem, TemplateProblem::Unclosed { at: 3 }),
        "{e}"
    );
    assert!(e.problem.to_string().contains("unclosed"), "{e}");
    let e = c.parse("${__javaScript(JSON.stringify(1))}").unwrap_err();
    assert!(e.problem.to_string().contains("__javaScript"), "{e}");
    assert!(c.parse("${__Random(a,3)}").is_err());
    assert!(c.parse("${__Random(1)}").is_err());
    assert!(c.parse("${__time(qq)}").is_err());
}

#[test]
fn random_is_in_range_and_stored() {
    let mut c = TemplateCompiler::default();
    let t = c.parse("${__Random(5,7,r)}").unwrap();
    let (mut v, mut rng, mut k) = env_parts();
    for _ in 0..50 {
        let mut env = RenderEnv {
            vars: &mut v,
            rng: &mut rng,
            counters: &mut k,
            thread: 1,
            iteration: 1,
        };
        let n: i64 = t.render(&mut env).parse().unwrap();
        assert!((5..=7).contains(&n));
        assert_eq!(v.get("r"), Some(n.to_string().as_str()));
    }
}

#[test]
fn random_string_uuid_threadnum() {
    let s = one("${__RandomString(8,ab)}");
    assert_eq!(s.len(), 8);
    assert!(s.chars().all(|c| c == 'a' || c == 'b'));
    let u = one("${__UUID()}");
    let parsed = uuid::Uuid::parse_str(&u).unwrap();
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(one("${__threadNum}"), "3");
    assert_eq!(one("${__threadNum()}"), "3");
}

#[test]
fn counters_per_user_and_global() {
    let mut c = TemplateCompiler::default();
    let user = c.parse("${__counter(TRUE,n)}").unwrap();
    let global = c.parse("${__counter(FALSE)}").unwrap();
    assert_eq!(c.user_counters, 1);
    let (mut v1, _, mut k1) = env_parts();
    let (mut v2, _, mut k2) = env_parts();
    assert_eq!(render(&user, &mut v1, &mut k1), "1");
    assert_eq!(render(&user, &mut v1, &mut k1), "2");
    assert_eq!(v1.get("n"), Some("2"));
    assert_eq!(render(&user, &mut v2, &mut k2), "1");
    assert_eq!(render(&global, &mut v1, &mut k1), "1");
    assert_eq!(render(&global, &mut v2, &mut k2), "2");
}

#[test]
fn properties_resolve_at_compile_time() {
    let mut c = TemplateCompiler::default();
    c.props.insert("host".into(), "example.org".into());
    let t = c
        .parse("${__P(host,x)}/${__P(port,8080)}/${__property(host)}")
        .unwrap();
    assert_eq!(t.as_literal(), Some("example.org/8080/example.org"));
    assert_eq!(c.parse("${__P(nope)}").unwrap().as_literal(), Some("1"));
}

#[test]
fn time_formats() {
    let ms: u128 = one("${__time()}").parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    assert!(now.abs_diff(ms) < 5_000);
    let secs: u128 = one("${__time(/1000)}").parse().unwrap();
    assert!((now / 1000).abs_diff(secs) < 5);
    let d = one("${__time(yyyy-MM-dd)}");
    assert_eq!(d.len(), 10);
    assert_eq!(&d[4..5], "-");
}

#[test]
fn function_arguments_may_be_variables() {
    let mut c = TemplateCompiler::default();
    let t = c
        .parse("${__Random(${lo},${lo})}|${__RandomString(${len},x)}")
        .unwrap();
    let (mut v, _, mut k) = env_parts();
    v.set("lo", "17");
    v.set("len", "3");
    assert_eq!(render(&t, &mut v, &mut k), "17|xxx");
    assert!(c.parse("${__Random(1,${max)}").is_err(), "nested unclosed");
}

#[test]
fn nested_arguments_and_escaped_commas() {
    let mut c = TemplateCompiler::default();
    let t = c
        .parse("${__intSum(2,${n},total)}|${__urlencode(a b\\,c)}")
        .unwrap();
    let (mut v, _, mut k) = env_parts();
    v.set("n", "40");
    assert_eq!(render(&t, &mut v, &mut k), "42|a+b%2Cc");
    assert_eq!(v.get("total"), Some("42"));
    assert_eq!(one("${__base64Encode(${name})}"), "QW5u");
    assert_eq!(one("${__base64Decode(QW5u)}"), "Ann");
    assert_eq!(
        one("${__env(STAMPEDE_SURELY_UNSET_VAR,,fallback)}"),
        "fallback"
    );
    let path = std::env::var("PATH").unwrap_or_default();
    assert_eq!(one("${__env(PATH)}"), path);
}
