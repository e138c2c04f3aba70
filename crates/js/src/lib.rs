//! `stampede-js`: JMeter's `${__javaScript(script[,VAR])}` and If Controller conditions for
//! Stampede, giving what JMeter 2.13's Rhino gives for the scripts real test plans use, in
//! microseconds and with no engine when no plan uses it.
//!
//! ```
//! use stampede_js::{Env, Script};
//! let script = Script::compile("'${sp}'.slice(7,99999) + '-' + Math.floor(2.7)").unwrap();
//! let mut env = Env::seeded(1).with_var("sp", "abcdefghijklmnop");
//! assert_eq!(script.eval(&mut env).unwrap().to_jmeter_string(), "hijklmnop-2");
//! // What JMeter returns, errors included (Rhino errors give ""):
//! assert_eq!(Script::compile("vars.get('nope').length()").unwrap().jmeter_result(&mut env), "");
//! ```
//!
//! # The text it is given
//!
//! The script is the function's first argument after JMeter's own argument parsing: `\,` already
//! unescaped to `,`, the argument split off at unescaped commas. `${name}` references stay in the
//! text: JMeter substitutes them before Rhino parses, and so does [`Script::eval`], through
//! [`Host::substitute`], exactly as text (so `'${x}'` with `x = it's` is a syntax error there too).
//! References inside string literals and numeric ones in code take a fast path; anything else
//! re-parses the substituted text, which is still microseconds.
//!
//! The second argument of `__javaScript`, a variable name, is the caller's: after evaluation it
//! stores the same string in that variable (`host.put_var(name, result)`), also when it is `""`.
//!
//! # What is evaluated
//!
//! Numbers with JS semantics and JS number-to-string formatting; strings by UTF-16 units; `+ - * /
//! %`, comparisons, `==`/`!=`/`===`/`!==`, `&& || !`, `?:`, bitwise and shift operators, `typeof`,
//! `void`, `,`; `var`/`let`/`const` and `;`-separated statements (the last expression statement is
//! the value); array literals with indexing, `length`, `join`, `indexOf`; `Math.*`; `parseInt` (with
//! Rhino's leading-zero octal), `parseFloat`, `Number`, `String`, `Boolean`, `isNaN`, `isFinite`,
//! `encodeURIComponent`, `encodeURI`, `decodeURIComponent`, `String.fromCharCode`; the string
//! methods `charAt charCodeAt indexOf lastIndexOf includes startsWith endsWith slice substring
//! substr toUpperCase toLowerCase trim trimStart trimEnd padStart padEnd repeat concat split
//! replace match`; regular-expression literals (`test`, and in `split`/`replace`/`match`);
//! `toFixed`, `toPrecision`, `toString(radix)`; `new Date()`, `new Date(ms | y, m, …)`,
//! `Date.now()`, the `get*` methods, `getTime`, `toISOString`, `toString`, `toUTCString`; and
//! JMeter's `vars.get/put/getIteration`, `props.get`, `threadName`.
//!
//! `vars.get`, `props.get` and `threadName` give Java strings, as in Rhino: `typeof` is `object`,
//! `=== 'x'` is false, `.length` prints Java's method (`.length()` is the number), `replace`
//! replaces every occurrence and `split` takes a regex. Dates are in UTC, the zone of DLT's tasks.
//!
//! Anything else (functions, objects, loops, `JSON`, unknown names or methods, lookaround in a
//! regex) is refused by [`Script::compile`] with the column and what to do.
//!
//! Known differences from Rhino: dates are always UTC (`toLocaleString` and other locale methods
//! are refused); regular expressions use the `regex` crate's syntax, which agrees with JS for the
//! common forms (classes, groups, quantifiers, anchors) but `\d`/`\w` are Unicode-aware; the last
//! fraction digit of `toString(radix)` for a non-integer may differ from Rhino's DToA; a Java
//! `String[]` prints as `[Ljava.lang.String;@…` with a made-up hash; Java string methods beyond
//! `length() equals isEmpty contains startsWith endsWith indexOf lastIndexOf toUpperCase
//! toLowerCase trim concat substring charAt replace split toString` are refused at compile time.
//! `${…}` inside comments is not substituted.
//!
//! # Why a restricted evaluator and not an engine
//!
//! Measured on this shared 2-core machine (release builds, thin LTO, binaries stripped; boa
//! measured with `/tmp` scratch project `boa-bench`, Stampede with `examples/bench.rs`):
//!
//! | | boa_engine 0.22 | stampede-js |
//! |---|---|---|
//! | clean release build | 12 min 30 s (niced, machine shared) | 2 min 10 s, mostly `regex` |
//! | binary size added to an empty `main` | +10.4 MB | +2.1 MB, `regex` and `rand` included (the executor has both already) |
//! | per thread | a `Context`: 0.7-0.9 ms to create | nothing |
//! | `Math.floor(Math.random()*100)` | 17 µs parsed each time, 0.7 µs parsed once | 1.3 µs |
//! | `'${sp}'.slice(7,99999)` | 16 µs (the substituted text must be parsed each time) | 1.3 µs |
//! | `['a','b','c'][Math.floor(Math.random()*3)]` | 34 µs / 3.8 µs | 0.8 µs |
//! | compile (once per plan) | — | 8 µs |
//!
//! Since `${…}` is substituted into the text before parsing, an engine pays its parse on every
//! evaluation whenever the script has a reference; this crate keeps the compiled form and reads the
//! substituted values as literals. And an engine would not be Rhino: `parseInt('08')` is NaN,
//! `new Date()` prints `GMT-0000 (UTC)`, `vars.get` gives Java strings (above) in JMeter 2.13; those
//! had to be written by hand either way. The forms found in real plans are a small expression
//! subset (`tests/rhino.rs` checks all 379 observed forms against values JMeter 2.13 produced), and refusing
//! the rest when the plan loads is better than a silent difference.

