//! From the raw [`Document`] to the typed [`Plan`]: classify each enabled element, read its
//! properties, and collect every problem before failing.

use crate::document::{Document, Element, Props};
use crate::error::{ElementError, Problem, ReadError};
use crate::fields::Fields;
use crate::plan::{Kind, ModuleTarget, Node, Note, Plan};
use crate::{checks, config, groups, http, logic};

/// What the reader does with a class.
enum Class {
    ThreadGroup,
    Http,
    Config,
    Controller,
    Extractor,
    Assertion,
    Timer,
    FlowControl,
    /// Read, noted, and left out: it does not change what is measured.
    Ignored(&'static str),
    Refused(Problem),
}

/// JMeter's own classes may be written with their package; the short alias is what we match on.
fn short(class: &str) -> &str {
    match class.strip_prefix("org.apache.jmeter.") {
        Some(rest) => rest.rsplit('.').next().unwrap_or(rest),
        None => class,
    }
}

fn classify(el: &Element) -> Class {
    let class = short(&el.class);
    if ["JSR223", "BeanShell", "BSF"]
        .iter()
        .any(|s| class.contains(s))
    {
        return Class::Refused(Problem::Script);
    }
    match class {
        "ThreadGroup"
        | "SetupThreadGroup"
        | "PostThreadGroup"
        | groups::CONCURRENCY
        | groups::ULTIMATE => Class::ThreadGroup,
        "HTTPSamplerProxy" | "HTTPSampler" | "HTTPSampler2" => Class::Http,
        "TestAction" => Class::FlowControl,
        "ConfigTestElement" if logic::is_http_defaults(el) => Class::Config,
        "ConfigTestElement" => Class::Ignored("config for a non-HTTP sampler, ignored"),
        "HeaderManager"
        | "CookieManager"
        | "CacheManager"
        | "AuthManager"
        | "CSVDataSet"
        | "Arguments"
        | "RandomVariableConfig"
        | "CounterConfig" => Class::Config,
        "DNSCacheManager" => Class::Ignored(
            "DNS Cache Manager ignored: Stampede resolves names with the system resolver",
        ),
        "RegexExtractor"
        | "JSONPostProcessor"
        | "XPathExtractor"
        | "XPath2Extractor"
        | "BoundaryExtractor"
        | "HtmlExtractor"
        | checks::JSON_PLUGIN => Class::Extractor,
        "ResponseAssertion"
        | "JSONPathAssertion"
        | "XPathAssertion"
        | "XPath2Assertion"
        | "DurationAssertion"
        | "SizeAssertion"
        | checks::JSON_ASSERT_PLUGIN => Class::Assertion,
        "ConstantTimer"
        | "UniformRandomTimer"
        | "GaussianRandomTimer"
        | "PoissonRandomTimer"
        | "ConstantThroughputTimer"
        | "PreciseThroughputTimer"
        | checks::SHAPING => Class::Timer,
        c if is_listener(c) => Class::Ignored("listener ignored: Stampede writes its own results"),
        "WorkBench" => Class::Ignored("WorkBench ignored: JMeter does not run it"),
        "ProxyControl" => {
            Class::Ignored("HTTP(S) Test Script Recorder ignored: JMeter does not run it")
        }
        c if is_controller(c) => Class::Controller,
        c if c.ends_with("ThreadGroup") || c.contains(".threads.") => {
            Class::Refused(Problem::UnsupportedThreadGroup)
        }
        c if is_sampler(c) => Class::Refused(Problem::NonHttpSampler),
        _ => Class::Refused(Problem::Unknown),
    }
}

fn is_listener(class: &str) -> bool {
    matches!(
        class,
        "ResultCollector"
            | "BackendListener"
            | "Summariser"
            | "ResultSaver"
            | "MailerResultCollector"
    ) || class.starts_with("kg.apc.jmeter.vizualizers.")
        || class.starts_with("kg.apc.jmeter.listener.")
        || class.starts_with("kg.apc.jmeter.perfmon.")
        || class.starts_with("kg.apc.jmeter.dbmon.")
        || class.starts_with("kg.apc.jmeter.jmxmon.")
        || (class.starts_with("kg.apc.jmeter.reporters.")
            && class != "kg.apc.jmeter.reporters.AutoStop")
        || class.ends_with("ResultCollector")
}

fn is_controller(class: &str) -> bool {
    matches!(
        class,
        "GenericController"
            | "RecordingController"
            | "TransactionController"
            | "LoopController"
            | "IfController"
            | "WhileController"
            | "ForeachController"
            | "OnceOnlyController"
            | "RandomController"
            | "RandomOrderController"
            | "InterleaveControl"
            | "ThroughputController"
            | "RunTime"
            | "ModuleController"
            | "IncludeController"
            | "SwitchController"
            | "TestFragmentController"
    )
}

fn is_sampler(class: &str) -> bool {
    class.ends_with("Sampler")
        || class.contains(".sampler")
        || matches!(
            class,
            "TestAction" | "DebugSampler" | "JUnitSampler" | "AccessLogSampler"
        )
}

struct Builder {
    errors: Vec<ElementError>,
    notes: Vec<Note>,
    /// Module Controllers met, checked once the whole tree is known.
    modules: Vec<(Vec<String>, ElementError)>,
}

pub(crate) fn build(doc: &Document) -> Result<Plan, ReadError> {
    let test_plan = doc
        .test_plan()
        .filter(|p| p.enabled)
        .ok_or(ReadError::NoTestPlan)?;
    let root = if test_plan.name.is_empty() {
        "Test Plan".to_owned()
    } else {
        test_plan.name.clone()
    };
    let mut b = Builder {
        errors: Vec::new(),
        notes: Vec::new(),
        modules: Vec::new(),
    };
    for other in doc.roots.iter().filter(|r| r.class != "TestPlan") {
        b.note(&root, other, "ignored: JMeter runs only the TestPlan");
    }
    let mut problems = Vec::new();
    let mut f = Fields::new(test_plan, &mut problems);
    let variables = match test_plan.element("TestPlan.user_defined_variables") {
        Some(udv) => config::variables(&mut f.nested(udv)),
        None => Vec::new(),
    };
    let serialize_thread_groups = f.flag("TestPlan.serialize_threadgroups", false);
    let teardown_on_shutdown = f.flag("TestPlan.tearDown_on_shutdown", true);
    let functional_mode = f.flag("TestPlan.functional_mode", false);
    b.record(&root, test_plan, problems);
    let children = b.children(&test_plan.children, &root, true);
    let plan = Plan {
        name: test_plan.name.clone(),
        jmeter_version: doc.jmeter_version.clone(),
        serialize_thread_groups,
        teardown_on_shutdown,
        functional_mode,
        variables,
        children,
        notes: std::mem::take(&mut b.notes),
        module_targets: Vec::new(),
    };
    let mut plan = plan;
    plan.module_targets = b.module_targets(&test_plan.children, &root);
    if b.errors.is_empty() {
        Ok(plan)
    } else {
        Err(ReadError::Invalid(b.errors))
    }
}

impl Builder {
    fn note(&mut self, path: &str, el: &Element, message: &str) {
        self.notes.push(Note {
            path: format!("{path} / {} \"{}\"", el.class, el.name),
            line: el.line,
            message: message.to_owned(),
        });
    }

