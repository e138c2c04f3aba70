//! One error type: what went wrong, where in the script (a character column), and what to do.

/// Why a script cannot be compiled or evaluated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("__javaScript `{source_text}`: {kind} at column {column}{hint}", hint = hint_text(.kind))]
pub struct JsError {
    pub kind: ErrorKind,
    /// 1-based character column in the script text.
    pub column: usize,
    /// The script text the error is about (after `${...}` substitution for evaluation errors).
    pub source_text: String,
}

/// What went wrong. Compile errors name the construct Stampede does not evaluate; evaluation errors
/// are the ones Rhino would throw too (JMeter then logs them and the function returns `""`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("syntax error: {0}")]
    Syntax(String),
    #[error("{0} is not supported")]
    Unsupported(String),
    #[error("unknown name `{0}`")]
    UnknownName(String),
    #[error("unknown method `{0}`")]
    UnknownMethod(String),
    #[error("regular expression /{0}/ is not supported: {1}")]
    Regex(String, String),
    #[error("TypeError: {0}")]
    Type(String),
    #[error("RangeError: {0}")]
    Range(String),
    #[error("the script is too deeply nested")]
    TooDeep,
    /// An If Controller condition whose value prints as neither `true` nor `false`.
    #[error("the condition's value `{0}` is neither true nor false")]
    NotABoolean(String),
}

impl ErrorKind {
    /// Whether Rhino would fail the same way at run time (JMeter's function then returns `""`),
    /// as opposed to a construct Stampede does not evaluate.
    pub fn is_runtime(&self) -> bool {
        matches!(
            self,
            ErrorKind::Type(_) | ErrorKind::Range(_) | ErrorKind::NotABoolean(_)
        )
    }
}

fn hint_text(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Syntax(_) => {
            "; JMeter would log \"Error processing Javascript\" and use \"\": fix the expression \
             (an unescaped `,` splits JMeter function arguments: write `\\,`)"
        }
        ErrorKind::Unsupported(_) | ErrorKind::UnknownMethod(_) | ErrorKind::Regex(..) => {
            "; Stampede evaluates the expression subset real __javaScript calls use (see the \
             stampede-js docs): rewrite it with those, or precompute the value in a data source"
        }
        ErrorKind::UnknownName(_) => {
            "; Rhino would throw ReferenceError and JMeter would use \"\": use vars.get(\"name\") or \
             ${name} for JMeter variables"
        }
        ErrorKind::Type(_) | ErrorKind::Range(_) | ErrorKind::TooDeep => "",
        ErrorKind::NotABoolean(_) => {
            "; JMeter logs \"If Controller: error while processing\" and skips the children"
        }
    }
}

impl JsError {
    pub(crate) fn new(kind: ErrorKind, offset: usize, source: &str) -> JsError {
        let column = source
            .get(..offset.min(source.len()))
            .map_or(1, |s| s.chars().count() + 1);
        JsError {
            kind,
            column,
            source_text: source.to_owned(),
        }
    }
}
