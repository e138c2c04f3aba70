//! JS regular expression literals on top of the `regex` crate. Patterns the crate cannot express
//! (lookaround, backreferences) are compile errors, never a different match.

use regex::{Regex, RegexBuilder};

#[derive(Clone, Debug)]
/// A compiled regular-expression literal.
pub struct JsRegex {
    pub(crate) re: Regex,
    /// The `g` flag: `replace` replaces every match, `match` returns every match.
    pub(crate) global: bool,
}

impl JsRegex {
    pub(crate) fn new(pattern: &str, flags: &str) -> Result<JsRegex, String> {
        let mut global = false;
        let mut builder = RegexBuilder::new(pattern);
        for f in flags.chars() {
            match f {
                'g' => global = true,
                'i' => {
                    builder.case_insensitive(true);
                }
                'm' => {
                    builder.multi_line(true);
                }
                other => return Err(format!("flag `{other}`")),
            }
        }
        builder.size_limit(1 << 20);
        let re = builder
            .build()
            .map_err(|e| e.to_string().lines().last().unwrap_or("").trim().to_owned())?;
        Ok(JsRegex { re, global })
    }
}
