//! The API around the evaluator: compile errors say what, where and what to do; `${…}`
//! substitution happens once per reference, in the right place, on the fast or the re-parse path;
//! hostile scripts end in an error, not a panic or a runaway allocation.

use stampede_js::{Clock, Env, ErrorKind, Host, Script};

fn compile_err(src: &str) -> stampede_js::JsError {
    Script::compile(src).expect_err("refused")
}

#[test]
fn compile_errors_name_the_construct_its_column_and_a_way_out() {
    let e = compile_err("1 + foo(2)");
    assert_eq!(e.kind, ErrorKind::UnknownName("foo".into()));
    assert_eq!(e.column, 5);
    let text = e.to_string();
    assert!(
        text.starts_with("__javaScript `1 + foo(2)`: unknown name `foo` at column 5"),
        "{text}"
    );
    assert!(text.contains("vars.get"), "says what to do: {text}");

    let e = compile_err("'abc'.bold()");
    assert_eq!(
        (e.kind.clone(), e.column),
        (ErrorKind::UnknownMethod("bold".into()), 7)
    );
    assert!(e.to_string().contains("rewrite it"), "{e}");

    for (src, what) in [
        ("function f() { return 1 }", "`function`"),
        ("({a: 1})", "an object literal"),
        ("JSON.stringify(1)", "`JSON`"),
        ("`x`", "a template literal"),
        ("x = 1; x++", "`++`/`--`"),
        ("new Foo()", "`new Foo`"),
        ("Math.floor", "the property"),
    ] {
        let e = compile_err(src);
        assert!(e.to_string().contains(what), "{src}: {e}");
    }
    let e = compile_err("'a'.replace(/(?=a)/, 'b')");
    assert!(matches!(e.kind, ErrorKind::Regex(..)), "{e}");
    assert_eq!(e.column, 13);
}

#[test]
fn syntax_errors_and_runtime_errors_give_jmeters_empty_result() {
    let e = compile_err("Math.max(2");
    assert!(matches!(e.kind, ErrorKind::Syntax(_)), "{e}");
    assert!(
        e.to_string().contains("\\,"),
        "hints at JMeter's comma escaping: {e}"
    );
    let mut env = Env::seeded(1);
    for src in [
        "vars.get('missing').length()",
        "null.length",
        "(1).toFixed(101)",
        "'x'.repeat(-1)",
    ] {
        let script = Script::compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let err = script.eval(&mut env).expect_err(src);
        assert!(err.kind.is_runtime(), "{src}: {err}");
        assert_eq!(script.jmeter_result(&mut env), "", "{src}");
    }
}

/// Counts every substitution, as a JMeter function like `${__counter(TRUE)}` would.
struct Counting {
    env: Env,
    calls: usize,
}

impl Host for Counting {
    fn var(&self, name: &str) -> Option<&str> {
        self.env.var(name)
    }
    fn put_var(&mut self, name: &str, value: String) {
        self.env.put_var(name, value)
    }
    fn property(&self, name: &str) -> Option<&str> {
        self.env.property(name)
    }
    fn substitute(&mut self, reference: &str) -> Option<String> {
        self.calls += 1;
        if reference == "__counter(TRUE)" {
            return Some(self.calls.to_string());
        }
        self.env.var(reference).map(str::to_owned)
    }
    fn random(&mut self) -> f64 {
        self.env.random()
    }
    fn now_millis(&mut self) -> f64 {
        self.env.now_millis()
    }
    fn iteration(&self) -> u64 {
        self.env.iteration()
    }
    fn thread_name(&self) -> &str {
        self.env.thread_name()
    }
}

#[test]
fn references_are_substituted_once_each_on_both_paths() {
    let script = Script::compile("${__counter(TRUE)} * 10 + '${v}'.length").unwrap();
    assert!(script.has_references());
    for (value, expected) in [("abc", "13"), ("it's", "")] {
        // "it's" inside '…' re-parses the substituted text, which is a syntax error, as in Rhino.
        let mut host = Counting {
            env: Env::seeded(1).with_var("v", value),
            calls: 0,
        };
        assert_eq!(script.jmeter_result(&mut host), expected, "{value}");
        assert_eq!(host.calls, 2, "one call per reference");
    }
    // A negative number in code is not one literal token: the re-parse path gives JS's answer.
    let script = Script::compile("5-${n}").unwrap();
    assert_eq!(
        script.jmeter_result(&mut Env::seeded(1).with_var("n", "2")),
        "3"
    );
    assert_eq!(
        script.jmeter_result(&mut Env::seeded(1).with_var("n", "-2")),
        ""
    );
    let script = Script::compile("0-${n}").unwrap();
    assert_eq!(
        script.jmeter_result(&mut Env::seeded(1).with_var("n", "(-2)")),
        "2"
    );
}

#[test]
fn an_unknown_reference_stays_as_written() {
    let script = Script::compile("'${nope}' + '/' + '${x}'").unwrap();
    let mut env = Env::seeded(1).with_var("x", "1");
    assert_eq!(script.jmeter_result(&mut env), "${nope}/1");
    let script = Script::compile("${nope} + 1").unwrap();
    assert_eq!(script.jmeter_result(&mut env), "", "`${{` is not JS");
}

#[test]
fn a_reference_after_a_comment_lands_in_its_own_place() {
    let script = Script::compile("/* ${x} */ '${x}' + ${x}").unwrap();
    let mut env = Env::seeded(1).with_var("x", "-1");
    // `'-1' + -1` after the re-parse (`-1` in code is not one literal token).
    assert_eq!(script.jmeter_result(&mut env), "-1-1");
}

#[test]
fn vars_put_reaches_the_host_and_the_clock_is_injected() {
    let script =
        Script::compile("vars.put('when', new Date().toISOString()); vars.get('when')").unwrap();
    let mut env = Env::seeded(1).at_millis(0.0);
    assert_eq!(script.jmeter_result(&mut env), "1970-01-01T00:00:00.000Z");
    assert_eq!(env.vars["when"], "1970-01-01T00:00:00.000Z");
    env.clock = Clock::Fixed(86_400_000.0);
    assert_eq!(
        Script::compile("new Date()")
            .unwrap()
            .jmeter_result(&mut env),
        "Fri Jan 02 1970 00:00:00 GMT-0000 (UTC)"
    );
}

#[test]
fn hostile_scripts_end_in_errors() {
    let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(compile_err(&deep).kind, ErrorKind::TooDeep);
    let long_chain = format!("1{}", "+1".repeat(100_000));
    assert_eq!(compile_err(&long_chain).kind, ErrorKind::TooDeep);
    let calls = format!("'a'{}", ".trim()".repeat(100_000));
    assert_eq!(compile_err(&calls).kind, ErrorKind::TooDeep);
    // Doubling a string cannot exhaust memory.
    let doubling = format!(
        "s = 'x'.repeat(1000000); {}s.length",
        "s = s + s; ".repeat(40)
    );
    let script = Script::compile(&doubling).unwrap();
    let err = script.eval(&mut Env::seeded(1)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Range("Invalid string length".into()));
}

#[test]
fn a_compiled_script_can_be_shared_by_worker_threads() {
    fn shareable<T: Send + Sync + 'static>(_: &T) {}
    let script = Script::compile("'${x}' + Math.floor(1.5)").unwrap();
    shareable(&script);
    let script = std::sync::Arc::new(script);
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let script = std::sync::Arc::clone(&script);
            std::thread::spawn(move || script.jmeter_result(&mut Env::seeded(i).with_var("x", "t")))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "t1");
    }
}
