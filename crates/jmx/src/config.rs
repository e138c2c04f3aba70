//! Config elements: defaults, managers, data sets and variables.

use crate::document::Element;
use crate::fields::Fields;
use crate::http::{self, HttpRequest, element_entries};
use crate::plan::{Num, Variable};

/// A config element; it applies to its parent's scope.
#[derive(Debug, Clone, PartialEq)]
pub enum Config {
    /// `ConfigTestElement` with the HTTP Request Defaults GUI.
    HttpDefaults(HttpRequest),
    /// `HeaderManager`: name/value pairs, in order.
    Headers(Vec<(String, String)>),
    Cookies {
        clear_each_iteration: bool,
        /// `CookieManager.policy` (`standard`, `compatibility`...), raw.
        policy: Option<String>,
        cookies: Vec<Cookie>,
    },
    Cache {
        clear_each_iteration: bool,
        use_expires: bool,
        max_size: Option<Num<u64>>,
    },
    Auth {
        clear_each_iteration: bool,
        entries: Vec<AuthEntry>,
    },
    Csv(CsvDataSet),
    /// `Arguments` (User Defined Variables).
    Variables(Vec<Variable>),
    RandomVariable {
        name: String,
        format: Option<String>,
        min: String,
        max: String,
        seed: Option<String>,
        per_thread: bool,
    },
    Counter {
        name: String,
        start: String,
        end: Option<String>,
        increment: String,
        format: Option<String>,
        per_user: bool,
        reset_on_thread_group_iteration: bool,
    },
}

/// A cookie preset in a Cookie Manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub domain: String,
    pub path: String,
    pub secure: bool,
}

/// One row of an HTTP Authorization Manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEntry {
    pub url: String,
    pub username: String,
    pub password: String,
    pub domain: String,
    pub realm: String,
    /// `BASIC`, `DIGEST` or `KERBEROS` (empty means BASIC).
    pub mechanism: String,
}

/// A CSV Data Set Config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvDataSet {
    pub filename: String,
    pub encoding: Option<String>,
    /// Comma-separated names; empty means "the first line holds the names".
    pub variable_names: String,
    /// Raw: JMeter reads `\t` as a tab; empty means `,` (as Taurus fills it in).
    pub delimiter: String,
    pub ignore_first_line: bool,
    pub quoted_data: bool,
    /// Start again at end of file.
    pub recycle: bool,
    /// Stop the thread at end of file (when not recycling).
    pub stop_thread: bool,
    pub share_mode: ShareMode,
}

/// Which threads share one position in a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareMode {
    All,
    Group,
    Thread,
    /// Threads whose mode holds the same identifier share the file.
    Named(String),
}

pub(crate) fn read(el: &Element, f: &mut Fields) -> Option<Config> {
    Some(match el.class.as_str() {
        "ConfigTestElement" => Config::HttpDefaults(http::read(f, false)),
        "HeaderManager" => Config::Headers(
            element_entries(f.entries(None, "HeaderManager.headers"))
                .map(|(_, h)| {
                    let h = f.nested(h);
                    (h.text("Header.name"), h.text("Header.value"))
                })
                .collect(),
        ),
        "CookieManager" => cookies(f),
        "CacheManager" => Config::Cache {
            clear_each_iteration: f.flag("clearEachIteration", false),
            use_expires: f.flag("useExpires", false),
            max_size: f.num("maxSize"),
        },
        "AuthManager" => auth(f),
        "CSVDataSet" => Config::Csv(csv(f)),
        "Arguments" => Config::Variables(variables(f)),
        "RandomVariableConfig" => Config::RandomVariable {
            name: f.text("variableName"),
            format: f.opt("outputFormat"),
            min: f.text("minimumValue"),
            max: f.text("maximumValue"),
            seed: f.opt("randomSeed"),
            per_thread: f.flag("perThread", false),
        },
        "CounterConfig" => Config::Counter {
            name: f.text("CounterConfig.name"),
            start: f.text("CounterConfig.start"),
            end: f.opt("CounterConfig.end"),
            increment: f.text("CounterConfig.incr"),
            format: f.opt("CounterConfig.format"),
            per_user: f.flag("CounterConfig.per_user", false),
            reset_on_thread_group_iteration: f.flag("CounterConfig.reset_on_tg_iteration", false),
        },
        _ => return None,
    })
}

/// The name/value pairs of an `Arguments` element (or of the TestPlan's nested one).
pub(crate) fn variables(f: &mut Fields) -> Vec<Variable> {
    element_entries(f.entries(None, "Arguments.arguments"))
        .map(|(_, a)| {
            let a = f.nested(a);
            Variable {
                name: a.text("Argument.name"),
                value: a.text("Argument.value"),
            }
        })
        .collect()
}

fn cookies(f: &mut Fields) -> Config {
    let cookies = element_entries(f.entries(None, "CookieManager.cookies"))
        .map(|(name, c)| {
            let c = f.nested(c);
            Cookie {
                name: name.to_owned(),
                value: c.text("Cookie.value"),
                domain: c.text("Cookie.domain"),
                path: c.text("Cookie.path"),
                secure: c.flag("Cookie.secure", false),
            }
        })
        .collect();
    Config::Cookies {
        clear_each_iteration: f.flag("CookieManager.clearEachIteration", false),
        policy: f.opt("CookieManager.policy"),
        cookies,
    }
}

fn auth(f: &mut Fields) -> Config {
    let entries = element_entries(f.entries(None, "AuthManager.auth_list"))
        .map(|(_, a)| {
            let a = f.nested(a);
            AuthEntry {
                url: a.text("Authorization.url"),
                username: a.text("Authorization.username"),
                password: a.text("Authorization.password"),
                domain: a.text("Authorization.domain"),
                realm: a.text("Authorization.realm"),
                mechanism: a.text("Authorization.mechanism"),
            }
        })
        .collect();
    Config::Auth {
        clear_each_iteration: f.flag("AuthManager.clearEachIteration", false),
        entries,
    }
}

fn csv(f: &mut Fields) -> CsvDataSet {
    let share_mode = match f.text("shareMode").as_str() {
        "" | "shareMode.all" => ShareMode::All,
        "shareMode.group" => ShareMode::Group,
        "shareMode.thread" => ShareMode::Thread,
        other => ShareMode::Named(other.to_owned()),
    };
    CsvDataSet {
        filename: f.text("filename"),
        encoding: f.opt("fileEncoding"),
        variable_names: f.text("variableNames"),
        delimiter: f.opt("delimiter").unwrap_or_else(|| ",".to_owned()),
        ignore_first_line: f.flag("ignoreFirstLine", false),
        quoted_data: f.flag("quotedData", false),
        recycle: f.flag("recycle", true),
        stop_thread: f.flag("stopThread", false),
        share_mode,
    }
}
