//! Timers, extractors and assertions in a sampler's scope, as the builder's specs. An element that
//! cannot be expressed fails the sampler with a reason naming the element.

use std::time::Duration;

use stampede_jmx::{Assertion, Extractor, MatchKind, MatchRule, Num, Scope as Target, Time, Timer};
use stampede_scenario::{
    self as scenario, AssertionSpec, ExtractExpr, ExtractFrom, ExtractorSpec, SizeCmp, SizeField,
    Subject, ThinkTime,
};

use crate::lower::{Lowerer, Scope};
use crate::names::kind_name;

const MS: Duration = Duration::from_millis(1);

impl Lowerer<'_> {
    /// The timers in scope, summed: JMeter waits for all of them before the sampler.
    pub(crate) fn think(&mut self, scope: &Scope<'_>) -> Result<Option<ThinkTime>, String> {
        let mut fixed = Duration::ZERO;
        let mut random: Option<ThinkTime> = None;
        for (node, t) in &scope.timers {
            let time = |t: &Option<Time>| -> Result<Duration, String> {
                t.as_ref()
                    .map_or(Ok(Duration::ZERO), |t| self.ev.time(t, MS))
                    .map_err(|raw| {
                        format!(
                            "{} \"{}\": {raw:?} has no value before the test starts",
                            kind_name(&node.kind),
                            node.name
                        )
                    })
            };
            let next = match t {
                Timer::Constant { delay } => {
                    fixed += time(delay)?;
                    continue;
                }
                // JMeter: delay + uniform [0, range); ours: mean - dev + uniform [0, 2 dev].
                Timer::UniformRandom { delay, range } => {
                    let half = time(range)? / 2;
                    ThinkTime::Uniform {
                        mean: time(delay)? + half,
                        dev: half,
                    }
                }
                Timer::Gaussian { delay, deviation } => ThinkTime::Gaussian {
                    mean: time(delay)?,
                    dev: time(deviation)?,
                },
                // JMeter: delay + poisson(lambda); ours: dev + poisson(mean - dev).
                Timer::Poisson { delay, lambda } => {
                    let offset = time(delay)?;
                    ThinkTime::Poisson {
                        mean: offset + time(lambda)?,
                        dev: offset,
                    }
                }
                _ => continue,
            };
            if random.replace(next).is_some() {
                return Err(format!(
                    "more than one random timer applies to it (\"{}\"); keep one",
                    node.name
                ));
            }
        }
        Ok(match random {
            None if fixed.is_zero() => None,
            None => Some(ThinkTime::Constant(fixed)),
            Some(ThinkTime::Uniform { mean, dev }) => Some(ThinkTime::Uniform {
                mean: mean + fixed,
                dev,
            }),
            Some(ThinkTime::Gaussian { mean, dev }) => Some(ThinkTime::Gaussian {
                mean: mean + fixed,
                dev,
            }),
            Some(ThinkTime::Poisson { mean, dev }) => Some(ThinkTime::Poisson {
                mean: mean + fixed,
                dev: dev + fixed,
            }),
            Some(other) => Some(other),
        })
    }

    pub(crate) fn extractors(
        &mut self,
        scope: &Scope<'_>,
    ) -> Result<Vec<scenario::Extractor>, String> {
        let mut out = Vec::new();
        for (node, e) in &scope.extractors {
            let fail =
                |reason: String| format!("{} \"{}\": {reason}", kind_name(&node.kind), node.name);
            for spec in extractor_specs(e).map_err(fail)? {
                out.push(self.b.extractor(spec).map_err(|p| fail(p.to_string()))?);
            }
        }
        Ok(out)
    }

    pub(crate) fn assertions(
        &mut self,
        scope: &Scope<'_>,
    ) -> Result<Vec<scenario::Assertion>, String> {
        let mut out = Vec::new();
        for (node, a) in &scope.assertions {
            let fail =
                |reason: String| format!("{} \"{}\": {reason}", kind_name(&node.kind), node.name);
            let spec = match a {
                Assertion::Duration { max } => self.duration_assertion(max.as_ref()),
                Assertion::Size {
                    size,
                    operator,
                    field,
                } => self.size_assertion(size.as_ref(), operator, field),
                other => assertion_spec(other),
            }
            .map_err(fail)?;
            out.push(self.b.assertion(spec).map_err(|p| fail(p.to_string()))?);
        }
        Ok(out)
    }
}

