//! `${...}` templates: parsed once into segments (literal / variable / JMeter function call), rendered per
//! request without re-parsing.
//!
//! JMeter semantics kept: an undefined `${name}` stays literally `${name}`; `__P`/`__property` are resolved
//! at compile time (properties do not change during a run); an unknown `${__fn(...)}` is a compile error
//! rather than a silent literal, because it would change what is sent.

use super::timefmt::TimeFormat;
use super::vars::Vars;
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A template problem, raised at compile time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} in {text:?}")]
pub struct TemplateError {
    /// The template as written.
    pub text: String,
    pub problem: TemplateProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateProblem {
    #[error("unclosed `${{` at byte {at}")]
    Unclosed { at: usize },
    #[error("function call `${{{call}}}` must end with `)`")]
    CallNotClosed { call: String },
    #[error("unsupported JMeter function `{name}`")]
    UnknownFunction { name: String },
    #[error("{function} needs {usage}")]
    Arguments {
        function: &'static str,
        usage: &'static str,
    },
    #[error("{function} argument {index} {value:?} is not an integer")]
    NotInteger {
        function: &'static str,
        index: usize,
        value: String,
    },
    #[error("__time format {format:?}: {reason}")]
    TimeFormat { format: String, reason: String },
    /// A `__javaScript` call Stampede cannot evaluate (the message says why and what to do).
    #[error("{message}")]
    JavaScript { message: String },
}

impl TemplateProblem {
    pub fn fix(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(match self {
            TemplateProblem::Unclosed { .. } => "close it with `}` (or write `$` alone)".into(),
            TemplateProblem::CallNotClosed { .. } => "close the argument list with `)`".into(),
            TemplateProblem::UnknownFunction { .. } => format!("supported: {FUNCTIONS}").into(),
            TemplateProblem::Arguments { function, usage } => {
                format!("write ${{{function}{usage}}}").into()
            }
            TemplateProblem::NotInteger { .. } => "write an integer or a ${variable}".into(),
            TemplateProblem::TimeFormat { .. } => {
                "use Java SimpleDateFormat letters (yyyy MM dd HH mm ss SSS) or an empty format"
                    .into()
            }
            TemplateProblem::JavaScript { message } if message.starts_with("JMeter splits") => {
                "escape the commas inside the script as `\\,`".into()
            }
            // stampede-js's message already ends with what to do.
            TemplateProblem::JavaScript { .. } => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    segs: Box<[Seg]>,
}

#[derive(Debug, Clone)]
enum Seg {
    Lit(Box<str>),
    Var(Box<str>),
    Func(Box<Func>),
}

#[derive(Debug, Clone)]
enum Func {
    Random {
        min: Template,
        max: Template,
        var: Option<Box<str>>,
    },
    RandomString {
        len: Template,
        chars: Template,
        var: Option<Box<str>>,
    },
    Uuid,
    Time {
        format: TimeFormat,
        var: Option<Box<str>>,
    },
    /// Per-user counter (`TRUE`): a slot in the user's counters.
    UserCounter {
        slot: usize,
        var: Option<Box<str>>,
    },
    /// Global counter (`FALSE`): shared by every user of the execution, one per call site as in JMeter.
    GlobalCounter {
        next: Arc<AtomicU64>,
        var: Option<Box<str>>,
    },
    ThreadNum,
    IntSum {
        args: Vec<Template>,
        var: Option<Box<str>>,
    },
    UrlEncode(Template),
    Base64Encode(Template),
    Base64Decode(Template),
    JavaScript {
        call: js::JsCall,
        var: Option<Box<str>>,
    },
}

/// What rendering reads and writes.
pub struct RenderEnv<'a> {
    pub vars: &'a mut Vars,
    pub rng: &'a mut StdRng,
    pub counters: &'a mut [u64],
    pub thread: u32,
    /// The user's iteration, 1-based (JMeter's `vars.getIteration()`).
    pub iteration: u64,
}

/// Compile-time state shared by every template of a scenario.
#[derive(Debug, Default)]
pub struct TemplateCompiler {
    /// JMeter properties (`modules.jmeter.properties`, overridden by scenario `properties`).
    pub props: HashMap<String, String>,
    /// Number of per-user counter slots handed out.
    pub user_counters: usize,
    /// `props` shared by every `__javaScript` call site (made at the first one).
    pub(crate) js_props: Option<Arc<HashMap<String, String>>>,
    /// The thread group's name in `__javaScript`'s `threadName` (Taurus names it after the scenario).
    pub thread_group: Arc<str>,
}

pub const FUNCTIONS: &str = "__Random, __RandomString, __UUID, __time, __counter, __threadNum, __P, __property, \
     __intSum, __urlencode, __base64Encode, __base64Decode, __env, __javaScript";

impl Template {
    pub fn literal_str(s: &str) -> Template {
        Template {
            segs: vec![Seg::Lit(s.into())].into_boxed_slice(),
        }
    }

    /// The text when the template has no variables or functions.
    pub fn as_literal(&self) -> Option<&str> {
        match &*self.segs {
            [] => Some(""),
            [Seg::Lit(s)] => Some(s),
            _ => None,
        }
    }

    pub fn is_literal(&self) -> bool {
        self.as_literal().is_some()
    }

    pub fn render_into(&self, env: &mut RenderEnv<'_>, out: &mut String) {
        for seg in &*self.segs {
            match seg {
                Seg::Lit(s) => out.push_str(s),
                Seg::Var(name) => match env.vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                },
                Seg::Func(f) => f.call(env, out),
            }
        }
    }

    pub fn render(&self, env: &mut RenderEnv<'_>) -> String {
        let mut s = String::new();
        self.render_into(env, &mut s);
        s
    }
}

impl TemplateCompiler {
    /// Parses `text` into a template.
    pub fn parse(&mut self, text: &str) -> Result<Template, TemplateError> {
        let err = |problem: TemplateProblem| TemplateError {
            text: text.to_string(),
            problem,
        };
        let mut segs = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(pos) = rest.find("${") {
            lit.push_str(&rest[..pos]);
            let after = &rest[pos + 2..];
            let end = closing_brace(after).ok_or_else(|| {
                err(TemplateProblem::Unclosed {
                    at: text.len() - rest.len() + pos,
                })
            })?;
            let inner = &after[..end];
            rest = &after[end + 1..];
            if inner.is_empty() {
                lit.push_str("${}");
                continue;
            }
            let seg = if inner.starts_with("__") {
                self.function(inner).map_err(err)?
            } else {
                Seg::Var(inner.into())
            };
            if let Seg::Lit(s) = &seg {
                lit.push_str(s);
                continue;
            }
            if !lit.is_empty() {
                segs.push(Seg::Lit(std::mem::take(&mut lit).into()));
            }
            segs.push(seg);
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            segs.push(Seg::Lit(lit.into()));
        }
        Ok(Template {
            segs: segs.into_boxed_slice(),
        })
    }

