//! Tokens to [`Program`]: a precedence-climbing parser for the expression subset, with names,
//! methods and regular expressions resolved here so that evaluation cannot meet an unknown one.

use std::sync::Arc;

use crate::ast::{Binary, Expr, Func, Global, Lit, Method, Program, Stmt, TemplatePart, Unary};
use crate::error::{ErrorKind, JsError};
use crate::jsregex::JsRegex;
use crate::lexer::{StrPart, Tok, Token};
use crate::names::{constant, global_function, is_reserved, namespace_function};

/// Deeper nesting (and longer operator chains) than any real expression; keeps the parser's and
/// the evaluator's recursion well inside a 2 MB thread stack on hostile input.
const MAX_DEPTH: usize = 64;

pub(crate) fn parse(tokens: &[Token], src: &str) -> Result<Program, JsError> {
    let mut p = Parser {
        tokens,
        pos: 0,
        src,
        locals: Vec::new(),
        depth: 0,
    };
    let mut stmts = Vec::new();
    loop {
        while p.eat(";") {}
        if matches!(p.tok(), Tok::Eof) {
            break;
        }
        stmts.push(p.statement()?);
        if !p.eat(";") && !matches!(p.tok(), Tok::Eof) {
            return Err(p.unexpected());
        }
    }
    Ok(Program {
        stmts,
        locals: p.locals.len(),
    })
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    src: &'a str,
    locals: Vec<String>,
    depth: usize,
}

#[derive(Clone, Copy)]
enum BinOp {
    Or,
    And,
    Binary(Binary),
}

/// Binary operators by precedence, lowest first (after `,`, assignment, `?:`, `||`, `&&`).
const LEVELS: [&[(&str, Binary)]; 7] = [
    &[("|", Binary::BitOr)],
    &[("^", Binary::BitXor)],
    &[("&", Binary::BitAnd)],
    &[
        ("===", Binary::StrictEq),
        ("!==", Binary::StrictNe),
        ("==", Binary::Eq),
        ("!=", Binary::Ne),
    ],
    &[
        ("<=", Binary::Le),
        (">=", Binary::Ge),
        ("<", Binary::Lt),
        (">", Binary::Gt),
    ],
    &[
        (">>>", Binary::UShr),
        ("<<", Binary::Shl),
        (">>", Binary::Shr),
    ],
    &[("+", Binary::Add), ("-", Binary::Sub)],
];
const MULTIPLICATIVE: &[(&str, Binary)] =
    &[("*", Binary::Mul), ("/", Binary::Div), ("%", Binary::Rem)];