fn from(target: &Target, field: &str) -> Result<ExtractFrom, String> {
    let subject = match field {
        "" | "false" | "body" => Subject::Body,
        "true" => Subject::Headers,
        "code" => Subject::Code,
        "URL" => Subject::Url,
        "message" => Subject::Message,
        other => return Err(format!("extracting from {other:?} is not supported")),
    };
    match target {
        Target::Parent | Target::All => Ok(ExtractFrom::Response(subject)),
        Target::Variable(v) => Ok(ExtractFrom::Variable(v.clone())),
        Target::Children => Err("\"Sub-samples only\" is not supported".into()),
    }
}

fn match_no(n: &Option<Num<i64>>) -> Result<Option<i64>, String> {
    match n {
        None => Ok(None),
        Some(Num::Lit(v)) => Ok(Some(*v)),
        Some(Num::Expr(raw)) => Err(format!("match number {raw:?} must be a number")),
    }
}

fn extractor_specs(e: &Extractor) -> Result<Vec<ExtractorSpec>, String> {
    match e {
        Extractor::Json {
            vars,
            paths,
            match_numbers,
            defaults,
            concat,
            scope,
        } => json(vars, paths, match_numbers, defaults, *concat, scope),
        Extractor::JsonPlugin {
            var,
            path,
            default,
            from_variable,
        } => Ok(vec![ExtractorSpec {
            var: var.clone(),
            expr: ExtractExpr::JsonPath {
                jsonpath: path.clone(),
                concat: false,
            },
            match_no: None,
            default: Some(default.clone()),
            from: match from_variable {
                Some(v) => ExtractFrom::Variable(v.clone()),
                None => ExtractFrom::Response(Subject::Body),
            },
        }]),
        _ => single(e).map(|spec| vec![spec]),
    }
}

/// The extractors that fill one variable from one expression.
fn single(e: &Extractor) -> Result<ExtractorSpec, String> {
    let (var, expr, m, default, from) = match e {
        Extractor::Regex {
            var,
            regex,
            template,
            default,
            match_no,
            field,
            scope,
        } => {
            let expr = ExtractExpr::Regexp {
                regexp: regex.clone(),
                template: template.clone(),
            };
            (var, expr, match_no, default, from(scope, field)?)
        }
        Extractor::Boundary {
            var,
            left,
            right,
            default,
            match_no,
            field,
            scope,
        } => {
            let expr = ExtractExpr::Boundary {
                left: left.clone(),
                right: right.clone(),
            };
            (var, expr, match_no, default, from(scope, field)?)
        }
        Extractor::Css {
            var,
            expr,
            attribute,
            default,
            match_no,
            scope,
        } => {
            let expr = ExtractExpr::Css {
                expression: expr.clone(),
                attribute: attribute.clone(),
            };
            (var, expr, match_no, default, from(scope, "")?)
        }
        Extractor::XPath {
            var,
            query,
            default,
            match_no,
            namespaces,
            scope,
            ..
        } => {
            if namespaces.as_deref().is_some_and(|n| !n.trim().is_empty()) {
                return Err("namespace declarations are not supported".into());
            }
            let expr = ExtractExpr::XPath {
                xpath: query.clone(),
            };
            (var, expr, match_no, default, from(scope, "")?)
        }
        Extractor::Json { .. } | Extractor::JsonPlugin { .. } => {
            unreachable!("lists are handled by extractor_specs")
        }
    };
    Ok(ExtractorSpec {
        var: var.clone(),
        expr,
        match_no: self::match_no(m)?,
        default: default.clone(),
        from,
    })
}