    fn function(&mut self, inner: &str) -> Result<Seg, TemplateProblem> {
        let (name, raw) = match inner.find('(') {
            Some(open) => {
                if !inner.ends_with(')') {
                    return Err(TemplateProblem::CallNotClosed {
                        call: inner.to_string(),
                    });
                }
                let (name, args) = (&inner[..open], &inner[open + 1..inner.len() - 1]);
                if name == "__javaScript" {
                    // The script is not a template of its own: its `${…}` are substituted as
                    // text when it runs, as JMeter does.
                    let raw = js::split_jmeter(args);
                    let call = self.javascript(&raw)?;
                    let var = raw.get(1).map(|s| s.trim()).filter(|s| !s.is_empty());
                    return Ok(Seg::Func(Box::new(Func::JavaScript {
                        call,
                        var: var.map(Into::into),
                    })));
                }
                (name, split_args(args))
            }
            None => (inner, Vec::new()),
        };
        let mut templates = Vec::with_capacity(raw.len());
        for a in &raw {
            templates.push(self.parse(a).map_err(|e| e.problem)?);
        }
        let a = Args { raw, templates };
        let f = match name {
            "__Random" => {
                a.check_ints("__Random", 2, "(min,max[,var])")?;
                Func::Random {
                    min: a.arg(0),
                    max: a.arg(1),
                    var: a.var(2),
                }
            }
            "__RandomString" => {
                a.check_ints("__RandomString", 1, "(length[,chars[,var]])")?;
                Func::RandomString {
                    len: a.arg(0),
                    chars: a.arg(1),
                    var: a.var(2),
                }
            }
            "__UUID" => Func::Uuid,
            "__time" => Func::Time {
                format: TimeFormat::parse(a.raw.first().map(String::as_str).unwrap_or(""))?,
                var: a.var(1),
            },
            "__counter" => self.counter(&a),
            "__threadNum" => Func::ThreadNum,
            "__P" => return Ok(Seg::Lit(self.property(&a.raw, 1)?.into())),
            "__property" => return Ok(Seg::Lit(self.property(&a.raw, 2)?.into())),
            "__intSum" => int_sum(a)?,
            "__urlencode" => Func::UrlEncode(a.arg(0)),
            "__base64Encode" => Func::Base64Encode(a.arg(0)),
            "__base64Decode" => Func::Base64Decode(a.arg(0)),
            // The Custom JMeter Functions plugin's __env(name[,var][,default]), read once like __P.
            "__env" => {
                let name = a.raw.first().map(|s| s.trim()).unwrap_or("");
                let value = std::env::var(name)
                    .ok()
                    .or_else(|| a.raw.get(2).cloned())
                    .unwrap_or_default();
                return Ok(Seg::Lit(value.into()));
            }
            other => {
                return Err(TemplateProblem::UnknownFunction {
                    name: other.to_string(),
                });
            }
        };
        Ok(Seg::Func(Box::new(f)))
    }

