//! Post-processors that extract, assertions and timers.

use crate::document::Element;
use crate::fields::{Fields, texts};
use crate::plan::{Num, Time};

/// Which samples an extractor or assertion looks at (`Sample.scope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The main sample only (the default).
    Parent,
    Children,
    All,
    /// The content of a JMeter variable.
    Variable(String),
}

/// An extractor; every text stays raw (regexes, JSONPath, XPath, CSS).
#[derive(Debug, Clone, PartialEq)]
pub enum Extractor {
    Regex {
        var: String,
        regex: String,
        template: String,
        default: Option<String>,
        match_no: Option<Num<i64>>,
        /// What is searched: `false` (body), `true` (headers), `unescaped`, `as_document`, `URL`,
        /// `code`, `message`, `request_headers`, as JMeter stores it.
        field: String,
        scope: Scope,
    },
    /// `JSONPostProcessor`: parallel `;`-separated lists, kept raw.
    Json {
        vars: String,
        paths: String,
        match_numbers: String,
        defaults: String,
        concat: bool,
        scope: Scope,
    },
    /// The jp@gc JSONPathExtractor plugin.
    JsonPlugin {
        var: String,
        path: String,
        default: String,
        /// Read a variable instead of the body (`SUBJECT` = `VAR`).
        from_variable: Option<String>,
    },
    XPath {
        var: String,
        query: String,
        default: Option<String>,
        match_no: Option<Num<i64>>,
        /// `XPath2Extractor` rather than `XPathExtractor`.
        xpath2: bool,
        tolerant: bool,
        /// XPath 1: "use namespaces" (`XPathExtractor.namespace`).
        use_namespaces: bool,
        /// XPath 2: `prefix=uri` lines (`XPathExtractor2.namespaces`).
        namespaces: Option<String>,
        fragment: bool,
        scope: Scope,
    },
    Boundary {
        var: String,
        left: String,
        right: String,
        default: Option<String>,
        match_no: Option<Num<i64>>,
        field: String,
        scope: Scope,
    },
    /// CSS/JQuery extractor (`HtmlExtractor`).
    Css {
        var: String,
        expr: String,
        attribute: String,
        default: Option<String>,
        match_no: Option<Num<i64>>,
        scope: Scope,
    },
}

/// An assertion.
#[derive(Debug, Clone, PartialEq)]
pub enum Assertion {
    Response {
        /// `Assertion.response_data`, `Assertion.response_code`... as stored.
        field: String,
        rule: MatchRule,
        strings: Vec<String>,
        assume_success: bool,
        custom_message: Option<String>,
        scope: Scope,
    },
    JsonPath {
        path: String,
        expected: Option<String>,
        /// Compare with `expected` (`JSONVALIDATION`); else only check the path exists.
        validate: bool,
        expect_null: bool,
        invert: bool,
        regex: bool,
    },
    XPath {
        xpath: String,
        xpath2: bool,
        negate: bool,
        tolerant: bool,
        /// XPath 1: "use namespaces"; XPath 2 declares them in `namespaces`.
        use_namespaces: bool,
        namespaces: Option<String>,
    },
    /// Fails a sample slower than this.
    Duration { max: Option<Time> },
    Size {
        size: Option<Num<u64>>,
        operator: Num<u8>,
        field: String,
    },
}

/// A Response Assertion's `test_type` bitmask, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRule {
    pub kind: MatchKind,
    pub not: bool,
    /// Pass when any string matches rather than all.
    pub or: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// Regex find.
    Contains,
    /// Whole-text regex match.
    Matches,
    Equals,
    /// Plain substring.
    Substring,
}

/// A timer: a pause before each sampler in its scope.
#[derive(Debug, Clone, PartialEq)]
pub enum Timer {
    Constant {
        delay: Option<Time>,
    },
    UniformRandom {
        delay: Option<Time>,
        range: Option<Time>,
    },
    Gaussian {
        delay: Option<Time>,
        deviation: Option<Time>,
    },
    Poisson {
        delay: Option<Time>,
        lambda: Option<Time>,
    },
    /// Samples per minute; `calc_mode` 0 = this thread only, 1 = all active threads, 2 = all
    /// threads in the group, 3/4 = shared variants (JMeter's numbering).
    ConstantThroughput {
        per_minute: Option<Num<f64>>,
        calc_mode: Num<u8>,
    },
    PreciseThroughput {
        throughput: Option<Num<f64>>,
        period: Option<Time>,
        duration: Option<Time>,
        batch_size: Option<Num<u64>>,
    },
    /// jp@gc Throughput Shaping Timer: rows of (start rps, end rps, seconds), kept raw.
    Shaping {
        rows: Vec<[String; 3]>,
    },
}

