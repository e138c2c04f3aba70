//! The compiled form: every name and method is resolved at compile time, so evaluation never looks
//! anything up by string and an unknown one is a compile error with its column.

use std::sync::Arc;

use crate::jsregex::JsRegex;

#[derive(Clone, Debug)]
pub(crate) struct Program {
    pub stmts: Vec<Stmt>,
    /// Number of local variable slots (`var x`, `x = …`).
    pub locals: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum Stmt {
    /// An expression statement: its value is the script's result when it is the last one.
    Expr(Expr),
    /// `var`/`let`/`const` declarations, which have no value.
    Decl(Vec<(usize, Expr)>),
}

#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Lit(Lit),
    /// A string literal with `${…}` references inside.
    Template(Vec<TemplatePart>),
    /// A `${…}` reference in code position.
    Hole(usize),
    Regex(Arc<JsRegex>),
    Array(Vec<Expr>),
    Local(usize),
    Assign(usize, Box<Expr>),
    Global(Global),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    Length(Box<Expr>),
    Index(Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    Method(Box<Expr>, Method, Vec<Expr>),
    NewDate(Vec<Expr>),
    NewArray(Vec<Expr>),
}

#[derive(Clone, Debug)]
pub(crate) enum Lit {
    Num(f64),
    Str(Arc<str>),
    Bool(bool),
    Null,
    Undefined,
}

#[derive(Clone, Debug)]
pub(crate) enum TemplatePart {
    Lit(String),
    Hole(usize),
}

/// Values bound to global names that are not functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Global {
    ThreadName,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Unary {
    Not,
    Neg,
    Plus,
    BitNot,
    TypeOf,
    Void,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    UShr,
}

/// Functions called by a global name: `parseInt(…)`, `Math.floor(…)`, `vars.get(…)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Func {
    Math(MathFn),
    ParseInt,
    ParseFloat,
    Number,
    String,
    Boolean,
    IsNaN,
    IsFinite,
    EncodeUriComponent,
    DecodeUriComponent,
    EncodeUri,
    DateNow,
    StringFromCharCode,
    VarsGet,
    VarsPut,
    VarsGetIteration,
    PropsGet,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum MathFn {
    Random,
    Floor,
    Ceil,
    Round,
    Trunc,
    Sign,
    Abs,
    Min,
    Max,
    Pow,
    Sqrt,
    Cbrt,
    Log,
    Log10,
    Log2,
    Exp,
    Sin,
    Cos,
    Tan,
    Atan,
    Atan2,
}

/// Methods called on a value. Which receivers accept which is decided at evaluation, as in JS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Method {
    // String.prototype
    CharAt,
    CharCodeAt,
    IndexOf,
    LastIndexOf,
    Includes,
    StartsWith,
    EndsWith,
    Slice,
    Substring,
    Substr,
    ToUpperCase,
    ToLowerCase,
    Trim,
    TrimStart,
    TrimEnd,
    PadStart,
    PadEnd,
    Repeat,
    Concat,
    Split,
    Replace,
    Match,
    // Number.prototype
    ToFixed,
    ToPrecision,
    // shared
    ToString,
    ValueOf,
    // Array.prototype
    Join,
    // RegExp.prototype
    Test,
    // java.lang.String, on values from vars.get/props.get
    JavaLength,
    JavaEquals,
    JavaIsEmpty,
    JavaContains,
    // Date.prototype
    Date(DateGetter),
    ToIsoString,
    ToUtcString,
    ToDateString,
    ToTimeString,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum DateGetter {
    Time,
    FullYear,
    Month,
    Date,
    Day,
    Hours,
    Minutes,
    Seconds,
    Milliseconds,
    TimezoneOffset,
}

impl Method {
    /// The method for a property name, as written after `.`.
    pub(crate) fn by_name(name: &str) -> Option<Method> {
        use DateGetter as D;
        use Method as M;
        Some(match name {
            "charAt" => M::CharAt,
            "charCodeAt" => M::CharCodeAt,
            "indexOf" => M::IndexOf,
            "lastIndexOf" => M::LastIndexOf,
            "includes" => M::Includes,
            "startsWith" => M::StartsWith,
            "endsWith" => M::EndsWith,
            "slice" => M::Slice,
            "substring" => M::Substring,
            "substr" => M::Substr,
            "toUpperCase" => M::ToUpperCase,
            "toLowerCase" => M::ToLowerCase,
            "trim" => M::Trim,
            "trimStart" | "trimLeft" => M::TrimStart,
            "trimEnd" | "trimRight" => M::TrimEnd,
            "padStart" => M::PadStart,
            "padEnd" => M::PadEnd,
            "repeat" => M::Repeat,
            "concat" => M::Concat,
            "split" => M::Split,
            "replace" => M::Replace,
            "match" => M::Match,
            "toFixed" => M::ToFixed,
            "toPrecision" => M::ToPrecision,
            "toString" => M::ToString,
            "valueOf" => M::ValueOf,
            "join" => M::Join,
            "test" => M::Test,
            "length" => M::JavaLength,
            "equals" => M::JavaEquals,
            "isEmpty" => M::JavaIsEmpty,
            "contains" => M::JavaContains,
            "getTime" => M::Date(D::Time),
            "getFullYear" | "getUTCFullYear" => M::Date(D::FullYear),
            "getMonth" | "getUTCMonth" => M::Date(D::Month),
            "getDate" | "getUTCDate" => M::Date(D::Date),
            "getDay" | "getUTCDay" => M::Date(D::Day),
            "getHours" | "getUTCHours" => M::Date(D::Hours),
            "getMinutes" | "getUTCMinutes" => M::Date(D::Minutes),
            "getSeconds" | "getUTCSeconds" => M::Date(D::Seconds),
            "getMilliseconds" | "getUTCMilliseconds" => M::Date(D::Milliseconds),
            "getTimezoneOffset" => M::Date(D::TimezoneOffset),
            "toISOString" | "toJSON" => M::ToIsoString,
            "toUTCString" | "toGMTString" => M::ToUtcString,
            "toDateString" => M::ToDateString,
            "toTimeString" => M::ToTimeString,
            _ => return None,
        })
    }
}
