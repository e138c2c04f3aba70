//! `if` / `while` conditions: the JavaScript-like subset found in real Taurus configs, parsed once.
//!
//! JMeter substitutes `${...}` into the text and runs it as JavaScript. We parse the expression with
//! templates as operands instead, so the per-request path never re-parses: `"${status}" == "200"`,
//! `${count} > 3 && ${ok}`, `!(${a} != 'x') || (1 < 2)`. A bare `${var}` operand is its value,
//! read as a number or `true`/`false` when it looks like one (what the JavaScript would see).

use super::error::Problem;
use super::template::{RenderEnv, Template, TemplateCompiler};

#[derive(Debug, Clone)]
pub enum Cond {
    Or(Box<Cond>, Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(Operand, CmpOp, Operand),
    Truthy(Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub enum Operand {
    /// A quoted string literal (may contain templates): always a string.
    Str(Template),
    /// An unquoted `${...}` or a bare literal: typed by its value.
    Raw(Template),
}

enum Value {
    Num(f64),
    Bool(bool),
    Str(String),
}

pub fn parse(text: &str, tc: &mut TemplateCompiler) -> Result<Cond, Problem> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        tc,
    };
    let c = p.or()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.error("unexpected text"));
    }
    Ok(c)
}

struct Parser<'a, 'b> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    tc: &'b mut TemplateCompiler,
}

impl Parser<'_, '_> {
    fn error(&self, what: &'static str) -> Problem {
        Problem::Condition {
            text: self.text.to_string(),
            what,
            at: self.i,
        }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Cond, Problem> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, Problem> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = Cond::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Cond, Problem> {
        self.ws();
        if self.s.get(self.i) == Some(&b'!') && self.s.get(self.i + 1) != Some(&b'=') {
            self.i += 1;
            return Ok(Cond::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let c = self.or()?;
            if !self.eat(")") {
                return Err(self.error("missing `)`"));
            }
            return self.maybe_cmp_after_group(c);
        }
        let left = self.operand()?;
        let op = self.cmp_op();
        match op {
            Some(op) => Ok(Cond::Cmp(left, op, self.operand()?)),
            None => Ok(Cond::Truthy(left)),
        }
    }

    fn maybe_cmp_after_group(&mut self, c: Cond) -> Result<Cond, Problem> {
        if self.cmp_op().is_some() {
            return Err(self.error("comparing a parenthesised expression is not supported"));
        }
        Ok(c)
    }

    fn cmp_op(&mut self) -> Option<CmpOp> {
        for (tok, op) in [
            ("===", CmpOp::Eq),
            ("!==", CmpOp::Ne),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ] {
            if self.eat(tok) {
                return Some(op);
            }
        }
        None
    }

    fn operand(&mut self) -> Result<Operand, Problem> {
        self.ws();
        let start = self.i;
        match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => {
                let close = self.s[start + 1..]
                    .iter()
                    .position(|&c| c == q)
                    .ok_or_else(|| self.error("unclosed string"))?;
                let inner = &self.text[start + 1..start + 1 + close];
                self.i = start + close + 2;
                Ok(Operand::Str(self.tc.parse(inner).map_err(Problem::from)?))
            }
            Some(b'$') if self.s.get(self.i + 1) == Some(&b'{') => {
                let mut depth = 0;
                while self.i < self.s.len() {
                    match self.s[self.i] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
                if depth != 0 {
                    return Err(self.error("unclosed `${`"));
                }
                let t = self
                    .tc
                    .parse(&self.text[start..self.i])
                    .map_err(Problem::from)?;
                Ok(Operand::Raw(t))
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' || *c == b'.' => {
                self.i += 1;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.')
                {
                    self.i += 1;
                }
                let lit = &self.text[start..self.i];
                lit.parse::<f64>().map_err(|_| self.error("bad number"))?;
                Ok(Operand::Raw(Template::literal_str(lit)))
            }
            _ => {
                for word in ["true", "false"] {
                    if self.text[start..].starts_with(word) {
                        self.i += word.len();
                        return Ok(Operand::Raw(Template::literal_str(word)));
                    }
                }
                Err(self.error("expected a value"))
            }
        }
    }
}

impl Operand {
    fn value(&self, env: &mut RenderEnv<'_>) -> Value {
        match self {
            Operand::Str(t) => Value::Str(t.render(env)),
            Operand::Raw(t) => {
                let s = t.render(env);
                let trimmed = s.trim();
                if trimmed == "true" {
                    Value::Bool(true)
                } else if trimmed == "false" {
                    Value::Bool(false)
                } else if let Ok(n) = trimmed.parse::<f64>() {
                    Value::Num(n)
                } else {
                    Value::Str(s)
                }
            }
        }
    }
}

impl Value {
    fn num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Str(s) if s.trim().is_empty() => Some(0.0),
            Value::Str(s) => s.trim().parse().ok(),
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty(),
        }
    }
}

