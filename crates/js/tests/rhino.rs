//! Every `__javaScript` form observed through real Taurus 1.17.2 + JMeter 2.13 (Debian, Rhino
//! 1.7.14), each request body being `${__javaScript(form)}` and the value read on a local server:
//! `fixtures/real-world/rhino-jmeter-2.13-observed.jsonl` (how it was made: that directory's
//! README). Stampede must print the same strings.

use stampede_js::{Env, ErrorKind, Host, Script};

struct Row {
    config_text: String,
    script: String,
    observed: String,
    kind: String,
}

fn rows() -> Vec<Row> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/real-world/rhino-jmeter-2.13-observed.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the observed Rhino values");
    let rows: Vec<Row> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            let field = |k: &str| v[k].as_str().expect("a string field").to_owned();
            Row {
                config_text: field("config_text"),
                script: field("script"),
                observed: field("observed"),
                kind: field("kind"),
            }
        })
        .collect();
    assert!(
        rows.len() > 200,
        "expected the full table, found {}",
        rows.len()
    );
    rows
}

/// The thread the forms ran in: the scenario's variables, the module property, thread `js 1-1`.
fn env(seed: u64) -> Env {
    let mut env = Env::seeded(seed)
        .with_var("sp", "abcdefghijklmnop")
        .with_var("count", "12")
        .with_var("VAR", "abcd")
        .with_var("maxRandom", "10")
        .with_var("Example", "  padded  ")
        .with_var("x", "a-b-c")
        .with_var("q", "it's")
        .with_var("neg", "-3")
        .with_var("s", "abc")
        .with_var("bs", "a\\nb")
        .with_var("t", "true")
        .with_var("empty", "")
        .with_var("unicode", "é😀")
        // The moment of the first run's `new Date().getTime()`.
        .at_millis(1_796_533_224_601.0);
    env.props.insert("my.prop".into(), "fromprops".into());
    env.thread_name = "js 1-1".into();
    env
}

/// The engine's side of `${…}`: JMeter functions such as `${__time()}` resolve before the script
/// runs, variables through the environment.
struct Thread(Env);

impl Host for Thread {
    fn var(&self, name: &str) -> Option<&str> {
        self.0.var(name)
    }
    fn put_var(&mut self, name: &str, value: String) {
        self.0.put_var(name, value)
    }
    fn property(&self, name: &str) -> Option<&str> {
        self.0.property(name)
    }
    fn substitute(&mut self, reference: &str) -> Option<String> {
        match reference {
            "__time()" => Some(self.0.now_millis().to_string()),
            name => self.0.var(name).map(str::to_owned),
        }
    }
    fn random(&mut self) -> f64 {
        self.0.random()
    }
    fn now_millis(&mut self) -> f64 {
        self.0.now_millis()
    }
    fn iteration(&self) -> u64 {
        self.0.iteration()
    }
    fn thread_name(&self) -> &str {
        self.0.thread_name()
    }
}

fn result(script: &str, env: &mut Env) -> Result<String, String> {
    let compiled = match Script::compile(script) {
        Ok(c) => c,
        // Rhino's value for a script that does not parse is "" too.
        Err(e) if matches!(e.kind, ErrorKind::Syntax(_)) => return Ok(String::new()),
        Err(e) => return Err(e.to_string()),
    };
    let mut thread = Thread(env.clone());
    let out = compiled.jmeter_result(&mut thread);
    *env = thread.0;
    Ok(out)
}

/// Letters and digit runs collapsed: the shape of a value that depends on time or chance.
fn shape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let class = if c.is_ascii_alphanumeric() { 'N' } else { c };
        if !(class == 'N' && out.ends_with('N')) {
            out.push(class);
        }
    }
    out
}

/// Forms Stampede refuses at compile time on purpose, with the reason the error gives.
const REFUSED: [(&str, &str); 3] = [
    ("undefinedVar + 1", "unknown name `undefinedVar`"),
    ("JSON.stringify({a:1,b:'x'})", "`JSON` is not supported"),
    (
        "new Date(1700000000000).toLocaleString()",
        "unknown method `toLocaleString`",
    ),
];