impl Parser<'_> {
    fn tok(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn at(&self) -> usize {
        self.tokens[self.pos].at
    }

    fn bump(&mut self) -> &Tok {
        let t = &self.tokens[self.pos].tok;
        if !matches!(t, Tok::Eof) {
            self.pos += 1;
        }
        t
    }

    fn is(&self, p: &str) -> bool {
        matches!(self.tok(), Tok::Punct(q) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        let hit = self.is(p);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn err(&self, kind: ErrorKind) -> JsError {
        JsError::new(kind, self.at(), self.src)
    }

    fn unexpected(&self) -> JsError {
        let what = match self.tok() {
            Tok::Eof => "unexpected end of script".to_owned(),
            Tok::Punct(p) => format!("unexpected `{p}`"),
            Tok::Ident(n) => format!("unexpected `{n}`"),
            _ => "unexpected token".to_owned(),
        };
        self.err(ErrorKind::Syntax(what))
    }

    fn expect(&mut self, p: &str) -> Result<(), JsError> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn unsupported(&self, what: &str) -> JsError {
        self.err(ErrorKind::Unsupported(what.to_owned()))
    }

    fn enter(&mut self) -> Result<(), JsError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(ErrorKind::TooDeep));
        }
        Ok(())
    }

    /// One more link in a left-deep chain (`a+b+c…`, `s.trim().trim()…`): evaluation recurses
    /// through it, so it counts towards the depth limit like nesting does.
    fn enter_chain(&mut self, chain: &mut usize) -> Result<(), JsError> {
        *chain += 1;
        self.enter()
    }

    fn slot(&mut self, name: &str) -> usize {
        match self.locals.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.locals.push(name.to_owned());
                self.locals.len() - 1
            }
        }
    }

    fn statement(&mut self) -> Result<Stmt, JsError> {
        if let Tok::Ident(kw) = self.tok()
            && matches!(kw.as_str(), "var" | "let" | "const")
        {
            self.bump();
            let mut decls = Vec::new();
            loop {
                let Tok::Ident(name) = self.tok().clone() else {
                    return Err(self.unexpected());
                };
                self.bump();
                let value = if self.eat("=") {
                    self.assignment()?
                } else {
                    Expr::Lit(Lit::Undefined)
                };
                decls.push((self.slot(&name), value));
                if !self.eat(",") {
                    return Ok(Stmt::Decl(decls));
                }
            }
        }
        if self.is("{") {
            // Rhino reads `{}` at statement start as an empty block: the script's value is undefined.
            self.bump();
            self.expect("}")?;
            return Ok(Stmt::Expr(Expr::Lit(Lit::Undefined)));
        }
        Ok(Stmt::Expr(self.expression()?))
    }

    fn expression(&mut self) -> Result<Expr, JsError> {
        let mut e = self.assignment()?;
        let mut chain = 0;
        while self.eat(",") {
            self.enter_chain(&mut chain)?;
            e = Expr::Comma(Box::new(e), Box::new(self.assignment()?));
        }
        self.depth -= chain;
        Ok(e)
    }

    fn assignment(&mut self) -> Result<Expr, JsError> {
        if let Tok::Ident(name) = self.tok()
            && matches!(&self.tokens[self.pos + 1].tok, Tok::Punct("="))
            && !is_reserved(name)
        {
            let name = name.clone();
            self.pos += 2;
            let value = self.assignment()?;
            return Ok(Expr::Assign(self.slot(&name), Box::new(value)));
        }
        self.conditional()
    }

    fn conditional(&mut self) -> Result<Expr, JsError> {
        self.enter()?;
        let cond = self.binary(0)?;
        let e = if self.eat("?") {
            let yes = self.assignment()?;
            self.expect(":")?;
            let no = self.assignment()?;
            Expr::Cond(Box::new(cond), Box::new(yes), Box::new(no))
        } else {
            cond
        };
        self.depth -= 1;
        Ok(e)
    }

    /// Precedence climbing over every binary operator (`||` lowest, `* / %` highest): one stack
    /// frame per nesting level instead of one per precedence level.
    fn binary(&mut self, min_level: usize) -> Result<Expr, JsError> {
        let mut e = self.unary()?;
        let mut chain = 0;
        loop {
            let Some((level, op)) = self.binary_operator().filter(|(l, _)| *l >= min_level) else {
                if matches!(self.tok(), Tok::Ident(k) if k == "instanceof" || k == "in") {
                    return Err(self.unsupported("`instanceof`/`in`"));
                }
                self.depth -= chain;
                return Ok(e);
            };
            self.bump();
            self.enter_chain(&mut chain)?;
            let rhs = self.binary(level + 1)?;
            e = match op {
                BinOp::Or => Expr::Or(Box::new(e), Box::new(rhs)),
                BinOp::And => Expr::And(Box::new(e), Box::new(rhs)),
                BinOp::Binary(op) => Expr::Binary(op, Box::new(e), Box::new(rhs)),
            };
        }
    }

    /// The binary operator at the cursor and its precedence level (0 = `||`).
    fn binary_operator(&self) -> Option<(usize, BinOp)> {
        let Tok::Punct(p) = self.tok() else {
            return None;
        };
        match *p {
            "||" => return Some((0, BinOp::Or)),
            "&&" => return Some((1, BinOp::And)),
            _ => {}
        }
        LEVELS
            .iter()
            .chain([&MULTIPLICATIVE])
            .enumerate()
            .find_map(|(i, ops)| {
                ops.iter()
                    .find(|(text, _)| text == p)
                    .map(|(_, op)| (i + 2, BinOp::Binary(*op)))
            })
    }

    fn unary(&mut self) -> Result<Expr, JsError> {
        self.enter()?;
        let op = match self.tok() {
            Tok::Punct("!") => Some(Unary::Not),
            Tok::Punct("-") => Some(Unary::Neg),
            Tok::Punct("+") => Some(Unary::Plus),
            Tok::Punct("~") => Some(Unary::BitNot),
            Tok::Ident(k) if k == "typeof" => Some(Unary::TypeOf),
            Tok::Ident(k) if k == "void" => Some(Unary::Void),
            Tok::Punct("++" | "--") => return Err(self.unsupported("`++`/`--`")),
            _ => None,
        };
        let e = match op {
            Some(op) => {
                self.bump();
                Expr::Unary(op, Box::new(self.unary()?))
            }
            None => self.postfix()?,
        };
        self.depth -= 1;
        Ok(e)
    }

    fn postfix(&mut self) -> Result<Expr, JsError> {
        let mut e = self.primary()?;
        let mut chain = 0;
        loop {
            if self.is(".") || self.is("[") {
                self.enter_chain(&mut chain)?;
            }
            if self.eat(".") {
                let Tok::Ident(name) = self.tok().clone() else {
                    return Err(self.unexpected());
                };
                let name_at = self.at();
                self.bump();
                e = self.member(e, &name, name_at)?;
            } else if self.eat("[") {
                let index = self.expression()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(index));
            } else if self.is("(") {
                return Err(self.unsupported("calling a value that is not a known function"));
            } else if self.is("++") || self.is("--") {
                return Err(self.unsupported("`++`/`--`"));
            } else {
                self.depth -= chain;
                return Ok(e);
            }
        }
    }

    /// `e.name` or `e.name(args)`.
    fn member(&mut self, e: Expr, name: &str, at: usize) -> Result<Expr, JsError> {
        if !self.is("(") {
            return match name {
                "length" => Ok(Expr::Length(Box::new(e))),
                _ => Err(JsError::new(
                    ErrorKind::Unsupported(format!("the property `.{name}`")),
                    at,
                    self.src,
                )),
            };
        }
        let method = Method::by_name(name)
            .ok_or_else(|| JsError::new(ErrorKind::UnknownMethod(name.to_owned()), at, self.src))?;
        let args = self.arguments()?;
        Ok(Expr::Method(Box::new(e), method, args))
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, JsError> {
        self.expect("(")?;
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.assignment()?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<Expr, JsError> {
        let at = self.at();
        match self.bump().clone() {
            Tok::Num(n) => Ok(Expr::Lit(Lit::Num(n))),
            Tok::Str(parts) => Ok(string_literal(parts)),
            Tok::Hole(i) => Ok(Expr::Hole(i)),
            Tok::Regex { pattern, flags } => JsRegex::new(&pattern, &flags)
                .map(|r| Expr::Regex(Arc::new(r)))
                .map_err(|why| JsError::new(ErrorKind::Regex(pattern, why), at, self.src)),
            Tok::Punct("(") => {
                let e = self.expression()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Punct("[") => {
                let mut items = Vec::new();
                while !self.eat("]") {
                    items.push(self.assignment()?);
                    if !self.eat(",") {
                        self.expect("]")?;
                        break;
                    }
                }
                Ok(Expr::Array(items))
            }
            Tok::Punct("{") => Err(JsError::new(
                ErrorKind::Unsupported("an object literal".into()),
                at,
                self.src,
            )),
            Tok::Ident(name) => self.name(&name, at),
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }

    fn name(&mut self, name: &str, at: usize) -> Result<Expr, JsError> {
        let unsupported = |what: String| JsError::new(ErrorKind::Unsupported(what), at, self.src);
        Ok(match name {
            "true" => Expr::Lit(Lit::Bool(true)),
            "false" => Expr::Lit(Lit::Bool(false)),
            "null" => Expr::Lit(Lit::Null),
            "undefined" => Expr::Lit(Lit::Undefined),
            "NaN" => Expr::Lit(Lit::Num(f64::NAN)),
            "Infinity" => Expr::Lit(Lit::Num(f64::INFINITY)),
            "threadName" => Expr::Global(Global::ThreadName),
            "new" => return self.new_expr(at),
            "Math" | "Number" | "Date" | "vars" | "props" | "String" => {
                return self.namespace(name, at);
            }
            _ => {
                if let Some(slot) = self.locals.iter().position(|n| n == name) {
                    return Ok(Expr::Local(slot));
                }
                let Some(func) = global_function(name) else {
                    return Err(if is_reserved(name) {
                        unsupported(format!("`{name}`"))
                    } else {
                        JsError::new(ErrorKind::UnknownName(name.to_owned()), at, self.src)
                    });
                };
                let args = self.arguments()?;
                Expr::Call(func, args)
            }
        })
    }

    /// `Math.floor(…)`, `Math.PI`, `Date.now()`, `vars.get(…)`, `Number.MAX_SAFE_INTEGER`.
    fn namespace(&mut self, ns: &str, at: usize) -> Result<Expr, JsError> {
        if self.is("(") && matches!(ns, "Number" | "String") {
            let func = if ns == "Number" {
                Func::Number
            } else {
                Func::String
            };
            return Ok(Expr::Call(func, self.arguments()?));
        }
        if !self.eat(".") {
            return Err(JsError::new(
                ErrorKind::Unsupported(format!("`{ns}` as a value")),
                at,
                self.src,
            ));
        }
        let Tok::Ident(name) = self.tok().clone() else {
            return Err(self.unexpected());
        };
        let name_at = self.at();
        self.bump();
        if let Some(c) = constant(ns, &name) {
            return Ok(Expr::Lit(Lit::Num(c)));
        }
        let func = namespace_function(ns, &name).ok_or_else(|| {
            JsError::new(
                ErrorKind::UnknownName(format!("{ns}.{name}")),
                name_at,
                self.src,
            )
        })?;
        if !self.is("(") {
            return Err(JsError::new(
                ErrorKind::Unsupported(format!("the property `{ns}.{name}` as a value (call it)")),
                name_at,
                self.src,
            ));
        }
        let args = self.arguments()?;
        Ok(Expr::Call(func, args))
    }

    /// `new Date`, `new Date(…)`, `new Array(…)`; the result can take `.method()` after it.
    fn new_expr(&mut self, at: usize) -> Result<Expr, JsError> {
        let Tok::Ident(ctor) = self.tok().clone() else {
            return Err(self.unexpected());
        };
        self.bump();
        let args = if self.is("(") {
            self.arguments()?
        } else {
            Vec::new()
        };
        match ctor.as_str() {
            "Date" => Ok(Expr::NewDate(args)),
            "Array" => Ok(Expr::NewArray(args)),
            _ => Err(JsError::new(
                ErrorKind::Unsupported(format!("`new {ctor}`")),
                at,
                self.src,
            )),
        }
    }
}

fn string_literal(parts: Vec<StrPart>) -> Expr {
    if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) {
        let text: String = parts
            .into_iter()
            .map(|p| match p {
                StrPart::Lit(s) => s,
                StrPart::Hole(_) => unreachable!("only literal parts here"),
            })
            .collect();
        return Expr::Lit(Lit::Str(text.into()));
    }
    Expr::Template(
        parts
            .into_iter()
            .map(|p| match p {
                StrPart::Lit(s) => TemplatePart::Lit(s),
                StrPart::Hole(i) => TemplatePart::Hole(i),
            })
            .collect(),
    )
}
