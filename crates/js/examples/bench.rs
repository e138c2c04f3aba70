//! Per-evaluation cost of typical `__javaScript` forms: `cargo run --release -p stampede-js
//! --example bench`. Numbers for the crate docs; not a test.

use std::time::Instant;

use stampede_js::{Env, Script};

fn main() {
    let forms = [
        "Math.floor(Math.random()*100)",
        "Math.random()",
        "\"${VAR}\"==\"abcd\"",
        "'${sp}'.slice(7,99999)",
        "new Date().getTime()",
        "['a','b','c'][Math.floor(Math.random()*3)]",
        "${count} > 10 ? 'high' : 'low'",
        "vars.get('count') * 2",
        "5-${neg}",
    ];
    let mut env = Env::seeded(1)
        .with_var("VAR", "abcd")
        .with_var("sp", "abcdefghijklmnop")
        .with_var("count", "12")
        .with_var("neg", "-3");
    let t = Instant::now();
    let n = 10_000;
    for _ in 0..n {
        Script::compile(forms[5]).expect("compiles");
    }
    println!(
        "compile {:47} {:>7.3} us",
        forms[5],
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    for form in forms {
        let script = Script::compile(form).expect("compiles");
        let n = 200_000;
        let t = Instant::now();
        let mut last = String::new();
        for _ in 0..n {
            last = script.jmeter_result(&mut env);
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("eval    {form:47} {us:>7.3} us  (last = {last})");
    }
}