pub(crate) const JSON_PLUGIN: &str =
    "com.atlantbh.jmeter.plugins.jsonutils.jsonpathextractor.JSONPathExtractor";
pub(crate) const JSON_ASSERT_PLUGIN: &str =
    "com.atlantbh.jmeter.plugins.jsonutils.jsonpathassertion.JSONPathAssertion";
pub(crate) const SHAPING: &str = "kg.apc.jmeter.timers.VariableThroughputTimer";

fn scope(f: &Fields) -> Scope {
    match f.text("Sample.scope").as_str() {
        "children" => Scope::Children,
        "all" => Scope::All,
        "variable" => Scope::Variable(f.text("Scope.variable")),
        _ => Scope::Parent,
    }
}

/// JMeter's "use empty default" flag turns an empty default into a real empty value.
fn default_of(f: &Fields, prefix: &str) -> Option<String> {
    let empty = f.flag(&format!("{prefix}.default_empty_value"), false);
    f.opt(&format!("{prefix}.default"))
        .or_else(|| empty.then(String::new))
}

pub(crate) fn extractor(el: &Element, f: &mut Fields) -> Option<Extractor> {
    Some(match el.class.as_str() {
        "RegexExtractor" => Extractor::Regex {
            var: f.text("RegexExtractor.refname"),
            regex: f.text("RegexExtractor.regex"),
            template: f.text("RegexExtractor.template"),
            default: default_of(f, "RegexExtractor"),
            match_no: f.num("RegexExtractor.match_number"),
            field: f
                .opt("RegexExtractor.useHeaders")
                .unwrap_or_else(|| "false".to_owned()),
            scope: scope(f),
        },
        "JSONPostProcessor" => Extractor::Json {
            vars: f.text("JSONPostProcessor.referenceNames"),
            paths: f.text("JSONPostProcessor.jsonPathExprs"),
            match_numbers: f.text("JSONPostProcessor.match_numbers"),
            defaults: f.text("JSONPostProcessor.defaultValues"),
            concat: f.flag("JSONPostProcessor.compute_concat", false),
            scope: scope(f),
        },
        JSON_PLUGIN => Extractor::JsonPlugin {
            var: f.text("VAR"),
            path: f.text("JSONPATH"),
            default: f.text("DEFAULT"),
            from_variable: (f.text("SUBJECT") == "VAR").then(|| f.text("VARIABLE")),
        },
        "XPathExtractor" => xpath_extractor(f, "XPathExtractor", false),
        "XPath2Extractor" => xpath_extractor(f, "XPathExtractor2", true),
        "BoundaryExtractor" => Extractor::Boundary {
            var: f.text("BoundaryExtractor.refname"),
            left: f.text("BoundaryExtractor.lboundary"),
            right: f.text("BoundaryExtractor.rboundary"),
            default: default_of(f, "BoundaryExtractor"),
            match_no: f.num("BoundaryExtractor.match_number"),
            field: f
                .opt("BoundaryExtractor.useHeaders")
                .unwrap_or_else(|| "false".to_owned()),
            scope: scope(f),
        },
        "HtmlExtractor" => Extractor::Css {
            var: f.text("HtmlExtractor.refname"),
            expr: f.text("HtmlExtractor.expr"),
            attribute: f.text("HtmlExtractor.attribute"),
            default: default_of(f, "HtmlExtractor"),
            match_no: f.num("HtmlExtractor.match_number"),
            scope: scope(f),
        },
        _ => return None,
    })
}

fn xpath_extractor(f: &mut Fields, prefix: &str, xpath2: bool) -> Extractor {
    let p = |name: &str| format!("{prefix}.{name}");
    Extractor::XPath {
        var: f.text(&p("refname")),
        query: f.text(&p("xpathQuery")),
        default: f.opt(&p("default")),
        match_no: f.num(&p("matchNumber")),
        xpath2,
        tolerant: f.flag(&p("tolerant"), false),
        use_namespaces: !xpath2 && f.flag(&p("namespace"), false),
        namespaces: f.opt(&p("namespaces")).filter(|_| xpath2),
        fragment: f.flag(&p("fragment"), false),
        scope: scope(f),
    }
}

