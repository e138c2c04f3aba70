//! An HTTP sampler with what is in its scope (defaults, headers, auth, timers, extractors,
//! assertions) as one [`RequestSpec`]; CSV data sets and per-iteration variables.

use std::sync::Arc;
use std::time::Duration;

use stampede_jmx::{Config, CsvDataSet, HttpArg, HttpRequest, Node, Num, ShareMode};
use stampede_scenario::{BodySpec, CsvSpec, DataSource, RequestSpec};

use crate::lower::{Level, Lowerer, Scope};

const FORM: &str = "application/x-www-form-urlencoded";

impl Lowerer<'_> {
    pub(crate) fn sampler<'p>(&mut self, node: &'p Node, h: &'p HttpRequest, outer: &Scope<'p>) {
        let scope = self.enter(outer, node, Level::Inner);
        match self.request(node, h, &scope) {
            Ok(spec) => {
                if let Err(e) = self.b.request(spec) {
                    self.refuse(outer, node, e.to_string());
                }
            }
            Err(reason) => self.refuse(outer, node, reason),
        }
    }

    fn request(
        &mut self,
        node: &Node,
        h: &HttpRequest,
        scope: &Scope<'_>,
    ) -> Result<RequestSpec, String> {
        let pick = |f: Field| pick(h, scope, f);
        let method = unless_template(h.method.clone().unwrap_or_else(|| "GET".into()), |m| {
            m.trim().to_ascii_uppercase()
        });
        let mut url = url(h, scope)?;
        let mut headers = scope.headers.clone();
        let body = body(
            h,
            scope,
            &method,
            &mut url,
            &mut headers,
            &self.opts.base_dir,
        )?;
        let encoding = match pick(|r| r.content_encoding.as_ref()) {
            Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
                .ok_or_else(|| format!("content encoding {label:?} is not known"))?,
            None => encoding_rs::UTF_8,
        };
        let mut spec = RequestSpec::get(&url);
        spec.label = Some(node.name.clone()).filter(|n| !n.is_empty());
        spec.method = method;
        spec.headers = headers;
        spec.body = body;
        spec.encoding = encoding;
        spec.keepalive = h.use_keepalive;
        spec.follow_redirects = h.follow_redirects || h.auto_redirects;
        let timeout = h.response_timeout.as_ref().or_else(|| {
            scope
                .defaults
                .iter()
                .rev()
                .find_map(|d| d.response_timeout.as_ref())
        });
        if let Some(t) = timeout {
            let t = self.ev.time(t, Duration::from_millis(1)).map_err(|raw| {
                format!("response timeout {raw:?} has no value before the test starts")
            })?;
            if !t.is_zero() {
                spec.timeout = t;
            }
        }
        spec.think = self.think(scope)?;
        spec.extractors = self.extractors(scope)?;
        spec.assertions = self.assertions(scope)?;
        spec.auth = Arc::from(scope.auth.clone());
        Ok(spec)
    }

    /// A CSV Data Set: a new row for each iteration of the group.
    pub(crate) fn csv(&mut self, scope: &Scope<'_>, node: &Node, csv: &CsvDataSet, level: Level) {
        if level == Level::Inner {
            return self.refuse(scope, node, "reads a row per iteration of its controller; only a CSV Data Set directly under the Thread Group or the Test Plan is supported");
        }
        if !csv.recycle && !csv.stop_thread {
            return self.refuse(scope, node, "at end of file JMeter goes on with <EOF> values; set \"Recycle on EOF\" or \"Stop thread on EOF\"");
        }
        let names = csv.variable_names.trim();
        let mut spec = CsvSpec::path(&csv.filename);
        spec.delimiter = Some(match csv.delimiter.as_str() {
            "" => ",".to_string(),
            "\\t" => "tab".to_string(),
            d => d.to_string(),
        });
        spec.quoted = csv.quoted_data;
        spec.loop_ = Some(csv.recycle);
        spec.encoding = csv.encoding.clone().filter(|e| !e.trim().is_empty());
        // Names from the element and the file's first line skipped, or names from the first line.
        spec.variable_names = (!names.is_empty()).then(|| names.to_string());
        if !names.is_empty() && csv.ignore_first_line {
            match first_line(&self.opts.base_dir.join(&csv.filename)) {
                Some(first) if same_names(&first, names, &csv.delimiter) => spec.variable_names = None,
                _ => return self.refuse(scope, node, "\"Ignore first line\" with variable names that differ from the file's first line is not supported"),
            }
        }
        // JMeter keeps one reader per file name ("All threads", every thread group of the plan),
        // per name and identifier, per thread group, or per thread.
        let shared_key = match &csv.share_mode {
            ShareMode::All => Some(String::new()),
            ShareMode::Named(id) => Some(format!("@{id}")),
            ShareMode::Group | ShareMode::Thread => None,
        }
        .map(|k| format!("{}{k}\n{names}\n{}", csv.filename.trim(), csv.delimiter));
        if let Some(key) = &shared_key
            && let Some(source) = self.csv_readers.borrow().get(key)
        {
            return self.b.shared_data_source(source.clone());
        }
        match DataSource::load(&spec, &self.opts.base_dir) {
            Ok(source) if csv.share_mode == ShareMode::Thread => {
                self.b.data_source(source.per_user())
            }
            Ok(source) => {
                let source = std::sync::Arc::new(source);
                if let Some(key) = shared_key {
                    self.csv_readers.borrow_mut().insert(key, source.clone());
                }
                self.b.shared_data_source(source);
            }
            Err(e) => self.refuse(scope, node, e.to_string()),
        }
    }

    /// Random Variable and Counter: a new value at each iteration.
    pub(crate) fn per_iteration(
        &mut self,
        scope: &Scope<'_>,
        node: &Node,
        c: &Config,
        level: Level,
    ) {
        if level == Level::Inner {
            return self.refuse(
                scope,
                node,
                "only directly under the Thread Group or the Test Plan is supported",
            );
        }
        let (name, value) = match c {
            Config::RandomVariable {
                name,
                format,
                min,
                max,
                seed,
                ..
            } => {
                if format.as_deref().is_some_and(|f| !f.is_empty())
                    || seed.as_deref().is_some_and(|s| !s.is_empty())
                {
                    return self.refuse(scope, node, "an output format or a seed is not supported");
                }
                (
                    name,
                    format!("${{__Random({},{})}}", min.trim(), max.trim()),
                )
            }
            Config::Counter {
                name,
                start,
                end,
                increment,
                format,
                per_user,
                reset_on_thread_group_iteration,
            } => {
                let trivial = start.trim() == "1" && increment.trim() == "1";
                if !trivial
                    || end.as_deref().is_some_and(|e| !e.is_empty())
                    || format.as_deref().is_some_and(|f| !f.is_empty())
                    || *reset_on_thread_group_iteration
                {
                    return self.refuse(
                        scope,
                        node,
                        "only a counter from 1 by 1, without end, format or reset, is supported",
                    );
                }
                let per_user = if *per_user { "TRUE" } else { "FALSE" };
                (name, format!("${{__counter({per_user})}}"))
            }
            _ => return,
        };
        if let Err(e) = self.b.set_variables(&[(name.clone(), value)]) {
            self.refuse(scope, node, e.to_string());
        }
    }
}