impl Cond {
    pub fn eval(&self, env: &mut RenderEnv<'_>) -> bool {
        match self {
            Cond::Or(a, b) => a.eval(env) || b.eval(env),
            Cond::And(a, b) => a.eval(env) && b.eval(env),
            Cond::Not(c) => !c.eval(env),
            Cond::Truthy(o) => o.value(env).truthy(),
            Cond::Cmp(a, op, b) => {
                let (a, b) = (a.value(env), b.value(env));
                compare(&a, *op, &b)
            }
        }
    }
}

/// JavaScript's loose comparison, for the value kinds we have: two strings compare as strings,
/// anything else numerically.
fn compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => match (a.num(), b.num()) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => None,
        },
    };
    match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Ordering::Equal),
        (CmpOp::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::Vars;
    use rand::SeedableRng;

    fn check(text: &str, vars: &[(&str, &str)]) -> bool {
        let mut tc = TemplateCompiler::default();
        let c = parse(text, &mut tc).unwrap_or_else(|e| panic!("{e}"));
        let mut v = Vars::default();
        for (k, val) in vars {
            v.set(k, val);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let mut env = RenderEnv {
            vars: &mut v,
            rng: &mut rng,
            counters: &mut [],
            thread: 1,
        };
        c.eval(&mut env)
    }

    #[test]
    fn table() {
        let v = [
            ("status", "200"),
            ("name", "bob"),
            ("ok", "true"),
            ("n", "5"),
        ];
        for (text, want) in [
            ("\"${status}\" == \"200\"", true),
            ("'${status}' != '200'", false),
            ("${status} == 200", true),
            ("${name} == 'bob'", true),
            ("${name} == 'alice'", false),
            ("${ok}", true),
            ("!${ok}", false),
            ("${n} > 3 && ${n} <= 5", true),
            ("${n} > 5 || ${name} == 'bob'", true),
            ("!(${n} == 5) || false", false),
            ("(${n} >= 6) || (1 < 2)", true),
            ("${missing} == 'x'", false),
            ("10 === 10.0", true),
            ("'10' == '10.0'", false),
            ("-1 < 0", true),
            ("'a && b' == 'a && b'", true),
            ("\"x || y\" != '${name}'", true),
            ("${n} == ${status}", false),
            ("'${name}${n}' == 'bob5'", true),
        ] {
            assert_eq!(check(text, &v), want, "{text}");
        }
    }

    #[test]
    fn rejects_what_we_cannot_evaluate() {
        let mut tc = TemplateCompiler::default();
        for bad in [
            "${a} == ",
            "foo()",
            "${a} = 1",
            "'unclosed == 1",
            "(1 == 1",
            "${__javaScript(1)}",
            "1 == 1 extra",
        ] {
            assert!(parse(bad, &mut tc).is_err(), "{bad}");
        }
    }
}