pub(crate) fn assertion(el: &Element, f: &mut Fields) -> Option<Assertion> {
    Some(match el.class.as_str() {
        "ResponseAssertion" => response_assertion(f),
        "JSONPathAssertion" | JSON_ASSERT_PLUGIN => Assertion::JsonPath {
            path: f.text("JSON_PATH"),
            expected: f.opt("EXPECTED_VALUE"),
            validate: f.flag("JSONVALIDATION", false),
            expect_null: f.flag("EXPECT_NULL", false),
            invert: f.flag("INVERT", false),
            regex: f.flag("ISREGEX", true),
        },
        "XPathAssertion" => Assertion::XPath {
            xpath: f.text("XPath.xpath"),
            xpath2: false,
            negate: f.flag("XPath.negate", false),
            tolerant: f.flag("XPath.tolerant", false),
            use_namespaces: f.flag("XPath.namespace", false),
            namespaces: None,
        },
        "XPath2Assertion" => Assertion::XPath {
            xpath: f.text("XPath2.xpath"),
            xpath2: true,
            negate: f.flag("XPath2.negate", false),
            tolerant: false,
            use_namespaces: false,
            namespaces: f.opt("XPath2.namespaces"),
        },
        "DurationAssertion" => Assertion::Duration {
            max: f.millis("DurationAssertion.duration"),
        },
        "SizeAssertion" => Assertion::Size {
            size: f.num("SizeAssertion.size"),
            operator: f.num("SizeAssertion.operator").unwrap_or(Num::Lit(1)),
            field: f.text("Assertion.test_field"),
        },
        _ => return None,
    })
}

fn response_assertion(f: &mut Fields) -> Assertion {
    // JMeter has always saved the strings under this misspelt name.
    let mut strings = texts(f.entries(None, "Asserion.test_strings"));
    strings.extend(texts(f.entries(None, "Assertion.test_strings")));
    let bits = match f.num::<u32>("Assertion.test_type") {
        Some(Num::Lit(b)) => b,
        Some(Num::Expr(e)) => {
            f.bad("Assertion.test_type", &e, "a literal bitmask");
            2
        }
        None => 2,
    };
    let kind = if bits & 1 != 0 {
        MatchKind::Matches
    } else if bits & 8 != 0 {
        MatchKind::Equals
    } else if bits & 16 != 0 {
        MatchKind::Substring
    } else {
        MatchKind::Contains
    };
    Assertion::Response {
        field: f
            .opt("Assertion.test_field")
            .unwrap_or_else(|| "Assertion.response_data".to_owned()),
        rule: MatchRule {
            kind,
            not: bits & 4 != 0,
            or: bits & 32 != 0,
        },
        strings,
        assume_success: f.flag("Assertion.assume_success", false),
        custom_message: f.opt("Assertion.custom_message"),
        scope: scope(f),
    }
}

/// JMeter 2.2 and older saved the mode as its English label.
fn calc_mode(f: &mut Fields) -> Num<u8> {
    let legacy = match f.text("calcMode").as_str() {
        "this thread only" => Some(0),
        "all active threads" => Some(1),
        "all active threads in current thread group" => Some(2),
        "all active threads (shared)" => Some(3),
        "all active threads in current thread group (shared)" => Some(4),
        _ => None,
    };
    match legacy {
        Some(mode) => Num::Lit(mode),
        None => f.num("calcMode").unwrap_or(Num::Lit(0)),
    }
}

pub(crate) fn timer(el: &Element, f: &mut Fields) -> Option<Timer> {
    Some(match el.class.as_str() {
        "ConstantTimer" => Timer::Constant {
            delay: f.millis("ConstantTimer.delay"),
        },
        "UniformRandomTimer" => Timer::UniformRandom {
            delay: f.millis("ConstantTimer.delay"),
            range: f.millis("RandomTimer.range"),
        },
        "GaussianRandomTimer" => Timer::Gaussian {
            delay: f.millis("ConstantTimer.delay"),
            deviation: f.millis("RandomTimer.range"),
        },
        "PoissonRandomTimer" => Timer::Poisson {
            delay: f.millis("ConstantTimer.delay"),
            lambda: f.millis("RandomTimer.range"),
        },
        "ConstantThroughputTimer" => Timer::ConstantThroughput {
            per_minute: f.num("throughput"),
            calc_mode: calc_mode(f),
        },
        "PreciseThroughputTimer" => Timer::PreciseThroughput {
            throughput: f.num("throughput"),
            period: f.secs("throughputPeriod"),
            duration: f.secs("duration"),
            batch_size: f.num("batchSize"),
        },
        SHAPING => Timer::Shaping {
            rows: f
                .entries(None, "load_profile")
                .iter()
                .filter_map(|row| match &row.value {
                    crate::document::PropValue::Collection(cells) => {
                        let t = texts(cells);
                        Some([0, 1, 2].map(|i| t.get(i).cloned().unwrap_or_default()))
                    }
                    _ => None,
                })
                .collect(),
        },
        _ => return None,
    })
}