/// The arguments (the sampler's, then the defaults' not named by it) in the query or as a form
/// body, or the raw Body Data.
fn body(
    h: &HttpRequest,
    scope: &Scope<'_>,
    method: &str,
    url: &mut String,
    headers: &mut Vec<(String, String)>,
    base_dir: &std::path::Path,
) -> Result<BodySpec, String> {
    let mut args: Vec<&HttpArg> = h.arguments.iter().collect();
    for d in scope.defaults.iter().rev() {
        for a in &d.arguments {
            if !args.iter().any(|x| x.name == a.name) {
                args.push(a);
            }
        }
    }
    if let Some(body) = crate::upload::body(h, &args, method, base_dir, headers)? {
        return Ok(body);
    }
    Ok(match (&h.body, args.is_empty()) {
        (Some(raw), _) => BodySpec::Text(raw.clone()),
        (None, true) => BodySpec::Empty,
        (None, false) if matches!(method, "GET" | "DELETE" | "HEAD" | "OPTIONS") => {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query(&args));
            BodySpec::Empty
        }
        (None, false) => {
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".into(), FORM.into()));
            }
            BodySpec::Text(query(&args))
        }
    })
}

/// Which text field of a sampler or of HTTP Request Defaults.
type Field = fn(&HttpRequest) -> Option<&String>;

