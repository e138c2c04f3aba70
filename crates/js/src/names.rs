//! The global names a script may use: functions, namespaces (`Math.*`, `vars.*`), constants,
//! and the words Rhino knows that this subset refuses.

use crate::ast::{Func, MathFn};

pub(crate) fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "function"
            | "this"
            | "return"
            | "if"
            | "else"
            | "for"
            | "while"
            | "do"
            | "switch"
            | "case"
            | "break"
            | "continue"
            | "try"
            | "catch"
            | "finally"
            | "throw"
            | "delete"
            | "in"
            | "instanceof"
            | "with"
            | "class"
            | "var"
            | "let"
            | "const"
            | "new"
            | "typeof"
            | "void"
            | "ctx"
            | "log"
            | "sampler"
            | "prev"
            | "JSON"
            | "Object"
            | "Array"
            | "RegExp"
            | "eval"
            | "java"
            | "Packages"
            | "OUT"
    )
}

pub(crate) fn global_function(name: &str) -> Option<Func> {
    Some(match name {
        "parseInt" => Func::ParseInt,
        "parseFloat" => Func::ParseFloat,
        "Boolean" => Func::Boolean,
        "isNaN" => Func::IsNaN,
        "isFinite" => Func::IsFinite,
        "encodeURIComponent" => Func::EncodeUriComponent,
        "decodeURIComponent" => Func::DecodeUriComponent,
        "encodeURI" => Func::EncodeUri,
        _ => return None,
    })
}

pub(crate) fn namespace_function(ns: &str, name: &str) -> Option<Func> {
    use MathFn as M;
    let math = |f| Some(Func::Math(f));
    match (ns, name) {
        ("Math", "random") => math(M::Random),
        ("Math", "floor") => math(M::Floor),
        ("Math", "ceil") => math(M::Ceil),
        ("Math", "round") => math(M::Round),
        ("Math", "trunc") => math(M::Trunc),
        ("Math", "sign") => math(M::Sign),
        ("Math", "abs") => math(M::Abs),
        ("Math", "min") => math(M::Min),
        ("Math", "max") => math(M::Max),
        ("Math", "pow") => math(M::Pow),
        ("Math", "sqrt") => math(M::Sqrt),
        ("Math", "cbrt") => math(M::Cbrt),
        ("Math", "log") => math(M::Log),
        ("Math", "log10") => math(M::Log10),
        ("Math", "log2") => math(M::Log2),
        ("Math", "exp") => math(M::Exp),
        ("Math", "sin") => math(M::Sin),
        ("Math", "cos") => math(M::Cos),
        ("Math", "tan") => math(M::Tan),
        ("Math", "atan") => math(M::Atan),
        ("Math", "atan2") => math(M::Atan2),
        ("Date", "now") => Some(Func::DateNow),
        ("String", "fromCharCode") => Some(Func::StringFromCharCode),
        ("vars", "get") => Some(Func::VarsGet),
        ("vars", "put") => Some(Func::VarsPut),
        ("vars", "getIteration") => Some(Func::VarsGetIteration),
        ("props", "get" | "getProperty") => Some(Func::PropsGet),
        _ => None,
    }
}

pub(crate) fn constant(ns: &str, name: &str) -> Option<f64> {
    use std::f64::consts as c;
    Some(match (ns, name) {
        ("Math", "PI") => c::PI,
        ("Math", "E") => c::E,
        ("Math", "LN2") => c::LN_2,
        ("Math", "LN10") => c::LN_10,
        ("Math", "LOG2E") => c::LOG2_E,
        ("Math", "LOG10E") => c::LOG10_E,
        ("Math", "SQRT2") => c::SQRT_2,
        ("Math", "SQRT1_2") => c::FRAC_1_SQRT_2,
        ("Number", "MAX_SAFE_INTEGER") => 9007199254740991.0,
        ("Number", "MIN_SAFE_INTEGER") => -9007199254740991.0,
        ("Number", "MAX_VALUE") => f64::MAX,
        ("Number", "MIN_VALUE") => 5e-324,
        ("Number", "EPSILON") => f64::EPSILON,
        ("Number", "POSITIVE_INFINITY") => f64::INFINITY,
        ("Number", "NEGATIVE_INFINITY") => f64::NEG_INFINITY,
        ("Number", "NaN") => f64::NAN,
        _ => return None,
    })
}