mod ast;
mod builtins;
mod date;
mod error;
mod eval;
mod host;
mod jsregex;
mod lexer;
mod methods;
mod names;
pub mod numfmt;
mod parser;
mod value;

pub use error::{ErrorKind, JsError};
pub use host::{Clock, Env, Host};
pub use jsregex::JsRegex;
pub use value::Value;

use ast::Program;
use eval::HoleValue;
use lexer::{Hole, Tok};

/// A compiled `__javaScript` script.
#[derive(Clone, Debug)]
pub struct Script {
    source: String,
    program: Program,
    holes: Vec<Hole>,
}

impl Script {
    /// Parses and checks the script. `${…}` references are allowed anywhere JMeter allows them;
    /// the check assumes a number in code position, which is what real scripts put there.
    pub fn compile(src: &str) -> Result<Script, JsError> {
        let lexed = lexer::lex(src, true)?;
        let program = parser::parse(&lexed.tokens, src)?;
        Ok(Script {
            source: src.to_owned(),
            program,
            holes: lexed.holes,
        })
    }

    /// The script text as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the script reads `${…}` references (so its value depends on substitution).
    pub fn has_references(&self) -> bool {
        !self.holes.is_empty()
    }

    /// Evaluates the script. `Err` is what Rhino throws (JMeter then logs it and returns `""`), or a
    /// construct that only appeared after substitution and that Stampede does not evaluate.
    pub fn eval(&self, host: &mut dyn Host) -> Result<Value, JsError> {
        if self.holes.is_empty() {
            return eval::run(&self.program, host, &[])
                .map_err(|k| JsError::new(k, 0, &self.source));
        }
        let texts: Vec<String> = self
            .holes
            .iter()
            .map(|h| {
                host.substitute(&h.reference)
                    .unwrap_or_else(|| format!("${{{}}}", h.reference))
            })
            .collect();
        match self.fast_hole_values(&texts) {
            Some(values) => eval::run(&self.program, host, &values)
                .map_err(|k| JsError::new(k, 0, &self.source)),
            None => {
                let substituted = self.substitute(&texts);
                let lexed = lexer::lex(&substituted, false)?;
                let program = parser::parse(&lexed.tokens, &substituted)?;
                eval::run(&program, host, &[]).map_err(|k| JsError::new(k, 0, &substituted))
            }
        }
    }

    /// What `${__javaScript(…)}` returns: the value as a string, or `""` when evaluation fails.
    pub fn jmeter_result(&self, host: &mut dyn Host) -> String {
        self.eval(host)
            .map(|v| v.to_jmeter_string())
            .unwrap_or_default()
    }

    /// An If Controller condition (`useExpression` off, as Taurus's `if:` writes it): `Ok(true)`
    /// when the value prints `true`, `Ok(false)` for `false`; anything else, like `1` or `'TRUE'`,
    /// is an error, on which JMeter skips the children, as it does on a Rhino error.
    pub fn jmeter_condition(&self, host: &mut dyn Host) -> Result<bool, JsError> {
        let text = self.eval(host)?.to_jmeter_string();
        match text.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(JsError::new(
                ErrorKind::NotABoolean(text.clone()),
                0,
                &self.source,
            )),
        }
    }

    /// Hole values usable with the compiled program, or `None` when a value would change how the
    /// text parses (a quote or backslash inside a string literal, code that is not one literal).
    fn fast_hole_values(&self, texts: &[String]) -> Option<Vec<HoleValue>> {
        self.holes
            .iter()
            .zip(texts)
            .map(|(hole, text)| match hole.quote {
                Some(q) => {
                    let plain = !text.contains([q, '\\', '\n', '\r', '\u{2028}', '\u{2029}']);
                    plain.then(|| HoleValue::Text(text.clone()))
                }
                None => code_literal(text).map(HoleValue::Code),
            })
            .collect()
    }

    fn substitute(&self, texts: &[String]) -> String {
        let mut out = String::with_capacity(self.source.len());
        let mut done = 0;
        for (hole, text) in self.holes.iter().zip(texts) {
            out.push_str(&self.source[done..hole.at]);
            out.push_str(text);
            done = hole.at + hole.reference.len() + 3;
        }
        out.push_str(&self.source[done..]);
        out
    }
}

/// A substituted value that is exactly one literal token in code: a number, `true`, `false`, `null`.
fn code_literal(text: &str) -> Option<Value> {
    let lexed = lexer::lex(text, false).ok()?;
    match lexed.tokens.as_slice() {
        [first, last] if matches!(last.tok, Tok::Eof) => match &first.tok {
            Tok::Num(n) => Some(Value::Num(*n)),
            Tok::Ident(w) if w == "true" => Some(Value::Bool(true)),
            Tok::Ident(w) if w == "false" => Some(Value::Bool(false)),
            Tok::Ident(w) if w == "null" => Some(Value::Null),
            _ => None,
        },
        _ => None,
    }
}
