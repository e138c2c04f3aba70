//! Evaluation of a compiled [`Program`] against a [`Host`]: operators here, calls in `builtins`.

use std::sync::Arc;

use crate::ast::{Binary, Expr, Global, Lit, Program, Stmt, TemplatePart, Unary};
use crate::builtins;
use crate::error::ErrorKind;
use crate::host::Host;
use crate::value::{Value, to_int32, to_uint32};

/// A `${…}` reference's substituted value: code holes hold a literal, string holes their text.
#[derive(Clone, Debug)]
pub(crate) enum HoleValue {
    Code(Value),
    Text(String),
}

pub(crate) struct Ctx<'a> {
    pub host: &'a mut dyn Host,
    pub holes: &'a [HoleValue],
    pub locals: Vec<Value>,
}

pub(crate) fn run(
    program: &Program,
    host: &mut dyn Host,
    holes: &[HoleValue],
) -> Result<Value, ErrorKind> {
    let mut cx = Ctx {
        host,
        holes,
        locals: vec![Value::Undefined; program.locals],
    };
    let mut result = Value::Undefined;
    for stmt in &program.stmts {
        match stmt {
            Stmt::Expr(e) => result = cx.eval(e)?,
            Stmt::Decl(decls) => {
                for (slot, e) in decls {
                    cx.locals[*slot] = cx.eval(e)?;
                }
            }
        }
    }
    Ok(result)
}

impl Ctx<'_> {
    pub(crate) fn eval(&mut self, e: &Expr) -> Result<Value, ErrorKind> {
        Ok(match e {
            Expr::Lit(lit) => literal(lit),
            Expr::Template(parts) => self.template(parts),
            Expr::Hole(i) => match &self.holes[*i] {
                HoleValue::Code(v) => v.clone(),
                HoleValue::Text(t) => Value::str(t.as_str()),
            },
            Expr::Regex(r) => Value::Regex(Arc::clone(r)),
            Expr::Array(items) => {
                let values = items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::Array(Arc::new(values))
            }
            Expr::Local(slot) => self.locals[*slot].clone(),
            Expr::Assign(slot, value) => {
                let v = self.eval(value)?;
                self.locals[*slot] = v.clone();
                v
            }
            Expr::Global(Global::ThreadName) => Value::Java(self.host.thread_name().into()),
            Expr::Unary(op, operand) => unary(*op, &self.eval(operand)?),
            Expr::Binary(op, l, r) => {
                let l = self.eval(l)?;
                let r = self.eval(r)?;
                binary(*op, &l, &r)?
            }
            Expr::And(l, r) => {
                let l = self.eval(l)?;
                if l.truthy() { self.eval(r)? } else { l }
            }
            Expr::Or(l, r) => {
                let l = self.eval(l)?;
                if l.truthy() { l } else { self.eval(r)? }
            }
            Expr::Cond(c, yes, no) => {
                if self.eval(c)?.truthy() {
                    self.eval(yes)?
                } else {
                    self.eval(no)?
                }
            }
            Expr::Comma(l, r) => {
                self.eval(l)?;
                self.eval(r)?
            }
            Expr::Length(target) => builtins::length(&self.eval(target)?)?,
            Expr::Index(target, index) => {
                let target = self.eval(target)?;
                let index = self.eval(index)?;
                builtins::index(&target, &index)?
            }
            Expr::Call(..) | Expr::Method(..) | Expr::NewDate(_) | Expr::NewArray(_) => {
                self.call(e)?
            }
        })
    }

    /// Function and method calls and constructors: arguments left to right, then the call.
    fn call(&mut self, e: &Expr) -> Result<Value, ErrorKind> {
        match e {
            Expr::Call(func, args) => {
                let args = self.args(args)?;
                builtins::call(*func, &args, self.host)
            }
            Expr::Method(target, method, args) => {
                let target = self.eval(target)?;
                let args = self.args(args)?;
                builtins::method(&target, *method, &args)
            }
            Expr::NewDate(args) => {
                let args = self.args(args)?;
                Ok(builtins::new_date(&args, self.host))
            }
            Expr::NewArray(args) => {
                let args = self.args(args)?;
                builtins::new_array(&args)
            }
            _ => unreachable!("only calls are dispatched here"),
        }
    }

    /// A string literal with references: the substituted text in place of each.
    fn template(&self, parts: &[TemplatePart]) -> Value {
        let mut s = String::new();
        for part in parts {
            match part {
                TemplatePart::Lit(text) => s.push_str(text),
                TemplatePart::Hole(i) => match &self.holes[*i] {
                    HoleValue::Text(t) => s.push_str(t),
                    HoleValue::Code(v) => s.push_str(&v.to_js_string()),
                },
            }
        }
        Value::str(s)
    }

    fn args(&mut self, args: &[Expr]) -> Result<Vec<Value>, ErrorKind> {
        args.iter().map(|a| self.eval(a)).collect()
    }
}

