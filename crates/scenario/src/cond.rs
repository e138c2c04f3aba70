//! `if` / `while` conditions, as JMeter's If and While Controllers evaluate them: the text is a
//! JavaScript expression (`useExpression` off, as Taurus writes them), `${…}` substituted as text
//! first, run by the same evaluator as `${__javaScript}` (`stampede-js`), compiled once.
//!
//! The children run only when the value prints exactly `true` (`'true'` and `[true]` too). `false`,
//! any other value (`1`, `'TRUE'`, `null`) and any error, such as a bare word left by substituting
//! an unquoted `${name}` (`bob == 'bob'`), skip them, as JMeter does after logging
//! `If Controller: error while processing`. Real configs quote their references:
//! `'${status}' == '200'`.

use super::error::Problem;
use super::template::{JsCall, RenderEnv, TemplateCompiler, TemplateError, TemplateProblem};

#[derive(Debug, Clone)]
pub struct Cond(JsCall);

pub fn parse(text: &str, tc: &mut TemplateCompiler) -> Result<Cond, Problem> {
    tc.javascript(&[text.to_string()])
        .map(Cond)
        .map_err(|problem| match problem {
            TemplateProblem::JavaScript { message } => Problem::JsCondition {
                text: text.to_string(),
                message: message
                    .strip_prefix(&format!("__javaScript `{text}`: "))
                    .map_or_else(|| message.clone(), str::to_owned),
            },
            problem => Problem::Template(TemplateError {
                text: text.to_string(),
                problem,
            }),
        })
}

impl Cond {
    pub fn eval(&self, env: &mut RenderEnv<'_>) -> bool {
        self.0.condition(env)
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
            iteration: 1,
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
            // Substituted as text: `bob == 'bob'` is a ReferenceError in Rhino, so JMeter skips.
            ("${name} == 'bob'", false),
            ("'${name}' == 'bob'", true),
            ("${name} == 'alice'", false),
            ("${ok}", true),
            ("!${ok}", false),
            ("${n} > 3 && ${n} <= 5", true),
            ("${n} > 5 || '${name}' == 'bob'", true),
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
            // Only a value printing `true` runs the children.
            ("1", false),
            ("'TRUE'", false),
            ("'true'", true),
            ("${__javaScript(1 + 1)} == 2", true),
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
            "1 == 1 extra",
            "${__nope(1)} == 1",
        ] {
            assert!(parse(bad, &mut tc).is_err(), "{bad}");
        }
    }
}
