//! `${__javaScript(script[,var])}` through `stampede-js`: the script is compiled with the template,
//! so a form Stampede cannot evaluate is a compile error, and a template without the function pays
//! nothing for it.
//!
//! JMeter's order is kept: `${…}` references in the script are substituted as text before the script
//! is read (variables directly, nested functions such as `${__time()}` rendered as templates), an
//! unknown variable stays `${name}`, and a run-time error (Rhino's `TypeError`, a value that no
//! longer parses after substitution) gives `""`.

use super::{RenderEnv, Template, TemplateCompiler, TemplateProblem, closing_brace};
use rand::Rng;
use stampede_js::{Host, Script};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A compiled `__javaScript` call site.
#[derive(Debug, Clone)]
pub struct JsCall {
    script: Arc<Script>,
    /// `${__fn(…)}` references in the script text, as written and compiled.
    functions: Box<[(Box<str>, Template)]>,
    props: Arc<HashMap<String, String>>,
    /// The thread group's name in `threadName` (`NAME 1-THREAD`).
    group: Arc<str>,
}

impl TemplateCompiler {
    /// The script argument as JMeter split it (at every unescaped comma, see [`split_jmeter`]).
    pub(crate) fn javascript(&mut self, args: &[String]) -> Result<JsCall, TemplateProblem> {
        let script = match args {
            [script] | [script, _] if !script.trim().is_empty() => script,
            _ => {
                return Err(TemplateProblem::JavaScript {
                    message: format!(
                        "JMeter splits the call at every unescaped comma and finds {} arguments \
                         (it takes a script and an optional variable name), so it would leave \
                         the call unevaluated",
                        args.len()
                    ),
                });
            }
        };
        let compiled = Script::compile(script).map_err(|e| TemplateProblem::JavaScript {
            message: e.to_string(),
        })?;
        let mut functions = Vec::new();
        let mut rest = script.as_str();
        while let Some(pos) = rest.find("${") {
            let after = &rest[pos + 2..];
            let Some(end) = closing_brace(after) else {
                break;
            };
            let reference = &after[..end];
            if reference.starts_with("__") {
                let t = self
                    .parse(&format!("${{{reference}}}"))
                    .map_err(|e| e.problem)?;
                functions.push((reference.into(), t));
            }
            rest = &after[end + 1..];
        }
        Ok(JsCall {
            script: Arc::new(compiled),
            functions: functions.into_boxed_slice(),
            props: Arc::clone(
                self.js_props
                    .get_or_insert_with(|| Arc::new(self.props.clone())),
            ),
            group: Arc::clone(&self.thread_group),
        })
    }
}

impl JsCall {
    /// What JMeter's function returns for this user now.
    pub fn call(&self, env: &mut RenderEnv<'_>, out: &mut String) {
        let mut host = UserHost {
            env,
            call: self,
            name: OnceCell::new(),
        };
        out.push_str(&self.script.jmeter_result(&mut host));
    }

    /// An If Controller condition: true only when the value prints exactly `true`.
    pub fn condition(&self, env: &mut RenderEnv<'_>) -> bool {
        let mut host = UserHost {
            env,
            call: self,
            name: OnceCell::new(),
        };
        self.script.jmeter_condition(&mut host).unwrap_or(false)
    }
}

/// A user's view for the script: its variables, random source and iteration.
struct UserHost<'e, 'a> {
    env: &'e mut RenderEnv<'a>,
    call: &'e JsCall,
    name: OnceCell<String>,
}

impl Host for UserHost<'_, '_> {
    fn var(&self, name: &str) -> Option<&str> {
        self.env.vars.get(name)
    }

    fn put_var(&mut self, name: &str, value: String) {
        self.env.vars.set(name, &value);
    }

    fn property(&self, name: &str) -> Option<&str> {
        self.call.props.get(name).map(String::as_str)
    }

    fn substitute(&mut self, reference: &str) -> Option<String> {
        let call = self.call;
        match call.functions.iter().find(|(r, _)| &**r == reference) {
            Some((_, t)) => Some(t.render(self.env)),
            None => self.env.vars.get(reference).map(str::to_owned),
        }
    }

    fn random(&mut self) -> f64 {
        self.env.rng.random::<f64>()
    }

    fn now_millis(&mut self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64)
    }

    fn iteration(&self) -> u64 {
        self.env.iteration
    }

    fn thread_name(&self) -> &str {
        self.name.get_or_init(|| match &*self.call.group {
            "" => format!("Thread Group 1-{}", self.env.thread),
            group => format!("{group} 1-{}", self.env.thread),
        })
    }
}

/// JMeter's argument split for `__javaScript`: at every comma not escaped as `\,` and not inside a
/// nested `${…}`; parentheses do not protect a comma (`Math.max(2,5)` is two arguments).
pub(super) fn split_jmeter(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let cur = out.last_mut().expect("never empty");
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            '$' if chars.peek() == Some(&'{') => {
                depth += 1;
                cur.push('$');
            }
            '}' if depth > 0 => {
                depth -= 1;
                cur.push('}');
            }
            ',' if depth == 0 => out.push(String::new()),
            _ => cur.push(c),
        }
    }
    if out.len() == 1 && out[0].is_empty() {
        out.clear();
    }
    out
}