/// The JSON Extractor's parallel `;`-separated lists, one spec per variable.
fn json(
    vars: &str,
    paths: &str,
    numbers: &str,
    defaults: &str,
    concat: bool,
    scope: &Target,
) -> Result<Vec<ExtractorSpec>, String> {
    let split = |s: &str| {
        s.split(';')
            .map(str::trim)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (vars, paths, numbers, defaults) =
        (split(vars), split(paths), split(numbers), split(defaults));
    if vars.len() != paths.len() {
        return Err(format!(
            "{} variable names for {} JSON paths",
            vars.len(),
            paths.len()
        ));
    }
    let mut out = Vec::new();
    for (i, (var, path)) in vars.iter().zip(&paths).enumerate() {
        let match_no = match numbers.get(i).map(String::as_str).unwrap_or("") {
            "" => None,
            n => Some(
                n.parse::<i64>()
                    .map_err(|_| format!("match number {n:?} must be a number"))?,
            ),
        };
        out.push(ExtractorSpec {
            var: var.clone(),
            expr: ExtractExpr::JsonPath {
                jsonpath: path.clone(),
                concat,
            },
            match_no,
            default: defaults.get(i).cloned(),
            from: from(scope, "")?,
        });
    }
    Ok(out)
}

fn assertion_spec(a: &Assertion) -> Result<AssertionSpec, String> {
    match a {
        Assertion::Response {
            field,
            rule,
            strings,
            assume_success,
            scope,
            ..
        } => response(field, rule, strings, *assume_success, scope),
        Assertion::JsonPath {
            path,
            expected,
            validate,
            expect_null,
            invert,
            regex,
        } => Ok(AssertionSpec::JsonPath {
            jsonpath: path.clone(),
            validate: *validate,
            expected: expected.clone().unwrap_or_default(),
            expect_null: *expect_null,
            invert: *invert,
            regexp: *regex,
        }),
        Assertion::XPath {
            xpath,
            negate,
            namespaces,
            ..
        } => {
            if namespaces.as_deref().is_some_and(|n| !n.trim().is_empty()) {
                return Err("namespace declarations are not supported".into());
            }
            Ok(AssertionSpec::XPath {
                xpath: xpath.clone(),
                invert: *negate,
            })
        }
        Assertion::Duration { .. } | Assertion::Size { .. } => {
            unreachable!("read with the plan's values by Lowerer::assertions")
        }
    }
}

impl Lowerer<'_> {
    /// JMeter reads the limit once, before the test: an expression must have a value then.
    fn duration_assertion(&self, max: Option<&Time>) -> Result<AssertionSpec, String> {
        let max = match max {
            Some(t) => self
                .ev
                .time(t, MS)
                .map_err(|raw| format!("{raw:?} has no value before the test starts"))?,
            None => Duration::ZERO,
        };
        Ok(AssertionSpec::Duration {
            max_ms: u64::try_from(max.as_millis()).unwrap_or(u64::MAX),
        })
    }

    fn size_assertion(
        &self,
        size: Option<&Num<u64>>,
        operator: &Num<u8>,
        field: &str,
    ) -> Result<AssertionSpec, String> {
        let no_value = |raw: String| format!("{raw:?} has no value before the test starts");
        let size = match size {
            Some(n) => self.ev.int(n).map_err(no_value)?,
            // JMeter fails every sample with a NumberFormatException; refusing says it earlier.
            None => return Err("has no size to compare with".into()),
        };
        let op = match operator {
            Num::Lit(n) => *n,
            Num::Expr(raw) => self
                .ev
                .int(&Num::Expr(raw.clone()))
                .ok()
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| no_value(raw.clone()))?,
        };
        let cmp = SizeCmp::from_jmeter(op)
            .ok_or_else(|| format!("comparison {op} is not one of JMeter's (1 to 6)"))?;
        let field = match field {
            "SizeAssertion.response_network_size" | "" => SizeField::Full,
            "SizeAssertion.response_headers" => SizeField::Headers,
            "SizeAssertion.response_data" => SizeField::Body,
            "SizeAssertion.response_code" => SizeField::Code,
            "SizeAssertion.response_message" => SizeField::Message,
            other => return Err(format!("measuring {other} is not supported")),
        };
        Ok(AssertionSpec::Size { size, cmp, field })
    }
}

/// A Response Assertion: the test type becomes regular expressions or substrings.
fn response(
    field: &str,
    rule: &MatchRule,
    strings: &[String],
    assume_success: bool,
    scope: &Target,
) -> Result<AssertionSpec, String> {
    if !matches!(scope, Target::Parent | Target::All) {
        return Err("only the main sample can be checked".into());
    }
    let subject = match field {
        "Assertion.response_data" | "" => Subject::Body,
        "Assertion.response_code" => Subject::Code,
        "Assertion.response_message" => Subject::Message,
        "Assertion.response_headers" => Subject::Headers,
        "Assertion.sample_label" => Subject::Url,
        other => return Err(format!("testing {other} is not supported")),
    };
    if rule.or && strings.len() > 1 {
        return Err("\"Or\" between several patterns is not supported".into());
    }
    let (patterns, regexp) = match rule.kind {
        MatchKind::Contains => (strings.to_vec(), true),
        MatchKind::Substring => (strings.to_vec(), false),
        MatchKind::Matches => (strings.iter().map(|s| format!("^(?:{s})$")).collect(), true),
        MatchKind::Equals => {
            if strings.iter().any(|s| s.contains("${")) {
                return Err("\"Equals\" with ${...} in the pattern is not supported".into());
            }
            let exact = strings.iter().map(|s| format!("^{}$", regex::escape(s)));
            (exact.collect(), true)
        }
    };
    Ok(AssertionSpec::Response {
        patterns,
        subject,
        regexp,
        not: rule.not,
        assume_success,
    })
}