    /// `__counter(TRUE)` counts per user, `__counter(FALSE)` (the default) across users.
    fn counter(&mut self, a: &Args) -> Func {
        let per_user = a
            .raw
            .first()
            .is_some_and(|x| x.trim().eq_ignore_ascii_case("true"));
        if per_user {
            self.user_counters += 1;
            Func::UserCounter {
                slot: self.user_counters - 1,
                var: a.var(1),
            }
        } else {
            Func::GlobalCounter {
                next: Arc::new(AtomicU64::new(1)),
                var: a.var(1),
            }
        }
    }

    /// `__P(name,default)` (default at `default_at`) or `__property(name,var,default)`.
    fn property(&self, args: &[String], default_at: usize) -> Result<String, TemplateProblem> {
        let name = args
            .first()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or(TemplateProblem::Arguments {
                function: if default_at == 1 { "__P" } else { "__property" },
                usage: "(name[,default])",
            })?;
        Ok(self
            .props
            .get(name)
            .cloned()
            .or_else(|| args.get(default_at).cloned())
            // JMeter's __P without default yields "1"; __property yields the name itself.
            .unwrap_or_else(|| {
                if default_at == 1 {
                    "1".into()
                } else {
                    name.into()
                }
            }))
    }
}

/// A function call's arguments, as written and as templates.
struct Args {
    raw: Vec<String>,
    templates: Vec<Template>,
}

impl Args {
    fn arg(&self, i: usize) -> Template {
        self.templates
            .get(i)
            .cloned()
            .unwrap_or_else(|| Template::literal_str(""))
    }

    /// A variable-name argument (empty = none).
    fn var(&self, i: usize) -> Option<Box<str>> {
        self.raw
            .get(i)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(Into::into)
    }