    fn error(&self, path: &str, el: &Element, problem: Problem) -> ElementError {
        ElementError {
            class: el.class.clone(),
            name: el.name.clone(),
            path: path.to_owned(),
            line: el.line,
            problem,
        }
    }

    fn record(&mut self, path: &str, el: &Element, problems: Vec<Problem>) {
        for p in problems {
            let e = self.error(path, el, p);
            self.errors.push(e);
        }
    }

    fn children(&mut self, elements: &[Element], path: &str, top: bool) -> Vec<Node> {
        let mut nodes = Vec::new();
        for el in elements {
            if !el.enabled {
                continue;
            }
            let here = format!("{path} / {}", el.name);
            let mut problems = Vec::new();
            let kind = self.kind(el, path, top, &mut Fields::new(el, &mut problems));
            self.record(path, el, problems);
            let Some(kind) = kind else {
                // A refused element's children are still checked, so that every problem is reported.
                if matches!(classify(el), Class::Refused(_)) {
                    self.children(&el.children, &here, false);
                }
                continue;
            };
            if top && matches!(kind, Kind::Http(_)) {
                self.note(
                    path,
                    el,
                    "sampler outside any thread group: JMeter never runs it",
                );
            }
            let children = self.children(&el.children, &here, false);
            nodes.push(Node {
                name: el.name.clone(),
                line: el.line,
                kind,
                children,
            });
        }
        nodes
    }

