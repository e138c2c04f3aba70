//! A measurement of the per-request costs, run by hand (ignored in the suite).

use super::*;

/// Prints rendering and interpreter costs (`cargo test -p executor --lib perf_ -- --ignored --nocapture`).
#[test]
#[ignore = "measurement, not a check"]
fn perf_render_and_interpret() {
    let s = compile(json!({"default-address": "http://127.0.0.1:1", "variables": {"id": "42", "tok": "abc"},
        "requests": [{"url": "/items/${id}?r=${__Random(1,100)}", "headers": {"Authorization": "Bearer ${tok}"},
                      "method": "POST", "body": "{\"id\": ${id}}"}, "http://h/static"]})).unwrap();
    let mut u = s.new_user(1);
    let mut out = request::Scratch::default();
    for (i, label) in [(0, "templated"), (1, "static")] {
        let n = 200_000;
        let t = Instant::now();
        for _ in 0..n {
            let mut env = RenderEnv {
                vars: &mut u.vars,
                rng: &mut u.rng,
                counters: &mut u.counters,
                thread: 1,
                iteration: 1,
            };
            s.prog.requests[i].render(&mut env, &mut out).unwrap();
        }
        println!(
            "render {label}: {:.0} ns/request",
            t.elapsed().as_nanos() as f64 / n as f64
        );
    }
    let s = compile(json!({"requests": [{"loop": 1000, "do": [{"if": "${n} == 1", "then": [], "else": [{"set-variables": {"x": "${n}"}}]}]}, never()]})).unwrap();
    let mut u = s.new_user(1);
    u.vars.set("n", "2");
    let t = Instant::now();
    run_once(&s, &mut u);
    println!(
        "interpreter: {:.0} ns per loop step (if + set-variables)",
        t.elapsed().as_nanos() as f64 / 1000.0
    );
}