    /// The first `n` arguments must be present, and integers when they are literal.
    fn check_ints(
        &self,
        function: &'static str,
        n: usize,
        usage: &'static str,
    ) -> Result<(), TemplateProblem> {
        if self.raw.len() < n {
            return Err(TemplateProblem::Arguments { function, usage });
        }
        for (i, t) in self.templates.iter().take(n).enumerate() {
            if let Some(s) = t.as_literal()
                && s.trim().parse::<i64>().is_err()
            {
                return Err(TemplateProblem::NotInteger {
                    function,
                    index: i + 1,
                    value: s.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// `__intSum(a,b,...[,var])`: the last argument is a variable name when it is not a number (JMeter).
fn int_sum(a: Args) -> Result<Func, TemplateProblem> {
    if a.raw.len() < 2 {
        return Err(TemplateProblem::Arguments {
            function: "__intSum",
            usage: "(a,b[,...][,var])",
        });
    }
    let last = a.raw.last().map(|s| s.trim()).unwrap_or("");
    let mut args = a.templates;
    let var = if last.parse::<i64>().is_err() && args.last().is_some_and(Template::is_literal) {
        args.pop();
        Some(last.into())
    } else {
        None
    };
    Ok(Func::IntSum { args, var })
}

const DEFAULT_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Func {
    fn call(&self, env: &mut RenderEnv<'_>, out: &mut String) {
        let start = out.len();
        let var = match self {
            Func::Random { min, max, var } => {
                let lo = render_int(min, env);
                let hi = render_int(max, env);
                let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
                let _ = write!(out, "{}", env.rng.random_range(lo..=hi));
                var
            }
            Func::RandomString { len, chars, var } => {
                let n = render_int(len, env).max(0) as usize;
                let set = chars.render(env);
                let set: Vec<char> = if set.is_empty() {
                    DEFAULT_CHARS.iter().map(|&b| b as char).collect()
                } else {
                    set.chars().collect()
                };
                for _ in 0..n {
                    out.push(set[env.rng.random_range(0..set.len())]);
                }
                var
            }
            Func::Uuid => {
                let bytes: [u8; 16] = env.rng.random();
                let _ = write!(
                    out,
                    "{}",
                    uuid::Builder::from_random_bytes(bytes).into_uuid()
                );
                &None
            }
            Func::Time { format, var } => {
                format.write_now(out);
                var
            }
            Func::UserCounter { slot, var } => {
                env.counters[*slot] += 1;
                let _ = write!(out, "{}", env.counters[*slot]);
                var
            }
            Func::GlobalCounter { next, var } => {
                let _ = write!(out, "{}", next.fetch_add(1, Ordering::Relaxed));
                var
            }
            Func::ThreadNum => {
                let _ = write!(out, "{}", env.thread);
                &None
            }
            Func::IntSum { args, var } => {
                let sum: i64 = args.iter().map(|a| render_int(a, env)).sum();
                let _ = write!(out, "{sum}");
                var
            }
            Func::UrlEncode(t) => {
                let s = t.render(env);
                out.extend(url::form_urlencoded::byte_serialize(s.as_bytes()));
                &None
            }
            Func::Base64Encode(t) => {
                use base64::Engine as _;
                let s = t.render(env);
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(s));
                &None
            }
            Func::JavaScript { call, var } => {
                call.call(env, out);
                var
            }
            Func::Base64Decode(t) => {
                use base64::Engine as _;
                let s = t.render(env);
                match base64::engine::general_purpose::STANDARD.decode(s.trim()) {
                    Ok(bytes) => out.push_str(&String::from_utf8_lossy(&bytes)),
                    // JMeter returns the input unchanged when it is not Base64.
                    Err(_) => out.push_str(&s),
                }
                &None
            }
        };
        if let Some(var) = var {
            let value = out[start..].to_string();
            env.vars.set(var, &value);
        }
    }
}

/// An integer argument; a non-number renders as 0 (JMeter would log an error and use the default).
fn render_int(t: &Template, env: &mut RenderEnv<'_>) -> i64 {
    match t.as_literal() {
        Some(s) => s.trim().parse().unwrap_or(0),
        None => t.render(env).trim().parse().unwrap_or(0),
    }
}

mod js;
mod syntax;
pub use js::JsCall;
use syntax::{closing_brace, split_args};

#[cfg(test)]
mod tests;