    /// The typed element, or `None` when it is ignored (noted) or refused (recorded).
    fn kind(&mut self, el: &Element, path: &str, top: bool, f: &mut Fields) -> Option<Kind> {
        let refuse = |b: &mut Self, p| {
            let e = b.error(path, el, p);
            b.errors.push(e);
            None
        };
        match classify(el) {
            Class::ThreadGroup if !top => refuse(self, Problem::NestedThreadGroup),
            Class::ThreadGroup => Some(Kind::ThreadGroup(groups::read(el, f))),
            Class::Http => Some(Kind::Http(http::read(f, true))),
            Class::Config => config::read(el, f).map(Kind::Config),
            Class::Controller => {
                let controller = logic::read(el, f)?;
                if let logic::Controller::Module { node_path } = &controller {
                    let err = self.error(path, el, Problem::Unknown);
                    self.modules.push((node_path.clone(), err));
                }
                Some(Kind::Controller(controller))
            }
            Class::Extractor => checks::extractor(el, f).map(Kind::Extractor),
            Class::Assertion => checks::assertion(el, f).map(Kind::Assertion),
            Class::Timer => checks::timer(el, f).map(Kind::Timer),
            Class::FlowControl => Some(Kind::FlowControl(logic::flow_control(f))),
            Class::Ignored(why) => {
                self.note(path, el, why);
                None
            }
            Class::Refused(p) => refuse(self, p),
        }
    }
}

impl Builder {
    /// The target of every Module Controller met (and of those inside the targets), built as
    /// JMeter runs it: a disabled target is enabled (its disabled children stay out). A path
    /// that names nothing is an error.
    fn module_targets(&mut self, top: &[Element], root: &str) -> Vec<ModuleTarget> {
        let mut out: Vec<ModuleTarget> = Vec::new();
        while let Some((node_path, err)) = self.modules.pop() {
            if out.iter().any(|t| t.node_path == node_path) {
                continue;
            }
            let Some(target) = find_element(top, &node_path) else {
                self.errors.push(ElementError {
                    problem: Problem::ModuleTargetMissing { node_path },
                    ..err
                });
                continue;
            };
            // An enabled target was built (and checked) with the tree; a disabled one is new.
            let mut own = Builder {
                errors: Vec::new(),
                notes: Vec::new(),
                modules: Vec::new(),
            };
            let enabled = Element {
                enabled: true,
                ..target.clone()
            };
            let path = node_path
                .get(1..node_path.len().saturating_sub(1))
                .unwrap_or_default();
            let path = if path.is_empty() {
                root.to_owned()
            } else {
                path.join(" / ")
            };
            let mut nodes = own.children(std::slice::from_ref(&enabled), &path, false);
            if !target.enabled {
                self.errors.append(&mut own.errors);
                self.modules.append(&mut own.modules);
            }
            if let Some(node) = nodes.pop() {
                out.push(ModuleTarget { node_path, node });
            }
        }
        out
    }
}

/// The element a Module Controller's node path names (JMeter's tree root and the Test Plan, then
/// names from the Test Plan's children), disabled ones included. As JMeter does, every element of
/// each name is searched, the last match wins, and Module Controllers are never targets.
fn find_element<'e>(top: &'e [Element], node_path: &[String]) -> Option<&'e Element> {
    fn walk<'e>(elements: &'e [Element], names: &[String], found: &mut Option<&'e Element>) {
        let Some((name, rest)) = names.split_first() else {
            return;
        };
        for el in elements {
            if el.name != *name || el.class == "ModuleController" {
                continue;
            }
            if rest.is_empty() {
                *found = Some(el);
            } else {
                walk(&el.children, rest, found);
            }
        }
    }
    let mut found = None;
    walk(top, node_path.get(2..).unwrap_or_default(), &mut found);
    found
}