fn literal(lit: &Lit) -> Value {
    match lit {
        Lit::Num(n) => Value::Num(*n),
        Lit::Str(s) => Value::Str(Arc::clone(s)),
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Null => Value::Null,
        Lit::Undefined => Value::Undefined,
    }
}

fn unary(op: Unary, v: &Value) -> Value {
    match op {
        Unary::Not => Value::Bool(!v.truthy()),
        Unary::Neg => Value::Num(-v.to_number()),
        Unary::Plus => Value::Num(v.to_number()),
        Unary::BitNot => Value::Num(f64::from(!to_int32(v.to_number()))),
        Unary::TypeOf => Value::str(v.type_of()),
        Unary::Void => Value::Undefined,
    }
}

/// Relational comparison: strings by UTF-16 code units when both sides are strings after
/// ToPrimitive with hint Number (so a Date compares as its time value), else as numbers.
fn less_than(l: &Value, r: &Value) -> Option<bool> {
    let stringish = |v: &Value| v.is_stringish() && !matches!(v, Value::Date(_));
    if stringish(l) && stringish(r) {
        let (a, b) = (l.to_js_string(), r.to_js_string());
        return Some(a.encode_utf16().lt(b.encode_utf16()));
    }
    let (a, b) = (l.to_number(), r.to_number());
    if a.is_nan() || b.is_nan() {
        None
    } else {
        Some(a < b)
    }
}

pub(crate) fn binary(op: Binary, l: &Value, r: &Value) -> Result<Value, ErrorKind> {
    use Binary as B;
    let num = |f: fn(f64, f64) -> f64| Value::Num(f(l.to_number(), r.to_number()));
    let int = |f: fn(i32, i32) -> i32| {
        Value::Num(f64::from(f(
            to_int32(l.to_number()),
            to_int32(r.to_number()),
        )))
    };
    Ok(match op {
        B::Add => {
            if l.is_stringish() || r.is_stringish() {
                let joined = l.to_js_string() + &r.to_js_string();
                if joined.len() > crate::value::MAX_STRING_UNITS {
                    return Err(crate::value::too_long());
                }
                Value::str(joined)
            } else {
                num(|a, b| a + b)
            }
        }
        B::Sub => num(|a, b| a - b),
        B::Mul => num(|a, b| a * b),
        B::Div => num(|a, b| a / b),
        B::Rem => num(|a, b| a % b),
        B::Lt => Value::Bool(less_than(l, r) == Some(true)),
        B::Gt => Value::Bool(less_than(r, l) == Some(true)),
        B::Le => Value::Bool(less_than(r, l) == Some(false)),
        B::Ge => Value::Bool(less_than(l, r) == Some(false)),
        B::Eq => Value::Bool(l.loose_eq(r)),
        B::Ne => Value::Bool(!l.loose_eq(r)),
        B::StrictEq => Value::Bool(l.strict_eq(r)),
        B::StrictNe => Value::Bool(!l.strict_eq(r)),
        B::BitAnd => int(|a, b| a & b),
        B::BitOr => int(|a, b| a | b),
        B::BitXor => int(|a, b| a ^ b),
        B::Shl => int(|a, b| a.wrapping_shl(b as u32 & 31)),
        B::Shr => int(|a, b| a.wrapping_shr(b as u32 & 31)),
        B::UShr => {
            let shift = to_uint32(r.to_number()) & 31;
            Value::Num(f64::from(to_uint32(l.to_number()) >> shift))
        }
    })
}