/// The sampler's own value, else the closest HTTP Request Defaults' (empty counts as unset).
fn pick(h: &HttpRequest, scope: &Scope<'_>, f: Field) -> Option<String> {
    std::iter::once(h)
        .chain(scope.defaults.iter().rev().copied())
        .find_map(|r| f(r).filter(|s| !s.trim().is_empty()).cloned())
}

/// `protocol://domain[:port]/path`, or the path when it is a whole URL.
fn url(h: &HttpRequest, scope: &Scope<'_>) -> Result<String, String> {
    let path = pick(h, scope, |r| r.path.as_ref()).unwrap_or_default();
    let path = path.trim();
    if path.starts_with("http://") || path.starts_with("https://") {
        return Ok(path.to_string());
    }
    let protocol = unless_template(
        pick(h, scope, |r| r.protocol.as_ref()).unwrap_or_else(|| "http".into()),
        |p| p.trim().to_ascii_lowercase(),
    );
    let domain = pick(h, scope, |r| r.domain.as_ref())
        .ok_or("has no server name (set it in the sampler or in HTTP Request Defaults)")?;
    let port = std::iter::once(h)
        .chain(scope.defaults.iter().rev().copied())
        .find_map(|r| r.port.clone().filter(|p| *p != Num::Lit(0)));
    let port = match port {
        Some(Num::Lit(p))
            if !(p == 80 && protocol == "http" || p == 443 && protocol == "https") =>
        {
            format!(":{p}")
        }
        Some(Num::Expr(raw)) => format!(":{}", raw.trim()),
        _ => String::new(),
    };
    let slash = if path.starts_with('/') { "" } else { "/" };
    Ok(format!("{protocol}://{}{port}{slash}{path}", domain.trim()))
}

/// Normalises a literal; a `${...}` template is rendered at run time, variable names intact.
fn unless_template(text: String, f: impl Fn(&str) -> String) -> String {
    if text.contains("${") { text } else { f(&text) }
}

/// Arguments as JMeter sends them: `name=value&...`, encoded when the argument asks for it.
fn query(args: &[&HttpArg]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| {
            let (name, value) = if a.always_encode {
                (encode(&a.name), encode(&a.value))
            } else {
                (a.name.clone(), a.value.clone())
            };
            if a.use_equals || !value.is_empty() {
                format!("{name}={value}")
            } else {
                name
            }
        })
        .collect();
    parts.join("&")
}

/// Form encoding (`URLEncoder`); a value with `${...}` is encoded after rendering.
fn encode(s: &str) -> String {
    if s.contains("${") {
        return format!("${{__urlencode({s})}}");
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn first_line(path: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().next().map(str::to_string)
}

fn same_names(first: &str, names: &str, delimiter: &str) -> bool {
    let d = match delimiter {
        "" => ",",
        "\\t" => "\t",
        d => d,
    };
    let file: Vec<&str> = first.split(d).map(str::trim).collect();
    let given: Vec<&str> = names.split(',').map(str::trim).collect();
    file == given
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_encoded_only_when_asked() {
        let arg = |name: &str, value: &str, enc: bool| HttpArg {
            name: name.into(),
            value: value.into(),
            always_encode: enc,
            use_equals: true,
            content_type: None,
        };
        let (a, b, c) = (
            arg("q", "a b/é", true),
            arg("raw", "x%20y", false),
            arg("v", "${id}", true),
        );
        assert_eq!(
            query(&[&a, &b, &c]),
            "q=a+b%2F%C3%A9&raw=x%20y&v=${__urlencode(${id})}"
        );
    }
}