#[cfg(test)]
mod tests {
    use crate::{Controller, Kind, Limits, Problem, ReadError, read};

    fn plan_xml(children: &str) -> String {
        format!(
            r#"<jmeterTestPlan version="1.2" jmeter="5.6.3"><hashTree>
<TestPlan testname="P"/><hashTree>{children}</hashTree></hashTree></jmeterTestPlan>"#
        )
    }

    fn el(class: &str, name: &str, children: &str) -> String {
        format!(r#"<{class} testname="{name}"/><hashTree>{children}</hashTree>"#)
    }

    fn module(path: &[&str]) -> String {
        let props: String = path
            .iter()
            .map(|p| format!("<stringProp name=\"x\">{p}</stringProp>"))
            .collect();
        format!(
            r#"<ModuleController testname="M"><collectionProp name="ModuleController.node_path">{props}</collectionProp></ModuleController><hashTree/>"#
        )
    }

    #[test]
    fn module_controller_targets_must_exist() {
        let fragment = el(
            "TestFragmentController",
            "Frag",
            &el("GenericController", "Login", ""),
        );
        let ok = plan_xml(
            &(fragment.clone()
                + &el(
                    "ThreadGroup",
                    "TG",
                    &module(&["Test Plan", "P", "Frag", "Login"]),
                )),
        );
        let plan = read(&ok, &Limits::default()).unwrap();
        let (tg, _) = plan.thread_groups().next().unwrap();
        assert!(
            matches!(&tg.children[0].kind, Kind::Controller(Controller::Module { node_path }) if node_path.len() == 4)
        );

        let missing = plan_xml(
            &(fragment
                + &el(
                    "ThreadGroup",
                    "TG",
                    &module(&["Test Plan", "P", "Frag", "Logout"]),
                )),
        );
        let Err(ReadError::Invalid(errors)) = read(&missing, &Limits::default()) else {
            panic!()
        };
        assert!(
            matches!(&errors[0].problem, Problem::ModuleTargetMissing { node_path } if node_path[3] == "Logout")
        );
        assert_eq!(errors[0].path, "P / TG");
    }

    #[test]
    fn every_problem_is_reported_including_under_refused_elements() {
        let inner = el("JSR223PostProcessor", "fix token", "");
        let xml = plan_xml(&el(
            "ThreadGroup",
            "Users",
            &(el("JDBCSampler", "query", &inner) + &el("ThreadGroup", "nested", "")),
        ));
        let Err(ReadError::Invalid(errors)) = read(&xml, &Limits::default()) else {
            panic!()
        };
        let got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            got[0].starts_with("line 2: P / Users / JDBCSampler \"query\": only HTTP samplers"),
            "{}",
            got[0]
        );
        assert!(
            got[1].starts_with(
                "line 2: P / Users / query / JSR223PostProcessor \"fix token\": scripting"
            ),
            "{}",
            got[1]
        );
        assert_eq!(errors[2].problem, Problem::NestedThreadGroup);
    }

    #[test]
    fn disabled_subtrees_are_skipped_and_stray_samplers_noted() {
        let off = r#"<JSR223Sampler testname="off" enabled="false"/><hashTree><BeanShellTimer testname="x"/><hashTree/></hashTree>"#;
        let xml = plan_xml(&(el("ThreadGroup", "TG", off) + &el("HTTPSamplerProxy", "stray", "")));
        let plan = read(&xml, &Limits::default()).unwrap();
        assert!(plan.thread_groups().next().unwrap().0.children.is_empty());
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0].message.contains("outside any thread group"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let depth = 5_000;
        let xml = plan_xml(
            &(r#"<GenericController testname="c"/><hashTree>"#.repeat(depth)
                + &"</hashTree>".repeat(depth)),
        );
        assert!(matches!(
            read(&xml, &Limits::default()),
            Err(ReadError::TooDeep { max: 256, .. })
        ));
    }
}