#[test]
fn deterministic_forms_print_what_rhino_printed() {
    let mut wrong = Vec::new();
    for row in rows().iter().filter(|r| r.kind == "exact") {
        let got = result(&row.script, &mut env(1));
        if let Some((_, reason)) = REFUSED.iter().find(|(s, _)| *s == row.script) {
            let err = got.expect_err("a refused form does not compile");
            assert!(err.contains(reason), "{err}");
            continue;
        }
        if got.as_deref() != Ok(row.observed.as_str()) {
            wrong.push(format!(
                "{:45} rhino {:?}  stampede {:?}",
                row.config_text, row.observed, got
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn clock_and_random_forms_have_rhinos_shape() {
    let mut wrong = Vec::new();
    for row in rows()
        .iter()
        .filter(|r| r.kind == "clock" || r.kind == "random")
    {
        for seed in 0..20 {
            let got = result(&row.script, &mut env(seed)).unwrap_or_else(|e| e);
            if shape(&got) != shape(&row.observed) {
                wrong.push(format!(
                    "{:45} rhino {:?}  stampede {:?}",
                    row.config_text, row.observed, got
                ));
                break;
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn an_unescaped_comma_leaves_a_script_that_fails_as_in_jmeter() {
    for row in rows().iter().filter(|r| r.kind == "unsplit") {
        if row.observed.starts_with("${__javaScript(") {
            // Too many arguments (or none): JMeter leaves the call as text; the caller's parser.
            continue;
        }
        // JMeter splits the argument at the comma: the script is the part before it.
        let first = row.config_text.split(',').next().unwrap();
        let err = Script::compile(first).expect_err("a cut-off script does not parse");
        assert!(err.to_string().contains("syntax error"), "{err}");
        assert_eq!(
            row.observed, "",
            "JMeter's value for a script that does not parse"
        );
    }
}

#[test]
fn the_nameko_devex_body_form_takes_its_random_and_vars() {
    let body = "\"${id}-${__javaScript(Math.random())}\"";
    assert!(body.contains("Math.random()"));
    let script = Script::compile("Math.random()").unwrap();
    let mut a = Env::seeded(7);
    let mut b = Env::seeded(7);
    let (x, y) = (script.jmeter_result(&mut a), script.jmeter_result(&mut b));
    assert_eq!(x, y, "a seeded source repeats");
    let v: f64 = x.parse().unwrap();
    assert!((0.0..1.0).contains(&v), "{x}");
    assert_ne!(script.jmeter_result(&mut a), x, "and moves on");
}

/// Non-ASCII results reached the server through JMeter's request-body encoding (ISO-8859-1 when
/// the request names none: other characters become `?`), read back as UTF-8 with replacement.
#[test]
fn non_ascii_results_match_after_jmeters_body_encoding() {
    let latin1 = |s: &str| -> String {
        let bytes: Vec<u8> = s
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let rows = rows();
    let encoded: Vec<&Row> = rows.iter().filter(|r| r.kind == "encoding").collect();
    assert!(!encoded.is_empty());
    for row in encoded {
        let got = result(&row.script, &mut env(1)).unwrap();
        assert!(!got.is_ascii(), "{got}");
        assert_eq!(latin1(&got), row.observed, "{}", row.config_text);
    }
}

/// Taurus `if:` blocks (If Controllers evaluating their condition with Rhino), observed: which
/// conditions let their child request run (`fixtures/real-world/if-controller-jmeter-2.13-observed.jsonl`).
#[test]
fn if_controller_conditions_run_their_children_as_in_jmeter() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/real-world/if-controller-jmeter-2.13-observed.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the observed conditions");
    let mut checked = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let condition = v["condition"].as_str().unwrap();
        let runs = v["runs"].as_bool().unwrap();
        let mut env = Env::seeded(1).with_var("VAR", "abcd");
        let got = match Script::compile(condition) {
            Ok(script) => script.jmeter_condition(&mut env).unwrap_or(false),
            // A script that does not parse is an error in JMeter too: the children are skipped.
            Err(e) if matches!(e.kind, ErrorKind::Syntax(_)) => false,
            Err(e) if condition == "new Boolean(false)" => {
                assert!(e.to_string().contains("`new Boolean`"), "{e}");
                continue;
            }
            Err(e) => panic!("{condition}: {e}"),
        };
        assert_eq!(got, runs, "{condition}");
        checked += 1;
    }
    assert!(checked >= 15, "{checked}");
}
